//! One module per subcommand, each with one entry point taking the parsed arguments and
//! returning the exit code; this module holds what they share: printing diagnostics and
//! turning an outcome into an exit code.

pub mod bench;
pub mod build;
pub mod check;
pub mod export;
pub mod fonts;
pub mod import;
pub mod init;
pub mod stress;
pub mod template;
pub mod watch;

use std::io::IsTerminal;
use std::process::ExitCode;

use apparat::diag::{Diagnostic, Diagnostics};

use crate::args::{DiagnosticFormat, ReportArgs};

/// The exit code of an outcome, printing its diagnostics: 0 for success, 1 for errors in the
/// edition (usage errors, 2, are clap's).
pub fn finish(report: &ReportArgs, outcome: Result<(), Diagnostics>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(diags) => {
            print_diagnostics(report, &diags.0);
            ExitCode::from(1)
        }
    }
}

/// Print diagnostics as asked: rustc-style on stderr, or JSON lines on stdout.
pub fn print_diagnostics(report: &ReportArgs, diags: &[Diagnostic]) {
    if diags.is_empty() {
        return;
    }
    match report.diagnostic_format {
        DiagnosticFormat::Json => {
            for d in diags {
                println!("{}", d.to_json());
            }
        }
        DiagnosticFormat::Human => {
            let d = Diagnostics(diags.to_vec());
            eprint!("{}", d.render(std::io::stderr().is_terminal()));
        }
    }
}

/// Print a progress or summary line on stderr, unless `--quiet`.
pub fn note(report: &ReportArgs, line: &str) {
    if !report.quiet {
        eprintln!("{line}");
    }
}
