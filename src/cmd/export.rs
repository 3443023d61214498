//! `apparat export`: the edition's citation (from `[edition]`) in a bibliography format, or
//! the whole edition as TEI P5.

use std::path::Path;
use std::process::ExitCode;

use apparat::cite;
use apparat::diag::Result;

use crate::args::{CitationFormat, ExportArgs, ReportArgs};
use crate::cmd::finish;

/// The citation format of a choice; `None` for TEI, which is the whole edition.
fn citation_format(f: CitationFormat) -> Option<cite::Format> {
    match f {
        CitationFormat::CslJson => Some(cite::Format::CslJson),
        CitationFormat::Bibtex => Some(cite::Format::Bibtex),
        CitationFormat::Cff => Some(cite::Format::Cff),
        CitationFormat::Tei => None,
    }
}

/// The exported text and the name of its file in `out/`.
fn exported(dir: &Path, format: CitationFormat) -> Result<(String, &'static str)> {
    match citation_format(format) {
        Some(f) => {
            let spec = apparat::spec::Spec::load(dir)?;
            Ok((cite::export(&spec, f), f.file_name()))
        }
        None => Ok((apparat::tei::export(dir)?, "edition.xml")),
    }
}

/// `apparat export`: print the export; with `--write` also write it into `out/`.
pub fn export(report: &ReportArgs, args: &ExportArgs) -> ExitCode {
    let dir = args.edition.dir();
    let outcome = exported(&dir, args.format).and_then(|(text, name)| {
        if args.write {
            apparat::export::write_atomic(&dir.join("out").join(name), text.as_bytes())?;
        }
        print!("{text}");
        Ok(())
    });
    finish(report, outcome)
}
