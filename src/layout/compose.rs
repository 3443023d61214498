//! Layout step 2 — compose: the galley and the measurements become a [`Plan`] of pages.
//! Pure Rust, no Typst: everything here is decided over numbers read back from the galley.
//!
//! The page builder works like TeX's: a line joins the page together with the apparatus
//! entries it carries, or both move on to the next page — nothing can oscillate. Apparatus
//! lines are broken here over measured token widths (the fewest lines, then the evenest
//! breaks; separators and references stay with their lemma), so their number is known, not
//! guessed. Widows, orphans, headings at the foot and hyphenated page ends are avoided here;
//! line numbers are assigned and margin notes stacked here.

use std::collections::HashMap;
use std::ops::Range;

use crate::diag::{Diagnostic, Result};
use crate::markup::{self, Emit, LineBreak, PLemma, Printed, SetToken, Token};
use crate::spec::{Arrangement, Placement, Restart, Spec};
use crate::text::BlockKind;

use super::galley::{Galley, GalleyLine, Metrics};

/// Everything the final document shows, decided.
#[derive(Debug, Clone)]
pub struct Plan {
    pub front_pages: usize,
    pub pages: Vec<Page>,
    /// Series placed after the text.
    pub endnotes: Vec<EndnoteSeries>,
    /// Where each entry was placed (foot and end).
    pub placed: Vec<PlacedEntry>,
    /// What the final markup may simplify (measured).
    pub emit: Emit,
    /// Width of the margin-note column.
    pub note_width: f64,
    pub warnings: Vec<Diagnostic>,
}

/// Everything one body page holds.
#[derive(Debug, Clone)]
pub struct Page {
    /// The page's number (the folio).
    pub number: usize,
    /// The galley lines on this page.
    pub lines: Range<usize>,
    /// Body pieces on this page, one per block (or part of one).
    pub pieces: Vec<Piece>,
    /// Apparatus blocks at the foot, one per series with entries on this page.
    pub apparatus: Vec<SeriesBlock>,
    /// Printed line numbers.
    pub numbers: Vec<LineNumber>,
    /// Margin notes, stacked.
    pub notes: Vec<PlacedNote>,
    /// The current section for the running head: the printed range of the last level-1
    /// heading that begins on or before this page.
    pub section: Option<Range<usize>>,
}

/// A block, or the part of it on one page.
#[derive(Debug, Clone)]
pub struct Piece {
    pub block: usize,
    pub lines: Vec<LineBreak>,
    /// The block continues on the next page.
    pub continues: bool,
    /// The block began on an earlier page.
    pub continued: bool,
}

/// A line number in the margin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineNumber {
    pub number: u32,
    /// Baseline, pt below the text block's top.
    pub y: f64,
}

/// A margin note in its place.
#[derive(Debug, Clone)]
pub struct PlacedNote {
    /// First baseline, pt below the text block's top.
    pub y: f64,
    /// The note's markup.
    pub body: String,
}

/// A series' apparatus at the foot of one page.
#[derive(Debug, Clone)]
pub struct SeriesBlock {
    pub series: usize,
    pub lines: Vec<Vec<SetToken>>,
}

/// A series printed after the text.
#[derive(Debug, Clone)]
pub struct EndnoteSeries {
    pub series: usize,
    pub tokens: Vec<SetToken>,
}

/// An apparatus token with its measured width, before line breaking.
#[derive(Debug, Clone)]
pub struct MeasuredToken {
    pub token: Token,
    pub entry: usize,
    pub width: f64,
}

/// Where an entry was planned.
#[derive(Debug, Clone)]
pub struct PlacedEntry {
    pub entry: usize,
    pub page: usize,
    /// Printed line numbers of the lemma's first and last word.
    pub first: u32,
    pub last: u32,
    /// Printed among the endnotes, not at the foot of its page.
    pub end: bool,
}

/// The number of numbered (paragraph) lines among `lines`.
pub fn numbered(lines: &[GalleyLine]) -> u32 {
    lines.iter().filter(|l| l.numbered).count() as u32
}

/// Composes the pages of the body, their apparatus, line numbers and margin notes, and the
/// endnotes.
pub fn compose(spec: &Spec, p: &Printed, galley: &Galley) -> Result<Plan> {
    let setter = ApparatusSetter::new(spec, p, galley);
    let ranges = break_pages(spec, p, &setter)?;
    let mut plan = Plan {
        front_pages: galley.front_pages,
        pages: vec![],
        endnotes: vec![],
        placed: vec![],
        emit: galley.measurements.emit(),
        note_width: galley.measurements.metrics.note_width,
        warnings: vec![],
    };
    let mut section = None;
    let mut doc_line = 0u32;
    for (k, r) in ranges.iter().enumerate() {
        let number = galley.front_pages + k + 1;
        let apparatus = setter.apparatus(r.start, r.end - 1, doc_line, number, true);
        plan.placed.extend(apparatus.placed);
        let first_number = if setter.restart { 0 } else { doc_line };
        doc_line += numbered(&galley.lines[r.clone()]);
        let pieces = pieces(&galley.lines, r.clone());
        for pc in pieces.iter().filter(|pc| !pc.continued) {
            if p.blocks[pc.block].kind == BlockKind::Heading(1) {
                section = Some(p.blocks[pc.block].range.clone());
            }
        }
        let notes = place_notes(spec, p, galley, r.clone(), number, &mut plan.warnings)?;
        plan.pages.push(Page {
            number,
            lines: r.clone(),
            pieces,
            apparatus: apparatus.blocks,
            numbers: line_numbers(&galley.lines, r.clone(), first_number, setter.every),
            notes,
            section: section.clone(),
        });
    }
    endnotes(spec, &setter, &ranges, galley.front_pages, &mut plan);
    Ok(plan)
}

/// Breaks the galley into pages (see [`page_ranges`]), or names the entries of a line whose
/// apparatus alone is taller than a page.
fn break_pages(spec: &Spec, p: &Printed, setter: &ApparatusSetter) -> Result<Vec<Range<usize>>> {
    let height = |start: usize, end: usize, doc_line: u32, page_no: usize| {
        setter.apparatus_height(start, end, doc_line, page_no)
    };
    let text_height = setter.metrics.text_height;
    page_ranges(setter.lines, text_height, setter.front_pages, height)
        .map_err(|(line, page_no)| apparatus_too_tall(spec, p, setter, line, page_no))
}

/// The galley lines of each page: a page takes as many lines as fit with the apparatus they
/// carry (`apparatus_height(first, last, numbered lines before, page number)`), then gives
/// lines back where the break would be bad (see [`bad_break`]). `Err((line, page))`: not
/// even the one line `line` fits on page `page` with its apparatus.
pub fn page_ranges(
    lines: &[GalleyLine],
    text_height: f64,
    front_pages: usize,
    apparatus_height: impl Fn(usize, usize, u32, usize) -> f64,
) -> std::result::Result<Vec<Range<usize>>, (usize, usize)> {
    let mut pages: Vec<Range<usize>> = vec![];
    let mut start = 0;
    let mut doc_line = 0u32; // numbered lines before this page (continuous numbering)
    while start < lines.len() {
        let page_no = front_pages + pages.len() + 1;
        let top = lines[start].baseline - lines[start].cap;
        let fits = |end: usize| {
            let app = apparatus_height(start, end, doc_line, page_no);
            lines[end].baseline - top + app <= text_height + 0.01
        };
        let Some(mut end) = (start..lines.len()).take_while(|&e| fits(e)).last() else {
            return Err((start, page_no));
        };
        if end + 1 < lines.len() {
            let full = end;
            while end > start && bad_break(lines, end) {
                end -= 1;
            }
            if end == start && bad_break(lines, end) {
                end = full;
            }
        }
        doc_line += numbered(&lines[start..=end]);
        pages.push(start..end + 1);
        start = end + 1;
    }
    Ok(pages)
}

/// Not even one line fits with its apparatus: an apparatus block never breaks across
/// pages, so the notes of this line are too long for any page.
fn apparatus_too_tall(
    spec: &Spec,
    p: &Printed,
    setter: &ApparatusSetter,
    line: usize,
    page_no: usize,
) -> crate::diag::Diagnostics {
    let mut d = Diagnostic::error(format!(
        "page {page_no}: the apparatus of one line is taller than the page ({:.0} pt available)",
        setter.metrics.text_height
    ))
    .with_note("an apparatus block does not continue on the next page; shorten these entries or use a series with placement = \"end\"");
    for (i, &k) in setter.by_line[line].iter().enumerate() {
        let span = spec.entries[p.lemmata[k].entry].quote.at.span();
        d = if i == 0 {
            d.at(&spec.file, span)
        } else {
            d.with_label(&spec.file, span, "another entry on that line")
        };
    }
    d.into()
}

/// A page may not end after line `e` when …
pub fn bad_break(lines: &[GalleyLine], e: usize) -> bool {
    let l = &lines[e];
    let next = lines.get(e + 1);
    !l.numbered // … it is a title or heading line (keep with what follows)
        || l.hyphen // … the last word is hyphenated
        || (l.first_of_block && !l.last_of_block) // … an orphan: a paragraph's first line alone
        || next.is_some_and(|n| n.last_of_block && !n.first_of_block) // … a widow would follow
        || (e > 0 && !lines[e - 1].numbered && l.first_of_block) // … a heading keeps two lines
}

/// The printed line numbers of a page's lines `r`: every `every`-th numbered line, counting
/// on from `before` (the numbered lines before the page, 0 where numbering restarts).
pub fn line_numbers(
    lines: &[GalleyLine],
    r: Range<usize>,
    before: u32,
    every: u32,
) -> Vec<LineNumber> {
    let top = lines[r.start].baseline - lines[r.start].cap;
    let mut n = before;
    let mut out = vec![];
    for l in lines[r].iter().filter(|l| l.numbered) {
        n += 1;
        if n.is_multiple_of(every) {
            out.push(LineNumber {
                number: n,
                y: l.baseline - top,
            });
        }
    }
    out
}

/// The body pieces of the page holding lines `r`: consecutive lines of one block form a
/// piece.
pub fn pieces(lines: &[GalleyLine], r: Range<usize>) -> Vec<Piece> {
    let mut pieces: Vec<Piece> = vec![];
    for l in &lines[r.clone()] {
        let line = LineBreak {
            range: l.range.clone(),
            hyphen: l.hyphen,
        };
        match pieces.last_mut() {
            Some(pc) if pc.block == l.block => pc.lines.push(line),
            _ => pieces.push(Piece {
                block: l.block,
                lines: vec![line],
                continues: false,
                continued: !l.first_of_block,
            }),
        }
    }
    if let (Some(pc), Some(last)) = (pieces.last_mut(), lines[r].last()) {
        pc.continues = !last.last_of_block;
    }
    pieces
}

/// The margin notes beside the page holding lines `r`, stacked downwards: a note starts at
/// its line's baseline, or below the note above.
fn place_notes(
    spec: &Spec,
    p: &Printed,
    galley: &Galley,
    r: Range<usize>,
    page_no: usize,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Vec<PlacedNote>> {
    let lines = &galley.lines;
    let m = &galley.measurements.metrics;
    let top = lines[r.start].baseline - lines[r.start].cap;
    let on_page: Vec<usize> = (0..p.notes.len())
        .filter(|&i| r.contains(&line_of(lines, p.notes[i].pos)))
        .collect();
    let wanted: Vec<NoteBox> = on_page
        .iter()
        .map(|&i| NoteBox {
            want: lines[line_of(lines, p.notes[i].pos)].baseline - top,
            height: galley.measurements.note_heights[i],
        })
        .collect();
    let stacked = stack_notes(&wanted, m);
    let mut placed = vec![];
    for ((&i, want), y) in on_page.iter().zip(&wanted).zip(stacked) {
        let note = &p.notes[i];
        if y > want.want + 0.01 {
            warnings.push(
                Diagnostic::warning(format!(
                    "{} on page {page_no} moved down {:.1} pt to clear the note above",
                    note.label,
                    y - want.want
                ))
                .at(&spec.file, note.span.clone()),
            );
        }
        let bottom = y - m.note_ascent + want.height;
        if bottom > m.text_height + 0.01 {
            return Err(spec
                .error(
                    note.span.clone(),
                    format!(
                        "{} does not fit on page {page_no}: it would end {:.1} pt below the text block",
                        note.label,
                        bottom - m.text_height
                    ),
                )
                .with_note(
                    "notes on nearby lines stack downwards; shorten this note or the ones above it",
                )
                .into());
        }
        placed.push(PlacedNote {
            y,
            body: note.body.clone(),
        });
    }
    Ok(placed)
}

/// A margin note to stack: the baseline it wants and its height.
#[derive(Debug, Clone, Copy)]
pub struct NoteBox {
    pub want: f64,
    pub height: f64,
}

/// The first baseline of each note, in order: where it wants to be, or just below the note
/// above (its height, the spacing between notes).
pub fn stack_notes(notes: &[NoteBox], m: &Metrics) -> Vec<f64> {
    let mut next_free = f64::MIN;
    notes
        .iter()
        .map(|n| {
            let y = n.want.max(next_free);
            next_free = y - m.note_ascent + n.height + m.note_spacing + m.note_ascent;
            y
        })
        .collect()
}

/// The galley line holding printed position `pos`.
fn line_of(lines: &[GalleyLine], pos: usize) -> usize {
    lines
        .partition_point(|l| l.range.end <= pos)
        .min(lines.len() - 1)
}

/// The series placed at the end of the edition, with `page.line` references.
fn endnotes(
    spec: &Spec,
    setter: &ApparatusSetter,
    pages: &[Range<usize>],
    front_pages: usize,
    plan: &mut Plan,
) {
    let end_series = (0..spec.series.len()).filter(|&s| spec.series[s].placement == Placement::End);
    for series in end_series {
        let mut tokens: Vec<SetToken> = vec![];
        let mut doc_line = 0u32;
        for (k, r) in pages.iter().enumerate() {
            let page_no = front_pages + k + 1;
            let (page_tokens, placed) =
                setter.series_tokens(series, r.start, r.end - 1, doc_line, page_no, true);
            doc_line += numbered(&setter.lines[r.clone()]);
            if let Some(first) = page_tokens.first()
                && !tokens.is_empty()
                && !setter.per_line[series]
            {
                tokens.push(SetToken {
                    token: markup::sep_token(true),
                    entry: first.entry,
                });
            }
            tokens.extend(page_tokens.into_iter().map(|t| SetToken {
                token: t.token,
                entry: t.entry,
            }));
            plan.placed.extend(placed);
        }
        if !tokens.is_empty() {
            plan.endnotes.push(EndnoteSeries { series, tokens });
        }
    }
}

/// The apparatus of one page, set.
pub struct PageApparatus {
    pub blocks: Vec<SeriesBlock>,
    /// Height, clearance included (0 without entries).
    pub height: f64,
    pub placed: Vec<PlacedEntry>,
}

/// Sets the apparatus of any run of galley lines: the page builder's trial and the final
/// pages alike.
pub struct ApparatusSetter<'a> {
    lemmata: &'a [PLemma],
    lines: &'a [GalleyLine],
    metrics: &'a Metrics,
    front_pages: usize,
    /// First and last galley line of each lemma.
    lemma_lines: Vec<(usize, usize)>,
    /// The tokens of each entry after its line reference, and their widths.
    entry_tokens: Vec<Vec<Token>>,
    entry_widths: Vec<Vec<f64>>,
    /// Width of each character of a line reference.
    number_widths: HashMap<char, f64>,
    /// Width of the separators `|` (entry) and `‖` (line).
    sep_width: [f64; 2],
    /// Lemmata by the galley line they start on.
    by_line: Vec<Vec<usize>>,
    foot_series: Vec<usize>,
    /// Per series: each entry on a line of its own.
    per_line: Vec<bool>,
    restart: bool,
    every: u32,
}

impl<'a> ApparatusSetter<'a> {
    fn new(spec: &Spec, p: &'a Printed, galley: &'a Galley) -> Self {
        let lines = &galley.lines;
        let measured = &galley.measurements;
        let lemma_lines: Vec<(usize, usize)> = p
            .lemmata
            .iter()
            .map(|l| {
                let last = l.range.end.saturating_sub(1).max(l.range.start);
                (line_of(lines, l.range.start), line_of(lines, last))
            })
            .collect();
        let entry_tokens: Vec<Vec<Token>> = p
            .lemmata
            .iter()
            .zip(&lemma_lines)
            .map(|(l, &(first, _))| markup::entry_tokens(spec, p, l, rank(p, l, &lines[first])))
            .collect();
        let entry_widths = entry_tokens
            .iter()
            .map(|ts| ts.iter().map(|t| measured.token_width(t)).collect())
            .collect();
        let mut by_line: Vec<Vec<usize>> = vec![vec![]; lines.len()];
        for (k, &(first, _)) in lemma_lines.iter().enumerate() {
            by_line[first].push(k);
        }
        ApparatusSetter {
            lemmata: &p.lemmata,
            lines,
            metrics: &measured.metrics,
            front_pages: galley.front_pages,
            lemma_lines,
            entry_tokens,
            entry_widths,
            number_widths: measured.number_widths(),
            sep_width: [false, true].map(|line| measured.token_width(&markup::sep_token(line))),
            by_line,
            foot_series: (0..spec.series.len())
                .filter(|&s| spec.series[s].placement == Placement::Foot)
                .collect(),
            per_line: spec
                .series
                .iter()
                .map(|s| s.arrangement == Arrangement::OnePerLine)
                .collect(),
            restart: spec.layout.line_numbers.restart == Restart::Page,
            every: (*spec.layout.line_numbers.every.get_ref()).max(1) as u32,
        }
    }

    /// Height (incl. clearance) of the apparatus of a page holding lines s..=e: the page
    /// builder's trial, which needs only the number of lines.
    fn apparatus_height(&self, s: usize, e: usize, doc_line: u32, page_no: usize) -> f64 {
        self.apparatus(s, e, doc_line, page_no, false).height
    }

    /// The printed number of galley line `line` on the page starting at line `s`.
    fn number_of(&self, s: usize, line: usize, doc_line: u32) -> u32 {
        let local = numbered(&self.lines[s..=line]);
        if self.restart {
            local
        } else {
            doc_line + local
        }
    }

    /// The reference of a lemma on lines `first..=last` of the page holding `s..=e`:
    /// `12`, `12–13`, or across the page `12–6.2`; and the printed number of its last line.
    fn reference(
        &self,
        s: usize,
        e: usize,
        (first, last): (usize, usize),
        doc_line: u32,
        page_no: usize,
    ) -> (u32, String) {
        let first_no = self.number_of(s, first, doc_line);
        if last == first {
            (first_no, first_no.to_string())
        } else if last <= e {
            let last_no = self.number_of(s, last, doc_line);
            (last_no, format!("{first_no}–{last_no}"))
        } else {
            // The lemma ends on the next page: its line there.
            let local = numbered(&self.lines[e + 1..=last]);
            let last_no = if self.restart {
                local
            } else {
                doc_line + numbered(&self.lines[s..=e]) + local
            };
            (last_no, format!("{first_no}–{}.{last_no}", page_no + 1))
        }
    }

    /// Tokens of one series' entries whose lemmata start on lines s..=e (a page), with the
    /// placement of each. `end`: endnotes, whose references carry the page (`5.12`).
    fn series_tokens(
        &self,
        series: usize,
        s: usize,
        e: usize,
        doc_line: u32,
        page_no: usize,
        end: bool,
    ) -> (Vec<MeasuredToken>, Vec<PlacedEntry>) {
        let mut tokens: Vec<MeasuredToken> = vec![];
        let mut placed = vec![];
        let per_line = self.per_line[series];
        // The previous entry's first line and reference.
        let mut previous: Option<(usize, String)> = None;
        for k in (s..=e).flat_map(|line| self.by_line[line].iter().copied()) {
            let lemma = &self.lemmata[k];
            if lemma.series != series {
                continue;
            }
            let entry = lemma.entry;
            let first_line = self.lemma_lines[k].0;
            let (last, mut reference) =
                self.reference(s, e, self.lemma_lines[k], doc_line, page_no);
            if end {
                reference = format!("{page_no}.{reference}");
            }
            // `|` between entries of one line, `‖` before a new line; the reference is
            // printed at a new line, and again where a range makes it differ (`6 a] … |
            // 6–7 b]`). One-per-line series: each entry on a line of its own, its reference
            // first, no separators.
            let same_line = previous.as_ref().is_some_and(|(l, _)| *l == first_line);
            if previous.is_some() && !per_line {
                let width = self.sep_width[usize::from(!same_line)];
                tokens.push(MeasuredToken {
                    token: markup::sep_token(!same_line),
                    entry,
                    width,
                });
            }
            if per_line || !same_line || previous.as_ref().is_some_and(|(_, r)| *r != reference) {
                let width = reference
                    .chars()
                    .map(|c| self.number_widths.get(&c).copied().unwrap_or(0.0))
                    .sum();
                tokens.push(MeasuredToken {
                    token: markup::number_atoms(&reference),
                    entry,
                    width,
                });
            }
            for (token, width) in self.entry_tokens[k].iter().zip(&self.entry_widths[k]) {
                tokens.push(MeasuredToken {
                    token: token.clone(),
                    entry,
                    width: *width,
                });
            }
            placed.push(PlacedEntry {
                entry,
                page: page_no,
                first: self.number_of(s, first_line, doc_line),
                last,
                end,
            });
            previous = Some((first_line, reference));
        }
        (tokens, placed)
    }

    /// The apparatus of a page holding lines s..=e. `even`: choose the evenest line breaks
    /// (see [`break_apparatus`]).
    fn apparatus(
        &self,
        s: usize,
        e: usize,
        doc_line: u32,
        page_no: usize,
        even: bool,
    ) -> PageApparatus {
        let mut blocks: Vec<SeriesBlock> = vec![];
        let mut total_lines = 0usize;
        let mut placed = vec![];
        let breaker = ApparatusMeasure {
            width: self.metrics.text_width,
            space: self.metrics.space,
            hang: self.metrics.app_hang,
        };
        for &series in &self.foot_series {
            let (tokens, p) = self.series_tokens(series, s, e, doc_line, page_no, false);
            placed.extend(p);
            if tokens.is_empty() {
                continue;
            }
            let lines = if self.per_line[series] {
                // Entry by entry; continuation lines are indented.
                let mut lines = vec![];
                for entry in tokens.chunk_by(|a, b| a.entry == b.entry) {
                    lines.extend(break_apparatus(entry.to_vec(), &breaker, true, even));
                }
                lines
            } else {
                break_apparatus(tokens, &breaker, false, even)
            };
            total_lines += lines.len();
            blocks.push(SeriesBlock { series, lines });
        }
        let m = self.metrics;
        let height = if blocks.is_empty() {
            0.0
        } else {
            m.app_base
                + m.app_series * blocks.len() as f64
                + m.app_line * total_lines as f64
                + m.app_clearance
        };
        PageApparatus {
            blocks,
            height,
            placed,
        }
    }
}

/// The rank of a lemma occurring more than once on its first printed line (`och²`).
fn rank(p: &Printed, lemma: &PLemma, line: &GalleyLine) -> Option<usize> {
    let words = &p.doc[lemma.range.clone()];
    let hits: Vec<usize> = crate::text::find_in(&p.doc[line.range.clone()], words)
        .into_iter()
        .map(|m| m.start + line.range.start)
        .collect();
    if hits.len() < 2 {
        return None;
    }
    hits.iter()
        .position(|&h| h == lemma.range.start)
        .map(|r| r + 1)
}

/// The measure apparatus lines are broken to.
#[derive(Debug, Clone, Copy)]
pub struct ApparatusMeasure {
    /// The text block's width.
    pub width: f64,
    /// A word space.
    pub space: f64,
    /// Indent of an entry's continuation lines in a one-per-line series.
    pub hang: f64,
}

/// Breaks a series block into lines over measured token widths (apparat forces these
/// breaks in the markup); with `hanging`, lines after the first are `hang` narrower.
///
/// A line never ends with a separator or a line reference: they stay with the lemma that
/// follows (`‖ 9 lemma]`, never `‖ 9` at a line's end). The number of lines is the fewest
/// first-fit makes under that rule (first fit is optimal for the count). With `even`, the
/// breaks are then chosen among all with that count to spread the slack of the justified
/// lines most evenly (least sum of squared slack, the last line free), so the page plan —
/// which depends only on the count — is unchanged.
pub fn break_apparatus(
    tokens: Vec<MeasuredToken>,
    measure: &ApparatusMeasure,
    hanging: bool,
    even: bool,
) -> Vec<Vec<SetToken>> {
    let hang = if hanging { measure.hang } else { 0.0 };
    let avail = |line: usize| measure.width - 0.5 - if line > 0 { hang } else { 0.0 };
    let units = Units::new(&tokens, measure.space);
    let mut ends = units.first_fit(&avail);
    if even
        && ends.len() > 1
        && let Some(even_ends) = units.evenest(ends.len(), &avail)
    {
        ends = even_ends;
    }
    // Lines from unit boundaries.
    let mut out: Vec<Vec<SetToken>> = Vec::with_capacity(ends.len());
    let mut tokens = tokens.into_iter();
    let mut prev = 0;
    for &end in &ends {
        let till = units.starts.get(end).copied().unwrap_or(usize::MAX);
        let first = units.starts[prev];
        out.push(
            tokens
                .by_ref()
                .take(till.saturating_sub(first))
                .map(|t| SetToken {
                    token: t.token,
                    entry: t.entry,
                })
                .collect(),
        );
        prev = end;
    }
    out
}

/// Runs of tokens no line may end inside, with their widths (prefix sums).
struct Units {
    /// Index of each unit's first token.
    starts: Vec<usize>,
    /// `prefix[k]`: the width of units 0..k without spaces between them.
    prefix: Vec<f64>,
    space: f64,
}

impl Units {
    fn new(tokens: &[MeasuredToken], space: f64) -> Units {
        let mut starts = vec![];
        let mut widths: Vec<f64> = vec![];
        let mut glued = false;
        for (i, t) in tokens.iter().enumerate() {
            match widths.last_mut() {
                Some(w) if glued => *w += space + t.width,
                _ => {
                    starts.push(i);
                    widths.push(t.width);
                }
            }
            glued = !markup::may_end_line(&t.token);
        }
        let mut prefix = vec![0.0; widths.len() + 1];
        for (k, w) in widths.iter().enumerate() {
            prefix[k + 1] = prefix[k] + w;
        }
        Units {
            starts,
            prefix,
            space,
        }
    }

    fn len(&self) -> usize {
        self.starts.len()
    }

    /// Width of units i..j set on one line.
    fn width(&self, i: usize, j: usize) -> f64 {
        self.prefix[j] - self.prefix[i] + self.space * (j - i - 1) as f64
    }

    /// First fit: the fewest lines; element k is the unit after line k.
    fn first_fit(&self, avail: &dyn Fn(usize) -> f64) -> Vec<usize> {
        let n = self.len();
        let mut ends: Vec<usize> = vec![];
        let mut start = 0;
        for j in 1..=n {
            if j - start > 1 && self.width(start, j) > avail(ends.len()) {
                ends.push(j - 1);
                start = j - 1;
            }
        }
        if n > 0 {
            ends.push(n);
        }
        ends
    }

    /// The breaks into exactly `lines` lines with the least sum of squared slack (the last
    /// line free), if there are any.
    fn evenest(&self, lines: usize, avail: &dyn Fn(usize) -> f64) -> Option<Vec<usize>> {
        let n = self.len();
        // best[k][j]: least cost of setting units 0..j in k lines.
        let mut best = vec![vec![f64::INFINITY; n + 1]; lines + 1];
        let mut from = vec![vec![0usize; n + 1]; lines + 1];
        best[0][0] = 0.0;
        for k in 1..=lines {
            for j in 1..=n {
                for i in (0..j).rev() {
                    let w = self.width(i, j);
                    if i + 1 < j && w > avail(k - 1) {
                        break;
                    }
                    if best[k - 1][i].is_finite() {
                        let slack = avail(k - 1) - w;
                        let cost = best[k - 1][i] + if j == n { 0.0 } else { slack * slack };
                        if cost < best[k][j] {
                            best[k][j] = cost;
                            from[k][j] = i;
                        }
                    }
                }
            }
        }
        if !best[lines][n].is_finite() {
            return None;
        }
        let mut ends = vec![0; lines];
        let mut j = n;
        for k in (1..=lines).rev() {
            ends[k - 1] = j;
            j = from[k][j];
        }
        Some(ends)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markup::Atom;

    /// A galley line of block `block`; `kind`: 'h' heading, 'p' paragraph line.
    fn line(block: usize, y: f64, numbered: bool) -> GalleyLine {
        GalleyLine {
            block,
            range: 0..0,
            baseline: y,
            cap: 7.0,
            hyphen: false,
            numbered,
            first_of_block: false,
            last_of_block: false,
        }
    }

    /// Lines of paragraphs of the given lengths, 12 pt apart, block edges marked.
    fn paragraphs(lengths: &[usize]) -> Vec<GalleyLine> {
        let mut lines = vec![];
        for (block, &n) in lengths.iter().enumerate() {
            for k in 0..n {
                let mut l = line(block, 7.0 + 12.0 * lines.len() as f64, true);
                l.first_of_block = k == 0;
                l.last_of_block = k + 1 == n;
                lines.push(l);
            }
        }
        lines
    }

    fn word(w: &str, entry: usize, width: f64) -> MeasuredToken {
        MeasuredToken {
            token: vec![Atom::Text("app-text", w.into())].into(),
            entry,
            width,
        }
    }

    fn number(n: &str, entry: usize, width: f64) -> MeasuredToken {
        MeasuredToken {
            token: markup::number_atoms(n),
            entry,
            width,
        }
    }

    fn separator(entry: usize) -> MeasuredToken {
        MeasuredToken {
            token: markup::sep_token(true),
            entry,
            width: 5.0,
        }
    }

    const MEASURE: ApparatusMeasure = ApparatusMeasure {
        width: 100.5,
        space: 4.0,
        hang: 10.0,
    };

    /// Tokens per line.
    fn counts(lines: &[Vec<SetToken>]) -> Vec<usize> {
        lines.iter().map(|l| l.len()).collect()
    }

    #[test]
    fn apparatus_lines_fill_first_fit_and_keep_references_with_their_lemma() {
        // 1 a] b c ‖ 2 d] e: the `‖ 2` pair would end the first line under plain first fit.
        let tokens = vec![
            number("1", 0, 6.0),
            word("a]", 0, 20.0),
            word("b", 0, 20.0),
            word("c", 0, 20.0),
            separator(1),
            number("2", 1, 6.0),
            word("d]", 1, 30.0),
            word("e", 1, 20.0),
        ];
        let lines = break_apparatus(tokens.clone(), &MEASURE, false, false);
        // 6+4+20+4+20+4+20+4+5+4+6 = 97 fits, but then `d]` does not: the separator and
        // the number move on with it.
        assert_eq!(counts(&lines), vec![4, 4]);
        for l in &lines {
            assert!(markup::may_end_line(&l.last().unwrap().token));
        }
    }

    #[test]
    fn even_breaks_keep_the_line_count_and_spread_the_slack() {
        // On a measure of 100: first fit sets 60 30 | 50 | 50 10, leaving 50 pt of slack on
        // the second line; 60 | 30 50 | 50 10 has the same count and evener lines.
        let tokens: Vec<MeasuredToken> = [60.0, 30.0, 50.0, 50.0, 10.0]
            .iter()
            .enumerate()
            .map(|(i, w)| word(&i.to_string(), 0, *w))
            .collect();
        let first_fit = break_apparatus(tokens.clone(), &MEASURE, false, false);
        let even = break_apparatus(tokens.clone(), &MEASURE, false, true);
        assert_eq!(counts(&first_fit), vec![2, 1, 2]);
        assert_eq!(counts(&even), vec![1, 2, 2]);
    }

    #[test]
    fn hanging_lines_are_narrower() {
        let tokens: Vec<MeasuredToken> = (0..4).map(|i| word(&i.to_string(), 0, 45.0)).collect();
        // Two words fit on the full measure (94 ≤ 100), but not on a hanging line (90).
        let flush = break_apparatus(tokens.clone(), &MEASURE, false, false);
        let hung = break_apparatus(tokens.clone(), &MEASURE, true, false);
        assert_eq!(counts(&flush), vec![2, 2]);
        assert_eq!(counts(&hung), vec![2, 1, 1]);
    }

    #[test]
    fn pages_take_what_fits_with_the_apparatus() {
        // Ten lines of one paragraph; 12 pt a line; a text block of 60 pt holds 5.
        let lines = paragraphs(&[10]);
        let pages = page_ranges(&lines, 60.0, 0, |_, _, _, _| 0.0).unwrap();
        assert_eq!(pages, vec![0..5, 5..10]);
        // An apparatus of 24 pt for any line from 2 on takes two lines' room.
        let pages = page_ranges(
            &lines,
            60.0,
            0,
            |s, e, _, _| if e >= 2 && s <= 2 { 24.0 } else { 0.0 },
        )
        .unwrap();
        assert_eq!(pages[0], 0..3);
    }

    #[test]
    fn pages_never_leave_widows_orphans_or_a_heading_at_the_foot() {
        // A paragraph of 4 lines, a heading, a paragraph of 6 lines; 5 lines a page.
        let mut lines = paragraphs(&[4, 1, 6]);
        lines[4].numbered = false; // the heading
        let pages = page_ranges(&lines, 60.0, 0, |_, _, _, _| 0.0).unwrap();
        // Page 1 may not end with the heading (line 4) nor leave it with one line: it ends
        // after the first paragraph.
        assert_eq!(pages[0], 0..4);
        for r in &pages[..pages.len() - 1] {
            assert!(
                !bad_break(&lines, r.end - 1),
                "bad break after line {}",
                r.end - 1
            );
        }
        // A widow: a 6-line paragraph on 5-line pages breaks 4 + 2, not 5 + 1.
        let lines = paragraphs(&[6]);
        let pages = page_ranges(&lines, 60.0, 0, |_, _, _, _| 0.0).unwrap();
        assert_eq!(pages, vec![0..4, 4..6]);
    }

    #[test]
    fn an_apparatus_taller_than_the_page_names_its_line_and_page() {
        let lines = paragraphs(&[10]);
        let r = page_ranges(
            &lines,
            60.0,
            4,
            |_, e, _, _| if e >= 7 { 100.0 } else { 0.0 },
        );
        // Page 5 takes lines 0–3 (a widow rule keeps two), page 6 cannot take line 7's notes.
        let (line, page) = r.unwrap_err();
        assert!(line <= 7);
        assert!(page >= 6);
    }

    #[test]
    fn margin_notes_stack_downwards() {
        let m = Metrics {
            note_ascent: 6.0,
            note_spacing: 2.0,
            ..Metrics::default()
        };
        let notes = [
            NoteBox {
                want: 10.0,
                height: 20.0,
            },
            NoteBox {
                want: 12.0,
                height: 10.0,
            },
            NoteBox {
                want: 100.0,
                height: 10.0,
            },
        ];
        // The first ends at 10 - 6 + 20 = 24; the second starts its box 2 pt lower, so its
        // baseline is 24 + 2 + 6 = 32; the third is free.
        assert_eq!(stack_notes(&notes, &m), vec![10.0, 32.0, 100.0]);
    }

    #[test]
    fn line_numbers_count_paragraph_lines_only() {
        let mut lines = paragraphs(&[1, 12]);
        lines[0].numbered = false;
        let numbers = line_numbers(&lines, 0..13, 0, 5);
        assert_eq!(
            numbers.iter().map(|n| n.number).collect::<Vec<_>>(),
            vec![5, 10]
        );
        // The fifth paragraph line is galley line 5, 12 pt a line below the top line.
        assert_eq!(numbers[0].y, 7.0 + 12.0 * 5.0 - (7.0 - 7.0));
        // Counting on from 8 earlier lines: 10 falls on the second line.
        let numbers = line_numbers(&lines, 0..13, 8, 5);
        assert_eq!(numbers[0].number, 10);
    }
}
