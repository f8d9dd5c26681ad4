//! Differential test against the `promql-parser` crate (0.11): on our own expression list (the one
//! `tests/promql_oracle.rs` holds to promtool 3.5.3, which covers every function, aggregation,
//! operator and modifier) both parsers must agree on accept/reject, except where promql-parser is
//! not faithful to Prometheus 3.5.3. Each such case is listed below with the reason; the test also
//! asserts that they still disagree, so the list stays true when the crate changes.
//!
//! Experimental functions are enabled on our side: promql-parser has no feature gates.

use mlmon_lint::promql::{ParseOptions, parse};
use serde_json::Value;

/// Why promql-parser differs from 3.5.3 on an expression. `Rejects`: 3.5 accepts, promql-parser
/// refuses. `Accepts`: 3.5 refuses, promql-parser accepts.
enum Divergence {
    Rejects(&'static str),
    Accepts(&'static str),
}
use Divergence::{Accepts, Rejects};

const UNDERSCORES: Divergence = Rejects("3.5 lexes `_` digit separators (Go number syntax)");
const BRACKET_LEXING: Divergence =
    Rejects("3.5's lexer reads a letter after the first duration in brackets as `:` (so `[5m x]` is `[5m:]`)");
const SIGNED_RANGE: Divergence = Rejects("3.5 accepts a signed duration literal inside brackets and `offset --5m`");
const ZERO_OFFSET: Divergence =
    Rejects("3.5 allows `offset 0s`; it counts as no offset when checking for a second one");
const GO_REGEX_OK: Divergence = Rejects("valid in Go's RE2 syntax (promql-parser uses Rust's regex dialect)");
const GO_REGEX_BAD: Divergence = Accepts("invalid in Go's RE2 syntax, which 3.5 uses to validate matchers");
const RANGE_LIMITS: Divergence = Accepts("3.5 refuses durations beyond time.Duration's range (~292 years)");
const NUMBER_LIMITS: Divergence =
    Accepts("3.5 refuses numbers Go's strconv.ParseFloat cannot parse (overflow, hex float)");
const AT_BOUNDS: Divergence = Accepts("3.5 refuses @ timestamps beyond int64 milliseconds");
const INFO_CHECKS: Divergence = Accepts("3.5 type-checks info()'s second argument (a label-only selector)");

fn divergence(expr: &str) -> Option<Divergence> {
    Some(match expr {
        "foo[1_000]" | "1_000_000" | "0X_1F" | "foo offset 1_000" | "foo @ 1_000" | "rate*1_0" => UNDERSCORES,
        "foo[5m x]" | "foo[5m a]" | "foo [ 5 H ]" => BRACKET_LEXING,
        "foo[+5m]" | "foo offset --5m" | "foo[.5]" => SIGNED_RANGE,
        "foo offset 0s offset 1m" | "foo offset 0s [5m]" => ZERO_OFFSET,
        "foo @ start() [5m]" => Rejects("3.5 only refuses a numeric @ timestamp before a range, not @ start()"),
        "sum by (a:b) (foo)" => Rejects("any UTF-8 label name is valid for grouping in 3.5"),
        "info(foo, {})" => Rejects("3.5 exempts info()'s label selector from the empty-matcher rule"),
        "foo{a=`\\q`}" => Rejects("backtick strings are raw in 3.5: no escapes to reject"),
        r#"foo{a=~"[\\d-z]"}"# | r#"foo{a=~"a(?i)*"}"# | r#"foo{a=~"\\Qa*"}"# => GO_REGEX_OK,
        "start()" | "empty > start() - 5" => Accepts("`start` is a selector name; `start()` is only valid after @"),
        r#"sum by ("") (foo)"# => Accepts("3.5 refuses an empty grouping label"),
        "foo @ 1e20" | "foo @ 9.3e18" | "foo @ -9.3e18" => AT_BOUNDS,
        "foo[0]" => Accepts("3.5 requires a range greater than 0"),
        "foo offset 99999999999" | "foo[99999999999]" | "foo[300y]" => RANGE_LIMITS,
        "1e400" | "1.7976931348623157e309" | "0x1e+5" => NUMBER_LIMITS,
        r#"+"a""# => Accepts("3.5 refuses unary operators on strings"),
        "info(foo, bar)" | "info(foo, sum(bar))" | r#"info(foo, bar{a="b"})"# | "info(foo, (bar))" => INFO_CHECKS,
        r#"foo{a=~"a{2}{3}"}"#
        | r#"foo{a=~"\\p{Grek}"}"#
        | r#"foo{a=~"\\p{greek}"}"#
        | r#"foo{a=~"\\p{Letter}"}"#
        | r#"foo{a=~"a{1001,}"}"#
        | r#"foo{a=~"(a{10}){101}"}"#
        | r#"foo{a=~"[[:^^alpha:]]"}"#
        | r#"foo{a=~"x+*"}"# => GO_REGEX_BAD,
        "limitk(foo, foo)"
        | "limit_ratio(foo, foo)"
        | "count ( limitk ( and , http_requests ) and  http_requests )" => {
            Accepts("3.5 requires a scalar parameter for limitk/limit_ratio")
        }
        // Syntax and functions newer than 3.5 (see below).
        "first_over_time(foo[5m])"
        | "ts_of_first_over_time(foo[5m])"
        | "foo + fill(0) bar"
        | r#"histogram_quantiles(foo, "q", 0.5)"#
        | "start_timestamp(foo)" => Accepts("added after 3.5"),
        _ => return None,
    })
}

/// The random regex matchers in the data (`foo{a=~`...`}`, from a fuzzer) are classified by
/// family rather than one by one: our verdicts on them equal promtool 3.5.3's
/// (`tests/promql_oracle.rs`), so where promql-parser differs, it is the one diverging.
fn regex_family(expr: &str, ours: bool) -> Option<&'static str> {
    let re = expr.strip_prefix("foo{a=~`")?.strip_suffix("`}")?;
    Some(match (ours, re.contains('\\')) {
        (true, true) => "promql-parser unescapes backtick strings, which 3.5 takes raw, so \\d or \\pL fail there",
        (true, false) => "valid in Go's RE2 syntax",
        (false, _) => "invalid in Go's RE2 syntax, which 3.5 uses to validate matchers",
    })
}

/// Post-3.5 syntax, which 3.5.3 refuses (checked with promtool 3.5.3).
const NEWER_THAN_3_5: [&str; 8] = [
    "first_over_time(foo[5m])",
    "ts_of_first_over_time(foo[5m])",
    "foo + fill(0) bar",
    r#"histogram_quantiles(foo, "q", 0.5)"#,
    "start_timestamp(foo)",
    "foo[step()]",
    "rate(foo[5m] smoothed)",
    "foo offset min_of(1m, 2m)",
];

/// promql-parser panics on these (3.5 accepts `offset NaN` and `offset Inf`, and refuses the
/// others with an error); they are counted apart.
const PANICS_PROMQL_PARSER: [&str; 3] = ["foo offset NaN", "foo offset Inf", "foo offset 1e400"];

/// promql-parser's verdict; `None` when it panics.
fn promql_parser_accepts(e: &str) -> Option<bool> {
    std::panic::catch_unwind(|| promql_parser::parser::parse(e).is_ok()).ok()
}

#[test]
fn agrees_with_promql_parser_where_it_is_faithful() {
    let opts = ParseOptions { experimental_functions: true, ..ParseOptions::PROMTOOL };
    let mut exprs: Vec<String> = include_str!("data/promql_promtool.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).expect("json")["expr"].as_str().expect("expr").to_string())
        .collect();
    exprs.extend(NEWER_THAN_3_5.iter().map(|s| s.to_string()));
    assert!(exprs.len() > 300);
    std::panic::set_hook(Box::new(|_| {}));
    let mut panics = Vec::new();

    let mut problems = Vec::new();
    let mut documented = 0;
    for e in &exprs {
        let ours = parse(e, opts).is_ok();
        let Some(theirs) = promql_parser_accepts(e) else {
            panics.push(e.as_str());
            continue;
        };
        match divergence(e) {
            None if ours != theirs && regex_family(e, ours).is_some() => documented += 1,
            None if ours != theirs => problems.push(format!(
                "{e:?}: ours {}, promql-parser {}",
                if ours { "accepts" } else { "rejects" },
                if theirs { "accepts" } else { "rejects" }
            )),
            None => {}
            Some(Rejects(why)) | Some(Accepts(why)) if ours == theirs => {
                problems.push(format!("{e:?}: listed as a divergence ({why}) but both now agree"))
            }
            Some(Rejects(why)) if !ours || theirs => problems.push(format!("{e:?}: expected 3.5 to accept ({why})")),
            Some(Accepts(why)) if ours || !theirs => problems.push(format!("{e:?}: expected 3.5 to refuse ({why})")),
            Some(_) => documented += 1,
        }
    }
    let _ = std::panic::take_hook();
    assert_eq!(panics, PANICS_PROMQL_PARSER, "expressions promql-parser panics on");
    assert!(documented >= 40, "{documented} documented divergences");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
