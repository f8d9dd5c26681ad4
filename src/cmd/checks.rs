//! `mlmon-lint checks`: the table of every check. DEFAULT is the severity, or `off` for the
//! opinionated checks that run only when `checks.enable` names them.

use super::{Exit, Io};
use crate::checks::ALL;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, io: &mut Io<'_>) -> Exit {
    let metas: Vec<_> = ALL.iter().map(|c| c.meta()).collect();
    let w = metas.iter().map(|m| m.name.len()).max().unwrap_or(4);
    let _ = writeln!(io.out, "{:<6}  {:<w$}  {:<11}  {:<7}  SUMMARY", "CODE", "NAME", "CATEGORY", "DEFAULT");
    for m in metas {
        let _ = writeln!(
            io.out,
            "{:<6}  {:<w$}  {:<11}  {:<7}  {}",
            m.code,
            m.name,
            m.category.as_str(),
            if m.enabled_by_default { m.default_severity.as_str() } else { "off" },
            m.summary
        );
    }
    Exit::Ok
}
