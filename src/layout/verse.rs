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
    // With `[[section]]`s the sections restart the count (`sections::mark_restarts`), not
    // the headings.
    let headings = spec.sections.is_empty();
    mark_restarts(
        *spec.layout.line_numbers.restart.get_ref(),
        headings,
        p,
        lines,
    );
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

/// `restart = "section"`: numbering starts again after every heading (where `headings`);
/// `"poem"`: also where a poem begins and where prose resumes after verse.
fn mark_restarts(restart: Restart, headings: bool, p: &Printed, lines: &mut [GalleyLine]) {
    let poem = match restart {
        Restart::Section => false,
        Restart::Poem => true,
        Restart::Page | Restart::Document => return,
    };
    let mut after_heading = headings;
    let mut before: Option<BlockKind> = None;
    for l in lines.iter_mut().filter(|l| l.first_of_block) {
        let kind = p.blocks[l.block].kind;
        if !kind.is_numbered() {
            after_heading = headings;
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
/// its foot or at the next page's head (`keep_with_next`); a stanza of at most `2 × keep`
/// verses (a quatrain, by default) is rather not split (`rather_keep`: only where keeping
/// it whole would leave a hole), so pages end at stanza boundaries where they can.
/// `keep = 1` lifts both rules: only a verse holds together.
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
        let (keep_with_next, rather_keep) = if next.turnover {
            (true, false)
        } else if let (Some((pos, len)), Some((next_pos, _))) =
            (places[line.block], places[next.block])
        {
            let same_stanza = next.block == line.block + 1 && next_pos == pos + 1;
            (
                same_stanza && (pos + 1 < keep || len - pos - 1 < keep),
                same_stanza && keep > 1 && len <= 2 * keep,
            )
        } else {
            (false, false)
        };
        lines[e].keep_with_next = keep_with_next;
        lines[e].rather_keep = rather_keep;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markup::PBlock;
    use crate::text::Verse;

    fn printed(kinds: &[BlockKind]) -> Printed {
        Printed {
            doc: String::new(),
            to_model: vec![],
            blocks: kinds
                .iter()
                .map(|&kind| PBlock {
                    kind,
                    range: 0..0,
                    line_starts: vec![],
                })
                .collect(),
            ..Printed::default()
        }
    }

    fn verse(stanza: bool, poem: bool) -> BlockKind {
        BlockKind::Verse(Verse {
            indent: 0,
            stanza,
            poem,
            ends_poem: false,
        })
    }

    /// `lines[b]` galley lines for block `b`, marked as the galley marks them.
    fn galley(p: &Printed, lines: &[usize]) -> Vec<GalleyLine> {
        let mut out = vec![];
        for (block, &n) in lines.iter().enumerate() {
            for k in 0..n {
                out.push(GalleyLine {
                    block,
                    range: 0..0,
                    baseline: 12.0 * out.len() as f64,
                    cap: 7.0,
                    hyphen: false,
                    numbered: p.blocks[block].kind.is_numbered(),
                    first_of_block: k == 0,
                    last_of_block: k + 1 == n,
                    turnover: k > 0 && matches!(p.blocks[block].kind, BlockKind::Verse(_)),
                    restart: false,
                    keep_with_next: false,
                    rather_keep: false,
                });
            }
        }
        out
    }

    fn keeps(lines: &[GalleyLine]) -> Vec<bool> {
        lines
            .iter()
            .map(|l| l.keep_with_next || l.rather_keep)
            .collect()
    }

    #[test]
    fn a_page_ends_neither_inside_a_verse_nor_after_one_verse_of_a_stanza() {
        // A stanza of five verses (the second turns over), then a stanza of two.
        let p = printed(&[
            verse(true, true),
            verse(false, false),
            verse(false, false),
            verse(false, false),
            verse(false, false),
            verse(true, false),
            verse(false, false),
        ]);
        let mut lines = galley(&p, &[1, 2, 1, 1, 1, 1, 1]);
        mark_stanza_breaks(&p, &mut lines, 2);
        assert_eq!(
            keeps(&lines),
            // v1 alone | inside v2 | after v2 | after v3 | v5 alone | stanza end | a couplet whole | last
            vec![true, true, false, false, true, false, true, false]
        );
        // stanza-keep 1: only the verse itself holds together; the couplet may split.
        let mut lines = galley(&p, &[1, 2, 1, 1, 1, 1, 1]);
        mark_stanza_breaks(&p, &mut lines, 1);
        assert_eq!(
            keeps(&lines),
            vec![false, true, false, false, false, false, false, false]
        );
    }

    #[test]
    fn a_quatrain_is_kept_whole_by_default() {
        let p = printed(&[
            verse(true, true),
            verse(false, false),
            verse(false, false),
            verse(false, false),
            verse(true, false),
        ]);
        let mut lines = galley(&p, &[1, 1, 1, 1, 1]);
        mark_stanza_breaks(&p, &mut lines, STANZA_KEEP);
        assert_eq!(keeps(&lines), vec![true, true, true, false, false]);
    }

    #[test]
    fn verses_are_counted_once_and_poems_counted_apart() {
        // Prose (2 lines), a poem of three verses (the second turns over), prose (1 line).
        let p = printed(&[
            BlockKind::Paragraph,
            verse(true, true),
            verse(false, false),
            verse(false, false),
            BlockKind::Paragraph,
        ]);
        let mut lines = galley(&p, &[2, 1, 2, 1, 1]);
        assert_eq!(running_numbers(&lines), vec![1, 2, 3, 4, 4, 5, 6]);
        mark_restarts(Restart::Poem, true, &p, &mut lines);
        let restarts: Vec<bool> = lines.iter().map(|l| l.restart).collect();
        assert_eq!(restarts, vec![true, false, true, false, false, false, true]);
        assert_eq!(running_numbers(&lines), vec![1, 2, 1, 2, 2, 3, 1]);
        // By section, the poem counts on from the prose.
        let mut lines = galley(&p, &[2, 1, 2, 1, 1]);
        mark_restarts(Restart::Section, true, &p, &mut lines);
        assert_eq!(running_numbers(&lines), vec![1, 2, 3, 4, 4, 5, 6]);
    }
}
