//! Stage 6 — layout: galley, compose, verify.
//!
//! Typst has one footnote stream and cannot tell markup which line a word landed on, so
//! apparat does what reledmac does inside TeX, in three steps:
//!
//! 1. **Galley.** One compile of the whole body on a page of automatic height, at the final
//!    text width and in the final styles. Every line is read back from the glyphs (page,
//!    baseline, cap height, which printed bytes it holds, whether Typst hyphenated it). The
//!    same compile measures every apparatus atom, the apparatus height model and the margin
//!    notes (template function `measure-all`).
//! 2. **Compose.** A page builder in Rust, like TeX's: a line joins the page together with
//!    the apparatus entries it carries, or both move on — nothing can oscillate. Apparatus
//!    lines are broken here too over measured token widths (the fewest lines, then the
//!    evenest breaks; separators and references stay with their lemma) and forced in the
//!    markup, so their number is known, not guessed. Widows, orphans, headings at the foot
//!    and hyphenated page ends are avoided here. Line numbers are assigned here.
//! 3. **Verify.** The final compile forces every line break and page break of the plan;
//!    it is then read back and every printed byte, every line's baseline, every apparatus
//!    entry and each page's count of apparatus lines is checked against the plan. Any
//!    difference fails the build, naming the entries (or the page).
//!
//! The final markup is written to be cheap for Typst. Every body page is an explicit
//! `page(header: running-head(…))` with its folio and section given, so no body page uses
//! introspection and Typst lays the document out in one pass (a second pass would also hold
//! a second document in memory). Apparatus words of one entry go to one template call where
//! the measurements prove that changes no width (`markup::Emit`).

use std::collections::HashMap;
use std::ops::Range;

use typst::foundations::{Dict, Value};
use typst_layout::PagedDocument;

use crate::diag::{Diagnostic, Diagnostics, Result};
use crate::markup::{self, Atom, Front, LineBreak, NUMBER_CHARS, Page, Piece, Printed, Token};
use crate::spec::{Arrangement, Placement, Spec};
use crate::text::BlockKind;
use crate::typeset::{self, GlyphPos, SpanIndex};
use crate::world::EditionWorld;

/// A line of the galley.
#[derive(Debug, Clone)]
pub struct GLine {
    pub block: usize,
    /// Printed bytes on the line (without the space at its end).
    pub range: Range<usize>,
    pub baseline: f64,
    pub cap: f64,
    /// Typst broke the line inside a word and added a hyphen.
    pub hyphen: bool,
    /// A paragraph line (numbered), not a title or heading line.
    pub numbered: bool,
    pub first_of_block: bool,
    pub last_of_block: bool,
}

/// Geometry and measurements read back from the galley.
#[derive(Debug, Clone)]
pub struct Metrics {
    pub text_width: f64,
    pub text_height: f64,
    pub top: f64,
    pub note_width: f64,
    pub space: f64,
    pub app_line: f64,
    pub app_series: f64,
    pub app_base: f64,
    pub app_clearance: f64,
    /// Indent of an entry's continuation lines in a one-per-line series.
    pub app_hang: f64,
    pub note_ascent: f64,
    pub note_spacing: f64,
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

/// The result of layout.
pub struct Laid {
    pub doc: PagedDocument,
    /// The exported PDF (exported while the layout was verified).
    pub pdf: Vec<u8>,
    pub markup: String,
    pub front_pages: usize,
    pub body_pages: usize,
    pub entries: Vec<PlacedEntry>,
    /// Typst compiles run (the galley's parts and the measurements run in parallel).
    pub compiles: usize,
    pub warnings: Vec<Diagnostic>,
}

pub fn run(
    spec: &Spec,
    p: &Printed,
    world: &mut EditionWorld,
    template: &str,
    front: &Front,
    opts: &Options,
    export: &(dyn Fn(&PagedDocument) -> Result<Vec<u8>> + Sync),
) -> Result<Laid> {
    let mut warnings = vec![];
    // ---- 1. Galley -------------------------------------------------------------------------
    let mut atoms: Vec<String> = vec![];
    let mut atom_ids: HashMap<String, usize> = HashMap::new();
    let mut intern = |a: &str, atoms: &mut Vec<String>| {
        if !atom_ids.contains_key(a) {
            atom_ids.insert(a.to_string(), atoms.len());
            atoms.push(a.to_string());
        }
    };
    // Entry tokens are measured whole (as set, with kerning inside); their atoms too, since
    // a rank superscript may later turn a lemma token into a composite of measured atoms.
    let mut entry_toks: Vec<Vec<Token>> = vec![];
    for l in &p.lemmata {
        let t = markup::entry_tokens(spec, p, l, None);
        for tok in &t {
            intern(&markup::token_measure(tok), &mut atoms);
            // The lemma's last token may take a rank later and become a composite.
            if tok.contains(&markup::close_atom()) {
                for a in tok.iter() {
                    intern(&a.expr(), &mut atoms);
                }
            }
        }
        entry_toks.push(t);
    }
    for c in NUMBER_CHARS.chars() {
        for b in NUMBER_CHARS.chars() {
            // Pairs: whether a reference may be set as one run (see `markup::Emit`).
            intern(&number_measure(&format!("{c}{b}")), &mut atoms);
        }
        intern(&number_measure(&c.to_string()), &mut atoms);
    }
    for f in markup::MERGEABLE {
        for w in [
            MERGE_PROBE.0,
            MERGE_PROBE.1,
            &format!("{} {}", MERGE_PROBE.0, MERGE_PROBE.1),
        ] {
            intern(&Atom::Text(f, w.to_string()).expr(), &mut atoms);
        }
    }
    for r in 1..=9 {
        intern(&markup::rank_atom(r).expr(), &mut atoms);
    }
    for line in [true, false] {
        intern(&markup::token_measure(&markup::sep_token(line)), &mut atoms);
    }
    let notes: Vec<String> = p.notes.iter().map(|n| n.body.clone()).collect();
    // The galley in parts that compile in parallel (with the measurements): each part ends
    // with a block the next part begins with, so their coordinates can be joined exactly.
    let parts = galley_parts(p);
    let galleys: Vec<markup::Writer> = parts
        .iter()
        .enumerate()
        .map(|(i, r)| markup::galley(spec, p, (i == 0).then_some(front), template, r.clone()))
        .collect();
    let measure = markup::measure_doc(
        spec,
        template,
        &markup::Measure {
            tokens: &atoms,
            notes: &notes,
        },
    );
    world.set_main(galleys[0].out.clone());
    let measure_world = world.fork(measure);
    let part_worlds: Vec<EditionWorld> = galleys[1..]
        .iter()
        .map(|g| world.fork(g.out.clone()))
        .collect();
    let t = Timer::new(opts.progress);
    let world_ref: &EditionWorld = world;
    let memo = |text: &str| opts.keep_caches.then(|| memo_key(&opts.salt, text));
    // Typst compiles run (galley parts and measurements in parallel, then the final document).
    let compiles = std::sync::atomic::AtomicUsize::new(0);
    let (read, measured) = std::thread::scope(|scope| {
        let m = scope.spawn(|| -> Result<_> {
            let key = memo(measure_world.main_source().text());
            if let Some(hit) = key.and_then(|k| MEASURED.lock().ok()?.get(&k).cloned()) {
                return Ok((hit, vec![]));
            }
            compiles.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (doc, w) = typeset::compile(&measure_world)?;
            let m = read_measure(&doc)?;
            if let (Some(k), Ok(mut c)) = (key, MEASURED.lock()) {
                remember(&mut c, k, m.clone());
            }
            Ok((m, w))
        });
        let read_part = |w: &EditionWorld,
                         g: &markup::Writer,
                         first: bool|
         -> Result<(Vec<GLine>, usize, Vec<Diagnostic>)> {
            let key = memo(&g.out);
            if let Some((lines, fp)) = key.and_then(|k| GALLEYS.lock().ok()?.get(&k).cloned()) {
                return Ok((lines, fp, vec![]));
            }
            compiles.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (doc, warn) = typeset::compile(w)?;
            let body_page = doc.pages().len() - 1;
            let index = SpanIndex::new(w.main_source());
            let lines = galley_lines(p, &doc, &index, &g.spans, body_page)?;
            let fp = if first { body_page } else { 0 };
            if let (Some(k), Ok(mut c)) = (key, GALLEYS.lock()) {
                remember(&mut c, k, (lines.clone(), fp));
            }
            Ok((lines, fp, warn))
        };
        let others: Vec<_> = part_worlds
            .iter()
            .zip(&galleys[1..])
            .map(|(w, g)| scope.spawn(move || read_part(w, g, false)))
            .collect();
        let mut read = vec![read_part(world_ref, &galleys[0], true)];
        for h in others {
            read.push(
                h.join()
                    .unwrap_or_else(|_| Err(Diagnostic::error("a galley compile panicked").into())),
            );
        }
        (read, m.join())
    });
    let ((metrics, widths, note_heights), mw) =
        measured.map_err(|_| Diagnostic::error("the measuring compile panicked"))??;
    warnings.extend(mw);
    check_geometry(spec, &metrics, !p.notes.is_empty())?;
    let mut front_pages = 0;
    let mut lines: Vec<GLine> = vec![];
    for (k, r) in read.into_iter().enumerate() {
        let (part, fp, w) = r?;
        warnings.extend(w);
        if k == 0 {
            front_pages = fp;
            lines = part;
            continue;
        }
        // Join on the shared block: shift this part so that its first line matches.
        let shared = parts[k].start;
        let (Some(a), Some(b)) = (
            lines.iter().find(|l| l.block == shared),
            part.iter().find(|l| l.block == shared),
        ) else {
            return Err(Diagnostic::error("galley: a part lost its shared block").into());
        };
        let dy = a.baseline - b.baseline;
        lines.extend(part.into_iter().filter(|l| l.block > shared).map(|mut l| {
            l.baseline += dy;
            l
        }));
    }
    let n = lines.len();
    for i in 0..n {
        let b = lines[i].block;
        lines[i].first_of_block = i == 0 || lines[i - 1].block != b;
        lines[i].last_of_block = i + 1 == n || lines[i + 1].block != b;
    }
    t.lap("galley compile");
    if lines.is_empty() {
        return Err(spec
            .error(
                spec.text.file.span(),
                "the base text prints nothing: it holds no visible characters",
            )
            .into());
    }
    let width_of: HashMap<&str, f64> = atoms
        .iter()
        .map(|a| a.as_str())
        .zip(widths.iter().copied())
        .collect();
    let width = |m: &str| width_of.get(m).copied().unwrap_or(0.0);
    let tok_width = |t: &Token| -> f64 {
        if markup::is_composite(t) {
            t.iter().map(|a| width(&a.expr())).sum()
        } else {
            width(&markup::token_measure(t))
        }
    };
    let num_width: HashMap<char, f64> = NUMBER_CHARS
        .chars()
        .map(|c| (c, width(&number_measure(&c.to_string()))))
        .collect();
    let space = metrics.space;
    let emit = markup::Emit {
        numbers_additive: NUMBER_CHARS.chars().all(|c| {
            NUMBER_CHARS.chars().all(|b| {
                (width(&number_measure(&format!("{c}{b}"))) - num_width[&c] - num_width[&b]).abs()
                    < 1e-3
            })
        }),
        merge: markup::MERGEABLE
            .into_iter()
            .filter(|f| {
                let w = |s: &str| width(&Atom::Text(f, s.to_string()).expr());
                let joined = format!("{} {}", MERGE_PROBE.0, MERGE_PROBE.1);
                (w(&joined) - w(MERGE_PROBE.0) - space - w(MERGE_PROBE.1)).abs() < 1e-3
            })
            .collect(),
    };
    let sep_width = [false, true].map(|line| tok_width(&markup::sep_token(line)));
    drop(part_worlds);
    // The galley's layout caches cannot serve the final compile (every paragraph changes):
    // free them now rather than hold both documents' caches at once.
    if !opts.keep_caches {
        comemo::evict(0);
        release_memory();
    }
    t.lap("galley read-back");

    // Each lemma's first and last line.
    let line_of = |pos: usize| -> usize {
        lines
            .partition_point(|l| l.range.end <= pos)
            .min(lines.len() - 1)
    };
    let lemma_lines: Vec<(usize, usize)> = p
        .lemmata
        .iter()
        .map(|l| {
            (
                line_of(l.range.start),
                line_of(l.range.end.saturating_sub(1).max(l.range.start)),
            )
        })
        .collect();
    // Ranks: the lemma occurs more than once on its (first) printed line.
    for (k, l) in p.lemmata.iter().enumerate() {
        let line = &lines[lemma_lines[k].0];
        let lemma = &p.doc[l.range.clone()];
        let hits: Vec<usize> = crate::text::find_in(&p.doc[line.range.clone()], lemma)
            .into_iter()
            .map(|m| m.start + line.range.start)
            .collect();
        if hits.len() > 1
            && let Some(r) = hits.iter().position(|&h| h == l.range.start)
        {
            entry_toks[k] = markup::entry_tokens(spec, p, l, Some(r + 1));
        }
    }
    let entry_widths: Vec<Vec<f64>> = entry_toks
        .iter()
        .map(|ts| ts.iter().map(&tok_width).collect())
        .collect();

    // ---- 2. Compose ------------------------------------------------------------------------
    let restart = markup::restart_page(spec);
    let every = (*spec.layout.line_numbers.every.get_ref()).max(1) as u32;
    let foot_series: Vec<usize> = (0..spec.series.len())
        .filter(|&s| spec.series[s].placement == Placement::Foot)
        .collect();
    let per_line: Vec<bool> = spec
        .series
        .iter()
        .map(|s| s.arrangement == Arrangement::OnePerLine)
        .collect();
    // Lemmata by first line.
    let mut by_line: Vec<Vec<usize>> = vec![vec![]; lines.len()];
    for (k, ll) in lemma_lines.iter().enumerate() {
        by_line[ll.0].push(k);
    }
    let ctx = Ctx {
        lemmata: &p.lemmata,
        lines: &lines,
        lemma_lines: &lemma_lines,
        entry_toks: &entry_toks,
        entry_widths: &entry_widths,
        num_width: &num_width,
        sep_width,
        by_line: &by_line,
        m: &metrics,
        foot_series: &foot_series,
        per_line: &per_line,
        restart,
    };

    let mut pages: Vec<Range<usize>> = vec![];
    let mut s = 0;
    let mut doc_line = 0u32; // numbered lines before this page (continuous numbering)
    while s < lines.len() {
        let page_no = front_pages + pages.len() + 1;
        let mut best = None;
        let mut e = s;
        while e < lines.len() {
            let app = ctx.apparatus_height(s, e, doc_line, page_no);
            let h = lines[e].baseline - (lines[s].baseline - lines[s].cap) + app;
            if h > metrics.text_height + 0.01 {
                break;
            }
            best = Some(e);
            e += 1;
        }
        let mut e = match best {
            Some(e) => e,
            None => {
                // Not even one line fits with its apparatus: an apparatus block never breaks
                // across pages, so the notes of this line are too long for any page.
                let mut d = Diagnostic::error(format!(
                    "page {page_no}: the apparatus of one line is taller than the page ({:.0} pt available)",
                    metrics.text_height
                ))
                .with_note("an apparatus block does not continue on the next page; shorten these entries or use a series with placement = \"end\"");
                for (i, &k) in by_line[s].iter().enumerate() {
                    let span = spec.entries[p.lemmata[k].entry].quote.at.span();
                    d = if i == 0 {
                        d.at(&spec.file, span)
                    } else {
                        d.with_label(&spec.file, span, "another entry on that line")
                    };
                }
                return Err(d.into());
            }
        };
        if e + 1 < lines.len() {
            let full = e;
            while e > s && bad_break(&lines, e) {
                e -= 1;
            }
            if e == s && bad_break(&lines, e) {
                e = full;
            }
        }
        doc_line += lines[s..=e].iter().filter(|l| l.numbered).count() as u32;
        pages.push(s..e + 1);
        s = e + 1;
    }

    // Build the pages' content.
    let mut out_pages = vec![];
    let mut placed = vec![];
    let mut section = None;
    let mut doc_line = 0u32;
    for (k, r) in pages.iter().enumerate() {
        let page_no = front_pages + k + 1;
        let (app, _, plan) = ctx.apparatus_full(r.start, r.end - 1, doc_line, page_no, true);
        placed.extend(plan);
        let top = lines[r.start].baseline - lines[r.start].cap;
        let mut numbers = vec![];
        let mut n = if restart { 0 } else { doc_line };
        for l in &lines[r.clone()] {
            if l.numbered {
                n += 1;
                if n % every == 0 {
                    numbers.push((n, l.baseline - top));
                }
            }
        }
        doc_line += lines[r.clone()].iter().filter(|l| l.numbered).count() as u32;
        // Margin notes on this page, stacked downwards.
        let mut notes = vec![];
        let mut next_free = f64::MIN;
        for (i, note) in p.notes.iter().enumerate() {
            let li = line_of(note.pos);
            if !r.contains(&li) {
                continue;
            }
            let want = lines[li].baseline - top;
            let y = want.max(next_free);
            if y > want + 0.01 {
                warnings.push(
                    Diagnostic::warning(format!(
                        "{} on page {page_no} moved down {:.1} pt to clear the note above",
                        note.label,
                        y - want
                    ))
                    .at(&spec.file, note.span.clone()),
                );
            }
            let bottom = y - metrics.note_ascent + note_heights[i];
            if bottom > metrics.text_height + 0.01 {
                return Err(spec
                    .error(
                        note.span.clone(),
                        format!(
                            "{} does not fit on page {page_no}: it would end {:.1} pt below the text block",
                            note.label,
                            bottom - metrics.text_height
                        ),
                    )
                    .with_note("notes on nearby lines stack downwards; shorten this note or the ones above it")
                    .into());
            }
            next_free = bottom + metrics.note_spacing + metrics.note_ascent;
            notes.push((y, note.body.clone()));
        }
        // Body pieces.
        let mut pieces: Vec<Piece> = vec![];
        for (li, l) in lines[r.clone()].iter().enumerate() {
            let li = li + r.start;
            let lb = LineBreak {
                range: l.range.clone(),
                hyphen: l.hyphen,
            };
            match pieces.last_mut() {
                Some(pc) if pc.block == l.block => pc.lines.push(lb),
                _ => pieces.push(Piece {
                    block: l.block,
                    lines: vec![lb],
                    continues: false,
                    continued: !l.first_of_block,
                }),
            }
            if li + 1 == r.end
                && let Some(pc) = pieces.last_mut()
            {
                pc.continues = !l.last_of_block;
            }
        }
        for pc in &pieces {
            if pc.lines.is_empty() || pc.continued {
                continue;
            }
            if p.blocks[pc.block].kind == BlockKind::Heading(1) {
                section = Some(p.blocks[pc.block].range.clone());
            }
        }
        out_pages.push(Page {
            pieces,
            apparatus: app,
            numbers,
            notes,
            number: page_no,
            section: section.clone(),
        });
    }

    // Series placed at the end of the edition.
    let mut endnotes = vec![];
    for series in (0..spec.series.len()).filter(|&s| spec.series[s].placement == Placement::End) {
        let mut toks = vec![];
        let mut doc_line = 0u32;
        for (k, r) in pages.iter().enumerate() {
            let (t, pl) = ctx.series_tokens(
                series,
                r.start,
                r.end - 1,
                doc_line,
                front_pages + k + 1,
                true,
            );
            doc_line += lines[r.clone()].iter().filter(|l| l.numbered).count() as u32;
            if !toks.is_empty() && !t.is_empty() && !per_line[series] {
                toks.push((markup::sep_token(true), t[0].1));
            }
            toks.extend(t.into_iter().map(|(t, e, _)| (t, e)));
            placed.extend(pl);
        }
        if !toks.is_empty() {
            endnotes.push((series, toks));
        }
    }

    // ---- 3. Final compile and verify --------------------------------------------------------
    t.lap("compose");
    let fin = markup::final_doc(
        spec,
        p,
        front,
        template,
        &out_pages,
        &endnotes,
        metrics.note_width,
        &emit,
    );
    world.set_main(fin.out.clone());
    compiles.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (doc, w) = typeset::compile(world)?;
    if !opts.keep_caches {
        comemo::evict(0);
        release_memory();
    }
    t.lap("final compile");
    warnings.extend(w);
    let index = SpanIndex::new(world.main_source());
    // The final markup's syntax tree is not needed any more (the index holds what verify
    // reads): free it before the PDF export needs its memory.
    world.set_main(String::new());
    release_memory();
    if let Ok(dbg) = std::env::var("APPARAT_DEBUG_DIR") {
        let d = std::path::Path::new(&dbg);
        for (i, g) in galleys.iter().enumerate() {
            let _ = std::fs::write(d.join(format!("galley-{i}.typ")), &g.out);
        }
        let _ = std::fs::write(d.join("final.typ"), &fin.out);
        let _ = std::fs::write(d.join("measure.typ"), measure_world.main_source().text());
        if let Ok(pdf) = typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default()) {
            let _ = std::fs::write(d.join("final.pdf"), pdf);
        }
    }
    let endnotes_empty = endnotes.is_empty();
    // Verify and export in parallel: both only read the document.
    let (verified, exported) = std::thread::scope(|scope| {
        let e = scope.spawn(|| export(&doc));
        let v = verify(
            endnotes_empty,
            spec,
            p,
            &doc,
            &index,
            &fin,
            &lines,
            &pages,
            &out_pages,
            &placed,
            front_pages,
            &metrics,
        );
        (v, e.join())
    });
    verified?;
    let pdf = exported.map_err(|_| Diagnostic::error("PDF export panicked"))??;
    if opts.keep_caches {
        // Watch mode keeps Typst's caches between builds; what the last ten builds did not
        // use goes (as in Typst's own watch), so that a long session does not grow.
        comemo::evict(10);
    }
    t.lap("verify and export");
    Ok(Laid {
        doc,
        pdf,
        markup: fin.out,
        front_pages,
        body_pages: pages.len(),
        entries: placed,
        compiles: compiles.into_inner(),
        warnings,
    })
}

/// How to lay out.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Print each phase's time on stderr (also with `APPARAT_TIMING` set).
    pub progress: bool,
    /// Keep Typst's caches between builds (watch mode) instead of freeing them early, and
    /// reuse galley and measurement results whose markup has not changed.
    pub keep_caches: bool,
    /// What else the layout depends on besides the markup (the template's text, the fonts):
    /// part of the reuse key.
    pub salt: String,
}

type Measured = (Metrics, Vec<f64>, Vec<f64>);
type MemoKey = [u8; 32];

/// A galley part read back: its lines, and (for the first part) its front pages.
type GalleyPart = (Vec<GLine>, usize);
/// Galley lines (and front pages) by markup, kept between builds of one process (watch).
static GALLEYS: std::sync::Mutex<Vec<(MemoKey, GalleyPart)>> = std::sync::Mutex::new(Vec::new());
/// Measurements by markup, likewise.
static MEASURED: std::sync::Mutex<Vec<(MemoKey, Measured)>> = std::sync::Mutex::new(Vec::new());

fn memo_key(salt: &str, text: &str) -> MemoKey {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(salt.as_bytes());
    h.update([0]);
    h.update(text.as_bytes());
    h.finalize().into()
}

/// Keep a result, and only the few most recent ones.
fn remember<T>(cache: &mut Vec<(MemoKey, T)>, key: MemoKey, value: T) {
    cache.retain(|(k, _)| *k != key);
    cache.push((key, value));
    if cache.len() > 4 {
        cache.remove(0);
    }
}

trait Lookup<T> {
    fn get(&self, key: &MemoKey) -> Option<&T>;
}

impl<T> Lookup<T> for Vec<(MemoKey, T)> {
    fn get(&self, key: &MemoKey) -> Option<&T> {
        self.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// Phase timings on stderr.
struct Timer {
    on: bool,
    last: std::cell::Cell<std::time::Instant>,
}

impl Timer {
    fn new(on: bool) -> Self {
        Timer {
            on: on || std::env::var_os("APPARAT_TIMING").is_some(),
            last: std::cell::Cell::new(std::time::Instant::now()),
        }
    }

    fn lap(&self, what: &str) {
        if self.on {
            let now = std::time::Instant::now();
            eprintln!(
                "  {what:<18} {:>8.3} s{}",
                (now - self.last.get()).as_secs_f64(),
                memory()
            );
            self.last.set(now);
        }
    }
}

/// Hand freed heap pages back to the system (glibc keeps them otherwise), so that the final
/// compile does not stack on top of the galley's high-water mark.
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only releases free memory at the top of glibc's heaps.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// Resident and peak memory of this process (Linux), for the phase report.
fn memory() -> String {
    let Ok(st) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let kib = |k: &str| {
        st.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    match (kib("VmRSS:"), kib("VmHWM:")) {
        (Some(now), Some(peak)) => format!("   {:>5} MiB, peak {:>5} MiB", now >> 10, peak >> 10),
        _ => String::new(),
    }
}

/// The smallest text block (pt) and margin-note column (pt, when there are margin notes)
/// apparat sets text in.
const MIN_TEXT: f64 = 72.0;
const MIN_NOTE_COLUMN: f64 = 18.0;

/// The page geometry the template reported leaves room for text (and for margin notes,
/// where there are some); otherwise an error at the spec's margins (or its paper).
fn check_geometry(spec: &Spec, m: &Metrics, notes: bool) -> Result<()> {
    let at = spec
        .layout
        .margins
        .as_ref()
        .map_or(spec.layout.paper.span(), |mg| mg.span());
    let paper = spec.layout.paper.get_ref();
    if m.text_width < MIN_TEXT || m.text_height < MIN_TEXT {
        return Err(spec
            .error(
                at,
                format!(
                    "the margins leave a text block of {:.0} × {:.0} pt on the {paper} page; at least {MIN_TEXT:.0} × {MIN_TEXT:.0} pt are needed",
                    m.text_width, m.text_height
                ),
            )
            .into());
    }
    if notes && m.note_width < MIN_NOTE_COLUMN {
        return Err(spec
            .error(
                at,
                format!(
                    "the outer margin leaves {:.0} pt for margin notes; at least {MIN_NOTE_COLUMN:.0} pt are needed (beside the line numbers)",
                    m.note_width
                ),
            )
            .into());
    }
    Ok(())
}

/// Two words measured apart and together, to learn whether a template function's words may
/// be merged into one call (see `markup::Emit`). Capitals and punctuation beside the space,
/// where kerning would show.
const MERGE_PROBE: (&str, &str) = ("To.", "Vy");

/// The measured markup of a line reference's characters set as one run.
fn number_measure(s: &str) -> String {
    Atom::Text("app-num", s.to_string()).expr()
}

/// Block ranges of the galley's parts: two halves of the body sharing one block, for texts
/// long enough to gain from a second thread; one part otherwise.
fn galley_parts(p: &Printed) -> Vec<Range<usize>> {
    let n = p.blocks.len();
    if p.doc.len() < 40_000 || n < 4 {
        return std::iter::once(0..n).collect();
    }
    // Split at the middle block, not the middle byte: an edit inside one half then leaves
    // the other half's markup unchanged, and watch mode reuses it.
    let k = (n / 2).clamp(1, n - 2);
    vec![0..k + 1, k..n]
}

/// A page may not end after line `e` when …
fn bad_break(lines: &[GLine], e: usize) -> bool {
    let l = &lines[e];
    let next = lines.get(e + 1);
    !l.numbered // … it is a title or heading line (keep with what follows)
        || l.hyphen // … the last word is hyphenated
        || (l.first_of_block && !l.last_of_block) // … an orphan: a paragraph's first line alone
        || next.is_some_and(|n| n.last_of_block && !n.first_of_block) // … a widow would follow
        || (e > 0 && !lines[e - 1].numbered && l.first_of_block) // … a heading keeps two lines
}

struct Ctx<'a> {
    lemmata: &'a [markup::PLemma],
    lines: &'a [GLine],
    lemma_lines: &'a [(usize, usize)],
    entry_toks: &'a [Vec<Token>],
    /// Width of each entry token.
    entry_widths: &'a [Vec<f64>],
    /// Width of each character of a line reference.
    num_width: &'a HashMap<char, f64>,
    /// Width of the separators `|` and `‖`.
    sep_width: [f64; 2],
    by_line: &'a [Vec<usize>],
    m: &'a Metrics,
    foot_series: &'a [usize],
    /// Per series: each entry on a line of its own.
    per_line: &'a [bool],
    restart: bool,
}

use markup::AppBlocks;

impl Ctx<'_> {
    /// Height (incl. clearance) of the apparatus of a page holding lines s..=e: the page
    /// builder's trial, which needs only the number of lines.
    fn apparatus_height(&self, s: usize, e: usize, doc_line: u32, page_no: usize) -> f64 {
        self.apparatus_full(s, e, doc_line, page_no, false).1
    }

    fn number_of(&self, s: usize, line: usize, doc_line: u32) -> u32 {
        let local = self.lines[s..=line].iter().filter(|l| l.numbered).count() as u32;
        if self.restart {
            local
        } else {
            doc_line + local
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
    ) -> (Vec<(Token, usize, f64)>, Vec<PlacedEntry>) {
        let mut toks: Vec<(Token, usize, f64)> = vec![];
        let mut placed = vec![];
        let mut prev_line = None;
        for line in s..=e {
            for &k in &self.by_line[line] {
                let entry = self.lemmata[k].entry;
                if self.lemmata[k].series != series {
                    continue;
                }
                let (fl, ll) = self.lemma_lines[k];
                let first = self.number_of(s, fl, doc_line);
                let (last, mut num) = if ll == fl {
                    (first, first.to_string())
                } else if ll <= e {
                    let last = self.number_of(s, ll, doc_line);
                    (last, format!("{first}–{last}"))
                } else {
                    // The lemma ends on the next page: its line there.
                    let local = self.lines[e + 1..=ll].iter().filter(|l| l.numbered).count() as u32;
                    let last = if self.restart {
                        local
                    } else {
                        doc_line
                            + self.lines[s..=e].iter().filter(|l| l.numbered).count() as u32
                            + local
                    };
                    (last, format!("{first}–{}.{last}", page_no + 1))
                };
                if end {
                    num = format!("{page_no}.{num}");
                }
                // `|` between entries of one line, `‖` before a new line; the reference is
                // printed at a new line, and again where a range makes it differ (`6 a] … |
                // 6–7 b]`).
                let same_line = prev_line.as_ref().is_some_and(|(l, _)| *l == fl);
                // One-per-line series: each entry on a line of its own, its reference first.
                let per_line = self.per_line[series];
                if prev_line.is_some() && !per_line {
                    let w = self.sep_width[usize::from(!same_line)];
                    toks.push((markup::sep_token(!same_line), entry, w));
                }
                if per_line || !same_line || prev_line.as_ref().is_some_and(|(_, n)| *n != num) {
                    let w = num
                        .chars()
                        .map(|c| self.num_width.get(&c).copied().unwrap_or(0.0))
                        .sum();
                    toks.push((markup::number_atoms(&num), entry, w));
                }
                prev_line = Some((fl, num.clone()));
                for (t, w) in self.entry_toks[k].iter().zip(&self.entry_widths[k]) {
                    toks.push((t.clone(), entry, *w));
                }
                placed.push(PlacedEntry {
                    entry,
                    page: page_no,
                    first,
                    last,
                    end,
                });
            }
        }
        (toks, placed)
    }

    /// The apparatus of a page holding lines s..=e: (blocks, height incl. clearance,
    /// placements). `even`: choose the evenest line breaks (see [`Self::break_lines`]).
    fn apparatus_full(
        &self,
        s: usize,
        e: usize,
        doc_line: u32,
        page_no: usize,
        even: bool,
    ) -> (AppBlocks, f64, Vec<PlacedEntry>) {
        let mut blocks: AppBlocks = vec![];
        let mut total_lines = 0usize;
        let mut placed = vec![];
        for &series in self.foot_series {
            let (toks, p) = self.series_tokens(series, s, e, doc_line, page_no, false);
            placed.extend(p);
            if toks.is_empty() {
                continue;
            }
            let lines = if self.per_line[series] {
                // Entry by entry; continuation lines are indented.
                let mut lines = vec![];
                for entry in toks.chunk_by(|a, b| a.1 == b.1) {
                    lines.extend(self.break_lines(entry.to_vec(), self.m.app_hang, even));
                }
                lines
            } else {
                self.break_lines(toks, 0.0, even)
            };
            total_lines += lines.len();
            blocks.push((series, lines));
        }
        let h = if blocks.is_empty() {
            0.0
        } else {
            self.m.app_base
                + self.m.app_series * blocks.len() as f64
                + self.m.app_line * total_lines as f64
                + self.m.app_clearance
        };
        (blocks, h, placed)
    }

    /// Breaks a series block into lines over measured token widths (apparat forces these
    /// breaks in the markup); lines after the first are `hang` narrower.
    ///
    /// A line never ends with a separator or a line reference: they stay with the lemma that
    /// follows (`‖ 9 lemma]`, never `‖ 9` at a line's end). The number of lines is the
    /// fewest first-fit makes under that rule (first fit is optimal for the count). With
    /// `even`, the breaks are then chosen among all with that count to spread the slack of
    /// the justified lines most evenly (least sum of squared slack, the last line free), so
    /// the page plan — which depends only on the count — is unchanged.
    fn break_lines(
        &self,
        toks: Vec<(Token, usize, f64)>,
        hang: f64,
        even: bool,
    ) -> Vec<Vec<(Token, usize)>> {
        let space = self.m.space;
        let avail = |line: usize| self.m.text_width - 0.5 - if line > 0 { hang } else { 0.0 };
        // Units: runs of tokens no line may end inside (start index, width).
        let mut units: Vec<(usize, f64)> = vec![];
        let mut glued = false;
        for (i, (t, _, w)) in toks.iter().enumerate() {
            match units.last_mut() {
                Some(u) if glued => u.1 += space + w,
                _ => units.push((i, *w)),
            }
            glued = !markup::may_end_line(t);
        }
        let n = units.len();
        // Width of units i..j set on one line.
        let mut prefix = vec![0.0; n + 1];
        for (k, u) in units.iter().enumerate() {
            prefix[k + 1] = prefix[k] + u.1;
        }
        let width = |i: usize, j: usize| prefix[j] - prefix[i] + space * (j - i - 1) as f64;
        // First fit: the fewest lines; `ends[k]` is the unit after line k.
        let mut ends: Vec<usize> = vec![];
        let mut start = 0;
        for j in 1..=n {
            if j - start > 1 && width(start, j) > avail(ends.len()) {
                ends.push(j - 1);
                start = j - 1;
            }
        }
        if n > 0 {
            ends.push(n);
        }
        let lines_n = ends.len();
        if even && lines_n > 1 {
            // best[k][j]: least cost of setting units 0..j in k lines.
            let mut best = vec![vec![f64::INFINITY; n + 1]; lines_n + 1];
            let mut from = vec![vec![0usize; n + 1]; lines_n + 1];
            best[0][0] = 0.0;
            for k in 1..=lines_n {
                for j in 1..=n {
                    let mut i = j - 1;
                    loop {
                        let w = width(i, j);
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
                        if i == 0 {
                            break;
                        }
                        i -= 1;
                    }
                }
            }
            if best[lines_n][n].is_finite() {
                let mut j = n;
                for k in (1..=lines_n).rev() {
                    ends[k - 1] = j;
                    j = from[k][j];
                }
            }
        }
        // Lines from unit boundaries.
        let mut out: Vec<Vec<(Token, usize)>> = Vec::with_capacity(lines_n);
        let mut toks = toks.into_iter();
        let mut prev = 0;
        for &end in &ends {
            let till = units.get(end).map_or(usize::MAX, |u| u.0);
            let first = units[prev].0;
            out.push(
                toks.by_ref()
                    .take(till.saturating_sub(first))
                    .map(|(t, e, _)| (t, e))
                    .collect(),
            );
            prev = end;
        }
        out
    }
}

fn read_measure(doc: &PagedDocument) -> Result<(Metrics, Vec<f64>, Vec<f64>)> {
    let geo = dict(
        typeset::metadata(doc, "apparat-geometry"),
        "apparat-geometry",
    )?;
    let m = dict(typeset::metadata(doc, "apparat-measure"), "apparat-measure")?;
    let f = |d: &Dict, k: &str| -> Result<f64> {
        match d.get(k) {
            Ok(Value::Float(x)) => Ok(*x),
            Ok(Value::Int(x)) => Ok(*x as f64),
            _ => Err(
                Diagnostic::error(format!("the template's measurements lack a number `{k}`"))
                    .into(),
            ),
        }
    };
    let arr = |d: &Dict, k: &str| -> Result<Vec<f64>> {
        match d.get(k) {
            Ok(Value::Array(a)) => Ok(a
                .iter()
                .map(|v| match v {
                    Value::Float(x) => *x,
                    Value::Int(x) => *x as f64,
                    _ => 0.0,
                })
                .collect()),
            _ => Err(
                Diagnostic::error(format!("the template's measurements lack an array `{k}`"))
                    .into(),
            ),
        }
    };
    let metrics = Metrics {
        text_width: f(&geo, "text-width")?,
        text_height: f(&geo, "text-height")?,
        top: f(&geo, "top")?,
        note_width: f(&geo, "note-width")?,
        space: f(&m, "space")?,
        app_line: f(&m, "app-line")?,
        app_series: f(&m, "app-series")?,
        app_base: f(&m, "app-base")?,
        app_clearance: f(&m, "app-clearance")?,
        // Absent from templates forked before one-per-line series existed.
        app_hang: f(&m, "app-hang").unwrap_or(0.0),
        note_ascent: f(&m, "note-ascent")?,
        note_spacing: f(&m, "note-spacing")?,
    };
    Ok((metrics, arr(&m, "widths")?, arr(&m, "note-heights")?))
}

fn dict(v: Option<Value>, what: &str) -> Result<Dict> {
    match v {
        Some(Value::Dict(d)) => Ok(d),
        _ => Err(Diagnostic::error(format!(
            "the template did not report `<{what}>`: a custom template must keep the functions `geometry-metadata` and `measure-all`"
        ))
        .into()),
    }
}

/// Printed offset of a glyph, if it shows printed text.
fn printed_offset(gp: &GlyphPos, index: &SpanIndex, spans: &markup::SpanTable) -> Option<usize> {
    let r = index.range(gp.span)?;
    let (start, len) = spans.literal_at(r.start)?;
    let off = gp.offset as usize;
    (off < len).then_some(start + off)
}

/// The galley's lines, read back from the glyphs of its last page.
fn galley_lines(
    p: &Printed,
    doc: &PagedDocument,
    index: &SpanIndex,
    spans: &markup::SpanTable,
    body_page: usize,
) -> Result<Vec<GLine>> {
    // (baseline, printed offset, cap) of glyphs showing printed text; a glyph whose text
    // differs from the printed text at its offset was added by Typst: a hyphen.
    let mut pts: Vec<(f64, usize, f64)> = vec![];
    let mut hyphens: Vec<f64> = vec![];
    typeset::for_each_glyph(doc, body_page..body_page + 1, |g| {
        if let Some(o) = printed_offset(g, index, spans) {
            if g.first != '\0' && p.doc.get(o..).is_some_and(|t| t.starts_with(g.first)) {
                pts.push((g.y, o, g.cap));
            } else {
                hyphens.push(g.y);
            }
        }
    });
    pts.sort_by_key(|pt| pt.1);
    let mut lines: Vec<GLine> = vec![];
    for (y, o, cap) in pts {
        let block = p
            .block_at(o)
            .ok_or_else(|| Diagnostic::error("galley: a glyph outside every block"))?;
        match lines.last_mut() {
            Some(l) if l.block == block && (l.baseline - y).abs() < 0.5 => {
                l.range.end = l.range.end.max(o + 1);
                l.cap = l.cap.max(cap);
            }
            _ => lines.push(GLine {
                block,
                range: o..o + 1,
                baseline: y,
                cap,
                hyphen: false,
                numbered: p.blocks[block].kind == BlockKind::Paragraph,
                first_of_block: false,
                last_of_block: false,
            }),
        }
    }
    // Extend ranges to char boundaries and decide hyphenation at each break.
    let n = lines.len();
    for i in 0..n {
        let mut end = lines[i].range.end;
        while end < p.doc.len() && !p.doc.is_char_boundary(end) {
            end += 1;
        }
        // The space at a break belongs to no line (Typst hangs it; markup must not emit it).
        while end > lines[i].range.start + 1 && p.doc[..end].ends_with(' ') {
            end -= 1;
        }
        lines[i].range.end = end;
        let b = lines[i].block;
        lines[i].first_of_block = i == 0 || lines[i - 1].block != b;
        lines[i].last_of_block = i + 1 == n || lines[i + 1].block != b;
        if !lines[i].last_of_block {
            let next = lines[i + 1].range.start;
            if next < end {
                return Err(Diagnostic::error(format!(
                    "galley: lines overlap at printed byte {next}"
                ))
                .into());
            }
            let gap = &p.doc[end..next];
            let last = p.doc[..end].chars().next_back();
            let y = lines[i].baseline;
            lines[i].hyphen = hyphens.iter().any(|h| (h - y).abs() < 0.5);
            if lines[i].hyphen && !(gap.is_empty() && last.is_some_and(|c| c.is_alphanumeric())) {
                return Err(Diagnostic::error(format!(
                    "galley: a hyphen Typst added at an unexpected place: {:?}",
                    &p.doc[lines[i].range.clone()]
                ))
                .into());
            }
            if !(gap.is_empty() || gap.chars().all(|c| c == ' ')) {
                return Err(Diagnostic::error(format!(
                    "galley: text missing between lines: {gap:?}"
                ))
                .into());
            }
        }
    }
    // The first line of each block starts at the block start.
    for l in lines.iter_mut().filter(|l| l.first_of_block) {
        l.range.start = p.blocks[l.block].range.start;
    }
    Ok(lines)
}

#[allow(clippy::too_many_arguments)]
fn verify(
    endnotes_empty: bool,
    spec: &Spec,
    p: &Printed,
    doc: &PagedDocument,
    index: &SpanIndex,
    fin: &markup::Writer,
    lines: &[GLine],
    pages: &[Range<usize>],
    out: &[Page],
    placed: &[PlacedEntry],
    front_pages: usize,
    m: &Metrics,
) -> Result<()> {
    let mut errs = vec![];
    if doc.pages().len() < front_pages + pages.len()
        || (endnotes_empty && doc.pages().len() != front_pages + pages.len())
    {
        errs.push(Diagnostic::error(format!(
            "layout: planned {} pages, Typst made {}",
            front_pages + pages.len(),
            doc.pages().len()
        )));
    }
    // Planned page and y of each line.
    let mut line_page = vec![0usize; lines.len()];
    let mut line_y = vec![0f64; lines.len()];
    for (k, r) in pages.iter().enumerate() {
        let top = lines[r.start].baseline - lines[r.start].cap;
        for i in r.clone() {
            line_page[i] = front_pages + k;
            line_y[i] = m.top + lines[i].baseline - top;
        }
    }
    let mut bad_lines = 0usize;
    let mut first_bad = None;
    let mut last_body_y: HashMap<usize, f64> = HashMap::new();
    // Apparatus entries: where their glyphs went (each distinct page and baseline once).
    let mut found: HashMap<usize, Vec<(usize, f64)>> = HashMap::new();
    typeset::for_each_glyph(doc, 0..doc.pages().len(), |g| {
        // Body text (running heads above the text block may quote a heading: not body text).
        // A space where a title or heading wraps belongs to no line: it is not checked.
        if g.y >= m.top - 1.0
            && let Some(o) = printed_offset(g, index, &fin.spans)
        {
            if g.first.is_whitespace() {
                return;
            }
            let li = lines
                .partition_point(|l| l.range.end <= o)
                .min(lines.len() - 1);
            let e = last_body_y.entry(g.page).or_insert(0.0);
            *e = e.max(g.y);
            if g.page != line_page[li] || (g.y - line_y[li]).abs() > 0.5 {
                bad_lines += 1;
                first_bad.get_or_insert((o, li, g.page, g.y));
            }
            return;
        }
        let Some(r) = index.range(g.span) else {
            return;
        };
        let i = fin.entries.partition_point(|(er, _)| er.end <= r.start);
        if let Some((er, entry)) = fin.entries.get(i)
            && er.start <= r.start
        {
            let at = found.entry(*entry).or_default();
            if at.last() != Some(&(g.page, g.y)) {
                at.push((g.page, g.y));
            }
        }
    });
    if let Some((o, li, page, y)) = first_bad {
        let ctx: String = p.doc[lines[li].range.clone()].chars().take(40).collect();
        errs.push(Diagnostic::error(format!(
            "layout: {bad_lines} glyph(s) off their planned line; first at printed byte {o} (line `{ctx}`…): planned page {} y {:.2}, found page {} y {:.2}",
            line_page[li] + 1, line_y[li], page + 1, y
        )));
    }
    // Apparatus lines: as many on each page as planned (a line that came out wider than
    // measured would have wrapped, and the block grown upwards).
    let mut app_ys: HashMap<usize, Vec<f64>> = HashMap::new();
    for pe in placed.iter().filter(|pe| !pe.end) {
        if let Some(gs) = found.get(&pe.entry) {
            for &(pg, y) in gs {
                app_ys.entry(pg).or_default().push(y);
            }
        }
    }
    for (k, page) in out.iter().enumerate() {
        let planned: usize = page.apparatus.iter().map(|(_, l)| l.len()).sum();
        let mut ys = app_ys.remove(&(front_pages + k)).unwrap_or_default();
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
                front_pages + k + 1
            )));
        }
    }
    let bottom = m.top + m.text_height + 0.5;
    for pe in placed {
        let e = &spec.entries[pe.entry];
        let name = format!("entry `{}` (edition.toml)", e.quote.at.get_ref());
        match found.get(&pe.entry) {
            None => errs.push(spec.error(
                e.quote.at.span(),
                format!("layout: {name} is missing from the apparatus"),
            )),
            Some(gs) => {
                if pe.end {
                    continue;
                }
                let want = pe.page - 1;
                if let Some((pg, y)) = gs.iter().find(|(pg, y)| {
                    *pg != want || *y > bottom || *y < last_body_y.get(pg).copied().unwrap_or(0.0)
                }) {
                    errs.push(spec.error(
                        e.quote.at.span(),
                        format!(
                            "layout: {name} planned on page {} was printed on page {} at y {:.1}",
                            pe.page,
                            pg + 1,
                            y
                        ),
                    ));
                }
            }
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(Diagnostics(errs))
    }
}
