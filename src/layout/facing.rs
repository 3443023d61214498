//! Facing pages: the original and its translation broken into pages in step, spread by
//! spread, so that every aligned chunk starts on the two pages of one spread.
//!
//! Each spread takes, on each side, the page the page builder would make (the original's
//! with its apparatus and continued notes); then the first chunk that begins on one page
//! of the spread but not on the other ends both pages before it, and the pages are made
//! again up to there. Pages only shrink, so this ends; a side with nothing of its own left
//! for the spread (its chunk is much shorter) leaves its page empty below what it has, as
//! the shorter side of a spread does in reledpar — but here in one build, exactly.

use super::compose::{PageBuilder, PageCut, SeriesLines, numbered};

/// Where one side stands before a spread: its next galley line, the numbered lines before
/// it, the apparatus lines it carries per series.
#[derive(Debug, Clone, Default)]
struct Position {
    start: usize,
    doc_line: u32,
    carry: Vec<usize>,
}

impl Position {
    fn advance(&mut self, b: &PageBuilder, cut: &PageCut) {
        self.doc_line += numbered(&b.lines[cut.lines.clone()]);
        self.start = cut.lines.end;
        self.carry = cut.carry_out();
    }

    fn done(&self, b: &PageBuilder) -> bool {
        self.start >= b.lines.len() && self.carry.iter().all(|&n| n == 0)
    }
}

/// A line that fits on no page: (side — 0 the original, 1 the translation —, galley line,
/// folio).
pub type Unplaced = (usize, usize, usize);

/// One side of the spreads: its page builder and the trial setting of its apparatus (see
/// [`super::compose::page_ranges`]).
pub struct Side<'a, F> {
    pub builder: &'a PageBuilder<'a>,
    pub series_lines: F,
}

impl<F: Fn(usize, usize, u32, usize) -> Vec<SeriesLines>> Side<'_, F> {
    /// The page of this side on folio `page_no`, ending before galley line `limit`: text
    /// and notes as the page builder takes them, continued notes alone, or nothing.
    fn page(
        &self,
        at: &Position,
        limit: usize,
        page_no: usize,
        below: f64,
    ) -> Result<PageCut, (usize, usize)> {
        // A column beside an apparatus ends above it.
        let shortened = PageBuilder {
            text_height: self.builder.text_height - below,
            ..*self.builder
        };
        let b = &shortened;
        let empty = || PageCut {
            lines: at.start..at.start,
            carried: at.carry.clone(),
            kept: vec![0; at.carry.len()],
            total: at.carry.clone(),
        };
        if at.start >= limit.min(b.lines.len()) {
            return Ok(b.notes_only(at.start, &at.carry).unwrap_or_else(empty));
        }
        let trial = |end: usize| {
            let mut own = (self.series_lines)(at.start, end, at.doc_line, page_no);
            own.resize(own.len().max(at.carry.len()), SeriesLines::default());
            own
        };
        b.page(at.start, &at.carry, trial, limit.min(b.lines.len()))
            .or_else(|| b.notes_only(at.start, &at.carry))
            .ok_or((at.start, page_no))
    }
}

/// The pages of both sides, spread by spread: `chunks` are the galley lines where aligned
/// chunks start (original, translation; increasing), `folios(k)` the folios of spread `k`'s
/// original and translation pages. `columns`: both sides share each page, and the
/// translation's column ends above the original's apparatus. `Err((side, line, page))`: not
/// even line `line` of side `side` (0 the original, 1 the translation) fits on page `page`
/// with its notes.
pub fn spreads<F, G>(
    original: &Side<F>,
    translation: &Side<G>,
    chunks: &[(usize, usize)],
    folios: impl Fn(usize) -> (usize, usize),
    columns: bool,
) -> Result<(Vec<PageCut>, Vec<PageCut>), Unplaced>
where
    F: Fn(usize, usize, u32, usize) -> Vec<SeriesLines>,
    G: Fn(usize, usize, u32, usize) -> Vec<SeriesLines>,
{
    let (bo, bt) = (original.builder, translation.builder);
    let mut at = (Position::default(), Position::default());
    let mut pages = (vec![], vec![]);
    while !at.0.done(bo) || !at.1.done(bt) {
        let (fo, ft) = folios(pages.0.len());
        // A heading that begins a new page ends both pages before it (headings face
        // headings).
        let mut limit = (bo.limit_after(at.0.start), bt.limit_after(at.1.start));
        let (co, ct) = loop {
            let co = original
                .page(&at.0, limit.0, fo, 0.0)
                .map_err(|(l, p)| (0, l, p))?;
            let below = if columns {
                bo.model.height(&co.kept)
            } else {
                0.0
            };
            let ct = translation
                .page(&at.1, limit.1, ft, below)
                .map_err(|(l, p)| (1, l, p))?;
            // The first chunk still to begin that does not begin on both pages: if it
            // begins on one, both pages end before it.
            let on = |line: usize, cut: &PageCut| line < cut.lines.end;
            let split = chunks
                .iter()
                .filter(|(o, t)| *o >= at.0.start && *t >= at.1.start)
                .find(|(o, t)| !(on(*o, &co) && on(*t, &ct)))
                .filter(|(o, t)| on(*o, &co) || on(*t, &ct));
            match split {
                Some(&(o, t)) => limit = (limit.0.min(o), limit.1.min(t)),
                None => break (co, ct),
            }
        };
        let progress =
            !co.lines.is_empty() || !ct.lines.is_empty() || co.kept.iter().any(|&n| n > 0);
        if !progress {
            return Err((0, at.0.start, fo));
        }
        at.0.advance(bo, &co);
        at.1.advance(bt, &ct);
        pages.0.push(co);
        pages.1.push(ct);
    }
    Ok(pages)
}
