//! Go's template builtins (funcs.go: `and or not len index slice print printf println html js
//! urlquery eq ne lt le gt ge call`) and the methods of the Go values templates can hold
//! (`time.Time`), with Go's error texts.

use std::rc::Rc;

use crate::go::fmt::{self as gofmt, Arg};

use super::exec::{Param, Sig};
use super::value::{BasicKind, Value};
use crate::go::time::{self, GoTime};

const R: Param = Param::Reflect;
const ANY: Param = Param::Any;

pub(crate) fn sig(name: &str) -> Option<Sig> {
    let (params, variadic): (&'static [Param], Option<Param>) = match name {
        "and" | "or" | "call" | "index" | "slice" | "eq" => (&[R], Some(R)),
        "html" | "js" | "urlquery" | "print" | "println" => (&[], Some(ANY)),
        "printf" => (&[Param::String], Some(ANY)),
        "len" | "not" => (&[R], None),
        "ne" | "lt" | "le" | "gt" | "ge" => (&[R, R], None),
        _ => return None,
    };
    Some(Sig { params, variadic })
}

/// Whether `name` is one of Go's builtins (known at parse time).
pub(crate) fn is_builtin(name: &str) -> bool {
    sig(name).is_some()
}

pub(crate) fn call_builtin(name: &str, argv: Vec<Value>) -> Result<Value, String> {
    match name {
        "not" => Ok(Value::Bool(!argv.first().is_some_and(Value::is_true))),
        "len" => length(argv.first().unwrap_or(&Value::Nil)).map(Value::Int),
        "index" => index(argv.first().unwrap_or(&Value::Nil), argv.get(1..).unwrap_or(&[])),
        "slice" => slice(argv.first().unwrap_or(&Value::Nil), argv.get(1..).unwrap_or(&[])),
        "print" => Ok(Value::String(gofmt::sprint(&to_args(&argv)))),
        "println" => Ok(Value::String(gofmt::sprintln(&to_args(&argv)))),
        "printf" => {
            let format = match argv.first() {
                Some(Value::String(s)) => s.clone(),
                _ => String::new(),
            };
            Ok(Value::String(gofmt::sprintf(&format, &to_args(argv.get(1..).unwrap_or(&[])))))
        }
        "html" => Ok(Value::String(html_escape(&eval_args(&argv)))),
        "js" => Ok(Value::String(js_escape(&eval_args(&argv)))),
        "urlquery" => Ok(Value::String(query_escape(&eval_args(&argv)))),
        "eq" => eq(argv.first().unwrap_or(&Value::Nil), argv.get(1..).unwrap_or(&[])).map(Value::Bool),
        "ne" => eq2(&argv).map(|b| Value::Bool(!b)),
        "lt" => lt2(&argv).map(Value::Bool),
        "le" => le2(&argv).map(Value::Bool),
        "gt" => le2(&argv).map(|b| Value::Bool(!b)),
        "ge" => lt2(&argv).map(|b| Value::Bool(!b)),
        _ => Err(format!("unknown builtin {name}")),
    }
}

fn to_args(v: &[Value]) -> Vec<Arg> {
    v.iter().map(Value::to_arg).collect()
}

/// Go's `evalArgs`: one plain string stays as is; otherwise `fmt.Sprint` of the printable values.
fn eval_args(argv: &[Value]) -> String {
    if let [Value::String(s)] = argv {
        return s.clone();
    }
    let args: Vec<Arg> = argv
        .iter()
        .map(|v| match v {
            Value::Nil => Arg::Str("<no value>".into()),
            v => v.to_printable_arg(),
        })
        .collect();
    gofmt::sprint(&args)
}

/// Go's `call` builtin: our values hold no functions.
pub(crate) fn call(callee: &str, argv: &[Value]) -> Result<Value, String> {
    match argv.first() {
        None | Some(Value::Nil) => Err("call of nil".into()),
        Some(v) => Err(format!("non-function {callee} of type {}", v.type_name())),
    }
}

fn length(v: &Value) -> Result<i64, String> {
    Ok(match v {
        Value::String(s) | Value::Html(s) => s.len(),
        Value::StrMap(m) => m.len(),
        Value::AnyMap(m) => m.len(),
        Value::List(l) => l.len(),
        Value::Samples(s) => s.len(),
        Value::Nil => return Err("reflect: call of reflect.Value.Type on zero Value".into()),
        other => return Err(format!("len of type {}", other.indirect_type_name())),
    } as i64)
}

fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x = match index {
        Value::Int(i) | Value::NamedInt { value: i, .. } => *i,
        Value::Byte(b) => i64::from(*b),
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        other => return Err(format!("cannot index slice/array with type {}", other.type_name())),
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn map_key(index: &Value) -> Result<String, String> {
    match index {
        Value::String(s) => Ok(s.clone()),
        Value::Nil => Err("value is nil; should be of type string".into()),
        other => Err(format!("value has type {}; should be string", other.type_name())),
    }
}

fn index(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    if let Value::Nil = item {
        return Err("index of untyped nil".into());
    }
    let mut item = item.clone();
    for ix in indexes {
        item = match &item {
            Value::String(s) | Value::Html(s) => {
                let x = index_arg(ix, s.len())?;
                match s.as_bytes().get(x) {
                    Some(&b) => Value::Byte(b),
                    None => return Err("reflect: string index out of range".into()),
                }
            }
            Value::List(l) => {
                let x = index_arg(ix, l.len())?;
                l.get(x).cloned().ok_or("reflect: slice index out of range")?
            }
            Value::Samples(s) => {
                let x = index_arg(ix, s.len())?;
                s.get(x).map(|v| Value::Sample(v.clone())).ok_or("reflect: slice index out of range")?
            }
            Value::StrMap(m) => Value::String(m.get(&map_key(ix)?).cloned().unwrap_or_default()),
            Value::AnyMap(m) => m.get(&map_key(ix)?).cloned().unwrap_or(Value::Nil),
            Value::Nil => return Err("index of nil pointer".into()),
            other => return Err(format!("can't index item of type {}", other.indirect_type_name())),
        };
    }
    Ok(item)
}

fn slice(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    if let Value::Nil = item {
        return Err("slice of untyped nil".into());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match item {
        Value::String(s) | Value::Html(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l) => l.len(),
        Value::Samples(s) => s.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut idx = [0, len, 0];
    for (i, ix) in indexes.iter().enumerate() {
        idx[i] = index_arg(ix, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    let (a, b) = (idx[0], idx[1]);
    Ok(match item {
        Value::String(s) => Value::String(String::from_utf8_lossy(s.as_bytes().get(a..b).unwrap_or(&[])).into_owned()),
        Value::Html(s) => Value::Html(String::from_utf8_lossy(s.as_bytes().get(a..b).unwrap_or(&[])).into_owned()),
        Value::List(l) => Value::List(Rc::new(l.get(a..b).unwrap_or(&[]).to_vec())),
        Value::Samples(s) => Value::Samples(Rc::new(s.get(a..b).unwrap_or(&[]).to_vec())),
        _ => Value::Nil,
    })
}

fn ptr_eq(a: &Value, b: &Value) -> Option<bool> {
    Some(match (a, b) {
        (Value::Sample(x), Value::Sample(y)) => Rc::ptr_eq(x, y),
        (Value::Histogram(x), Value::Histogram(y)) => Rc::ptr_eq(x, y),
        (Value::TimePtr(x), Value::TimePtr(y)) => Rc::ptr_eq(x, y),
        _ => return None,
    })
}

/// Go's `eq arg1 arg2...`.
fn eq(arg1: &Value, rest: &[Value]) -> Result<bool, String> {
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = arg1.basic_kind();
    for arg in rest {
        let k2 = arg.basic_kind();
        let truth = if k1 != k2 {
            if let (Some(x), Some(y)) = (int_of(arg1), int_of(arg)) {
                // Go compares integers regardless of signedness.
                if matches!(
                    (k1, k2),
                    (Some(BasicKind::Int), Some(BasicKind::Uint)) | (Some(BasicKind::Uint), Some(BasicKind::Int))
                ) {
                    if x == y {
                        return Ok(true);
                    }
                    continue;
                }
            }
            if !matches!(arg1, Value::Nil) && !matches!(arg, Value::Nil) {
                return Err(format!("incompatible types for comparison: {} and {}", arg1.type_name(), arg.type_name()));
            }
            false
        } else {
            match (arg1, arg) {
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (
                    Value::Int(a) | Value::NamedInt { value: a, .. },
                    Value::Int(b) | Value::NamedInt { value: b, .. },
                ) => a == b,
                (Value::Float(a), Value::Float(b)) => a == b,
                (Value::Complex(a, b), Value::Complex(c, d)) => a == c && b == d,
                (Value::Byte(a), Value::Byte(b)) => a == b,
                (Value::String(a) | Value::Html(a), Value::String(b) | Value::Html(b)) => a == b,
                _ => {
                    let (n1, n2) = (matches!(arg1, Value::Nil), matches!(arg, Value::Nil));
                    if !n1 && !n2 && kind_name(arg1) != kind_name(arg) {
                        let args = [arg1.to_arg(), Arg::Str(arg1.type_name()), Arg::Str(arg.type_name()), arg.to_arg()];
                        return Err(gofmt::sprintf("non-comparable types %s: %v, %s: %v", &args));
                    }
                    if n1 || n2 {
                        n1 == n2
                    } else {
                        match ptr_eq(arg1, arg) {
                            Some(b) => b,
                            None => {
                                let args = [arg.to_arg(), Arg::Str(arg.type_name())];
                                return Err(gofmt::sprintf("non-comparable type %s: %v", &args));
                            }
                        }
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::StrMap(_) | Value::AnyMap(_) => "map",
        Value::List(_) | Value::Samples(_) => "slice",
        Value::Data(_) | Value::Time(_) => "struct",
        Value::Sample(_) | Value::Histogram(_) | Value::TimePtr(_) => "ptr",
        _ => "basic",
    }
}

/// The integer value of an int- or uint-kind value.
fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) | Value::NamedInt { value: i, .. } => Some(*i),
        Value::Byte(b) => Some(i64::from(*b)),
        _ => None,
    }
}

fn eq2(argv: &[Value]) -> Result<bool, String> {
    eq(argv.first().unwrap_or(&Value::Nil), argv.get(1..2).unwrap_or(&[]))
}

fn lt2(argv: &[Value]) -> Result<bool, String> {
    lt(argv.first().unwrap_or(&Value::Nil), argv.get(1).unwrap_or(&Value::Nil))
}

fn le2(argv: &[Value]) -> Result<bool, String> {
    if lt2(argv)? {
        return Ok(true);
    }
    eq2(argv)
}

fn lt(a: &Value, b: &Value) -> Result<bool, String> {
    const BAD: &str = "invalid type for comparison";
    let k1 = a.basic_kind().ok_or(BAD)?;
    let k2 = b.basic_kind().ok_or(BAD)?;
    if matches!((k1, k2), (BasicKind::Int, BasicKind::Uint) | (BasicKind::Uint, BasicKind::Int)) {
        if let (Some(x), Some(y)) = (int_of(a), int_of(b)) {
            return Ok(x < y);
        }
    }
    if k1 != k2 {
        return Err(format!("incompatible types for comparison: {} and {}", a.type_name(), b.type_name()));
    }
    Ok(match (k1, a, b) {
        (BasicKind::Bool | BasicKind::Complex, ..) => return Err(BAD.into()),
        (_, Value::Int(x) | Value::NamedInt { value: x, .. }, Value::Int(y) | Value::NamedInt { value: y, .. }) => {
            x < y
        }
        (_, Value::Float(x), Value::Float(y)) => x < y,
        (_, Value::String(x) | Value::Html(x), Value::String(y) | Value::Html(y)) => x < y,
        (_, Value::Byte(x), Value::Byte(y)) => x < y,
        _ => return Err(BAD.into()),
    })
}

/// Go's `template.HTMLEscapeString`.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
pub(crate) fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u00{:02X}", c as u32)),
            c if c.is_ascii() || crate::go::strconv::is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Methods of the values templates can hold (`*time.Time` from `toTime`).
pub(crate) fn method_sig(recv: &Value, name: &str) -> Option<Sig> {
    match recv {
        Value::TimePtr(_) | Value::Time(_) => match name {
            "Unix" | "UnixMilli" | "UnixMicro" | "UnixNano" | "Year" | "YearDay" | "Month" | "Weekday" | "Day"
            | "Hour" | "Minute" | "Second" | "Nanosecond" | "String" | "UTC" | "IsZero" => {
                Some(Sig { params: &[], variadic: None })
            }
            "Format" => Some(Sig { params: &[Param::String], variadic: None }),
            _ => None,
        },
        Value::Histogram(_) if name == "String" => Some(Sig { params: &[], variadic: None }),
        _ => None,
    }
}

pub(crate) fn call_method(recv: &Value, name: &str, argv: Vec<Value>) -> Result<Value, String> {
    match recv {
        Value::TimePtr(t) => Ok(time_method(t, name, &argv)),
        Value::Time(t) => Ok(time_method(t, name, &argv)),
        Value::Histogram(h) => Ok(Value::String(h.text.clone())),
        _ => Err(format!("no method {name}")),
    }
}

fn time_method(t: &GoTime, name: &str, argv: &[Value]) -> Value {
    let (y, month, d) = t.date();
    let (h, m, s) = t.clock();
    match name {
        "Unix" => Value::Int(t.secs),
        "UnixMilli" => Value::Int(t.unix_nano() / 1_000_000),
        "UnixMicro" => Value::Int(t.unix_nano() / 1_000),
        "UnixNano" => Value::Int(t.unix_nano()),
        "Year" => Value::Int(y),
        "YearDay" => Value::Int(i64::from(t.year_day())),
        "Day" => Value::Int(i64::from(d)),
        "Hour" => Value::Int(i64::from(h)),
        "Minute" => Value::Int(i64::from(m)),
        "Second" => Value::Int(i64::from(s)),
        "Nanosecond" => Value::Int(i64::from(t.nanos)),
        "UTC" => Value::Time(*t),
        "Month" => Value::NamedInt {
            ty: "time.Month",
            value: i64::from(month),
            text: time::MONTHS.get(month as usize - 1).copied().unwrap_or(""),
        },
        "Weekday" => Value::NamedInt {
            ty: "time.Weekday",
            value: t.weekday() as i64,
            text: time::DAYS.get(t.weekday()).copied().unwrap_or(""),
        },
        "IsZero" => Value::Bool(t.secs == -62_135_596_800 && t.nanos == 0),
        "Format" => match argv.first() {
            Some(Value::String(layout)) => Value::String(t.format(layout)),
            _ => Value::String(String::new()),
        },
        _ => Value::String(t.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapers_like_go() {
        assert_eq!(
            html_escape("<a href=\"x\">'&'\0</a>"),
            "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;\u{FFFD}&lt;/a&gt;"
        );
        assert_eq!(js_escape("a'b\"c\\<>&=\n\u{2028}é"), "a\\'b\\\"c\\\\\\u003C\\u003E\\u0026\\u003D\\u000A\\u2028é");
        assert_eq!(query_escape("a b&c/é~"), "a+b%26c%2F%C3%A9~");
    }

    #[test]
    fn comparisons() {
        let s = |x: &str| Value::String(x.into());
        assert_eq!(eq(&Value::Int(1), &[Value::Int(2), Value::Int(1)]), Ok(true));
        assert_eq!(eq(&s("a"), &[Value::Html("a".into())]), Ok(true));
        assert_eq!(
            eq(&Value::Float(1.0), &[Value::Int(1)]),
            Err("incompatible types for comparison: float64 and int".into())
        );
        assert_eq!(eq(&Value::Nil, &[s("a")]), Ok(false));
        assert_eq!(eq(&Value::Nil, &[Value::Nil]), Ok(true));
        assert_eq!(eq(&Value::Int(1), &[]), Err("missing argument for comparison".into()));
        assert_eq!(lt(&s("a"), &s("b")), Ok(true));
        assert_eq!(lt(&Value::Bool(true), &Value::Bool(false)), Err("invalid type for comparison".into()));
        assert_eq!(lt(&Value::Nil, &Value::Int(1)), Err("invalid type for comparison".into()));
        assert_eq!(lt(&Value::Float(f64::NAN), &Value::Float(1.0)), Ok(false));
    }

    #[test]
    fn index_and_slice() {
        let s = Value::String("héllo".into());
        assert_eq!(index(&s, &[Value::Int(0)]), Ok(Value::Byte(104)));
        assert_eq!(eq(&Value::Byte(104), &[Value::Int(104)]), Ok(true));
        assert_eq!(lt(&Value::Int(-1), &Value::Byte(0)), Ok(true));
        assert_eq!(index(&s, &[Value::Int(9)]), Err("index out of range: 9".into()));
        assert_eq!(index(&s, &[Value::Int(6)]), Err("reflect: string index out of range".into()));
        assert_eq!(index(&Value::Nil, &[]), Err("index of untyped nil".into()));
        assert_eq!(slice(&s, &[Value::Int(3)]), Ok(Value::String("llo".into())));
        assert_eq!(slice(&s, &[Value::Int(3), Value::Int(1)]), Err("invalid slice index: 3 > 1".into()));
        assert_eq!(slice(&Value::Int(3), &[]), Err("can't slice item of type int".into()));
        assert_eq!(length(&s), Ok(6));
        assert_eq!(length(&Value::Float(1.0)), Err("len of type float64".into()));
    }
}
