//! `apparat import tei FILE NEW_DIR`: an edition folder from a TEI critical edition.

use std::process::ExitCode;

use apparat::tei::ImportOptions;

use crate::args::{ImportArgs, ReportArgs};
use crate::cmd::{finish, note, print_diagnostics};

/// `apparat import`: write the edition folder, print what could not be kept (warnings) and
/// a summary.
pub fn import(report: &ReportArgs, args: &ImportArgs) -> ExitCode {
    let options = ImportOptions {
        base: args.base.clone(),
    };
    let outcome = apparat::tei::import(&args.file, &args.dir, &options).and_then(|done| {
        if report.deny_warnings && !done.warnings.is_empty() {
            return Err(apparat::diag::Diagnostics(done.warnings));
        }
        if !report.quiet {
            print_diagnostics(report, &done.warnings);
        }
        note(report, &done.summary());
        Ok(())
    });
    finish(report, outcome)
}
