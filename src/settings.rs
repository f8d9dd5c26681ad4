//! `.mlmon-lint.yaml`: finding it, reading it strictly, and the resolved [`Settings`] a run uses.
//!
//! ```yaml
//! scrape_interval: 30s          # how often targets are scraped (default 1m)
//! evaluation_interval: 1m       # global rule evaluation interval (default 1m)
//! experimental_features: false  # accept PromQL experimental functions (limitk, sort_by_label, ...)
//! exclude: [vendor/, "*.generated.yaml"]   # gitignore-style, relative to this file
//! schema: [schema/exporter.yaml]           # exporter schemas (used by schema checks)
//! checks:
//!   disable: [RUL002]           # codes or names
//!   enable: [DSH009]            # switches on checks that are off by default; wins over `disable`
//!   severity: {RUL003: error}   # error | warning | info | off (off: like `disable`)
//! ```
//!
//! The file is read with the same spanned YAML tree as rule files, so every mistake in it has a
//! `file:line:col`; unknown keys are errors (exit 2), as conventions.md requires.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::checks::{self, CheckOptions};
use crate::diagnostic::{Category, Severity};
use crate::error::InputError;
use crate::rules::duration;
use crate::source::yaml::{self, Node};
use crate::source::{FileSpan, SourceFile};

pub const CONFIG_NAME: &str = ".mlmon-lint.yaml";

/// Resolved settings for the files one configuration applies to.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The configuration file these came from (`None`: built-in defaults).
    pub path: Option<PathBuf>,
    pub disabled: HashSet<&'static str>,
    /// Checks named in `checks.enable` (those off by default run only then).
    pub enabled: HashSet<&'static str>,
    pub severity: HashMap<&'static str, Severity>,
    pub options: CheckOptions,
    pub experimental_features: bool,
    /// Exclusion patterns and the directory they are relative to.
    pub exclude: Vec<String>,
    pub exclude_root: PathBuf,
    exclude_matcher: Option<ignore::gitignore::Gitignore>,
    /// Schema paths, resolved against the configuration's directory (used by the schema checks).
    pub schema: Vec<PathBuf>,
}

impl Settings {
    pub fn is_enabled(&self, code: &str) -> bool {
        if self.disabled.contains(code) {
            return false;
        }
        self.enabled.contains(code) || checks::find(code).is_none_or(|m| m.enabled_by_default)
    }

    pub fn severity_of(&self, meta: &checks::CheckMeta) -> Severity {
        self.severity.get(meta.code).copied().unwrap_or(meta.default_severity)
    }

    pub fn parse_options(&self) -> crate::promql::ParseOptions {
        crate::promql::ParseOptions {
            experimental_functions: self.experimental_features,
            ..crate::promql::ParseOptions::PROMTOOL
        }
    }

    /// Whether `path` is excluded by this configuration.
    pub fn is_excluded(&self, path: &Path, is_dir: bool) -> bool {
        let Some(m) = &self.exclude_matcher else { return false };
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf())
        };
        let abs = normalize(&abs);
        if !abs.starts_with(&self.exclude_root) {
            return false;
        }
        m.matched_path_or_any_parents(&abs, is_dir).is_ignore()
    }

    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<Settings, InputError> {
        let display = SourceFile::display_path(path);
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::whole_file(&display, format!("cannot read configuration: {e}")))?;
        let source = SourceFile::new(display, text);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
        let mut s = Self::parse(&source, &dir)?;
        s.path = Some(path.to_path_buf());
        Ok(s)
    }

    /// Parses a configuration's text; `dir` is the directory relative paths in it are relative to.
    pub fn parse(source: &SourceFile, dir: &Path) -> Result<Settings, InputError> {
        let err = |span: FileSpan, msg: String| InputError::at(source, span, msg);
        let docs = yaml::parse(&source.text).map_err(|e| err(FileSpan::point(e.offset), e.message))?;
        let mut s = Settings { exclude_root: normalize(&absolute(dir)), ..Settings::default() };
        let Some(root) = docs.into_iter().next().and_then(|d| d.root) else { return Ok(s) };
        if root.is_null() {
            return Ok(s);
        }
        let Some(entries) = root.as_map() else {
            return Err(err(root.span, "the configuration must be a mapping".into()));
        };
        for e in entries {
            let key = e.key.as_scalar().map(|k| k.value.as_str()).unwrap_or("");
            let v = &e.value;
            match key {
                "scrape_interval" => s.options.scrape_interval_ms = dur(source, v, key)?,
                "evaluation_interval" => s.options.evaluation_interval_ms = dur(source, v, key)?,
                "experimental_features" => s.experimental_features = boolean(source, v, key)?,
                "exclude" => s.exclude = strings(source, v, key)?,
                "schema" => s.schema = strings(source, v, key)?.into_iter().map(|p| dir.join(p)).collect(),
                "checks" => checks_section(source, v, &mut s)?,
                _ => {
                    return Err(err(
                        e.key.span,
                        format!(
                            "unknown configuration key `{key}` (known: scrape_interval, evaluation_interval, experimental_features, exclude, schema, checks)"
                        ),
                    ));
                }
            }
        }
        if !s.exclude.is_empty() {
            let mut b = ignore::gitignore::GitignoreBuilder::new(&s.exclude_root);
            for p in &s.exclude {
                b.add_line(None, p).map_err(|e| err(root.span, format!("invalid exclude pattern `{p}`: {e}")))?;
            }
            s.exclude_matcher = Some(b.build().map_err(|e| err(root.span, format!("invalid exclude patterns: {e}")))?);
        }
        Ok(s)
    }
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf())
    }
}

/// Removes `.` and resolves `..` lexically (paths need not exist).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn scalar<'n>(source: &SourceFile, v: &'n Node, key: &str) -> Result<&'n str, InputError> {
    v.as_scalar()
        .map(|s| s.value.as_str())
        .ok_or_else(|| InputError::at(source, v.span, format!("`{key}` must be a scalar, found {}", v.kind_name())))
}

fn dur(source: &SourceFile, v: &Node, key: &str) -> Result<i64, InputError> {
    let t = scalar(source, v, key)?;
    match duration::parse(t) {
        Ok(ms) if ms > 0 => Ok(ms),
        Ok(_) => Err(InputError::at(source, v.span, format!("`{key}` must be greater than zero"))),
        Err(e) => Err(InputError::at(source, v.span, format!("`{key}`: {e}"))),
    }
}

fn boolean(source: &SourceFile, v: &Node, key: &str) -> Result<bool, InputError> {
    match scalar(source, v, key)? {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        other => Err(InputError::at(source, v.span, format!("`{key}` must be true or false, found {other:?}"))),
    }
}

fn strings(source: &SourceFile, v: &Node, key: &str) -> Result<Vec<String>, InputError> {
    if v.is_null() {
        return Ok(Vec::new());
    }
    let Some(items) = v.as_seq() else {
        return Err(InputError::at(source, v.span, format!("`{key}` must be a list, found {}", v.kind_name())));
    };
    items.iter().map(|i| scalar(source, i, key).map(str::to_string)).collect()
}

fn check_code(source: &SourceFile, v: &Node, key: &str) -> Result<&'static checks::CheckMeta, InputError> {
    let name = scalar(source, v, key)?;
    let meta = checks::find(name)
        .ok_or_else(|| InputError::at(source, v.span, format!("unknown check `{name}` (see `mlmon-lint checks`)")))?;
    if meta.category == Category::Invalid {
        return Err(InputError::at(
            source,
            v.span,
            format!(
                "{} ({}) reports what Prometheus refuses to load; it cannot be disabled or relaxed",
                meta.code, meta.name
            ),
        ));
    }
    Ok(meta)
}

fn checks_section(source: &SourceFile, v: &Node, s: &mut Settings) -> Result<(), InputError> {
    if v.is_null() {
        return Ok(());
    }
    let Some(entries) = v.as_map() else {
        return Err(InputError::at(source, v.span, format!("`checks` must be a mapping, found {}", v.kind_name())));
    };
    let mut enabled = Vec::new();
    for e in entries {
        let key = e.key.as_scalar().map(|k| k.value.as_str()).unwrap_or("");
        match key {
            "disable" | "enable" => {
                if e.value.as_seq().is_none() && !e.value.is_null() {
                    return Err(InputError::at(source, e.value.span, format!("`checks.{key}` must be a list")));
                }
                for item in e.value.as_seq().unwrap_or(&[]) {
                    let code = check_code(source, item, &format!("checks.{key}"))?.code;
                    if key == "disable" {
                        s.disabled.insert(code);
                    } else {
                        enabled.push(code);
                    }
                }
            }
            "severity" => {
                if e.value.as_map().is_none() && !e.value.is_null() {
                    return Err(InputError::at(
                        source,
                        e.value.span,
                        "`checks.severity` must be a mapping".to_string(),
                    ));
                }
                for item in e.value.as_map().unwrap_or(&[]) {
                    let meta = check_code(source, &item.key, "checks.severity")?;
                    let sev = scalar(source, &item.value, "checks.severity")?;
                    if sev == "off" {
                        s.disabled.insert(meta.code);
                        continue;
                    }
                    let sev = Severity::parse(sev).ok_or_else(|| {
                        InputError::at(
                            source,
                            item.value.span,
                            format!("unknown severity {sev:?} (error, warning, info or off)"),
                        )
                    })?;
                    s.severity.insert(meta.code, sev);
                }
            }
            _ => {
                return Err(InputError::at(
                    source,
                    e.key.span,
                    format!("unknown key `checks.{key}` (known: disable, enable, severity)"),
                ));
            }
        }
    }
    // `enable` wins over `disable`, so a check can be switched back on next to a broad list
    for code in enabled {
        s.disabled.remove(code);
        s.enabled.insert(code);
    }
    Ok(())
}

/// The nearest `.mlmon-lint.yaml` in `start` (a file's directory, or a directory) or above it.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let abs = absolute(start);
    let mut dir = if abs.is_dir() { Some(abs.as_path()) } else { abs.parent() };
    while let Some(d) = dir {
        let candidate = d.join(CONFIG_NAME);
        if candidate.is_file() {
            // shown relative to the working directory when it is below it
            let cwd = std::env::current_dir().ok();
            let rel = cwd.as_deref().and_then(|c| candidate.strip_prefix(c).ok()).map(Path::to_path_buf);
            return Some(rel.unwrap_or(candidate));
        }
        dir = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<Settings, InputError> {
        Settings::parse(&SourceFile::new(".mlmon-lint.yaml", t), Path::new("/proj"))
    }

    #[test]
    fn full_config() {
        let s = parse(
            "scrape_interval: 30s\nevaluation_interval: 2m\nexperimental_features: true\nexclude: [vendor/]\nschema: [s.yaml]\nchecks:\n  disable: [RUL002, rate-window-too-short]\n  severity: {RUL003: error}\n",
        )
        .unwrap();
        assert_eq!(s.options.scrape_interval_ms, 30_000);
        assert_eq!(s.options.evaluation_interval_ms, 120_000);
        assert!(s.experimental_features);
        assert!(!s.is_enabled("RUL002"));
        assert!(!s.is_enabled("PQL002"));
        assert!(s.is_enabled("RUL001"));
        assert_eq!(s.severity.get("RUL003"), Some(&Severity::Error));
        assert_eq!(s.schema, [PathBuf::from("/proj/s.yaml")]);
        assert!(s.is_excluded(Path::new("/proj/vendor/x.yaml"), false));
        assert!(!s.is_excluded(Path::new("/proj/rules/x.yaml"), false));
    }

    #[test]
    fn unknown_keys_are_errors_with_positions() {
        let e = parse("scrape_interval: 1m\nscrap_interval: 1m\n").unwrap_err();
        assert_eq!(e.position.unwrap().line, 2);
        let e = parse("checks:\n  disabled: [RUL002]\n").unwrap_err();
        assert!(e.message.contains("checks.disabled"), "{e}");
        let s = parse("checks:\n  disable: [RUL002, RUL003]\n  enable: [record-name-format]\n").unwrap();
        assert!(s.is_enabled("RUL002") && !s.is_enabled("RUL003"));
        let e = parse("checks:\n  disable: [NOPE01]\n").unwrap_err();
        assert!(e.message.contains("unknown check"), "{e}");
        let e = parse("checks:\n  disable: [PQL001]\n").unwrap_err();
        assert!(e.message.contains("cannot be disabled"), "{e}");
        let e = parse("checks:\n  severity: {RUL003: fatal}\n").unwrap_err();
        assert!(e.message.contains("error, warning, info or off"), "{e}");
        assert_eq!(e.position.unwrap().line, 2);
        let s = parse("checks:\n  severity: {RUL003: off, RUL002: info}\n").unwrap();
        assert!(!s.is_enabled("RUL003") && s.is_enabled("RUL002"));
        assert_eq!(s.severity.get("RUL002"), Some(&Severity::Info));
        let e = parse("checks:\n  severity: {PQL001: off}\n").unwrap_err();
        assert!(e.message.contains("cannot be disabled"), "{e}");
        let e = parse("scrape_interval: 5\n").unwrap_err();
        assert!(e.message.contains("not a valid duration"), "{e}");
    }

    #[test]
    fn empty_config_is_defaults() {
        let s = parse("").unwrap();
        assert_eq!(s.options, CheckOptions::default());
        let s = parse("# nothing\n").unwrap();
        assert!(s.disabled.is_empty());
    }
}
