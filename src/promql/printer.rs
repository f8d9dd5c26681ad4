//! `Display` for expressions, printing exactly what Prometheus 3.5.3's `Expr.String()`
//! (`promql/parser/printer.go`) prints, for messages and rule output.
//!
//! One difference follows from the AST's design (ranges and offsets are stored folded to
//! milliseconds): a duration written as an expression (`[5m+1m]`, 3.5's experimental duration
//! arithmetic) prints folded (`[6m]`), where Prometheus prints the expression.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::*;
use crate::go::float_to_int64 as go_f64_to_i64;
use crate::go::strconv::{format_float, push_quoted};
use crate::go::time::format_duration_ms;

impl Display for Expr {
    /// Binary operands are printed from a list of pending items rather than by recursion: chains
    /// can be thousands of terms deep. Other nodes nest boundedly and recurse through `Display`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        enum Item<'a> {
            Expr(&'a Expr),
            /// The operator of a binary node, with its modifiers and surrounding spaces.
            Op(&'a Binary),
        }
        let mut pending = vec![Item::Expr(self)];
        while let Some(item) = pending.pop() {
            match item {
                Item::Expr(Expr::Binary(b)) => {
                    pending.push(Item::Expr(&b.rhs));
                    pending.push(Item::Op(b));
                    pending.push(Item::Expr(&b.lhs));
                }
                Item::Expr(e) => write_node(f, e)?,
                Item::Op(b) => write_op(f, b)?,
            }
        }
        Ok(())
    }
}

/// A node other than a binary operation.
fn write_node(f: &mut Formatter<'_>, e: &Expr) -> fmt::Result {
    match e {
        Expr::Number(n) if n.duration => {
            // `model.Duration(v * 1e9)`: the float converts to nanoseconds by truncation.
            let ns = |v: f64| go_f64_to_i64(v * 1e9);
            if n.value < 0.0 {
                write!(f, "-{}", format_duration_ms(ns(-n.value) / 1_000_000))
            } else {
                f.write_str(&format_duration_ms(ns(n.value) / 1_000_000))
            }
        }
        // `strconv.FormatFloat(v, 'f', -1, 64)`, as upstream
        Expr::Number(n) => f.write_str(&format_float(n.value, b'f', -1)),
        Expr::String(s) => {
            let mut out = String::with_capacity(s.value.len() + 2);
            push_quoted(&mut out, &s.value);
            f.write_str(&out)
        }
        Expr::VectorSelector(vs) => {
            write_selector(f, vs)?;
            write_modifiers(f, &vs.modifiers)
        }
        Expr::MatrixSelector(m) => {
            write_selector(f, &m.selector)?;
            write!(f, "[{}]", format_duration_ms(m.range))?;
            write_modifiers(f, &m.selector.modifiers)
        }
        Expr::Subquery(s) => {
            write!(f, "{}[{}:", s.expr, format_duration_ms(s.range))?;
            if let Some(step) = s.step.filter(|&s| s != 0) {
                f.write_str(&format_duration_ms(step))?;
            }
            f.write_char(']')?;
            write_modifiers(f, &s.modifiers)
        }
        Expr::Paren(p) => write!(f, "({})", p.expr),
        Expr::Unary(u) => {
            f.write_char(if u.op == UnaryOp::Neg { '-' } else { '+' })?;
            write!(f, "{}", u.expr)
        }
        // `Display for Expr` prints binary nodes itself and never passes one here.
        Expr::Binary(_) => Display::fmt(e, f),
        Expr::Aggregate(a) => {
            f.write_str(a.op.as_str())?;
            if let Some(g) = &a.grouping {
                if g.without {
                    f.write_str(" without (")?;
                    write_grouping(f, &g.labels)?;
                    f.write_str(") ")?;
                } else if !g.labels.is_empty() {
                    f.write_str(" by (")?;
                    write_grouping(f, &g.labels)?;
                    f.write_str(") ")?;
                }
            }
            f.write_char('(')?;
            if let Some(p) = &a.param {
                write!(f, "{p}, ")?;
            }
            write!(f, "{})", a.expr)
        }
        Expr::Call(c) => {
            write!(f, "{}(", c.func.name)?;
            for (i, a) in c.args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{a}")?;
            }
            f.write_char(')')
        }
    }
}

/// ` <op>[ bool][ on|ignoring (...)[ group_left|group_right (...)]] ` between two operands.
fn write_op(f: &mut Formatter<'_>, b: &Binary) -> fmt::Result {
    write!(f, " {}", b.op.as_str())?;
    if b.return_bool {
        f.write_str(" bool")?;
    }
    if let Some(vm) = &b.matching
        && (vm.on || !vm.labels.is_empty())
    {
        f.write_str(if vm.on { " on (" } else { " ignoring (" })?;
        write_joined(f, &vm.labels)?;
        f.write_char(')')?;
        let group = match vm.card {
            Cardinality::ManyToOne => " group_left (",
            Cardinality::OneToMany => " group_right (",
            _ => return f.write_char(' '),
        };
        f.write_str(group)?;
        write_joined(f, &vm.include)?;
        f.write_char(')')?;
    }
    f.write_char(' ')
}

/// Vector-matching labels print unquoted (upstream joins them as they are).
fn write_joined(f: &mut Formatter<'_>, labels: &[LabelName]) -> fmt::Result {
    for (i, l) in labels.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(&l.name)?;
    }
    Ok(())
}

/// Aggregation grouping labels are quoted unless they are valid legacy metric names.
fn write_grouping(f: &mut Formatter<'_>, labels: &[LabelName]) -> fmt::Result {
    for (i, l) in labels.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        if is_legacy_metric_name(&l.name) {
            f.write_str(&l.name)?;
        } else {
            let mut q = String::new();
            push_quoted(&mut q, &l.name);
            f.write_str(&q)?;
        }
    }
    Ok(())
}

fn is_legacy_metric_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .enumerate()
            .all(|(i, &c)| c.is_ascii_alphabetic() || c == b'_' || c == b':' || (i > 0 && c.is_ascii_digit()))
}

/// `labels.Matcher.String()`.
fn matcher_string(m: &Matcher) -> String {
    let mut out = String::with_capacity(m.name.len() + m.value.len() + 5);
    let quote_name = m.name.is_empty()
        || m.name
            .bytes()
            .enumerate()
            .any(|(i, c)| !(c == b'_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())));
    if quote_name {
        push_quoted(&mut out, &m.name);
    } else {
        out.push_str(&m.name);
    }
    out.push_str(m.op.as_str());
    push_quoted(&mut out, &m.value);
    out
}

fn write_selector(f: &mut Formatter<'_>, vs: &VectorSelector) -> fmt::Result {
    if let Some(n) = &vs.name {
        f.write_str(n)?;
    }
    if vs.matchers.is_empty() {
        return Ok(());
    }
    let mut ms: Vec<String> = vs.matchers.iter().map(matcher_string).collect();
    ms.sort_unstable();
    f.write_char('{')?;
    f.write_str(&ms.join(","))?;
    f.write_char('}')
}

fn write_modifiers(f: &mut Formatter<'_>, m: &Modifiers) -> fmt::Result {
    match m.at {
        Some(AtModifier::Timestamp(ms)) => write!(f, " @ {:.3}", ms as f64 / 1000.0)?,
        Some(AtModifier::Start) => f.write_str(" @ start()")?,
        Some(AtModifier::End) => f.write_str(" @ end()")?,
        None => {}
    }
    if m.offset > 0 {
        write!(f, " offset {}", format_duration_ms(m.offset))?;
    } else if m.offset < 0 {
        write!(f, " offset -{}", format_duration_ms(-m.offset))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::promql::{ParseOptions, parse};

    fn round(q: &str) -> String {
        match parse(q, ParseOptions::PROMQLTEST) {
            Ok(e) => e.to_string(),
            Err(e) => panic!("{q}: {e}"),
        }
    }

    #[test]
    fn prints_like_prometheus() {
        // Expected strings are promtool 3.5.3's.
        for (q, want) in [
            ("sum(rate(foo[5m])) by (job)", "sum by (job) (rate(foo[5m]))"),
            ("sum without() (foo)", "sum without () (foo)"),
            ("sum by () (foo)", "sum(foo)"),
            (r#"sum by ("a.b", c) (foo)"#, r#"sum by ("a.b", c) (foo)"#),
            (r#"foo{b="2", a=~"1", "x.y"!="3"}"#, r#"foo{"x.y"!="3",a=~"1",b="2"}"#),
            (r#"{"foo.bar"}"#, r#"{__name__="foo.bar"}"#),
            ("foo offset 5m @ 10", "foo @ 10.000 offset 5m"),
            ("foo[90] offset -1h30m", "foo[1m30s] offset -1h30m"),
            ("rate(foo[5m])[1h:] @ start()", "rate(foo[5m])[1h:] @ start()"),
            ("foo[14d:1w]", "foo[2w:1w]"),
            ("foo * on(a) group_left bar", "foo * on (a) group_left () bar"),
            ("foo > bool ignoring(a) bar", "foo > bool ignoring (a) bar"),
            ("foo + on() bar", "foo + on () bar"),
            ("foo + ignoring() bar", "foo + bar"),
            ("time() - 5m", "time() - 5m"),
            ("-1h30m", "-1h30m"),
            ("0x1F + .5 + Inf - -Inf", "31 + 0.5 + +Inf - -Inf"),
            ("1e-7", "0.0000001"),
            ("-(foo)", "-(foo)"),
            (r#"label_replace(foo, "dst", "$1", "src", "(.*)")"#, r#"label_replace(foo, "dst", "$1", "src", "(.*)")"#),
            ("'it\\'s' ", r#""it's""#),
            (r#""tab\there\u00a0""#, r#""tab\there\u00a0""#),
            ("topk(5, foo)", "topk(5, foo)"),
            (r#"count_values("v", foo)"#, r#"count_values("v", foo)"#),
            ("foo atan2 bar", "foo atan2 bar"),
            ("foo AND bar", "foo and bar"),
        ] {
            assert_eq!(round(q), want, "{q}");
        }
    }

    #[test]
    fn prints_folded_duration_expressions() {
        // Documented difference: Prometheus would print `foo[5m + 1m]`.
        assert_eq!(round("foo[5m+1m]"), "foo[6m]");
    }
}
