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
    let _ = write!(io.out, "{}", m.explain_markdown(1));
    Exit::Ok
}
