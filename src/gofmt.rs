//! The former home of Go's `fmt`/`strconv` ports, now in [`crate::go`]. Kept as re-exports
//! because branches in progress (`unittest`: `quote`, `format_float`, `parse_float`) and
//! `tests/template_promtool.rs` still name this path; new code uses `crate::go`.

pub use crate::go::strconv::{format_float, parse_float, quote};
