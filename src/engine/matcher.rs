//! Label matchers compiled for evaluation, and series selection.
//!
//! Prometheus regexes are RE2 (Go's `regexp`), fully anchored as `^(?s:re)$`. The `regex` crate is close
//! to RE2 but its Perl classes (`\d`, `\w`, `\s`, `\b`) are Unicode-aware where Go's are ASCII-only, so
//! [`translate_re2`] rewrites them to the explicit ASCII classes before compiling.

use std::sync::Arc;

use regex::Regex;

use crate::engine::storage::Storage;
use crate::engine::value::METRIC_NAME;
use crate::promql::ast::MatchOp;

/// A compiled matcher.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    pub re: Option<Arc<Regex>>,
}

impl Matcher {
    pub fn matches(&self, v: &str) -> bool {
        match self.op {
            MatchOp::Equal => v == self.value,
            MatchOp::NotEqual => v != self.value,
            MatchOp::Re => self.re.as_ref().is_some_and(|r| r.is_match(v)),
            MatchOp::NotRe => !self.re.as_ref().is_some_and(|r| r.is_match(v)),
        }
    }
}

/// Compiles `^(?s:pattern)$` with Go's semantics for the Perl classes.
pub fn compile_anchored(pattern: &str) -> Result<Regex, String> {
    let translated = translate_re2(pattern);
    regex::RegexBuilder::new(&format!("^(?s:{translated})$")).size_limit(64 << 20).build().map_err(|e| e.to_string())
}

/// Rewrites `\d \D \w \W \s \S \b \B` to Go's ASCII meaning.
pub fn translate_re2(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let mut in_class = false;
    let mut chars = p.chars().peekable();
    let mut class_start = false;
    while let Some(c) = chars.next() {
        if c == '\\' {
            let Some(n) = chars.next() else {
                out.push('\\');
                break;
            };
            let rep_in = |pos: &str, neg: bool| if neg { format!("[^{pos}]") } else { pos.to_string() };
            let rep_out = |pos: &str, neg: bool| if neg { format!("[^{pos}]") } else { format!("[{pos}]") };
            let class = match n {
                'd' | 'D' => Some(("0-9", n == 'D')),
                'w' | 'W' => Some(("0-9A-Za-z_", n == 'W')),
                's' | 'S' => Some(("\\t\\n\\x0C\\r ", n == 'S')),
                _ => None,
            };
            match class {
                Some((pos, neg)) => out.push_str(&if in_class { rep_in(pos, neg) } else { rep_out(pos, neg) }),
                None if !in_class && (n == 'b' || n == 'B') => {
                    out.push_str(&format!("(?-u:\\{n})"));
                }
                None => {
                    out.push('\\');
                    out.push(n);
                }
            }
            class_start = false;
            continue;
        }
        if in_class {
            if c == ']' && !class_start {
                in_class = false;
            }
            if c == '[' && chars.peek() == Some(&':') {
                // POSIX class `[:alpha:]`: copy through to its closing `:]`.
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == ']' {
                        break;
                    }
                }
                class_start = false;
                continue;
            }
            class_start = class_start && c == '^';
            out.push(c);
            continue;
        }
        if c == '[' {
            in_class = true;
            class_start = true;
            out.push(c);
            if chars.peek() == Some(&'^') {
                out.push('^');
                chars.next();
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// The ids of the series matching all matchers, in creation order.
pub fn select(storage: &Storage, matchers: &[Matcher]) -> Vec<usize> {
    select_from(storage, matchers, 0)
}

/// Like [`select`], only over the series with ids `>= first` (series created since an earlier
/// selection: ids are creation order, so appending these keeps the result in creation order).
pub fn select_from(storage: &Storage, matchers: &[Matcher], first: usize) -> Vec<usize> {
    let name_eq = matchers.iter().position(|m| m.name == METRIC_NAME && m.op == MatchOp::Equal);
    let matches = |id: usize, skip: Option<usize>| {
        storage.get(id).is_some_and(|s| {
            matchers.iter().enumerate().all(|(i, m)| Some(i) == skip || m.matches(s.labels.get(&m.name)))
        })
    };
    match name_eq.and_then(|i| matchers.get(i).map(|m| (i, m))) {
        Some((i, m)) => {
            let ids = storage.ids_with_name(&m.value);
            let start = ids.partition_point(|&id| id < first);
            ids.get(start..).unwrap_or(&[]).iter().copied().filter(|&id| matches(id, Some(i))).collect()
        }
        None => (first..storage.len()).filter(|&id| matches(id, None)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_semantics() {
        let r = compile_anchored(r"\d+").unwrap();
        assert!(r.is_match("123"));
        assert!(!r.is_match("١٢٣"));
        assert!(!compile_anchored("a").unwrap().is_match("ab"));
        assert!(compile_anchored("a.b").unwrap().is_match("a\nb"));
        assert!(compile_anchored(r"[\d_]+").unwrap().is_match("1_2"));
        assert!(compile_anchored(r"[^\d]+").unwrap().is_match("ab"));
        assert!(compile_anchored(r"[]a]+").unwrap().is_match("]a"));
        assert!(compile_anchored(r"\W").unwrap().is_match("é"));
        assert!(compile_anchored(r"[[:alpha:]]+").unwrap().is_match("ab"));
    }
}
