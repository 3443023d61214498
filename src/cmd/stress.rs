//! `apparat stress`: write a synthetic stress edition (see the library's `stress`).

use std::process::ExitCode;

use crate::args::{ReportArgs, StressArgs};
use crate::cmd::finish;

/// `apparat stress`.
pub fn stress(report: &ReportArgs, args: &StressArgs) -> ExitCode {
    let outcome = apparat::stress::generate(&args.dir, args.pages, args.seed)
        .map(|summary| println!("wrote {}: {summary}", args.dir.display()))
        .map_err(|e| apparat::diag::io_error("cannot write", &args.dir, &e).into());
    finish(report, outcome)
}
