//! Label values: can a matcher be satisfied by any value the schema allows?
//!
//! PromQL regexes are RE2, fully anchored, with `.` matching newlines (`^(?s:re)$`); they are
//! translated by [`crate::go::regexp::translate`] (Go's ASCII `\d`/`\w`, its escapes and errors)
//! for the `regex` crate. Compiled regexes are cached per thread: the same few matchers repeat
//! across thousands of rules, and compiling is the expensive part.

use std::cell::RefCell;
use std::collections::HashMap;

use regex::Regex;
use regex_syntax::hir::literal::Extractor;

use super::model::LabelDef;
use crate::promql::ast::{MatchOp, Matcher};

thread_local! {
    static CACHE: RefCell<HashMap<String, Option<Regex>>> = RefCell::new(HashMap::new());
}

/// Compiles a PromQL regex as Prometheus anchors it; `None` when it does not compile.
pub fn promql_regex(re: &str) -> Option<Regex> {
    with_promql_regex(re, Regex::clone)
}

/// `f` of the compiled regex, from the cache. Not cloned: a clone of a `Regex` starts with an
/// empty pool of match caches, so matching with it allocates them afresh.
fn with_promql_regex<T>(re: &str, f: impl FnOnce(&Regex) -> T) -> Option<T> {
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if let Some(r) = c.get(re) {
            return r.as_ref().map(f);
        }
        if c.len() > 10_000 {
            c.clear();
        }
        // through Go's RE2 syntax (ASCII `\d`, `\w`, Go's escapes), as Prometheus matches
        let compiled = crate::go::regexp::translate(re).ok().and_then(|t| Regex::new(&format!("^(?s:{t})$")).ok());
        let out = compiled.as_ref().map(f);
        c.insert(re.to_string(), compiled);
        out
    })
}

/// Whether the PromQL regex `re` matches `value` (`None` when `re` does not compile).
pub fn regex_matches(re: &str, value: &str) -> Option<bool> {
    with_promql_regex(re, |r| r.is_match(value))
}

/// The exact strings a regex matches, when it matches only a small finite set (`GET|POST`,
/// `5[0-9][0-9]` expands to 100 and is too many).
pub fn finite_literals(re: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new().dot_matches_new_line(true).build().parse(re).ok()?;
    let mut ex = Extractor::new();
    ex.limit_total(64).limit_class(16).limit_repeat(8).limit_literal_len(128);
    let seq = ex.extract(&hir);
    if !seq.is_exact() {
        return None;
    }
    let lits = seq.literals()?;
    lits.iter().map(|l| String::from_utf8(l.as_bytes().to_vec()).ok()).collect()
}

/// Why a matcher can never match a label the schema restricts.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsatisfiable {
    /// What the schema allows, for the message (`one of GET, POST` / `matching [1-5][0-9]{2}`).
    pub allowed: String,
    /// The closest allowed value to the one written, if any.
    pub suggestion: Option<String>,
}

/// Checks a matcher against a label's declared values. Only `=` and `=~` are judged: a negative
/// matcher that excludes everything is a different mistake, and a matcher that matches the empty
/// string also selects series without the label.
pub fn check_matcher(m: &Matcher, def: &LabelDef) -> Option<Unsatisfiable> {
    if !def.is_restricted() {
        return None;
    }
    let unsat = || {
        let mut parts = Vec::new();
        if !def.values.is_empty() {
            parts.push(format!("one of {}", def.values.join(", ")));
        }
        if let Some(r) = def.regex_source() {
            parts.push(format!("values matching `{r}`"));
        }
        let suggestion = if m.op == MatchOp::Equal {
            super::suggest::closest(&m.value, def.values.iter().map(String::as_str))
        } else {
            None
        };
        Some(Unsatisfiable { allowed: parts.join(" or "), suggestion })
    };
    match m.op {
        MatchOp::Equal => {
            if m.value.is_empty() || def.allows(&m.value) {
                None
            } else {
                unsat()
            }
        }
        MatchOp::Re => {
            let re = promql_regex(&m.value)?;
            if re.is_match("") {
                return None;
            }
            if def.values.iter().any(|v| re.is_match(v)) {
                return None;
            }
            if def.regex.is_some() {
                // Only judge when the matcher spells out a finite set we can test one by one.
                let lits = finite_literals(&m.value)?;
                if lits.iter().any(|l| def.allows(l)) {
                    return None;
                }
            }
            unsat()
        }
        MatchOp::NotEqual | MatchOp::NotRe => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::ast::Span;
    use crate::schema::model::{LabelOrigin, compile_anchored};

    #[test]
    fn regexes_match_as_go_does() {
        // Go's \d is ASCII: an Arabic-Indic digit is not one (the regex crate's \d would say it is)
        assert_eq!(regex_matches(r"\d+", "\u{663}"), Some(false));
        assert_eq!(regex_matches(r"\d+", "503"), Some(true));
        assert_eq!(regex_matches("5..", "5\n3"), Some(true), "`.` matches a newline");
        assert_eq!(regex_matches("(", "x"), None);
    }

    fn matcher(op: MatchOp, value: &str) -> Matcher {
        Matcher {
            name: "status".into(),
            op,
            value: value.into(),
            span: Span::default(),
            name_span: Span::default(),
            value_span: Span::default(),
        }
    }

    fn def(values: &[&str], regex: Option<&str>) -> LabelDef {
        LabelDef {
            values: values.iter().map(|s| s.to_string()).collect(),
            regex: regex.map(|r| compile_anchored(r).unwrap()),
            optional: false,
            origin: LabelOrigin::Exporter,
        }
    }

    #[test]
    fn equality_against_values_and_regex() {
        let d = def(&["200", "404"], Some("5[0-9][0-9]"));
        assert!(check_matcher(&matcher(MatchOp::Equal, "200"), &d).is_none());
        assert!(check_matcher(&matcher(MatchOp::Equal, "503"), &d).is_none());
        let u = check_matcher(&matcher(MatchOp::Equal, "5xx"), &d).unwrap();
        assert_eq!(u.allowed, "one of 200, 404 or values matching `5[0-9][0-9]`");
        let u = check_matcher(&matcher(MatchOp::Equal, "2000"), &d).unwrap();
        assert_eq!(u.suggestion.as_deref(), Some("200"));
        assert!(check_matcher(&matcher(MatchOp::Equal, ""), &d).is_none());
        assert!(check_matcher(&matcher(MatchOp::NotEqual, "5xx"), &d).is_none());
    }

    #[test]
    fn regex_matchers() {
        let values = def(&["200", "404", "405"], None);
        assert!(check_matcher(&matcher(MatchOp::Re, "5.."), &values).is_some());
        assert!(check_matcher(&matcher(MatchOp::Re, "4.."), &values).is_none());
        assert!(check_matcher(&matcher(MatchOp::Re, "5..|"), &values).is_none(), "matches empty");
        let re = def(&[], Some("[1-5][0-9]{2}"));
        assert!(check_matcher(&matcher(MatchOp::Re, "5.."), &re).is_none(), "not finite: not judged");
        assert!(check_matcher(&matcher(MatchOp::Re, "5xx|4xx"), &re).is_some());
        assert!(check_matcher(&matcher(MatchOp::Re, "5xx|500"), &re).is_none());
        assert!(check_matcher(&matcher(MatchOp::Re, "(5|4)0[0-3]"), &re).is_none());
        assert!(check_matcher(&matcher(MatchOp::Re, "("), &re).is_none(), "invalid regex is another check's");
    }

    #[test]
    fn literals() {
        assert_eq!(finite_literals("GET|POST"), Some(vec!["GET".to_string(), "POST".to_string()]));
        assert_eq!(finite_literals("5.."), None);
        assert!(regex_matches("a.b", "a\nb").unwrap());
        assert!(!regex_matches("a", "ba").unwrap());
    }
}
