//! "Did you mean" suggestions: the closest known name to a misspelt one.
//!
//! Uses the Damerau-Levenshtein distance (`strsim`, already in the build through clap), accepting a
//! candidate within a third of the name's length. Candidates are filtered by length first, so a
//! lookup in a 5,000-metric schema stays cheap.

/// The closest candidate to `name`, if one is near enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let len = name.chars().count();
    if len == 0 {
        return None;
    }
    let max = (len / 3).clamp(1, 6);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let clen = c.chars().count();
        if clen.abs_diff(len) > max {
            continue;
        }
        let d = strsim::damerau_levenshtein(name, c);
        // Case-only differences are the likeliest typo of all.
        let d = if c.eq_ignore_ascii_case(name) { 0 } else { d };
        if d <= max && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// `; did you mean `x`?` or nothing, for messages.
pub fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map(|s| format!("did you mean `{s}`?")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_near_names_only() {
        let names = ["http_requests_total", "http_request_latency_seconds_bucket", "process_open_fds"];
        assert_eq!(closest("http_request_total", names).as_deref(), Some("http_requests_total"));
        assert_eq!(
            closest("http_request_latency_second_bucket", names).as_deref(),
            Some("http_request_latency_seconds_bucket")
        );
        assert_eq!(closest("node_cpu_seconds_total", names), None);
        assert_eq!(closest("stauts", ["status", "path"]).as_deref(), Some("status"));
        assert_eq!(closest("Method", ["method"]).as_deref(), Some("method"));
        assert_eq!(closest("x", ["y", "status"]).as_deref(), Some("y"));
        assert_eq!(closest("", ["a"]), None);
    }
}
