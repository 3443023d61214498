//! Stage 7 — export: the PDF (reproducible: fixed identifier and timestamp), the markup,
//! written atomically so that a failed build leaves the previous output untouched.

use std::path::Path;

use typst::foundations::{Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::diag::{Diagnostic, Result};

/// Parse a standard's name as Typst spells it (`a-2b`, `a-3b`, `ua-1`, `1.7` …).
pub fn standard(name: &str) -> std::result::Result<PdfStandard, String> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).map_err(|_| {
        format!("unknown PDF standard `{name}` (known: 1.4–1.7, 2.0, a-1b, a-1a, a-2b, a-2u, a-2a, a-3b, a-3u, a-3a, a-4, a-4f, a-4e, ua-1)")
    })
}

/// The PDF standards of a build: the spec's and the command line's.
pub struct Standards {
    names: Vec<String>,
    standards: Vec<PdfStandard>,
}

impl Standards {
    pub fn new(spec: &crate::spec::Spec, extra: &[String]) -> Result<Standards> {
        let mut names: Vec<String> = spec
            .layout
            .pdf_standards
            .iter()
            .map(|s| s.get_ref().clone())
            .chain(extra.iter().cloned())
            .collect();
        names.sort();
        names.dedup();
        let standards = names
            .iter()
            .map(|n| standard(n).map_err(Diagnostic::error))
            .collect::<std::result::Result<_, _>>()?;
        Ok(Standards { names, standards })
    }

    /// Whether a chosen standard forbids embedded files (PDF/A-1, PDF/A-2, plain PDF/A-4).
    fn forbid_attachments(&self) -> bool {
        self.names
            .iter()
            .any(|n| n.starts_with("a-1") || n.starts_with("a-2") || n == "a-4")
    }

    /// The files the PDF carries, so that an archived copy holds its own sources: the spec
    /// and the base text (virtual path, description, MIME type) — none where a standard
    /// forbids attachments.
    pub fn attachments(&self, spec: &crate::spec::Spec) -> Vec<(String, String, String)> {
        if self.forbid_attachments() {
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
        pdf(doc, ident, date, &self.standards)
    }
}

/// The PDF bytes. `ident` is derived from the content by the caller; `date` is the
/// timestamp (the spec's date or SOURCE_DATE_EPOCH), never the clock.
pub fn pdf(
    doc: &PagedDocument,
    ident: &str,
    date: (i32, u8, u8, u8, u8, u8),
    standards: &[PdfStandard],
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
