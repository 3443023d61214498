//! Test support for the edition tests: building an edition with the library, the spec read
//! as plain data with the `toml` crate (independently of `apparat::spec`), the text the PDF
//! must show (the base text with the spec's emendations applied), and a reading of the
//! built PDF's body pages into body lines, apparatus lines and margin words.
//!
//! Everything here is derived from the PDF (via `pdftotext -bbox-layout`, see [`super::pdf`])
//! and from `edition.toml` / `source.txt`; nothing is taken from the program's own plan or
//! report except `Output::front_pages` and `Output::body_pages` (which pages hold the body:
//! the back matter after it shows the titles of the indexes, checked in [`build`]).
#![allow(dead_code)]

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::pdf::{self, Line, Page, Word};

// ---- Building ---------------------------------------------------------------------------

/// The text of the default template (`templates/apparat.typ`), to fork in a test.
pub fn default_template() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/apparat.typ"
    ))
    .unwrap()
}

/// The seed edition folder.
pub fn seed_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/edition"))
}

/// A fresh scratch folder under the target dir's test tmpdir, unique per process.
pub fn scratch(name: &str) -> PathBuf {
    let d =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A built edition: the PDF bytes, where they were written, and the PDF read back.
pub struct Built {
    pub pdf: Vec<u8>,
    pub pdf_path: PathBuf,
    /// The front matter and the body pages (of the original, in a facing edition).
    pub pages: Vec<Page>,
    /// A facing translation's pages.
    pub translation_pages: Vec<Page>,
    pub front_pages: usize,
    /// The pages after the body: endnotes and indexes.
    pub back: Vec<Page>,
}

/// Build the edition in `dir` with the library and write `out.pdf` into `out_dir`.
pub fn build(dir: &Path, out_dir: &Path) -> Built {
    let out = apparat::build(dir, &apparat::Options::default())
        .unwrap_or_else(|e| panic!("building {} failed:\n{e}", dir.display()));
    let pdf_path = out_dir.join("out.pdf");
    std::fs::write(&pdf_path, &out.pdf).unwrap();
    let (pages, back) = split_back_matter(dir, pdf::read_pdf(&pdf_path), &out);
    let (pages, translation_pages) = split_facing(dir, pages, out.front_pages);
    Built {
        pdf: out.pdf,
        pdf_path,
        pages,
        translation_pages,
        front_pages: out.front_pages,
        back,
    }
}

/// A facing edition's pages apart: the front matter and the original's pages, and the
/// translation's pages; blank pages dropped. The translation's side is the spec's
/// `[translation] side` (the recto, odd folios, by default). Without a translation: all
/// pages, and none.
pub fn split_facing(dir: &Path, pages: Vec<Page>, front_pages: usize) -> (Vec<Page>, Vec<Page>) {
    let spec: toml::Table = std::fs::read_to_string(dir.join("edition.toml"))
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_default();
    let Some(t) = spec.get("translation").and_then(|t| t.as_table()) else {
        return (pages, vec![]);
    };
    if t.get("layout").and_then(|l| l.as_str()) == Some("columns") {
        // Both texts on every page.
        return (pages, vec![]);
    }
    let translation_parity = match t.get("side").and_then(|s| s.as_str()) {
        Some("verso") => 0,
        _ => 1,
    };
    let mut original = vec![];
    let mut translation = vec![];
    for (i, p) in pages.into_iter().enumerate() {
        if i < front_pages {
            original.push(p);
        } else if p.words.is_empty() {
            continue;
        } else if p.number % 2 == translation_parity {
            translation.push(p);
        } else {
            original.push(p);
        }
    }
    (original, translation)
}

/// The pages of an edition's PDF parted into front matter and body, and the back matter
/// after the body (`out.body_pages` says where): the endnotes and the indexes, whose
/// titles (those of the spec's indexes) it shows.
pub fn split_back_matter(
    dir: &Path,
    mut pages: Vec<Page>,
    out: &apparat::Output,
) -> (Vec<Page>, Vec<Page>) {
    let back = pages.split_off(out.front_pages + out.body_pages);
    let spec: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.join("edition.toml")).unwrap()).unwrap();
    let titles: Vec<String> = spec
        .get("index")
        .and_then(|i| i.as_array())
        .into_iter()
        .flatten()
        .filter_map(|i| Some(normalize(i.get("title")?.as_str()?)))
        .collect();
    if !back.is_empty() {
        let text = normalize(&back.iter().map(Page::text).collect::<Vec<_>>().join(" "));
        assert!(
            titles.is_empty() || titles.iter().any(|t| text.contains(t.as_str())),
            "the pages after the body show no index title ({titles:?}): {text}"
        );
    }
    (pages, back)
}

/// The seed edition, built once per test binary.
pub fn seed() -> &'static Built {
    static SEED: OnceLock<Built> = OnceLock::new();
    SEED.get_or_init(|| build(&seed_dir(), &scratch("seed")))
}

// ---- The spec as data -------------------------------------------------------------------

/// A quotation anchor (`at` with its disambiguators).
#[derive(Debug, Clone)]
pub struct Quote {
    pub at: String,
    pub occurrence: Option<usize>,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Reading {
    pub wit: Vec<String>,
    /// `var` (default), `om`, `add`, `transp`, `conj`.
    pub kind: String,
    pub text: Option<String>,
    pub by: Option<String>,
}

#[derive(Debug, Clone)]
pub enum EntryBody {
    Emend {
        text: String,
        readings: Vec<Reading>,
    },
    Readings(Vec<Reading>),
    Note(String),
    /// A record of a witness's lacuna: `deest W` at its first words (the quotation), or
    /// `rursus adest W` at the word after its last (`resumes`; the quotation is of its last
    /// words).
    Lacuna {
        witness: String,
        resumes: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub series: String,
    pub quote: Quote,
    pub body: EntryBody,
}

#[derive(Debug, Clone)]
pub struct SpecData {
    pub title: Option<String>,
    pub headings: Vec<Quote>,
    /// (anchor, witness, n)
    pub milestones: Vec<(Quote, String, String)>,
    /// (id, kind) in spec order.
    pub series: Vec<(String, String)>,
    /// The ids of the positive series.
    pub positive: Vec<String>,
    /// (siglum, members) in spec order; a witness has no members.
    pub witnesses: Vec<(String, Vec<String>)>,
    /// (witness, from, to) of each `[[lacuna]]`.
    pub lacunae: Vec<(String, Quote, Quote)>,
    /// The entries on the original (series not `of = "translation"`).
    pub entries: Vec<Entry>,
    /// The entries of a facing translation's own series (`of = "translation"`).
    pub translation_entries: Vec<Entry>,
    /// (anchor, text)
    pub margins: Vec<(Quote, String)>,
    pub base: String,
    pub text_file: String,
    pub sha256: Option<String>,
    pub paper: String,
    pub every: u32,
    pub restart_page: bool,
    pub milestone_sign: String,
    /// `[[index]]`: (id, title).
    pub indexes: Vec<(String, String)>,
    pub index_entries: Vec<IndexEntry>,
}

/// An `[[index-entry]]`: its index (the only one where it names none), its quotation, and
/// the headword (the quoted words where none is given) and sub-entry it is listed under.
#[derive(Debug, Clone)]
pub struct IndexEntry {
    pub index: String,
    pub quote: Quote,
    pub headword: String,
    pub sub: Option<String>,
    /// `all = true`: every occurrence of the quotation is cited.
    pub all: bool,
}

/// A series of a facing translation (`of = "translation"`).
fn of_translation(series: &toml::Table) -> bool {
    s(series, "of").as_deref() == Some("translation")
}

fn s(t: &toml::Table, k: &str) -> Option<String> {
    t.get(k).and_then(|v| v.as_str()).map(str::to_string)
}

fn quote(t: &toml::Table) -> Quote {
    Quote {
        at: s(t, "at").expect("an anchor needs `at`"),
        occurrence: t
            .get("occurrence")
            .and_then(|v| v.as_integer())
            .map(|n| n as usize),
        before: s(t, "before"),
        after: s(t, "after"),
    }
}

fn tables<'a>(t: &'a toml::Table, k: &str) -> Vec<&'a toml::Table> {
    t.get(k)
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_table()).collect())
        .unwrap_or_default()
}

fn reading(t: &toml::Table) -> Reading {
    Reading {
        wit: t
            .get("wit")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        kind: s(t, "type").unwrap_or_else(|| "var".into()),
        text: s(t, "text"),
        by: s(t, "by"),
    }
}

/// A quotation written as a string or as a table with `at`.
fn quote_value(v: &toml::Value) -> Quote {
    match v {
        toml::Value::String(at) => Quote {
            at: at.clone(),
            occurrence: None,
            before: None,
            after: None,
        },
        toml::Value::Table(t) => quote(t),
        _ => panic!("a quotation is a string or a table"),
    }
}

/// Each `[[lacuna]]` as (witness, from, to, series — the first critical one by default).
fn lacunae(t: &toml::Table) -> Vec<(String, Quote, Quote, String)> {
    let first_critical = tables(t, "series")
        .into_iter()
        .find(|x| s(x, "kind").as_deref() == Some("critical"))
        .and_then(|x| s(x, "id"))
        .unwrap_or_default();
    tables(t, "lacuna")
        .into_iter()
        .map(|l| {
            (
                s(l, "witness").unwrap(),
                quote_value(&l["from"]),
                quote_value(&l["to"]),
                s(l, "series").unwrap_or_else(|| first_critical.clone()),
            )
        })
        .collect()
}

/// Read `dir/edition.toml` with the `toml` crate.
pub fn read_spec(dir: &Path) -> SpecData {
    let mut spec = read_spec_tables(dir);
    // Each lacuna is recorded by two entries after the spec's own.
    let src = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    let t: toml::Table = toml::from_str(&src).expect("edition.toml parses");
    for (witness, from, to, series) in lacunae(&t) {
        for (quote, resumes) in [(from.clone(), false), (to.clone(), true)] {
            spec.entries.push(Entry {
                series: series.clone(),
                quote,
                body: EntryBody::Lacuna {
                    witness: witness.clone(),
                    resumes,
                },
            });
        }
        spec.lacunae.push((witness, from, to));
    }
    // The notes of a facing translation quote the translation: apart.
    let translation_series: Vec<String> = tables(&t, "series")
        .into_iter()
        .filter(|x| of_translation(x))
        .filter_map(|x| s(x, "id"))
        .collect();
    let (translation, original) = std::mem::take(&mut spec.entries)
        .into_iter()
        .partition(|e| translation_series.contains(&e.series));
    spec.entries = original;
    spec.translation_entries = translation;
    spec
}

fn read_spec_tables(dir: &Path) -> SpecData {
    let src = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    let t: toml::Table = toml::from_str(&src).expect("edition.toml parses");
    let empty = toml::Table::new();
    let table = |k: &str| t.get(k).and_then(|v| v.as_table()).unwrap_or(&empty);
    let text = table("text");
    let layout = table("layout");
    let ln = layout
        .get("line-numbers")
        .and_then(|v| v.as_table())
        .unwrap_or(&empty);
    let readings = |e: &toml::Table| -> Vec<Reading> {
        tables(e, "readings").into_iter().map(reading).collect()
    };
    SpecData {
        title: s(table("structure"), "title"),
        headings: tables(&t, "heading").into_iter().map(quote).collect(),
        milestones: tables(&t, "milestone")
            .into_iter()
            .map(|m| {
                (
                    quote(m),
                    s(m, "witness").unwrap_or_default(),
                    s(m, "n").unwrap_or_default(),
                )
            })
            .collect(),
        series: tables(&t, "series")
            .into_iter()
            .filter(|x| !of_translation(x))
            .map(|x| (s(x, "id").unwrap(), s(x, "kind").unwrap()))
            .collect(),
        positive: tables(&t, "series")
            .into_iter()
            .filter(|x| x.get("positive").and_then(|v| v.as_bool()) == Some(true))
            .map(|x| s(x, "id").unwrap())
            .collect(),
        witnesses: tables(&t, "witness")
            .into_iter()
            .map(|w| {
                let members = w
                    .get("members")
                    .and_then(|v| v.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|m| m.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                (s(w, "siglum").unwrap(), members)
            })
            .collect(),
        lacunae: vec![],
        translation_entries: vec![],
        entries: tables(&t, "entry")
            .into_iter()
            .map(|e| Entry {
                series: s(e, "series").unwrap(),
                quote: quote(e),
                body: if let Some(text) = s(e, "emend") {
                    EntryBody::Emend {
                        text,
                        readings: readings(e),
                    }
                } else if let Some(n) = s(e, "note") {
                    EntryBody::Note(n)
                } else {
                    EntryBody::Readings(readings(e))
                },
            })
            .collect(),
        margins: tables(&t, "margin")
            .into_iter()
            .map(|m| (quote(m), s(m, "text").unwrap()))
            .collect(),
        base: s(text, "base").unwrap(),
        text_file: s(text, "file").unwrap(),
        sha256: s(text, "sha256"),
        paper: s(layout, "paper").unwrap_or_else(|| "a5".into()),
        every: ln.get("every").and_then(|v| v.as_integer()).unwrap_or(5) as u32,
        restart_page: s(ln, "restart").is_none_or(|r| r == "page"),
        milestone_sign: s(layout, "milestone-sign").unwrap_or_else(|| "|".into()),
        indexes: tables(&t, "index")
            .into_iter()
            .map(|i| (s(i, "id").unwrap(), s(i, "title").unwrap()))
            .collect(),
        index_entries: tables(&t, "index-entry")
            .into_iter()
            .map(|e| IndexEntry {
                index: s(e, "index").unwrap_or_else(|| s(tables(&t, "index")[0], "id").unwrap()),
                quote: quote(e),
                headword: normalize(&s(e, "headword").unwrap_or_else(|| s(e, "at").unwrap())),
                sub: s(e, "sub").map(|x| normalize(&x)),
                all: e.get("all").and_then(|v| v.as_bool()) == Some(true),
            })
            .collect(),
    }
}

// ---- The expected text --------------------------------------------------------------------

/// Whitespace (line breaks, runs of spaces) folded to single spaces, trimmed.
pub fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn word_char(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

/// Word-bounded matches of `quote` in `text` (the spec: a quotation matches only at word
/// boundaries — checked on the sides where the quotation begins/ends with a letter or digit).
pub fn find_all(text: &str, quote: &str) -> Vec<Range<usize>> {
    if quote.is_empty() {
        return vec![];
    }
    let first = word_char(quote.chars().next());
    let last = word_char(quote.chars().next_back());
    text.match_indices(quote)
        .filter(|(i, _)| {
            !(first && word_char(text[..*i].chars().next_back())
                || last && word_char(text[i + quote.len()..].chars().next()))
        })
        .map(|(i, _)| i..i + quote.len())
        .collect()
}

/// Resolve a quotation in `text` (normalised) as the spec describes: `before`/`after` filter
/// by the neighbouring words, `occurrence` picks the N-th match; otherwise the match must be
/// unique.
pub fn find_quote(text: &str, q: &Quote) -> Range<usize> {
    find_quote_in(text, q, &[])
}

/// [`find_quote`] in a text whose blocks are joined by single spaces at the offsets `breaks`
/// (sorted): a match that contains a break would cross a block and is not a match (the
/// program joins blocks with `\n`, which a quotation's spaces never match).
pub fn find_quote_in(text: &str, q: &Quote, breaks: &[usize]) -> Range<usize> {
    let at = normalize(&q.at);
    let mut found = find_all(text, &at);
    found.retain(|m| {
        let i = breaks.partition_point(|&b| b < m.start);
        breaks.get(i).is_none_or(|&b| b >= m.end)
    });
    if let Some(b) = &q.before {
        let b = normalize(b);
        found.retain(|m| text[..m.start].trim_end().ends_with(b.as_str()));
    }
    if let Some(a) = &q.after {
        let a = normalize(a);
        found.retain(|m| text[m.end..].trim_start().starts_with(a.as_str()));
    }
    match q.occurrence {
        Some(n) => found
            .get(n - 1)
            .unwrap_or_else(|| panic!("occurrence {n} of {at:?} not in the text"))
            .clone(),
        None => {
            assert_eq!(found.len(), 1, "quotation {at:?} is not unique: {found:?}");
            found.remove(0)
        }
    }
}

/// `raw` with whitespace folded (as [`normalize`]), and the offsets of the spaces that join
/// groups of lines separated by blank lines — block boundaries of the program's text model
/// (title, headings and paragraphs are such groups in the seed and stress editions; a heading
/// line inside a group is not split off here).
pub fn normalize_blocks(raw: &str) -> (String, Vec<usize>) {
    let mut text = String::with_capacity(raw.len());
    let mut breaks = vec![];
    let mut group = String::new();
    let flush = |group: &mut String, text: &mut String, breaks: &mut Vec<usize>| {
        let g = normalize(group);
        if !g.is_empty() {
            if !text.is_empty() {
                breaks.push(text.len());
                text.push(' ');
            }
            text.push_str(&g);
        }
        group.clear();
    };
    for line in raw.split(['\n', '\r']) {
        if line.trim().is_empty() {
            flush(&mut group, &mut text, &mut breaks);
        } else {
            group.push_str(line);
            group.push(' ');
        }
    }
    flush(&mut group, &mut text, &mut breaks);
    (text, breaks)
}

/// The base text as printed: `source.txt` normalised, with the spec's emendations applied.
pub struct Printed {
    /// `source.txt`, whitespace folded.
    pub source: String,
    /// The printed text, whitespace folded.
    pub text: String,
    /// Offsets in `source` of the spaces that join blocks (see [`normalize_blocks`]).
    pub breaks: Vec<usize>,
    /// Emendations: (range in `source`, length of the replacement), sorted.
    edits: Vec<(Range<usize>, usize)>,
    /// Byte offset in `text` of each word.
    starts: Vec<usize>,
}

impl Printed {
    pub fn new(dir: &Path, spec: &SpecData) -> Printed {
        let raw = std::fs::read_to_string(dir.join(&spec.text_file)).unwrap();
        let raw = raw.strip_prefix('\u{feff}').unwrap_or(&raw);
        let (source, breaks) = normalize_blocks(raw);
        debug_assert_eq!(source, normalize(raw));
        let mut edits: Vec<(Range<usize>, String)> = spec
            .entries
            .iter()
            .filter_map(|e| match &e.body {
                EntryBody::Emend { text, .. } => {
                    Some((find_quote_in(&source, &e.quote, &breaks), normalize(text)))
                }
                _ => None,
            })
            .collect();
        edits.sort_by_key(|(r, _)| r.start);
        let mut text = String::new();
        let mut at = 0;
        for (r, new) in &edits {
            assert!(r.start >= at, "emendations overlap");
            text.push_str(&source[at..r.start]);
            text.push_str(new);
            at = r.end;
        }
        text.push_str(&source[at..]);
        let mut starts = vec![0];
        starts.extend(text.match_indices(' ').map(|(i, _)| i + 1));
        Printed {
            source,
            text,
            breaks,
            edits: edits.into_iter().map(|(r, n)| (r, n.len())).collect(),
            starts,
        }
    }

    fn shift(&self, p: usize) -> usize {
        let mut out = p as isize;
        for (r, n) in &self.edits {
            assert!(
                !(r.start < p && p < r.end),
                "a range boundary falls inside an emendation"
            );
            if r.end <= p {
                out += *n as isize - r.len() as isize;
            }
        }
        out as usize
    }

    /// A range of `source` mapped into `text` (an emended range maps to its replacement).
    pub fn map(&self, r: Range<usize>) -> Range<usize> {
        self.shift(r.start)..self.shift(r.end)
    }

    /// The printed range of a quotation (resolved in the base text, blocks respected).
    pub fn find(&self, q: &Quote) -> Range<usize> {
        self.map(find_quote_in(&self.source, q, &self.breaks))
    }

    pub fn words(&self) -> Vec<&str> {
        self.text.split(' ').collect()
    }

    /// (word index, byte offset inside the word) of a byte offset of `text`.
    pub fn word_at(&self, pos: usize) -> (usize, usize) {
        assert!(pos < self.text.len(), "offset {pos} beyond the text");
        let i = self.starts.partition_point(|&s| s <= pos) - 1;
        assert!(self.text.as_bytes()[pos] != b' ', "offset {pos} is a space");
        (i, pos - self.starts[i])
    }
}

// ---- Reading the PDF ----------------------------------------------------------------------

/// Most frequent value (rounded to 0.1 pt); ties go to the smaller value.
pub fn mode(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    mode_by(values, false)
}

/// Most frequent value (rounded to 0.1 pt); ties go to the larger value if `larger`.
pub fn mode_by(values: impl IntoIterator<Item = f64>, larger: bool) -> Option<f64> {
    let mut counts: Vec<(i64, usize)> = vec![];
    for v in values {
        let k = (v * 10.0).round() as i64;
        match counts.iter_mut().find(|(x, _)| *x == k) {
            Some(c) => c.1 += 1,
            None => counts.push((k, 1)),
        }
    }
    counts.sort();
    counts
        .iter()
        .max_by(|a, b| {
            let by_value = if larger { a.0.cmp(&b.0) } else { b.0.cmp(&a.0) };
            a.1.cmp(&b.1).then(by_value)
        })
        .map(|(k, _)| *k as f64 / 10.0)
}

/// The smallest of the values (to 0.1) that occur at least a third as often as the most
/// frequent one.
fn leftmost_frequent(values: &[f64]) -> Option<f64> {
    let mut counts: std::collections::BTreeMap<i64, usize> = Default::default();
    for v in values {
        *counts.entry((v * 10.0).round() as i64).or_default() += 1;
    }
    let most = *counts.values().max()?;
    counts
        .iter()
        .find(|(_, n)| **n * 3 >= most)
        .map(|(k, _)| *k as f64 / 10.0)
}

/// Height of the running head's words: the topmost word of the page.
pub fn head_height(p: &Page) -> f64 {
    p.lines
        .first()
        .map(|l| l.words.iter().map(Word::height).fold(0.0, f64::max))
        .unwrap_or(0.0)
}

/// Words set in a larger type than the running head (8 pt): body text, title, headings
/// (10.5 pt and up), as opposed to running head, apparatus (8 pt), margin notes and line
/// numbers (7.5 pt). pdftotext's word boxes are font ascent + descent, so the height is
/// proportional to the type size within one font family.
pub fn is_body_type(w: &Word, head_h: f64) -> bool {
    w.height() > head_h * 1.15
}

/// A line of the text column.
#[derive(Debug, Clone)]
pub struct BodyLine {
    pub line: Line,
    /// The count of this line among paragraph lines (restarting per page or not, per the
    /// spec); `None` for title and heading lines (set in another size or style).
    pub number: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct BodyPage {
    /// 1-based page number in the PDF.
    pub number: usize,
    /// Odd pages: the outer margin is on the right.
    pub recto: bool,
    pub width: f64,
    pub height: f64,
    /// The text column, derived from the body lines of all pages of this parity.
    pub left: f64,
    pub right: f64,
    /// Small words above the body (running head).
    pub header: Vec<Word>,
    pub body: Vec<BodyLine>,
    /// Body-type words whose centre lies outside the text column.
    pub outside: Vec<Word>,
    /// Small-type lines in the column below the body (grouped with 3 pt tolerance so that
    /// superscripts stay on their line; touching words merged: `kosacker` `1` `]`).
    pub apparatus: Vec<Line>,
    /// The apparatus lines as printed on this page: `apparatus` before the lines that
    /// continue a note from the page before were joined to the note's own page.
    pub printed_apparatus: Vec<Line>,
    /// Small words outside the text column (line numbers, margin notes).
    pub margin: Vec<Word>,
    /// Small words inside the column between running head and apparatus (should be none).
    pub stray: Vec<Word>,
}

impl BodyPage {
    pub fn in_column(&self, w: &Word) -> bool {
        w.cx() >= self.left - 1.0 && w.cx() <= self.right + 1.0
    }

    /// Whether body line `i` begins a paragraph: it is indented, or follows a heading or
    /// the title.
    pub fn starts_paragraph(&self, i: usize) -> bool {
        let l = &self.body[i];
        l.number.is_some()
            && (l.line.x0 > self.left + 5.0 || (i > 0 && self.body[i - 1].number.is_none()))
    }
}

#[derive(Debug, Clone)]
pub struct Body {
    pub pages: Vec<BodyPage>,
    /// Height of paragraph words.
    pub para_h: f64,
}

/// Merge words of a line that touch (gap < 0.3 pt) into one word.
pub fn merge_touching(line: &Line) -> Line {
    let mut out: Vec<Word> = vec![];
    for w in &line.words {
        match out.last_mut() {
            Some(p) if w.x0 - p.x1 < 0.3 => {
                p.text.push_str(&w.text);
                p.x1 = p.x1.max(w.x1);
                p.y0 = p.y0.min(w.y0);
                p.y1 = p.y1.max(w.y1);
            }
            _ => out.push(w.clone()),
        }
    }
    Line::from_words(out)
}

/// Read the body pages (`pages[front_pages..]`).
pub fn read_body(pages: &[Page], front_pages: usize, restart_page: bool) -> Body {
    let body_pages = &pages[front_pages..];
    // The text column per parity: the most frequent left and right ends of body lines
    // (justified lines end flush; indented, centred and last lines are the minority).
    let mut x0s: [Vec<f64>; 2] = [vec![], vec![]];
    let mut x1s: [Vec<f64>; 2] = [vec![], vec![]];
    let mut heights = vec![];
    for p in body_pages {
        let hh = head_height(p);
        let ws: Vec<Word> = p
            .words
            .iter()
            .filter(|w| is_body_type(w, hh))
            .cloned()
            .collect();
        heights.extend(ws.iter().map(Word::height));
        for l in pdf::group_lines(&ws) {
            x0s[p.number % 2].push(l.x0);
            x1s[p.number % 2].push(l.x1);
        }
    }
    let para_h = mode(heights).expect("the body has text");
    // Ties (few lines) go to the wider column. The left edge is where lines that are not
    // indented start: of the frequent starts, the leftmost (paragraphs of two lines start
    // indented as often as not).
    let column = |parity: usize| {
        (
            leftmost_frequent(&x0s[parity]),
            mode_by(x1s[parity].clone(), true),
        )
    };

    let mut count = 0u32;
    let mut out = vec![];
    for p in body_pages {
        let hh = head_height(p);
        let (left, right) = match column(p.number % 2) {
            (Some(l), Some(r)) => (l, r),
            _ => (0.0, p.width),
        };
        let mut bp = BodyPage {
            number: p.number,
            recto: p.number % 2 == 1,
            width: p.width,
            height: p.height,
            left,
            right,
            header: vec![],
            body: vec![],
            outside: vec![],
            apparatus: vec![],
            printed_apparatus: vec![],
            margin: vec![],
            stray: vec![],
        };
        let (big, small): (Vec<&Word>, Vec<&Word>) =
            p.words.iter().partition(|w| is_body_type(w, hh));
        let mut inside = vec![];
        for w in big {
            if bp.in_column(w) {
                inside.push(w.clone());
            } else {
                bp.outside.push(w.clone());
            }
        }
        if restart_page {
            count = 0;
        }
        for l in pdf::group_lines(&inside) {
            let para = l.words.iter().all(|w| (w.height() - para_h).abs() < 0.05);
            let number = para.then(|| {
                count += 1;
                count
            });
            bp.body.push(BodyLine { line: l, number });
        }
        // A page of continued notes alone has no body: below its running head (the topmost
        // small line), all is apparatus.
        let head = small.iter().map(|w| w.y1).fold(f64::INFINITY, f64::min);
        let top = bp.body.first().map_or(head + 1.0, |l| l.line.y0);
        let bottom = bp.body.last().map_or(f64::NEG_INFINITY, |l| l.line.y1);
        let mut app = vec![];
        for w in small {
            if w.cy() < top {
                bp.header.push(w.clone());
            } else if !bp.in_column(w) {
                bp.margin.push(w.clone());
            } else if w.y0 >= bottom - 0.5 {
                app.push(w.clone());
            } else {
                bp.stray.push(w.clone());
            }
        }
        bp.apparatus = pdf::group_lines_with(&app, 3.0)
            .iter()
            .map(merge_touching)
            .collect();
        bp.printed_apparatus = bp.apparatus.clone();
        out.push(bp);
    }
    join_continued_notes(&mut out);
    Body { pages: out, para_h }
}

/// The series blocks of a page's apparatus: ranges of lines, split where the gap between
/// baselines exceeds the line pitch by more than 1.5 pt (the space between series takes
/// the place of the leading: 3 pt more in the default template).
pub fn apparatus_blocks(lines: &[Line]) -> Vec<std::ops::Range<usize>> {
    let base = |l: &Line| l.y1;
    let pitch = lines
        .windows(2)
        .map(|w| base(&w[1]) - base(&w[0]))
        .fold(f64::INFINITY, f64::min);
    // Two lines have one gap, which may be the space between series: the type's height
    // tells (the apparatus is set nearly solid, its pitch within 8 % of the type's height).
    let mut heights: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.words.iter().map(|w| w.height()))
        .collect();
    heights.sort_by(f64::total_cmp);
    let pitch = heights
        .get(heights.len() / 2)
        .map_or(pitch, |h| pitch.min(h * 1.08));
    let mut blocks = vec![];
    let mut start = 0;
    for k in 1..=lines.len() {
        if k == lines.len() || base(&lines[k]) - base(&lines[k - 1]) > pitch + 1.5 {
            blocks.push(start..k);
            start = k;
        }
    }
    blocks
}

/// How many lines at the head of a block continue a note from the page before: the lines
/// before the first that begins with an entry's reference and lemma (`N lemma]`).
pub fn continued_lines(lines: &[Line]) -> usize {
    let tokens = |l: &Line| -> Vec<super::apparatus::Tok> {
        l.words.iter().map(|w| (w.text.clone(), false)).collect()
    };
    lines
        .iter()
        .position(|l| super::apparatus::head_at(&tokens(l), 0))
        .unwrap_or(lines.len())
}

/// A note continued at the foot of the next page is read as printed on its lemma's page:
/// the continued lines at the head of a series block move to the end of the block of the
/// page before whose note they continue (the first such block whose last line is set full
/// width — the line before a page break is justified — else the last block), set at that
/// line's height and in that page's column, so that an entry's text reads whole where its
/// lemma is. Lines continuing a note that itself continued follow it to its first page.
fn join_continued_notes(pages: &mut [BodyPage]) {
    let raw: Vec<Vec<Line>> = pages.iter().map(|p| p.apparatus.clone()).collect();
    let blocks: Vec<Vec<Range<usize>>> = raw.iter().map(|a| apparatus_blocks(a)).collect();
    // Per page and block: lines taken from its head, lines added after it.
    let mut drained: Vec<Vec<usize>> = blocks.iter().map(|b| vec![0; b.len()]).collect();
    let mut added: Vec<Vec<usize>> = drained.clone();
    // A block that was all continuation joined this (page, block).
    let mut went: std::collections::HashMap<(usize, usize), (usize, usize)> = Default::default();
    for p in 1..pages.len() {
        let heads: Vec<(usize, usize)> = blocks[p]
            .iter()
            .enumerate()
            .map(|(b, r)| (b, continued_lines(&raw[p][r.clone()])))
            .filter(|&(_, n)| n > 0)
            .collect();
        if heads.is_empty() || blocks[p - 1].is_empty() {
            continue;
        }
        // The blocks of the page before that end on a justified line; where they are as
        // many as the continued blocks, they pair in order; else blocks pair by position
        // when both pages have as many, or the last ends on it.
        let right = pages[p - 1].right;
        let full: Vec<usize> = (0..blocks[p - 1].len())
            .filter(|&m| raw[p - 1][blocks[p - 1][m].end - 1].x1 > right - 1.0)
            .collect();
        let last = blocks[p - 1].len() - 1;
        let mut moves = vec![];
        for (k, &(b, n)) in heads.iter().enumerate() {
            let target = if full.len() == heads.len() {
                full[k]
            } else if blocks[p].len() == blocks[p - 1].len() {
                b
            } else {
                full.get(k).copied().unwrap_or(last)
            };
            let dest = *went.get(&(p - 1, target)).unwrap_or(&(p - 1, target));
            drained[p][b] = n;
            if n == blocks[p][b].len() {
                went.insert((p, b), dest);
            }
            // Applied from the last block back: the block's start stays valid.
            moves.push((blocks[p][b].start, n, dest));
        }
        for (start, n, (d, m)) in moves.into_iter().rev() {
            let at = blocks[d][m].end + added[d][..=m].iter().sum::<usize>()
                - drained[d][..=m].iter().sum::<usize>();
            let anchor = pages[d].apparatus[at - 1].clone();
            let dx = pages[d].left - pages[p].left;
            let lines: Vec<Line> = pages[p]
                .apparatus
                .drain(start..start + n)
                .map(|l| {
                    let words = l.words.into_iter().map(|w| Word {
                        x0: w.x0 + dx,
                        x1: w.x1 + dx,
                        y0: anchor.y1 - (w.y1 - w.y0),
                        y1: anchor.y1,
                        text: w.text,
                    });
                    Line::from_words(words.collect())
                })
                .collect();
            pages[d].apparatus.splice(at..at, lines);
            added[d][m] += n;
        }
    }
}

/// A piece of a word on one body line (a hyphenated word has two).
#[derive(Debug, Clone)]
pub struct Part {
    pub text: String,
    /// Index into `Body::pages`.
    pub page: usize,
    /// Index into `BodyPage::body`.
    pub line: usize,
}

/// A word of the reading text with line-end hyphenation undone, and where its pieces stand.
#[derive(Debug, Clone)]
pub struct TextWord {
    pub text: String,
    pub parts: Vec<Part>,
}

impl TextWord {
    /// The piece holding byte `offset` of the word.
    pub fn part_at(&self, offset: usize) -> &Part {
        let mut start = 0;
        for p in &self.parts {
            if offset < start + p.text.len() {
                return p;
            }
            start += p.text.len();
        }
        panic!("offset {offset} beyond the word {:?}", self.text)
    }
}

/// The reading words of all body lines in order, dehyphenated exactly as
/// [`pdf::dehyphenate`] does, keeping each word's pieces.
pub fn text_words(body: &Body) -> Vec<TextWord> {
    let mut out: Vec<TextWord> = vec![];
    let mut carry: Option<Vec<Part>> = None;
    let mut last_hyphen = String::new();
    for (pi, p) in body.pages.iter().enumerate() {
        for (li, l) in p.body.iter().enumerate() {
            let n = l.line.words.len();
            for (i, w) in l.line.words.iter().enumerate() {
                let mut parts = carry.take().unwrap_or_default();
                if i + 1 == n
                    && let Some(stem) = pdf::strip_hyphen(&w.text)
                {
                    parts.push(Part {
                        text: stem.to_string(),
                        page: pi,
                        line: li,
                    });
                    last_hyphen = w.text[stem.len()..].to_string();
                    carry = Some(parts);
                    continue;
                }
                parts.push(Part {
                    text: w.text.clone(),
                    page: pi,
                    line: li,
                });
                out.push(TextWord {
                    text: parts.iter().map(|p| p.text.as_str()).collect(),
                    parts,
                });
            }
        }
    }
    if let Some(mut parts) = carry {
        parts.last_mut().unwrap().text.push_str(&last_hyphen);
        out.push(TextWord {
            text: parts.iter().map(|p| p.text.as_str()).collect(),
            parts,
        });
    }
    out
}

/// Where a printed byte stands on the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    /// Index into `Body::pages`.
    pub page: usize,
    /// Index into `BodyPage::body`.
    pub line: usize,
    /// Byte offset in the line's text (its pieces joined by spaces).
    pub offset: usize,
}

/// The body's words matched to the printed text, so that a printed offset can be found on
/// the page. Building it asserts that the PDF's reading text (milestone signs dropped) is
/// the printed text, word for word.
pub struct TextMap {
    pub words: Vec<TextWord>,
    /// Offset of each piece of each word in its line's text.
    pub piece_at: Vec<Vec<usize>>,
    /// Length of each line's text, by (page index, line index).
    pub line_len: std::collections::HashMap<(usize, usize), usize>,
}

impl TextMap {
    pub fn new(body: &Body, spec: &SpecData, printed: &Printed) -> Self {
        let words: Vec<TextWord> = text_words(body)
            .into_iter()
            .filter(|w| w.text != spec.milestone_sign)
            .collect();
        let text: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert!(
            text == printed.words(),
            "the PDF's reading text differs from source.txt with the spec's emendations\n{}",
            first_difference(&text, &printed.words())
        );
        let mut line_len = std::collections::HashMap::new();
        let mut piece_at = Vec::with_capacity(words.len());
        for w in &words {
            let mut v = vec![];
            for p in &w.parts {
                let len = line_len.entry((p.page, p.line)).or_default();
                if *len > 0 {
                    *len += 1;
                }
                v.push(*len);
                *len += p.text.len();
            }
            piece_at.push(v);
        }
        TextMap {
            words,
            piece_at,
            line_len,
        }
    }

    /// Where printed byte `pos` stands.
    pub fn locate(&self, printed: &Printed, pos: usize) -> Pos {
        let (wi, off) = printed.word_at(pos);
        let mut start = 0;
        for (pi, p) in self.words[wi].parts.iter().enumerate() {
            if off < start + p.text.len() {
                return Pos {
                    page: p.page,
                    line: p.line,
                    offset: self.piece_at[wi][pi] + off - start,
                };
            }
            start += p.text.len();
        }
        unreachable!("offset {off} beyond word {wi}")
    }

    /// The text of each body line (its pieces joined by spaces), by (page index, line index).
    pub fn line_texts(&self) -> std::collections::BTreeMap<(usize, usize), String> {
        let mut out: std::collections::BTreeMap<(usize, usize), String> = Default::default();
        for p in self.words.iter().flat_map(|w| &w.parts) {
            let t = out.entry((p.page, p.line)).or_default();
            if !t.is_empty() {
                t.push(' ');
            }
            t.push_str(&p.text);
        }
        out
    }
}

impl Body {
    /// The distance between consecutive paragraph baselines (the most frequent one).
    pub fn line_pitch(&self) -> f64 {
        let mut counts: std::collections::HashMap<i64, usize> = Default::default();
        for p in &self.pages {
            let numbered: Vec<f64> = p
                .body
                .iter()
                .filter(|l| l.number.is_some())
                .map(|l| l.line.y1)
                .collect();
            for w in numbered.windows(2) {
                *counts
                    .entry(((w[1] - w[0]) * 10.0).round() as i64)
                    .or_default() += 1;
            }
        }
        let (pitch, _) = counts.into_iter().max_by_key(|&(_, n)| n).unwrap();
        pitch as f64 / 10.0
    }

    /// The text of every body line not set as a paragraph line (title and heading lines).
    pub fn unnumbered_lines(&self) -> Vec<String> {
        self.pages
            .iter()
            .flat_map(|p| p.body.iter())
            .filter(|l| l.number.is_none())
            .map(|l| l.line.text())
            .collect()
    }
}

/// All body lines of all body pages, in reading order.
pub fn all_body_lines(body: &Body) -> Vec<&Line> {
    body.pages
        .iter()
        .flat_map(|p| p.body.iter().map(|l| &l.line))
        .collect()
}

/// A short diff of two word lists for assertion messages: the first difference with context.
pub fn first_difference<A: AsRef<str>, B: AsRef<str>>(got: &[A], want: &[B]) -> String {
    let n = got.len().min(want.len());
    let i = (0..n)
        .find(|&i| got[i].as_ref() != want[i].as_ref())
        .unwrap_or(n);
    let ctx = |v: &[&str]| v.join(" ");
    let g: Vec<&str> = got[i.saturating_sub(5)..(i + 6).min(got.len())]
        .iter()
        .map(AsRef::as_ref)
        .collect();
    let w: Vec<&str> = want[i.saturating_sub(5)..(i + 6).min(want.len())]
        .iter()
        .map(AsRef::as_ref)
        .collect();
    format!(
        "first difference at word {i} (got {} words, want {}):\n  pdf:  … {} …\n  want: … {} …",
        got.len(),
        want.len(),
        ctx(&g),
        ctx(&w)
    )
}

/// The words of a page's body and apparatus (everything that must stay inside the column).
pub fn column_words(p: &BodyPage) -> impl Iterator<Item = &Word> {
    p.body
        .iter()
        .map(|l| &l.line)
        .chain(&p.apparatus)
        .flat_map(|l| &l.words)
}

/// Asserts that `w` lies inside the page's text column: 0.3 pt of tolerance, or `protrusion`
/// on the right for characters that may hang into the margin (`may_protrude`).
pub fn assert_in_column(p: &BodyPage, w: &Word, may_protrude: bool, protrusion: f64) {
    let right = p.right + if may_protrude { protrusion } else { 0.3 };
    assert!(
        w.x0 >= p.left - 0.3 && w.x1 <= right,
        "page {}: {:?} at x {:.2}–{:.2} leaves the text block {:.2}–{:.2}",
        p.number,
        w.text,
        w.x0,
        w.x1,
        p.left,
        p.right
    );
}
