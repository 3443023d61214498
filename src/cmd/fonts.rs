//! `apparat fonts`: the fonts a build of the edition can use — the bundled ones, those in the
//! edition's `fonts/` folder, and with `--system-fonts` the machine's.

use std::process::ExitCode;

use apparat::diag::Diagnostic;
use apparat::world::FontSet;

use crate::args::{FontsArgs, ReportArgs};
use crate::cmd::finish;

/// `apparat fonts [DIR] [--system-fonts]`: one face per line, sorted.
pub fn fonts(report: &ReportArgs, args: &FontsArgs) -> ExitCode {
    let font_dir = args.edition.dir().join("fonts");
    let outcome = FontSet::load(&font_dir, args.fonts.system_fonts)
        .map(|fonts| {
            for name in fonts.names() {
                println!("{name}");
            }
        })
        .map_err(|e| Diagnostic::error(e).into());
    finish(report, outcome)
}
