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
pub mod bundled;
pub mod cite;
mod coverage;
pub mod diag;
pub mod export;
mod index;
pub mod init;
mod layout;
pub mod markup;
mod overfull;
pub mod paths;
mod prose;
pub(crate) mod quotes;
pub mod spec;
pub mod stress;
pub mod tei;
pub mod text;
pub mod typeset;
pub mod world;
mod xref;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Result};
use crate::spec::{EntryBody, ReadingType, Spec};

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
}

/// What one process keeps between builds of an edition (watch mode): galley parts and
/// measurements whose markup did not change, and Typst's caches.
#[derive(Default)]
pub struct Session {
    reuse: layout::Reuse,
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
    /// Body pages (after the front matter; after them, the endnotes and the indexes).
    pub body_pages: usize,
    pub entries: Vec<EntryReport>,
    pub compiles: usize,
    /// Empty body lines above the apparatus of each body page but the last, as planned.
    pub empty_lines: Vec<f64>,
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
    /// The reference as the apparatus prints it (`12`, `12–13`, `3.12`, `5.12` among the
    /// endnotes).
    pub reference: String,
    /// A note on a facing translation (a series with `of = "translation"`).
    pub translation: bool,
}

/// An edition read up to its anchors: the spec, the base text's model and every quotation
/// resolved — what an export that needs no typesetting (TEI) reads.
pub(crate) struct Resolved {
    pub spec: Spec,
    pub text: text::Text,
    pub anchors: anchor::Anchors,
    /// A facing translation, read the same way through its spec
    /// ([`Spec::translation_spec`]): its text and its translator's notes.
    pub translation: Option<Box<Resolved>>,
    /// Where each `[[align]]` pair begins in this text (the original's order).
    pub align_points: Vec<usize>,
}

/// Run the first three stages (spec → text → anchors) for the edition in `dir`, without
/// layout.
pub(crate) fn resolve(dir: &Path) -> Result<Resolved> {
    let spec = Spec::load(dir)?;
    let text = text::Text::load(&spec)?;
    let anchors = anchor::resolve(&spec, &text)?;
    let mut align_points = vec![];
    let translation = match spec.translation_spec() {
        Some(tspec) => {
            let ttext = text::Text::load(&tspec)?;
            let tanchors = anchor::resolve(&tspec, &ttext)?;
            let alignment = anchor::align(&anchor::Sides {
                spec: &spec,
                original: &text,
                tspec: &tspec,
                translation: &ttext,
            })?;
            align_points = alignment.pairs.iter().map(|p| p.0).collect();
            Some(Box::new(Resolved {
                spec: tspec,
                text: ttext,
                anchors: tanchors,
                translation: None,
                align_points: alignment.pairs.iter().map(|p| p.1).collect(),
            }))
        }
        None => None,
    };
    Ok(Resolved {
        spec,
        text,
        anchors,
        translation,
        align_points,
    })
}

/// A text of the edition read up to its printed form (stages 2–4, no layout): the base
/// text, or a facing translation through its spec ([`Spec::translation_spec`]).
pub(crate) fn printed_text(spec: &Spec) -> Result<(text::Text, markup::Printed)> {
    let text = text::Text::load(spec)?;
    let anchors = anchor::resolve(spec, &text)?;
    let printed = markup::Printed::new(spec, &text, &anchors);
    Ok((text, printed))
}

/// Build the edition in `dir` (everything but writing files).
pub fn build(dir: &Path, opts: &Options) -> Result<Output> {
    build_in(dir, opts, None)
}

/// Build the edition in `dir`, reusing what `session` kept from earlier builds (and keeping
/// what this one made for the next).
pub fn build_in(dir: &Path, opts: &Options, session: Option<&mut Session>) -> Result<Output> {
    let start = std::time::Instant::now();
    let spec = Spec::load(dir)?;
    let text = text::Text::load(&spec)?;
    let anchors = anchor::resolve(&spec, &text)?;
    let mut printed = markup::Printed::new(&spec, &text, &anchors);
    let (template_dir, template_name) = template_location(&spec, dir)?;
    let template_text = match &template_dir {
        Some(folder) => read_template(&folder.join(&template_name))?,
        None => bundled::TEMPLATE.to_string(),
    };
    let standards = export::Standards::new(&spec, &opts.pdf_standards)?;
    let front = markup::Front {
        principles: principles(&spec, dir, &mut printed)?,
        attachments: standards.attachments(&spec),
    };
    let mut world = edition_world(&spec, dir, template_dir, opts)?;
    let translation = Translation::load(&spec, &text)?;
    let texts: Vec<&text::Text> = std::iter::once(&text)
        .chain(translation.as_ref().map(|t| &t.text))
        .collect();
    let (unshown, named) = missing_glyphs(&spec, &texts, &world);
    if opts.progress || std::env::var_os("APPARAT_TIMING").is_some() {
        let secs = start.elapsed().as_secs_f64();
        eprintln!("  {:<18} {secs:>8.3} s", "spec, text, anchors");
    }
    let ident = pdf_ident(&spec, &text.sha256, &template_text);
    let stamp = timestamp(&spec);
    let export = |doc: &typst_layout::PagedDocument| standards.pdf(doc, &ident, stamp);
    let layout_opts = layout::Options {
        progress: opts.progress,
        salt: format!("{}\0{}", template_text, world.font_names().join("|")),
    };
    let input = layout::Input {
        spec: &spec,
        printed: &printed,
        template: &template_name,
        front: &front,
        facing: translation.as_ref().map(|t| t.facing(&spec, &printed)),
    };
    let reuse = session.map(|s| &mut s.reuse);
    let laid = layout::run(&input, &mut world, &layout_opts, reuse, &export)?;
    let boxes = {
        use typst::World as _;
        coverage::Coverage::new(&spec, world.book()).printed_boxes(&laid.empty_boxes, &named)
    };
    let png = match opts.png_scale {
        Some(scale) => export::png(&laid.doc, scale)?,
        None => vec![],
    };
    Ok(Output {
        pdf: laid.pdf,
        typ: laid.markup,
        template: (template_name, template_text),
        pages: laid.doc.pages().len(),
        front_pages: laid.front_pages,
        body_pages: laid.body_pages,
        entries: entry_reports(&spec, &laid.entries),
        compiles: laid.compiles,
        empty_lines: laid.empty_lines,
        warnings: spec
            .warnings
            .iter()
            .cloned()
            .chain(spec.unpinned_note(&text.sha256))
            .chain(anchors.warnings)
            .chain(
                translation
                    .iter()
                    .flat_map(|t| t.alignment.notes.iter().cloned()),
            )
            .chain(unshown)
            .chain(boxes)
            .chain(overfull::warnings(&text, &printed, &laid.overfull))
            .chain(
                translation.iter().flat_map(|t| {
                    overfull::warnings(&t.text, &t.printed, &laid.translation_overfull)
                }),
            )
            .chain(laid.warnings)
            .collect(),
        png,
    })
}

/// A facing translation read up to its printed text, and its alignment with the original.
struct Translation {
    spec: Spec,
    text: text::Text,
    printed: markup::Printed,
    alignment: anchor::Alignment,
}

impl Translation {
    /// The spec's translation, if it has one: its text loaded (its own sha256), its
    /// structure applied, aligned with `original`.
    fn load(spec: &Spec, original: &text::Text) -> Result<Option<Translation>> {
        let Some(tspec) = spec.translation_spec() else {
            return Ok(None);
        };
        let (ttext, printed) = printed_text(&tspec)?;
        let alignment = anchor::align(&anchor::Sides {
            spec,
            original,
            tspec: &tspec,
            translation: &ttext,
        })?;
        Ok(Some(Translation {
            spec: tspec,
            text: ttext,
            printed,
            alignment,
        }))
    }

    /// What layout needs of it: the chunks' starts as printed offsets.
    fn facing<'a>(&'a self, spec: &Spec, original: &markup::Printed) -> layout::FacingInput<'a> {
        let (o, t): (Vec<usize>, Vec<usize>) = self.alignment.starts.iter().copied().unzip();
        let chunks = original
            .printed_at(&o)
            .into_iter()
            .zip(self.printed.printed_at(&t))
            .collect();
        let t = spec.translation.as_ref();
        layout::FacingInput {
            spec: &self.spec,
            printed: &self.printed,
            chunks,
            side: t.map_or_else(Default::default, |t| t.side),
            numbered: t.is_none_or(|t| t.line_numbers),
            columns: t.is_some_and(|t| t.layout == spec::TranslationLayout::Columns),
        }
    }
}

fn read_template(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| diag::io_error("cannot read the template", path, &e).into())
}

/// The editorial principles as markup: the prose file the spec names, with what apparat
/// adds to it (see [`prose::principles`]). Its cross-references join `printed.xrefs`; one
/// naming no label is an error located in the prose file.
fn principles(spec: &Spec, dir: &Path, printed: &mut markup::Printed) -> Result<Option<String>> {
    let source = match &spec.edition.principles {
        Some(p) => {
            let path = paths::inside(dir, p.get_ref()).map_err(|m| spec.error(p.span(), m))?;
            let src = std::fs::read_to_string(&path)
                .map_err(|e| spec.error(p.span(), format!("cannot read `{}`: {e}", p.get_ref())))?;
            Some((path, src))
        }
        None => None,
    };
    let mut refs = vec![];
    let src = source.as_ref().map(|(_, s)| s.as_str());
    let out = prose::principles(spec, src, printed.xrefs.len(), &mut refs);
    let mut errors = vec![];
    for name in refs {
        match spec.labels.iter().position(|l| l.name.get_ref() == &name) {
            Some(label) => printed.xrefs.push(markup::XRef {
                label,
                from: markup::XRefFrom::Front,
            }),
            None => {
                let Some((path, src)) = source.as_ref() else {
                    continue;
                };
                let written = format!("{{{{ref:{name}}}}}");
                let at = src.find(&written).unwrap_or(0);
                let file = diag::SourceFile::new(path.clone(), src.as_str());
                errors.push(
                    Diagnostic::error(format!("unknown label `{name}`"))
                        .at(&file, at..at + written.len())
                        .with_note("declare it with `label = \"…\"` on an entry or margin note, or a `[[label]]`"),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(diag::Diagnostics(errors))
    }
}

/// The sandboxed World of a build, after checking that the spec's font is available.
fn edition_world(
    spec: &Spec,
    dir: &Path,
    template_dir: Option<PathBuf>,
    opts: &Options,
) -> Result<world::EditionWorld> {
    let roots = world::Roots {
        project: dir.to_path_buf(),
        templates: template_dir,
    };
    let fonts = dir.join("fonts");
    let world =
        world::EditionWorld::new(roots, String::new(), &fonts, opts.system_fonts, spec.date())
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
    Ok(world)
}

/// Warnings for the characters of the base text and the spec the body font has no glyph
/// for (they would print as empty boxes).
fn missing_glyphs(
    spec: &Spec,
    texts: &[&text::Text],
    world: &world::EditionWorld,
) -> (Vec<Diagnostic>, std::collections::HashSet<char>) {
    use typst::World as _;
    let mut coverage = coverage::Coverage::new(spec, world.book());
    let mut out: Vec<Diagnostic> = texts
        .iter()
        .flat_map(|t| coverage::base_text(t, &mut coverage))
        .collect();
    out.extend(coverage::spec_strings(spec, &mut coverage));
    (out, coverage.lacking())
}

/// The entries as placed, for `--list` and the tests.
fn entry_reports(spec: &Spec, placed: &[layout::PlacedEntry]) -> Vec<EntryReport> {
    placed
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
                reference: pe.reference.clone(),
                translation: pe.translation,
            }
        })
        .collect()
}

/// The template's folder and file name: the spec's (inside the edition folder), or no folder
/// and the bundled template's name (its text is [`bundled::TEMPLATE`], compiled into the
/// binary, so an installed `apparat` needs nothing from the source checkout).
pub fn template_location(spec: &Spec, dir: &Path) -> Result<(Option<PathBuf>, String)> {
    Ok(match &spec.layout.template {
        Some(t) => {
            let path = paths::inside(dir, t.get_ref()).map_err(|m| spec.error(t.span(), m))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                Some(
                    path.parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| dir.to_path_buf()),
                ),
                name,
            )
        }
        None => (None, bundled::TEMPLATE_NAME.to_string()),
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
        EntryBody::Sign { kind, readings, .. } => std::iter::once(kind.name())
            .chain(readings.iter().map(name))
            .collect::<Vec<_>>()
            .join("+"),
        EntryBody::Lacuna { resumes: false, .. } => "deest".into(),
        EntryBody::Lacuna { resumes: true, .. } => "rursus-adest".into(),
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
    // The output folder is the edition's own: a link would carry the files elsewhere.
    if std::fs::symlink_metadata(out_dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Diagnostic::error(format!(
            "`{}` is a symbolic link: apparat writes only into the edition folder",
            out_dir.display()
        ))
        .with_note("remove the link; the build creates the folder")
        .into());
    }
    // Nothing but an earlier PDF is written over (not the base text, the spec, a template).
    if let Ok(mut f) = std::fs::File::open(pdf_path)
        && pdf_path.is_file()
    {
        let mut head = [0u8; 5];
        let is_pdf = std::io::Read::read_exact(&mut f, &mut head).is_ok() && &head == b"%PDF-";
        let empty = pdf_path.metadata().is_ok_and(|m| m.len() == 0);
        if !is_pdf && !empty {
            return Err(Diagnostic::error(format!(
                "refusing to write the PDF over `{}`, which is not a PDF",
                pdf_path.display()
            ))
            .into());
        }
    }
    export::write_atomic(&out_dir.join("edition.typ"), out.typ.as_bytes())?;
    export::write_atomic(
        &out_dir.join("templates").join(&out.template.0),
        out.template.1.as_bytes(),
    )?;
    export::write_atomic(pdf_path, &out.pdf)?;
    Ok(())
}
