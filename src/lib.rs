//! apparat — critical editions from a TOML spec and a verbatim base text.
//!
//! The pipeline runs one way, one module per stage (see ARCHITECTURE.md):
//!
//! ```text
//! spec ─► text ─► anchor ─► markup ─► typeset ─► layout ─► export
//! ```
//!
//! [`build`] runs it for an edition folder and returns the PDF, the markup it was compiled
//! from and a report; the command line (`main.rs`) only parses arguments, writes files and
//! prints diagnostics.

pub mod anchor;
pub mod bench;
pub mod cite;
pub mod diag;
pub mod export;
pub mod init;
pub mod layout;
pub mod markup;
pub mod paths;
pub mod prose;
pub(crate) mod quotes;
pub mod spec;
pub mod stress;
pub mod text;
pub mod typeset;
pub mod world;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Result};
use crate::spec::{EntryBody, ReadingType, Spec};

/// The folder of the bundled default template and fonts.
pub fn install_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// How to build.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Use the machine's fonts besides the bundled ones.
    pub system_fonts: bool,
    /// PDF standards to conform to (`a-2b`, `ua-1` …), added to the spec's.
    pub pdf_standards: Vec<String>,
    /// Render every page to PNG at this many pixels per point.
    pub png_scale: Option<f64>,
    /// Print each phase's time on stderr.
    pub progress: bool,
    /// Keep Typst's caches warm between builds (watch mode).
    pub keep_caches: bool,
}

/// What a build produced.
pub struct Output {
    pub pdf: Vec<u8>,
    /// The exact markup compiled.
    pub typ: String,
    /// The template compiled with it (file name, text).
    pub template: (String, String),
    pub pages: usize,
    pub front_pages: usize,
    pub entries: Vec<EntryReport>,
    pub compiles: usize,
    pub warnings: Vec<Diagnostic>,
    /// PNG previews of the pages (with `Options::png_scale`).
    pub png: Vec<Vec<u8>>,
}

/// One apparatus entry as built.
#[derive(Debug, Clone)]
pub struct EntryReport {
    pub series: String,
    pub lemma: String,
    pub kind: String,
    pub page: usize,
    pub first: u32,
    pub last: u32,
}

/// Build the edition in `dir` (everything but writing files).
pub fn build(dir: &Path, opts: &Options) -> Result<Output> {
    let t0 = std::time::Instant::now();
    let timing = opts.progress || std::env::var_os("APPARAT_TIMING").is_some();
    let spec = Spec::load(dir)?;
    let text = text::Text::load(&spec)?;
    let anchors = anchor::resolve(&spec, &text)?;
    let printed = markup::Printed::new(&spec, &text, &anchors);

    let (template_dir, template_name) = template_location(&spec, dir)?;
    let template_text =
        std::fs::read_to_string(template_dir.join(&template_name)).map_err(|e| {
            diag::io_error(
                "cannot read the template",
                &template_dir.join(&template_name),
                &e,
            )
        })?;

    let principles_src = match &spec.edition.principles {
        Some(p) => {
            let path = paths::inside(dir, p.get_ref()).map_err(|m| spec.error(p.span(), m))?;
            let src = std::fs::read_to_string(&path)
                .map_err(|e| spec.error(p.span(), format!("cannot read `{}`: {e}", p.get_ref())))?;
            Some(src)
        }
        None => None,
    };
    let principles = prose::principles(&spec, principles_src.as_deref());
    // Standards: the spec's and the command line's. The spec and the base text travel inside
    // the PDF unless a standard forbids attachments (PDF/A-1, PDF/A-2, plain PDF/A-4).
    let mut names: Vec<String> = spec
        .layout
        .pdf_standards
        .iter()
        .map(|s| s.get_ref().clone())
        .collect();
    names.extend(opts.pdf_standards.iter().cloned());
    names.sort();
    names.dedup();
    let mut standards = vec![];
    for s in &names {
        standards.push(export::standard(s).map_err(Diagnostic::error)?);
    }
    let forbids = |n: &str| n.starts_with("a-1") || n.starts_with("a-2") || n == "a-4";
    let attachments = if names.iter().any(|n| forbids(n)) {
        vec![]
    } else {
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
    };
    let front = markup::Front {
        principles,
        attachments,
    };

    let mut world = world::EditionWorld::new(
        world::Roots {
            project: dir.to_path_buf(),
            templates: template_dir,
        },
        String::new(),
        &install_dir().join("fonts"),
        opts.system_fonts,
        spec.date(),
    )
    .map_err(Diagnostic::error)?;
    if let Some(f) = &spec.layout.font {
        let families = world.families();
        if !families.iter().any(|x| x.eq_ignore_ascii_case(f.get_ref())) {
            return Err(spec
                .error(f.span(), format!("font `{}` is not available", f.get_ref()))
                .with_note(format!("available: {}", families.join(", ")))
                .with_note("add its files to the fonts folder, or build with --system-fonts")
                .into());
        }
    }
    if timing {
        eprintln!(
            "  {:<18} {:>8.3} s",
            "spec, text, anchors",
            t0.elapsed().as_secs_f64()
        );
    }
    let ident = pdf_ident(&spec, &text.sha256, &template_text);
    let stamp = timestamp(&spec);
    let export = |doc: &typst_layout::PagedDocument| export::pdf(doc, &ident, stamp, &standards);
    let lopts = layout::Options {
        progress: opts.progress,
        keep_caches: opts.keep_caches,
        salt: format!("{}\0{}", template_text, world.font_names().join("|")),
    };
    let laid = layout::run(
        &spec,
        &printed,
        &mut world,
        &template_name,
        &front,
        &lopts,
        &export,
    )?;
    let pdf = laid.pdf.clone();
    let png = match opts.png_scale {
        Some(scale) => export::png(&laid.doc, scale)?,
        None => vec![],
    };

    let entries = laid
        .entries
        .iter()
        .map(|pe| {
            let e = &spec.entries[pe.entry];
            EntryReport {
                series: spec.series[e.series].id.get_ref().clone(),
                lemma: text::normalize(e.quote.at.get_ref()),
                kind: entry_kind(&e.body),
                page: pe.page,
                first: pe.first,
                last: pe.last,
            }
        })
        .collect();
    Ok(Output {
        pdf,
        typ: laid.markup,
        template: (template_name, template_text),
        pages: laid.doc.pages().len(),
        front_pages: laid.front_pages,
        entries,
        compiles: laid.compiles,
        warnings: anchors
            .warnings
            .iter()
            .cloned()
            .chain(laid.warnings)
            .collect(),
        png,
    })
}

/// The template's folder and file name: the spec's (inside the edition folder) or the
/// bundled default.
pub fn template_location(spec: &Spec, dir: &Path) -> Result<(PathBuf, String)> {
    Ok(match &spec.layout.template {
        Some(t) => {
            let path = paths::inside(dir, t.get_ref()).map_err(|m| spec.error(t.span(), m))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                path.parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| dir.to_path_buf()),
                name,
            )
        }
        None => (install_dir().join("templates"), "apparat.typ".to_string()),
    })
}

fn entry_kind(b: &EntryBody) -> String {
    let name = |r: &spec::Reading| {
        spec::kind_name(r.kind.as_ref().map_or(ReadingType::Var, |k| *k.get_ref()))
    };
    match b {
        EntryBody::Emend { readings, .. } => std::iter::once("emend")
            .chain(readings.iter().map(name))
            .collect::<Vec<_>>()
            .join("+"),
        EntryBody::Readings(rs) => rs.iter().map(name).collect::<Vec<_>>().join("+"),
        EntryBody::Note(_) => "note".into(),
    }
}

/// The PDF's document identifier: derived from the inputs (spec, base text, template), so
/// that builds are byte-identical and a changed edition gets a new identifier.
pub fn pdf_ident(spec: &Spec, text_sha256: &str, template_text: &str) -> String {
    let mut h = Sha256::new();
    h.update(spec.file.text.as_bytes());
    h.update(text_sha256.as_bytes());
    h.update(template_text.as_bytes());
    text::hex(&h.finalize())[..32].to_string()
}

/// The PDF timestamp: SOURCE_DATE_EPOCH when set, else the spec's date at midnight UTC.
pub fn timestamp(spec: &Spec) -> (i32, u8, u8, u8, u8, u8) {
    if let Ok(v) = std::env::var("SOURCE_DATE_EPOCH")
        && let Ok(secs) = v.trim().parse::<i64>()
        && let Some(dt) = chrono::DateTime::from_timestamp(secs, 0)
    {
        use chrono::{Datelike, Timelike};
        return (
            dt.year(),
            dt.month() as u8,
            dt.day() as u8,
            dt.hour() as u8,
            dt.minute() as u8,
            dt.second() as u8,
        );
    }
    let (y, m, d) = spec.date();
    (y, m, d, 0, 0, 0)
}

/// Write PNG previews as `DIR/page-001.png` ….
pub fn write_pngs(out: &Output, dir: &Path) -> Result<()> {
    for (i, png) in out.png.iter().enumerate() {
        export::write_atomic(&dir.join(format!("page-{:03}.png", i + 1)), png)?;
    }
    Ok(())
}

/// Write a build's output into `out_dir`: the PDF (to `pdf_path`), `edition.typ` and a copy
/// of the template beside it, so that the markup also compiles with the stock Typst CLI.
pub fn write_output(out: &Output, pdf_path: &Path, out_dir: &Path) -> Result<()> {
    export::write_atomic(&out_dir.join("edition.typ"), out.typ.as_bytes())?;
    export::write_atomic(
        &out_dir.join("templates").join(&out.template.0),
        out.template.1.as_bytes(),
    )?;
    export::write_atomic(pdf_path, &out.pdf)?;
    Ok(())
}
