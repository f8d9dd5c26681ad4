//! Which files a run reads, and reading them.
//!
//! Paths on the command line may be files (read whatever their name: content decides what they
//! are) or directories, walked recursively honouring `.gitignore` (also outside a git checkout) and
//! the configuration's `exclude`; in directories only `*.yaml`, `*.yml` and `*.json` are considered,
//! so a repository's other files are not mistaken for broken YAML.
//!
//! A file larger than [`MAX_FILE_SIZE`] is refused: rule files are kilobytes, and the limit keeps
//! a stray dump from exhausting memory. Invalid UTF-8 is refused with the position of the first bad
//! byte.

use std::path::{Path, PathBuf};

use crate::error::InputError;
use crate::source::SourceFile;

/// The largest file read (16 MiB).
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Expands command-line paths into files: `(path, index of the root it came from)`, in order,
/// without duplicates. `excluded` is asked about every file found in a directory (it sees the
/// file's parents too, so excluding a directory works).
pub fn collect(
    roots: &[PathBuf],
    excluded: &dyn Fn(usize, &Path, bool) -> bool,
) -> (Vec<(PathBuf, usize)>, Vec<InputError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, root) in roots.iter().enumerate() {
        let display = SourceFile::display_path(root);
        match std::fs::metadata(root) {
            Err(e) => errors.push(InputError::whole_file(display, format!("cannot read: {e}"))),
            Ok(m) if m.is_file() => {
                if seen.insert(root.clone()) {
                    files.push((root.clone(), i));
                }
            }
            Ok(_) => {
                let mut found = Vec::new();
                let walker =
                    ignore::WalkBuilder::new(root).require_git(false).sort_by_file_name(|a, b| a.cmp(b)).build();
                for entry in walker {
                    match entry {
                        Ok(e) => {
                            let is_file = e.file_type().is_some_and(|t| t.is_file());
                            let ext = e.path().extension().and_then(|x| x.to_str()).map(str::to_ascii_lowercase);
                            if is_file
                                && ext.is_some_and(|x| EXTENSIONS.contains(&x.as_str()))
                                && !excluded(i, e.path(), false)
                            {
                                found.push(e.into_path());
                            }
                        }
                        Err(e) => errors.push(InputError::whole_file(display.clone(), format!("cannot walk: {e}"))),
                    }
                }
                for f in found {
                    if seen.insert(f.clone()) {
                        files.push((f, i));
                    }
                }
            }
        }
    }
    (files, errors)
}

/// Reads a file as UTF-8 text within the size limit.
pub fn read(path: &Path) -> Result<SourceFile, InputError> {
    let display = SourceFile::display_path(path);
    let meta = std::fs::metadata(path).map_err(|e| InputError::whole_file(&display, format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE_SIZE {
        return Err(InputError {
            path: display,
            position: Some(crate::source::LineCol { line: 1, column: 1 }),
            message: format!("file is {} bytes, over the {} MiB limit", meta.len(), MAX_FILE_SIZE / 1024 / 1024),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| InputError::whole_file(&display, format!("cannot read: {e}")))?;
    decode(display, bytes)
}

/// Checks the size limit and UTF-8 of in-memory content.
pub fn decode(display: String, bytes: Vec<u8>) -> Result<SourceFile, InputError> {
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(InputError {
            path: display,
            position: Some(crate::source::LineCol { line: 1, column: 1 }),
            message: format!("file is {} bytes, over the {} MiB limit", bytes.len(), MAX_FILE_SIZE / 1024 / 1024),
        });
    }
    // `contains` on bytes is memchr; the position is only needed for the error
    if let Some(nul) = bytes.contains(&0).then(|| bytes.iter().position(|b| *b == 0)).flatten() {
        let (line, column) = line_col_of(&bytes[..nul]);
        return Err(InputError {
            path: display,
            position: Some(crate::source::LineCol { line, column }),
            message: "binary content (NUL byte), not a text file".to_string(),
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(display, text)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let (line, column) = line_col_of(&bytes[..valid]);
            Err(InputError {
                path: display,
                position: Some(crate::source::LineCol { line, column }),
                message: format!("invalid UTF-8 (byte 0x{:02X})", bytes.get(valid).copied().unwrap_or(0)),
            })
        }
    }
}

/// The 1-based line and column just after `prefix` (valid UTF-8).
fn line_col_of(prefix: &[u8]) -> (u32, u32) {
    let prefix = String::from_utf8_lossy(prefix);
    let line = prefix.matches('\n').count() as u32 + 1;
    let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_has_a_position() {
        let e = decode("x.yaml".into(), b"a: 1\nb: \xc3\x28\n".to_vec()).unwrap_err();
        assert_eq!(e.to_string(), "x.yaml:2:4: invalid UTF-8 (byte 0xC3)");
    }

    #[test]
    fn oversized_content_is_refused() {
        let e = decode("big.yaml".into(), vec![b'#'; MAX_FILE_SIZE as usize + 1]).unwrap_err();
        assert!(e.to_string().starts_with("big.yaml:1:1: file is"), "{e}");
    }
}
