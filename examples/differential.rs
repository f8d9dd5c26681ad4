//! Differential check of mlmon-lint's PromQL engine against the real `promtool` (3.5.3).
//!
//! Generates random well-typed expressions over random series with a fixed seed, evaluates each with
//! mlmon-lint's engine (promtool's settings), writes the answers as `promql_expr_test` expectations of a
//! promtool unit-test file and runs `promtool test rules` on it: promtool compares exactly (no fuzzy
//! compare), so every expression it reports is a disagreement. When our engine raises an error, promtool
//! must raise the same text.
//!
//! ```text
//! cargo run --release --example differential -- [--seed N] [--cases N] [--promtool PATH] [--keep DIR]
//! ```
//!
//! Exit status 0 only when every comparable case agrees. Cases whose answer contains NaN cannot be
//! expressed (promtool never matches NaN) and are counted as skipped. Generated expressions avoid
//! results that depend on promtool's random series order (ties in `topk`, the series listed in
//! many-to-many errors, the last digits of the `stddev`/`stdvar` aggregations).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use mlmon_lint::engine::value::format_go_f;
use mlmon_lint::engine::{Engine, EngineSettings, Labels, Storage, Value};
use mlmon_lint::go::strconv::quote as go_quote;
use mlmon_lint::promql::{self, ParseOptions};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// One generated input series: labels and one value per slot (None = `_`, Some(NaN) never used).
struct Input {
    labels: Vec<(&'static str, String)>,
    values: Vec<Option<f64>>,
    stale_at: Option<usize>,
}

const JOBS: [&str; 2] = ["api", "db"];

fn gen_series(rng: &mut Rng, slots: usize) -> Vec<Input> {
    let mut out = Vec::new();
    for (metric, counter) in [("req_total", true), ("temp", false), ("errs_total", true)] {
        for job in JOBS {
            for inst in 0..2 {
                let mut v = Vec::with_capacity(slots);
                let mut cur = (rng.below(40) as f64) * 0.25;
                for _ in 0..slots {
                    if rng.chance(5) {
                        v.push(None);
                        continue;
                    }
                    if counter {
                        if rng.chance(3) {
                            cur = (rng.below(8) as f64) * 0.5;
                        } else {
                            cur += (rng.below(64) as f64) * 0.25;
                        }
                    } else {
                        cur += (rng.below(33) as f64 - 16.0) * 0.5;
                    }
                    v.push(Some(cur));
                }
                let stale_at = if rng.chance(20) { Some(rng.below(slots)) } else { None };
                out.push(Input {
                    labels: vec![
                        ("__name__", metric.to_string()),
                        ("job", job.to_string()),
                        ("instance", format!("i{inst}")),
                    ],
                    values: v,
                    stale_at,
                });
            }
        }
    }
    for job in JOBS {
        for le in ["0.1", "0.5", "1", "+Inf"] {
            let mut v = Vec::with_capacity(slots);
            let base = match le {
                "0.1" => 1.0,
                "0.5" => 3.0,
                "1" => 4.0,
                _ => 5.0,
            };
            let mut cur = 0.0;
            for _ in 0..slots {
                cur += base * (1 + rng.below(3)) as f64;
                v.push(Some(cur));
            }
            out.push(Input {
                labels: vec![("__name__", "lat_bucket".into()), ("job", job.to_string()), ("le", le.to_string())],
                values: v,
                stale_at: None,
            });
        }
    }
    out
}

const RANGE_FUNCS: [&str; 16] = [
    "rate",
    "increase",
    "delta",
    "irate",
    "idelta",
    "resets",
    "changes",
    "deriv",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "sum_over_time",
    "count_over_time",
    "last_over_time",
    "stddev_over_time",
    "present_over_time",
];

fn gen_duration(rng: &mut Rng) -> &'static str {
    const RANGES: [&str; 6] = ["1m", "2m", "3m", "5m", "90s", "10m"];
    RANGES[rng.below(RANGES.len())]
}

fn gen_selector(rng: &mut Rng) -> String {
    let metric = rng.pick(&["req_total", "temp", "errs_total"]);
    let mut s = metric.to_string();
    match rng.below(5) {
        0 => s.push_str(&format!("{{job=\"{}\"}}", rng.pick(&JOBS))),
        1 => s.push_str("{instance=~\"i[01]\"}"),
        2 => s.push_str("{job!=\"db\"}"),
        _ => {}
    }
    s
}

fn gen_modifiers(rng: &mut Rng, t_end: i64) -> String {
    match rng.below(8) {
        0 => format!(" offset {}", rng.pick(&["1m", "30s", "5m", "-1m"])),
        1 => format!(" @ {}", (rng.below((t_end / 60_000) as usize + 1) * 60) as i64),
        _ => String::new(),
    }
}

fn gen_matrix(rng: &mut Rng, depth: u32, t_end: i64) -> String {
    if depth > 0 && rng.chance(20) {
        let inner = gen_vector(rng, depth - 1, t_end);
        let step = if rng.chance(50) { String::new() } else { rng.pick(&["30s", "1m", "20s"]).to_string() };
        return format!("({inner})[{}:{step}]{}", gen_duration(rng), gen_modifiers(rng, t_end));
    }
    format!("{}[{}]{}", gen_selector(rng), gen_duration(rng), gen_modifiers(rng, t_end))
}

fn gen_scalar(rng: &mut Rng, depth: u32, t_end: i64) -> String {
    match rng.below(6) {
        0 if depth > 0 => format!("scalar({})", gen_vector(rng, depth - 1, t_end)),
        1 => "time()".into(),
        2 => format!("({} * {})", rng.below(5), rng.below(7)),
        _ => format!("{}", (rng.below(41) as f64 - 10.0) * 0.5),
    }
}

fn gen_grouping(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => " by (job)".into(),
        1 => " without (instance)".into(),
        2 => " by (job, instance)".into(),
        3 => " without (job)".into(),
        _ => String::new(),
    }
}

fn gen_vector(rng: &mut Rng, depth: u32, t_end: i64) -> String {
    let leaf = depth == 0;
    let choice = if leaf { rng.below(3) } else { rng.below(18) };
    match choice {
        0 => format!("{}{}", gen_selector(rng), gen_modifiers(rng, t_end)),
        1 | 2 => format!("{}({})", rng.pick(&RANGE_FUNCS), gen_matrix(rng, depth.saturating_sub(1), t_end)),
        3 => {
            // Not stddev/stdvar: their uncompensated Welford sums depend on the input order, which is Go
            // map order in promtool (the same file gives different last digits from run to run).
            let op = rng.pick(&["sum", "avg", "min", "max", "count", "group"]);
            format!("{op}{}({})", gen_grouping(rng), gen_vector(rng, depth - 1, t_end))
        }
        4 => {
            let f = rng.pick(&["abs", "ceil", "floor", "sgn", "round", "sqrt", "clamp_min", "clamp_max", "timestamp"]);
            let inner = gen_vector(rng, depth - 1, t_end);
            match *f {
                "sqrt" => format!("sqrt(abs({inner}))"),
                "clamp_min" | "clamp_max" => format!("{f}({inner}, {})", rng.below(20)),
                "round" if rng.chance(50) => format!("round({inner}, 0.5)"),
                _ => format!("{f}({inner})"),
            }
        }
        5 => {
            let op = rng.pick(&["+", "-", "*", "/", "%", ">", "<", ">=", "<=", "==", "!=", "> bool", "< bool"]);
            let v = gen_vector(rng, depth - 1, t_end);
            let s = gen_scalar(rng, depth - 1, t_end);
            if rng.chance(50) { format!("{v} {op} {s}") } else { format!("{s} {op} {v}") }
        }
        6 => {
            // Same series family on both sides: one-to-one matching on identical label sets.
            let sel = gen_selector(rng);
            let op = rng.pick(&["+", "-", "*", "/", ">", "<=", "and", "or", "unless", "== bool"]);
            let l = format!("{}({sel}[5m])", rng.pick(&RANGE_FUNCS[..8]));
            let r = if rng.chance(50) { sel.clone() } else { format!("{}({sel}[2m])", rng.pick(&RANGE_FUNCS[8..])) };
            format!("{l} {op} {r}")
        }
        7 => {
            let g = rng.pick(&["job", "instance"]);
            let op = rng.pick(&["+", "/", "-", "> bool", "or", "and"]);
            format!(
                "sum by ({g}) ({}) {op} max by ({g}) ({})",
                gen_vector(rng, depth - 1, t_end),
                gen_vector(rng, depth - 1, t_end)
            )
        }
        8 => {
            let v = format!("rate({}[5m])", rng.pick(&["req_total", "errs_total"]));
            format!("{v} / on (job, instance) group_left sum by (job, instance) ({v})")
        }
        9 => format!(
            "histogram_quantile({}, sum by (le{}) (rate(lat_bucket[{}])))",
            rng.pick(&["0.5", "0.9", "0.99", "0", "1"]),
            if rng.chance(50) { ", job" } else { "" },
            gen_duration(rng)
        ),
        10 => {
            let q = rng.pick(&["0.5", "0.25", "0.9"]);
            if rng.chance(50) {
                format!("quantile_over_time({q}, {})", gen_matrix(rng, depth - 1, t_end))
            } else {
                format!("quantile{}({q}, {})", gen_grouping(rng), gen_vector(rng, depth - 1, t_end))
            }
        }
        11 => {
            format!("label_replace({}, \"dst\", \"x-$1\", \"instance\", \"i(.*)\")", gen_vector(rng, depth - 1, t_end))
        }
        12 => format!("predict_linear({}[10m], {})", gen_selector(rng), rng.below(600)),
        13 => format!("absent({})", rng.pick(&["nonexistent{job=\"x\"}", "temp{job=\"api\"}", "nope"])),
        14 => format!("-{}", gen_vector(rng, depth - 1, t_end)),
        // Trigonometry and logarithms (ported from Go's math package).
        17 => {
            let f = rng.pick(&[
                "sin", "cos", "tan", "asin", "acos", "atan", "ln", "log2", "log10", "exp", "sinh", "cosh", "tanh",
                "asinh", "acosh", "atanh",
            ]);
            if rng.chance(10) {
                format!("{} ^ {}", gen_vector(rng, depth - 1, t_end), rng.pick(&["0.5", "1.5", "-0.25", "2.75", "3"]))
            } else if rng.chance(20) {
                format!("{} atan2 {}", gen_vector(rng, depth - 1, t_end), gen_scalar(rng, depth - 1, t_end))
            } else {
                format!("{f}({} / 50)", gen_vector(rng, depth - 1, t_end))
            }
        }
        // Expressions that may fail, with messages that do not depend on series order.
        16 => match rng.below(4) {
            0 => format!("{} + on (job) sum by (job) ({})", gen_selector(rng), gen_vector(rng, depth - 1, t_end)),
            1 => format!("rate({}[5m]) or {}", gen_selector(rng), gen_vector(rng, depth - 1, t_end)),
            2 => format!("label_replace({}, \"instance\", \"\", \"instance\", \".*\")", gen_selector(rng)),
            _ => format!("topk(scalar({}), {})", gen_vector(rng, depth - 1, t_end), gen_selector(rng)),
        },
        _ => format!("vector({})", gen_scalar(rng, depth - 1, t_end)),
    }
}

/// The generator builds well-typed text by construction; parsing also rejects anything promtool would.
fn well_typed(e: &str) -> Option<promql::Expr> {
    promql::parse(e, ParseOptions::PROMTOOL).ok()
}

/// Prometheus's `model.Duration` text of a millisecond duration (`17m`, `1h5m`, `0s`).
fn go_duration(ms: i64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = ms;
    for (unit, size) in [
        ("y", 31_536_000_000),
        ("w", 604_800_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
        ("ms", 1),
    ] {
        let n = rest / size;
        if n > 0 {
            let _ = write!(out, "{n}{unit}");
            rest -= n * size;
        }
    }
    out
}

fn yaml_q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn fmt_value(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { ".inf".into() } else { "-.inf".into() };
    }
    format_go_f(v)
}

fn label_text(l: &Labels) -> String {
    l.to_string()
}

struct Case {
    expr: String,
    t: i64,
    result: Result<Vec<(Labels, f64)>, String>,
}

fn main() -> ExitCode {
    let mut seed = 1u64;
    let mut cases = 300usize;
    let mut promtool = std::env::var("PROMTOOL").unwrap_or_else(|_| "promtool".into());
    let mut keep: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).unwrap_or(seed),
            "--cases" => cases = args.next().and_then(|v| v.parse().ok()).unwrap_or(cases),
            "--promtool" => promtool = args.next().unwrap_or(promtool),
            "--keep" => keep = args.next().map(PathBuf::from),
            _ => {
                eprintln!("usage: differential [--seed N] [--cases N] [--promtool PATH] [--keep DIR]");
                return ExitCode::from(2);
            }
        }
    }
    let mut rng = Rng(seed);
    let mut yaml = String::from("evaluation_interval: 1m\ntests:\n");
    let mut all: Vec<Case> = Vec::new();
    let mut skipped_nan = 0;
    let mut group = 0;
    // promtool reports a failure as `expr: "<expr>", time: <eval time>`: (expression, time) must identify
    // one case across the whole file.
    let mut seen = std::collections::HashSet::new();
    while all.len() < cases {
        group += 1;
        let interval_ms: i64 = *rng.pick(&[15_000, 30_000, 60_000]);
        let slots = 50;
        let t_end = 60_000 * (10 + rng.below(15) as i64);
        let inputs = gen_series(&mut rng, slots);
        let mut storage = Storage::new();
        let _ = writeln!(yaml, "- interval: {}s\n  input_series:", interval_ms / 1000);
        for inp in &inputs {
            let labels = Labels::from_pairs(inp.labels.iter().map(|(k, v)| (*k, v.as_str())));
            let mut vals = Vec::new();
            for (k, v) in inp.values.iter().enumerate() {
                let t = k as i64 * interval_ms;
                let stale = inp.stale_at == Some(k);
                match (stale, v) {
                    (true, _) => {
                        vals.push("stale".to_string());
                        if t <= t_end {
                            let _ = storage.append(&labels, t, mlmon_lint::engine::value::stale_nan());
                        }
                    }
                    (false, None) => vals.push("_".into()),
                    (false, Some(f)) => {
                        vals.push(format_go_f(*f));
                        if t <= t_end {
                            let _ = storage.append(&labels, t, *f);
                        }
                    }
                }
            }
            let _ = writeln!(yaml, "  - series: {}\n    values: '{}'", yaml_q(&label_text(&labels)), vals.join(" "));
        }
        let engine = Engine::new(EngineSettings::promtool(60_000));
        let _ = writeln!(yaml, "  promql_expr_test:");
        let mut n = 0;
        while n < 20 {
            let text = gen_vector(&mut rng, 2, t_end);
            let Some(expr) = well_typed(&text) else { continue };
            if !seen.insert((text.clone(), t_end)) {
                continue;
            }
            let result = match engine.instant(&storage, &expr, t_end) {
                Ok(Value::Vector(v)) => Ok(v.into_iter().map(|s| (s.metric, s.f)).collect::<Vec<_>>()),
                Ok(Value::Scalar { v, .. }) => Ok(vec![(Labels::empty(), v)]),
                Ok(_) => continue,
                Err(e) if e.is_unsupported() => continue,
                Err(e) => Err(e.to_string()),
            };
            if let Ok(r) = &result
                && r.iter().any(|(_, v)| v.is_nan())
            {
                skipped_nan += 1;
                continue;
            }
            let _ = writeln!(yaml, "  - expr: {}\n    eval_time: {}s", yaml_q(&text), t_end / 1000);
            match &result {
                Ok(r) if r.is_empty() => {
                    let _ = writeln!(yaml, "    exp_samples: []");
                }
                Ok(r) => {
                    let _ = writeln!(yaml, "    exp_samples:");
                    for (l, v) in r {
                        let _ =
                            writeln!(yaml, "    - labels: {}\n      value: {}", yaml_q(&label_text(l)), fmt_value(*v));
                    }
                }
                Err(_) => {
                    let _ = writeln!(yaml, "    exp_samples: []");
                }
            }
            all.push(Case { expr: text, t: t_end, result });
            n += 1;
        }
    }
    let keep_dir = keep.is_some();
    let dir = keep.unwrap_or_else(|| std::env::temp_dir().join(format!("mlmon-differential-{}", std::process::id())));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("differential: {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    let file = dir.join("differential.test.yml");
    if let Err(e) = std::fs::write(&file, &yaml) {
        eprintln!("differential: {}: {e}", file.display());
        return ExitCode::from(2);
    }
    let out = match Command::new(&promtool).arg("test").arg("rules").arg(&file).output() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("differential: cannot run {promtool}: {e}");
            return ExitCode::from(2);
        }
    };
    let report = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    let mut disagree = 0;
    for c in &all {
        let prefix = format!("expr: {}, time: {}", go_quote(&c.expr), go_duration(c.t));
        let prefix = format!("{prefix},");
        let hit = report.lines().find(|l| l.trim_start().starts_with(&prefix));
        match (&c.result, hit) {
            (Ok(_), None) => {}
            (Err(msg), Some(line)) if line.trim_end().ends_with(&format!("err: {msg}")) => {}
            (Err(msg), _) => {
                disagree += 1;
                println!(
                    "DISAGREE at t={}s: {}\n  mlmon-lint: error: {msg}\n  promtool: {}",
                    c.t / 1000,
                    c.expr,
                    hit.unwrap_or("no error")
                );
            }
            (Ok(r), Some(_)) => {
                disagree += 1;
                let block: Vec<&str> =
                    report.lines().skip_while(|l| !l.trim_start().starts_with(&prefix)).take(3).collect();
                println!(
                    "DISAGREE at t={}s: {}\n  mlmon-lint: {} samples\n{}",
                    c.t / 1000,
                    c.expr,
                    r.len(),
                    block.join("\n")
                );
            }
        }
    }
    let unexplained = !out.status.success() && disagree == 0 && all.iter().all(|c| c.result.is_ok());
    if unexplained {
        println!("promtool failed without a per-expression report:\n{report}");
    }
    let errors = all.iter().filter(|c| c.result.is_err()).count();
    println!(
        "differential: seed {seed}, {} groups, {} cases ({errors} of them errors): {} agree, {} disagree; {} NaN results not comparable",
        group,
        all.len(),
        all.len() - disagree,
        disagree,
        skipped_nan
    );
    if keep_dir {
        println!("test file: {}", file.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if disagree > 0 || unexplained { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
