//! Prometheus 3.5's template functions (`template.NewTemplateExpander`'s `FuncMap`) and the
//! formatting helpers they use from `prometheus/common` (`humanize*`, `toTime`,
//! `model.ParseDuration`).

use std::rc::Rc;

use crate::go::float_to_int64 as go_int64;
use crate::go::fmt::{Arg, sprintf};
use crate::go::regexp::Regexp;
use crate::go::strconv::{can_backquote, parse_float, quote};
use crate::go::time::{GoTime, parse_duration};

use super::exec::{Funcs, Param, QUERY_RES, SAMPLE, Sig};
use super::value::{Sample, Value};
use super::{QuerySample, SampleValue, TemplateHost, builtins, text};

const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";
const S: Param = Param::String;

/// The names Prometheus 3.5 adds to Go's builtins (what the parser accepts as functions).
pub(crate) const FUNC_NAMES: [&str; 26] = [
    "query",
    "first",
    "label",
    "value",
    "strvalue",
    "args",
    "reReplaceAll",
    "safeHtml",
    "match",
    "title",
    "toUpper",
    "toLower",
    "graphLink",
    "tableLink",
    "sortByLabel",
    "stripPort",
    "stripDomain",
    "humanize",
    "humanize1024",
    "humanizeDuration",
    "humanizePercentage",
    "humanizeTimestamp",
    "toTime",
    "pathPrefix",
    "externalURL",
    "parseDuration",
];

/// Whether `name` is a function at parse time (Prometheus's funcs or Go's builtins).
pub(crate) fn has_func(name: &str) -> bool {
    FUNC_NAMES.contains(&name) || builtins::is_builtin(name)
}

pub(crate) struct PromFuncs<'h> {
    pub host: &'h mut dyn TemplateHost,
}

pub(crate) fn sample_value(v: &SampleValue) -> Value {
    match v {
        SampleValue::Float(f) => Value::Float(*f),
        SampleValue::Histogram(h) => Value::Histogram(Rc::new(h.clone())),
    }
}

fn samples(v: Vec<QuerySample>) -> Value {
    Value::Samples(Rc::new(
        v.into_iter().map(|s| Rc::new(Sample { labels: Rc::new(s.labels), value: sample_value(&s.value) })).collect(),
    ))
}

fn string_arg(v: &[Value], i: usize) -> String {
    match v.get(i) {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

fn sample_arg(v: &[Value], i: usize) -> Result<Rc<Sample>, String> {
    match v.get(i) {
        Some(Value::Sample(s)) => Ok(s.clone()),
        _ => Err(NIL_DEREF.into()),
    }
}

impl Funcs for PromFuncs<'_> {
    fn sig(&self, name: &str) -> Option<Sig> {
        let (params, variadic): (&'static [Param], Option<Param>) = match name {
            "query" | "safeHtml" | "title" | "toUpper" | "toLower" | "graphLink" | "tableLink" | "stripPort"
            | "stripDomain" | "parseDuration" => (&[S], None),
            "first" => (&[QUERY_RES], None),
            "label" => (&[S, SAMPLE], None),
            "value" | "strvalue" => (&[SAMPLE], None),
            "args" => (&[], Some(Param::Any)),
            "reReplaceAll" => (&[S, S, S], None),
            "match" => (&[S, S], None),
            "sortByLabel" => (&[S, QUERY_RES], None),
            "humanize" | "humanize1024" | "humanizeDuration" | "humanizePercentage" | "humanizeTimestamp"
            | "toTime" => (&[Param::Any], None),
            "pathPrefix" | "externalURL" => (&[], None),
            _ => return None,
        };
        Some(Sig { params, variadic })
    }

    fn call(&mut self, name: &str, a: Vec<Value>) -> Result<Value, String> {
        let s0 = || string_arg(&a, 0);
        Ok(match name {
            "query" => samples(self.host.query(&s0())?),
            "first" => match a.first() {
                Some(Value::Samples(v)) if !v.is_empty() => Value::Sample(v[0].clone()),
                _ => return Err("first() called on vector with no elements".into()),
            },
            "label" => {
                let s = sample_arg(&a, 1)?;
                Value::String(s.labels.get(&s0()).cloned().unwrap_or_default())
            }
            "value" => sample_arg(&a, 0)?.value.clone(),
            "strvalue" => Value::String(sample_arg(&a, 0)?.labels.get("__value__").cloned().unwrap_or_default()),
            "args" => Value::AnyMap(Rc::new(a.into_iter().enumerate().map(|(i, v)| (format!("arg{i}"), v)).collect())),
            "reReplaceAll" => {
                let pattern = s0();
                let re = Regexp::compile(&pattern).map_err(|e| {
                    let q = if can_backquote(&pattern) { format!("`{pattern}`") } else { quote(&pattern) };
                    format!("regexp: Compile({q}): {e}")
                })?;
                Value::String(re.replace_all(&string_arg(&a, 2), &string_arg(&a, 1)))
            }
            "safeHtml" => Value::Html(s0()),
            "match" => Value::Bool(Regexp::compile(&s0())?.is_match(&string_arg(&a, 1))),
            "title" => Value::String(text::title(&s0())),
            "toUpper" => Value::String(text::to_upper(&s0())),
            "toLower" => Value::String(text::to_lower(&s0())),
            "graphLink" => Value::String(format!("/graph?g0.expr={}&g0.tab=0", builtins::query_escape(&s0()))),
            "tableLink" => Value::String(format!("/graph?g0.expr={}&g0.tab=1", builtins::query_escape(&s0()))),
            "sortByLabel" => match a.get(1) {
                Some(Value::Samples(v)) => {
                    let by = s0();
                    let mut v: Vec<Rc<Sample>> = v.as_ref().clone();
                    let key = |s: &Rc<Sample>| s.labels.get(&by).cloned().unwrap_or_default();
                    v.sort_by_key(key);
                    Value::Samples(Rc::new(v))
                }
                _ => Value::Samples(Rc::new(Vec::new())),
            },
            "stripPort" => Value::String(text::strip_port(&s0())),
            "stripDomain" => Value::String(text::strip_domain(&s0())),
            "humanize" => Value::String(humanize(convert_to_float(a.first())?)),
            "humanize1024" => Value::String(humanize1024(convert_to_float(a.first())?)),
            "humanizeDuration" => Value::String(humanize_duration(convert_to_float(a.first())?)),
            "humanizePercentage" => Value::String(g4(convert_to_float(a.first())? * 100.0) + "%"),
            "humanizeTimestamp" => {
                let v = convert_to_float(a.first())?;
                match float_to_time(v) {
                    Ok(t) => Value::String(t.to_string()),
                    Err(None) => Value::String(g4(v)),
                    Err(Some(e)) => return Err(e),
                }
            }
            "toTime" => match float_to_time(convert_to_float(a.first())?) {
                Ok(t) => Value::TimePtr(Rc::new(t)),
                Err(e) => return Err(e.unwrap_or_else(|| "value is NaN or Inf".into())),
            },
            "pathPrefix" => match self.host.external_url() {
                Some(u) => Value::String(url_path(&u)),
                None => return Err(NIL_DEREF.into()),
            },
            "externalURL" => match self.host.external_url() {
                Some(u) => Value::String(u),
                None => return Err(NIL_DEREF.into()),
            },
            // float64(time.Duration(v)) / float64(time.Second), from nanoseconds as Go does.
            "parseDuration" => Value::Float(parse_duration(&s0())? as f64 / 1e9),
            _ => return Err(format!("unknown function {name}")),
        })
    }
}

/// The path of a URL (`url.URL.Path`).
fn url_path(u: &str) -> String {
    let after_scheme = u.split_once("://").map_or(u, |(_, r)| r);
    let path_start = after_scheme.find('/').map_or(after_scheme.len(), |i| i);
    let path = &after_scheme[path_start..];
    path.split(['?', '#']).next().unwrap_or("").to_string()
}

/// `fmt.Sprintf("%.4g", v)`.
fn g4(v: f64) -> String {
    sprintf("%.4g", &[Arg::Float(v)])
}

/// `common/helpers/templates.ConvertToFloat`.
fn convert_to_float(v: Option<&Value>) -> Result<f64, String> {
    match v {
        Some(Value::Float(f)) => Ok(*f),
        Some(Value::Int(i)) => Ok(*i as f64),
        Some(Value::String(s)) => parse_float(s),
        Some(other) => Err(format!("can't convert {} to float", other.type_name())),
        None => Err("can't convert <nil> to float".into()),
    }
}

fn humanize(mut v: f64) -> String {
    if v == 0.0 || v.is_nan() || v.is_infinite() {
        return g4(v);
    }
    let mut prefix = "";
    if v.abs() >= 1.0 {
        for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
            if v.abs() < 1000.0 {
                break;
            }
            prefix = p;
            v /= 1000.0;
        }
    } else {
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if v.abs() >= 1.0 {
                break;
            }
            prefix = p;
            v *= 1000.0;
        }
    }
    g4(v) + prefix
}

fn humanize1024(mut v: f64) -> String {
    if v.abs() <= 1.0 || v.is_nan() || v.is_infinite() {
        return g4(v);
    }
    let mut prefix = "";
    for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
        if v.abs() < 1024.0 {
            break;
        }
        prefix = p;
        v /= 1024.0;
    }
    g4(v) + prefix
}

fn humanize_duration(mut v: f64) -> String {
    if v.is_nan() || v.is_infinite() {
        return g4(v);
    }
    if v == 0.0 {
        return g4(v) + "s";
    }
    if v.abs() >= 1.0 {
        let mut sign = "";
        if v < 0.0 {
            sign = "-";
            v = -v;
        }
        let d = go_int64(v);
        let (seconds, minutes, hours, days) = (d % 60, (d / 60) % 60, (d / 60 / 60) % 24, d / 60 / 60 / 24);
        if days != 0 {
            return format!("{sign}{days}d {hours}h {minutes}m {seconds}s");
        }
        if hours != 0 {
            return format!("{sign}{hours}h {minutes}m {seconds}s");
        }
        if minutes != 0 {
            return format!("{sign}{minutes}m {seconds}s");
        }
        return format!("{sign}{}s", g4(v));
    }
    let mut prefix = "";
    for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        v *= 1000.0;
    }
    format!("{}{prefix}s", g4(v))
}

/// `common/helpers/templates.FloatToTime`: `Err(None)` is Go's `errNaNOrInf`.
fn float_to_time(v: f64) -> Result<GoTime, Option<String>> {
    if v.is_nan() || v.is_infinite() {
        return Err(None);
    }
    let ts = v * 1e9;
    if !(-9_223_372_036_854_775_808.0..=9_223_372_036_854_775_807.0).contains(&ts) {
        let shown = sprintf("%v", &[Arg::Float(v)]);
        return Err(Some(format!("{shown} cannot be represented as a nanoseconds timestamp since it overflows int64")));
    }
    // model.TimeFromUnixNano keeps milliseconds (truncating), then time.Unix.
    let ms = go_int64(ts) / 1_000_000;
    Ok(GoTime::from_unix(ms / 1000, (ms % 1000) * 1_000_000))
}

/// The template data of an alert (Prometheus's `AlertTemplateData`).
pub(crate) fn alert_data(d: &super::AlertTemplateData) -> Value {
    Value::Data(Rc::new(super::value::AlertData {
        labels: Rc::new(d.labels.clone()),
        external_labels: Rc::new(d.external_labels.clone()),
        external_url: d.external_url.clone(),
        value: sample_value(&d.value),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humanize_family() {
        // Confirmed with promtool 3.5.3 (probes P30/P31).
        let h: Vec<String> = [1234567.0, 0.000123, 0.0, 1000.0, -0.75, 12345.0, 1e21, 100000.0, 1e6, 123456789.0, -2.5]
            .into_iter()
            .map(humanize)
            .collect();
        assert_eq!(h, ["1.235M", "123u", "0", "1k", "-750m", "12.35k", "1Z", "100k", "1M", "123.5M", "-2.5"]);
        assert_eq!(humanize(f64::INFINITY), "+Inf");
        assert_eq!(humanize(f64::NAN), "NaN");
        let h: Vec<String> = [1048576.0, 512.0, 0.5, 1536.0].into_iter().map(humanize1024).collect();
        assert_eq!(h, ["1Mi", "512", "0.5", "1.5ki"]);
        let d: Vec<String> = [90061.0, 59.5, 0.0123, 0.0, -61.0, 0.000012].into_iter().map(humanize_duration).collect();
        assert_eq!(d, ["1d 1h 1m 1s", "59.5s", "12.3ms", "0s", "-1m 1s", "12us"]);
        assert_eq!(g4(0.75 * 100.0) + "%", "75%");
        assert_eq!(g4(0.123456 * 100.0) + "%", "12.35%");
    }

    #[test]
    fn times() {
        assert_eq!(float_to_time(1609459200.5).map(|t| t.to_string()), Ok("2021-01-01 00:00:00.5 +0000 UTC".into()));
        assert_eq!(float_to_time(f64::NAN), Err(None));
        assert_eq!(
            float_to_time(1e19),
            Err(Some("1e+19 cannot be represented as a nanoseconds timestamp since it overflows int64".into()))
        );
    }

    #[test]
    fn url_paths() {
        assert_eq!(url_path("http://prom.example/sub/x?y#z"), "/sub/x");
    }
}
