//! Layout step 1 — the galley: the body set once on a page of automatic height, at the final
//! text width and in the final styles, read back line by line; and, in a compile of its own
//! running in parallel, every measurement compose needs (apparatus atoms, the apparatus
//! height model, margin notes, the page geometry).
//!
//! The result is a [`Galley`]: plain values, no Typst. Long texts are set in two parts that
//! share one block, so that they compile on both cores and their coordinates join exactly;
//! in watch mode each part and the measurements are reused while their markup is unchanged
//! ([`Reuse`]).

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use typst::foundations::{Dict, Value};
use typst_layout::PagedDocument;

use crate::diag::{Diagnostic, Result};
use crate::markup::{self, Atom, Emit, Front, MERGEABLE, Printed};
use crate::spec::Spec;
use crate::text::BlockKind;
use crate::typeset::{self, GlyphPos, SpanIndex};
use crate::world::EditionWorld;

/// A line of the galley.
#[derive(Debug, Clone, PartialEq)]
pub struct GalleyLine {
    /// Index of the printed block (title, heading, paragraph) the line belongs to.
    pub block: usize,
    /// Printed bytes on the line (without the space at its end).
    pub range: Range<usize>,
    pub baseline: f64,
    /// Height of the line's tallest capital above its baseline (its top edge).
    pub cap: f64,
    /// Typst broke the line inside a word and added a hyphen.
    pub hyphen: bool,
    /// A line of the text proper (a paragraph's or a verse's), not a title or heading line.
    pub numbered: bool,
    pub first_of_block: bool,
    pub last_of_block: bool,
    /// A verse's continuation line (the verse was too long for the measure): text, but not
    /// counted by the line numbers; a lemma on it has its verse's number.
    pub turnover: bool,
    /// Numbering starts again at this line (`restart = "section"` or `"poem"`).
    pub restart: bool,
    /// A page never ends after this line: the verse goes on, or the stanza would leave
    /// fewer verses than `stanza-keep` at the foot or head of a page.
    pub keep_with_next: bool,
    /// A page had rather not end after this line: a short stanza (at most twice
    /// `stanza-keep` verses) is kept whole where a page can end elsewhere and stay full.
    pub rather_keep: bool,
}

/// Page geometry and the height model of the apparatus and margin notes, as the template
/// reported them.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    pub text_width: f64,
    pub text_height: f64,
    /// The text block's top edge, pt from the page's top.
    pub top: f64,
    pub note_width: f64,
    /// Width of a word space in the apparatus.
    pub space: f64,
    /// Baseline-to-baseline distance of apparatus lines.
    pub app_line: f64,
    /// Extra height per series block.
    pub app_series: f64,
    /// Height of an apparatus block besides its lines (rule, padding).
    pub app_base: f64,
    /// Space between the text and the apparatus.
    pub app_clearance: f64,
    /// Indent of an entry's continuation lines in a one-per-line series.
    pub app_hang: f64,
    pub note_ascent: f64,
    pub note_spacing: f64,
}

/// What the measuring compile reported.
#[derive(Debug, Clone, Default)]
pub struct Measurements {
    pub metrics: Metrics,
    /// Width of each measured piece of markup (apparatus atoms and tokens).
    pub widths: HashMap<String, f64>,
    /// Height of each margin note body, in the order of `Printed::notes`.
    pub note_heights: Vec<f64>,
    /// Width of each margin note's widest line (wider than the note column where a word
    /// cannot break), in the same order.
    pub note_widths: Vec<f64>,
}

impl Measurements {
    /// The measured width of a piece of markup (0 for one never measured).
    pub fn width(&self, markup: &str) -> f64 {
        self.widths.get(markup).copied().unwrap_or(0.0)
    }

    /// The width of an apparatus token: measured whole, or the sum of its atoms where it is
    /// set as separate boxes (see [`markup::is_composite`]).
    pub fn token_width(&self, token: &[Atom]) -> f64 {
        if markup::is_composite(token) {
            token.iter().map(|a| self.width(&a.expr())).sum()
        } else {
            self.width(&markup::token_measure(token))
        }
    }

    /// Width of each character line references are made of (`chars`: see
    /// [`markup::number_chars`]).
    pub fn number_widths(&self, chars: &str) -> HashMap<char, f64> {
        chars
            .chars()
            .map(|c| (c, self.width(&number_measure(&c.to_string()))))
            .collect()
    }

    /// What the final markup may simplify without changing any width.
    pub fn emit(&self, chars: &str) -> Emit {
        let single = self.number_widths(chars);
        let pair = |a: char, b: char| self.width(&number_measure(&format!("{a}{b}")));
        Emit {
            numbers_additive: chars.chars().all(|a| {
                chars
                    .chars()
                    .all(|b| (pair(a, b) - single[&a] - single[&b]).abs() < 1e-3)
            }),
            merge: MERGEABLE
                .into_iter()
                .filter(|f| {
                    let w = |s: &str| self.width(&Atom::Text(f, s.to_string()).expr());
                    let joined = format!("{} {}", MERGE_PROBE.0, MERGE_PROBE.1);
                    (w(&joined) - w(MERGE_PROBE.0) - self.metrics.space - w(MERGE_PROBE.1)).abs()
                        < 1e-3
                })
                .collect(),
            isolate: false,
        }
    }
}

/// The body's lines and the measurements: everything compose needs from Typst.
#[derive(Debug, Clone)]
pub struct Galley {
    pub lines: Vec<GalleyLine>,
    /// Pages of front matter before the body.
    pub front_pages: usize,
    pub measurements: Measurements,
    /// Lines wider than the text block, in text order.
    pub overfull: Vec<Overfull>,
}

/// A galley line wider than the text block (a word too long to break, and nowhere to
/// hyphenate it): TeX's "overfull \hbox".
#[derive(Debug, Clone, PartialEq)]
pub struct Overfull {
    /// The line's printed bytes.
    pub range: Range<usize>,
    /// What the line holds: a paragraph, heading or title line.
    pub kind: BlockKind,
    /// How far it reaches beyond the text block (pt, both sides together).
    pub excess: f64,
    pub text_width: f64,
}

/// How far a galley line reaches, pt from its part's text block left edge (the leftmost
/// start of a paragraph line).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Reach {
    left: f64,
    right: f64,
}

impl Reach {
    /// How far the line runs out of a text block `text_width` wide, on either side.
    fn excess(&self, text_width: f64) -> f64 {
        (-self.left).max(0.0) + (self.right - text_width).max(0.0)
    }

    /// It runs out of the text block (more than rounding).
    pub(super) fn overruns(&self, text_width: f64) -> bool {
        self.excess(text_width) > HFUZZ
    }
}

/// Overfull lines narrower than this (pt) are rounding, not overflow (TeX's `\hfuzz`).
const HFUZZ: f64 = 0.5;

/// A warning for each apparatus entry holding a word (an unbreakable token) wider than the
/// text block: compose must set it on a line of its own, and it runs into the margin.
fn overwide_tokens(spec: &Spec, p: &Printed, m: &Measurements) -> Vec<Diagnostic> {
    let width = m.metrics.text_width;
    let mut warned = std::collections::HashSet::new();
    let mut out = vec![];
    for lemma in &p.lemmata {
        if warned.contains(&lemma.entry) {
            continue;
        }
        // A long list of sigla breaks once between two of them: it runs over only where
        // wider than two lines.
        let widest = markup::entry_tokens(spec, p, lemma, None)
            .into_iter()
            .map(|t| {
                let w = m.token_width(&t);
                let w = if super::hyphen::long_sigla(&t) {
                    w - width
                } else {
                    w
                };
                (w, t)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let Some((w, token)) = widest.filter(|(w, _)| *w > width + HFUZZ) else {
            continue;
        };
        warned.insert(lemma.entry);
        let text: String = token
            .iter()
            .filter_map(|a| match a {
                Atom::Text(_, s) => Some(s.clone()),
                Atom::Sigla(list) => Some(list.concat()),
                _ => None,
            })
            .collect();
        let e = &spec.entries[lemma.entry];
        // At the word in the entry's table (up to the next table) where it is written
        // there, else at the lemma.
        let table = spec.file.text.get(e.span.start..).unwrap_or_default();
        let table = &table[..table
            .get(1..)
            .and_then(|t| t.find("\n["))
            .map_or(table.len(), |i| i + 1)];
        let at = table
            .find(text.as_str())
            .filter(|_| !text.is_empty())
            .map_or(e.quote.at.span(), |i| {
                e.span.start + i..e.span.start + i + text.len()
            });
        out.push(
            Diagnostic::warning(format!(
                "overfull apparatus line: a word of this entry is {:.1} pt wider than the text block ({width:.1} pt) and runs into the margin",
                w - width
            ))
            .at(&spec.file, at)
            .with_note(format!("the word: `{}`", shorten(&text, 60)))
            .with_note("the apparatus breaks only between words (and once in a long list of sigla): shorten the reading or note, put spaces in it, or cite a group for its members"),
        );
    }
    out
}

/// `s`, cut to `max` characters with `…` where it was longer.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The lines reaching beyond the text block on either side.
fn overfull_lines(
    lines: &[GalleyLine],
    reaches: &[Reach],
    p: &Printed,
    text_width: f64,
) -> Vec<Overfull> {
    lines
        .iter()
        .zip(reaches)
        .filter_map(|(l, r)| {
            let excess = r.excess(text_width);
            (excess > HFUZZ).then(|| Overfull {
                range: l.range.clone(),
                kind: p.blocks[l.block].kind,
                excess,
                text_width,
            })
        })
        .collect()
}

/// Galley parts and measurements of earlier builds. Watch mode keeps one between builds, so
/// that an edit sets again only the galley part it falls in, and measures only the
/// apparatus tokens and margin notes it made new.
#[derive(Default)]
pub struct Reuse {
    /// Parts by a hash of their markup (and of what else they depend on: the template and
    /// the fonts).
    parts: Vec<(MemoKey, GalleyPart)>,
    measured: Option<KnownMeasurements>,
}

/// A galley part read back: its lines, with block indices and printed offsets relative to
/// the part's first block (so that a part whose markup did not change is reused where an
/// edit before it moved it), and (for the first part) the front pages.
#[derive(Clone)]
struct GalleyPart {
    lines: Vec<GalleyLine>,
    reaches: Vec<Reach>,
    front_pages: usize,
}

impl GalleyPart {
    /// Lines as read back (placed in the document) → a part relative to its first block.
    fn relative(
        p: &Printed,
        first_block: usize,
        (mut lines, reaches): Lines,
        front_pages: usize,
    ) -> Self {
        let base = p.blocks[first_block].range.start;
        for l in &mut lines {
            l.block -= first_block;
            l.range = l.range.start - base..l.range.end - base;
        }
        GalleyPart {
            lines,
            reaches,
            front_pages,
        }
    }

    /// The part's lines as placed in the document, its first block being `first_block`.
    fn placed(&self, p: &Printed, first_block: usize) -> Lines {
        let base = p.blocks[first_block].range.start;
        let mut lines = self.lines.clone();
        for l in &mut lines {
            l.block += first_block;
            l.range = l.range.start + base..l.range.end + base;
        }
        (lines, self.reaches.clone())
    }
}

/// Measurements known from earlier builds in one measuring context (the spec's
/// configuration, the template, the fonts): widths by token markup, note heights by note
/// markup.
struct KnownMeasurements {
    context: MemoKey,
    metrics: Metrics,
    widths: HashMap<String, f64>,
    note_heights: HashMap<String, f64>,
    note_widths: HashMap<String, f64>,
}

type MemoKey = [u8; 32];

/// How many galley parts [`Reuse`] keeps.
const REUSE_PARTS: usize = 8;

fn memo_key(salt: &str, markup: &str) -> MemoKey {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(salt.as_bytes());
    h.update([0]);
    h.update(markup.as_bytes());
    h.finalize().into()
}

impl Reuse {
    fn part(&self, key: &MemoKey) -> Option<GalleyPart> {
        self.parts
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    /// Keep a part, and only the most recent ones.
    fn remember_part(&mut self, key: MemoKey, part: GalleyPart) {
        self.parts.retain(|(k, _)| *k != key);
        self.parts.push((key, part));
        if self.parts.len() > REUSE_PARTS {
            self.parts.remove(0);
        }
    }

    /// What is known of this measuring context.
    fn measurements(&self, context: &MemoKey) -> Option<&KnownMeasurements> {
        self.measured.as_ref().filter(|m| m.context == *context)
    }

    /// Keep this build's measurements; forget those of another context, and everything
    /// when what is kept outgrows what a build asks for (so a long session does not grow).
    fn remember_measurements(&mut self, context: MemoKey, m: &Measurements, notes: &[String]) {
        let mut known = match self.measured.take() {
            Some(k) if k.context == context && k.widths.len() <= 2 * m.widths.len() + 64 => k,
            _ => KnownMeasurements {
                context,
                metrics: m.metrics.clone(),
                widths: HashMap::new(),
                note_heights: HashMap::new(),
                note_widths: HashMap::new(),
            },
        };
        known.metrics = m.metrics.clone();
        known
            .widths
            .extend(m.widths.iter().map(|(k, v)| (k.clone(), *v)));
        let heights = notes.iter().cloned().zip(m.note_heights.iter().copied());
        known.note_heights.extend(heights);
        let widths = notes.iter().cloned().zip(m.note_widths.iter().copied());
        known.note_widths.extend(widths);
        self.measured = Some(known);
    }
}

/// Everything a galley pass needs besides the World.
pub struct GalleyInput<'a> {
    pub spec: &'a Spec,
    pub printed: &'a Printed,
    pub template: &'a str,
    /// The front matter, set before the body to count its pages (`None`: none).
    pub front: Option<&'a Front>,
    /// What the layout depends on besides the markup (template text, fonts): part of the
    /// reuse key.
    pub salt: &'a str,
    /// The text is set in a column beside its translation (or the translation beside it).
    pub column: bool,
}

/// The documents of a galley pass: the galley's parts and what to measure.
struct GalleyDocs {
    /// Block ranges of the parts (each shares its first block with the part before).
    ranges: Vec<Range<usize>>,
    parts: Vec<markup::Writer>,
    /// Every piece of apparatus markup compose needs the width of.
    requests: Vec<String>,
    /// Margin note bodies.
    notes: Vec<String>,
}

impl GalleyDocs {
    fn new(input: &GalleyInput) -> Self {
        let p = input.printed;
        let ranges = parts(p);
        // The parts' markup and the measurements' requests, side by side.
        let (parts, requests) = rayon::join(
            || {
                ranges
                    .par_iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let front = input.front.filter(|_| i == 0);
                        markup::galley(
                            input.spec,
                            p,
                            front,
                            input.template,
                            r.clone(),
                            input.column,
                        )
                    })
                    .collect()
            },
            || measure_requests(input.spec, p),
        );
        GalleyDocs {
            ranges,
            parts,
            requests,
            notes: p.notes.iter().map(|n| n.body.clone()).collect(),
        }
    }

    /// The markup measuring `requests` and `notes`.
    fn measure_markup(input: &GalleyInput, requests: &[String], notes: &[String]) -> String {
        let m = markup::Measure {
            tokens: requests,
            notes,
        };
        markup::measure_doc(input.spec, input.template, &m)
    }
}

/// What a build must measure: the requests and notes no earlier build measured in the same
/// context (all of them without one).
struct ToMeasure {
    requests: Vec<String>,
    notes: Vec<String>,
}

impl ToMeasure {
    fn new(docs: &GalleyDocs, known: Option<&KnownMeasurements>) -> Option<ToMeasure> {
        let Some(known) = known else {
            return Some(ToMeasure {
                requests: docs.requests.clone(),
                notes: docs.notes.clone(),
            });
        };
        let requests: Vec<String> = docs
            .requests
            .iter()
            .filter(|r| !known.widths.contains_key(*r))
            .cloned()
            .collect();
        let mut notes: Vec<String> = docs
            .notes
            .iter()
            .filter(|n| !known.note_heights.contains_key(*n))
            .cloned()
            .collect();
        notes.dedup();
        (!requests.is_empty() || !notes.is_empty()).then_some(ToMeasure { requests, notes })
    }
}

/// Sets the galley and takes the measurements (in parallel), reusing earlier results where
/// `reuse` holds them. Returns the galley and Typst's warnings; counts compiles.
pub fn set(
    input: &GalleyInput,
    world: &mut EditionWorld,
    reuse: Option<&mut Reuse>,
    compiles: &AtomicUsize,
) -> Result<(Galley, Vec<Diagnostic>)> {
    let p = input.printed;
    let docs = GalleyDocs::new(input);
    let context = memo_key(input.salt, &GalleyDocs::measure_markup(input, &[], &[]));
    let part_keys: Vec<MemoKey> = docs
        .parts
        .iter()
        .map(|g| memo_key(input.salt, &g.out))
        .collect();
    let known_parts: Vec<Option<GalleyPart>> = part_keys
        .iter()
        .map(|k| reuse.as_deref().and_then(|r| r.part(k)))
        .collect();
    let known = reuse.as_deref().and_then(|r| r.measurements(&context));
    let to_measure = ToMeasure::new(&docs, known);
    let measure = to_measure.as_ref().map(|m| {
        let markup = GalleyDocs::measure_markup(input, &m.requests, &m.notes);
        (markup, m.requests.as_slice())
    });
    let compiled = compile(world, &docs, &known_parts, measure, compiles, p);
    let (fresh, mut warnings) = match (compiled.measured, &to_measure) {
        (Some(m), Some(asked)) => {
            let (m, w) = m?;
            (Some((m, asked)), w)
        }
        _ => (None, vec![]),
    };
    let measurements = assemble(&docs, known, fresh)?;
    check_geometry(input.spec, &measurements.metrics, !p.notes.is_empty())?;
    let mut set_parts = vec![];
    for (k, part) in compiled.parts.into_iter().enumerate() {
        let part = match (part, &known_parts[k]) {
            (Some(read), _) => {
                let (read_back, front_pages, w) = read?;
                warnings.extend(w);
                GalleyPart::relative(p, docs.ranges[k].start, read_back, front_pages)
            }
            (None, Some(known)) => known.clone(),
            (None, None) => {
                return Err(Diagnostic::error("galley: a part was neither set nor kept").into());
            }
        };
        set_parts.push(part);
    }
    if let Some(reuse) = reuse {
        reuse.remember_measurements(context, &measurements, &docs.notes);
        for (key, part) in part_keys.into_iter().zip(&set_parts) {
            reuse.remember_part(key, part.clone());
        }
    }
    let front_pages = set_parts[0].front_pages;
    let placed: Vec<Lines> = set_parts
        .iter()
        .zip(&docs.ranges)
        .map(|(part, r)| part.placed(p, r.start))
        .collect();
    let mut set = join_parts(&docs.ranges, placed)?;
    // No more hyphenated lines in a row than the spec allows: paragraphs set again.
    let text_width = measurements.metrics.text_width;
    super::stacks::limit(input, world, &mut set, text_width, compiles)?;
    let (mut lines, reaches) = set;
    super::verse::mark(input.spec, p, &mut lines);
    super::sections::mark_restarts(input.spec, p, &mut lines);
    if lines.is_empty() {
        return Err(input
            .spec
            .error(
                input.spec.text.file.span(),
                "the base text prints nothing: it holds no visible characters",
            )
            .into());
    }
    warnings.extend(overwide_tokens(input.spec, p, &measurements));
    let galley = Galley {
        overfull: overfull_lines(&lines, &reaches, p, text_width),
        lines,
        front_pages,
        measurements,
    };
    Ok((galley, warnings))
}

/// The measurements of every request: fresh ones where measured now, known ones otherwise.
fn assemble(
    docs: &GalleyDocs,
    known: Option<&KnownMeasurements>,
    fresh: Option<(Measurements, &ToMeasure)>,
) -> Result<Measurements> {
    let mut widths: HashMap<String, f64> = HashMap::with_capacity(docs.requests.len());
    let mut heights: HashMap<&str, f64> = HashMap::new();
    let mut note_widths: HashMap<&str, f64> = HashMap::new();
    let mut metrics = None;
    if let Some(k) = known {
        metrics = Some(k.metrics.clone());
        heights.extend(k.note_heights.iter().map(|(n, h)| (n.as_str(), *h)));
        note_widths.extend(k.note_widths.iter().map(|(n, w)| (n.as_str(), *w)));
    }
    if let Some((m, asked)) = &fresh {
        metrics = Some(m.metrics.clone());
        widths.extend(m.widths.iter().map(|(k, v)| (k.clone(), *v)));
        heights.extend(
            asked
                .notes
                .iter()
                .map(String::as_str)
                .zip(m.note_heights.iter().copied()),
        );
        note_widths.extend(
            asked
                .notes
                .iter()
                .map(String::as_str)
                .zip(m.note_widths.iter().copied()),
        );
    }
    for r in &docs.requests {
        if !widths.contains_key(r)
            && let Some(w) = known.and_then(|k| k.widths.get(r))
        {
            widths.insert(r.clone(), *w);
        }
    }
    let note_heights = docs
        .notes
        .iter()
        .map(|n| heights.get(n.as_str()).copied().unwrap_or(0.0))
        .collect();
    let note_widths = docs
        .notes
        .iter()
        .map(|n| note_widths.get(n.as_str()).copied().unwrap_or(0.0))
        .collect();
    let metrics = metrics.ok_or_else(|| Diagnostic::error("galley: no measurements"))?;
    Ok(Measurements {
        metrics,
        widths,
        note_heights,
        note_widths,
    })
}

/// A galley part as read back: its lines (placed in the document), front pages, warnings.
type ReadPart = Result<(Lines, usize, Vec<Diagnostic>)>;

/// The compiles of a galley pass: the parts not known (`None` where known) and the
/// measurements (where asked for).
struct Compiled {
    parts: Vec<Option<ReadPart>>,
    measured: Option<Result<(Measurements, Vec<Diagnostic>)>>,
}

/// Compiles, in parallel on forked Worlds, the galley parts not known and the measurements
/// (where `measure` gives their markup and requests), and reads each back. Each fork is made
/// on the thread that compiles it, so that the markups are parsed in parallel too.
fn compile(
    world: &EditionWorld,
    docs: &GalleyDocs,
    known_parts: &[Option<GalleyPart>],
    measure: Option<(String, &[String])>,
    compiles: &AtomicUsize,
    p: &Printed,
) -> Compiled {
    let read = |g: &markup::Writer, first: bool| -> ReadPart {
        let w = world.fork(g.out.clone());
        compiles.fetch_add(1, Ordering::Relaxed);
        let (doc, warnings) = typeset::compile(&w)?;
        let body_page = doc.pages().len() - 1;
        let index = SpanIndex::new(w.main_source());
        let lines = read_lines(p, &doc, &index, &g.spans, body_page)?;
        Ok((lines, if first { body_page } else { 0 }, warnings))
    };
    std::thread::scope(|scope| {
        let measuring = measure.map(|(markup, requests)| {
            scope.spawn(move || -> Result<_> {
                let w = world.fork(markup);
                compiles.fetch_add(1, Ordering::Relaxed);
                let (doc, warnings) = typeset::compile(&w)?;
                Ok((read_measurements(&doc, requests)?, warnings))
            })
        });
        let others: Vec<_> = docs.parts[1..]
            .iter()
            .zip(&known_parts[1..])
            .map(|(g, known)| known.is_none().then(|| scope.spawn(move || read(g, false))))
            .collect();
        let mut parts = vec![known_parts[0].is_none().then(|| read(&docs.parts[0], true))];
        parts.extend(
            others
                .into_iter()
                .map(|h| h.map(|h| joined(h.join(), "a galley compile"))),
        );
        let measured = measuring.map(|h| joined(h.join(), "the measuring compile"));
        Compiled { parts, measured }
    })
}

/// The result of a scoped thread, a panic turned into an error.
pub(super) fn joined<T>(r: std::thread::Result<Result<T>>, what: &str) -> Result<T> {
    r.unwrap_or_else(|_| Err(Diagnostic::error(format!("{what} panicked")).into()))
}

/// Galley lines and, for each, how far it reaches.
pub(super) type Lines = (Vec<GalleyLine>, Vec<Reach>);

/// Joins galley parts on the block each shares with the one before: every later part is
/// shifted so that its copy of that block lies on the first copy. Each line's reach goes
/// with it.
fn join_parts(parts: &[Range<usize>], set: Vec<Lines>) -> Result<Lines> {
    let mut set = set.into_iter();
    let (mut lines, mut reaches) = set.next().unwrap_or_default();
    for ((part, part_reaches), range) in set.zip(&parts[1..]) {
        let shared = range.start;
        let (Some(a), Some(b)) = (
            lines.iter().find(|l| l.block == shared),
            part.iter().find(|l| l.block == shared),
        ) else {
            return Err(Diagnostic::error("galley: a part lost its shared block").into());
        };
        let dy = a.baseline - b.baseline;
        for (mut l, r) in part.into_iter().zip(part_reaches) {
            if l.block > shared {
                l.baseline += dy;
                lines.push(l);
                reaches.push(r);
            }
        }
    }
    mark_block_edges(&mut lines);
    Ok((lines, reaches))
}

/// Sets `first_of_block` and `last_of_block` from the lines' blocks.
fn mark_block_edges(lines: &mut [GalleyLine]) {
    let n = lines.len();
    for i in 0..n {
        let b = lines[i].block;
        lines[i].first_of_block = i == 0 || lines[i - 1].block != b;
        lines[i].last_of_block = i + 1 == n || lines[i + 1].block != b;
    }
}

/// Block ranges of the galley's parts: two halves of the body sharing one block, for texts
/// long enough to gain from a second thread; one part otherwise.
fn parts(p: &Printed) -> Vec<Range<usize>> {
    let n = p.blocks.len();
    if p.doc.len() < 40_000 || n < 4 {
        return std::iter::once(0..n).collect();
    }
    // Split at the middle block, not the middle byte: an edit inside one half then leaves
    // the other half's markup unchanged, and watch mode reuses it.
    let k = (n / 2).clamp(1, n - 2);
    vec![0..k + 1, k..n]
}

/// Two words measured apart and together, to learn whether a template function's words may
/// be merged into one call (see `markup::Emit`). Capitals and punctuation beside the space,
/// where kerning would show.
const MERGE_PROBE: (&str, &str) = ("To.", "Vy");

/// The measured markup of a line reference's characters set as one run.
fn number_measure(s: &str) -> String {
    Atom::Text("app-num", s.to_string()).expr()
}

/// Every piece of apparatus markup compose may need the width of, each once: entry tokens
/// (measured whole, as set, with kerning inside) and the pieces of their words where they
/// may be hyphenated, the atoms of lemma tokens (a rank superscript may turn one into a
/// composite of atoms), line-reference characters alone and in pairs, the merge probes,
/// ranks and separators.
fn measure_requests(spec: &Spec, p: &Printed) -> Vec<String> {
    let mut requests = Requests::default();
    let hyphenator = super::hyphen::Hyphenator::new(spec);
    let mut split = std::collections::HashSet::new();
    for lemma in &p.lemmata {
        for token in markup::entry_tokens(spec, p, lemma, None) {
            requests.add(markup::token_measure(&token));
            if split.insert(token.clone()) {
                for piece in hyphenator.requests(&token) {
                    requests.add(piece);
                }
            }
            if token.contains(&markup::close_atom()) {
                for atom in token.iter() {
                    requests.add(atom.expr());
                }
            }
        }
    }
    let chars = markup::number_chars(p);
    for c in chars.chars() {
        for b in chars.chars() {
            requests.add(number_measure(&format!("{c}{b}")));
        }
        requests.add(number_measure(&c.to_string()));
    }
    for f in MERGEABLE {
        let joined = format!("{} {}", MERGE_PROBE.0, MERGE_PROBE.1);
        for w in [MERGE_PROBE.0, MERGE_PROBE.1, &joined] {
            requests.add(Atom::Text(f, w.to_string()).expr());
        }
    }
    for r in 1..=9 {
        requests.add(markup::rank_atom(r).expr());
    }
    for line in [true, false] {
        requests.add(markup::token_measure(&markup::sep_token(line)));
    }
    requests.list
}

/// Distinct markup to measure, in first-seen order.
#[derive(Default)]
struct Requests {
    list: Vec<String>,
    seen: std::collections::HashSet<String>,
}

impl Requests {
    fn add(&mut self, markup: String) {
        if self.seen.insert(markup.clone()) {
            self.list.push(markup);
        }
    }
}

/// Reads the measuring compile's report: the token widths, `measure-all` and
/// `geometry-metadata`.
fn read_measurements(doc: &PagedDocument, requests: &[String]) -> Result<Measurements> {
    let geometry = dict(
        typeset::metadata(doc, "apparat-geometry"),
        "apparat-geometry",
    )?;
    let measured = dict(typeset::metadata(doc, "apparat-measure"), "apparat-measure")?;
    let number = |d: &Dict, k: &str| -> Result<f64> {
        match d.get(k) {
            Ok(Value::Float(x)) => Ok(*x),
            Ok(Value::Int(x)) => Ok(*x as f64),
            _ => Err(
                Diagnostic::error(format!("the template's measurements lack a number `{k}`"))
                    .into(),
            ),
        }
    };
    let metrics = Metrics {
        text_width: number(&geometry, "text-width")?,
        text_height: number(&geometry, "text-height")?,
        top: number(&geometry, "top")?,
        note_width: number(&geometry, "note-width")?,
        space: number(&measured, "space")?,
        app_line: number(&measured, "app-line")?,
        app_series: number(&measured, "app-series")?,
        app_base: number(&measured, "app-base")?,
        app_clearance: number(&measured, "app-clearance")?,
        // Absent from templates forked before one-per-line series existed.
        app_hang: number(&measured, "app-hang").unwrap_or(0.0),
        note_ascent: number(&measured, "note-ascent")?,
        note_spacing: number(&measured, "note-spacing")?,
    };
    let widths = match typeset::metadata(doc, "apparat-widths") {
        Some(Value::Array(a)) => floats(&a),
        _ => {
            return Err(Diagnostic::error("the measuring compile reported no token widths").into());
        }
    };
    Ok(Measurements {
        metrics,
        widths: requests.iter().cloned().zip(widths).collect(),
        note_heights: numbers(&measured, "note-heights")?,
        // Absent from templates forked before overfull notes were reported.
        note_widths: numbers(&measured, "note-widths").unwrap_or_default(),
    })
}

/// An array of numbers from the measurements.
fn numbers(d: &Dict, k: &str) -> Result<Vec<f64>> {
    match d.get(k) {
        Ok(Value::Array(a)) => Ok(floats(a)),
        _ => Err(
            Diagnostic::error(format!("the template's measurements lack an array `{k}`")).into(),
        ),
    }
}

/// The numbers of an array (0 for anything else).
fn floats(a: &typst::foundations::Array) -> Vec<f64> {
    a.iter()
        .map(|v| match v {
            Value::Float(x) => *x,
            Value::Int(x) => *x as f64,
            _ => 0.0,
        })
        .collect()
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

/// Printed offset of a glyph, if it shows printed text.
pub fn printed_offset(
    glyph: &GlyphPos,
    index: &SpanIndex,
    spans: &markup::SpanTable,
) -> Option<usize> {
    let r = index.range(glyph.span)?;
    let (start, len) = spans.literal_at(r.start)?;
    let off = glyph.offset as usize;
    (off < len).then_some(start + off)
}

/// The printed bytes a glyph shows (more than one character for a ligature), within its
/// literal: a glyph's cluster may take in what the markup set between two literals (a
/// zero-width space), which is no printed text.
fn printed_bytes(
    glyph: &GlyphPos,
    index: &SpanIndex,
    spans: &markup::SpanTable,
) -> Option<Range<usize>> {
    let r = index.range(glyph.span)?;
    let (start, len) = spans.literal_at(r.start)?;
    let off = glyph.offset as usize;
    (off < len).then(|| start + off..start + (off + glyph.text_len.max(1)).min(len))
}

/// A glyph of printed text: its baseline, printed bytes, cap height and horizontal extent.
struct PrintedGlyph {
    baseline: f64,
    offset: usize,
    /// End of the printed bytes it shows (past a ligature's last character).
    end: usize,
    cap: f64,
    /// How far off its line's baseline it may stand (`GlyphPos::fuzz`).
    fuzz: f64,
    left: f64,
    right: f64,
}

/// A hyphen Typst added: its baseline and right edge.
struct AddedHyphen {
    baseline: f64,
    right: f64,
}

/// The galley's lines, read back from the glyphs of its last page, with how far each
/// reaches.
pub(super) fn read_lines(
    p: &Printed,
    doc: &PagedDocument,
    index: &SpanIndex,
    spans: &markup::SpanTable,
    body_page: usize,
) -> Result<Lines> {
    // Glyphs showing printed text; a glyph whose text differs from the printed text at its
    // offset was added by Typst: a hyphen.
    let mut glyphs: Vec<PrintedGlyph> = vec![];
    let mut hyphens: Vec<AddedHyphen> = vec![];
    typeset::for_each_glyph(doc, body_page..body_page + 1, |g| {
        if let Some(bytes) = printed_bytes(g, index, spans) {
            let o = bytes.start;
            if g.first != '\0' && p.doc.get(o..).is_some_and(|t| t.starts_with(g.first)) {
                // Typst hangs punctuation partly into the margin (`overhang`): it reaches
                // only as far as its inner edge. A space reaches nowhere (one hangs at
                // every line end).
                let (left, right) = if g.first.is_whitespace() {
                    (f64::INFINITY, f64::NEG_INFINITY)
                } else if g.first.is_alphanumeric() {
                    (g.x, g.x + g.width)
                } else {
                    (g.x + g.width, g.x)
                };
                glyphs.push(PrintedGlyph {
                    baseline: g.y,
                    offset: o,
                    end: bytes.end.min(p.doc.len()),
                    cap: g.cap,
                    fuzz: g.fuzz(),
                    left,
                    right,
                });
            } else {
                hyphens.push(AddedHyphen {
                    baseline: g.y,
                    right: g.x,
                });
            }
        }
    });
    glyphs.sort_by_key(|g| g.offset);
    let (mut lines, mut reaches) = group_lines(p, &glyphs)?;
    mark_block_edges(&mut lines);
    let hyphen_ys: Vec<f64> = hyphens.iter().map(|h| h.baseline).collect();
    for i in 0..lines.len() {
        settle_line_end(p, &mut lines, i, &hyphen_ys)?;
    }
    // The first line of each block starts at the block start.
    for l in lines.iter_mut().filter(|l| l.first_of_block) {
        l.range.start = p.blocks[l.block].range.start;
    }
    measure_reaches(&lines, &mut reaches, &hyphens);
    Ok((lines, reaches))
}

/// Completes the lines' reaches with the hyphens Typst added and makes them relative to the
/// text block's left edge.
fn measure_reaches(lines: &[GalleyLine], reaches: &mut [Reach], hyphens: &[AddedHyphen]) {
    for h in hyphens {
        if let Some(i) = lines
            .iter()
            .position(|l| (l.baseline - h.baseline).abs() < 0.5)
        {
            reaches[i].right = reaches[i].right.max(h.right);
        }
    }
    // The text block's left edge: where paragraph lines start (a first line may be
    // indented, a title centred; no line starts left of it unless it is overfull).
    let starts = |numbered: bool| {
        lines
            .iter()
            .zip(reaches.iter())
            .filter(move |(l, _)| l.numbered == numbered)
            .map(|(_, r)| r.left)
            .fold(f64::INFINITY, f64::min)
    };
    let edge = [starts(true), starts(false), 0.0]
        .into_iter()
        .find(|x| x.is_finite())
        .unwrap_or_default();
    for r in reaches {
        r.left -= edge;
        r.right -= edge;
    }
}

/// Groups glyphs (in printed order) into lines: one per block and baseline. A glyph the
/// font shifts (a mark, a cursive join) stands a little off its line; the line's baseline is
/// the one most of its glyphs stand on.
fn group_lines(p: &Printed, glyphs: &[PrintedGlyph]) -> Result<Lines> {
    let mut lines: Vec<GalleyLine> = vec![];
    let mut reaches: Vec<Reach> = vec![];
    // Per line: the baselines its glyphs stand on, each with how many.
    let mut baselines: Vec<Vec<(f64, usize)>> = vec![];
    for g in glyphs {
        let block = p
            .block_at(g.offset)
            .ok_or_else(|| Diagnostic::error("galley: a glyph outside every block"))?;
        match (lines.last_mut(), reaches.last_mut(), baselines.last_mut()) {
            (Some(l), Some(r), Some(ys))
                if l.block == block && (l.baseline - g.baseline).abs() <= g.fuzz =>
            {
                match ys.iter_mut().find(|(y, _)| (y - g.baseline).abs() < 0.01) {
                    Some((_, n)) => *n += 1,
                    None => ys.push((g.baseline, 1)),
                }
                l.range.end = l.range.end.max(g.end);
                l.cap = l.cap.max(g.cap);
                r.left = r.left.min(g.left);
                r.right = r.right.max(g.right);
            }
            (last, ..) => {
                baselines.push(vec![(g.baseline, 1)]);
                let kind = p.blocks[block].kind;
                let turnover =
                    matches!(kind, BlockKind::Verse(_)) && last.is_some_and(|l| l.block == block);
                lines.push(GalleyLine {
                    block,
                    range: g.offset..g.end,
                    baseline: g.baseline,
                    cap: g.cap,
                    hyphen: false,
                    numbered: kind.is_numbered(),
                    first_of_block: false,
                    last_of_block: false,
                    turnover,
                    restart: false,
                    keep_with_next: false,
                    rather_keep: false,
                });
                reaches.push(Reach {
                    left: g.left,
                    right: g.right,
                });
            }
        }
    }
    for (l, ys) in lines.iter_mut().zip(&baselines) {
        if let Some(&(y, _)) = ys.iter().max_by_key(|(_, n)| *n) {
            l.baseline = y;
        }
    }
    Ok((lines, reaches))
}

/// Extends line `i`'s range to a character boundary, drops the space at its break (Typst
/// hangs it; markup must not emit it), and decides whether Typst hyphenated it — checking
/// that no printed text fell between it and the next line.
fn settle_line_end(p: &Printed, lines: &mut [GalleyLine], i: usize, hyphens: &[f64]) -> Result<()> {
    let mut end = lines[i].range.end;
    while end < p.doc.len() && !p.doc.is_char_boundary(end) {
        end += 1;
    }
    while end > lines[i].range.start + 1 && p.doc[..end].ends_with(' ') {
        end -= 1;
    }
    lines[i].range.end = end;
    if lines[i].last_of_block {
        return Ok(());
    }
    let next = lines[i + 1].range.start;
    if next < end {
        return Err(
            Diagnostic::error(format!("galley: lines overlap at printed byte {next}")).into(),
        );
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
        return Err(
            Diagnostic::error(format!("galley: text missing between lines: {gap:?}")).into(),
        );
    }
    Ok(())
}
