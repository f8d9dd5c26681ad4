//! Template values: the Go values Prometheus's templates can meet, each knowing its Go type name
//! (error messages quote it) and how Go's `fmt` prints it.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::go::fmt::Arg;

use crate::go::time::GoTime;

/// Go type of Prometheus's alert template data (`template.AlertTemplateData`).
pub(crate) const DATA_TYPE: &str =
    "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }";
pub(crate) const SAMPLE_PTR: &str = "*template.sample";
pub(crate) const QUERY_RESULT: &str = "template.queryResult";

/// A native histogram sample value, opaque to templates except for what Go exposes cheaply.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramValue {
    /// Go's `(*FloatHistogram).String()`, which is what `{{ $value }}` prints.
    pub text: String,
    pub count: f64,
    pub sum: f64,
}

/// One element of a `query` result (Go's `*template.sample`).
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub labels: Rc<BTreeMap<String, String>>,
    /// `Value::Float` or `Value::Histogram`.
    pub value: Value,
}

/// The data an alert template runs on (Go's anonymous struct from `AlertTemplateData`).
#[derive(Clone, Debug, PartialEq)]
pub struct AlertData {
    pub labels: Rc<BTreeMap<String, String>>,
    pub external_labels: Rc<BTreeMap<String, String>>,
    pub external_url: String,
    /// `Value::Float` or `Value::Histogram`.
    pub value: Value,
}

/// A value inside a running template.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Go's invalid value / nil interface (prints `<no value>` in an action, `<nil>` in `print`).
    Nil,
    Bool(bool),
    /// Go `int`.
    Int(i64),
    /// Go `uint8` (a byte of a string, from `index`).
    Byte(u8),
    /// Go `float64`.
    Float(f64),
    /// Go `complex128` (only from complex literals).
    Complex(f64, f64),
    String(String),
    /// `html/template.HTML` (what `safeHtml` returns).
    Html(String),
    /// `map[string]string` (labels).
    StrMap(Rc<BTreeMap<String, String>>),
    /// `map[string]interface {}` (what `args` returns).
    AnyMap(Rc<BTreeMap<String, Value>>),
    /// `[]interface {}`.
    List(Rc<Vec<Value>>),
    /// The alert template data struct.
    Data(Rc<AlertData>),
    /// `template.queryResult`.
    Samples(Rc<Vec<Rc<Sample>>>),
    /// `*template.sample`.
    Sample(Rc<Sample>),
    /// `*time.Time` (from `toTime`; pointers compare by identity, as in Go).
    TimePtr(Rc<GoTime>),
    /// `time.Time` (from its `UTC` method).
    Time(GoTime),
    /// A named integer type with a `String` method (`time.Month`, `time.Weekday`).
    NamedInt {
        ty: &'static str,
        value: i64,
        text: &'static str,
    },
    /// `*histogram.FloatHistogram`.
    Histogram(Rc<HistogramValue>),
}

/// Kinds Go's comparison builtins distinguish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BasicKind {
    Bool,
    Int,
    Uint,
    Float,
    Complex,
    String,
}

impl Value {
    /// Go's `reflect.Type.String()` of the value.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Byte(_) => "uint8",
            Value::Float(_) => "float64",
            Value::Complex(..) => "complex128",
            Value::String(_) => "string",
            Value::Html(_) => "template.HTML",
            Value::StrMap(_) => "map[string]string",
            Value::AnyMap(_) => "map[string]interface {}",
            Value::List(_) => "[]interface {}",
            Value::Data(_) => DATA_TYPE,
            Value::Samples(_) => QUERY_RESULT,
            Value::Sample(_) => SAMPLE_PTR,
            Value::TimePtr(_) => "*time.Time",
            Value::Time(_) => "time.Time",
            Value::NamedInt { ty, .. } => ty,
            Value::Histogram(_) => "*histogram.FloatHistogram",
        }
        .to_string()
    }

    /// The type after Go's `indirect` (pointer targets), as `len`, `index` and `range` report it.
    pub(crate) fn indirect_type_name(&self) -> String {
        match self {
            Value::Sample(_) => "template.sample".into(),
            Value::TimePtr(_) => "time.Time".into(),
            Value::Histogram(_) => "histogram.FloatHistogram".into(),
            other => other.type_name(),
        }
    }

    pub(crate) fn basic_kind(&self) -> Option<BasicKind> {
        match self {
            Value::Bool(_) => Some(BasicKind::Bool),
            Value::Int(_) | Value::NamedInt { .. } => Some(BasicKind::Int),
            Value::Byte(_) => Some(BasicKind::Uint),
            Value::Float(_) => Some(BasicKind::Float),
            Value::Complex(..) => Some(BasicKind::Complex),
            Value::String(_) | Value::Html(_) => Some(BasicKind::String),
            _ => None,
        }
    }

    /// Go's template truth (`isTrue`): the zero value of its type is false.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::NamedInt { value: i, .. } => *i != 0,
            Value::Byte(b) => *b != 0,
            Value::Float(f) => *f != 0.0,
            Value::Complex(re, im) => *re != 0.0 || *im != 0.0,
            Value::String(s) | Value::Html(s) => !s.is_empty(),
            Value::StrMap(m) => !m.is_empty(),
            Value::AnyMap(m) => !m.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Samples(s) => !s.is_empty(),
            Value::Data(_) | Value::Sample(_) | Value::TimePtr(_) | Value::Time(_) | Value::Histogram(_) => true,
        }
    }

    /// The value as `fmt` receives it through an `interface{}` argument.
    pub(crate) fn to_arg(&self) -> Arg {
        match self {
            Value::Nil => Arg::Nil,
            Value::Bool(b) => Arg::Bool(*b),
            Value::Int(i) => Arg::Int(*i),
            Value::Byte(b) => Arg::Named { ty: "uint8".into(), inner: Box::new(Arg::Int(i64::from(*b))) },
            Value::Float(f) => Arg::Float(*f),
            Value::Complex(re, im) => Arg::Complex(*re, *im),
            Value::String(s) => Arg::Str(s.clone()),
            Value::Html(s) => Arg::Named { ty: "template.HTML".into(), inner: Box::new(Arg::Str(s.clone())) },
            Value::StrMap(m) => str_map_arg(m),
            Value::AnyMap(m) => Arg::Map {
                ty: self.type_name(),
                entries: m.iter().map(|(k, v)| (Arg::Str(k.clone()), v.to_arg())).collect(),
            },
            Value::List(l) => Arg::Slice { ty: self.type_name(), items: l.iter().map(Value::to_arg).collect() },
            Value::Data(d) => Arg::Struct {
                ty: DATA_TYPE.into(),
                fields: vec![
                    str_map_arg(&d.labels),
                    str_map_arg(&d.external_labels),
                    Arg::Str(d.external_url.clone()),
                    d.value.to_arg(),
                ],
            },
            Value::Samples(s) => Arg::Slice {
                ty: QUERY_RESULT.into(),
                items: s.iter().map(|x| Value::Sample(x.clone()).to_arg()).collect(),
            },
            Value::Sample(s) => Arg::Pointer { ty: SAMPLE_PTR.into(), target: Box::new(sample_struct(s)) },
            Value::TimePtr(t) => Arg::Stringer {
                ty: self.type_name(),
                text: t.to_string(),
                raw: Box::new(Arg::Pointer { ty: "*time.Time".into(), target: Box::new(time_struct(t)) }),
            },
            Value::Time(t) => {
                Arg::Stringer { ty: self.type_name(), text: t.to_string(), raw: Box::new(time_struct(t)) }
            }
            Value::NamedInt { ty, value, text } => {
                Arg::Stringer { ty: ty.to_string(), text: text.to_string(), raw: Box::new(Arg::Int(*value)) }
            }
            Value::Histogram(h) => Arg::Stringer {
                ty: self.type_name(),
                text: h.text.clone(),
                raw: Box::new(Arg::Pointer {
                    ty: "*histogram.FloatHistogram".into(),
                    target: Box::new(Arg::Struct { ty: "histogram.FloatHistogram".into(), fields: vec![] }),
                }),
            },
        }
    }

    /// The value as a template action prints it (Go's `printableValue`: pointers are followed,
    /// so a sample prints as `{map[...] 1}`).
    pub(crate) fn to_printable_arg(&self) -> Arg {
        match self {
            Value::Sample(s) => sample_struct(s),
            other => other.to_arg(),
        }
    }
}

fn str_map_arg(m: &BTreeMap<String, String>) -> Arg {
    Arg::Map {
        ty: "map[string]string".into(),
        entries: m.iter().map(|(k, v)| (Arg::Str(k.clone()), Arg::Str(v.clone()))).collect(),
    }
}

fn sample_struct(s: &Sample) -> Arg {
    Arg::Struct { ty: "template.sample".into(), fields: vec![str_map_arg(&s.labels), s.value.to_arg()] }
}

/// time.Time's private fields as `%d` shows them: wall (the nanoseconds, no monotonic
/// reading), ext (seconds since year 1), loc (nil for UTC).
fn time_struct(t: &GoTime) -> Arg {
    Arg::Struct {
        ty: "time.Time".into(),
        fields: vec![Arg::Int(i64::from(t.nanos)), Arg::Int(t.secs.saturating_add(62_135_596_800)), Arg::Int(0)],
    }
}
