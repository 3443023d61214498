//! `[translation]` and `[[align]]`: a translation printed facing the original.
//!
//! The translation is a second text of the edition folder, kept verbatim like the base text
//! (its own `sha256`), with its own structure (title and headings, by quotation in its own
//! words) and language. The two texts are aligned in *chunks* that start together on one
//! spread: by default unit for unit (title with title, heading with heading, paragraph or
//! stanza with paragraph or stanza); `[[align]]` pairs of quotations mark where chunks start
//! where the counts differ or a finer alignment is wanted.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::{
    Checks, Entry, Heading, Label, LabelTarget, Placement, Quote, RawHeading, Series, SeriesText,
    Spec, Structure, TextSpec, check_quote,
};

/// `[translation]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawTranslation {
    file: Spanned<String>,
    sha256: Option<Spanned<String>>,
    language: Spanned<String>,
    #[serde(default, deserialize_with = "super::title_quote")]
    title: Option<Quote>,
    #[serde(default, rename = "heading")]
    headings: Vec<Spanned<RawHeading>>,
    #[serde(default)]
    side: Side,
    #[serde(default)]
    layout: TranslationLayout,
    #[serde(default = "yes")]
    line_numbers: bool,
    #[serde(default)]
    typographic_quotes: bool,
    #[serde(default)]
    verse: bool,
}

fn yes() -> bool {
    true
}

/// Which page of a spread the translation takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The translation on the right-hand page, the original on the left (the default).
    #[default]
    Recto,
    /// The translation on the left-hand page.
    Verso,
}

/// How original and translation face each other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TranslationLayout {
    /// On the two pages of a spread.
    #[default]
    Facing,
    /// Side by side in two columns of one page (for short lines: verse, drama); `side`
    /// says which column the translation takes (`recto`: the right one).
    Columns,
}

/// A translation, checked.
#[derive(Debug, Clone)]
pub struct Translation {
    /// Its file and hash, as the base text's (`base` is the base text's siglum).
    pub text: TextSpec,
    pub language: Spanned<String>,
    pub structure: Structure,
    pub headings: Vec<Heading>,
    pub side: Side,
    pub layout: TranslationLayout,
    /// Whether the translation's lines are numbered (its own count).
    pub line_numbers: bool,
}

/// `[[align]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlign {
    #[serde(default, deserialize_with = "super::title_quote")]
    original: Option<Quote>,
    #[serde(default, deserialize_with = "super::title_quote")]
    translation: Option<Quote>,
}

/// Where an aligned chunk starts in both texts: a quotation of each.
#[derive(Debug, Clone)]
pub struct Align {
    pub original: Quote,
    pub translation: Quote,
    /// The `[[align]]` table, for errors.
    pub span: Range<usize>,
}

pub(super) fn check_translation(
    raw: Option<&RawTranslation>,
    base: Option<&TextSpec>,
    c: &mut Checks,
) -> Option<Translation> {
    let t = raw?;
    if let Some(sha) = &t.sha256 {
        super::check_sha256(sha, c);
    }
    if t.language.get_ref().trim().is_empty() {
        c.error(t.language.span(), "the translation's language is empty");
    }
    if let Some(title) = &t.title {
        check_quote(title, c);
    }
    let headings = super::check_headings(&t.headings, c);
    let text = TextSpec {
        file: t.file.clone(),
        sha256: t.sha256.clone(),
        base: base.map_or_else(|| Spanned::new(0..0, String::new()), |b| b.base.clone()),
        typographic_quotes: t.typographic_quotes,
        verse: t.verse,
        verse_indents: None,
        translation: true,
    };
    Some(Translation {
        text,
        language: t.language.clone(),
        structure: Structure {
            title: t.title.clone(),
        },
        headings,
        side: t.side,
        layout: t.layout,
        line_numbers: t.line_numbers,
    })
}

pub(super) fn check_aligns(
    raw: &[Spanned<RawAlign>],
    translation: bool,
    c: &mut Checks,
) -> Vec<Align> {
    let mut out = vec![];
    for a in raw {
        let span = a.span();
        let a = a.get_ref();
        if !translation {
            c.error(
                span.clone(),
                "`[[align]]` pairs a translation with the original, but there is no `[translation]`",
            );
        }
        let (Some(original), Some(trans)) = (&a.original, &a.translation) else {
            c.error(
                span,
                "an `[[align]]` needs both `original` and `translation`: a quotation of each where the aligned passage starts",
            );
            continue;
        };
        check_quote(original, c);
        check_quote(trans, c);
        out.push(Align {
            original: original.clone(),
            translation: trans.clone(),
            span,
        });
    }
    out
}

/// Series of the translation (`of = "translation"`): there must be a translation set on
/// facing pages (in columns the foot belongs to the original's apparatus); they stand at the
/// foot; their entries carry no label and no cross-reference (those cite the original).
pub(super) fn check_translation_series(
    translation: Option<&Translation>,
    series: &[Spanned<Series>],
    entries: &[Entry],
    labels: &[Label],
    c: &mut Checks,
) {
    let of_translation = |s: &Series| s.of == SeriesText::Translation;
    for s in series
        .iter()
        .map(Spanned::get_ref)
        .filter(|s| of_translation(s))
    {
        let problem = match translation {
            None => {
                Some("a series of the translation (`of = \"translation\"`) needs a `[translation]`")
            }
            Some(t) if t.layout == TranslationLayout::Columns => Some(
                "a series of the translation needs facing pages: in columns the foot of the page is the original's",
            ),
            _ if s.placement == Placement::End => Some(
                "a series of the translation stands at the foot of its pages (`placement = \"foot\"`)",
            ),
            _ => None,
        };
        if let Some(msg) = problem {
            c.error(s.id.span(), msg);
        }
    }
    let translated = |e: &Entry| {
        series
            .get(e.series)
            .is_some_and(|s| of_translation(s.get_ref()))
    };
    for label in labels {
        if let LabelTarget::Entry(i) = label.target
            && entries.get(i).is_some_and(translated)
        {
            c.error(
                label.name.span(),
                "a label on a note of the translation: labels name places in the original",
            );
        }
    }
    for e in entries.iter().filter(|e| translated(e)) {
        let table = c.file.text.get(e.span.clone()).unwrap_or_default();
        if let Some(at) = table.find(crate::xref::OPEN) {
            let start = e.span.start + at;
            c.error(
                start..start + crate::xref::OPEN.len(),
                "a cross-reference in a note of the translation: not supported yet (they cite the original's pages and lines from its own notes)",
            );
        }
    }
}

impl Spec {
    /// The spec of the translation as a text of its own: its file, language, title and
    /// headings; no witnesses' milestones, margin notes, lacunae, labels or indexes. Its entries are
    /// the spec's: the anchor stage resolves those of the translation's series (see
    /// [`Series::of`]) in it, and the original's in the original. `None` without a
    /// translation.
    pub fn translation_spec(&self) -> Option<Spec> {
        let t = self.translation.as_ref()?;
        let mut s = self.clone();
        s.text = t.text.clone();
        s.edition.language = t.language.clone();
        s.structure = t.structure.clone();
        s.headings = t.headings.clone();
        s.milestones = vec![];
        s.verses = vec![];
        s.margins = vec![];
        s.lacunae = vec![];
        s.labels = vec![];
        s.indexes = vec![];
        s.index_entries = vec![];
        // The translation has no sections of its own: it is cited by its page and line.
        s.sections = vec![];
        s.reference = super::ReferenceSystem::default();
        s.warnings = vec![];
        s.translation = None;
        s.alignments = vec![];
        Some(s)
    }
}
