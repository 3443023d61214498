//! Stage 3 — anchors: every quotation of the spec resolved to a range of the text model.
//!
//! Rules (errors are located in `edition.toml`):
//! - an apparatus entry or margin note anchors in a paragraph (titles and headings carry no
//!   line numbers, so a note there could not be cited);
//! - entries of *different* series may overlap and nest freely; within one series lemmata
//!   may nest but not partly overlap (the apparatus could not say where a reading ends);
//! - emendations change the printed text, so two of them may not overlap at all.

use std::ops::Range;

use crate::diag::{Diagnostic, Diagnostics, Result};
use crate::spec::{EntryBody, Spec};
use crate::text::Text;

/// An apparatus entry with its lemma's range in the model.
#[derive(Debug, Clone)]
pub struct Lemma {
    /// Index into `spec.entries`.
    pub entry: usize,
    pub range: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct MarginAnchor {
    /// Index into `spec.margins`.
    pub margin: usize,
    pub range: Range<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Anchors {
    /// In text order (ties: longer lemma first, then spec order).
    pub lemmata: Vec<Lemma>,
    pub margins: Vec<MarginAnchor>,
    /// Warnings: lemmata so long that the apparatus can hardly be read against the text.
    pub warnings: Vec<Diagnostic>,
}

/// Lemmata of more words than this draw a warning (they print abbreviated `first … last`,
/// but a reader can no longer tell at a glance what the entry concerns).
pub(crate) const LONG_LEMMA_WORDS: usize = 25;

pub fn resolve(spec: &Spec, text: &Text) -> Result<Anchors> {
    let mut errs: Vec<Diagnostic> = vec![];
    let mut out = Anchors::default();
    let mut cache = crate::text::FindCache::default();
    let in_paragraph = |r: &Range<usize>| {
        text.block_at(r.start)
            .is_some_and(|b| text.blocks[b].kind.is_numbered())
    };
    for (i, e) in spec.entries.iter().enumerate() {
        match text.find_cached(spec, &e.quote, &mut cache) {
            Ok(r) if in_paragraph(&r) => {
                let words = text.doc[r.clone()].split_whitespace().count();
                if words > LONG_LEMMA_WORDS {
                    out.warnings.push(
                        Diagnostic::warning(format!("a very long lemma ({words} words)"))
                            .at(&spec.file, e.quote.at.span())
                            .with_note("quote the words the entry is about; the apparatus prints only `first … last`"),
                    );
                }
                out.lemmata.push(Lemma { entry: i, range: r })
            }
            Ok(_) => errs.push(spec.error(
                e.quote.at.span(),
                "an apparatus entry must anchor in a paragraph, not in the title or a heading",
            )),
            Err(d) => errs.extend(d.0),
        }
    }
    for (i, m) in spec.margins.iter().enumerate() {
        match text.find_cached(spec, &m.quote, &mut cache) {
            Ok(r) if in_paragraph(&r) => out.margins.push(MarginAnchor {
                margin: i,
                range: r,
            }),
            Ok(_) => errs.push(spec.error(
                m.quote.at.span(),
                "a margin note must anchor in a paragraph",
            )),
            Err(d) => errs.extend(d.0),
        }
    }
    sort_in_text_order(&mut out);
    errs.extend(overlaps(spec, &out.lemmata));
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(Diagnostics(errs))
    }
}

/// Lemmata by start (ties: longer first, then spec order); margin notes by start.
fn sort_in_text_order(out: &mut Anchors) {
    out.lemmata.sort_by(|a, b| {
        a.range
            .start
            .cmp(&b.range.start)
            .then(b.range.end.cmp(&a.range.end))
            .then(a.entry.cmp(&b.entry))
    });
    out.margins.sort_by_key(|m| (m.range.start, m.margin));
}

/// The overlap rules over lemmata in text order: within one series lemmata nest but do not
/// partly overlap; two emendations never overlap.
fn overlaps(spec: &Spec, ls: &[Lemma]) -> Vec<Diagnostic> {
    let mut errs = vec![];
    for (x, a) in ls.iter().enumerate() {
        for b in ls[x + 1..]
            .iter()
            .take_while(|b| b.range.start < a.range.end)
        {
            let (ea, eb) = (&spec.entries[a.entry], &spec.entries[b.entry]);
            let partial = b.range.end > a.range.end;
            let both_emend = matches!(ea.body, EntryBody::Emend { .. })
                && matches!(eb.body, EntryBody::Emend { .. });
            let msg = if both_emend {
                Some("two emendations overlap: the printed text can follow only one")
            } else if ea.series == eb.series && partial {
                Some("lemmata of one series may nest but not partly overlap")
            } else {
                None
            };
            if let Some(msg) = msg {
                errs.push(spec.error(eb.quote.at.span(), msg).with_label(
                    &spec.file,
                    ea.quote.at.span(),
                    "the other lemma",
                ));
            }
        }
    }
    errs
}
