//! Finds the alert labels a Go template reads: `$labels.x`, `.Labels.x`, `index $labels "x"`.
//!
//! A scanner over the template's actions rather than the full template parser: the parser
//! (`crate::template`) keeps its syntax tree private, and these three forms are all that alert
//! templates use to read a label. Text outside `{{ }}`, comments and string literals (other than
//! `index`'s argument) are skipped, so prose mentioning `$labels.x` is not mistaken for a use.

/// A label read by a template: its name and the byte range of the whole reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRef {
    pub name: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, PartialEq)]
enum Tok {
    Word,
    Str(String),
    Other,
}

/// Every label reference in a template text.
pub fn label_refs(text: &str) -> Vec<LabelRef> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(open) = text.get(i..).and_then(|t| t.find("{{")) {
        let start = i + open + 2;
        let mut j = start;
        if text[j..].trim_start_matches('-').trim_start().starts_with("/*") {
            // a comment: `{{/* ... */}}`
            match text[j..].find("*/") {
                Some(end) => {
                    i = j + end + 2;
                    continue;
                }
                None => break,
            }
        }
        let mut toks: Vec<(Tok, usize, usize)> = Vec::new();
        loop {
            let Some(&c) = b.get(j) else { return out };
            if c == b'}' && b.get(j + 1) == Some(&b'}') {
                j += 2;
                break;
            }
            match c {
                b'"' | b'`' => {
                    let s = j;
                    j += 1;
                    let mut value = String::new();
                    while let Some(&d) = b.get(j) {
                        if d == c {
                            break;
                        }
                        if d == b'\\' && c == b'"' {
                            j += 1;
                        }
                        j += 1;
                    }
                    if let Some(inner) = text.get(s + 1..j) {
                        value.push_str(inner);
                    }
                    j += 1;
                    toks.push((Tok::Str(value), s, j.min(b.len())));
                }
                c if c == b'$' || c == b'.' || c.is_ascii_alphanumeric() || c == b'_' => {
                    let s = j;
                    while b.get(j).is_some_and(|&d| d == b'$' || d == b'.' || d.is_ascii_alphanumeric() || d == b'_') {
                        j += 1;
                    }
                    toks.push((Tok::Word, s, j));
                }
                _ => {
                    if !c.is_ascii_whitespace() {
                        toks.push((Tok::Other, j, j + 1));
                    }
                    j += 1;
                }
            }
        }
        for (k, (tok, s, e)) in toks.iter().enumerate() {
            if *tok != Tok::Word {
                continue;
            }
            let word = &text[*s..*e];
            for prefix in ["$labels.", ".Labels."] {
                if let Some(rest) = word.strip_prefix(prefix) {
                    let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    if !name.is_empty() {
                        out.push(LabelRef { end: s + prefix.len() + name.len(), name, start: *s });
                    }
                }
            }
            if word == "index"
                && let (Some((Tok::Word, ms, me)), Some((Tok::Str(v), _, ve))) = (toks.get(k + 1), toks.get(k + 2))
                && matches!(&text[*ms..*me], "$labels" | ".Labels")
            {
                out.push(LabelRef { name: v.clone(), start: *s, end: *ve });
            }
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_three_forms() {
        let t = "{{ $labels.instance }} on {{ .Labels.job }}: {{ index $labels \"pod-name\" | title }} $labels.prose";
        let refs = label_refs(t);
        let names: Vec<&str> = refs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["instance", "job", "pod-name"]);
        assert_eq!(&t[refs[0].start..refs[0].end], "$labels.instance");
        assert_eq!(&t[refs[2].start..refs[2].end], "index $labels \"pod-name\"");
    }

    #[test]
    fn skips_comments_strings_and_trim_markers() {
        let t =
            "{{/* $labels.no */}}{{- if eq $labels.severity \"$labels.not\" -}}x{{ end }}{{ printf \"%s\" $labels.a }}";
        let names: Vec<String> = label_refs(t).into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["severity", "a"]);
        assert!(label_refs("{{ $labels.x").is_empty(), "unterminated action");
        assert_eq!(label_refs("{{ $value }} and {{ with $labels }}{{ .y }}{{ end }}").len(), 0);
    }
}
