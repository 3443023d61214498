//! Stacked hyphens: no more than `[layout] hyphen-limit` consecutive body lines of a
//! paragraph end in a hyphen (OCT's house limit is two).
//!
//! Typst has no such limit, but the galley knows every line's hyphen. Where a paragraph has
//! a run longer than the limit, the word broken at the end of the first line past it is
//! marked unhyphenated and the paragraph is set again, alone (a paragraph's lines depend on
//! nothing outside it), in a small compile; its new lines replace the old ones, and the lines
//! after it move by the difference in lines times the fixed line pitch. A paragraph set
//! again may break anew; a few rounds settle it. The final document forces the lines the
//! galley found, as always.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::diag::Result;
use crate::markup::{self, Printed};
use crate::text::BlockKind;
use crate::typeset::{self, SpanIndex};
use crate::world::EditionWorld;

use super::galley::{GalleyInput, GalleyLine, Lines, read_lines};

/// Rounds of setting paragraphs again before the galley is taken as it is.
const ROUNDS: usize = 3;

/// Limits runs of hyphenated lines in `lines` (and their `reaches`) to the spec's
/// `hyphen-limit`, setting the paragraphs with longer runs again.
pub(super) fn limit(
    input: &GalleyInput,
    world: &EditionWorld,
    set: &mut Lines,
    text_width: f64,
    compiles: &AtomicUsize,
) -> Result<()> {
    let limit = input.spec.layout.hyphen_limit();
    if limit == 0 {
        return Ok(());
    }
    let p = input.printed;
    let mut protected: BTreeSet<(usize, usize)> = BTreeSet::new();
    // Paragraphs that would overrun the line with a word kept whole stay as they were.
    let mut kept: BTreeSet<usize> = BTreeSet::new();
    for _ in 0..ROUNDS {
        let mut found = overlong_runs(p, &set.0, limit);
        found.retain(|(b, _)| !kept.contains(b));
        if found.is_empty() {
            break;
        }
        let blocks: BTreeSet<usize> = found.iter().map(|(b, _)| *b).collect();
        protected.extend(found.into_iter().map(|(_, w)| (w.start, w.end)));
        let words: Vec<Range<usize>> = protected.iter().map(|&(a, b)| a..b).collect();
        let blocks: Vec<usize> = blocks.into_iter().collect();
        let w = markup::galley_again(input.spec, p, input.template, &blocks, words, input.column);
        let fork = world.fork(w.out.clone());
        compiles.fetch_add(1, Ordering::Relaxed);
        let (doc, _warnings) = typeset::compile(&fork)?;
        let index = SpanIndex::new(fork.main_source());
        let again = read_lines(p, &doc, &index, &w.spans, doc.pages().len() - 1)?;
        for &b in &blocks {
            if !splice(set, &again, b, text_width) {
                kept.insert(b);
            }
        }
    }
    Ok(())
}

/// The words to keep whole: for each run of hyphenated lines in a paragraph longer than
/// `limit`, the word broken at the end of its first line past the limit, with its block.
fn overlong_runs(p: &Printed, lines: &[GalleyLine], limit: usize) -> Vec<(usize, Range<usize>)> {
    let mut out = vec![];
    let mut run = 0;
    for i in 0..lines.len() {
        let l = &lines[i];
        let next = lines.get(i + 1).filter(|n| n.block == l.block);
        let paragraph = p.blocks[l.block].kind == BlockKind::Paragraph;
        if !(l.hyphen && paragraph && next.is_some()) {
            run = 0;
            continue;
        }
        run += 1;
        if run > limit
            && let Some(next) = next
        {
            // Only a word that begins on this line and ends on the next: one running over
            // more lines than two cannot be kept whole.
            let line = &p.doc[l.range.clone()];
            let rest = &p.doc[next.range.clone()];
            if let (Some(k), Some(e)) = (
                line.rfind(char::is_whitespace),
                rest.find(char::is_whitespace),
            ) {
                let start = l.range.start + k + line[k..].chars().next().map_or(1, char::len_utf8);
                out.push((l.block, start..next.range.start + e));
            }
            run = 0;
        }
    }
    out
}

/// Replaces the galley lines of block `b` with its lines set again (placed where its first
/// line was) and moves the lines after it by the difference in lines times the pitch;
/// `false` (and nothing changed) where a line set again would run out of the text block.
fn splice(set: &mut Lines, again: &Lines, b: usize, text_width: f64) -> bool {
    let (lines, reaches) = set;
    let Some(first) = lines.iter().position(|l| l.block == b) else {
        return false;
    };
    let end = first + lines[first..].iter().take_while(|l| l.block == b).count();
    let new: Vec<usize> = (0..again.0.len())
        .filter(|&k| again.0[k].block == b)
        .collect();
    let Some(&new_first) = new.first() else {
        return false;
    };
    if new.iter().any(|&k| again.1[k].overruns(text_width)) {
        return false;
    }
    let (old_top, new_top) = (lines[first].baseline, again.0[new_first].baseline);
    let pitch = if end - first > 1 {
        lines[first + 1].baseline - lines[first].baseline
    } else {
        return false;
    };
    let shift = (new.len() as f64 - (end - first) as f64) * pitch;
    let replaced: Vec<GalleyLine> = new
        .iter()
        .map(|&k| {
            let mut l = again.0[k].clone();
            l.baseline = old_top + (l.baseline - new_top);
            l
        })
        .collect();
    let replaced_reaches = new.iter().map(|&k| again.1[k]);
    for l in &mut lines[end..] {
        l.baseline += shift;
    }
    lines.splice(first..end, replaced);
    reaches.splice(first..end, replaced_reaches);
    true
}
