//! `mlmon-lint explain CODE|NAME`: a check's documentation.

use super::{Exit, Io};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A check code (`RUL003`) or name (`record-name-mismatch`).
    pub check: String,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Exit {
    let Some(m) = crate::checks::find(&args.check) else {
        let _ = writeln!(io.err, "error: unknown check `{}` (see `mlmon-lint checks`)", args.check);
        return Exit::Error;
    };
    let _ = writeln!(io.out, "# {} ({})\n", m.name, m.code);
    let _ = writeln!(io.out, "Category: {}. Default severity: {}.", m.category, m.default_severity);
    if !m.sources.is_empty() {
        let _ = writeln!(io.out, "Similar: {}.", m.sources.join("; "));
    }
    let _ = writeln!(io.out);
    let _ = write!(io.out, "{}", m.docs_text());
    Exit::Ok
}
