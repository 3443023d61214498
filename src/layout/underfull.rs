//! Apparatus lines whose word spaces stretch past the bound, as warnings located at their
//! entry in `edition.toml` — TeX's "Underfull \hbox (badness 10000)".
//!
//! The line breaker (`compose::break_apparatus`) avoids such lines at almost any cost: it
//! hyphenates words of readings and notes and spreads the slack over the lines before. But
//! the page plan fixes the number of lines, and a run of pieces that cannot break (sigla, a
//! short lemma kept whole, a reference with its lemma, words too short to hyphenate) can
//! leave no break that keeps the spaces within [`STRETCH_LIMIT`]. The plan is read here as
//! the template will justify it, so what is reported is what prints.

use rayon::prelude::*;

use crate::diag::Diagnostic;
use crate::markup::{Atom, SetToken};
use crate::spec::{Arrangement, Spec};

use super::compose::{Page, Plan, STRETCH_LIMIT, SeriesBlock};
use super::galley::Measurements;

/// Spaces wider than the bound by less than this (pt) are rounding.
const FUZZ: f64 = 0.01;

/// A justified apparatus line whose word spaces stretch past the bound.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Loose {
    /// The page's number (its folio).
    pub page: usize,
    /// The entry its last word belongs to.
    pub entry: usize,
    /// The width of its word spaces (pt).
    pub space: f64,
    pub text: String,
    /// The first words of the line after it.
    pub next: String,
}

/// One warning per loose apparatus line of the plan.
pub(crate) fn warnings(spec: &Spec, plan: &Plan, m: &Measurements) -> Vec<Diagnostic> {
    loose_lines(spec, plan, m)
        .into_iter()
        .map(|l| warning(spec, m, &l))
        .collect()
}

fn warning(spec: &Spec, m: &Measurements, line: &Loose) -> Diagnostic {
    let space = m.metrics.space;
    Diagnostic::warning(format!(
        "loose apparatus line on page {}: its word spaces stretch to {:.1} pt, {:.2} times a space (at most {:.1})",
        line.page,
        line.space,
        line.space / space,
        1.0 + STRETCH_LIMIT
    ))
    .at(&spec.file, spec.entries[line.entry].quote.at.span())
    .with_note(format!("the line: `{}`", super::shorten(&line.text, 80)))
    .with_note(if line.next.is_empty() {
        // The page's last apparatus line: its note goes on at the foot of the next page.
        "no break keeps the spaces within the bound at the page's end: the note continues on the next page".to_string()
    } else {
        format!(
            "no break keeps the spaces within the bound: the next line begins `{}`, which does not fit and cannot be hyphenated there",
            super::shorten(&line.next, 40)
        )
    })
    .with_note("shorten or reword the reading or note, or give the apparatus a wider measure")
}

/// The justified lines of every page's apparatus whose spaces stretch past the bound, pages
/// side by side.
pub(crate) fn loose_lines(spec: &Spec, plan: &Plan, m: &Measurements) -> Vec<Loose> {
    plan.pages
        .par_iter()
        .flat_map_iter(|page| page_loose_lines(spec, page, m))
        .collect()
}

/// The loose lines of one page's apparatus.
fn page_loose_lines(spec: &Spec, page: &Page, m: &Measurements) -> Vec<Loose> {
    let mut out = vec![];
    for block in &page.apparatus {
        let per_line = spec.series[block.series].arrangement == Arrangement::OnePerLine;
        for (k, line) in block.lines.iter().enumerate() {
            let Some(hang) = justified(block, k, per_line) else {
                continue;
            };
            let avail = m.metrics.text_width - if hang { m.metrics.app_hang } else { 0.0 };
            if let Some(space) = stretched_space(line, avail, m)
                && space > m.metrics.space * (1.0 + STRETCH_LIMIT) + FUZZ
            {
                out.push(Loose {
                    page: page.number,
                    entry: line.last().map_or(0, |t| t.entry),
                    space,
                    text: text(line),
                    next: block
                        .lines
                        .get(k + 1)
                        .map(|l| text(&l[..l.len().min(3)]))
                        .unwrap_or_default(),
                });
            }
        }
    }
    out
}

/// Whether line `k` of a block is justified (as the template's `app-break` decides), and if
/// so whether it hangs (the continuation lines of an entry in a one-per-line series).
fn justified(block: &SeriesBlock, k: usize, per_line: bool) -> Option<bool> {
    let lines = &block.lines;
    let last = lines.len() - 1;
    let ends = k + 1 == block.carried && k < last;
    let continues = k == last && block.continues;
    let same_entry =
        |a: &[SetToken], b: &[SetToken]| a.last().map(|t| t.entry) == b.first().map(|t| t.entry);
    // The entry (one-per-line) or the block goes on after this line.
    let goes_on = if per_line {
        k < last && same_entry(&lines[k], &lines[k + 1])
    } else {
        k < last
    };
    if !(continues || (goes_on && !ends)) {
        return None;
    }
    let continuation = (k > 0 && same_entry(&lines[k - 1], &lines[k]))
        || (block.carried > 0 && lines[..=k].windows(2).all(|w| same_entry(&w[0], &w[1])));
    Some(per_line && continuation)
}

/// The width of a justified line's word spaces; none for a line of one piece (nothing to
/// stretch).
fn stretched_space(line: &[SetToken], avail: f64, m: &Measurements) -> Option<f64> {
    let gaps = line.len().checked_sub(1).filter(|&g| g > 0)?;
    let words: f64 = line.iter().map(|t| m.token_width(&t.token)).sum();
    Some((avail - words) / gaps as f64)
}

/// A line's words about as printed (sigla run together, labels by their names, ranks left
/// out).
fn text(line: &[SetToken]) -> String {
    let word = |t: &SetToken| -> String {
        t.token
            .iter()
            .map(|a| {
                match a {
                    Atom::Text(_, s) => s.as_str(),
                    Atom::Sigla(wit) => return wit.concat(),
                    Atom::Call("app-sep", kind) if kind.contains("line") => "‖",
                    Atom::Call("app-sep", _) => "|",
                    Atom::Call("app-close", _) => "]",
                    Atom::Call("app-ellipsis", _) => "…",
                    Atom::Call("app-text" | "app-label", s) => s.trim_matches('"'),
                    Atom::Call(..) => "",
                }
                .to_string()
            })
            .collect()
    };
    line.iter().map(word).collect::<Vec<_>>().join(" ")
}
