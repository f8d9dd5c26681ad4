//! Engine-level benchmark of the "day of traffic" workloads (`../shared/bench/gen_workloads.py`).
//!
//! Loads the same series as the promtool unit test (1,000 × scale counter series at 15 s for 24 h) the way
//! `promtool test rules` does — lazily, up to each evaluation step — and evaluates the recording rule and
//! the alert expression every minute, appending the recording rule's output to storage. The `histogram`
//! workload does the same with classic bucket series and
//! `histogram_quantile(0.9, sum by (le) (rate(http_request_latency_seconds_bucket[5m])))`.
//!
//! ```text
//! cargo run --release --example bench_engine -- counter 1     # workload, scale
//! cargo run --release --example bench_engine -- --write-promtool DIR histogram 4
//! ```
//!
//! Prints wall time, evaluations, samples and peak resident memory (`VmHWM`). `--write-promtool DIR`
//! instead writes the equivalent promtool test and rule files, for the side-by-side measurement.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use mlmon_lint::engine::{Engine, EngineSettings, Labels, Storage, Value};
use mlmon_lint::promql::{self, ParseOptions};

const STEP: i64 = 15_000;
const SLOTS: i64 = 5760;
const DAY: i64 = 86_400_000;

struct Workload {
    series: Vec<(Labels, f64)>,
    record: (&'static str, &'static str),
    alert: Option<&'static str>,
}

fn workload(kind: &str, scale: usize) -> Option<Workload> {
    let mut series = Vec::new();
    match kind {
        "counter" => {
            for p in 0..100 * scale {
                for s in ["200", "201", "404", "500", "503"] {
                    for m in ["GET", "POST"] {
                        let inc = if s.starts_with('2') { 10.0 } else { 1.0 };
                        let l = Labels::from_pairs([
                            ("__name__", "http_requests_total".to_string()),
                            ("path", format!("/p{p}")),
                            ("status", s.to_string()),
                            ("method", m.to_string()),
                            ("job", "ml".to_string()),
                            ("instance", format!("i{}", p % 10)),
                        ]);
                        series.push((l, inc));
                    }
                }
            }
            Some(Workload {
                series,
                record: ("status:http_requests:rate5m", "sum by (status) (rate(http_requests_total[5m]))"),
                alert: Some(
                    "sum(rate(http_requests_total{status=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m])) > 0.5",
                ),
            })
        }
        "histogram" => {
            let les = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"];
            for p in 0..100 * scale {
                for (i, le) in les.iter().enumerate() {
                    let l = Labels::from_pairs([
                        ("__name__", "http_request_latency_seconds_bucket".to_string()),
                        ("path", format!("/p{p}")),
                        ("le", le.to_string()),
                        ("job", "ml".to_string()),
                        ("instance", format!("i{}", p % 10)),
                    ]);
                    series.push((l, (i + 1) as f64));
                }
            }
            Some(Workload {
                series,
                record: (
                    "le:http_request_latency_seconds:p90",
                    "histogram_quantile(0.9, sum by (le) (rate(http_request_latency_seconds_bucket[5m])))",
                ),
                alert: None,
            })
        }
        _ => None,
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn write_promtool(dir: &str, w: &Workload) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut t =
        String::from("rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n- interval: 15s\n  input_series:\n");
    for (l, inc) in &w.series {
        let _ = writeln!(t, "  - series: '{l}'\n    values: '0+{inc}x{SLOTS}'");
    }
    t.push_str(
        "  promql_expr_test:\n  - expr: vector(1)\n    eval_time: 1d\n    exp_samples: [{labels: '{}', value: 1}]\n",
    );
    std::fs::write(format!("{dir}/test.yml"), t)?;
    let mut r = format!("groups:\n- name: r\n  rules:\n  - record: {}\n    expr: {}\n", w.record.0, w.record.1);
    if let Some(a) = w.alert {
        let _ = write!(r, "  - alert: HighErrorRate\n    expr: {a}\n    for: 5m\n");
    }
    std::fs::write(format!("{dir}/rules.yml"), r)
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut write_dir = None;
    if args.first().map(String::as_str) == Some("--write-promtool") && args.len() >= 2 {
        write_dir = Some(args.remove(1));
        args.remove(0);
    }
    let kind = args.first().cloned().unwrap_or_else(|| "counter".into());
    let scale: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let Some(w) = workload(&kind, scale) else {
        eprintln!("usage: bench_engine [--write-promtool DIR] counter|histogram [SCALE]");
        return ExitCode::from(2);
    };
    if let Some(d) = write_dir {
        return match write_promtool(&d, &w) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{d}: {e}");
                ExitCode::from(2)
            }
        };
    }
    let parse = |s: &str| promql::parse(s, ParseOptions::PROMTOOL);
    let (Ok(record), alert) = (parse(w.record.1), w.alert.map(parse).transpose()) else {
        eprintln!("the workload's expressions do not parse");
        return ExitCode::from(2);
    };
    let Ok(alert) = alert else {
        eprintln!("the workload's alert does not parse");
        return ExitCode::from(2);
    };
    let record_name = w.record.0;
    let start = Instant::now();
    // promtool's 10000-sample limit would reject the 16x workload (16,000 rate outputs at once): lift it
    // so that the larger scales measure speed.
    let engine = Engine::new(EngineSettings { max_samples: usize::MAX / 2, ..EngineSettings::promtool(60_000) });
    let mut storage = Storage::new();
    let ids: Vec<usize> = w.series.iter().map(|(l, _)| storage.series_id(l)).collect();
    let mut next_slot = 0i64;
    let mut evals = 0u64;
    let mut out_samples = 0u64;
    let mut ts = 0i64;
    while ts <= DAY {
        // Lazy loading: every input sample with a timestamp <= ts.
        while next_slot <= SLOTS && next_slot * STEP <= ts {
            for (i, (_, inc)) in ids.iter().zip(&w.series) {
                let _ = storage.append_to(*i, next_slot * STEP, inc * next_slot as f64);
            }
            next_slot += 1;
        }
        match engine.instant(&storage, &record, ts) {
            Ok(Value::Vector(v)) => {
                for s in v {
                    let l = s.metric.builder().set("__name__", record_name).labels();
                    let _ = storage.append(&l, ts, s.f);
                    out_samples += 1;
                }
            }
            Ok(_) => {}
            Err(e) => {
                eprintln!("evaluation failed at {ts}: {e}");
                return ExitCode::from(1);
            }
        }
        evals += 1;
        if let Some(a) = &alert {
            if let Err(e) = engine.instant(&storage, a, ts) {
                eprintln!("evaluation failed at {ts}: {e}");
                return ExitCode::from(1);
            }
            evals += 1;
        }
        ts += 60_000;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{kind} x{scale}: {} series, {} samples loaded, {evals} evaluations, {out_samples} recorded samples: {secs:.2} s, peak RSS {:.0} MiB",
        w.series.len(),
        storage.sample_count(),
        peak_rss_kib() as f64 / 1024.0
    );
    ExitCode::SUCCESS
}
