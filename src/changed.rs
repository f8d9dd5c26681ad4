//! `--changed-since GIT_REF`: which files and lines changed, from `git`, and which findings are
//! therefore reported.
//!
//! Everything is still loaded and linted (cross-file checks such as duplicates and recording rules
//! used elsewhere need every file); only the report is narrowed afterwards:
//! - a finding inside a rule is reported when a line of that rule changed (or lines were deleted
//!   inside it or right after its last line, which is how removing its last field looks);
//! - a finding outside any rule (a group, the file itself) is reported when its file changed;
//! - a finding is also reported when one of its secondary locations lies in a changed rule or on
//!   a changed line (a new rule that duplicates an old one flags the old one, pointing at the new).
//!
//! "Changed" compares the working tree with the merge base of `GIT_REF` and `HEAD`, like a pull
//! request's diff: for an ancestor such as `HEAD~1` that is the ref itself, for `origin/main` on a
//! branch it leaves out what `main` gained since the branch point. Uncommitted changes and
//! untracked (not ignored) files count as changed. git runs in the working directory; files
//! outside its repository never count as changed.
//!
//! We run the `git` command instead of linking a git library: it is what the user's CI has, it
//! honours their configuration (worktrees, `safe.directory`, alternates), and costs no dependency.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diagnostic::{Diagnostic, Label};
use crate::lint::LintOutput;

/// Changed lines of one file: (first, last) line ranges of the new text, and the lines after
/// which lines were deleted (0: at the start).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileChanges {
    /// The whole file is new (untracked, or added since the base).
    pub whole: bool,
    pub added: Vec<(u32, u32)>,
    pub deleted_after: Vec<u32>,
}

impl FileChanges {
    /// Whether a line in `first..=last` changed, or lines were deleted inside the range or right
    /// after it.
    pub fn touches_rule(&self, first: u32, last: u32) -> bool {
        self.whole
            || self.added.iter().any(|&(a, b)| a <= last && b >= first)
            || self.deleted_after.iter().any(|&d| d >= first && d <= last)
    }

    /// Whether a line in `first..=last` itself changed.
    pub fn touches_lines(&self, first: u32, last: u32) -> bool {
        self.whole || self.added.iter().any(|&(a, b)| a <= last && b >= first)
    }
}

/// The changes of a repository's working tree since a ref.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// The repository's top level, canonical.
    root: PathBuf,
    /// By path relative to the top level, with `/` separators.
    files: HashMap<String, FileChanges>,
}

/// Runs git in `cwd` and returns its standard output, or an error naming what failed.
fn git(cwd: &Path, args: &[&str]) -> Result<(bool, Vec<u8>, String), String> {
    let out = Command::new("git")
        .current_dir(cwd)
        .args(["-c", "core.quotepath=off"])
        .args(args)
        .output()
        .map_err(|e| format!("--changed-since: cannot run git: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    Ok((out.status.success(), out.stdout, stderr))
}

fn git_ok(cwd: &Path, args: &[&str], what: &str) -> Result<Vec<u8>, String> {
    let (ok, out, err) = git(cwd, args)?;
    if ok { Ok(out) } else { Err(format!("--changed-since: {what} failed: {err}")) }
}

impl Changes {
    /// Asks git in `cwd` what changed since `git_ref`.
    pub fn since(git_ref: &str, cwd: &Path) -> Result<Changes, String> {
        let (ok, top, err) = git(cwd, &["rev-parse", "--show-toplevel"])?;
        if !ok {
            let why = if err.is_empty() { String::from("git rev-parse failed") } else { err };
            return Err(format!("--changed-since needs a git repository: {} is not inside one ({why})", cwd.display()));
        }
        let top = String::from_utf8_lossy(&top).trim_end_matches(['\n', '\r']).to_string();
        let root = std::fs::canonicalize(&top).unwrap_or_else(|_| PathBuf::from(&top));
        if git_ref.starts_with('-') {
            return Err(format!("--changed-since: unknown git ref `{git_ref}`"));
        }
        let (ok, _, _) =
            git(cwd, &["rev-parse", "--verify", "--quiet", "--end-of-options", &format!("{git_ref}^{{commit}}")])?;
        if !ok {
            return Err(format!(
                "--changed-since: unknown git ref `{git_ref}` (in a shallow CI checkout, fetch it first, e.g. actions/checkout with `fetch-depth: 0`)"
            ));
        }
        let (ok, base, err) = git(cwd, &["merge-base", "--end-of-options", git_ref, "HEAD"])?;
        if !ok {
            return Err(format!(
                "--changed-since: `{git_ref}` and HEAD have no common ancestor{} (in a shallow CI checkout, fetch more history, e.g. `fetch-depth: 0`)",
                if err.is_empty() { String::new() } else { format!(": {err}") }
            ));
        }
        let base = String::from_utf8_lossy(&base).trim().to_string();
        let diff_args = [
            "--no-pager",
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            "--no-relative",
            "--src-prefix=a/",
            "--dst-prefix=b/",
        ];
        let mut names_args = diff_args.to_vec();
        names_args.extend(["--name-only", "-z", base.as_str(), "--"]);
        let names = git_ok(&root, &names_args, "git diff --name-only")?;
        let mut patch_args = diff_args.to_vec();
        patch_args.extend(["--unified=0", "--inter-hunk-context=0", base.as_str(), "--"]);
        let patch = git_ok(&root, &patch_args, "git diff")?;
        let untracked = git_ok(&root, &["ls-files", "--others", "--exclude-standard", "-z"], "git ls-files")?;

        let mut files: HashMap<String, FileChanges> = HashMap::new();
        for name in names.split(|b| *b == 0).filter(|n| !n.is_empty()) {
            files.entry(String::from_utf8_lossy(name).into_owned()).or_default();
        }
        for (path, fc) in parse_patch(&String::from_utf8_lossy(&patch)) {
            files.insert(path, fc);
        }
        for name in untracked.split(|b| *b == 0).filter(|n| !n.is_empty()) {
            files.insert(String::from_utf8_lossy(name).into_owned(), FileChanges { whole: true, ..Default::default() });
        }
        Ok(Changes { root, files })
    }

    /// The changes of a file named as on the command line (relative to the working directory, or
    /// absolute); `None` when it did not change or is outside the repository.
    pub fn file(&self, path: &str) -> Option<&FileChanges> {
        let abs = std::fs::canonicalize(path).ok()?;
        let rel = abs.strip_prefix(&self.root).ok()?;
        let key: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        self.files.get(&key.join("/"))
    }

    /// Keeps the findings `--changed-since` reports (see the module docs).
    pub fn filter(&self, out: &mut LintOutput) {
        let per_file: Vec<Option<&FileChanges>> = out.sources.iter().map(|s| self.file(&s.path)).collect();
        let rule_of = |l: &Label| -> Option<(u32, u32)> {
            let s = out.sources.get(l.file)?;
            let line = s.line_col(l.span.start).line;
            out.rule_lines.get(l.file)?.iter().copied().find(|&(a, b)| a <= line && line <= b)
        };
        let primary = |d: &Diagnostic| -> bool {
            let Some(fc) = per_file.get(d.primary.file).copied().flatten() else { return false };
            match rule_of(&d.primary) {
                Some((a, b)) => fc.touches_rule(a, b),
                None => true,
            }
        };
        let secondary = |l: &Label| -> bool {
            let Some(fc) = per_file.get(l.file).copied().flatten() else { return false };
            if let Some((a, b)) = rule_of(l) {
                return fc.touches_rule(a, b);
            }
            let Some(s) = out.sources.get(l.file) else { return false };
            let (a, b) = s.span_positions(l.span);
            fc.touches_lines(a.line, b.line)
        };
        out.diagnostics.retain(|d| primary(d) || d.secondary.iter().any(secondary));
    }
}

/// Parses `git diff --unified=0` output into the changed lines of each file (new side).
pub fn parse_patch(patch: &str) -> Vec<(String, FileChanges)> {
    let mut out: Vec<(String, FileChanges)> = Vec::new();
    let mut current: Option<usize> = None;
    let mut from_nothing = false;
    for line in patch.lines() {
        if line.starts_with("diff --git ") {
            current = None;
            from_nothing = false;
        } else if let Some(old) = line.strip_prefix("--- ") {
            from_nothing = old == "/dev/null";
        } else if let Some(new) = line.strip_prefix("+++ ") {
            let name = unquote(new.strip_suffix('\t').unwrap_or(new));
            current = name.strip_prefix("b/").map(|p| {
                out.push((p.to_string(), FileChanges { whole: from_nothing, ..Default::default() }));
                out.len() - 1
            });
        } else if let Some(hunk) = line.strip_prefix("@@ ") {
            let (Some(i), Some((start, count))) = (current, new_range(hunk)) else { continue };
            let Some((_, fc)) = out.get_mut(i) else { continue };
            if count == 0 {
                fc.deleted_after.push(start);
            } else {
                fc.added.push((start, start + count - 1));
            }
        }
    }
    out
}

/// The new-side `+start,count` of a hunk header's rest (`-a,b +c,d @@ …`).
fn new_range(hunk: &str) -> Option<(u32, u32)> {
    let plus = hunk.split(' ').find_map(|p| p.strip_prefix('+'))?;
    match plus.split_once(',') {
        Some((s, c)) => Some((s.parse().ok()?, c.parse().ok()?)),
        None => Some((plus.parse().ok()?, 1)),
    }
}

/// Undoes git's C-style quoting of a path (`"a\tb\303\247"`); unquoted text is returned as is.
fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else { return s.to_string() };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(b'r') => bytes.push(b'\r'),
            Some(b'a') => bytes.push(7),
            Some(b'b') => bytes.push(8),
            Some(b'f') => bytes.push(12),
            Some(b'v') => bytes.push(11),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    if let Some(&n @ b'0'..=b'7') = it.peek() {
                        v = v * 8 + u32::from(n - b'0');
                        it.next();
                    }
                }
                bytes.push(v as u8);
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_give_new_side_ranges() {
        let patch = "diff --git a/r.yaml b/r.yaml\nindex 1..2 100644\n--- a/r.yaml\n+++ b/r.yaml\n@@ -3 +3 @@ groups:\n-a\n+b\n@@ -10,2 +9,0 @@\n-x\n-y\n@@ -20,0 +19,3 @@\n+p\n+q\n+r\ndiff --git a/n.yaml b/n.yaml\nnew file mode 100644\n--- /dev/null\n+++ b/n.yaml\n@@ -0,0 +1,2 @@\n+a\n+b\n";
        let got = parse_patch(patch);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, "r.yaml");
        assert_eq!(got[0].1.added, [(3, 3), (19, 21)]);
        assert_eq!(got[0].1.deleted_after, [9]);
        assert!(!got[0].1.whole);
        assert_eq!(got[1].0, "n.yaml");
        assert!(got[1].1.whole);
    }

    #[test]
    fn quoted_paths() {
        assert_eq!(unquote(r#""dir/a\tb \"q\" \303\247.yaml""#), "dir/a\tb \"q\" ç.yaml");
        assert_eq!(unquote("plain name.yaml"), "plain name.yaml");
        let patch = "--- a/x\n+++ \"b/\\303\\274.yaml\"\n@@ -1 +1 @@\n";
        assert_eq!(parse_patch(patch)[0].0, "ü.yaml");
    }

    #[test]
    fn rule_touch_rules() {
        let fc = FileChanges { whole: false, added: vec![(5, 6)], deleted_after: vec![12] };
        assert!(fc.touches_rule(1, 5));
        assert!(fc.touches_rule(6, 9));
        assert!(!fc.touches_rule(7, 11));
        assert!(fc.touches_rule(10, 12), "lines deleted right after the rule's last line");
        assert!(!fc.touches_rule(13, 20));
        assert!(!fc.touches_lines(10, 12));
    }
}
