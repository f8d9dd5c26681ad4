//! `mlmon-lint probe --alert NAME RULES...`: where does an alert start to fire, and how long after
//! the situation starts does it fire?
//!
//! With a scenario holding `?` (the default for each `--dimension`), the value is bisected and the
//! boundary reported next to the threshold literal of the alert expression; a boundary further from
//! the literal than the search resolution (and, for latency, the histogram bucket) explains is a
//! warning. With a scenario without `?`, the scenario is run once and `--expect` assertions are
//! checked against it. `--plot FILE.svg` draws the run (at the boundary, the firing side).
//!
//! Exit codes: 0 the boundary agrees with the threshold (or the scenario's assertions hold); 1 a
//! probe warning (boundary and threshold disagree, no boundary in the range, the baseline already
//! fires) or a failed `--expect`; 2 usage errors, unreadable rule files, scenarios that do not parse,
//! rule evaluation errors.

use std::path::{Path, PathBuf};

use crate::cmd::{Exit, Io};
use crate::engine::{Engine, EngineSettings};
use crate::probe::plot::{Plot, render};
use crate::probe::search::{
    Dimension, Outcome, Search, Threshold, Trial, find_threshold, format_value, longest_range, tolerance,
};
use crate::probe::sparkline;
use crate::promql::ParseOptions;
use crate::rules::RuleKind;
use crate::scenario::run::Watch;
use crate::scenario::{assert, run::Sim};
use crate::unittest::gostr::model_duration;
use crate::unittest::rulefiles::{self, LoadOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The alerting rule to probe.
    #[arg(long, value_name = "NAME")]
    pub alert: String,
    /// Rule files (every rule in them is evaluated, so recording rules feed the alert).
    #[arg(required = true, value_name = "RULES")]
    pub rules: Vec<PathBuf>,
    /// What the search varies (the default scenario's `?`).
    #[arg(long, value_enum, default_value_t = Dimension::ErrorRatio)]
    pub dimension: Dimension,
    /// The scenario (docs/scenarios.md): `?` marks the searched value, `{hold}` the last phase's
    /// length. Without `?` the scenario is run once.
    #[arg(long, value_name = "TEXT")]
    pub scenario: Option<String>,
    /// The searched range, `LOW..HIGH` in the dimension's unit (%, rps, ms).
    #[arg(long, value_name = "LOW..HIGH")]
    pub range: Option<String>,
    /// The search step, in the dimension's unit.
    #[arg(long, value_name = "STEP")]
    pub resolution: Option<f64>,
    /// How often rules are evaluated (a scenario's `eval` statement wins).
    #[arg(long, value_name = "DURATION", default_value = "1m")]
    pub eval_interval: String,
    /// Write an SVG picture of the run to this file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// An assertion checked against a scenario without `?` (repeatable), like `NAME fires within 10m`.
    #[arg(long, value_name = "ASSERTION")]
    pub expect: Vec<String>,
}

fn usage(io: &mut Io<'_>, msg: &str) -> Exit {
    let _ = writeln!(io.err, "mlmon-lint probe: error: {msg}");
    Exit::Error
}

/// Writes `text` to a temporary file beside `path`, then renames it over `path`.
fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "plot.svg".into());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn parse_range(s: &str) -> Option<(f64, f64)> {
    let (a, b) = s.split_once("..")?;
    let (a, b) = (a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?);
    (a.is_finite() && b.is_finite() && a < b).then_some((a, b))
}

pub fn run(args: Args, io: &mut Io<'_>) -> Exit {
    let eval_ms = match crate::rules::duration::parse(&args.eval_interval) {
        Ok(ms) if ms > 0 => ms,
        Ok(_) => return usage(io, "--eval-interval must be above zero"),
        Err(e) => return usage(io, &format!("--eval-interval: {e}")),
    };
    let dim = args.dimension;
    let (lo, hi) = match &args.range {
        None => dim.default_range(),
        Some(r) => match parse_range(r) {
            Some(x) => x,
            None => return usage(io, &format!("--range {r:?}: expected LOW..HIGH with LOW < HIGH")),
        },
    };
    let resolution = args.resolution.unwrap_or(dim.default_resolution());
    if !(resolution > 0.0 && resolution.is_finite()) || (hi - lo) / resolution > 1e9 {
        return usage(io, "--resolution must be above zero and at most a billionth of the range");
    }
    let files: Vec<String> = args.rules.iter().map(|p| crate::source::SourceFile::display_path(p)).collect();
    for (f, p) in files.iter().zip(&args.rules) {
        if !p.is_file() {
            return usage(io, &format!("{f}: not a readable file"));
        }
    }
    let parse = ParseOptions::PROMTOOL;
    let groups = match rulefiles::load(&files, LoadOptions { ignore_unknown_fields: false, parse }) {
        Ok(g) => g,
        Err(errs) => {
            for e in errs {
                let _ = writeln!(io.err, "mlmon-lint probe: error: {e}");
            }
            return Exit::Error;
        }
    };
    let Some(rule) = groups.iter().flat_map(|g| &g.rules).find(|r| r.kind == RuleKind::Alert && r.name == args.alert)
    else {
        return usage(io, &format!("no alerting rule named {:?} in {}", args.alert, files.join(", ")));
    };
    let threshold: Option<Threshold> = find_threshold(&rule.expr);
    let drawn = threshold.as_ref().map_or_else(|| rule.expr.clone(), |t| t.side.clone());
    let template = args.scenario.clone().unwrap_or_else(|| dim.default_scenario().to_string());
    let scenario_eval = crate::scenario::syntax::parse(&template.replace('?', "1").replace("{hold}", "1m"))
        .ok()
        .and_then(|s| s.eval_ms);
    let eval_ms = scenario_eval.unwrap_or(eval_ms);
    let engine = Engine::new(EngineSettings::promtool(eval_ms));
    let hold_ms = {
        let raw = longest_range(&groups) + rule.for_ms + 3 * eval_ms;
        (raw + 59_999) / 60_000 * 60_000
    };
    let watch = Watch { alerts: vec![args.alert.clone()], exprs: vec![drawn] };
    let search = Search {
        sim: Sim { engine: &engine, parse, groups: &groups, eval_ms },
        alert: args.alert.clone(),
        template: template.clone(),
        hold_ms,
        watch,
        lo,
        hi,
        resolution,
    };
    if !template.contains('?') {
        return run_once(&args, &search, threshold.as_ref(), io);
    }
    if !args.expect.is_empty() {
        return usage(io, "--expect checks a scenario without `?`; a search has no single run to check");
    }
    let outcome = match search.search() {
        Ok(o) => o,
        Err(e) => return usage(io, &e.to_string()),
    };
    let unit = dim.unit();
    let v = |x: f64| format!("{}{unit}", format_value(x, resolution));
    let mut exit = Exit::Ok;
    let shown: Trial = match outcome {
        Outcome::NoBoundary { low, high, runs } => {
            let what = if low.fires() { "fires at every value" } else { "never fires" };
            let _ = writeln!(io.out, "{} {what} for {} in {}..{} ({runs} runs)", args.alert, dim.name(), v(lo), v(hi));
            let _ = writeln!(io.out, "  scenario at {}: {}", v(high.value), high.text);
            exit = Exit::Failed;
            *high
        }
        Outcome::Boundary { quiet, firing, runs } => {
            let upward = firing.value > quiet.value;
            let phase = firing.compiled.phases.last().map(|p| p.2.clone()).unwrap_or_default();
            let delay = firing.first_firing.map_or(0, |t| t - firing.onset);
            let _ = writeln!(
                io.out,
                "{} fires {} {} ({phase}); first firing {} after onset",
                args.alert,
                if upward { "from" } else { "up to" },
                v(firing.value),
                model_duration(delay)
            );
            let _ = writeln!(
                io.out,
                "  search: {} {}..{}, resolution {}, {runs} runs: {} never fires, {} fires",
                dim.name(),
                v(lo),
                v(hi),
                v(resolution),
                v(quiet.value),
                v(firing.value)
            );
            let _ = writeln!(
                io.out,
                "  onset at {} (the last phase), first firing at {}; rules evaluated every {}",
                model_duration(firing.onset),
                firing.first_firing.map_or_else(|| "-".into(), model_duration),
                model_duration(eval_ms)
            );
            if let Some(t) = &threshold {
                let boundary = (dim.to_expr_units(quiet.value) + dim.to_expr_units(firing.value)) / 2.0;
                let tol = tolerance(dim, resolution, t.value, &firing.scenario);
                let diff = (boundary - t.value).abs();
                if diff <= tol {
                    let _ = writeln!(
                        io.out,
                        "  threshold: `{} {}` in the expression; the boundary {} agrees (within {})",
                        t.op.as_str(),
                        t.literal,
                        short(boundary),
                        short(tol)
                    );
                } else {
                    let _ = writeln!(
                        io.out,
                        "  warning: the boundary {} is {} away from the threshold `{} {}` in the expression; the search resolution explains {}",
                        short(boundary),
                        short(diff),
                        t.op.as_str(),
                        t.literal,
                        short(tol)
                    );
                    exit = Exit::Failed;
                }
            } else {
                let _ = writeln!(
                    io.out,
                    "  no comparison against a number in the expression to check the boundary against"
                );
            }
            if firing.fires_in_baseline || quiet.fires_in_baseline {
                let _ =
                    writeln!(io.out, "  warning: the alert already fires before the onset (in the baseline phases)");
                exit = Exit::Failed;
            }
            *firing
        }
    };
    draw(&args, &shown, threshold.as_ref(), eval_ms, io, exit)
}

/// The sparkline lines and the plot, for the run shown.
fn draw(args: &Args, t: &Trial, threshold: Option<&Threshold>, eval_ms: i64, io: &mut Io<'_>, exit: Exit) -> Exit {
    let values = sparkline::values(&t.frames, 0);
    let top =
        values.iter().flatten().filter(|v| v.is_finite()).fold(threshold.map_or(0.0, |t| t.value), |a, v| a.max(*v));
    let _ = writeln!(io.out, "  value  {}", sparkline::sparkline(&values, top));
    let _ = writeln!(io.out, "  state  {}", sparkline::states(&t.frames, 0));
    let _ = writeln!(
        io.out,
        "         0s … {}, one column per {} evaluation; bars up to {}; · inactive, p pending, F firing",
        model_duration(t.compiled.end_ms),
        model_duration(eval_ms),
        crate::engine::value::format_go_g(round_sig(top))
    );
    if let Some(path) = &args.plot {
        let title = format!("{}: {}", args.alert, t.text);
        let svg = render(&Plot {
            title: &title,
            frames: &t.frames,
            value_slot: 0,
            alert_slot: 0,
            threshold: threshold.map(|t| t.value),
            phases: &t.compiled.phases,
            end_ms: t.compiled.end_ms,
        });
        if let Err(e) = write_atomic(path, &svg) {
            let _ = writeln!(io.err, "mlmon-lint probe: error: {}: {e}", path.display());
            return Exit::Error;
        }
        let _ = writeln!(io.out, "  plot written to {}", path.display());
    }
    exit
}

/// `v` to 10 significant digits (no floating-point noise in printed boundaries).
fn short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return crate::engine::value::format_go_g(v);
    }
    let m = 10f64.powi(9 - v.abs().log10().floor() as i32);
    crate::engine::value::format_go_g((v * m).round() / m)
}

/// `v` to 4 significant digits, for labels.
fn round_sig(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let m = 10f64.powi(3 - v.abs().log10().floor() as i32);
    (v * m).round() / m
}

fn run_once(args: &Args, search: &Search<'_>, threshold: Option<&Threshold>, io: &mut Io<'_>) -> Exit {
    let mut asserts = Vec::new();
    for e in &args.expect {
        match assert::parse(e) {
            Ok(a) if a.name == args.alert && a.is_alert() => asserts.push(a),
            Ok(a) => {
                return usage(
                    io,
                    &format!(
                        "--expect {e:?}: only assertions on the probed alert {:?} are checked here ({} is not)",
                        args.alert, a.name
                    ),
                );
            }
            Err(err) => {
                return usage(
                    io,
                    &format!("--expect {e:?}: {} (at {:?})", err.message, e.get(err.span.clone()).unwrap_or("")),
                );
            }
        }
    }
    let t = match search.run(0.0) {
        Ok(t) => t,
        Err(e) => return usage(io, &e.to_string()),
    };
    let first = crate::scenario::run::first_firing(&t.frames, 0, 0);
    let _ = writeln!(
        io.out,
        "{} {} ({})",
        args.alert,
        first.map_or_else(|| "never fires".to_string(), |f| format!("first fires at {}", model_duration(f))),
        t.text
    );
    let mut exit = Exit::Ok;
    for a in &asserts {
        let text =
            args.expect.get(asserts.iter().position(|x| std::ptr::eq(x, a)).unwrap_or(0)).cloned().unwrap_or_default();
        match assert::check(a, &t.frames, 0, t.onset) {
            Ok(()) => {
                let _ = writeln!(io.out, "  ok: {text}");
            }
            Err(m) => {
                let _ = writeln!(io.out, "  FAILED: {text}: {m}");
                exit = Exit::Failed;
            }
        }
    }
    draw(args, &t, threshold, search.sim.eval_ms, io, exit)
}
