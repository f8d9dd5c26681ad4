//! CI integration through the real binary: `--output` (atomic, the terminal keeps the human form),
//! per-check severities from `.mlmon-lint.yaml` in the machine formats, and `--changed-since` on a
//! temporary git repository with two commits (skipped with a message where git is not installed).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("mlmon-lint-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn write(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary, with no git variables a surrounding hook may have set (they would point git elsewhere).
fn mlmon_command(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlmon-lint"));
    c.current_dir(cwd).env("NO_COLOR", "1");
    for v in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CEILING_DIRECTORIES"] {
        c.env_remove(v);
    }
    c
}

fn mlmon(cwd: &Path, args: &[&str]) -> Output {
    mlmon_command(cwd).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn output_file_gets_the_format_and_the_terminal_the_human_form() {
    let dir = TempDir::new("output");
    let report = dir.0.join("report.sarif");
    let root = env!("CARGO_MANIFEST_DIR");
    let out =
        mlmon(Path::new(root), &["examples/ml-service", "--format", "sarif", "--output", report.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("0 errors, 24 warnings, 0 infos in 10 files"), "{stdout}");
    assert!(stdout.contains("╭─["), "the terminal gets the human form:\n{stdout}");
    let written = std::fs::read_to_string(&report).unwrap();
    let direct = mlmon(Path::new(root), &["examples/ml-service", "--format", "sarif"]);
    assert_eq!(written, text(&direct.stdout), "the file holds exactly what --format sarif prints");
    // no temporary file is left behind
    let names: Vec<String> =
        std::fs::read_dir(&dir.0).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["report.sarif"]);
}

#[test]
fn output_that_cannot_be_written_is_an_error_and_leaves_no_file() {
    let dir = TempDir::new("output-fail");
    let root = env!("CARGO_MANIFEST_DIR");
    let target = dir.0.join("missing-dir/report.json");
    let out = mlmon(Path::new(root), &["examples/ml-service", "--format", "json", "-o", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot write"), "{}", text(&out.stderr));
    // a directory where the file should go: the rename fails, the temporary file is removed
    std::fs::create_dir_all(dir.0.join("taken/sub")).unwrap();
    let out = mlmon(
        Path::new(root),
        &["examples/ml-service", "--format", "json", "-o", dir.0.join("taken").to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let names: Vec<String> =
        std::fs::read_dir(&dir.0).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["taken"], "no temporary file is left next to it");
    assert_eq!(std::fs::read_dir(dir.0.join("taken")).unwrap().count(), 1, "the directory is untouched");
}

#[test]
fn configured_severities_reach_every_format() {
    let dir = TempDir::new("severity");
    dir.write(
        "rules.yaml",
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: rate(x[10s]) > 1\n  - alert: B\n    expr: up\n",
    );
    dir.write(".mlmon-lint.yaml", "checks:\n  severity: {PQL002: error, alert-always-fires: info}\n");
    let out = mlmon(&dir.0, &["rules.yaml", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    let levels: Vec<(String, String)> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["ruleId"].as_str().unwrap().to_string(), r["level"].as_str().unwrap().to_string()))
        .collect();
    assert!(levels.contains(&("PQL002".into(), "error".into())), "{levels:?}");
    assert!(levels.contains(&("RUL001".into(), "note".into())), "{levels:?}");
    let out = mlmon(&dir.0, &["rules.yaml", "--format", "github"]);
    let g = text(&out.stdout);
    assert!(g.contains("::error file=rules.yaml,line=5") && g.contains("::notice file=rules.yaml,line=7"), "{g}");
    // the info finding neither prints nor fails below --min-severity; the error still fails
    let out = mlmon(&dir.0, &["rules.yaml", "--format", "checkstyle", "--min-severity", "warning"]);
    let x = text(&out.stdout);
    assert!(x.contains(r#"severity="error""#) && !x.contains(r#"severity="info""#), "{x}");
    assert_eq!(out.status.code(), Some(1));
    let out = mlmon(&dir.0, &["rules.yaml", "--format", "json", "--fail-on", "error", "--min-severity", "info"]);
    assert_eq!(out.status.code(), Some(1));
    dir.write(".mlmon-lint.yaml", "checks:\n  severity: {PQL002: info, alert-always-fires: info}\n");
    let out = mlmon(&dir.0, &["rules.yaml", "--format", "json", "--fail-on", "warning"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

fn git_available() -> bool {
    Command::new("git").arg("--version").output().is_ok_and(|o| o.status.success())
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
}

/// (file, line, code) of each reported finding.
fn reported(dir: &Path, args: &[&str]) -> (i32, Vec<(String, u64, String)>) {
    let mut all = vec!["--format", "json"];
    all.extend(args);
    let out = mlmon(dir, &all);
    let v: Value = serde_json::from_str(&text(&out.stdout)).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
    let found = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (out.status.code().unwrap_or(-1), found)
}

const A_BASE: &str = "\
groups:
  - name: a
    rules:
      - alert: OldShortFor
        expr: up == 0
        for: 30s
      - alert: Edited
        expr: up == 0
        for: 5m
";

const A_HEAD: &str = "\
groups:
  - name: a
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: OldShortFor
        expr: up == 0
        for: 30s
      - alert: Edited
        expr: up == 0
        for: 20s
";

const B: &str = "\
groups:
  - name: b
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: Trimmed
        expr: rate(x[10s]) > 1
        for: 5m
";

#[test]
fn changed_since_reports_only_changed_rules() {
    if !git_available() {
        eprintln!("SKIP: git is not installed; --changed-since is not tested");
        return;
    }
    let dir = TempDir::new("changed");
    let d = &dir.0;
    git(d, &["init", "-q", "-b", "main"]);
    dir.write("rules/a.yaml", A_BASE);
    dir.write("rules/b.yaml", B);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "base"]);
    // second commit: a recording rule added above (duplicating b.yaml's), `Edited` changed
    dir.write("rules/a.yaml", A_HEAD);
    git(d, &["commit", "-q", "-am", "change"]);
    // not committed: a new file reading a misspelt recorded metric that b.yaml records
    dir.write("rules/c.yaml", "groups:\n  - name: c\n    rules:\n      - alert: C\n        expr: job:up:sun == 0\n");

    let codes =
        |v: &[(String, u64, String)]| -> Vec<String> { v.iter().map(|(f, l, c)| format!("{f}:{l}:{c}")).collect() };
    let (code, all) = reported(d, &["rules"]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&all),
        [
            "rules/a.yaml:8:RUL005",
            "rules/a.yaml:11:RUL005",
            "rules/b.yaml:4:RUL004",
            "rules/b.yaml:7:PQL002",
            "rules/c.yaml:5:SCH003"
        ],
        "everything, without --changed-since"
    );

    let (code, changed) = reported(d, &["rules", "--changed-since", "HEAD~1"]);
    assert_eq!(code, 1);
    // not OldShortFor (moved down, not changed) nor Trimmed; the duplicate in unchanged b.yaml is
    // reported because the rule it duplicates is new; c.yaml is untracked, so new, and its finding
    // needs b.yaml's recording rule, which is loaded though unchanged
    let expected = ["rules/a.yaml:11:RUL005", "rules/b.yaml:4:RUL004", "rules/c.yaml:5:SCH003"];
    assert_eq!(codes(&changed), expected);
    let out = mlmon(d, &["rules", "--changed-since", "HEAD~1", "--format", "github"]);
    let note = "note: 2 findings in files and rules unchanged since HEAD~1 not reported";
    assert!(text(&out.stderr).contains(note), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().filter(|l| l.starts_with("::warning ")).count(), 3);

    let (_, since_head) = reported(d, &["rules", "--changed-since", "HEAD"]);
    assert_eq!(codes(&since_head), ["rules/c.yaml:5:SCH003"]);

    // another branch that changed `Trimmed` after the branch point: compared with the merge base,
    // its change is not ours
    git(d, &["checkout", "-q", "-b", "feature", "HEAD~1"]);
    dir.write("rules/b.yaml", &B.replace("for: 5m", "for: 6m"));
    git(d, &["commit", "-q", "-am", "feature"]);
    git(d, &["checkout", "-q", "main"]);
    let (_, vs_branch) = reported(d, &["rules", "--changed-since", "feature"]);
    assert_eq!(codes(&vs_branch), expected);

    // deleting the last line of a rule changes the rule
    dir.write("rules/b.yaml", B.trim_end().rsplit_once('\n').unwrap().0);
    let (_, trimmed) = reported(d, &["rules", "--changed-since", "HEAD"]);
    assert_eq!(codes(&trimmed), ["rules/b.yaml:7:PQL002", "rules/c.yaml:5:SCH003"]);
}

#[test]
fn changed_since_errors_are_exit_2() {
    if !git_available() {
        eprintln!("SKIP: git is not installed; --changed-since is not tested");
        return;
    }
    let dir = TempDir::new("changed-errors");
    dir.write("r.yaml", B);
    // the system temp directory is not inside a git repository (unless someone made it one)
    let out = mlmon_command(&dir.0)
        .env("GIT_CEILING_DIRECTORIES", dir.0.parent().unwrap())
        .args(["r.yaml", "--changed-since", "main"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("needs a git repository"), "{}", text(&out.stderr));

    git(&dir.0, &["init", "-q", "-b", "main"]);
    git(&dir.0, &["add", "."]);
    git(&dir.0, &["commit", "-q", "-m", "one"]);
    for bad in ["no-such-ref", "--all", "HEAD~5"] {
        let out = mlmon(&dir.0, &["r.yaml", &format!("--changed-since={bad}")]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(text(&out.stderr).contains(&format!("unknown git ref `{bad}`")), "{}", text(&out.stderr));
    }
    let out = mlmon(&dir.0, &["r.yaml", "--changed-since", "main"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
