//! Layout step 3 — verify: the final document read back and checked against the [`Plan`].
//!
//! Every glyph of printed text must lie on its planned page and baseline; every apparatus
//! entry must be printed on its lemma's page — and, where its note continues, on the pages
//! planned for the rest, and nowhere else — below the text and inside the text block; each
//! page must hold as many apparatus lines as planned, lines continued from the page before
//! included (a line the template set wider than it
//! measured would wrap, and its block grow upwards). Any difference fails the build, naming
//! the entries or the page: this is the guard against changes of Typst's behaviour.

use std::collections::HashMap;
use std::ops::Range;

use typst_layout::PagedDocument;

use crate::diag::{Diagnostic, Diagnostics, Result};
use crate::markup::{Printed, Writer};
use crate::spec::Spec;
use crate::typeset::{self, GlyphPos, SpanIndex};

use super::compose::{FacingPlan, Page, PlacedEntry, Plan};
use super::galley::{GalleyLine, Metrics, printed_offset};

/// The final document as compiled: the laid-out pages, the span index of its markup and
/// the writer that recorded where printed text and apparatus tokens went.
pub struct Final<'a> {
    pub doc: &'a PagedDocument,
    pub index: &'a SpanIndex,
    pub markup: &'a Writer,
}

/// Where the galley lines were planned: page index and baseline (pt from the page top).
struct LinePlaces {
    page: Vec<usize>,
    y: Vec<f64>,
}

impl LinePlaces {
    fn new(pages: &[Page], lines: &[GalleyLine], m: &Metrics) -> Self {
        let mut page = vec![0usize; lines.len()];
        let mut y = vec![0f64; lines.len()];
        for p in pages.iter().filter(|p| !p.lines.is_empty()) {
            let top = lines[p.lines.start].baseline - lines[p.lines.start].cap;
            for i in p.lines.clone() {
                page[i] = p.number - 1;
                y[i] = m.top + lines[i].baseline - top;
            }
        }
        LinePlaces { page, y }
    }
}

/// What the read-back found.
#[derive(Default)]
struct Found {
    /// Glyphs of body text off their planned line, and the first of them (printed offset,
    /// line, page, y).
    bad_glyphs: usize,
    first_bad: Option<(usize, usize, usize, f64)>,
    /// The lowest body baseline of each page.
    last_body_y: HashMap<usize, f64>,
    /// Each apparatus entry's distinct (page, baseline) pairs.
    entries: HashMap<usize, Vec<(usize, f64)>>,
    /// The first and last glyph of each watched range (see [`Watched`]) as printed:
    /// (printed offset, page, baseline).
    labels: HashMap<usize, [(usize, usize, f64); 2]>,
    /// Characters printed as the font's empty box, each with the first page (index) it is on.
    boxes: Vec<(char, usize)>,
}

/// The printed ranges whose first and last glyphs the read-back records: the labels (ids
/// `0..`, as `Printed::labels`), then the index entries (ids on from the labels' count).
/// Sorted by start, so a glyph finds the ranges holding it by binary search rather than
/// by a scan of all (an index may have thousands of entries).
struct Watched {
    /// (range, id), sorted by start.
    ranges: Vec<(std::ops::Range<usize>, usize)>,
    /// The furthest end among `ranges[..=k]`.
    reach: Vec<usize>,
}

impl Watched {
    fn new(ranges: impl Iterator<Item = std::ops::Range<usize>>) -> Watched {
        let mut ranges: Vec<_> = ranges.enumerate().map(|(id, r)| (r, id)).collect();
        ranges.sort_by_key(|(r, _)| r.start);
        let reach = ranges
            .iter()
            .scan(0, |far, (r, _)| {
                *far = r.end.max(*far);
                Some(*far)
            })
            .collect();
        Watched { ranges, reach }
    }

    /// The ids of the ranges holding printed byte `o`.
    fn holding(&self, o: usize) -> impl Iterator<Item = usize> + '_ {
        let i = self.ranges.partition_point(|(r, _)| r.start <= o);
        (0..i)
            .rev()
            .take_while(move |&j| self.reach[j] > o)
            .filter(move |&j| self.ranges[j].0.end > o)
            .map(move |j| self.ranges[j].1)
    }
}

/// Checks the final document against the plan.
pub fn verify(
    spec: &Spec,
    p: &Printed,
    fin: &Final,
    plan: &Plan,
    lines: &[GalleyLine],
    m: &Metrics,
) -> Result<Vec<(char, usize)>> {
    let planned = LinePlaces::new(&plan.pages, lines, m);
    let index = p.index.iter().map(|(_, r)| r);
    let watched = Watched::new(p.labels.iter().chain(index).cloned());
    let found = read_back(fin, lines, &planned, m, &watched);
    let mut errs = vec![];
    let pages = fin.doc.pages().len();
    let body_end = plan.last_folio();
    let back_matter = !plan.endnotes.is_empty() || !p.index.is_empty();
    if pages < body_end || (!back_matter && pages != body_end) {
        errs.push(Diagnostic::error(format!(
            "layout: planned {body_end} pages, Typst made {pages}"
        )));
    }
    errs.extend(found.off_line("", p, lines, &planned));
    errs.extend(check_apparatus_lines(&plan.pages, &plan.placed, &found, m));
    errs.extend(check_entries(spec, &plan.pages, &plan.placed, &found, m));
    errs.extend(check_xrefs(spec, p, plan, &found));
    errs.extend(check_index(spec, p, plan, &found));
    if errs.is_empty() {
        Ok(found.boxes)
    } else {
        Err(Diagnostics(errs))
    }
}

/// Visits every glyph once (noting the characters printed as the font's empty box): body
/// text against its planned line, apparatus glyphs collected
/// by entry.
fn read_back(
    fin: &Final,
    lines: &[GalleyLine],
    planned: &LinePlaces,
    m: &Metrics,
    watched: &Watched,
) -> Found {
    let mut found = Found::default();
    typeset::for_each_glyph(fin.doc, 0..fin.doc.pages().len(), |g| {
        if g.id == 0 && !g.first.is_whitespace() && !found.boxes.iter().any(|b| b.0 == g.first) {
            found.boxes.push((g.first, g.page));
        }
        // Body text (running heads above the text block may quote a heading: not body text).
        // A space where a title or heading wraps belongs to no line: it is not checked.
        if g.y >= m.top - 1.0
            && let Some(o) = printed_offset(g, fin.index, &fin.markup.spans)
        {
            if g.first.is_whitespace() {
                return;
            }
            let y = found.body_glyph(g, o, lines, planned);
            for k in watched.holding(o) {
                let ends = found.labels.entry(k).or_insert([(o, g.page, y); 2]);
                if o < ends[0].0 {
                    ends[0] = (o, g.page, y);
                }
                if o > ends[1].0 {
                    ends[1] = (o, g.page, y);
                }
            }
            return;
        }
        found.entry_glyph(g, fin, &fin.markup.entries);
    });
    found
}

impl Found {
    /// A glyph of body text at printed offset `o`: against its planned line. Returns the
    /// baseline it stands on (its line's, where it stands on its planned line).
    fn body_glyph(
        &mut self,
        g: &GlyphPos,
        o: usize,
        lines: &[GalleyLine],
        planned: &LinePlaces,
    ) -> f64 {
        let li = lines
            .partition_point(|l| l.range.end <= o)
            .min(lines.len() - 1);
        let on_line = g.page == planned.page[li] && (g.y - planned.y[li]).abs() <= g.fuzz();
        let y = if on_line { planned.y[li] } else { g.y };
        let lowest = self.last_body_y.entry(g.page).or_insert(0.0);
        *lowest = lowest.max(y);
        if !on_line {
            self.bad_glyphs += 1;
            self.first_bad.get_or_insert((o, li, g.page, g.y));
        }
        y
    }

    /// A glyph of an apparatus token (source ranges `entries`, as the writer recorded them):
    /// where its entry was printed.
    fn entry_glyph(&mut self, g: &GlyphPos, fin: &Final, entries: &[(Range<usize>, usize)]) {
        let Some(r) = fin.index.range(g.span) else {
            return;
        };
        let i = entries.partition_point(|(er, _)| er.end <= r.start);
        if let Some((er, entry)) = entries.get(i)
            && er.start <= r.start
        {
            let at = self.entries.entry(*entry).or_default();
            if at.last() != Some(&(g.page, g.y)) {
                at.push((g.page, g.y));
            }
        }
    }

    /// The error for glyphs off their planned lines, if any (`what`: whose text).
    fn off_line(
        &self,
        what: &str,
        p: &Printed,
        lines: &[GalleyLine],
        planned: &LinePlaces,
    ) -> Option<Diagnostic> {
        let (o, li, page, y) = self.first_bad?;
        let ctx: String = p.doc[lines[li].range.clone()].chars().take(40).collect();
        Some(Diagnostic::error(format!(
            "layout: {} glyph(s){what} off their planned line; first at printed byte {o} (line `{ctx}`…): planned page {} y {:.2}, found page {} y {:.2}",
            self.bad_glyphs,
            planned.page[li] + 1,
            planned.y[li],
            page + 1,
            y
        )))
    }
}

/// Each cross-reference names the page and the line numbers where its label's first and
/// last glyphs were printed (the line numbers of the plan's lines at those baselines).
fn check_xrefs(spec: &Spec, p: &Printed, plan: &Plan, found: &Found) -> Vec<Diagnostic> {
    let printed_at = |page: usize, y: f64| printed_at(plan, page, y);
    let mut errs = vec![];
    for (x, r) in p.xrefs.iter().zip(super::xref::resolve(p, plan)) {
        let name = spec.labels[x.label].name.get_ref();
        let ends = found.labels.get(&x.label);
        let first = ends.and_then(|e| printed_at(e[0].1, e[0].2));
        let last = ends.and_then(|e| printed_at(e[1].1, e[1].2));
        // The sections of the lines the label's words are printed on.
        let section = |e: Option<&(usize, usize, f64)>| {
            let line = e.and_then(|&(_, page, y)| printed_line(plan, page, y))?;
            Some(p.sections[line.section?].n.clone())
        };
        let sections = ends.map(|e| (section(e.first()), section(e.get(1))));
        if first != Some((r.page, r.line))
            || last.map(|l| l.1) != Some(r.line_end)
            || sections
                .as_ref()
                .is_some_and(|s| *s != (r.section.clone(), r.section_end.clone()))
        {
            errs.push(Diagnostic::error(format!(
                "layout: a cross-reference to `{name}` cites page {} lines {}–{} (sections {:?}–{:?}), but the label's words are printed at {first:?} to {last:?} (page, line), in sections {sections:?}",
                r.page, r.line, r.line_end, r.section, r.section_end
            )));
        }
    }
    errs
}

/// The folio and line number of the planned line at baseline `y` of page `page` (index in
/// the document).
fn printed_at(plan: &Plan, page: usize, y: f64) -> Option<(usize, u32)> {
    printed_line(plan, page, y).map(|l| (page + 1, l.number))
}

/// The planned line at baseline `y` of page `page` (index in the document).
fn printed_line(plan: &Plan, page: usize, y: f64) -> Option<&super::compose::PlannedLine> {
    let at = |l: &super::compose::PlannedLine| (plan.pages[l.page].number - 1, l.y);
    let i = plan.lines.partition_point(|l| at(l) < (page, y - 0.5));
    plan.lines
        .get(i)
        .filter(|l| at(l).0 == page && (l.y - y).abs() < 0.5)
}

/// Each index entry's words are printed on the pages and lines its reference cites: the
/// plan's lines at the baselines of its first and last glyphs.
fn check_index(spec: &Spec, p: &Printed, plan: &Plan, found: &Found) -> Vec<Diagnostic> {
    let cited = |i: usize| {
        let l = &plan.lines[i];
        (plan.pages[l.page].number, l.number)
    };
    let mut errs = vec![];
    let located = super::index::locate(p, plan);
    for (k, ((entry, _), r)) in p.index.iter().zip(located).enumerate() {
        let e = &spec.index_entries[*entry];
        let ends = found.labels.get(&(p.labels.len() + k));
        let first = ends.and_then(|ends| printed_at(plan, ends[0].1, ends[0].2));
        let last = ends.and_then(|ends| printed_at(plan, ends[1].1, ends[1].2));
        if first != Some(cited(r.first)) || last != Some(cited(r.last)) {
            errs.push(spec.error(
                e.quote.at.span(),
                format!(
                    "layout: the index cites `{}` at {:?} to {:?} (page, line), but its words are printed at {first:?} to {last:?}",
                    e.headword,
                    cited(r.first),
                    cited(r.last)
                ),
            ));
        }
    }
    errs
}

/// As many apparatus lines on each page as planned.
fn check_apparatus_lines(
    pages: &[Page],
    placed: &[PlacedEntry],
    found: &Found,
    m: &Metrics,
) -> Vec<Diagnostic> {
    let mut baselines: HashMap<usize, Vec<f64>> = HashMap::new();
    for pe in placed.iter().filter(|pe| !pe.end) {
        if let Some(glyphs) = found.entries.get(&pe.entry) {
            for &(page, y) in glyphs {
                baselines.entry(page).or_default().push(y);
            }
        }
    }
    let mut errs = vec![];
    for page in pages {
        let planned: usize = page.apparatus.iter().map(|b| b.lines.len()).sum();
        let mut ys = baselines.remove(&(page.number - 1)).unwrap_or_default();
        ys.sort_by(f64::total_cmp);
        // Baselines closer than half a line apart are one line (a rank superscript sits
        // a little above its line).
        let printed = ys
            .windows(2)
            .filter(|w| w[1] - w[0] > m.app_line / 2.0)
            .count()
            + usize::from(!ys.is_empty());
        if printed != planned {
            errs.push(Diagnostic::error(format!(
                "layout: page {} has {printed} apparatus line(s), planned {planned}: the template sets apparatus text wider (or narrower) than it measured",
                page.number
            )));
        }
    }
    errs
}

/// The pages (indices in the document) each foot entry's apparatus lines are planned on:
/// its lemma's page, then the pages its note continues on.
fn planned_pages(planned: &[Page]) -> HashMap<usize, Vec<usize>> {
    let mut pages: HashMap<usize, Vec<usize>> = HashMap::new();
    for page in planned {
        let at = page.number - 1;
        let tokens = page.apparatus.iter().flat_map(|b| b.lines.iter().flatten());
        for t in tokens {
            let on = pages.entry(t.entry).or_default();
            if on.last() != Some(&at) {
                on.push(at);
            }
        }
    }
    pages
}

/// Every entry printed; every foot entry on its lemma's page and the pages its note is
/// planned to continue on (each of them, and no other), below the text, inside the text
/// block.
fn check_entries(
    spec: &Spec,
    pages: &[Page],
    placed: &[PlacedEntry],
    found: &Found,
    m: &Metrics,
) -> Vec<Diagnostic> {
    // Half an apparatus line of fuzz: a glyph the font shifts down stands below its line.
    let bottom = m.top + m.text_height + m.app_line / 2.0;
    let planned = planned_pages(pages);
    let mut errs = vec![];
    for pe in placed {
        let e = &spec.entries[pe.entry];
        let name = format!("entry `{}` (edition.toml)", e.quote.at.get_ref());
        let Some(glyphs) = found.entries.get(&pe.entry) else {
            errs.push(spec.error(
                e.quote.at.span(),
                format!("layout: {name} is missing from the apparatus"),
            ));
            continue;
        };
        if pe.end {
            continue;
        }
        let lemma_page = pe.page - 1;
        let pages = planned.get(&pe.entry).map_or(&[][..], Vec::as_slice);
        let below_text = |page: &usize| found.last_body_y.get(page).copied().unwrap_or(0.0);
        let misplaced = glyphs
            .iter()
            .find(|(page, y)| !pages.contains(page) || *y > bottom || *y < below_text(page));
        if pages.first() != Some(&lemma_page) {
            errs.push(spec.error(
                e.quote.at.span(),
                format!(
                    "layout: {name} was planned to begin off its lemma's page {}",
                    pe.page
                ),
            ));
        } else if let Some((page, y)) = misplaced {
            errs.push(spec.error(
                e.quote.at.span(),
                format!(
                    "layout: {name} planned on page {} was printed on page {} at y {:.1}",
                    pe.page,
                    page + 1,
                    y
                ),
            ));
        } else if let Some(page) = pages
            .iter()
            .find(|&&page| !glyphs.iter().any(|(p, _)| *p == page))
        {
            errs.push(spec.error(
                e.quote.at.span(),
                format!(
                    "layout: {name} (page {}) was planned to continue on page {}, but nothing of it is printed there",
                    pe.page,
                    page + 1
                ),
            ));
        }
    }
    errs
}

/// The translation's pages of a facing edition: every aligned chunk on one spread, every
/// glyph of its text on its planned page and line (its spans are apart from the original's:
/// `Writer::facing_spans`), and the notes of its own series on their planned pages, as
/// many apparatus lines as planned.
pub fn verify_facing(
    t: (&Spec, &Printed),
    fin: &Final,
    plan: &Plan,
    fp: &FacingPlan,
    lines: &[GalleyLine],
    m: &Metrics,
) -> Result<()> {
    check_spreads(plan, fp)?;
    let (tspec, tp) = t;
    let planned = LinePlaces::new(&fp.pages, lines, m);
    let mut found = Found::default();
    let entries = &fin.markup.facing_entries;
    for page in &fp.pages {
        let at = page.number - 1;
        typeset::for_each_glyph(fin.doc, at..at + 1, |g| {
            if g.y >= m.top - 1.0
                && let Some(o) = printed_offset(g, fin.index, &fin.markup.facing_spans)
            {
                if !g.first.is_whitespace() {
                    found.body_glyph(g, o, lines, &planned);
                }
                return;
            }
            found.entry_glyph(g, fin, entries);
        });
    }
    let mut errs: Vec<Diagnostic> = vec![];
    errs.extend(found.off_line(" of the translation", tp, lines, &planned));
    errs.extend(check_apparatus_lines(&fp.pages, &fp.placed, &found, m));
    errs.extend(check_entries(tspec, &fp.pages, &fp.placed, &found, m));
    if errs.is_empty() {
        Ok(())
    } else {
        Err(Diagnostics(errs))
    }
}

/// Every chunk starts on the two pages of one spread (in columns: on one page) on both
/// sides. With every glyph checked against its planned line, this holds in print.
fn check_spreads(plan: &Plan, fp: &FacingPlan) -> Result<()> {
    let folio = |pages: &[Page], line: usize| {
        pages
            .iter()
            .find(|p| p.lines.contains(&line))
            .map(|p| p.number)
    };
    for (k, &(o, t)) in fp.chunks.iter().enumerate() {
        let (Some(a), Some(b)) = (folio(&plan.pages, o), folio(&fp.pages, t)) else {
            continue;
        };
        let together = match fp.columns {
            Some(_) => a == b,
            None => a.abs_diff(b) == 1 && a.min(b) % 2 == 0,
        };
        if !together {
            return Err(Diagnostics(vec![Diagnostic::error(format!(
                "layout: aligned chunk {} starts on page {a} in the original and on page {b} in the translation, not on one spread",
                k + 1
            ))]));
        }
    }
    Ok(())
}
