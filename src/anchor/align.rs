//! A translation aligned with the original: where the chunks that start together on one
//! spread begin in each text.
//!
//! The texts are cut into *units*: the title, each heading, each paragraph and each stanza
//! (a run of verses after a blank line). By default unit pairs with unit — title with title,
//! heading with heading, a paragraph or stanza with a paragraph or stanza — and a mismatch is
//! an error naming the first unit that does not pair. `[[align]]` pairs of quotations cut both
//! texts into regions that start together; inside a region whose units pair, every unit
//! starts a chunk of its own, and a region whose units do not pair is one chunk.

use std::ops::Range;

use crate::diag::{Diagnostic, Diagnostics, Result};
use crate::spec::{Quote, Spec};
use crate::text::{BlockKind, FindCache, Text};

/// The aligned chunks: where each starts in the original and in the translation (model
/// byte offsets, both increasing; the first at the start of both texts).
#[derive(Debug, Clone, Default)]
pub struct Alignment {
    pub starts: Vec<(usize, usize)>,
    /// The `[[align]]` pairs resolved (original, translation), in the original's order.
    pub pairs: Vec<(usize, usize)>,
    /// Notes: regions between `[[align]]` pairs set as one chunk because their units differ.
    pub notes: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Title,
    Heading,
    /// A paragraph or a stanza.
    Text,
}

/// A unit of alignment: its kind, where it starts and the model range of its first block.
#[derive(Debug, Clone)]
struct Unit {
    kind: Kind,
    start: usize,
    first_block: Range<usize>,
    verse: bool,
}

impl Unit {
    fn name(&self) -> &'static str {
        match (self.kind, self.verse) {
            (Kind::Title, _) => "title",
            (Kind::Heading, _) => "heading",
            (Kind::Text, true) => "stanza",
            (Kind::Text, false) => "paragraph",
        }
    }
}

fn units(text: &Text) -> Vec<Unit> {
    let mut out = vec![];
    let mut prev_verse = false;
    for b in &text.blocks {
        let (kind, starts) = match b.kind {
            BlockKind::Title => (Kind::Title, true),
            BlockKind::Heading(_) => (Kind::Heading, true),
            BlockKind::Paragraph => (Kind::Text, true),
            BlockKind::Verse(v) => (Kind::Text, !prev_verse || v.stanza || v.poem),
        };
        prev_verse = matches!(b.kind, BlockKind::Verse(_));
        if starts {
            out.push(Unit {
                kind,
                start: b.range.start,
                first_block: b.range.clone(),
                verse: prev_verse,
            });
        }
    }
    out
}

/// The texts side by side.
pub struct Sides<'a> {
    pub spec: &'a Spec,
    pub original: &'a Text,
    /// The translation's spec (see [`Spec::translation_spec`]) and text.
    pub tspec: &'a Spec,
    pub translation: &'a Text,
}

/// Aligns the translation with the original (see the module's documentation).
pub fn align(s: &Sides) -> Result<Alignment> {
    let (ou, tu) = (units(s.original), units(s.translation));
    let anchors = anchor_pairs(s)?;
    if anchors.is_empty() {
        return pair(s, &ou, &tu).map(|starts| Alignment {
            starts,
            pairs: vec![],
            notes: vec![],
        });
    }
    let mut out = Alignment {
        pairs: anchors.iter().map(|(o, t, _)| (*o, *t)).collect(),
        ..Alignment::default()
    };
    let mut bounds = vec![(0, 0, None)];
    bounds.extend(
        anchors
            .iter()
            .map(|(o, t, span)| (*o, *t, Some(span.clone()))),
    );
    let ends = (s.original.doc.len() + 1, s.translation.doc.len() + 1);
    for (k, (o, t, span)) in bounds.iter().enumerate() {
        let (o_end, t_end) = bounds.get(k + 1).map_or(ends, |b| (b.0, b.1));
        let region = |units: &[Unit], at: usize, end: usize| -> Vec<Unit> {
            let mut r: Vec<Unit> = units
                .iter()
                .filter(|u| u.start >= at && u.start < end)
                .cloned()
                .collect();
            if r.first().is_none_or(|u| u.start != at) {
                r.insert(
                    0,
                    Unit {
                        kind: Kind::Text,
                        start: at,
                        first_block: at..at,
                        verse: false,
                    },
                );
            }
            r
        };
        let (ro, rt) = (region(&ou, *o, o_end), region(&tu, *t, t_end));
        if pairs(&ro, &rt) {
            out.starts
                .extend(ro.iter().zip(&rt).map(|(a, b)| (a.start, b.start)));
        } else {
            out.starts.push((*o, *t));
            let at = span.clone().unwrap_or(0..0);
            out.notes.push(
                Diagnostic::note(format!(
                    "the passage from here to the next `[[align]]` is aligned as one chunk: {} unit(s) of the original against {} of the translation",
                    ro.len(),
                    rt.len()
                ))
                .at(&s.spec.file, at)
                .with_note("add `[[align]]` pairs inside it for a finer alignment"),
            );
        }
    }
    out.starts.dedup();
    Ok(out)
}

fn pairs(a: &[Unit], b: &[Unit]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.kind == y.kind)
}

/// Unit for unit, or an error at the first unit that does not pair.
fn pair(s: &Sides, ou: &[Unit], tu: &[Unit]) -> Result<Vec<(usize, usize)>> {
    if pairs(ou, tu) {
        return Ok(ou.iter().zip(tu).map(|(a, b)| (a.start, b.start)).collect());
    }
    let i = ou
        .iter()
        .zip(tu)
        .position(|(a, b)| a.kind != b.kind)
        .unwrap_or(ou.len().min(tu.len()));
    let hint = "where the texts do not pair unit for unit, say where aligned passages start: `[[align]]` with `original = \"…\"` and `translation = \"…\"`, a quotation of each";
    let counts = format!(
        "the original has {} units (title, headings, paragraphs, stanzas), the translation {}",
        ou.len(),
        tu.len()
    );
    let o_at = |u: &Unit| s.original.source_range(&u.first_block);
    let t_at = |u: &Unit| s.translation.source_range(&u.first_block);
    // A unit is named by its kind and its number among the units of that kind.
    let nth = |units: &[Unit], i: usize| {
        let name = units[i].name();
        let n = units[..=i].iter().filter(|u| u.name() == name).count();
        format!("{name} {n}")
    };
    let d = match (ou.get(i), tu.get(i)) {
        (Some(a), Some(b)) => Diagnostic::error(format!(
            "the translation does not pair with the original: its {} faces the original's {}",
            nth(tu, i),
            nth(ou, i)
        ))
        .at(&s.translation.file, t_at(b))
        .with_label(
            &s.original.file,
            o_at(a),
            format!("the original's {}", nth(ou, i)),
        ),
        (Some(a), None) => Diagnostic::error(format!(
            "the translation ends before the original's {}: it has no counterpart",
            nth(ou, i)
        ))
        .at(&s.original.file, o_at(a)),
        (None, Some(b)) => Diagnostic::error(format!(
            "the original ends before the translation's {}: it has no counterpart",
            nth(tu, i)
        ))
        .at(&s.translation.file, t_at(b)),
        (None, None) => Diagnostic::error("the translation does not pair with the original"),
    };
    Err(Diagnostics(vec![d.with_note(counts).with_note(hint)]))
}

/// The `[[align]]` pairs resolved: (original, translation, the table's span), sorted by
/// the original; their translation positions must increase too.
fn anchor_pairs(s: &Sides) -> Result<Vec<(usize, usize, Range<usize>)>> {
    let mut errs = vec![];
    let mut out = vec![];
    let mut oc = FindCache::default();
    let mut tc = FindCache::default();
    for a in &s.spec.alignments {
        let o = find(s.original, s.spec, &a.original, &mut oc, &mut errs);
        let t = find(s.translation, s.tspec, &a.translation, &mut tc, &mut errs);
        if let (Some(o), Some(t)) = (o, t) {
            out.push((o, t, a.span.clone()));
        }
    }
    out.sort_by_key(|p| p.0);
    for w in out.windows(2) {
        if w[1].1 <= w[0].1 {
            errs.push(
                Diagnostic::error(
                    "`[[align]]` pairs cross: this one starts later in the original but not later in the translation",
                )
                .at(&s.spec.file, w[1].2.clone())
                .with_label(&s.spec.file, w[0].2.clone(), "the pair it crosses"),
            );
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(Diagnostics(errs))
    }
}

fn find(
    text: &Text,
    spec: &Spec,
    q: &Quote,
    cache: &mut FindCache,
    errs: &mut Vec<Diagnostic>,
) -> Option<usize> {
    match text.find_cached(spec, q, cache) {
        Ok(m) => Some(m.start),
        Err(e) => {
            errs.extend(e.0);
            None
        }
    }
}
