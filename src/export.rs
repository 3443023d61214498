//! Stage 7 — export: the PDF (reproducible: fixed identifier and timestamp), the markup,
//! written atomically so that a failed build leaves the previous output untouched.

use std::path::Path;

use typst::foundations::{Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandards, Timestamp};

use crate::diag::{Diagnostic, Result};
pub use crate::spec::PdfStandard;

impl From<PdfStandard> for typst_pdf::PdfStandard {
    fn from(s: PdfStandard) -> Self {
        use typst_pdf::PdfStandard as T;
        match s {
            PdfStandard::V1_4 => T::V_1_4,
            PdfStandard::V1_5 => T::V_1_5,
            PdfStandard::V1_6 => T::V_1_6,
            PdfStandard::V1_7 => T::V_1_7,
            PdfStandard::V2_0 => T::V_2_0,
            PdfStandard::A1b => T::A_1b,
            PdfStandard::A1a => T::A_1a,
            PdfStandard::A2b => T::A_2b,
            PdfStandard::A2u => T::A_2u,
            PdfStandard::A2a => T::A_2a,
            PdfStandard::A3b => T::A_3b,
            PdfStandard::A3u => T::A_3u,
            PdfStandard::A3a => T::A_3a,
            PdfStandard::A4 => T::A_4,
            PdfStandard::A4f => T::A_4f,
            PdfStandard::A4e => T::A_4e,
            PdfStandard::Ua1 => T::Ua_1,
        }
    }
}

/// The PDF standards of a build: the spec's and the command line's.
pub struct Standards {
    chosen: Vec<PdfStandard>,
}

impl Standards {
    pub fn new(spec: &crate::spec::Spec, extra: &[String]) -> Result<Standards> {
        let names = spec
            .layout
            .pdf_standards
            .iter()
            .map(|s| s.get_ref())
            .chain(extra);
        let mut chosen = vec![];
        for n in names {
            let Some(standard) = PdfStandard::from_name(n) else {
                return Err(Diagnostic::error(format!(
                    "unknown PDF standard `{n}` (known: {})",
                    PdfStandard::names().join(", ")
                ))
                .into());
            };
            chosen.push(standard);
        }
        chosen.sort();
        chosen.dedup();
        Ok(Standards { chosen })
    }

    /// The files the PDF carries, so that an archived copy holds its own sources: the spec
    /// and the base text (virtual path, description, MIME type) — none where a standard
    /// forbids attachments (PDF/A-1, PDF/A-2, plain PDF/A-4).
    pub fn attachments(&self, spec: &crate::spec::Spec) -> Vec<(String, String, String)> {
        if self.chosen.iter().any(|s| s.forbids_attachments()) {
            return vec![];
        }
        vec![
            (
                "/edition.toml".into(),
                "The edition spec".into(),
                "application/toml".into(),
            ),
            (
                format!("/{}", spec.text.file.get_ref()),
                "The base text, verbatim".into(),
                "text/plain".into(),
            ),
        ]
    }

    /// The PDF of a document in these standards.
    pub fn pdf(
        &self,
        doc: &PagedDocument,
        ident: &str,
        date: (i32, u8, u8, u8, u8, u8),
    ) -> Result<Vec<u8>> {
        let standards: Vec<typst_pdf::PdfStandard> =
            self.chosen.iter().map(|&s| s.into()).collect();
        pdf(doc, ident, date, &standards)
    }
}

/// The PDF bytes. `ident` is derived from the content by the caller; `date` is the
/// timestamp (the spec's date or SOURCE_DATE_EPOCH), never the clock.
pub fn pdf(
    doc: &PagedDocument,
    ident: &str,
    date: (i32, u8, u8, u8, u8, u8),
    standards: &[typst_pdf::PdfStandard],
) -> Result<Vec<u8>> {
    let (y, mo, d, h, mi, s) = date;
    let dt = Datetime::from_ymd_hms(y, mo, d, h, mi, s)
        .ok_or_else(|| Diagnostic::error(format!("invalid date {y}-{mo}-{d}")))?;
    let standards = PdfStandards::new(standards)
        .map_err(|e| Diagnostic::error(format!("PDF standards: {}", e.message())))?;
    let opts = PdfOptions {
        ident: Smart::Custom(ident.to_string()),
        timestamp: Some(Timestamp::new_utc(dt)),
        standards,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(doc, &opts).map_err(|errs| {
        crate::diag::Diagnostics(
            errs.iter()
                .map(|e| Diagnostic::error(format!("PDF export: {}", e.message)))
                .collect(),
        )
    })
}

/// Write `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| crate::diag::io_error("cannot create the output folder", dir, &e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| crate::diag::io_error("cannot write", &tmp, &e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        crate::diag::io_error("cannot write", path, &e)
    })?;
    Ok(())
}

/// Every page rendered to PNG at `scale` pixels per point.
pub fn png(doc: &PagedDocument, scale: f64) -> Result<Vec<Vec<u8>>> {
    let opts = typst_render::RenderOptions {
        pixel_per_pt: typst::utils::Scalar::new(scale),
        render_bleed: false,
    };
    doc.pages()
        .iter()
        .map(|p| {
            typst_render::render(p, &opts)
                .encode_png()
                .map_err(|e| Diagnostic::error(format!("PNG encoding: {e}")).into())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::PdfStandard;

    /// Every name maps back to its standard, and Typst reads each name as the same standard
    /// (its serde names are the spelling the spec and the command line use).
    #[test]
    fn names_round_trip_and_match_typst() {
        let names = PdfStandard::names();
        assert_eq!(names.len(), 17);
        for name in names {
            let ours = PdfStandard::from_name(name).unwrap();
            assert_eq!(ours.name(), name);
            let typst: typst_pdf::PdfStandard =
                serde_json::from_value(serde_json::Value::String(name.into())).unwrap();
            assert_eq!(typst_pdf::PdfStandard::from(ours), typst, "{name}");
        }
        assert_eq!(PdfStandard::from_name("a-9z"), None);
        assert_eq!(PdfStandard::from_name("A-2B"), None);
    }

    #[test]
    fn attachments_are_forbidden_by_pdf_a_1_a_2_and_plain_a_4() {
        let forbidding: Vec<_> = PdfStandard::names()
            .into_iter()
            .filter(|n| PdfStandard::from_name(n).unwrap().forbids_attachments())
            .collect();
        assert_eq!(forbidding, ["a-1b", "a-1a", "a-2b", "a-2u", "a-2a", "a-4"]);
    }
}
