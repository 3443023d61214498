//! Layout step 2 — compose: the galley and the measurements become a [`Plan`] of pages.
//! Pure Rust, no Typst: everything here is decided over numbers read back from the galley.
//!
//! The page builder works like TeX's: a line joins the page together with the apparatus
//! entries it carries, or both move on to the next page — nothing can oscillate. Apparatus
//! lines are broken here over measured token widths (the fewest lines, then the best breaks
//! with that number, words hyphenated where the spaces would otherwise stretch too far;
//! separators and references stay with their lemma), so their number is known, not
//! guessed. Widows, orphans, headings at the foot and hyphenated page ends are avoided here;
//! line numbers are assigned and margin notes stacked here.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use crate::diag::{Diagnostic, Diagnostics, Result};
use crate::markup::{self, Emit, LineBreak, PLemma, Printed, SetToken, Token};
use crate::spec::{Arrangement, Placement, Restart, SeriesOrder, Spec};
use crate::text::BlockKind;

use super::galley::{Galley, GalleyLine, Metrics};
use super::hyphen::{self, Hyphenator, MeasuredSplit};

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
    /// Empty body lines above the apparatus of each body page but the last (the space the
    /// page builder left, in body line pitches).
    pub empty_lines: Vec<f64>,
    pub warnings: Vec<Diagnostic>,
    /// Where each galley line was placed (index: galley line), for cross-references.
    pub lines: Vec<PlannedLine>,
    /// The translation's pages, with a facing translation.
    pub facing: Option<FacingPlan>,
}

/// A body line in its place: what cross-references cite.
#[derive(Debug, Clone)]
pub struct PlannedLine {
    /// Printed bytes on the line.
    pub range: Range<usize>,
    /// Index into `Plan::pages`.
    pub page: usize,
    /// Its printed line number (a verse's turnover: its verse's).
    pub number: u32,
    /// Baseline, pt from the page's top.
    pub y: f64,
    /// The section of the reference system it belongs to (index into `Printed::sections`).
    pub section: Option<usize>,
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
    /// The section in force at the top of the page, for the running head: the printed
    /// range of the level-1 heading that opens the page, else of the last one before it.
    pub section: Option<Range<usize>>,
    /// An opening page (the first body page, or one a section opens at the top of): by book
    /// convention it carries a folio but no running head.
    pub opening: bool,
    /// The numbers of the `[[section]]`s that begin on the page, beside their first lines.
    pub section_marks: Vec<SectionMark>,
    /// The `[[section]]`s the page holds (`3–5`), for its running head.
    pub sections: Option<String>,
}

/// A section's number in the margin.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionMark {
    pub n: String,
    /// Baseline of the line it begins on, pt below the text block's top.
    pub y: f64,
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
    /// The first `carried` lines continue a note from the page before.
    pub carried: usize,
    /// The last line's note continues on the next page.
    pub continues: bool,
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
    /// Where the token (a word of a reading or note) may be hyphenated.
    pub splits: Splits,
}

/// A token's hyphenation points with their pieces' widths (shared: most have none).
pub(crate) type Splits = Arc<[MeasuredSplit]>;

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
    /// The reference as the apparatus prints it (`12`, `12–6.2`, `3.12`; among the endnotes
    /// with its page, `5.12`).
    pub reference: String,
    /// A note on a facing translation (its series annotates the translation).
    pub translation: bool,
}

/// The number of numbered lines among `lines` (paragraph lines and verses; a verse's
/// turnovers are not counted).
pub fn numbered(lines: &[GalleyLine]) -> u32 {
    lines.iter().filter(|l| super::verse::counted(l)).count() as u32
}

/// A translation set facing the original (see [`super::facing`]).
pub struct Facing<'a> {
    pub spec: &'a Spec,
    pub printed: &'a Printed,
    pub galley: &'a Galley,
    /// Where aligned chunks start: printed offsets in the original and the translation.
    pub chunks: &'a [(usize, usize)],
    pub side: crate::spec::Side,
    /// The translation's lines are numbered.
    pub numbered: bool,
    /// Side by side in two columns of each page, not on facing pages.
    pub columns: bool,
}

/// The translation's pages, facing the original's (or, in columns, its column of each of
/// the original's pages: the same folios).
#[derive(Debug, Clone)]
pub struct FacingPlan {
    pub pages: Vec<Page>,
    /// Side by side in two columns of each page; `Some(true)`: the original's column is the
    /// left one.
    pub columns: Option<bool>,
    /// Where the aligned chunks start: galley lines of the original and the translation.
    pub chunks: Vec<(usize, usize)>,
    /// Where the entries of the translation's series were placed (its spec's entries).
    pub placed: Vec<PlacedEntry>,
    /// Folios left blank (after the front matter, to begin on the right side of a spread).
    pub blank: Vec<usize>,
}

/// Composes the pages of the body, their apparatus, line numbers and margin notes, and the
/// endnotes; with a translation, the pages of both texts spread by spread.
pub fn compose(spec: &Spec, p: &Printed, galley: &Galley, facing: Option<&Facing>) -> Result<Plan> {
    let setter = ApparatusSetter::new(spec, p, galley);
    let mut plan = Plan {
        front_pages: galley.front_pages,
        pages: vec![],
        endnotes: vec![],
        placed: vec![],
        emit: Emit {
            isolate: bidi_apparatus(spec, p, &setter),
            ..galley.measurements.emit(&markup::number_chars(p))
        },
        note_width: galley.measurements.metrics.note_width,
        empty_lines: vec![],
        warnings: vec![],
        lines: vec![],
        facing: None,
    };
    let (cuts, folios) = match facing {
        None => {
            let cuts = break_pages(spec, p, &setter)?;
            let folios = (0..cuts.len())
                .map(|k| galley.front_pages + k + 1)
                .collect();
            (cuts, folios)
        }
        Some(f) => {
            let (cuts, folios, facing_plan) = facing_pages(spec, p, &setter, f)?;
            plan.facing = Some(facing_plan);
            (cuts, folios)
        }
    };
    plan.empty_lines = empty_lines(&setter, &cuts);
    let side = side_pages(spec, p, &setter, &cuts, &folios)?;
    plan.pages = side.pages;
    plan.lines = side.lines;
    plan.placed = side.placed;
    plan.warnings = side.warnings;
    endnotes(spec, &setter, &cuts, &folios, &mut plan);
    let loose = super::underfull::warnings(spec, &plan, &galley.measurements);
    plan.warnings.extend(loose);
    Ok(plan)
}

/// The pages of one side as planned: pages, lines, entries placed, warnings.
struct SidePages {
    pages: Vec<Page>,
    lines: Vec<PlannedLine>,
    placed: Vec<PlacedEntry>,
    warnings: Vec<Diagnostic>,
}

/// The pages of one text from its page cuts and their folios.
fn side_pages(
    spec: &Spec,
    p: &Printed,
    setter: &ApparatusSetter,
    cuts: &[PageCut],
    folios: &[usize],
) -> Result<SidePages> {
    let lines = setter.lines;
    let mut out = SidePages {
        pages: vec![],
        lines: vec![],
        placed: vec![],
        warnings: vec![],
    };
    let mut section = None;
    // Each page's own apparatus lines, pages side by side: they depend on the page's lines
    // and the line count before it, not on what the page before carries over.
    let doc_lines: Vec<u32> = cuts
        .iter()
        .scan(0u32, |n, cut| {
            let before = *n;
            *n += numbered(&lines[cut.lines.clone()]);
            Some(before)
        })
        .collect();
    let own: Vec<_> = cuts
        .par_iter()
        .zip(folios)
        .zip(&doc_lines)
        .map(|((cut, &number), &doc_line)| {
            let (s, e) = (cut.lines.start, cut.lines.end - 1);
            setter.own_lines(s, e, doc_line, number, Breaks::Best)
        })
        .collect();
    let mut carried: Vec<Vec<Vec<SetToken>>> = vec![vec![]; setter.foot_series.len()];
    for (k, ((cut, &number), own)) in cuts.iter().zip(folios).zip(own).enumerate() {
        let r = cut.lines.clone();
        let doc_line = doc_lines[k];
        let (apparatus, placed) = setter.page_blocks(cut, own, &mut carried, doc_line, number);
        if !r.is_empty() {
            out.lines
                .extend(planned_lines(setter, r.clone(), k, doc_line));
        }
        out.placed.extend(placed);
        let first_number = match (&setter.running, r.start.checked_sub(1)) {
            _ if setter.restart => 0,
            (Some(running), Some(before)) => running[before],
            _ => doc_line,
        };
        let pieces = pieces(lines, r.clone());
        let opens_section =
            |pc: &Piece| !pc.continued && p.blocks[pc.block].kind == BlockKind::Heading(1);
        let opening = k == 0 || pieces.first().is_some_and(opens_section);
        if let Some(pc) = pieces.first().filter(|pc| opens_section(pc)) {
            section = Some(p.blocks[pc.block].range.clone());
        }
        let in_force = section.clone();
        // The sections that open further down the page are in force from the next page on.
        if let Some(pc) = pieces.iter().rev().find(|pc| opens_section(pc)) {
            section = Some(p.blocks[pc.block].range.clone());
        }
        let notes = place_notes(spec, p, setter.galley, r.clone(), number, &mut out.warnings)?;
        out.pages.push(Page {
            number,
            lines: r.clone(),
            pieces,
            apparatus,
            numbers: line_numbers(lines, r.clone(), first_number, setter.every),
            notes,
            section: in_force,
            opening,
            section_marks: section_marks(setter, r.clone()),
            sections: (!spec.sections.is_empty() && !r.is_empty())
                .then(|| super::sections::head(p, &setter.line_sections, r.start, r.end - 1))
                .flatten(),
        });
    }
    Ok(out)
}

/// Both texts broken into spreads (see [`super::facing::spreads`]): the original's cuts
/// and folios, and the translation's pages.
fn facing_pages(
    spec: &Spec,
    p: &Printed,
    setter: &ApparatusSetter,
    f: &Facing,
) -> Result<(Vec<PageCut>, Vec<usize>, FacingPlan)> {
    let tsetter = ApparatusSetter::new(f.spec, f.printed, f.galley);
    let (bo, bt) = (
        setter.builder(min_text(spec)),
        tsetter.builder(min_text(spec)),
    );
    let original = super::facing::Side {
        builder: &bo,
        series_lines: |a: usize, b: usize, d: u32, n: usize| setter.series_lines(a, b, d, n),
    };
    let translation = super::facing::Side {
        builder: &bt,
        series_lines: |a: usize, b: usize, d: u32, n: usize| tsetter.series_lines(a, b, d, n),
    };
    let chunks: Vec<(usize, usize)> = f
        .chunks
        .iter()
        .map(|&(o, t)| (line_of(setter.lines, o), line_of(tsetter.lines, t)))
        .collect();
    // The original on the left (a verso, even folio) unless the translation takes it; in
    // columns, both on one page from the first after the front matter.
    let original_left = f.side == crate::spec::Side::Recto;
    let first = setter.front_pages + 1;
    let first_left = if f.columns {
        first
    } else {
        first.next_multiple_of(2)
    };
    let blank: Vec<usize> = (first..first_left).collect();
    let folios = |k: usize| match (f.columns, original_left) {
        (true, _) => (first + k, first + k),
        (false, true) => (first_left + 2 * k, first_left + 2 * k + 1),
        (false, false) => (first_left + 2 * k + 1, first_left + 2 * k),
    };
    let spread = super::facing::spreads(&original, &translation, &chunks, folios, f.columns);
    let (co, ct) = spread.map_err(|(side, line, page_no)| {
        if side == 0 {
            apparatus_too_tall(spec, p, setter, line, page_no)
        } else {
            Diagnostics(vec![Diagnostic::error(format!(
                "line {} of the translation does not fit on page {page_no}",
                line + 1
            ))])
        }
    })?;
    let fo: Vec<usize> = (0..co.len()).map(|k| folios(k).0).collect();
    let ft: Vec<usize> = (0..ct.len()).map(|k| folios(k).1).collect();
    let mut side = side_pages(f.spec, f.printed, &tsetter, &ct, &ft)?;
    if !f.numbered {
        side.pages.iter_mut().for_each(|pg| pg.numbers.clear());
    }
    Ok((
        co,
        fo,
        FacingPlan {
            pages: side.pages,
            columns: f.columns.then_some(original_left),
            chunks,
            placed: side.placed,
            blank,
        },
    ))
}

impl Plan {
    /// The folio of the last body page (a facing translation's pages included); the last
    /// front page's without body pages.
    pub fn last_folio(&self) -> usize {
        self.pages
            .iter()
            .chain(self.facing.iter().flat_map(|f| &f.pages))
            .map(|p| p.number)
            .max()
            .unwrap_or(self.front_pages)
    }
}

/// The lines `r` of page `k` in their places; `doc_line`: numbered lines before the page.
fn planned_lines(
    setter: &ApparatusSetter,
    r: Range<usize>,
    k: usize,
    doc_line: u32,
) -> Vec<PlannedLine> {
    let lines = setter.lines;
    let top = lines[r.start].baseline - lines[r.start].cap;
    r.clone()
        .map(|i| PlannedLine {
            range: lines[i].range.clone(),
            page: k,
            number: setter.number_of(r.start, i, doc_line),
            y: setter.metrics.top + lines[i].baseline - top,
            section: setter.line_sections.get(i).copied().flatten(),
        })
        .collect()
}

/// The series printed at the foot, in the order they stand there (see
/// [`crate::spec::SeriesOrder`]).
fn foot_series(spec: &Spec) -> Vec<usize> {
    let mut foot: Vec<usize> = (0..spec.series.len())
        .filter(|&s| spec.series[s].placement == Placement::Foot)
        .collect();
    if spec.layout.series_order == SeriesOrder::Conventional {
        foot.sort_by_key(|&s| spec.series[s].kind.conventional_rank());
    }
    foot
}

/// Breaks the galley into pages (see [`page_ranges`]), or names the entries of a line whose
/// notes cannot be placed on any page.
fn break_pages(spec: &Spec, p: &Printed, setter: &ApparatusSetter) -> Result<Vec<PageCut>> {
    let builder = setter.builder(min_text(spec));
    let trial = |start: usize, end: usize, doc_line: u32, page_no: usize| {
        setter.series_lines(start, end, doc_line, page_no)
    };
    page_ranges(&builder, trial)
        .map_err(|(line, page_no)| apparatus_too_tall(spec, p, setter, line, page_no))
}

/// `[layout] min-text`: the least share of the text block a page gives to text beside
/// continued notes.
fn min_text(spec: &Spec) -> f64 {
    spec.layout.min_text.as_ref().map_or(0.25, |v| *v.get_ref())
}

/// The space each body page but the last leaves empty above its apparatus, in body lines.
/// The galley lines that begin a heading of level `[layout] heading-new-page` or above:
/// each begins a new page, unless no text precedes it there (a heading right after the
/// title, or after another heading).
fn new_pages(spec: &Spec, p: &Printed, lines: &[GalleyLine]) -> Vec<usize> {
    let Some(level) = spec.layout.heading_new_page.as_ref() else {
        return vec![];
    };
    let level = *level.get_ref();
    let mut out = vec![];
    let mut text_before = false;
    for (i, l) in lines.iter().enumerate() {
        let opens = l.first_of_block
            && matches!(p.blocks[l.block].kind, BlockKind::Heading(h) if i64::from(h) <= level);
        if opens && text_before {
            out.push(i);
            text_before = false;
        }
        text_before |= l.numbered;
    }
    out
}

/// Whether the apparatus may mix writing directions (see [`Emit::isolate`]): the edition's
/// language is written right to left, or its text or its entries hold right-to-left letters.
fn bidi_apparatus(spec: &Spec, p: &Printed, setter: &ApparatusSetter) -> bool {
    let atom_rtl = |a: &markup::Atom| match a {
        markup::Atom::Text(_, s) | markup::Atom::Call(_, s) => markup::has_rtl(s),
        markup::Atom::Sigla(sigla) => sigla.iter().any(|s| markup::has_rtl(s)),
    };
    markup::rtl_language(spec.edition.language.get_ref())
        || markup::has_rtl(&p.doc)
        || setter
            .entry_tokens
            .iter()
            .flatten()
            .any(|t| t.iter().any(atom_rtl))
}

/// Empty body lines above the apparatus of each page but the last (and but those a heading
/// that begins a new page ends).
fn empty_lines(setter: &ApparatusSetter, cuts: &[PageCut]) -> Vec<f64> {
    let lines = setter.lines;
    let model = HeightModel::of(setter.metrics);
    let Some(pitch) = body_pitch(lines) else {
        return vec![];
    };
    let full = cuts.len().saturating_sub(1);
    cuts[..full]
        .iter()
        .filter(|c| !c.lines.is_empty() && setter.new_pages.binary_search(&c.lines.end).is_err())
        .map(|c| {
            let text = text_extent(lines, c.lines.start, c.lines.end - 1);
            ((setter.metrics.text_height - text - model.height(&c.kept)) / pitch).max(0.0)
        })
        .collect()
}

/// The height lines `start..=end` take on a page: from the first's cap height to the last's
/// baseline.
fn text_extent(lines: &[GalleyLine], start: usize, end: usize) -> f64 {
    lines[end].baseline - (lines[start].baseline - lines[start].cap)
}

/// Body lines stand a fixed distance apart: the smallest step between two lines of a
/// paragraph (`None` without two such lines).
fn body_pitch(lines: &[GalleyLine]) -> Option<f64> {
    let pitch = lines
        .windows(2)
        .filter(|w| w[0].block == w[1].block && w[1].numbered)
        .map(|w| w[1].baseline - w[0].baseline)
        .fold(f64::INFINITY, f64::min);
    pitch.is_finite().then_some(pitch)
}

/// The apparatus height: `base + series · blocks + line · lines`, plus the clearance above
/// it (0 without blocks). Measured by the template's `measure-all`.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeightModel {
    pub base: f64,
    pub series: f64,
    pub line: f64,
    pub clearance: f64,
}

impl HeightModel {
    /// The model the template measured.
    fn of(m: &Metrics) -> HeightModel {
        HeightModel {
            base: m.app_base,
            series: m.app_series,
            line: m.app_line,
            clearance: m.app_clearance,
        }
    }

    /// The height of an apparatus holding `kept[s]` lines of each series.
    pub fn height(&self, kept: &[usize]) -> f64 {
        let blocks = kept.iter().filter(|&&n| n > 0).count();
        if blocks == 0 {
            return 0.0;
        }
        let lines: usize = kept.iter().sum();
        self.base + self.series * blocks as f64 + self.line * lines as f64 + self.clearance
    }
}

/// What the page builder knows of one foot series' own apparatus on a trial page.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SeriesLines {
    /// Apparatus lines of the entries whose lemmata start on the page.
    pub own: usize,
    /// Own lines up to the one holding the last entry's reference and lemma, which stay on
    /// the lemma's page (0 without own entries).
    pub heads: usize,
    /// The series may continue at the foot of the next page.
    pub split: bool,
}

/// One page as the page builder cut it.
#[derive(Debug, Clone, PartialEq)]
pub struct PageCut {
    /// Galley lines.
    pub lines: Range<usize>,
    /// Per foot series: apparatus lines continued from the page before, at the block's head.
    pub carried: Vec<usize>,
    /// Per foot series: apparatus lines printed on this page, carried ones included; the
    /// rest continues on the next page.
    pub kept: Vec<usize>,
    /// Per foot series: the lines of the block before the cut (carried and own).
    pub total: Vec<usize>,
}

impl PageCut {
    /// Apparatus lines per series that continue on the next page.
    pub fn carry_out(&self) -> Vec<usize> {
        self.total
            .iter()
            .zip(&self.kept)
            .map(|(t, k)| t - k)
            .collect()
    }
}

/// The page builder's fixed inputs.
pub struct PageBuilder<'a> {
    pub lines: &'a [GalleyLine],
    pub text_height: f64,
    /// The least share of the text block a page gives to text while notes continue.
    pub min_text: f64,
    pub front_pages: usize,
    pub model: HeightModel,
    /// The distance between body lines: a page may leave up to one empty to keep a note's
    /// last line from continuing alone.
    pub pitch: f64,
    /// The galley lines a new page must begin with (headings that begin one,
    /// `[layout] heading-new-page`), increasing.
    pub new_pages: &'a [usize],
}

impl PageBuilder<'_> {
    /// Where the page starting at line `start` must end at the latest (exclusive): the next
    /// line that begins a new page, or the end.
    pub(super) fn limit_after(&self, start: usize) -> usize {
        let next = self.new_pages.partition_point(|&l| l <= start);
        self.new_pages
            .get(next)
            .copied()
            .unwrap_or(self.lines.len())
    }
}

/// The pages: each takes as many text lines as fit with the apparatus lines that must stay
/// with them, gives lines back where the break would be bad (see [`bad_break`]), and then
/// fills the space left with apparatus lines; what does not fit continues at the head of
/// the next page's block of its series (TeX's split insertions). `series_lines(first,
/// last, numbered lines before, page number)` sets the own apparatus of a trial page.
///
/// Every choice only shrinks what a page takes (text lines, then apparatus lines), so the
/// result cannot oscillate. `Err((line, page))`: not even line `line` fits on page `page`
/// with the notes that must go with it.
pub fn page_ranges(
    b: &PageBuilder,
    series_lines: impl Fn(usize, usize, u32, usize) -> Vec<SeriesLines>,
) -> std::result::Result<Vec<PageCut>, (usize, usize)> {
    let mut pages: Vec<PageCut> = vec![];
    let mut start = 0;
    let mut doc_line = 0u32; // numbered lines before this page (continuous numbering)
    let mut carry: Vec<usize> = vec![];
    while start < b.lines.len() {
        let page_no = b.front_pages + pages.len() + 1;
        let trial = |end: usize| {
            let mut own = series_lines(start, end, doc_line, page_no);
            own.resize(own.len().max(carry.len()), SeriesLines::default());
            own
        };
        // Where not even one line fits after the notes continued from the page before (its
        // entries must follow them), the page holds continued notes alone.
        let cut = b
            .page(start, &carry, trial, b.limit_after(start))
            .or_else(|| b.notes_only(start, &carry))
            .ok_or((start, page_no))?;
        doc_line += numbered(&b.lines[cut.lines.clone()]);
        start = cut.lines.end;
        carry = cut.carry_out();
        pages.push(cut);
    }
    if carry.iter().any(|&n| n > 0) {
        // The last page could not hold the notes that remain.
        return Err((b.lines.len() - 1, b.front_pages + pages.len()));
    }
    Ok(pages)
}

/// A page's trial settings of its apparatus (`set(end)`: the own lines of each series with
/// the text lines up to `end`), each made once.
struct Trials<F> {
    set: F,
    memo: std::cell::RefCell<HashMap<usize, Vec<SeriesLines>>>,
}

impl<F: Fn(usize) -> Vec<SeriesLines>> Trials<F> {
    fn get(&self, end: usize) -> Vec<SeriesLines> {
        if let Some(known) = self.memo.borrow().get(&end) {
            return known.clone();
        }
        let set = (self.set)(end);
        self.memo.borrow_mut().insert(end, set.clone());
        set
    }
}

impl PageBuilder<'_> {
    /// The page starting at galley line `start`, with `carry[s]` apparatus lines of series
    /// `s` continued from the page before; it ends before line `limit` (`start < limit`),
    /// where a facing text makes it end.
    pub(super) fn page(
        &self,
        start: usize,
        carry: &[usize],
        trial: impl Fn(usize) -> Vec<SeriesLines>,
        limit: usize,
    ) -> Option<PageCut> {
        let lines = self.lines;
        let trials = Trials {
            set: trial,
            memo: Default::default(),
        };
        let trial = |end: usize| trials.get(end);
        let mut carry = carry.to_vec();
        carry.resize(trial(start).len().max(carry.len()), 0);
        let carry = &carry[..];
        let fits = |end: usize, kept: &[usize]| self.fits(start, end, kept);
        let (min_end, taken) = self.continued_share(start, carry, &trial, limit)?;
        // Then text lines with all their notes, as long as they fit; the line whose notes
        // do not all fit ends the page if what must stay with it fits (its notes are split
        // there, as TeX splits an insertion), else the line before does.
        let whole = |own: &[SeriesLines]| -> Vec<usize> {
            let mut kept = required(own, carry, &taken);
            for (s, o) in own.iter().enumerate() {
                if o.heads > 0 {
                    kept[s] = carry[s] + o.own;
                }
            }
            kept
        };
        let mut end = min_end;
        while end < limit {
            let own = trial(end);
            if fits(end, &whole(&own)) {
                end += 1;
                continue;
            }
            if end > min_end && !fits(end, &required(&own, carry, &taken)) {
                end -= 1;
            }
            break;
        }
        let mut end = end.min(limit - 1);
        // A bad break there: the next good one, if the notes that must stay with its
        // lines still fit (their other lines continue), else an earlier one.
        if let Some(later) = (end + 1..limit)
            .take_while(|_| bad_break(lines, end))
            .find(|&e| e + 1 == limit || !bad_break(lines, e))
            .filter(|&e| fits(e, &required(&trial(e), carry, &taken)))
        {
            end = later;
        }
        let cut_at = |end: usize| self.cut_at(start, end, carry, &taken, &trial);
        let mut first = true;
        loop {
            let good = self.good_break(start, end, limit);
            let strict = cut_at(good);
            // A good break that would leave a hole (a long note that must stay whole behind
            // it) gives way to the bad one where that fills the page: a hyphen, an orphan
            // or a widow at the page break is the lesser evil, as TeX weighs its penalties
            // against an underfull page. A heading at the foot never is, nor a break in a
            // verse or a stanza.
            let loose = (first
                && good < end
                && !never_breaks(lines, end)
                && self.slack(&strict) > LOOSE_BREAK * self.pitch)
                .then(|| cut_at(end))
                .filter(|cut| self.slack(cut) <= self.pitch + 0.01);
            // A short stanza is kept whole only where that costs little: a break inside it
            // that saves `LOOSE_BREAK` lines or more is taken.
            let loose = loose.or_else(|| {
                let soft = (good + 1..=end)
                    .rev()
                    .find(|&e| lines[e].rather_keep && !hard_bad_break(lines, e))
                    .filter(|_| first)?;
                let cut = cut_at(soft);
                let (left, saved) = (self.slack(&cut), self.slack(&strict) - self.slack(&cut));
                (left >= -0.01 && saved + 0.01 >= LOOSE_BREAK * self.pitch).then_some(cut)
            });
            first = false;
            let cut = loose.unwrap_or(strict);
            end = cut.lines.end - 1;
            // The last page holds every note that remains: otherwise text moves on.
            if end + 1 == lines.len() && cut.kept != cut.total && end > start {
                end -= 1;
                continue;
            }
            return Some(cut);
        }
    }

    /// The page of lines `start..=end`: the apparatus lines that must stay with them, and as
    /// many of the others as fit.
    fn cut_at(
        &self,
        start: usize,
        end: usize,
        carry: &[usize],
        taken: &[usize],
        trial: &impl Fn(usize) -> Vec<SeriesLines>,
    ) -> PageCut {
        let own = trial(end);
        let total: Vec<usize> = own.iter().zip(carry).map(|(o, c)| o.own + c).collect();
        let required = required(&own, carry, taken);
        let kept = fill(&required, &total, |k| self.fits(start, end, k));
        let kept = self.no_widow(start, end, kept, &required, &total);
        PageCut {
            lines: start..end + 1,
            carried: carry.to_vec(),
            kept,
            total,
        }
    }

    /// The space a page leaves empty, in pt.
    fn slack(&self, cut: &PageCut) -> f64 {
        self.space_left(cut.lines.start, cut.lines.end - 1, &cut.kept)
    }

    /// The space lines `start..=end` leave with `kept[s]` apparatus lines of each series
    /// (negative where they do not fit).
    fn space_left(&self, start: usize, end: usize, kept: &[usize]) -> f64 {
        self.text_height - text_extent(self.lines, start, end) - self.model.height(kept)
    }

    /// A note's last line does not continue alone on the next page (an apparatus widow):
    /// where one line would, two do, if the page may give one up and still leave no more
    /// than a body line empty (a full page comes first).
    fn no_widow(
        &self,
        start: usize,
        end: usize,
        mut kept: Vec<usize>,
        required: &[usize],
        total: &[usize],
    ) -> Vec<usize> {
        for s in 0..kept.len() {
            if total[s] == kept[s] + 1 && kept[s] > required[s] {
                kept[s] -= 1;
                if self.space_left(start, end, &kept) > self.pitch + 0.01 {
                    kept[s] += 1;
                }
            }
        }
        kept
    }

    /// A page of notes continued from the page before and no text (`lines` is empty): as
    /// many of their lines as fit; `None` if there are none.
    pub(super) fn notes_only(&self, start: usize, carry: &[usize]) -> Option<PageCut> {
        let zero = vec![0; carry.len()];
        let kept = fill(&zero, carry, |k| {
            self.model.height(k) <= self.text_height + 0.01
        });
        (kept != zero).then(|| PageCut {
            lines: start..start,
            carried: carry.to_vec(),
            kept,
            total: carry.to_vec(),
        })
    }

    /// Whether lines `start..=end` fit with `kept[s]` apparatus lines of each series.
    fn fits(&self, start: usize, end: usize, kept: &[usize]) -> bool {
        self.space_left(start, end, kept) >= -0.01
    }

    /// Continued notes come first: the page starting at `start` takes as much of them as
    /// fits beside the least text it must carry (`min_text`, at least one line, and fewer
    /// where those lines bring entries that must follow a continued note). Returns the last
    /// line of that text and the continued lines taken per series; `None` if not even one
    /// line fits.
    fn continued_share(
        &self,
        start: usize,
        carry: &[usize],
        trial: &impl Fn(usize) -> Vec<SeriesLines>,
        limit: usize,
    ) -> Option<(usize, Vec<usize>)> {
        let lines = self.lines;
        let least = self.min_text * self.text_height;
        let mut min_end = (start..limit)
            .find(|&e| text_extent(lines, start, e) >= least)
            .unwrap_or(limit - 1);
        let zero = vec![0; carry.len()];
        while min_end > start
            && !self.fits(start, min_end, &required(&trial(min_end), carry, &zero))
        {
            min_end -= 1;
        }
        let own = trial(min_end);
        if !self.fits(start, min_end, &required(&own, carry, &zero)) {
            return None;
        }
        let taken = fill(&zero, carry, |t| {
            self.fits(start, min_end, &required(&own, carry, t))
        });
        Some((min_end, taken))
    }

    /// `end`, or an earlier line after which a page may end (see [`bad_break`]); the last
    /// line of the galley always may, and so may the line before `limit`.
    fn good_break(&self, start: usize, end: usize, limit: usize) -> usize {
        let lines = self.lines;
        if end + 1 >= limit {
            return end;
        }
        let mut e = end;
        while e > start && bad_break(lines, e) {
            e -= 1;
        }
        if e == start && bad_break(lines, e) {
            end
        } else {
            e
        }
    }
}

/// The apparatus lines per series that must be on a page: a series that does not split
/// prints all of its lines; a series with own entries prints what was continued from the
/// page before and its lines up to its last entry's lemma; any other prints the continued
/// lines the page took (`taken`), and at least one.
fn required(own: &[SeriesLines], carry: &[usize], taken: &[usize]) -> Vec<usize> {
    own.iter()
        .enumerate()
        .map(|(s, o)| {
            let carried = carry.get(s).copied().unwrap_or(0);
            if !o.split {
                carried + o.own
            } else if o.heads > 0 {
                carried + o.heads
            } else {
                // At least a line of it: a note never skips a page.
                taken.get(s).copied().unwrap_or(0).max(1).min(carried)
            }
        })
        .collect()
}

/// Adds apparatus lines to `kept`, series by series, while they fit, up to `total`.
fn fill(kept: &[usize], total: &[usize], fits: impl Fn(&[usize]) -> bool) -> Vec<usize> {
    let mut kept = kept.to_vec();
    for s in 0..kept.len() {
        while kept[s] < total[s] {
            kept[s] += 1;
            if !fits(&kept) {
                kept[s] -= 1;
                break;
            }
        }
    }
    kept
}

/// Not even one line fits with the notes that must stay with it: the apparatus of a series
/// that does not split, the reference and lemma of every entry, and notes continued from
/// the page before that this line's entries must follow.
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
    .with_note("a block of a series with `split = false` does not continue on the next page; every entry begins on its lemma's page, after the notes continued there; and a note continues only as long as text follows it; shorten these entries, allow the series to split, or use a series with placement = \"end\"");
    // The line's entries, or else those of the last line before it that has any: the
    // note that could not end before the text does.
    let line = (0..=line)
        .rev()
        .find(|&l| !setter.by_line[l].is_empty())
        .unwrap_or(line);
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

/// A page whose good break would leave more than this many body lines empty ends at a bad
/// break instead, where that fills it (see `PageBuilder::page`).
const LOOSE_BREAK: f64 = 2.0;

/// Whether a break after line `e` would leave a heading at the foot, or a heading with
/// fewer than two lines of its section, or break inside a verse or a stanza's kept verses:
/// never allowed.
fn never_breaks(lines: &[GalleyLine], e: usize) -> bool {
    !lines[e].numbered
        || (e > 0 && !lines[e - 1].numbered && lines[e].first_of_block)
        || lines[e].keep_with_next
}

/// A page may not end after line `e` when …
pub fn bad_break(lines: &[GalleyLine], e: usize) -> bool {
    hard_bad_break(lines, e) || lines[e].rather_keep // … or inside a short stanza
}

/// [`bad_break`] but for the short stanzas kept whole where a page can stay full.
fn hard_bad_break(lines: &[GalleyLine], e: usize) -> bool {
    let l = &lines[e];
    let next = lines.get(e + 1);
    !l.numbered // … it is a title or heading line (keep with what follows)
        || l.hyphen // … the last word is hyphenated
        || (l.first_of_block && !l.last_of_block) // … an orphan: a paragraph's first line alone
        || next.is_some_and(|n| n.last_of_block && !n.first_of_block) // … a widow would follow
        || (e > 0 && !lines[e - 1].numbered && l.first_of_block) // … a heading keeps two lines
        || l.keep_with_next // … inside a verse, or a stanza would leave one verse alone
}

/// The numbers of the marked sections that begin on lines `r`, beside their first lines.
fn section_marks(setter: &ApparatusSetter, r: Range<usize>) -> Vec<SectionMark> {
    if r.is_empty() {
        return vec![];
    }
    let lines = setter.lines;
    let top = lines[r.start].baseline - lines[r.start].cap;
    let starts = &setter.section_starts;
    let first = starts.partition_point(|&l| l < r.start);
    let mut marks: Vec<SectionMark> = vec![];
    for k in first..starts.partition_point(|&l| l < r.end) {
        let s = &setter.sections[k];
        if s.marked {
            let y = lines[starts[k]].baseline - top;
            // Two sections beginning on one line share its mark: `3 4`.
            match marks.last_mut() {
                Some(m) if (m.y - y).abs() < 1e-6 => m.n = format!("{} {}", m.n, s.n),
                _ => marks.push(SectionMark { n: s.n.clone(), y }),
            }
        }
    }
    marks
}

/// The printed line numbers of a page's lines `r`: every `every`-th numbered line, counting
/// on from `before` (the number of the line before the page, 0 where numbering restarts),
/// and from 0 again at a line marked `restart`.
pub fn line_numbers(
    lines: &[GalleyLine],
    r: Range<usize>,
    before: u32,
    every: u32,
) -> Vec<LineNumber> {
    if r.is_empty() {
        return vec![];
    }
    let top = lines[r.start].baseline - lines[r.start].cap;
    let mut n = before;
    let mut out = vec![];
    for l in &lines[r] {
        if l.restart {
            n = 0;
        }
        if !super::verse::counted(l) {
            continue;
        }
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
    if r.is_empty() {
        return Ok(vec![]);
    }
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
    let stacked = stack_notes(&wanted, m, body_pitch(lines).unwrap_or(0.0));
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
        let width = galley
            .measurements
            .note_widths
            .get(i)
            .copied()
            .unwrap_or(0.0);
        if width > m.note_width + 0.5 {
            warnings.push(
                Diagnostic::warning(format!(
                    "overfull {} on page {page_no} ({:.1} pt too wide): it runs out of the note column",
                    note.label,
                    width - m.note_width
                ))
                .at(&spec.file, note.span.clone())
                .with_note(format!(
                    "a word of the note is wider than the note column ({:.1} pt) and cannot break: shorten it, put spaces in it, or widen the outer margin (`[layout] margins`)",
                    m.note_width
                )),
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

/// The first baseline of each note, in order: where it wants to be, or below the note above
/// (its height, the spacing between notes) on the next line of the text's grid (`pitch`
/// apart; 0: off the grid).
pub fn stack_notes(notes: &[NoteBox], m: &Metrics, pitch: f64) -> Vec<f64> {
    let mut next_free = f64::MIN;
    notes
        .iter()
        .map(|n| {
            let y = if n.want >= next_free {
                n.want
            } else if pitch > 0.0 {
                n.want + ((next_free - n.want) / pitch - 1e-6).ceil() * pitch
            } else {
                next_free
            };
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
    cuts: &[PageCut],
    folios: &[usize],
    plan: &mut Plan,
) {
    let end_series = (0..spec.series.len()).filter(|&s| spec.series[s].placement == Placement::End);
    for series in end_series {
        let mut tokens: Vec<SetToken> = vec![];
        let mut doc_line = 0u32;
        for (cut, &page_no) in cuts.iter().zip(folios) {
            let r = &cut.lines;
            if r.is_empty() {
                continue;
            }
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

/// Sets the apparatus of any run of galley lines: the page builder's trial and the final
/// pages alike.
pub struct ApparatusSetter<'a> {
    galley: &'a Galley,
    lemmata: &'a [PLemma],
    lines: &'a [GalleyLine],
    metrics: &'a Metrics,
    front_pages: usize,
    /// First and last galley line of each lemma.
    lemma_lines: Vec<(usize, usize)>,
    /// The tokens of each entry after its line reference, and their widths.
    entry_tokens: Vec<Vec<Token>>,
    entry_widths: Vec<Vec<f64>>,
    /// Where each of those tokens may be hyphenated.
    entry_splits: Vec<Vec<Splits>>,
    /// The splits of a token that has none.
    no_splits: Splits,
    /// Width of each character of a line reference.
    number_widths: HashMap<char, f64>,
    /// Width of the separators `|` (entry) and `‖` (line).
    sep_width: [f64; 2],
    /// Lemmata by the galley line they start on.
    by_line: Vec<Vec<usize>>,
    foot_series: Vec<usize>,
    /// Per series: each entry on a line of its own.
    per_line: Vec<bool>,
    /// Per series: a block may continue on the next page.
    split: Vec<bool>,
    restart: bool,
    /// The number of each galley line where numbering restarts at sections or poems.
    running: Option<Vec<u32>>,
    every: u32,
    /// The sections of the reference system, and the one each galley line belongs to
    /// (empty without sections).
    sections: &'a [crate::markup::PSection],
    line_sections: Vec<Option<usize>>,
    /// The galley line each section begins on.
    section_starts: Vec<usize>,
    /// The galley lines a new page begins with (see [`PageBuilder::new_pages`]).
    new_pages: Vec<usize>,
    /// References cite section and line (`[reference] cite = "section"`).
    by_section: bool,
    /// The text is a facing translation (its entries are translator's notes).
    translation: bool,
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
        // Each entry's tokens and their widths, entries side by side.
        let (entry_tokens, entry_widths): (Vec<Vec<Token>>, Vec<Vec<f64>>) = p
            .lemmata
            .par_iter()
            .zip(&lemma_lines)
            .map(|(l, &(first, _))| {
                let tokens = markup::entry_tokens(spec, p, l, rank(p, l, &lines[first]));
                let widths = tokens.iter().map(|t| measured.token_width(t)).collect();
                (tokens, widths)
            })
            .unzip();
        let hyphenator = Hyphenator::new(spec);
        let no_splits: Splits = Arc::from(Vec::new());
        // Words recur: each distinct token is split and looked up once.
        let distinct: HashSet<&Token> = entry_tokens.iter().flatten().collect();
        let known: HashMap<&Token, Splits> = distinct
            .into_par_iter()
            .map(|t| match hyphenator.measured(t, measured) {
                splits if splits.is_empty() => (t, no_splits.clone()),
                splits => (t, splits.into()),
            })
            .collect();
        let entry_splits = entry_tokens
            .iter()
            .map(|ts| ts.iter().map(|t| known[t].clone()).collect())
            .collect();
        let section_starts = super::sections::first_lines(p, lines);
        let mut by_line: Vec<Vec<usize>> = vec![vec![]; lines.len()];
        for (k, &(first, _)) in lemma_lines.iter().enumerate() {
            by_line[first].push(k);
        }
        ApparatusSetter {
            galley,
            lemmata: &p.lemmata,
            lines,
            metrics: &measured.metrics,
            front_pages: galley.front_pages,
            lemma_lines,
            entry_tokens,
            entry_widths,
            entry_splits,
            no_splits,
            number_widths: measured.number_widths(&markup::number_chars(p)),
            sep_width: [false, true].map(|line| measured.token_width(&markup::sep_token(line))),
            by_line,
            foot_series: foot_series(spec),
            per_line: spec
                .series
                .iter()
                .map(|s| s.arrangement == Arrangement::OnePerLine)
                .collect(),
            split: spec.series.iter().map(|s| s.split).collect(),
            restart: *spec.layout.line_numbers.restart.get_ref() == Restart::Page,
            running: matches!(
                spec.layout.line_numbers.restart.get_ref(),
                Restart::Section | Restart::Poem
            )
            .then(|| super::verse::running_numbers(lines)),
            every: (*spec.layout.line_numbers.every.get_ref()).max(1) as u32,
            sections: &p.sections,
            line_sections: super::sections::of_lines(&section_starts, lines.len()),
            section_starts,
            new_pages: new_pages(spec, p, lines),
            by_section: spec.reference.by_section(),
            translation: spec.text.translation,
        }
    }

    /// The number of the section galley line `line` belongs to.
    fn section_of(&self, line: usize) -> Option<&str> {
        let k = self.line_sections.get(line).copied().flatten()?;
        Some(self.sections[k].n.as_str())
    }

    /// A page builder over this setter's galley.
    fn builder(&self, min_text: f64) -> PageBuilder<'_> {
        PageBuilder {
            lines: self.lines,
            text_height: self.metrics.text_height,
            min_text,
            front_pages: self.front_pages,
            model: HeightModel::of(self.metrics),
            pitch: body_pitch(self.lines).unwrap_or(f64::INFINITY),
            new_pages: &self.new_pages,
        }
    }

    /// The printed number of galley line `line` on the page starting at line `s`.
    fn number_of(&self, s: usize, line: usize, doc_line: u32) -> u32 {
        let local = numbered(&self.lines[s..=line]);
        match &self.running {
            _ if self.restart => local,
            Some(running) => running[line],
            None => doc_line + local,
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
        let last_no = if last <= e {
            self.number_of(s, last, doc_line)
        } else {
            // The lemma ends on the next page: its line there.
            let local = numbered(&self.lines[e + 1..=last]);
            match &self.running {
                _ if self.restart => local,
                Some(running) => running[last],
                None => doc_line + numbered(&self.lines[s..=e]) + local,
            }
        };
        if self.by_section {
            let cited = super::sections::cite(
                (self.section_of(first), first_no),
                (self.section_of(last), last_no),
            );
            return (last_no, cited);
        }
        if last == first || (last <= e && last_no == first_no) {
            // One line; or a lemma running into its verse's turnover: one verse.
            (first_no, first_no.to_string())
        } else if last <= e {
            (last_no, format!("{first_no}–{last_no}"))
        } else {
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
            if end && !self.by_section {
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
                    splits: self.no_splits.clone(),
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
                    splits: self.no_splits.clone(),
                });
            }
            let splits = &self.entry_splits[k];
            for ((token, width), splits) in self.entry_tokens[k]
                .iter()
                .zip(&self.entry_widths[k])
                .zip(splits)
            {
                tokens.push(MeasuredToken {
                    token: token.clone(),
                    entry,
                    width: *width,
                    splits: splits.clone(),
                });
            }
            placed.push(PlacedEntry {
                entry,
                page: page_no,
                first: self.number_of(s, first_line, doc_line),
                last,
                end,
                reference: reference.clone(),
                translation: self.translation,
            });
            previous = Some((first_line, reference));
        }
        (tokens, placed)
    }

    /// The own apparatus lines of each foot series on a page holding lines s..=e, with the
    /// placement of its entries, broken as `breaks` says.
    fn own_lines(
        &self,
        s: usize,
        e: usize,
        doc_line: u32,
        page_no: usize,
        breaks: Breaks,
    ) -> (Vec<ApparatusLines>, Vec<PlacedEntry>) {
        let mut blocks = vec![];
        let mut placed = vec![];
        for &series in &self.foot_series {
            let (tokens, p) = self.series_tokens(series, s, e, doc_line, page_no, false);
            placed.extend(p);
            blocks.push(self.break_series(series, tokens, breaks));
        }
        (blocks, placed)
    }

    /// One series' tokens broken into lines.
    fn break_series(
        &self,
        series: usize,
        tokens: Vec<MeasuredToken>,
        breaks: Breaks,
    ) -> ApparatusLines {
        let breaker = ApparatusMeasure {
            width: self.metrics.text_width,
            space: self.metrics.space,
            hang: self.metrics.app_hang,
        };
        if tokens.is_empty() {
            return vec![];
        }
        if self.per_line[series] {
            // Entry by entry; continuation lines are indented. Only the last entry's lemma
            // may need keeping where first fit put it.
            let mut lines = vec![];
            let entries: Vec<&[MeasuredToken]> =
                tokens.chunk_by(|a, b| a.entry == b.entry).collect();
            for (k, entry) in entries.iter().enumerate() {
                let breaks = match breaks {
                    Breaks::BestKeepingHeads if k + 1 < entries.len() => Breaks::Best,
                    b => b,
                };
                lines.extend(break_apparatus(entry.to_vec(), &breaker, true, breaks));
            }
            lines
        } else {
            break_apparatus(tokens, &breaker, false, breaks)
        }
    }

    /// The page builder's trial: what each foot series' own apparatus takes on a page
    /// holding lines s..=e.
    fn series_lines(&self, s: usize, e: usize, doc_line: u32, page_no: usize) -> Vec<SeriesLines> {
        let (blocks, _) = self.own_lines(s, e, doc_line, page_no, Breaks::FirstFit);
        blocks
            .iter()
            .zip(&self.foot_series)
            .map(|(lines, &series)| SeriesLines {
                own: lines.len(),
                heads: heads(lines),
                split: self.split[series],
            })
            .collect()
    }

    /// The apparatus blocks of a page as cut: per foot series, the lines continued from the
    /// page before (`carried`), then the page's own (as `own_lines` breaks them at their best,
    /// with the placement of its entries); the lines past the cut are left in `carried` for
    /// the next page.
    fn page_blocks(
        &self,
        cut: &PageCut,
        (best, placed): (Vec<ApparatusLines>, Vec<PlacedEntry>),
        carried: &mut [ApparatusLines],
        doc_line: u32,
        page_no: usize,
    ) -> (Vec<SeriesBlock>, Vec<PlacedEntry>) {
        let (s, e) = (cut.lines.start, cut.lines.end - 1);
        let mut blocks = vec![];
        for (i, mut own) in best.into_iter().enumerate() {
            let series = self.foot_series[i];
            let carried_in = std::mem::take(&mut carried[i]);
            let kept = cut.kept[i];
            // The best breaks keep the count of lines, not where the last lemma falls: a cut
            // above it keeps the lemma on the line first fit gave it, as the page builder
            // counted.
            if kept < carried_in.len() + heads(&own) {
                let (tokens, _) = self.series_tokens(series, s, e, doc_line, page_no, false);
                own = self.break_series(series, tokens, Breaks::BestKeepingHeads);
            }
            // Nor is a word divided between this page and the next.
            let on_page = kept.saturating_sub(carried_in.len());
            if !self.per_line[series]
                && on_page > 0
                && on_page < own.len()
                && own[on_page - 1]
                    .last()
                    .is_some_and(|t| hyphen::ends_in_hyphen(&t.token))
            {
                let (tokens, _) = self.series_tokens(series, s, e, doc_line, page_no, false);
                own = self.break_series(series, tokens, Breaks::PageEndAfter(on_page));
            }
            let ends = carried_in.len();
            let mut lines: ApparatusLines = carried_in;
            lines.extend(own);
            let rest = lines.split_off(kept.min(lines.len()));
            let continues = !rest.is_empty();
            carried[i] = rest;
            if lines.is_empty() {
                continue;
            }
            blocks.push(SeriesBlock {
                series,
                carried: ends.min(lines.len()),
                continues,
                lines,
            });
        }
        (blocks, placed)
    }
}

/// A series' apparatus lines on one page.
type ApparatusLines = Vec<Vec<SetToken>>;

/// The number of lines up to the one that holds the last entry's lemma (its `]`), which
/// stays on the lemma's page; 0 without lines.
fn heads(lines: &[Vec<SetToken>]) -> usize {
    let Some(last) = lines.last().and_then(|l| l.last()).map(|t| t.entry) else {
        return 0;
    };
    let closes = |t: &SetToken| {
        t.entry == last
            && t.token
                .iter()
                .any(|a| matches!(a, markup::Atom::Call("app-close", _)))
    };
    let starts = |t: &SetToken| t.entry == last;
    lines
        .iter()
        .rposition(|l| l.iter().any(closes))
        .or_else(|| lines.iter().position(|l| l.iter().any(starts)))
        .map_or(lines.len(), |i| i + 1)
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

/// How far the word spaces of a justified apparatus line may stretch, as a fraction of a
/// space: up to 2.2 spaces (0.55 em in the bundled template; TeX's default tolerance allows
/// about as much). Breaks that stretch them further are avoided at almost any cost, and
/// where none avoids them the line is reported (`layout::underfull`).
pub(crate) const STRETCH_LIMIT: f64 = 1.2;
/// A hyphen's penalty (TeX's `\hyphenpenalty`, twice its default): a word is hyphenated
/// only where the spaces would otherwise come near the bound.
const HYPHEN_PENALTY: f64 = 100.0;
/// Two hyphenated lines in a row (TeX's `\doublehyphendemerits`, a hundred times its
/// default): taken only where every other break leaves a line loose or nearly so; three in
/// a row never.
const DOUBLE_HYPHEN_DEMERITS: f64 = 1.0e6;
/// A line ending inside a short lemma (see [`Units::new`]): taken only where every other
/// break leaves a line loose.
const LEMMA_BREAK_DEMERITS: f64 = 1.0e7;
/// A line whose spaces stretch past [`STRETCH_LIMIT`].
const LOOSE_DEMERITS: f64 = 1.0e8;

/// How apparatus lines are broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Breaks {
    /// First fit over whole words: the fewest lines, the count the page builder plans with.
    FirstFit,
    /// The best breaks into as many lines as first fit makes (see [`break_apparatus`]).
    Best,
    /// As `Best`, with the last entry's lemma on no later line than first fit sets it: for
    /// a page that keeps only the lines up to it.
    BestKeepingHeads,
    /// As `BestKeepingHeads`, and the given line (the last a page keeps) ends with a whole
    /// word, where any breaks with first fit's count do: a word is divided between two
    /// pages only where none does.
    PageEndAfter(usize),
}

/// Breaks a series block into lines over measured token widths (apparat forces these
/// breaks in the markup); with `hanging`, lines after the first are `hang` narrower.
///
/// A line never ends with a separator or a line reference: they stay with the lemma that
/// follows (`‖ 9 lemma]`, never `‖ 9` at a line's end). The number of lines is the fewest
/// first fit over whole words makes under that rule (first fit is optimal for the count),
/// and the page plan depends only on that count. The best breaks are then chosen among all
/// with that count, like TeX's paragraph builder: the word spaces of the justified lines
/// (all but the last) as even as can be and within [`STRETCH_LIMIT`], words of readings
/// and notes hyphenated where that helps (a penalty per hyphen, more for two hyphenated
/// lines in a row, never three; see [`crate::layout::hyphen`]).
pub(crate) fn break_apparatus(
    tokens: Vec<MeasuredToken>,
    measure: &ApparatusMeasure,
    hanging: bool,
    breaks: Breaks,
) -> Vec<Vec<SetToken>> {
    let hang = if hanging { measure.hang } else { 0.0 };
    let avail = |line: usize| measure.width - 0.5 - if line > 0 { hang } else { 0.0 };
    let units = Units::new(&tokens, measure.space, 0.6 * measure.width);
    let breaker = Breaker::new(&units, &tokens, &avail);
    let first_fit = breaker.first_fit(None);
    let mut ends = first_fit.clone();
    if breaks != Breaks::FirstFit && first_fit.len() > 1 {
        // The last lemma on a line the page keeps: where first fit set it, or, where the page
        // keeps lines after it, on any of them.
        let keep = match breaks {
            Breaks::BestKeepingHeads => units.heads(&tokens, &first_fit),
            Breaks::PageEndAfter(line) => units
                .heads(&tokens, &first_fit)
                .map(|(lines, unit)| (lines.max(line), unit)),
            _ => None,
        };
        let page_end = match breaks {
            Breaks::PageEndAfter(line) => Some(line),
            _ => None,
        };
        let lines = first_fit.len();
        // Where no best breaks end the page's last line with a whole word, first fit may,
        // without a line more; else the best breaks with a word divided.
        let whole = || {
            page_end
                .map(|line| breaker.first_fit(Some(line)))
                .filter(|whole| whole.len() == lines)
        };
        if let Some(best) = breaker
            .best(lines, keep, page_end)
            .or_else(whole)
            .or_else(|| breaker.best(lines, keep, None))
        {
            ends = best;
        }
    }
    units.lines(&tokens, &ends)
}

/// Runs of tokens no line may end inside, with their widths (prefix sums).
struct Units {
    /// Index of each unit's first token.
    starts: Vec<usize>,
    /// `prefix[k]`: the width of units 0..k without spaces between them.
    prefix: Vec<f64>,
    /// `short_lemma[k]`: unit `k` goes on a short lemma, so that a line ending before it
    /// divides the lemma (first fit never does; the best breaks only to spare a loose line).
    short_lemma: Vec<bool>,
    space: f64,
    tokens: usize,
}

impl Units {
    /// A line never ends after a line reference or a separator; nor inside a lemma, as
    /// long as the lemma (with its reference) stays within `lemma_width` (a short lemma on
    /// one line), unless every other break leaves a line loose.
    fn new(tokens: &[MeasuredToken], space: f64, lemma_width: f64) -> Units {
        let mut starts = vec![];
        let mut widths: Vec<f64> = vec![];
        let mut short_lemma = vec![];
        let mut glued = false;
        let mut in_lemma = false;
        // The width of the run of units a line should not end inside: a lemma so far, with
        // its reference.
        let mut run = 0.0;
        for (i, t) in tokens.iter().enumerate() {
            match widths.last_mut() {
                Some(w) if glued => {
                    *w += space + t.width;
                    run += space + t.width;
                }
                _ => {
                    let short = in_lemma && run + space + t.width <= lemma_width;
                    starts.push(i);
                    widths.push(t.width);
                    short_lemma.push(short);
                    run = if short {
                        run + space + t.width
                    } else {
                        t.width
                    };
                }
            }
            glued = !markup::may_end_line(&t.token);
            in_lemma = markup::inside_lemma(&t.token);
        }
        let mut prefix = vec![0.0; widths.len() + 1];
        for (k, w) in widths.iter().enumerate() {
            prefix[k + 1] = prefix[k] + w;
        }
        Units {
            starts,
            prefix,
            short_lemma,
            space,
            tokens: tokens.len(),
        }
    }

    fn len(&self) -> usize {
        self.starts.len()
    }

    /// The tokens of unit `u`.
    fn token_range(&self, u: usize) -> Range<usize> {
        let end = self.starts.get(u + 1).copied().unwrap_or(self.tokens);
        self.starts.get(u).copied().unwrap_or(self.tokens)..end
    }

    /// Where first fit sets the last entry's lemma (its `]`, else its first token): the
    /// number of lines up to it and the unit after it — what the page builder counted
    /// (`heads`).
    fn heads(&self, tokens: &[MeasuredToken], first_fit: &[Break]) -> Option<(usize, usize)> {
        let last = tokens.last()?.entry;
        let closes = |t: &MeasuredToken| {
            t.entry == last
                && t.token
                    .iter()
                    .any(|a| matches!(a, markup::Atom::Call("app-close", _)))
        };
        let token = tokens
            .iter()
            .rposition(closes)
            .or_else(|| tokens.iter().position(|t| t.entry == last))?;
        let unit = self
            .starts
            .partition_point(|&s| s <= token)
            .checked_sub(1)?;
        // Lines ended before the unit (a line ending inside it holds its first part).
        let lines = first_fit
            .partition_point(|end| end.unit < unit || (end.unit == unit && end.split.is_none()))
            + 1;
        Some((lines, unit + 1))
    }

    /// The lines between the breaks `ends` (the last one the end of the block).
    fn lines(&self, tokens: &[MeasuredToken], ends: &[Break]) -> Vec<Vec<SetToken>> {
        let set = |t: &MeasuredToken, token: &Token| SetToken {
            token: token.clone(),
            entry: t.entry,
        };
        let mut out = Vec::with_capacity(ends.len());
        let mut from = Break::at(0);
        for &to in ends {
            let mut line = vec![];
            let mut first = from.unit;
            if let Some(s) = from.split {
                let t = &tokens[self.starts[from.unit]];
                line.push(set(t, &t.splits[s].split.tail));
                first += 1;
            }
            let whole = self.token_range(first).start..self.token_range(to.unit).start;
            line.extend(tokens[whole].iter().map(|t| set(t, &t.token)));
            if let Some(s) = to.split {
                let t = &tokens[self.starts[to.unit]];
                line.push(set(t, &t.splits[s].split.head));
            }
            out.push(line);
            from = to;
        }
        out
    }
}

/// A place a line may end: before unit `unit`, or inside it (a word of its own) at its
/// hyphenation point `split`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Break {
    unit: usize,
    split: Option<usize>,
}

impl Break {
    fn at(unit: usize) -> Break {
        Break { unit, split: None }
    }
}

/// The best breaks of a block into a given number of lines, hyphenation points included.
struct Breaker<'a> {
    units: &'a Units,
    avail: &'a dyn Fn(usize) -> f64,
    /// Every place a line may end, in order: before each unit, then at each of its
    /// hyphenation points; last, the block's end.
    breaks: Vec<Break>,
    /// Index in `breaks` of the place before each unit (and of the end).
    before_unit: Vec<usize>,
    /// Each unit's hyphenation points (a word of its own; none for other units), with the
    /// widths of head (with its hyphen) and tail.
    splits: Vec<&'a [MeasuredSplit]>,
}

impl<'a> Breaker<'a> {
    fn new(units: &'a Units, tokens: &'a [MeasuredToken], avail: &'a dyn Fn(usize) -> f64) -> Self {
        let mut breaks = vec![];
        let mut before_unit = vec![];
        let mut splits = vec![];
        for u in 0..units.len() {
            before_unit.push(breaks.len());
            breaks.push(Break::at(u));
            let range = units.token_range(u);
            let points: &[MeasuredSplit] = match &tokens[range] {
                [one] => &one.splits,
                _ => &[],
            };
            breaks.extend((0..points.len()).map(|s| Break {
                unit: u,
                split: Some(s),
            }));
            splits.push(points);
        }
        before_unit.push(breaks.len());
        breaks.push(Break::at(units.len()));
        Breaker {
            units,
            avail,
            breaks,
            before_unit,
            splits,
        }
    }

    /// First fit: the fewest lines, each taking every unit that fits and then as much of
    /// the next as a hyphenation point allows (never three hyphenated lines in a row); the
    /// end of each line. A unit wider than a line stands alone on one. `whole`: that line
    /// (counted from 1) ends with a whole word.
    fn first_fit(&self, whole: Option<usize>) -> Vec<Break> {
        let units = self.units.len();
        let mut ends: Vec<Break> = vec![];
        let mut from = Break::at(0);
        let mut hyphens = 0;
        let mut u = 0;
        while u < units {
            let room = (self.avail)(ends.len());
            let fits = |to: Break| self.line(from, to).is_some_and(|(w, _)| w <= room);
            if fits(Break::at(u + 1)) || self.line(from, Break::at(u)).is_none() {
                u += 1;
                continue;
            }
            // A short lemma goes on whole: the line ends before it, if it holds more.
            if self.units.short_lemma[u] {
                let lemma = (0..u)
                    .rev()
                    .find(|&k| !self.units.short_lemma[k])
                    .unwrap_or(0);
                if self.line(from, Break::at(lemma)).is_some() {
                    hyphens = 0;
                    ends.push(Break::at(lemma));
                    from = Break::at(lemma);
                    u = lemma;
                    continue;
                }
            }
            // The longest head of unit `u` that still fits ends the line.
            let head = (hyphens < 2 && whole != Some(ends.len() + 1))
                .then(|| {
                    (0..self.splits[u].len())
                        .rev()
                        .map(|s| Break {
                            unit: u,
                            split: Some(s),
                        })
                        .find(|&b| fits(b))
                })
                .flatten();
            let end = head.unwrap_or(Break::at(u));
            hyphens = if head.is_some() { hyphens + 1 } else { 0 };
            ends.push(end);
            from = end;
            if head.is_some() {
                u += 1;
            }
        }
        if units > 0 {
            ends.push(Break::at(units));
        }
        ends
    }

    /// The natural width of a line from `from` to `to` and the number of its pieces
    /// (tokens and word halves: the spaces between them stretch); none for a line inside
    /// one word.
    fn line(&self, from: Break, to: Break) -> Option<(f64, usize)> {
        let first = from.unit + usize::from(from.split.is_some());
        let last = to.unit;
        if last < first {
            return None;
        }
        let units = self.units;
        let mut width = units.prefix[last] - units.prefix[first];
        let mut spaces = (last - first).saturating_sub(1);
        let mut pieces = units.token_range(last).start - units.token_range(first).start;
        if let Some(s) = from.split {
            width += self.splits[from.unit][s].tail_width;
            pieces += 1;
        }
        if let Some(s) = to.split {
            width += self.splits[to.unit][s].head_width;
            pieces += 1;
        }
        // Unit widths hold the spaces inside them; add those between the line's units and
        // word halves.
        let halves = usize::from(from.split.is_some()) + usize::from(to.split.is_some());
        if last > first {
            spaces += halves;
        } else {
            spaces = halves.saturating_sub(1);
        }
        (pieces > 0).then_some((width + units.space * spaces as f64, pieces))
    }

    /// TeX's demerits of a justified line: its badness (how far its spaces stretch, cubed),
    /// a loose line's cost, the hyphen's penalty, two hyphens in a row.
    fn demerits(&self, slack: f64, pieces: usize, from: Break, to: Break) -> f64 {
        let stretch = slack.max(0.0) / pieces.saturating_sub(1).max(1) as f64;
        let ratio = stretch / (STRETCH_LIMIT * self.units.space);
        let badness = 100.0 * ratio.powi(3);
        let mut demerits = (10.0 + badness).powi(2);
        if ratio > 1.0 {
            demerits += LOOSE_DEMERITS;
        }
        if to.split.is_none() && self.units.short_lemma.get(to.unit) == Some(&true) {
            demerits += LEMMA_BREAK_DEMERITS;
        }
        if to.split.is_some() {
            demerits += HYPHEN_PENALTY * HYPHEN_PENALTY;
            if from.split.is_some() {
                demerits += DOUBLE_HYPHEN_DEMERITS;
            }
        }
        demerits
    }

    /// The breaks into exactly `lines` lines with the least demerits (the last line free),
    /// never three hyphenated lines in a row, if there are any; `keep`: after that many
    /// lines, at least that unit must be set; `page_end`: that line ends with a whole word.
    fn best(
        &self,
        lines: usize,
        keep: Option<(usize, usize)>,
        page_end: Option<usize>,
    ) -> Option<Vec<Break>> {
        let n = self.breaks.len();
        let avail = [(self.avail)(0), (self.avail)(1)];
        let widest = avail[0].max(avail[1]);
        // State `2 * p + pair`: everything before break p set; `pair`, the lines ending at p
        // and before it both end in a hyphen. cost[k][state]: least demerits in k lines.
        let mut cost = vec![vec![f64::INFINITY; 2 * n]; lines + 1];
        let mut from = vec![vec![0usize; 2 * n]; lines + 1];
        cost[0][0] = 0.0;
        // The line counts that reach each break (a band; `0..0` none yet), so that each
        // line is weighed once, not once per count.
        let mut counts: Vec<Range<usize>> = vec![0..0; n];
        counts[0] = 0..1;
        for p in 1..n {
            let to = self.breaks[p];
            // Fewer lines than the width after p needs leave no room for it.
            let rest = self.units.prefix[self.units.len()]
                - self.units.prefix[(to.unit + 1).min(self.units.len())];
            let most = lines.saturating_sub((rest / widest) as usize);
            for q in (0..p).rev() {
                let from_break = self.breaks[q];
                let Some((width, pieces)) = self.line(from_break, to) else {
                    continue;
                };
                if width > widest && pieces > 1 {
                    break;
                }
                let hyphens = to.split.is_some() && from_break.split.is_some();
                let state = 2 * p + usize::from(hyphens);
                let mut demerits = [None, None];
                for k in counts[q].start + 1..(counts[q].end + 1).min(most + 1) {
                    let room = avail[usize::from(k > 1)];
                    let kept =
                        keep.is_none_or(|(after, unit)| after != k || p >= self.before_unit[unit]);
                    let divided = page_end == Some(k) && to.split.is_some();
                    if (width > room && pieces > 1) || !kept || divided {
                        continue;
                    }
                    let line = *demerits[usize::from(k > 1)].get_or_insert_with(|| {
                        if p + 1 == n {
                            0.0
                        } else {
                            self.demerits(room - width, pieces, from_break, to)
                        }
                    });
                    for pair_before in [0, 1] {
                        let before = cost[k - 1][2 * q + pair_before];
                        if !before.is_finite() || (hyphens && pair_before == 1) {
                            continue;
                        }
                        if before + line < cost[k][state] {
                            cost[k][state] = before + line;
                            from[k][state] = 2 * q + pair_before;
                            let band = &mut counts[p];
                            *band = if band.end == 0 {
                                k..k + 1
                            } else {
                                band.start.min(k)..band.end.max(k + 1)
                            };
                        }
                    }
                }
            }
        }
        let mut state = 2 * (n - 1);
        if !cost[lines][state].is_finite() {
            return None;
        }
        let mut ends = vec![Break::at(0); lines];
        for k in (1..=lines).rev() {
            ends[k - 1] = self.breaks[state / 2];
            state = from[k][state];
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
            turnover: false,
            restart: false,
            keep_with_next: false,
            rather_keep: false,
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
            splits: Vec::new().into(),
        }
    }

    fn number(n: &str, entry: usize, width: f64) -> MeasuredToken {
        MeasuredToken {
            token: markup::number_atoms(n),
            entry,
            width,
            splits: Vec::new().into(),
        }
    }

    fn separator(entry: usize) -> MeasuredToken {
        MeasuredToken {
            token: markup::sep_token(true),
            entry,
            width: 5.0,
            splits: Vec::new().into(),
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
        let lines = break_apparatus(tokens.clone(), &MEASURE, false, Breaks::FirstFit);
        // 6+4+20+4+20+4+20+4+5+4+6 = 97 fits, but then `d]` does not: the separator and
        // the number move on with it.
        assert_eq!(counts(&lines), vec![4, 4]);
        for l in &lines {
            assert!(markup::may_end_line(&l.last().unwrap().token));
        }
    }

    #[test]
    fn a_short_lemma_stays_on_one_line_a_long_one_may_break() {
        let lemma = |w: &str, entry: usize, width: f64, last: bool| {
            let mut atoms = vec![Atom::Text("app-lemma", w.into())];
            if last {
                atoms.push(markup::close_atom());
            }
            MeasuredToken {
                token: atoms.into(),
                entry,
                width,
                splits: Vec::new().into(),
            }
        };
        // x y z | 1 La Merci]: `| 1 La` would fit on the first line, but not `Merci]`; the
        // lemma goes on together.
        let short = vec![
            word("x", 0, 15.0),
            word("y", 0, 15.0),
            word("z", 0, 15.0),
            separator(1),
            number("1", 1, 6.0),
            lemma("La", 1, 10.0, false),
            lemma("Merci", 1, 20.0, true),
            word("B", 1, 6.0),
        ];
        let lines = break_apparatus(short, &MEASURE, false, Breaks::FirstFit);
        assert_eq!(counts(&lines), vec![3, 5]);
        // A lemma (with its reference) wider than 60 % of the line breaks where it must.
        let long = vec![
            number("1", 1, 6.0),
            lemma("Alpha", 1, 40.0, false),
            lemma("Beta", 1, 40.0, false),
            lemma("Gamma]", 1, 40.0, true),
        ];
        let lines = break_apparatus(long, &MEASURE, false, Breaks::FirstFit);
        assert_eq!(counts(&lines), vec![3, 1]);
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
        let first_fit = break_apparatus(tokens.clone(), &MEASURE, false, Breaks::FirstFit);
        let even = break_apparatus(tokens.clone(), &MEASURE, false, Breaks::Best);
        assert_eq!(counts(&first_fit), vec![2, 1, 2]);
        assert_eq!(counts(&even), vec![1, 2, 2]);
    }

    #[test]
    fn hanging_lines_are_narrower() {
        let tokens: Vec<MeasuredToken> = (0..4).map(|i| word(&i.to_string(), 0, 45.0)).collect();
        // Two words fit on the full measure (94 ≤ 100), but not on a hanging line (90).
        let flush = break_apparatus(tokens.clone(), &MEASURE, false, Breaks::FirstFit);
        let hung = break_apparatus(tokens.clone(), &MEASURE, true, Breaks::FirstFit);
        assert_eq!(counts(&flush), vec![2, 2]);
        assert_eq!(counts(&hung), vec![2, 1, 1]);
    }

    /// A word that may be hyphenated after each of `heads` (with the hyphen's width); the
    /// tails make up the rest of `width`.
    fn hyphenated(w: &str, entry: usize, width: f64, heads: &[(&str, f64)]) -> MeasuredToken {
        let text = |s: String| -> Token { vec![Atom::Text("app-note", s)].into() };
        let splits: Vec<MeasuredSplit> = heads
            .iter()
            .map(|&(head, head_width)| MeasuredSplit {
                split: crate::layout::hyphen::Split {
                    head: text(format!("{head}-")),
                    tail: text(w[head.len()..].to_string()),
                },
                head_width,
                tail_width: width - head_width + 2.0,
            })
            .collect();
        MeasuredToken {
            splits: splits.into(),
            ..word(w, entry, width)
        }
    }

    /// The text of each line, tokens joined by spaces.
    fn texts(lines: &[Vec<SetToken>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| {
                l.iter()
                    .map(|t| match &t.token[..] {
                        [Atom::Text(_, s)] => s.clone(),
                        _ => "·".into(),
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn a_word_is_hyphenated_where_the_line_before_would_be_loose_and_only_there() {
        // On a measure of 100 (space 4): `aa bb` (2 × 30) then `longword` (60) does not fit;
        // whole words leave 36 pt over one space. Hyphenated as `long-` (22) the line is full.
        let tokens = vec![
            word("aa", 0, 30.0),
            word("bb", 0, 30.0),
            hyphenated("longword", 0, 60.0, &[("long", 22.0)]),
            word("cc", 0, 30.0),
        ];
        let best = break_apparatus(tokens.clone(), &MEASURE, false, Breaks::Best);
        assert_eq!(texts(&best), ["aa bb long-", "word cc"]);
        // The plan's count is first fit's, which ends a line with the longest head that fits.
        let first_fit = break_apparatus(tokens.clone(), &MEASURE, false, Breaks::FirstFit);
        assert_eq!(texts(&first_fit), ["aa bb long-", "word cc"]);
        // Where the line is full enough without it, no hyphen.
        let mut tight = tokens.clone();
        tight[0].width = 55.0;
        let best = break_apparatus(tight, &MEASURE, false, Breaks::Best);
        assert_eq!(texts(&best), ["aa bb", "longword cc"]);
    }

    #[test]
    fn two_hyphenated_lines_in_a_row_are_avoided_where_a_break_without_is_as_good() {
        // Each of lines 1 and 2 could end in a hyphen; the second line can instead take the
        // whole word and stay within the stretch limit.
        let tokens = vec![
            word("aa", 0, 30.0),
            word("bb", 0, 30.0),
            hyphenated("longword", 0, 60.0, &[("long", 22.0)]),
            word("dd", 0, 30.0),
            hyphenated("otherword", 0, 42.0, &[("other", 25.0)]),
            word("ee", 0, 50.0),
            word("ff", 0, 40.0),
        ];
        let best = break_apparatus(tokens, &MEASURE, false, Breaks::Best);
        let lines = texts(&best);
        let hyphens: Vec<bool> = lines.iter().map(|l| l.ends_with('-')).collect();
        assert!(!hyphens.windows(2).any(|w| w[0] && w[1]), "{lines:?}");
        assert_eq!(lines[0], "aa bb long-", "{lines:?}");
    }

    #[test]
    fn the_best_breaks_keep_first_fits_count_and_never_stack_three_hyphens() {
        // Runs of words of pseudo-random widths, each splittable in two places.
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mut stacked = 0;
        for _ in 0..200 {
            let tokens: Vec<MeasuredToken> = (0..40)
                .map(|i| {
                    let width = 8.0 + next(50) as f64;
                    let heads = [("ab", width * 0.3 + 2.0), ("abcd", width * 0.6 + 2.0)];
                    hyphenated(&format!("abcdefgh{i}"), 0, width, &heads)
                })
                .collect();
            let first_fit = break_apparatus(tokens.clone(), &MEASURE, false, Breaks::FirstFit);
            let best = break_apparatus(tokens.clone(), &MEASURE, false, Breaks::Best);
            assert_eq!(best.len(), first_fit.len());
            let ends: Vec<bool> = texts(&best).iter().map(|l| l.ends_with('-')).collect();
            assert!(
                !ends.windows(3).any(|w| w.iter().all(|&h| h)),
                "{:?}",
                texts(&best)
            );
            stacked += ends.windows(2).filter(|w| w[0] && w[1]).count();
            // Every token printed once, the halves of a word in order.
            let words: Vec<String> = texts(&best)
                .join(" ")
                .replace("- ", "")
                .split(' ')
                .map(String::from)
                .collect();
            let want: Vec<String> = (0..40).map(|i| format!("abcdefgh{i}")).collect();
            assert_eq!(words, want);
        }
        eprintln!("{stacked} pairs of hyphenated lines in 200 blocks");
    }

    /// A page builder over `lines`: 12 pt an apparatus line, no other apparatus height.
    fn builder(lines: &[GalleyLine], text_height: f64, front_pages: usize) -> PageBuilder<'_> {
        PageBuilder {
            lines,
            text_height,
            min_text: 0.25,
            front_pages,
            model: HeightModel {
                line: 12.0,
                ..HeightModel::default()
            },
            pitch: 12.0,
            new_pages: &[],
        }
    }

    /// One series' own apparatus on a trial page: `own` lines, the first `heads` staying.
    fn series(own: usize, heads: usize, split: bool) -> Vec<SeriesLines> {
        vec![SeriesLines { own, heads, split }]
    }

    fn ranges(cuts: &[PageCut]) -> Vec<Range<usize>> {
        cuts.iter().map(|c| c.lines.clone()).collect()
    }

    #[test]
    fn pages_take_what_fits_with_the_apparatus() {
        // Ten lines of one paragraph; 12 pt a line; a text block of 60 pt holds 5.
        let lines = paragraphs(&[10]);
        let b = builder(&lines, 60.0, 0);
        let pages = page_ranges(&b, |_, _, _, _| vec![]).unwrap();
        assert_eq!(ranges(&pages), vec![0..5, 5..10]);
        // An apparatus of two lines (24 pt) that may not split, for any line from 2 on,
        // takes two lines' room.
        let pages = page_ranges(&b, |s, e, _, _| {
            series(if e >= 2 && s <= 2 { 2 } else { 0 }, 0, false)
        })
        .unwrap();
        assert_eq!(pages[0].lines, 0..3);
    }

    #[test]
    fn a_short_stanza_is_split_where_keeping_it_whole_would_leave_a_hole() {
        // Verses of one line each: a couplet, then two quatrains; 9 lines a page. Kept
        // whole, the second quatrain would leave 3 lines empty; split 2 + 2 it leaves 1.
        // (stanza-keep 2: never after a stanza's first verse or before its last; a short
        // stanza rather whole.)
        let mut lines = paragraphs(&[1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        for (e, l) in lines.iter_mut().enumerate() {
            l.keep_with_next = matches!(e, 0 | 2 | 4 | 6 | 8);
            l.rather_keep = matches!(e, 0 | 2..=4 | 6..=8);
        }
        let pages = ranges(&page_ranges(&builder(&lines, 108.0, 0), |_, _, _, _| vec![]).unwrap());
        assert_eq!(
            pages[0],
            0..8,
            "the second quatrain splits after its second verse"
        );
        // Where keeping it whole costs little, it is kept: 7 lines a page leave 1 empty.
        let pages = ranges(&page_ranges(&builder(&lines, 84.0, 0), |_, _, _, _| vec![]).unwrap());
        assert_eq!(pages[0], 0..6);
    }

    #[test]
    fn pages_never_leave_widows_orphans_or_a_heading_at_the_foot() {
        // A paragraph of 4 lines, a heading, a paragraph of 6 lines; 5 lines a page.
        let mut lines = paragraphs(&[4, 1, 6]);
        lines[4].numbered = false; // the heading
        let pages = ranges(&page_ranges(&builder(&lines, 60.0, 0), |_, _, _, _| vec![]).unwrap());
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
        let pages = page_ranges(&builder(&lines, 60.0, 0), |_, _, _, _| vec![]).unwrap();
        assert_eq!(ranges(&pages), vec![0..4, 4..6]);
    }

    #[test]
    fn an_apparatus_taller_than_the_page_names_its_line_and_page() {
        // A series that does not split: line 7's notes (100 pt) fit on no page.
        let lines = paragraphs(&[10]);
        let b = builder(&lines, 60.0, 4);
        let r = page_ranges(&b, |s, e, _, _| {
            series(if e >= 7 && s <= 7 { 9 } else { 0 }, 0, false)
        });
        // Page 5 takes lines 0–3 (a widow rule keeps two), page 6 cannot take line 7's notes.
        let (line, page) = r.unwrap_err();
        assert!(line <= 7);
        assert!(page >= 6);
    }

    #[test]
    fn notes_that_do_not_fit_continue_on_the_next_page() {
        // Line 2 carries a note of 9 apparatus lines (its lemma on the first): the page
        // fills with text and apparatus, the rest of the note continues on the next pages
        // ahead of their own notes; no page is left part-empty.
        let lines = paragraphs(&[20]);
        let b = builder(&lines, 120.0, 0); // 10 lines a page
        let pages = page_ranges(&b, |s, e, _, _| {
            let own = if s <= 2 && e >= 2 { 9 } else { 0 };
            series(own, own.min(1), true)
        })
        .unwrap();
        // Page 1 ends with the line whose note does not fit: 3 text lines and the note's
        // first 7 lines; page 2: the note's last 2 lines and 8 text lines; page 3 the rest.
        assert_eq!(pages[0].lines, 0..3);
        assert_eq!((pages[0].kept[0], pages[0].total[0]), (7, 9));
        assert_eq!(pages[1].carried[0], 2);
        assert_eq!(pages[1].kept[0], 2);
        assert_eq!(pages[1].lines, 3..11);
        assert_eq!(ranges(&pages)[2], 11..20);
        for p in &pages {
            let text = p.lines.len() as f64 * 12.0;
            let app = p.kept[0] as f64 * 12.0;
            let last = p.lines.end == lines.len();
            assert!(last || text + app >= 120.0 - 12.0, "page {p:?} is not full");
        }
    }

    #[test]
    fn a_note_never_leaves_its_last_line_alone_on_the_next_page() {
        // Line 2's note of 8 lines: 3 text lines and 7 of its lines would fill the page and
        // leave one line to continue; it gives up one more, so two continue, where that
        // leaves no more than a body line (here 20 pt) empty.
        let lines = paragraphs(&[20]);
        let mut b = builder(&lines, 120.0, 0);
        b.pitch = 20.0;
        let pages = page_ranges(&b, |s, e, _, _| {
            let own = if s <= 2 && e >= 2 { 8 } else { 0 };
            series(own, own.min(1), true)
        })
        .unwrap();
        assert_eq!(pages[0].lines, 0..3);
        assert_eq!((pages[0].kept[0], pages[0].total[0]), (6, 8));
        assert_eq!(pages[1].carried[0], 2);
    }

    #[test]
    fn a_bad_break_at_the_split_line_moves_the_page_end_on_when_the_lemmas_still_fit() {
        // A paragraph of 4 lines, then one of 12; line 1 has a note of 9 lines. The page
        // would end after line 2 (its note does not all fit), which leaves a widow: it ends
        // after line 3 instead, the note split to fill the page, rather than after line 1.
        let lines = paragraphs(&[4, 12]);
        let b = builder(&lines, 120.0, 0);
        let pages = page_ranges(&b, |s, e, _, _| {
            let own = if s <= 1 && e >= 1 { 9 } else { 0 };
            series(own, own.min(1), true)
        })
        .unwrap();
        assert_eq!(pages[0].lines, 0..4);
        assert_eq!(pages[0].kept[0], 6);
        assert_eq!(pages[1].carried[0], 3);
    }

    #[test]
    fn a_note_longer_than_a_page_continues_over_several_pages_beside_a_quarter_of_text() {
        // Line 0 carries a note of 25 lines on pages of 10: every page keeps at least a
        // quarter of text (3 lines: 36 pt ≥ 30 pt), the note takes the rest until it ends.
        let lines = paragraphs(&[30]);
        let b = builder(&lines, 120.0, 0);
        let pages = page_ranges(&b, |s, _, _, _| {
            let own = if s == 0 { 25 } else { 0 };
            series(own, own.min(1), true)
        })
        .unwrap();
        let note: Vec<usize> = pages.iter().map(|p| p.kept[0]).collect();
        assert_eq!(note.iter().sum::<usize>(), 25);
        // The lemma's line and the entry's first line stay on page 1.
        assert!(pages[0].lines.contains(&0) && pages[0].kept[0] >= 1);
        for p in &pages {
            assert!(p.lines.len() >= 3, "{p:?}: less than a quarter of text");
        }
        // The note continues page after page until it ends, never skipping one.
        let continuing = note.iter().take_while(|&&n| n > 0).count();
        assert!(note[continuing..].iter().all(|&n| n == 0));
        assert!(continuing >= 3);
    }

    #[test]
    fn entries_begin_on_their_lemmas_page_and_continued_notes_come_first() {
        // Line 0 carries a note of 12 lines; line 6 a note of 2 lines whose lemma stays on
        // page 2 only after the first note has ended there.
        let lines = paragraphs(&[16]);
        let b = builder(&lines, 120.0, 0);
        let pages = page_ranges(&b, |s, e, _, _| {
            let mut own = 0;
            let mut heads = 0;
            if s == 0 {
                own += 12;
                heads = 1;
            }
            if s <= 9 && e >= 9 {
                heads = own + 1;
                own += 2;
            }
            series(own, heads, true)
        })
        .unwrap();
        // Page 2 carries the rest of the first note; line 9's entry starts after it.
        let line_9 = pages.iter().position(|p| p.lines.contains(&9)).unwrap();
        let p = &pages[line_9];
        assert!(p.kept[0] > p.carried[0], "{p:?}");
        for p in &pages {
            let text = p.lines.len() as f64 * 12.0;
            assert!(text + p.kept[0] as f64 * 12.0 <= 120.0);
        }
        assert!(pages.last().unwrap().carry_out().iter().all(|&n| n == 0));
    }

    #[test]
    fn a_series_that_does_not_split_keeps_its_block_whole() {
        let lines = paragraphs(&[20]);
        let b = builder(&lines, 120.0, 0);
        let pages = page_ranges(&b, |s, e, _, _| {
            let own = if s <= 2 && e >= 2 { 6 } else { 0 };
            series(own, own.min(1), false)
        })
        .unwrap();
        // Six lines of notes stay whole beside four of text.
        assert_eq!(pages[0].lines, 0..4);
        assert_eq!(pages[0].kept[0], 6);
        assert!(
            pages
                .iter()
                .all(|p| p.carried[0] == 0 && p.carry_out()[0] == 0)
        );
    }

    #[test]
    fn the_lines_that_must_stay_are_up_to_the_last_lemma() {
        let token = |entry: usize, close: bool| SetToken {
            token: if close {
                vec![Atom::Text("app-lemma", "a".into()), markup::close_atom()].into()
            } else {
                vec![Atom::Text("app-text", "b".into())].into()
            },
            entry,
        };
        // Entry 1's lemma closes on the second line; its note runs on over two more.
        let lines = vec![
            vec![token(0, true), token(0, false)],
            vec![token(0, false), token(1, true)],
            vec![token(1, false)],
            vec![token(1, false)],
        ];
        assert_eq!(heads(&lines), 2);
        assert_eq!(heads(&[]), 0);
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
        assert_eq!(stack_notes(&notes, &m, 0.0), vec![10.0, 32.0, 100.0]);
        // On a grid of 12 pt the second moves down to the next line at or below 32: 36.
        assert_eq!(stack_notes(&notes, &m, 12.0), vec![10.0, 36.0, 100.0]);
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
