//! Parser tests: spans, precedence, feature gates, folding and the error families. Expected
//! messages were checked against the reference promtool 3.5.3; `tests/promql_oracle.rs` covers
//! more than a thousand further expressions the same way.

use super::*;

const PROMTOOL: ParseOptions = ParseOptions::PROMTOOL;
const ALL: ParseOptions = ParseOptions::PROMQLTEST;

fn p(input: &str) -> Expr {
    match parse(input, PROMTOOL) {
        Ok(e) => e,
        Err(e) => panic!("{input:?}: {e}"),
    }
}

fn perr(input: &str, opts: ParseOptions) -> ParseError {
    match parse(input, opts) {
        Ok(e) => panic!("{input:?} parsed as {e}"),
        Err(e) => e,
    }
}

fn text(input: &str, span: Span) -> &str {
    &input[span.range()]
}

/// The tree with every binary and unary operation parenthesized.
fn shape(e: &Expr) -> String {
    match e {
        Expr::Binary(b) => format!("({} {} {})", shape(&b.lhs), b.op.as_str(), shape(&b.rhs)),
        Expr::Unary(u) => format!("{}{}", if u.op == UnaryOp::Neg { "-" } else { "+" }, shape(&u.expr)),
        Expr::Paren(pe) => format!("[{}]", shape(&pe.expr)),
        other => other.to_string(),
    }
}

#[test]
fn spans_point_at_tokens() {
    let q = r#"sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))"#;
    let Expr::Aggregate(a) = p(q) else { panic!("aggregate") };
    assert_eq!(text(q, a.op_span), "sum");
    assert_eq!(text(q, a.span), q);
    let g = a.grouping.as_ref().expect("grouping");
    assert_eq!(text(q, g.span), "by (job)");
    assert_eq!(text(q, g.labels[0].span), "job");
    let Expr::Call(c) = a.expr.as_ref() else { panic!("call") };
    assert_eq!(text(q, c.name_span), "rate");
    assert_eq!(text(q, c.span), r#"rate(http_requests_total{code=~"5.."}[5m])"#);
    let Expr::MatrixSelector(m) = &c.args[0] else { panic!("matrix") };
    assert_eq!(text(q, m.range_span), "[5m]");
    assert_eq!(m.range, 300_000);
    assert_eq!(text(q, m.selector.name_span.expect("name")), "http_requests_total");
    let mt = &m.selector.matchers[0];
    assert_eq!(
        (text(q, mt.span), text(q, mt.name_span), text(q, mt.value_span)),
        (r#"code=~"5..""#, "code", r#""5..""#)
    );
    assert_eq!((mt.name.as_str(), mt.op, mt.value.as_str()), ("code", MatchOp::Re, "5.."));
}

#[test]
fn modifier_and_operator_spans() {
    let q = "foo offset 5m @ 10 > on (a) group_left (b) bar";
    let Expr::Binary(b) = p(q) else { panic!("binary") };
    assert_eq!(text(q, b.op_span), ">");
    let vm = b.matching.as_ref().expect("matching");
    assert_eq!(text(q, vm.matching_span.expect("on")), "on (a)");
    assert_eq!(text(q, vm.group_span.expect("group")), "group_left (b)");
    assert_eq!((text(q, vm.labels[0].span), text(q, vm.include[0].span)), ("a", "b"));
    let Expr::VectorSelector(vs) = b.lhs.as_ref() else { panic!("selector") };
    assert_eq!(text(q, vs.span), "foo offset 5m @ 10");
    assert_eq!(text(q, vs.modifiers.offset_span.expect("offset")), "offset 5m");
    assert_eq!(text(q, vs.modifiers.at_span.expect("at")), "@ 10");
    assert_eq!((vs.modifiers.offset, vs.modifiers.at), (300_000, Some(AtModifier::Timestamp(10_000))));

    let q = "-5 + -foo";
    let Expr::Binary(b) = p(q) else { panic!("binary") };
    assert_eq!(text(q, b.lhs.span()), "-5", "unary minus folds into the literal, span included");
    assert!(matches!(b.lhs.as_ref(), Expr::Number(n) if n.value == -5.0));
    assert!(matches!(b.rhs.as_ref(), Expr::Unary(u) if text(q, u.span) == "-foo"));
}

#[test]
fn error_spans_point_at_the_offending_token() {
    let q = r#"foo{a=}"#;
    let e = perr(q, PROMTOOL);
    assert_eq!(e.message, r#"unexpected "}" in label matching, expected string"#);
    assert_eq!(text(q, e.span), "}");
    assert_eq!(e.to_string(), r#"1:7: parse error: unexpected "}" in label matching, expected string"#);

    let q = "sum(foo) by";
    let e = perr(q, PROMTOOL);
    assert_eq!(
        (e.span, e.to_string().as_str()),
        (Span::new(11, 11), r#"1:12: parse error: unexpected end of input in grouping opts, expected "(""#)
    );

    let q = "rate(foo[5m]) + nope(bar)";
    let e = perr(q, PROMTOOL);
    assert_eq!(text(q, e.span), "nope");
    assert_eq!(e.message, r#"unknown function with name "nope""#);

    // Lexer errors span what was read of the offending token (upstream's range runs to the end of
    // the input, but only its start shows in messages).
    let q = "foo{a='b\\q'} + 1";
    let e = perr(q, PROMTOOL);
    assert_eq!((text(q, e.span), e.message.as_str()), ("'b\\q", "unknown escape sequence U+0071 'q'"));

    let q = "foo[5m] offset 1m + bar offset 1m offset 2m";
    assert_eq!(text(q, perr(q, PROMTOOL).span), "bar offset 1m");
}

#[test]
fn display_counts_lines_and_bytes_like_prometheus() {
    let e = perr("sum(\n  rate(foo[5m]\n) bar", PROMTOOL);
    assert_eq!(e.to_string(), r#"3:3: parse error: unexpected identifier "bar" in aggregation"#);
    // Columns are byte offsets in Prometheus's messages.
    let e = perr("  foo{a=\"é\"} + é", PROMTOOL);
    assert_eq!(e.to_string(), "1:17: parse error: unexpected character: 'é'");
    assert_eq!((e.line, e.col), (1, 17));
    assert_eq!(perr("", PROMTOOL).to_string(), "unknown position: parse error: no expression found in input");
    assert_eq!(perr("  # nothing", PROMTOOL).to_string(), "1:1: parse error: no expression found in input");
}

#[test]
fn precedence_and_associativity() {
    for (q, want) in [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 * 2 + 3", "((1 * 2) + 3)"),
        ("2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"),
        ("a - b - c", "((a - b) - c)"),
        ("a / b % c", "((a / b) % c)"),
        ("-a ^ 2", "-(a ^ 2)"),
        ("-a * 2", "(-a * 2)"),
        ("-2 ^ 2", "-(2 ^ 2)"),
        ("a or b and c", "(a or (b and c))"),
        ("a and b or c", "((a and b) or c)"),
        ("a unless b and c", "((a unless b) and c)"),
        ("a == bool b + c", "(a == (b + c))"),
        ("a > b == c", "((a > b) == c)"),
        ("a atan2 b * c", "((a atan2 b) * c)"),
        ("a + b atan2 c", "(a + (b atan2 c))"),
        ("a ^ -b", "(a ^ -b)"),
        ("(a + b) * c", "([(a + b)] * c)"),
        ("a offset 5m + 1", "(a offset 5m + 1)"),
        ("a + b offset 5m", "(a + b offset 5m)"),
        ("-a offset 5m", "-a offset 5m"),
        ("-rate(a[5m:])", "-rate(a[5m:])"),
        ("a offset -2 ^ 2", "(a offset -2s ^ 2)"),
        ("sum and and", "(sum and and)"),
        ("offset offset 1m", "offset offset 1m"),
    ] {
        assert_eq!(shape(&p(q)), want, "{q}");
    }
}

#[test]
fn numbers_follow_go() {
    let num = |q: &str| match p(q) {
        Expr::Number(n) => n.value,
        other => panic!("{q}: {other:?}"),
    };
    assert_eq!(num("1_000"), 1000.0);
    assert_eq!(num("0x1F"), 31.0);
    assert_eq!(num("010"), 8.0);
    assert_eq!(num("09"), 9.0);
    assert_eq!(num(".5e1"), 5.0);
    assert_eq!(num("-Inf"), f64::NEG_INFINITY);
    assert!(num("nAn").is_nan());
    assert_eq!(num("1h30m"), 5400.0);
    assert!(matches!(p("5m"), Expr::Number(NumberLiteral { duration: true, .. })));
    assert_eq!(
        perr("1e400", PROMTOOL).message,
        r#"error parsing number: strconv.ParseFloat: parsing "1e400": value out of range"#
    );
    assert_eq!(perr("1__0", PROMTOOL).message, r#"bad number or duration syntax: "1__""#);
    assert_eq!(perr("5m1h", PROMTOOL).message, r#"not a valid duration string: "5m1h""#);
}

#[test]
fn at_and_offset_values() {
    let mods = |q: &str| match p(q) {
        Expr::VectorSelector(vs) => vs.modifiers,
        Expr::MatrixSelector(m) => m.selector.modifiers,
        Expr::Subquery(s) => s.modifiers,
        other => panic!("{q}: {other:?}"),
    };
    assert_eq!(mods("foo @ 1.0005").at, Some(AtModifier::Timestamp(1001)));
    assert_eq!(mods("foo @ -1.5").at, Some(AtModifier::Timestamp(-1500)));
    assert_eq!(mods("foo @ start()").at, Some(AtModifier::Start));
    assert_eq!(mods("foo[5m] @ END()").at, Some(AtModifier::End));
    assert_eq!(mods("foo offset -1h30m").offset, -5_400_000);
    assert_eq!(mods("foo[5m:1m] offset 1.5").offset, 1500);
    // `@ start()` is not a timestamp, so 3.5 lets a range follow it.
    assert!(matches!(p("foo @ start() [5m]"), Expr::MatrixSelector(_)));
    assert!(matches!(p("foo offset 0s [5m]"), Expr::MatrixSelector(_)));
}

#[test]
fn vector_matching_is_settled_as_upstream() {
    let bin = |q: &str| match p(q) {
        Expr::Binary(b) => b,
        other => panic!("{q}: {other:?}"),
    };
    assert_eq!(bin("foo + 1").matching, None);
    assert_eq!(bin("foo and bar").matching.as_ref().map(|m| m.card), Some(Cardinality::ManyToMany));
    let m = bin("foo * on(a, b) group_left(c) bar").matching.clone().expect("matching");
    assert_eq!((m.card, m.on), (Cardinality::ManyToOne, true));
    assert_eq!(m.labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(m.include[0].name, "c");
    let m = bin("foo / ignoring(x) group_right bar").matching.clone().expect("matching");
    assert_eq!((m.card, m.on, m.include.len()), (Cardinality::OneToMany, false, 0));
    assert!(bin("foo > bool bar").return_bool);
}

#[test]
fn selectors_keep_name_and_matchers_apart() {
    let Expr::VectorSelector(vs) = p(r#"foo{"a.b"="c", job!~"x|y"}"#) else { panic!() };
    assert_eq!(vs.name.as_deref(), Some("foo"));
    assert_eq!(vs.matchers.len(), 2);
    assert_eq!(vs.matchers[0].name, "a.b");
    assert_eq!(vs.all_matchers()[0].name, "__name__");
    let Expr::VectorSelector(vs) = p(r#"{"my.metric", env="prod"}"#) else { panic!() };
    assert_eq!(vs.name, None);
    assert_eq!(vs.metric_name(), Some("my.metric"));
    let Expr::VectorSelector(vs) = p("SUM") else { panic!("a lone aggregator name is a selector") };
    assert_eq!(vs.name.as_deref(), Some("SUM"));
}

#[test]
fn feature_gates() {
    assert_eq!(
        perr("limitk(1, foo)", PROMTOOL).to_string(),
        "1:1: parse error: limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions"
    );
    assert_eq!(perr("sort_by_label(foo, \"a\")", PROMTOOL).message, r#"function "sort_by_label" is not enabled"#);
    assert!(parse("limit_ratio(0.5, foo)", ALL).is_ok());
    assert!(parse("sort_by_label(foo, \"a\")", ALL).is_ok());
    let e = perr("foo[5m+1m]", PROMTOOL);
    assert_eq!((e.message.as_str(), e.col), ("experimental duration expression is not enabled", 5));
    assert_eq!(perr("foo offset (5m)", PROMTOOL).col, 13);
}

#[test]
fn duration_expressions_fold_to_milliseconds() {
    let get = |q: &str| match parse(q, ALL) {
        Ok(e) => e,
        Err(e) => panic!("{q}: {e}"),
    };
    let Expr::MatrixSelector(m) = get("foo[5m+1m]") else { panic!() };
    assert_eq!((m.range, m.duration_expr), (360_000, true));
    let Expr::MatrixSelector(m) = get("foo[+5m]") else { panic!() };
    assert_eq!((m.range, m.duration_expr), (300_000, false));
    let Expr::MatrixSelector(m) = get("foo[30m1s - 30m1s % 1m]") else { panic!() };
    assert_eq!(m.range, 1_800_000);
    let Expr::Subquery(s) = get("foo[29s+1s:((((8 - 2) / 3) * 7s) % 4) + 8000ms]") else { panic!() };
    assert_eq!((s.range, s.step), (30_000, Some(10_000)));
    let Expr::VectorSelector(vs) = get("foo offset -(20 * 5s)") else { panic!() };
    assert_eq!(vs.modifiers.offset, -100_000);
    // Without parentheses an offset takes one literal: `(foo offset 100) + 2`.
    assert!(matches!(get("foo offset 100 + 2"), Expr::Binary(_)));
    // With them it keeps reading the duration expression.
    let Expr::VectorSelector(vs) = get("foo offset (1m) * 2") else { panic!() };
    assert_eq!(vs.modifiers.offset, 120_000);

    assert_eq!(perr("foo[5m/0]", ALL).to_string(), "1:7: parse error: division by zero");
    assert_eq!(perr("foo[1m-2m]", ALL).message, "duration must be greater than 0");
    assert_eq!(perr("foo[5m/(1-1)]", ALL).message, "division by zero");
    assert_eq!(perr("foo[5m:0s]", ALL).message, "duration must be greater than 0");
}

#[test]
fn error_families() {
    let cases = [
        ("foo bar", r#"1:5: parse error: unexpected identifier "bar""#),
        ("sum(foo +)", r#"1:10: parse error: unexpected ")" in aggregation"#),
        ("rate(foo +)", r#"1:11: parse error: unexpected ")""#),
        ("sum by test (foo)", r#"1:8: parse error: unexpected identifier "test" in grouping opts, expected "(""#),
        ("sum without (a b)", r#"1:16: parse error: unexpected identifier "b" in grouping opts, expected "," or ")""#),
        ("sum by (==) (foo)", r#"1:9: parse error: unexpected <op:==> in grouping opts, expected label"#),
        (r#"sum by ("") (foo)"#, r#"1:9: parse error: invalid label name for grouping: """#),
        ("foo + on(a) group_left", r#"1:23: parse error: unexpected end of input in grouping opts, expected "(""#),
        (r#"foo{a="b" x}"#, r#"1:11: parse error: unexpected identifier "x" in label matching, expected "," or "}""#),
        ("foo{a}", r#"1:6: parse error: unexpected "}" in label matching, expected label matching operator"#),
        ("foo{=}", r#"1:5: parse error: unexpected "=" in label matching, expected identifier or "}""#),
        ("foo{", "1:5: parse error: unexpected end of input inside braces"),
        (r#"foo{a=~"("}"#, "1:5: parse error: error parsing regexp: missing closing ): `(`"),
        ("foo[5m 5]", r#"1:8: parse error: unexpected number "5" in subquery or range, expected ":" or "]""#),
        ("foo[5m +]", r#"1:9: parse error: unexpected "]" in subquery selector, expected number or duration"#),
        ("foo[5m: +]", r#"1:10: parse error: unexpected "]" in subquery selector, expected number or duration or "]""#),
        ("foo[5m:1m 3]", r#"1:11: parse error: unexpected number "3" in subquery selector, expected "]""#),
        ("foo[5m", "1:7: parse error: unclosed left bracket"),
        ("foo[5m offset]", "1:9: parse error: unexpected colon 'f'"),
        ("foo offset", "1:11: parse error: unexpected end of input in offset, expected number or duration"),
        ("foo @ @", r#"1:7: parse error: unexpected "<Item 57400>" <op:@> in @, expected timestamp"#),
        ("foo @ NaN", "1:1: parse error: timestamp out of bounds for @ modifier: NaN"),
        (
            "sum(foo) offset 5m",
            "1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
        ),
        ("foo offset 1m offset 2m", "1:1: parse error: offset may not be set multiple times"),
        (
            "(foo) @ 5",
            "1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
        ),
        ("foo @ 1 @ 2", "1:1: parse error: @ <timestamp> may not be set multiple times"),
        ("foo offset 1m [5m]", "1:15: parse error: no offset modifiers allowed before range"),
        ("foo @ 1 [5m]", "1:9: parse error: no @ modifiers allowed before range"),
        ("sum(foo)[5m]", "1:9: parse error: ranges only allowed for vector selectors"),
        ("foo[0]", "1:5: parse error: duration must be greater than 0"),
        ("foo[1.5h]", r#"1:5: parse error: unknown unit "." in duration "1.5h""#),
        ("rate(foo,)", "1:9: parse error: trailing commas not allowed in function call args"),
        ("foo)", "1:5: parse error: unexpected right parenthesis ')'"),
        ("(foo", "1:5: parse error: unclosed left parenthesis"),
        ("foo ~ bar", "1:5: parse error: unexpected character: '~'"),
        ("'a\\q'", "1:1: parse error: unknown escape sequence U+0071 'q'"),
        ("\"abc", "1:1: parse error: unterminated quoted string"),
        ("sum()", "1:1: parse error: no arguments for aggregate expression provided"),
        (
            "topk(foo)",
            "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1",
        ),
        ("topk(foo, 5)", "1:11: parse error: expected type instant vector in aggregation expression, got scalar"),
        ("topk(foo, bar)", "1:6: parse error: expected type scalar in aggregation parameter, got instant vector"),
        ("count_values(1, foo)", "1:14: parse error: expected type string in aggregation parameter, got scalar"),
        ("sum(foo[5m])", "1:5: parse error: expected type instant vector in aggregation expression, got range vector"),
        ("rate(foo)", r#"1:6: parse error: expected type range vector in call to function "rate", got instant vector"#),
        ("time(1)", r#"1:1: parse error: expected 0 argument(s) in call to "time", got 1"#),
        ("round(foo, 1, 2)", r#"1:1: parse error: expected at most 2 argument(s) in call to "round", got 3"#),
        ("label_join(foo)", r#"1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 1"#),
        ("1 > 2", "1:3: parse error: comparisons between scalars must use BOOL modifier"),
        ("foo + bool bar", "1:5: parse error: bool modifier can only be used on comparison operators"),
        ("foo and 1", r#"1:1: parse error: set operator "and" not allowed in binary scalar expression"#),
        ("foo and on(a) group_left bar", r#"1:1: parse error: no grouping allowed for "and" operation"#),
        ("1 + on(a) foo", "1:1: parse error: vector matching only allowed between instant vectors"),
        (
            "foo * on(a) group_left(a) bar",
            r#"1:5: parse error: label "a" must not occur in ON and GROUP clause at once"#,
        ),
        ("foo[5m] + 1", "1:1: parse error: binary expression must contain only scalar and instant vector types"),
        (
            "-\"a\"",
            r#"1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "string""#,
        ),
        ("foo[5m][5m:]", "1:1: parse error: subquery is only allowed on instant vector, got matrix instead"),
        (r#"foo{__name__="bar"}"#, r#"1:1: parse error: metric name must not be set twice: "foo" or "bar""#),
        (r#"{a=~".*"}"#, "1:1: parse error: vector selector must contain at least one non-empty matcher"),
        ("atan2(a, b)", "1:1: parse error: unexpected <op:atan2>"),
        ("foo BY", "1:5: parse error: unexpected <BY>"),
        (r#"foo "abcdefghijklmn""#, r#"1:5: parse error: unexpected string "\"abcdefghi"..."#),
        ("holt_winters(foo[5m], 0.5, 0.5)", r#"1:1: parse error: unknown function with name "holt_winters""#),
    ];
    let mut failures = Vec::new();
    for (q, want) in cases {
        let got = match parse(q, PROMTOOL) {
            Ok(e) => format!("parsed as {e}"),
            Err(e) => e.to_string(),
        };
        if got != want {
            failures.push(format!("{q:?}\n  want {want}\n  got  {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn info_second_argument() {
    assert!(parse(r#"info(foo, {k8s_cluster_name=~".+"})"#, ALL).is_ok());
    assert!(parse("info(foo, {})", ALL).is_ok(), "info's selector may be empty");
    assert_eq!(perr("info(foo, bar)", ALL).message, "expected label selectors only, got vector selector instead");
    assert_eq!(perr("info(foo, sum(bar))", ALL).to_string(), "unexpected error");
}

/// Runs `f` on a thread with the default 2 MiB stack of test and rayon threads.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    let t = std::thread::Builder::new().stack_size(2 << 20).spawn(f).expect("spawn");
    assert!(t.join().is_ok(), "panicked or overflowed");
}

/// `term op term op ...` with `n` terms.
fn chain(term: &str, op: &str, n: usize) -> String {
    vec![term; n].join(&format!(" {op} "))
}

#[test]
fn long_operator_chains_parse_like_promtool() {
    // promtool 3.5.3 accepts these (its parser keeps its stack on the heap)
    on_small_stack(|| {
        for (term, op) in [("up", "+"), ("1", "*"), ("up", "and"), ("up", "or"), ("2", "^"), ("up", "> bool")] {
            for n in [200, if matches!(op, "+" | "^") { 20_000 } else { 2_000 }] {
                let q = chain(term, op, n);
                let e = match parse(&q, PROMTOOL) {
                    Ok(e) => e,
                    Err(e) => panic!("{term} {op} x{n}: {e}"),
                };
                assert_eq!(e.to_string(), q, "prints back");
                let mut nodes = 0;
                e.walk(&mut |_| nodes += 1);
                assert_eq!(nodes, 2 * n - 1);
                let want = if term == "up" { ValueType::Vector } else { ValueType::Scalar };
                assert_eq!(e.value_type(), want);
                // `^` nests to the right, everything else to the left
                let mut spine = 0;
                let mut cur = &e;
                while let Expr::Binary(b) = cur {
                    spine += 1;
                    cur = if op == "^" { &b.rhs } else { &b.lhs };
                }
                assert_eq!(spine, n - 1, "{op}");
            }
        }
        // type errors deep inside a chain are still found, at the right place
        let q = format!("{} + foo[5m]", chain("up", "+", 20_000));
        let e = perr(&q, PROMTOOL);
        assert_eq!(e.message, "binary expression must contain only scalar and instant vector types");
        assert_eq!(text(&q, e.span), "foo[5m]");
        let q = format!("{} and 1", chain("up", "-", 20_000));
        assert_eq!(perr(&q, PROMTOOL).message, "set operator \"and\" not allowed in binary scalar expression");
        // vector matching is settled on every link
        let Expr::Binary(b) = p(&chain("up", "or", 5_000)) else { panic!("binary") };
        let Expr::Binary(inner) = b.lhs.as_ref() else { panic!("binary") };
        assert_eq!(inner.matching.as_ref().map(|m| m.card), Some(Cardinality::ManyToMany));
        let Expr::Binary(b) = p(&chain("1", "+", 5_000)) else { panic!("binary") };
        assert!(b.matching.is_none());
        // duration arithmetic chains fold without recursing too
        let e = parse(&format!("foo[{}]", chain("1m", "+", 20_000)), ALL).expect("duration chain");
        let Expr::MatrixSelector(m) = e else { panic!("matrix") };
        assert_eq!(m.range, 20_000 * 60_000);
        let e = parse(&format!("foo[{}]", chain("1", "^", 20_000)), ALL).expect("duration pow chain");
        let Expr::MatrixSelector(m) = e else { panic!("matrix") };
        assert_eq!(m.range, 1000);
    });
}

#[test]
fn power_is_right_associative_and_binds_under_unary_minus() {
    assert_eq!(shape(&p("a ^ b ^ c ^ d")), "(a ^ (b ^ (c ^ d)))");
    assert_eq!(shape(&p("-a ^ b ^ c")), "-(a ^ (b ^ c))");
    assert_eq!(shape(&p("a ^ -b ^ c * d")), "((a ^ -(b ^ c)) * d)");
    assert_eq!(shape(&p("a * b ^ c ^ d + e")), "((a * (b ^ (c ^ d))) + e)");
    assert_eq!(shape(&p("a ^ on(x) b ^ ignoring(y) c")), "(a ^ (b ^ c))");
    assert_eq!(p("a ^ on(x) b ^ ignoring(y) c").to_string(), "a ^ on (x) b ^ ignoring (y) c");
    assert_eq!(p("2 ^ 3 ^ 2").value_type(), ValueType::Scalar);
    let d = parse("foo[2m ^ 1 ^ 3]", ALL).expect("duration");
    let Expr::MatrixSelector(m) = d else { panic!("matrix") };
    assert_eq!(m.range, 120_000);
}

#[test]
fn long_chains_are_linear() {
    // 20,000 terms took 4 s when every node recomputed its operands' types; a linear parse takes
    // milliseconds even unoptimized, so this bound only catches a quadratic regression
    let q = chain("rate(x[5m])", "+", 20_000);
    let t = std::time::Instant::now();
    let e = p(&q);
    assert_eq!(e.value_type(), ValueType::Vector);
    assert!(t.elapsed() < std::time::Duration::from_millis(1500), "{:?}", t.elapsed());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    on_small_stack(|| {
        let nested = |n: usize| format!("{}foo{}", "abs(".repeat(n), ")".repeat(n));
        let e = p(&nested(90));
        assert!(e.to_string().starts_with("abs(abs("));
        let e = perr(&nested(5000), PROMTOOL);
        assert_eq!(e.message, "expression nests too deeply (more than 100 levels)");
        let parens = |n: usize| format!("{}foo{}", "(".repeat(n), ")".repeat(n));
        assert!(parse(&parens(100), PROMTOOL).is_ok());
        assert!(perr(&parens(101), PROMTOOL).message.contains("nests too deeply"));
        assert!(perr(&parens(20_000), PROMTOOL).message.contains("nests too deeply"));
        assert!(perr(&format!("{}foo", "-".repeat(20_000)), PROMTOOL).message.contains("nests too deeply"));
        assert!(perr(&format!("sum({}foo)", "sum(".repeat(5000)), PROMTOOL).message.contains("nests too deeply"));
        assert!(perr(&format!("foo{}", "[5m:]".repeat(1000)), ALL).message.contains("nests too deeply"));
        assert!(
            perr(&format!("foo[{}5m{}]", "(".repeat(1000), ")".repeat(1000)), ALL).message.contains("nests too deeply")
        );
        assert!(perr(&format!("foo[{}5m]", "-".repeat(1000)), ALL).message.contains("nests too deeply"));
        // subqueries wrap expressions already built: nesting closed parentheses count too
        let mut q = "(".repeat(60) + "foo" + &"[1m:]".repeat(30);
        for _ in 0..60 {
            q.push(')');
            q.push_str(&"[1m:]".repeat(30));
        }
        let e = perr(&q, PROMTOOL);
        assert!(e.message.contains("nests too deeply"), "{e}");
        // the deepest accepted input, crossing every precedence level at every depth, fits the
        // stack of every pass: parse, check, print, walk and drop
        for (level, n) in [("a or a and a == bool a + a * a ^ -(", 50), ("sum(", 100), ("topk(1, ", 100), ("(", 100)] {
            let deep = format!("{}a{}", level.repeat(n), ")".repeat(n));
            let e = p(&deep);
            assert_eq!(e.to_string(), deep);
            let mut nodes = 0;
            e.walk(&mut |_| nodes += 1);
            assert!(nodes > n);
        }
        assert!(parse(&format!("foo[{}5m{}]", "(".repeat(100), ")".repeat(100)), ALL).is_ok());
    });
}

#[test]
fn stray_closing_parenthesis_is_underlined() {
    // promtool: `1:28: parse error: unexpected right parenthesis ')'` (just after it)
    let q = "sum(rate(x[5m])) by (job) )";
    let e = perr(q, PROMTOOL);
    assert_eq!(e.to_string(), "1:28: parse error: unexpected right parenthesis ')'");
    assert_eq!(text(q, e.span), ")");
    assert_eq!(e.span.start, 26);
    let q = "foo[5m] + (1))";
    let e = perr(q, ALL);
    assert_eq!((e.col, text(q, e.span)), (15, ")"));
    let q = "foo[(5m))]";
    let e = perr(q, ALL);
    assert_eq!((e.col, text(q, e.span)), (10, ")"));
    let q = "foo[:5m]";
    let e = perr(q, ALL);
    assert_eq!(e.message, "unexpected colon before duration in duration expression");
    assert_eq!((e.col, text(q, e.span)), (6, ":"));
}

#[test]
fn lexer_errors_underline_what_was_read() {
    for (q, col, underlined) in [
        ("foo $ bar", 5, "$"),
        ("foo =~ bar", 5, "=~"),
        ("foo != ! bar", 8, "! "),
        ("foo{a!b}", 6, "!b"),
        ("foo{a=\"b\\q\"}", 7, "\"b\\q"),
        ("foo[5m x x]", 10, "x"),
        ("1e", 1, "1e"),
        ("foo[5m] ]", 9, "]"),
        ("foo{a=\"b", 7, "\"b"),
        ("ü", 1, "ü"),
    ] {
        let e = perr(q, PROMTOOL);
        assert_eq!((e.col, text(q, e.span)), (col, underlined), "{q}: {e}");
    }
}
