//! `apparat export`: the edition's citation (from `[edition]`) in a bibliography format.

use std::process::ExitCode;

use apparat::cite;

use crate::args::{CitationFormat, ExportArgs, ReportArgs};
use crate::cmd::finish;

impl From<CitationFormat> for cite::Format {
    fn from(f: CitationFormat) -> Self {
        match f {
            CitationFormat::CslJson => cite::Format::CslJson,
            CitationFormat::Bibtex => cite::Format::Bibtex,
            CitationFormat::Cff => cite::Format::Cff,
        }
    }
}

/// `apparat export`: print the citation; with `--write` also write it into `out/`.
pub fn export(report: &ReportArgs, args: &ExportArgs) -> ExitCode {
    let dir = args.edition.dir();
    let outcome = apparat::spec::Spec::load(&dir).and_then(|spec| {
        let format = cite::Format::from(args.format);
        let text = cite::export(&spec, format);
        if args.write {
            apparat::export::write_atomic(
                &dir.join("out").join(format.file_name()),
                text.as_bytes(),
            )?;
        }
        print!("{text}");
        Ok(())
    });
    finish(report, outcome)
}
