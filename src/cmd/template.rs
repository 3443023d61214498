//! `apparat template`: the bundled template, printed or written into a folder, so a
//! publisher can fork it (`[layout] template = "…"` names the fork).

use std::process::ExitCode;

use apparat::bundled;
use apparat::diag::Diagnostic;

use crate::args::{ReportArgs, TemplateArgs};
use crate::cmd::{finish, note};

/// `apparat template [--write DIR]`: print the template, or write `DIR/apparat.typ` (never
/// over an existing file).
pub fn template(report: &ReportArgs, args: &TemplateArgs) -> ExitCode {
    let Some(dir) = &args.write else {
        print!("{}", bundled::TEMPLATE);
        return ExitCode::SUCCESS;
    };
    let path = dir.join(bundled::TEMPLATE_NAME);
    let outcome = if path.exists() {
        Err(Diagnostic::error(format!(
            "`{}` exists; it is not overwritten",
            path.display()
        ))
        .with_note("remove it first, or write into another folder")
        .into())
    } else {
        apparat::export::write_atomic(&path, bundled::TEMPLATE.as_bytes())
    };
    let outcome = outcome.map(|()| {
        note(
            report,
            &format!(
                "wrote {}: name it in edition.toml as `[layout] template = \"…\"` \
                 (a path inside the edition folder)",
                path.display()
            ),
        )
    });
    finish(report, outcome)
}
