//! Verse on the galley: which lines are counted, where numbering starts again, and where a
//! page may not end.
//!
//! The galley reads a verse back as one block of one or more lines: its first line is
//! numbered, the others are turnovers (the verse was too long for the measure) and count
//! for nothing. The page builder knows nothing of verse: it sees `keep_with_next` on the
//! lines after which a page must not end — inside a verse, or where a stanza would leave
//! fewer than `stanza-keep` verses at the foot or the head of a page — and avoids those
//! breaks as it avoids widows and orphans.

use std::ops::Range;

use super::galley::GalleyLine;
use crate::markup::Printed;
use crate::spec::{Restart, Spec};
use crate::text::BlockKind;

/// The fewest verses of a stanza left at a page's foot or head, unless the spec says.
const STANZA_KEEP: usize = 2;

/// Marks the lines where numbering restarts and those a page may not end after.
pub(super) fn mark(spec: &Spec, p: &Printed, lines: &mut [GalleyLine]) {
    mark_restarts(spec.layout.line_numbers.restart, p, lines);
    let keep = spec
        .layout
        .stanza_keep
        .as_ref()
        .map_or(STANZA_KEEP, |k| (*k.get_ref()).max(1) as usize);
    mark_stanza_breaks(p, lines, keep);
}

/// A line the line numbers count: a paragraph's line or a verse's first line.
pub(super) fn counted(l: &GalleyLine) -> bool {
    l.numbered && !l.turnover
}

/// The number of each galley line counting through the document, starting again at the
/// lines marked `restart`; a turnover has its verse's number.
pub(super) fn running_numbers(lines: &[GalleyLine]) -> Vec<u32> {
    let mut n = 0;
    lines
        .iter()
        .map(|l| {
            if l.restart {
                n = 0;
            }
            if counted(l) {
                n += 1;
            }
            n
        })
        .collect()
}

/// `restart = "section"`: numbering starts again after every heading; `"poem"`: also where
/// a poem begins and where prose resumes after verse.
fn mark_restarts(restart: Restart, p: &Printed, lines: &mut [GalleyLine]) {
    let poem = match restart {
        Restart::Section => false,
        Restart::Poem => true,
        Restart::Page | Restart::Document => return,
    };
    let mut after_heading = true;
    let mut before: Option<BlockKind> = None;
    for l in lines.iter_mut().filter(|l| l.first_of_block) {
        let kind = p.blocks[l.block].kind;
        if !kind.is_numbered() {
            after_heading = true;
            continue;
        }
        let verse_turns = match (before, kind) {
            (_, BlockKind::Verse(v)) => v.poem,
            (Some(BlockKind::Verse(_)), _) => true,
            _ => false,
        };
        l.restart = after_heading || (poem && verse_turns);
        after_heading = false;
        before = Some(kind);
    }
}

/// Each verse block's place in its stanza: (position from 0, verses in the stanza).
fn stanza_places(p: &Printed) -> Vec<Option<(usize, usize)>> {
    let mut stanzas: Vec<Range<usize>> = vec![];
    for (i, b) in p.blocks.iter().enumerate() {
        let BlockKind::Verse(v) = b.kind else {
            continue;
        };
        match stanzas.last_mut() {
            Some(s) if s.end == i && !v.stanza => s.end = i + 1,
            _ => stanzas.push(i..i + 1),
        }
    }
    let mut places = vec![None; p.blocks.len()];
    for s in stanzas {
        for i in s.clone() {
            places[i] = Some((i - s.start, s.len()));
        }
    }
    places
}

/// A page may not end inside a verse, nor leave fewer than `keep` verses of a stanza at
/// its foot or at the next page's head; a stanza of at most `2 × keep` verses (a quatrain,
/// by default) is not split at all, so pages end at stanza boundaries where they can.
fn mark_stanza_breaks(p: &Printed, lines: &mut [GalleyLine], keep: usize) {
    if !p
        .blocks
        .iter()
        .any(|b| matches!(b.kind, BlockKind::Verse(_)))
    {
        return;
    }
    let places = stanza_places(p);
    for e in 0..lines.len().saturating_sub(1) {
        let (line, next) = (&lines[e], &lines[e + 1]);
        let keep_with_next = if next.turnover {
            true
        } else if let (Some((pos, len)), Some((next_pos, _))) =
            (places[line.block], places[next.block])
        {
            let same_stanza = next.block == line.block + 1 && next_pos == pos + 1;
            same_stanza && (len <= 2 * keep || pos + 1 < keep || len - pos - 1 < keep)
        } else {
            false
        };
        lines[e].keep_with_next = keep_with_next;
    }
}
