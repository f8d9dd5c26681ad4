//! The CI files users copy stay in step with the CLI: `action.yml` (inputs it references exist, its
//! run script works against the real binary), `.pre-commit-hooks.yaml`, the example workflow and
//! the commands in `docs/ci.md` (every `mlmon-lint` command line there parses).

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser;
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Parses a `mlmon-lint …` command line as the binary would (the default subcommand included).
fn assert_parses(line: &str) {
    let words: Vec<&str> = line.split_whitespace().take_while(|w| !w.starts_with('#')).collect();
    let mut argv: Vec<std::ffi::OsString> = words.iter().map(Into::into).collect();
    let subcommands: Vec<String> = <mlmon_lint::cli::Cli as clap::CommandFactory>::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    if argv.get(1).is_some_and(|a| {
        let a = a.to_string_lossy();
        !subcommands.iter().any(|s| *s == a) && !a.starts_with('-')
    }) {
        // a path first: `check` is implied, as the binary does
        argv.insert(1, "check".into());
    }
    if let Err(e) = mlmon_lint::cli::Cli::try_parse_from(&argv) {
        panic!("`{line}` does not parse:\n{e}");
    }
}

fn action_inputs() -> Vec<String> {
    yaml("action.yml")["inputs"].as_object().unwrap().keys().cloned().collect()
}

#[test]
fn action_references_only_its_inputs() {
    let text = std::fs::read_to_string(Path::new(ROOT).join("action.yml")).unwrap();
    let inputs = action_inputs();
    let mut referenced = 0;
    for part in text.split("inputs.").skip(1) {
        let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        assert!(inputs.contains(&name), "action.yml uses inputs.{name}, which it does not declare");
        referenced += 1;
    }
    assert!(referenced >= inputs.len(), "every input is used");
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    for step in action["runs"]["steps"].as_array().unwrap() {
        if step.get("run").is_some() {
            assert_eq!(step["shell"], "bash", "composite run steps need a shell: {step}");
        }
    }
}

/// The script of the action's step `id`.
fn action_script(id: &str) -> String {
    let action = yaml("action.yml");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let step = steps.iter().find(|s| s["id"] == id).unwrap();
    step["run"].as_str().unwrap().to_string()
}

fn bash_available() -> bool {
    Command::new("bash").arg("--version").output().is_ok_and(|o| o.status.success())
}

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the action's `run` step as GitHub does (`bash --noprofile --norc -eo pipefail`), with the
/// built binary on PATH and the inputs as its `env:` passes them.
fn run_action(name: &str, env: &[(&str, &str)]) -> (String, String, Scratch) {
    let dir = Scratch(std::env::temp_dir().join(format!("mlmon-lint-action-{name}-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    std::fs::create_dir_all(&dir.0).unwrap();
    let outputs = dir.0.join("github_output");
    std::fs::write(&outputs, "").unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_mlmon-lint")).parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let defaults = [
        ("PATHS", "."),
        ("SCHEMA", ""),
        ("CONFIG", ""),
        ("FORMAT", "github"),
        ("FAIL_ON", "warning"),
        ("MIN_SEVERITY", "info"),
        ("CHANGED_SINCE", ""),
        ("UPLOAD_SARIF", "false"),
        ("SARIF_FILE", "mlmon-lint.sarif"),
    ];
    let mut cmd = Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &action_script("run")])
        .current_dir(ROOT)
        .env("PATH", path)
        .env("GITHUB_OUTPUT", &outputs)
        .env("NO_COLOR", "1");
    for (k, v) in defaults {
        cmd.env(k, v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let outputs = std::fs::read_to_string(&outputs).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "the run step never fails itself:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (String::from_utf8_lossy(&out.stdout).into_owned(), outputs, dir)
}

#[test]
fn action_run_step_annotates_and_writes_sarif() {
    if !bash_available() {
        eprintln!("SKIP: bash is not installed; the action's script is not run");
        return;
    }
    let tmp = std::env::temp_dir().join(format!("mlmon-lint-action-sarif-{}.sarif", std::process::id()));
    let sarif = tmp.to_str().unwrap();
    let (stdout, outputs, _dir) = run_action(
        "github",
        &[
            ("PATHS", "examples/ml-service/rules examples/ml-service/tests"),
            ("UPLOAD_SARIF", "true"),
            ("SARIF_FILE", sarif),
        ],
    );
    assert!(stdout.contains("::warning file=examples/ml-service/rules/alerts.yaml,line=20"), "{stdout}");
    assert!(outputs.contains("exit-code=1\n"), "{outputs}");
    assert!(outputs.contains(&format!("sarif-file={sarif}\n")), "{outputs}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&tmp).unwrap()).unwrap();
    let _ = std::fs::remove_file(&tmp);
    assert_eq!(report["version"], "2.1.0");
    assert!(!report["runs"][0]["results"].as_array().unwrap().is_empty());

    // format sarif + upload: one run, the log gets the human form
    let (stdout, outputs, _dir) = run_action(
        "sarif",
        &[("PATHS", "examples/ml-service"), ("UPLOAD_SARIF", "true"), ("FORMAT", "sarif"), ("SARIF_FILE", sarif)],
    );
    assert!(stdout.contains("warnings, 0 infos in"), "{stdout}");
    assert!(outputs.contains("exit-code=1\n") && tmp.exists(), "{outputs}");
    let _ = std::fs::remove_file(&tmp);

    // inputs reach the flags: fail-on error passes, a bad ref is exit 2
    let (_, outputs, _dir) = run_action("fail-on", &[("PATHS", "examples/ml-service"), ("FAIL_ON", "error")]);
    assert!(outputs.contains("exit-code=0\n"), "{outputs}");
    let (_, outputs, _dir) =
        run_action("schema", &[("PATHS", "examples/ml-service"), ("SCHEMA", "no/such/schema.yaml")]);
    assert!(outputs.contains("exit-code=2\n"), "{outputs}");
}

#[test]
fn pre_commit_hooks_run_valid_command_lines() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().unwrap();
    assert!(hooks.iter().any(|h| h["id"] == "mlmon-lint"));
    for h in hooks {
        assert_eq!(h["language"], "rust", "{h}");
        assert_eq!(h["pass_filenames"], false, "cross-file checks need every file: {h}");
        let entry = h["entry"].as_str().unwrap();
        assert!(entry.starts_with("mlmon-lint "), "{entry}");
        assert_parses(&format!("{entry} ."));
        let files = regex::Regex::new(h["files"].as_str().unwrap()).unwrap();
        assert!(files.is_match("rules/alerts.yaml") && files.is_match("d.json") && !files.is_match("main.rs"));
    }
}

#[test]
fn example_workflow_uses_the_action_with_its_inputs() {
    let wf = yaml("docs/ci/github-workflow.yml");
    let inputs = action_inputs();
    let steps = wf["jobs"]["mlmon-lint"]["steps"].as_array().unwrap();
    let step = steps.iter().find(|s| s["uses"].as_str().is_some_and(|u| u.contains("/mlmon-lint@"))).unwrap();
    for key in step["with"].as_object().unwrap().keys() {
        assert!(inputs.contains(key), "the example passes `{key}`, which action.yml does not declare");
    }
    assert_eq!(wf["permissions"]["security-events"], "write");
    // kept out of .github/workflows, so that it never runs in this repository
    assert!(!Path::new(ROOT).join(".github/workflows/github-workflow.yml").exists());
}

/// Every `mlmon-lint ...` line inside a code block of a document; asserts each parses.
fn commands_in(doc: &str) -> usize {
    let text = std::fs::read_to_string(Path::new(ROOT).join(doc)).unwrap();
    let mut n = 0;
    let mut in_code = false;
    for line in text.lines() {
        let l = line.trim_start_matches(['>', ' ', '-']).trim_start_matches("run: ");
        if l.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code && l.starts_with("mlmon-lint ") {
            assert_parses(l.trim_end_matches('\\'));
            n += 1;
        }
    }
    n
}

#[test]
fn docs_commands_parse() {
    let n = commands_in("docs/ci.md");
    assert!(n >= 3, "found {n} command lines");
    let n = commands_in("README.md");
    assert!(n >= 10, "found {n} command lines in the README");
    let text = std::fs::read_to_string(Path::new(ROOT).join("docs/ci.md")).unwrap();
    // the check itself refuses what the binary refuses
    assert!(std::panic::catch_unwind(|| assert_parses("mlmon-lint check . --format xml")).is_err());
    for key in ["paths", "schema", "fail-on", "changed-since", "upload-sarif"] {
        assert!(text.contains(&format!("          {key}: ")), "docs/ci.md shows `{key}`");
    }
}

#[test]
fn checks_reference_is_generated_from_the_checks() {
    let committed = std::fs::read_to_string(Path::new(ROOT).join("docs/checks.md")).unwrap();
    let metas: Vec<_> = mlmon_lint::checks::ALL.iter().map(|c| c.meta()).collect();
    let generated = mlmon_lint::cmd::checks::reference_markdown(&metas);
    assert!(
        committed == generated,
        "docs/checks.md is stale: regenerate it with `cargo run -- checks --format markdown > docs/checks.md`"
    );
    for m in &metas {
        assert!(committed.contains(&format!("## {} ({})", m.name, m.code)), "{} is documented", m.code);
    }
}
