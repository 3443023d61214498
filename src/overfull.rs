//! Lines wider than the text block, as warnings located in `source.txt`.
//!
//! A word Typst can neither break nor hyphenate (a long identifier, a number, a URL) makes
//! its line run into the margin-note column or off the page, and Typst says nothing. The
//! galley reads every line's extent back ([`crate::layout::Overfull`]); here each overfull
//! line becomes a warning, like TeX's "Overfull \hbox (12.3pt too wide) in paragraph at
//! lines 40--41", at the longest word of the line in the base text.

use std::ops::Range;

use crate::diag::Diagnostic;
use crate::layout::Overfull;
use crate::markup::{NO_MODEL, Printed};
use crate::text::{BlockKind, Text};

/// One warning per overfull line.
pub(crate) fn warnings(text: &Text, p: &Printed, lines: &[Overfull]) -> Vec<Diagnostic> {
    lines.iter().map(|l| warning(text, p, l)).collect()
}

fn warning(text: &Text, p: &Printed, line: &Overfull) -> Diagnostic {
    let what = match line.kind {
        BlockKind::Paragraph => "a paragraph",
        BlockKind::Verse(_) => "a verse",
        BlockKind::Heading(_) => "a heading",
        BlockKind::Title => "the title",
    };
    let word = longest_word(&p.doc, line.range.clone());
    let printed = &p.doc[word.clone()];
    let mut d = Diagnostic::warning(format!(
        "overfull line ({:.1} pt too wide) in {what}: it runs into the margin",
        line.excess
    ))
    .with_note(format!(
        "the line: `{}`",
        crate::layout::shorten(&p.doc[line.range.clone()], 80)
    ))
    .with_note(format!(
        "the word `{}` ({} characters) is wider than the text block ({:.1} pt) or has nowhere to break: Typst breaks lines at spaces and hyphenates words of letters only",
        crate::layout::shorten(printed, 40),
        printed.chars().count(),
        line.text_width
    ))
    .with_note(if line.kind.is_numbered() && printed.chars().all(char::is_alphabetic) {
        // Emergency breaks leave words of letters to hyphenation.
        "a word of letters only is hyphenated, never broken anywhere: this one has no hyphenation point that fits: an emendation (`emend`) may divide it, or widen the text block (`[layout] margins`)"
    } else if line.kind.is_numbered() {
        "set `[layout] emergency-breaks = true` to break such words anywhere, or widen the text block (`[layout] margins`)"
    } else {
        "titles and headings are set whole: widen the text block (`[layout] margins`) or choose a smaller font size"
    });
    if let Some(model) = model_range(p, word) {
        let span = text.source_range(&model);
        d = d.at(&text.file, span);
    }
    d
}

/// The longest run of printed bytes without white space in `range`.
fn longest_word(doc: &str, range: Range<usize>) -> Range<usize> {
    let mut best = range.start..range.start;
    let mut start = None;
    for (i, c) in doc[range.clone()]
        .char_indices()
        .chain(std::iter::once((range.len(), ' ')))
    {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                if i - s > best.len() {
                    best = range.start + s..range.start + i;
                }
                start = None;
            }
            _ => {}
        }
    }
    best
}

/// The model bytes of printed bytes `r` (its first and last bytes that come from the model).
fn model_range(p: &Printed, r: Range<usize>) -> Option<Range<usize>> {
    let from_model = |i: &usize| p.to_model.get(*i).copied().filter(|&m| m != NO_MODEL);
    let first = r.clone().find_map(|i| from_model(&i))?;
    let last = r.rev().find_map(|i| from_model(&i))?;
    Some(first as usize..last as usize + 1)
}
