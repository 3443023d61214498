//! `apparat build`: run the pipeline, write the PDF, the markup and the template beside it.
//! `check` and `watch` run the same steps through [`build_once`].

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use apparat::diag::{Diagnostic, Diagnostics};

use crate::args::{BuildArgs, CompileArgs, ReportArgs};
use crate::cmd::{finish, note, print_diagnostics};

/// Whether a run writes its output.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write the PDF, the markup, the template copy (and PNGs when asked).
    Write,
    /// Write nothing: only say whether the edition builds.
    Check,
}

/// `apparat build`.
pub fn build(report: &ReportArgs, args: &BuildArgs) -> ExitCode {
    finish(report, build_once(report, args, Mode::Write, None))
}

/// Build the edition once: warnings (errors under `--deny-warnings`), output, the entry list
/// and a summary line. A `session` (watch) keeps what this build made for the next.
pub fn build_once(
    report: &ReportArgs,
    args: &BuildArgs,
    mode: Mode,
    session: Option<&mut apparat::Session>,
) -> Result<(), Diagnostics> {
    let start = Instant::now();
    let dir = args.edition.dir();
    let opts = options(report, &args.compile, args.png.is_some());
    let out = apparat::build_in(&dir, &opts, session)?;
    warnings(report, &out.warnings)?;
    let written = match mode {
        Mode::Write => Some(write(&dir, args, &out)?),
        Mode::Check => None,
    };
    if args.list {
        list(&out.entries);
    }
    let what = match written {
        Some(pdf) => format!("wrote {}", pdf.display()),
        None => format!("checked {}", dir.display()),
    };
    note(
        report,
        &format!(
            "{what}: {} pages ({} front matter), {} apparatus entries, {} compiles, {:.2} s",
            out.pages,
            out.front_pages,
            out.entries.len(),
            out.compiles,
            start.elapsed().as_secs_f64()
        ),
    );
    Ok(())
}

/// The library's options for these arguments.
fn options(report: &ReportArgs, compile: &CompileArgs, png: bool) -> apparat::Options {
    apparat::Options {
        pdf_standards: compile
            .pdf_standard
            .iter()
            .map(|s| s.name().to_string())
            .collect(),
        system_fonts: compile.fonts.system_fonts,
        png_scale: png.then_some(2.0),
        progress: !report.quiet && std::io::stderr().is_terminal(),
    }
}

/// Under `--deny-warnings`, warnings fail the build as errors (notes never do); otherwise
/// they are printed (but not under `--quiet`, which prints nothing but errors).
fn warnings(report: &ReportArgs, warnings: &[Diagnostic]) -> Result<(), Diagnostics> {
    if report.deny_warnings
        && let Some(errors) = Diagnostics::deny_warnings(warnings)
    {
        return Err(errors);
    }
    if !report.quiet {
        print_diagnostics(report, warnings);
    }
    Ok(())
}

/// Write the build's files; returns where the PDF went.
fn write(dir: &Path, args: &BuildArgs, out: &apparat::Output) -> Result<PathBuf, Diagnostics> {
    let out_dir = dir.join("out");
    let pdf = args
        .output
        .clone()
        .unwrap_or_else(|| out_dir.join("edition.pdf"));
    apparat::write_output(out, &pdf, &out_dir)?;
    if let Some(png) = &args.png {
        apparat::write_pngs(out, png)?;
    }
    Ok(pdf)
}

/// `--list`: every apparatus entry as built, one per line on stdout: its page and its
/// reference as printed (a translator's note last, on the translation's page).
fn list(entries: &[apparat::EntryReport]) {
    for e in entries {
        println!(
            "p. {:>3}  l. {:<7} {:<11} {:<8} {}",
            e.page, e.reference, e.series, e.kind, e.lemma
        );
    }
}
