//! `apparat check`: the whole build — spec, anchors, layout and its verification — without
//! writing anything, for CI and editors.

use std::process::ExitCode;

use crate::args::{BuildArgs, CheckArgs, ReportArgs};
use crate::cmd::build::{Mode, build_once};
use crate::cmd::finish;

/// `apparat check`.
pub fn check(report: &ReportArgs, args: &CheckArgs) -> ExitCode {
    let build = BuildArgs {
        edition: args.edition.clone(),
        compile: args.compile.clone(),
        output: None,
        png: None,
        list: false,
    };
    finish(report, build_once(report, &build, Mode::Check, None))
}
