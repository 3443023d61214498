//! `[[verse]]` and `[text] verse`: which parts of the base text are verse.
//!
//! Verse is a property of passages of the text, not of the template: in verse each source
//! line is one verse, so the line breaks the transcriber typed are the text's own. A passage
//! is anchored by quotation like everything else — `from` quotes words of its first verse,
//! `to` words of its last — so prose and verse mix in one edition and the base text is
//! never marked up.

use serde::Deserialize;
use toml::Spanned;

use super::{Checks, Quote, check_quote};

/// `[[verse]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVerse {
    #[serde(deserialize_with = "super::title_quote")]
    from: Option<Quote>,
    #[serde(deserialize_with = "super::title_quote")]
    to: Option<Quote>,
    indents: Option<Spanned<Vec<u16>>>,
}

/// A passage of verse: from the source line holding `from` to the line holding `to`.
#[derive(Debug, Clone)]
pub struct VersePassage {
    pub from: Quote,
    pub to: Quote,
    /// Indentation (in spaces) by the verse's position in its stanza, repeating; the
    /// source's leading spaces where absent.
    pub indents: Option<Vec<u16>>,
}

/// The widest indentation accepted, in spaces.
const MAX_INDENT: u16 = 40;

pub(super) fn check_verses(raw: &[Spanned<RawVerse>], c: &mut Checks) -> Vec<VersePassage> {
    let mut out = vec![];
    for v in raw.iter().map(Spanned::get_ref) {
        let (Some(from), Some(to)) = (&v.from, &v.to) else {
            continue;
        };
        check_quote(from, c);
        check_quote(to, c);
        if let Some(indents) = &v.indents {
            check_indents(indents, c);
        }
        out.push(VersePassage {
            from: from.clone(),
            to: to.clone(),
            indents: v.indents.as_ref().map(|i| i.get_ref().clone()),
        });
    }
    out
}

/// Indentations per position in the stanza: at least one, none wider than `MAX_INDENT`.
pub(super) fn check_indents(indents: &Spanned<Vec<u16>>, c: &mut Checks) {
    let list = indents.get_ref();
    if list.is_empty() {
        c.error(
            indents.span(),
            "verse indents need at least one value (spaces for the first verse of a stanza, then the second …)",
        );
    }
    if let Some(wide) = list.iter().find(|&&i| i > MAX_INDENT) {
        c.error(
            indents.span(),
            format!("a verse indent of {wide} spaces is out of range (0–{MAX_INDENT})"),
        );
    }
}

/// `stanza-keep`: 1 to 10 verses.
pub(super) fn check_stanza_keep(keep: &Spanned<i64>, c: &mut Checks) {
    if !(1..=10).contains(keep.get_ref()) {
        c.error(
            keep.span(),
            format!(
                "stanza-keep {} is out of range (1–10 verses; 1 lets a single verse of a stanza stand alone at a page break)",
                keep.get_ref()
            ),
        );
    }
}
