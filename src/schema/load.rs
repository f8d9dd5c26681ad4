//! Reading the schema files a run names (`--schema`, `schema:` in `.mlmon-lint.yaml`).
//!
//! `.yaml`, `.yml` and `.json` files are schema files; anything else is read as an exposition
//! (`metrics.prom`, a saved `/metrics` page) and imported on the fly, without label values.

use std::io::Read;
use std::path::Path;

use super::exposition::Format;
use super::import::{ImportOptions, import_exposition};
use super::model::{MAX_INPUT_BYTES, Schema, SchemaError, SchemaFile};

/// Whether a path names a schema file rather than an exposition.
pub fn is_schema_yaml(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json"))
}

/// Reads one schema file or exposition; `display` is the path as the user named it.
pub fn load_file(path: &Path, display: &str) -> Result<SchemaFile, SchemaError> {
    let err = |line: u32, col: u32, message: String| SchemaError { path: display.to_string(), line, col, message };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_INPUT_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| err(0, 0, format!("cannot read schema: {e}")))?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(err(0, 0, format!("larger than the {} MiB limit for schema files", MAX_INPUT_BYTES >> 20)));
    }
    if is_schema_yaml(path) {
        let text = String::from_utf8(bytes).map_err(|e| {
            let off = e.utf8_error().valid_up_to();
            let before = &e.as_bytes()[..off];
            let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let col = String::from_utf8_lossy(&before[start..]).chars().count() as u32 + 1;
            err(line, col, "not valid UTF-8".to_string())
        })?;
        return SchemaFile::from_yaml(display, &text);
    }
    let format = Format::detect(&bytes);
    import_exposition(display, &bytes, format, ImportOptions::default()).map(|(file, _warnings)| file).map_err(|e| {
        err(e.line, e.col, format!("{} (read as an exposition: name the file .yaml for a schema)", e.message))
    })
}

/// Reads and merges schema files, in order. `paths` pairs each path with its display form.
pub fn load(paths: &[(&Path, String)]) -> Result<Schema, SchemaError> {
    let mut files = Vec::with_capacity(paths.len());
    for (p, display) in paths {
        files.push(load_file(p, display)?);
    }
    Ok(Schema::merge(files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_yaml_and_exposition_files() {
        let dir = std::env::temp_dir().join(format!("mlmon-schema-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let y = dir.join("s.yaml");
        std::fs::write(&y, "metrics:\n  a: {type: gauge, labels: {x: }}\n").unwrap();
        let p = dir.join("m.prom");
        std::fs::write(&p, "# TYPE b_total counter\nb_total{y=\"1\"} 1\n").unwrap();
        let s = load(&[(&y, "s.yaml".into()), (&p, "m.prom".into())]).unwrap();
        assert!(s.series("a").unwrap().has_label("x"));
        assert!(s.series("b_total").unwrap().has_label("y"));
        assert_eq!(s.path_of(s.series("b_total").unwrap().metric.source), "m.prom");
        std::fs::write(&p, "b_total{y=1} 1\n").unwrap();
        let e = load(&[(&p, "m.prom".into())]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "m.prom:1:11: expected label value, got \"1}\" (read as an exposition: name the file .yaml for a schema)"
        );
        std::fs::write(&y, b"metrics:\n  a\xff: 1\n").unwrap();
        assert_eq!(load(&[(&y, "s.yaml".into())]).unwrap_err().to_string(), "s.yaml:2:4: not valid UTF-8");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
