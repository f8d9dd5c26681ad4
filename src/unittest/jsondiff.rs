//! `promtool test rules --diff` prints alert mismatches with `github.com/nsf/jsondiff`'s console
//! format (the version Prometheus 3.5 vendors): both alert lists as JSON, compared structurally,
//! with ANSI colours for removed (red), added (green) and changed (yellow) parts. This is a port of
//! the parts that format reaches (objects, arrays and strings; no numbers, no skipping), so
//! `--diff` output is byte-identical to promtool's.

use std::collections::BTreeMap;

use super::runner::AlertItem;

#[derive(Debug, Clone, PartialEq)]
enum J {
    Str(String),
    Arr(Vec<J>),
    Obj(BTreeMap<String, J>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Normal,
    Added,
    Removed,
    Changed,
}

impl Tag {
    fn begin(self) -> &'static str {
        match self {
            Tag::Normal => "",
            Tag::Added => "\x1b[0;32m",
            Tag::Removed => "\x1b[0;31m",
            Tag::Changed => "\x1b[0;33m",
        }
    }
    fn end(self) -> &'static str {
        match self {
            Tag::Normal => "",
            _ => "\x1b[0m",
        }
    }
}

const INDENT: &str = "    ";

struct Ctx {
    level: usize,
    last: Option<Tag>,
}

impl Ctx {
    fn newline(&self, buf: &mut String, s: &str) {
        buf.push_str(s);
        if let Some(t) = self.last {
            buf.push_str(t.end());
        }
        buf.push('\n');
        for _ in 0..self.level {
            buf.push_str(INDENT);
        }
        if let Some(t) = self.last {
            buf.push_str(t.begin());
        }
    }

    fn tag(&mut self, buf: &mut String, t: Tag) {
        if self.last == Some(t) {
            return;
        }
        if let Some(l) = self.last {
            buf.push_str(l.end());
        }
        buf.push_str(t.begin());
        self.last = Some(t);
    }

    fn finalize(&mut self, mut buf: String) -> String {
        if let Some(l) = self.last.take() {
            buf.push_str(l.end());
        }
        buf
    }

    fn write_value(&mut self, buf: &mut String, v: &J, full: bool) {
        match v {
            J::Str(s) => buf.push_str(&crate::go::strconv::quote(s)),
            J::Arr(items) => {
                if !full {
                    buf.push_str("[]");
                    return;
                }
                if items.is_empty() {
                    buf.push('[');
                } else {
                    self.level += 1;
                    self.newline(buf, "[");
                }
                for (i, it) in items.iter().enumerate() {
                    self.write_value(buf, it, true);
                    if i + 1 != items.len() {
                        self.newline(buf, ",");
                    } else {
                        self.level -= 1;
                        self.newline(buf, "");
                    }
                }
                buf.push(']');
            }
            J::Obj(m) => {
                if !full {
                    buf.push_str("{}");
                    return;
                }
                if m.is_empty() {
                    buf.push('{');
                } else {
                    self.level += 1;
                    self.newline(buf, "{");
                }
                for (i, (k, v)) in m.iter().enumerate() {
                    buf.push_str(&crate::go::strconv::quote(k));
                    buf.push_str(": ");
                    self.write_value(buf, v, true);
                    if i + 1 != m.len() {
                        self.newline(buf, ",");
                    } else {
                        self.level -= 1;
                        self.newline(buf, "");
                    }
                }
                buf.push('}');
            }
        }
    }

    fn mismatch(&mut self, a: &J, b: &J) -> String {
        let mut buf = String::new();
        self.tag(&mut buf, Tag::Changed);
        self.write_value(&mut buf, a, false);
        buf.push_str(" => ");
        self.write_value(&mut buf, b, false);
        self.finalize(buf)
    }

    fn diff(&mut self, a: &J, b: &J) -> String {
        match (a, b) {
            (J::Str(x), J::Str(y)) if x != y => self.mismatch(a, b),
            (J::Arr(x), J::Arr(y)) => {
                let n = x.len().max(y.len());
                let items: Vec<(Option<&J>, Option<&J>, String)> =
                    (0..n).map(|i| (x.get(i), y.get(i), String::new())).collect();
                self.collection(items, "[", "]", false)
            }
            (J::Obj(x), J::Obj(y)) => {
                let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
                keys.sort();
                keys.dedup();
                let items = keys.into_iter().map(|k| (x.get(k), y.get(k), k.clone())).collect();
                self.collection(items, "{", "}", true)
            }
            (J::Str(_), J::Str(_)) => {
                let mut buf = String::new();
                self.tag(&mut buf, Tag::Normal);
                self.write_value(&mut buf, a, true);
                self.finalize(buf)
            }
            _ => self.mismatch(a, b),
        }
    }

    fn collection(
        &mut self,
        items: Vec<(Option<&J>, Option<&J>, String)>,
        open: &str,
        close: &str,
        keyed: bool,
    ) -> String {
        self.level += 1;
        let diffs: Vec<String> = items
            .iter()
            .map(|(a, b, _)| match (a, b) {
                (Some(a), Some(b)) => self.diff(a, b),
                _ => String::new(),
            })
            .collect();
        self.level -= 1;
        let mut buf = String::new();
        self.tag(&mut buf, Tag::Normal);
        if items.is_empty() {
            buf.push_str(open);
            buf.push_str(close);
            return self.finalize(buf);
        }
        self.level += 1;
        self.newline(&mut buf, open);
        let count = items.len();
        for (i, ((a, b, key), d)) in items.iter().zip(diffs).enumerate() {
            let write_key = |buf: &mut String| {
                if keyed {
                    buf.push_str(&crate::go::strconv::quote(key));
                    buf.push_str(": ");
                }
            };
            match (a, b) {
                (Some(_), Some(_)) => {
                    write_key(&mut buf);
                    buf.push_str(&d);
                }
                (Some(a), None) => {
                    self.tag(&mut buf, Tag::Removed);
                    write_key(&mut buf);
                    self.write_value(&mut buf, a, true);
                }
                (None, Some(b)) => {
                    self.tag(&mut buf, Tag::Added);
                    write_key(&mut buf);
                    self.write_value(&mut buf, b, true);
                }
                (None, None) => {}
            }
            if i + 1 < count {
                self.tag(&mut buf, Tag::Normal);
                self.newline(&mut buf, ",");
            } else {
                self.level -= 1;
                self.tag(&mut buf, Tag::Normal);
                self.newline(&mut buf, "");
            }
        }
        buf.push_str(close);
        self.finalize(buf)
    }
}

fn to_json(list: &[AlertItem]) -> J {
    let obj = |pairs: &[(String, String)]| J::Obj(pairs.iter().map(|(k, v)| (k.clone(), J::Str(v.clone()))).collect());
    J::Arr(
        list.iter()
            .map(|a| {
                let mut m = BTreeMap::new();
                m.insert("Labels".to_string(), obj(&a.labels));
                m.insert("Annotations".to_string(), obj(&a.annotations));
                J::Obj(m)
            })
            .collect(),
    )
}

/// The console diff of expected against got alerts.
pub fn compare_alerts(exp: &[AlertItem], got: &[AlertItem]) -> String {
    let mut ctx = Ctx { level: 0, last: None };
    ctx.diff(&to_json(exp), &to_json(got))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(instance: &str, summary: &str) -> AlertItem {
        AlertItem {
            labels: vec![("alertname".into(), "Down".into()), ("instance".into(), instance.into())],
            annotations: vec![("summary".into(), summary.into())],
        }
    }

    #[test]
    fn changed_value_and_added_item() {
        let d = compare_alerts(&[alert("i1", "i1 is down")], &[alert("i1", "i1 down"), alert("i2", "i2 down")]);
        let expected = "[\n    {\n        \"Annotations\": {\n            \"summary\": \x1b[0;33m\"i1 is down\" => \"i1 down\"\x1b[0m\n        },\n        \"Labels\": {\n            \"alertname\": \"Down\",\n            \"instance\": \"i1\"\n        }\n    },\n    \x1b[0;32m{\x1b[0m\n        \x1b[0;32m\"Annotations\": {\x1b[0m\n            \x1b[0;32m\"summary\": \"i2 down\"\x1b[0m\n        \x1b[0;32m},\x1b[0m\n        \x1b[0;32m\"Labels\": {\x1b[0m\n            \x1b[0;32m\"alertname\": \"Down\",\x1b[0m\n            \x1b[0;32m\"instance\": \"i2\"\x1b[0m\n        \x1b[0;32m}\x1b[0m\n    \x1b[0;32m}\x1b[0m\n]";
        assert_eq!(d, expected);
    }

    #[test]
    fn added_keys_into_empty_placeholder() {
        let empty = AlertItem { labels: vec![], annotations: vec![] };
        let d = compare_alerts(&[empty], &[alert("i1", "x")]);
        assert!(d.contains("\x1b[0;32m\"alertname\": \"Down\"\x1b[0m,\n"), "{d:?}");
    }
}
