//! Stage 1 — the spec: `edition.toml` parsed and validated into an [`Spec`].
//!
//! The spec is written by hand, so every value that can be wrong keeps its byte span in the
//! TOML file (`toml::Spanned`), and every check here reports a located diagnostic. Unknown
//! keys are rejected (`deny_unknown_fields`): a typo must not silently drop a decision.
//! This stage knows nothing of the base text; quotations are resolved by `anchor`.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{Diagnostic, Diagnostics, Result, SourceFile};

/// The parsed spec, with the file it came from (for diagnostics).
#[derive(Debug, Clone)]
pub struct Spec {
    pub file: SourceFile,
    pub dir: PathBuf,
    pub edition: Edition,
    pub text: TextSpec,
    pub witnesses: Vec<Witness>,
    pub structure: Structure,
    pub headings: Vec<Heading>,
    pub milestones: Vec<Milestone>,
    pub layout: Layout,
    pub series: Vec<Series>,
    pub entries: Vec<Entry>,
    pub margins: Vec<Margin>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Edition {
    pub title: String,
    pub subtitle: Option<String>,
    pub short_title: Option<String>,
    pub editors: Vec<String>,
    #[serde(default = "default_language")]
    pub language: Spanned<String>,
    pub version: String,
    pub date: Spanned<toml::value::Datetime>,
    pub license: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub description: Option<String>,
    pub publisher: Option<String>,
    pub place: Option<String>,
    pub doi: Option<String>,
    pub principles: Option<Spanned<String>>,
    /// The author(s) of the edited work (not the editors), e.g. "John Keats".
    #[serde(default)]
    pub authors: Vec<String>,
    /// The work's own title, where the edition's title differs (a translation, a title
    /// supplied by the editors).
    pub original_title: Option<String>,
    /// When the work was written or issued, as free text ("1917", "c. 1820").
    pub original_date: Option<String>,
    /// Straight quotation marks in the editor's own words (notes, margin notes, principles,
    /// the title page) print as the language's typographic ones; default on.
    pub typographic_quotes: Option<bool>,
}

fn default_language() -> Spanned<String> {
    Spanned::new(0..0, "en".into())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextSpec {
    pub file: Spanned<String>,
    pub sha256: Option<Spanned<String>>,
    pub base: Spanned<String>,
    /// Straight quotation marks of the base text print as typographic ones (the printed
    /// text only; `source.txt` is never changed); default off.
    #[serde(default, rename = "typographic-quotes")]
    pub typographic_quotes: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Witness {
    pub siglum: Spanned<String>,
    pub description: String,
}

/// A quotation of the base text (stand-off anchor).
#[derive(Debug, Clone)]
pub struct Quote {
    pub at: Spanned<String>,
    pub occurrence: Option<Spanned<u32>>,
    pub before: Option<Spanned<String>>,
    pub after: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Structure {
    pub title: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Heading {
    pub quote: Quote,
    pub level: u8,
}

fn one() -> u8 {
    1
}

#[derive(Debug, Clone)]
pub struct Milestone {
    pub quote: Quote,
    pub witness: Spanned<String>,
    pub n: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Restart {
    Page,
    Document,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineNumbers {
    #[serde(default = "five")]
    pub every: Spanned<i64>,
    #[serde(default = "restart_page")]
    pub restart: Restart,
}

fn five() -> Spanned<i64> {
    Spanned::new(0..0, 5)
}
fn restart_page() -> Restart {
    Restart::Page
}

impl Default for LineNumbers {
    fn default() -> Self {
        Self {
            every: five(),
            restart: Restart::Page,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Layout {
    #[serde(default = "a5")]
    pub paper: Spanned<String>,
    pub template: Option<Spanned<String>>,
    #[serde(default)]
    pub line_numbers: LineNumbers,
    /// Body font size in points (the template's default when absent).
    pub font_size: Option<f64>,
    /// The sign printed in the text at a witness's page break (default `|`).
    pub milestone_sign: Option<String>,
    /// The body font family (the template's default when absent).
    pub font: Option<Spanned<String>>,
    /// A custom paper size in millimetres (`paper = "custom"`): page width and height.
    pub width: Option<Spanned<f64>>,
    pub height: Option<Spanned<f64>>,
    /// PDF standards the output must conform to (`a-2b`, `a-3b`, `ua-1` …).
    #[serde(default)]
    pub pdf_standards: Vec<Spanned<String>>,
    /// Page margins in millimetres; those not given are the template's for the paper.
    pub margins: Option<Spanned<Margins>>,
}

/// Page margins in millimetres (`inner` at the binding; `outer` holds line numbers and
/// margin notes).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Margins {
    pub inner: Option<Spanned<f64>>,
    pub outer: Option<Spanned<f64>>,
    pub top: Option<Spanned<f64>>,
    pub bottom: Option<Spanned<f64>>,
}

impl Margins {
    /// The margins given: (name, millimetres, span).
    pub fn given(&self) -> Vec<(&'static str, f64, Range<usize>)> {
        [
            ("inner", &self.inner),
            ("outer", &self.outer),
            ("top", &self.top),
            ("bottom", &self.bottom),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, *v.get_ref(), v.span())))
        .collect()
    }
}

fn a5() -> Spanned<String> {
    Spanned::new(0..0, "a5".into())
}

impl Default for Layout {
    fn default() -> Self {
        Self {
            paper: a5(),
            template: None,
            line_numbers: LineNumbers::default(),
            font_size: None,
            milestone_sign: None,
            pdf_standards: vec![],
            font: None,
            width: None,
            height: None,
            margins: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeriesKind {
    Critical,
    Commentary,
    Sources,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    Foot,
    End,
}

/// How a series sets its entries: run in as one paragraph (`|` between entries of a line,
/// `‖` before a new line number), or each entry on a line of its own, its number first and
/// its continuation lines indented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Arrangement {
    #[default]
    RunIn,
    OnePerLine,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Series {
    pub id: Spanned<String>,
    pub title: String,
    pub kind: SeriesKind,
    #[serde(default = "foot")]
    pub placement: Placement,
    #[serde(default)]
    pub arrangement: Arrangement,
}

fn foot() -> Placement {
    Placement::Foot
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadingType {
    Var,
    Om,
    Add,
    Transp,
    Conj,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    #[serde(default)]
    pub wit: Vec<Spanned<String>>,
    #[serde(rename = "type")]
    pub kind: Option<Spanned<ReadingType>>,
    pub text: Option<String>,
    pub by: Option<String>,
}

/// A table anchored by quotation: `at`, `occurrence`, `before`, `after` plus its own fields.
/// (serde's `flatten` would lose the spans, so the four keys are spelled out by a macro.)
macro_rules! quoted {
    ($name:ident { $( $(#[$m:meta])* $f:ident : $t:ty ),* $(,)? }) => {
        #[derive(Debug, Clone, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $name {
            at: Spanned<String>,
            occurrence: Option<Spanned<u32>>,
            before: Option<Spanned<String>>,
            after: Option<Spanned<String>>,
            $( $(#[$m])* $f: $t ),*
        }
        impl $name {
            fn quote(&self) -> Quote {
                Quote {
                    at: self.at.clone(),
                    occurrence: self.occurrence.clone(),
                    before: self.before.clone(),
                    after: self.after.clone(),
                }
            }
        }
    };
}

quoted!(RawEntry {
    series: Spanned<String>,
    emend: Option<Spanned<String>>,
    #[serde(default)]
    readings: Vec<Spanned<Reading>>,
    note: Option<String>,
});
quoted!(RawHeading {
    #[serde(default = "one")]
    level: u8,
});
quoted!(RawMilestone { witness: Spanned<String>, n: String });
quoted!(RawMargin { text: String });

/// What an entry says about its lemma.
#[derive(Debug, Clone)]
pub enum EntryBody {
    /// The printed text differs from the base: `new] corr.; old BASE`, then other readings.
    Emend {
        text: String,
        readings: Vec<Reading>,
    },
    /// Readings of other witnesses (a variant, omission, addition, transposition, conjecture).
    Readings(Vec<Reading>),
    /// An explanatory note (commentary, sources).
    Note(String),
}

#[derive(Debug, Clone)]
pub struct Entry {
    /// Index in the spec's `[[entry]]` list (stable id).
    pub id: usize,
    pub series: usize,
    pub quote: Quote,
    pub body: EntryBody,
    /// Span of the whole `[[entry]]` table (for diagnostics).
    pub span: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Margin {
    pub quote: Quote,
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    edition: Edition,
    text: TextSpec,
    #[serde(default)]
    witness: Vec<Witness>,
    #[serde(default)]
    structure: Structure,
    #[serde(default)]
    heading: Vec<RawHeading>,
    #[serde(default)]
    milestone: Vec<RawMilestone>,
    #[serde(default)]
    layout: Layout,
    #[serde(default)]
    series: Vec<Series>,
    #[serde(default)]
    entry: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    margin: Vec<RawMargin>,
}

/// PDF standards Typst can write.
pub const PDF_STANDARDS: &[&str] = &[
    "1.4", "1.5", "1.6", "1.7", "2.0", "a-1b", "a-1a", "a-2b", "a-2u", "a-2a", "a-3b", "a-3u",
    "a-3a", "a-4", "a-4f", "a-4e", "ua-1",
];

/// Paper names the default template knows (Typst's names).
pub const PAPERS: &[&str] = &[
    "a3",
    "a4",
    "a5",
    "a6",
    "b4",
    "b5",
    "b6",
    "c5",
    "us-letter",
    "us-legal",
    "us-executive",
    "us-statement",
    "us-trade",
    "us-digest",
    "us-business-card",
    "presentation-16-9",
];

impl Spec {
    /// Read and validate `edition.toml` in `dir`.
    pub fn load(dir: &Path) -> Result<Spec> {
        let path = dir.join("edition.toml");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| crate::diag::io_error("cannot read the spec", &path, &e))?;
        Self::parse(dir, &path, &text)
    }

    /// Parse and validate spec text (the path is only used in diagnostics).
    pub fn parse(dir: &Path, path: &Path, text: &str) -> Result<Spec> {
        let file = SourceFile::new(path, text);
        let raw: RawSpec = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            Diagnostic::error(format!("invalid spec: {}", e.message().trim())).at(&file, span)
        })?;
        let headings: Vec<Heading> = raw
            .heading
            .iter()
            .map(|h| Heading {
                quote: h.quote(),
                level: h.level,
            })
            .collect();
        let milestones: Vec<Milestone> = raw
            .milestone
            .iter()
            .map(|m| Milestone {
                quote: m.quote(),
                witness: m.witness.clone(),
                n: m.n.clone(),
            })
            .collect();
        let margins: Vec<Margin> = raw
            .margin
            .iter()
            .map(|m| Margin {
                quote: m.quote(),
                text: m.text.clone(),
            })
            .collect();
        let entry_quotes: Vec<Quote> = raw.entry.iter().map(|e| e.get_ref().quote()).collect();
        let mut errs = vec![];
        let err = |span: Range<usize>, msg: String| Diagnostic::error(msg).at(&file, span);

        // Witnesses: unique sigla.
        let mut sigla: HashMap<&str, Range<usize>> = HashMap::new();
        for w in &raw.witness {
            let s = w.siglum.get_ref().as_str();
            if s.trim().is_empty() {
                errs.push(err(w.siglum.span(), "a witness siglum is empty".into()));
            }
            if let Some(first) = sigla.get(s) {
                errs.push(
                    err(w.siglum.span(), format!("duplicate siglum `{s}`")).with_label(
                        &file,
                        first.clone(),
                        "first declared here",
                    ),
                );
            } else {
                sigla.insert(s, w.siglum.span());
            }
        }
        let declared = |s: &Spanned<String>, errs: &mut Vec<Diagnostic>| {
            if !sigla.contains_key(s.get_ref().as_str()) {
                let mut names: Vec<_> = sigla.keys().copied().collect();
                names.sort();
                errs.push(
                    err(s.span(), format!("undeclared siglum `{}`", s.get_ref()))
                        .with_note(format!("declared witnesses: {}", names.join(", ")))
                        .with_note("declare it with a [[witness]] table"),
                );
            }
        };
        declared(&raw.text.base, &mut errs);
        for m in &milestones {
            declared(&m.witness, &mut errs);
        }

        // Series: unique ids.
        let mut series_ids: HashMap<&str, usize> = HashMap::new();
        for (i, s) in raw.series.iter().enumerate() {
            if series_ids.insert(s.id.get_ref().as_str(), i).is_some() {
                errs.push(err(
                    s.id.span(),
                    format!("duplicate series id `{}`", s.id.get_ref()),
                ));
            }
        }

        // Layout.
        let every = &raw.layout.line_numbers.every;
        if *every.get_ref() <= 0 {
            errs.push(err(
                every.span(),
                format!(
                    "line-numbers.every must be a positive whole number, not {}",
                    every.get_ref()
                ),
            ));
        }
        let paper = raw.layout.paper.get_ref();
        if paper == "custom" {
            for (name, v) in [("width", &raw.layout.width), ("height", &raw.layout.height)] {
                match v {
                    None => errs.push(err(
                        raw.layout.paper.span(),
                        format!("a custom paper needs `{name}` (in millimetres)"),
                    )),
                    Some(x) if !(50.0..=1500.0).contains(x.get_ref()) => errs.push(err(
                        x.span(),
                        format!("{name} {} mm is out of range (50–1500 mm)", x.get_ref()),
                    )),
                    _ => {}
                }
            }
        } else if !PAPERS.contains(&paper.as_str()) {
            errs.push(
                err(
                    raw.layout.paper.span(),
                    format!("unknown paper size `{paper}`"),
                )
                .with_note(format!(
                    "known sizes: {}, or `custom` with `width` and `height` in mm",
                    PAPERS.join(", ")
                )),
            );
        }
        for (name, mm, span) in raw.layout.margins.iter().flat_map(|m| m.get_ref().given()) {
            if !(0.0..=200.0).contains(&mm) {
                errs.push(err(
                    span,
                    format!("margin {name} {mm} mm is out of range (0–200 mm)"),
                ));
            }
        }
        if let Some(fs) = raw.layout.font_size
            && !(4.0..=72.0).contains(&fs)
        {
            errs.push(Diagnostic::error(format!(
                "font-size {fs} pt is out of range (4–72)"
            )));
        }

        for st in &raw.layout.pdf_standards {
            if !PDF_STANDARDS.contains(&st.get_ref().as_str()) {
                errs.push(
                    err(
                        st.span(),
                        format!("unknown PDF standard `{}`", st.get_ref()),
                    )
                    .with_note(format!("known: {}", PDF_STANDARDS.join(", "))),
                );
            }
        }

        // Anchors: non-empty quotations.
        let mut quotes: Vec<&Quote> = vec![];
        quotes.extend(headings.iter().map(|h| &h.quote));
        quotes.extend(milestones.iter().map(|m| &m.quote));
        quotes.extend(entry_quotes.iter());
        quotes.extend(margins.iter().map(|m| &m.quote));
        for q in quotes {
            if q.at.get_ref().trim().is_empty() {
                errs.push(err(
                    q.at.span(),
                    "empty quotation: an anchor needs the words it marks".into(),
                ));
            }
            if let Some(o) = &q.occurrence
                && *o.get_ref() == 0
            {
                errs.push(err(o.span(), "occurrence counts from 1".into()));
            }
        }
        if let Some(t) = &raw.structure.title
            && t.get_ref().trim().is_empty()
        {
            errs.push(err(t.span(), "empty title quotation".into()));
        }
        for h in &headings {
            if !(1..=6).contains(&h.level) {
                errs.push(err(
                    h.quote.at.span(),
                    format!("heading level {} is not 1–6", h.level),
                ));
            }
        }

        // Entries.
        let mut entries = vec![];
        for (id, e) in raw.entry.iter().enumerate() {
            let span = e.span();
            let e = e.get_ref();
            let Some(&series) = series_ids.get(e.series.get_ref().as_str()) else {
                let mut ids: Vec<_> = series_ids.keys().copied().collect();
                ids.sort();
                errs.push(
                    err(
                        e.series.span(),
                        format!("undeclared series `{}`", e.series.get_ref()),
                    )
                    .with_note(format!("declared series: {}", ids.join(", "))),
                );
                continue;
            };
            for r in &e.readings {
                let rs = r.span();
                let r = r.get_ref();
                for w in &r.wit {
                    declared(w, &mut errs);
                }
                let kind = r.kind.as_ref().map_or(ReadingType::Var, |k| *k.get_ref());
                let needs_text = matches!(
                    kind,
                    ReadingType::Var | ReadingType::Add | ReadingType::Conj
                );
                if needs_text && r.text.as_deref().is_none_or(|t| t.trim().is_empty()) {
                    errs.push(err(
                        rs.clone(),
                        format!("a `{}` reading needs `text`", kind_name(kind)),
                    ));
                }
                if kind == ReadingType::Conj && r.by.is_none() {
                    errs.push(err(
                        rs.clone(),
                        "a conjecture needs `by` (who proposed it)".into(),
                    ));
                }
                if kind != ReadingType::Conj && r.wit.is_empty() {
                    errs.push(err(
                        rs,
                        "a reading needs `wit`, the sigla of its witnesses".into(),
                    ));
                }
            }
            let readings: Vec<Reading> = e.readings.iter().map(|r| r.get_ref().clone()).collect();
            let body = match (&e.emend, readings.is_empty(), &e.note) {
                (Some(t), _, None) => {
                    if t.get_ref().is_empty() {
                        errs.push(err(
                            t.span(),
                            "`emend` is empty (to delete words, omit them with a reading)".into(),
                        ));
                    }
                    EntryBody::Emend {
                        text: t.get_ref().clone(),
                        readings,
                    }
                }
                (None, false, None) => EntryBody::Readings(readings),
                (None, true, Some(n)) => EntryBody::Note(n.clone()),
                (None, true, None) => {
                    errs.push(err(
                        span.clone(),
                        "an entry needs `emend`, `readings` or `note`".into(),
                    ));
                    continue;
                }
                _ => {
                    errs.push(err(
                        span.clone(),
                        "an entry has either `note` or `emend`/`readings`, not both".into(),
                    ));
                    continue;
                }
            };
            entries.push(Entry {
                id,
                series,
                quote: e.quote(),
                body,
                span,
            });
        }

        if !errs.is_empty() {
            return Err(Diagnostics(errs));
        }
        Ok(Spec {
            file,
            dir: dir.to_path_buf(),
            edition: raw.edition,
            text: raw.text,
            witnesses: raw.witness,
            structure: raw.structure,
            headings,
            milestones,
            layout: raw.layout,
            series: raw.series,
            entries,
            margins,
        })
    }

    /// The spec's date as (year, month, day).
    pub fn date(&self) -> (i32, u8, u8) {
        let d = self
            .edition
            .date
            .get_ref()
            .date
            .unwrap_or(toml::value::Date {
                year: 1970,
                month: 1,
                day: 1,
            });
        (d.year as i32, d.month, d.day)
    }

    /// The diagnostic for a problem at a span of this spec.
    pub fn error(&self, span: Range<usize>, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(msg).at(&self.file, span)
    }
}

pub fn kind_name(k: ReadingType) -> &'static str {
    match k {
        ReadingType::Var => "var",
        ReadingType::Om => "om",
        ReadingType::Add => "add",
        ReadingType::Transp => "transp",
        ReadingType::Conj => "conj",
    }
}
