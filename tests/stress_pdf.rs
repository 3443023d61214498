//! The stress edition (`apparat::stress::generate`, 200 pages, seed 1) built and read back
//! from the PDF: about 2,000 apparatus entries in two series, lemmata repeated hundreds of
//! times in the text (`occurrence` in the thousands), long lemmata abbreviated, ranges across
//! lines and across pages, clusters of entries on one line, headings every few pages.
//!
//! Everything asserted is read from the PDF (`pdftotext -bbox-layout`, see `common::pdf`) and
//! from `edition.toml` / `source.txt` (see `common::edition`); the program's report and plan
//! are not consulted (its `front_pages` is only cross-checked against the PDF).
//!
//! Print conventions (templates/apparat.typ, as in tests/apparatus_seed.rs): per page one block
//! per series (critical, then commentary), each starting on a new line; an entry is
//! `N lemma] …`, `N–M lemma] …` or, when the lemma ends on the next page, `N–P.M lemma] …`
//! (P the next page's number, M the line there); `|` joins entries of one line (the reference
//! repeated only where it differs), `‖` precedes a new line; a lemma of more than four words
//! prints as `first … last]`; a lemma occurring more than once on its line carries its rank as
//! a superscript digit before `]`.
//!
//! Run with `--nocapture` to see the counts of the cases covered.
mod common;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::apparatus::{AppEntry, parse_page, positive_sigla, reading_tokens, words};
use common::edition::{self, Body, BodyPage, Pos, Printed, SpecData, TextMap};
use common::pdf::{Page, Word};

const PAGES: usize = 200;
const SEED: u64 = 1;

// ---- Building and reading (once per test binary) ---------------------------------------------

struct Shared {
    dir: PathBuf,
    spec: SpecData,
    printed: Printed,
    pages: Vec<Page>,
    /// Pages before the body, found in the PDF (the page that opens with the title).
    front_pages: usize,
    body: Body,
    /// The build's warnings (messages).
    warnings: Vec<String>,
    build_time: Duration,
    read_time: Duration,
}

/// Run `f`, turning a panic into an error message, so that a failed build is reported by
/// every test instead of being retried by each.
fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into())
    })
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Result<Shared, String>> = OnceLock::new();
    SHARED
        .get_or_init(|| catch(build_and_read))
        .as_ref()
        .unwrap_or_else(|e| panic!("building or reading the stress edition failed: {e}"))
}

fn build_and_read() -> Shared {
    let scratch = edition::scratch("stress-pdf");
    let dir = scratch.join("edition");
    apparat::stress::generate(&dir, PAGES, SEED).unwrap();
    let spec = edition::read_spec(&dir);
    let printed = Printed::new(&dir, &spec);

    let t = Instant::now();
    let out = apparat::build(&dir, &apparat::Options::default())
        .unwrap_or_else(|e| panic!("building {} failed:\n{e}", dir.display()));
    let build_time = t.elapsed();
    let t = Instant::now();
    let pdf_path = scratch.join("stress.pdf");
    std::fs::write(&pdf_path, &out.pdf).unwrap();
    let (pages, _index) = edition::split_back_matter(&dir, common::pdf::read_pdf(&pdf_path), &out);

    // The body opens with the title's first source line, set in body type.
    let src = std::fs::read_to_string(dir.join(&spec.text_file)).unwrap();
    let title_line = src
        .lines()
        .map(edition::normalize)
        .find(|l| !l.is_empty())
        .unwrap();
    let front_pages = pages
        .iter()
        .position(|p| {
            let hh = edition::head_height(p);
            let big: Vec<Word> = p
                .words
                .iter()
                .filter(|w| edition::is_body_type(w, hh))
                .cloned()
                .collect();
            common::pdf::group_lines(&big)
                .first()
                .is_some_and(|l| l.text() == title_line)
        })
        .expect("a page opening with the title");
    assert_eq!(
        front_pages, out.front_pages,
        "front matter pages: PDF vs. report"
    );
    let body = edition::read_body(&pages, front_pages, spec.restart_page);
    Shared {
        dir,
        spec,
        printed,
        pages,
        front_pages,
        body,
        warnings: out.warnings.iter().map(|d| d.message.clone()).collect(),
        build_time,
        read_time: t.elapsed(),
    }
}

// ---- What each entry must look like --------------------------------------------------------------

#[derive(Debug, Clone)]
struct Expected {
    /// Index into `spec.entries`.
    entry: usize,
    /// Index into `spec.series`.
    series: usize,
    /// The lemma's range in the printed text.
    range: Range<usize>,
    /// PDF page of the lemma's first word.
    page: usize,
    /// Line (on `page`) of the first word.
    first: u32,
    /// `N`, `N–M` or `N–P.M`.
    label: String,
    /// The lemma as printed in the apparatus, without rank and `]`.
    lemma: String,
    rank: Option<usize>,
    body: Vec<String>,
    // What kind of case it is (for the report).
    at_line_start: bool,
    at_line_end: bool,
    hyphenated: bool,
    across_lines: bool,
    across_pages: bool,
}

struct Analysis {
    expected: Vec<Expected>,
    parsed: Vec<AppEntry>,
    /// For each expected entry, the index of its parsed entry.
    matched: Vec<usize>,
    /// Each parsed entry's effective reference (`N…`, inherited after `|`) and first line.
    labels: Vec<String>,
    firsts: Vec<u32>,
    time: Duration,
}

/// The word after the one ending at (or holding) `pos`.
fn next_word(text: &str, pos: usize) -> Range<usize> {
    let separator = |c: char| c == ' ' || c == '\n';
    let after = text[pos..].find(separator).map_or(text.len(), |k| pos + k);
    let start = after
        + text[after..]
            .find(|c: char| !separator(c))
            .expect("a word follows");
    let end = text[start..]
        .find(separator)
        .map_or(text.len(), |k| start + k);
    start..end
}

fn analysis() -> &'static Analysis {
    static ANALYSIS: OnceLock<Result<Analysis, String>> = OnceLock::new();
    ANALYSIS
        .get_or_init(|| catch(analyse))
        .as_ref()
        .unwrap_or_else(|e| panic!("reading the stress edition's apparatus failed: {e}"))
}

fn analyse() -> Analysis {
    let t = Instant::now();
    let s = shared();
    let (spec, body, printed) = (&s.spec, &s.body, &s.printed);

    // The body's words are the printed text's words: what lets a text offset be found on the
    // page (and the text fidelity of 50,000 words on 200 pages).
    let map = TextMap::new(body, spec, printed);
    let (tw, piece_at, line_len) = (&map.words, &map.piece_at, &map.line_len);
    let locate = |pos: usize| map.locate(printed, pos);

    let series_ids: Vec<&str> = spec.series.iter().map(|(id, _)| id.as_str()).collect();
    let mut hits_cache: HashMap<String, Vec<Range<usize>>> = HashMap::new();
    let mut expected = vec![];
    // The witnesses' lacunae in the printed text: from the first words they lack to the last.
    let lacunae: Vec<(&str, Range<usize>)> = spec
        .lacunae
        .iter()
        .map(|(w, from, to)| (w.as_str(), printed.find(from).start..printed.find(to).end))
        .collect();
    for (k, e) in spec.entries.iter().enumerate() {
        let r = printed.find(&e.quote);
        // A witness resumes at the word after its lacuna's last.
        let r = match &e.body {
            edition::EntryBody::Lacuna { resumes: true, .. } => next_word(&printed.text, r.end),
            _ => r,
        };
        let lemma_text = printed.text[r.clone()].to_string();
        let a = locate(r.start);
        let b = locate(r.end - 1);
        let page = &body.pages[a.page];
        let first = page.body[a.line].number.unwrap_or_else(|| {
            panic!(
                "entry {k} {lemma_text:?}: the first word is not on a paragraph line: {:?}",
                page.body[a.line].line.text()
            )
        });
        let last = body.pages[b.page].body[b.line].number.unwrap();
        let label = if b.page == a.page && first == last {
            first.to_string()
        } else if b.page == a.page {
            format!("{first}–{last}")
        } else {
            assert_eq!(
                b.page,
                a.page + 1,
                "entry {k} {lemma_text:?} spans more than a page break"
            );
            format!("{first}–{}.{last}", body.pages[b.page].number)
        };
        // Rank: the other whole occurrences of the lemma that stand entirely on its first line.
        let hits = hits_cache
            .entry(lemma_text.clone())
            .or_insert_with(|| edition::find_all(&printed.text, &lemma_text));
        let on_line = |p: Pos| p.page == a.page && p.line == a.line;
        let same_line: Vec<usize> = hits
            .iter()
            .filter(|h| on_line(locate(h.start)) && on_line(locate(h.end - 1)))
            .map(|h| h.start)
            .collect();
        let rank = (same_line.len() > 1)
            .then(|| same_line.iter().position(|&h| h == r.start).map(|i| i + 1))
            .flatten();
        let ws = words(&lemma_text);
        let mut lemma = if ws.len() > 4 {
            format!("{} … {}", ws[0], ws[ws.len() - 1])
        } else {
            ws.join(" ")
        };
        // A positive series prints the lemma's witnesses after it (and after its rank).
        let absent = |w: &str| {
            lacunae
                .iter()
                .any(|(x, l)| *x == w && l.start < r.end && r.start < l.end)
        };
        let sigla = if spec.positive.contains(&e.series) {
            positive_sigla(spec, e, &absent)
        } else {
            String::new()
        };
        let rank = if sigla.is_empty() {
            rank
        } else {
            lemma = format!(
                "{lemma}{} {sigla}",
                rank.map(|n| n.to_string()).unwrap_or_default()
            );
            None
        };
        let (w0, _) = printed.word_at(r.start);
        let (w1, _) = printed.word_at(r.end - 1);
        let line_end = line_len[&(b.page, b.line)];
        let rest = &tw[w1].parts.last().unwrap();
        expected.push(Expected {
            entry: k,
            series: series_ids
                .iter()
                .position(|id| *id == e.series)
                .unwrap_or_else(|| panic!("entry {k}: unknown series {}", e.series)),
            range: r.clone(),
            page: page.number,
            first,
            label,
            lemma,
            rank,
            body: reading_tokens(spec, e),
            at_line_start: a.offset == 0,
            // The lemma's last word is the last word of its line (trailing punctuation aside).
            at_line_end: (rest.page, rest.line) == (b.page, b.line)
                && piece_at[w1].last().unwrap() + rest.text.len() == line_end,
            hyphenated: tw[w0..=w1].iter().any(|w| w.parts.len() > 1),
            across_lines: (a.page, a.line) != (b.page, b.line) && a.page == b.page,
            across_pages: a.page != b.page,
        });
    }

    let parsed: Vec<AppEntry> = body
        .pages
        .iter()
        .flat_map(|p| parse_page(p.number, &p.apparatus))
        .collect();
    // Effective references: printed, or that of the entry before it (after `|`).
    let mut labels = vec![];
    let mut cur = String::new();
    for a in &parsed {
        if let Some(n) = &a.number {
            cur = n.clone();
        } else {
            assert!(a.sep.is_some(), "{a:?}: a block starts with a reference");
        }
        labels.push(cur.clone());
    }
    let firsts: Vec<u32> = labels
        .iter()
        .map(|l| l.split('–').next().unwrap().parse().unwrap())
        .collect();

    // Match by (page, N, lemma) and order: expected in series order, then text order (the
    // apparatus prints the critical block first, each block in line order, entries of a line
    // in text order); parsed in printed order.
    type Key = (usize, u32, String);
    let mut want: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    let mut order: Vec<usize> = (0..expected.len()).collect();
    order.sort_by_key(|&i| {
        let x = &expected[i];
        (x.page, x.series, x.range.start)
    });
    for i in order {
        let x = &expected[i];
        want.entry((x.page, x.first, x.lemma.clone()))
            .or_default()
            .push(i);
    }
    let mut got: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    for (i, a) in parsed.iter().enumerate() {
        got.entry((a.page, firsts[i], a.lemma().0))
            .or_default()
            .push(i);
    }
    let mut matched = vec![usize::MAX; expected.len()];
    let mut problems = vec![];
    for (key, xs) in &want {
        let ps = got.get(key).map(Vec::as_slice).unwrap_or_default();
        if ps.len() != xs.len() {
            let (page, n, lemma) = key;
            let elsewhere: Vec<String> = parsed
                .iter()
                .enumerate()
                .filter(|(_, a)| a.lemma().0 == *lemma && a.page.abs_diff(*page) <= 1)
                .map(|(i, a)| format!("page {} line {}: {a:?}", a.page, firsts[i]))
                .collect();
            problems.push(format!(
                "lemma {lemma:?} (entries {:?}: {:?}) expected {} time(s) on page {page} at \
                 line {n}, found {} time(s) there; on this or a neighbouring page: {elsewhere:#?}",
                xs.iter().map(|&i| expected[i].entry).collect::<Vec<_>>(),
                xs.iter()
                    .map(|&i| &spec.entries[expected[i].entry].quote)
                    .collect::<Vec<_>>(),
                xs.len(),
                ps.len()
            ));
            continue;
        }
        for (&x, &p) in xs.iter().zip(ps) {
            matched[x] = p;
        }
    }
    for (key, ps) in &got {
        if !want.contains_key(key) {
            problems.push(format!(
                "apparatus entries with no [[entry]] at page {} line {} lemma {:?}: {:?}",
                key.0,
                key.1,
                key.2,
                ps.iter().map(|&i| &parsed[i]).collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} apparatus entries not where the body puts them (first 10):\n{}",
        problems.len(),
        problems
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    Analysis {
        expected,
        parsed,
        matched,
        labels,
        firsts,
        time: t.elapsed(),
    }
}

// ---- Tests -------------------------------------------------------------------------------------

#[test]
fn the_stress_edition_is_long_and_dense() {
    let s = shared();
    assert!(
        s.pages.len() >= PAGES,
        "{} pages in the PDF, want at least {PAGES}",
        s.pages.len()
    );
    let ids: Vec<&str> = s.spec.series.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["critical", "commentary"]);
    assert!(
        s.spec.entries.len() >= 1500,
        "{} entries",
        s.spec.entries.len()
    );
    for id in ids {
        assert!(
            s.spec.entries.iter().filter(|e| e.series == id).count() >= 300,
            "series {id} has few entries"
        );
    }
    // The stress the generator promises: quotations resolved by large occurrence numbers
    // (short lemmata recur hundreds of times in 50,000 words).
    let max_occ = s
        .spec
        .entries
        .iter()
        .filter_map(|e| e.quote.occurrence)
        .max()
        .unwrap_or(0);
    assert!(max_occ >= 200, "largest occurrence {max_occ}");
    assert!(s.spec.headings.len() >= 20);
}

#[test]
fn every_entry_appears_once_on_its_page_at_its_line() {
    let s = shared();
    let a = analysis();
    assert_eq!(a.expected.len(), s.spec.entries.len());
    assert_eq!(
        a.parsed.len(),
        s.spec.entries.len(),
        "apparatus entries in the PDF vs. [[entry]] tables"
    );
    // Matching paired every expected entry with one parsed entry by (page, N, lemma): page
    // and first line are right. Now the rest of each entry.
    let mut seen = vec![false; a.parsed.len()];
    for (x, &i) in a.expected.iter().zip(&a.matched) {
        assert!(!seen[i], "two entries matched to one: {:?}", a.parsed[i]);
        seen[i] = true;
        let p = &a.parsed[i];
        let what = format!(
            "entry {} {:?} (page {}, lemma {:?})",
            x.entry, s.spec.entries[x.entry].quote, x.page, x.lemma
        );
        assert_eq!(
            a.labels[i], x.label,
            "{what}: printed reference vs. the lines of its first and last word"
        );
        assert_eq!(p.lemma().1, x.rank, "{what}: rank of the lemma on its line");
        assert_eq!(p.body, x.body, "{what}: reading / note text");
    }
    // The reference `P` of `N–P.M` is the next page's number as printed in its running head.
    // The folio stands at the outer edge of the running head (which on a recto also names the
    // current section, digits and all).
    for p in &s.body.pages {
        let mut head: Vec<&Word> = p.header.iter().collect();
        head.sort_by(|a, b| a.x0.partial_cmp(&b.x0).unwrap());
        let folio = if p.recto { head.last() } else { head.first() }.map(|w| w.text.as_str());
        assert_eq!(
            folio,
            Some(p.number.to_string().as_str()),
            "page {}: the running head's page number",
            p.number
        );
    }
}

#[test]
fn apparatus_lines_never_end_with_a_separator_or_a_bare_reference() {
    // `|`, `‖` and a line reference belong with the lemma that follows: no apparatus line
    // ends with one (the readings of the stress edition are words, never numbers).
    let s = shared();
    let mut lines = 0;
    for p in &s.body.pages {
        for l in &p.apparatus {
            lines += 1;
            let last = l.words.last().map_or("", |w| w.text.as_str());
            let is_ref = !last.is_empty()
                && last
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '–' || c == '.');
            assert!(
                last != "|" && last != "‖" && !is_ref,
                "page {}: an apparatus line ends with `{last}`: {}",
                p.number,
                l.text()
            );
        }
    }
    assert!(lines > 1000, "only {lines} apparatus lines read");
}

#[test]
fn running_heads_name_the_current_section() {
    // On a recto the running head names the section in force at the top of the page: the
    // heading that opens the page, else the last one printed before it; on a verso it gives
    // the short title. An opening page (the first body page, or one a heading opens) shows
    // its folio alone. Headings are found in the PDF: body lines without a line number
    // whose text is one of the spec's headings.
    let s = shared();
    let headings: Vec<String> = s
        .spec
        .headings
        .iter()
        .map(|q| edition::normalize(&q.at))
        .collect();
    let mut before: Option<String> = None;
    let (mut named, mut openings) = (0, 0);
    for (i, p) in s.body.pages.iter().enumerate() {
        let on_page: Vec<(usize, String)> = p
            .body
            .iter()
            .enumerate()
            .filter(|(_, l)| l.number.is_none())
            .map(|(k, l)| {
                let words: Vec<&str> = l.line.words.iter().map(|w| w.text.as_str()).collect();
                (k, edition::normalize(&words.join(" ")))
            })
            .filter(|(_, t)| headings.contains(t))
            .collect();
        let opens = on_page.first().is_some_and(|(k, _)| *k == 0);
        let in_force = if opens {
            on_page.first().map(|(_, t)| t.clone())
        } else {
            before.clone()
        };
        let mut head: Vec<&Word> = p.header.iter().collect();
        head.sort_by(|a, b| a.x0.partial_cmp(&b.x0).unwrap());
        let words: Vec<&str> = head.iter().map(|w| w.text.as_str()).collect();
        if i == 0 || opens {
            assert_eq!(
                words,
                vec![p.number.to_string().as_str()],
                "page {}: an opening page shows its folio alone",
                p.number
            );
            openings += 1;
        } else {
            let (title, folio) = if p.recto {
                (&words[..words.len().saturating_sub(1)], words.last())
            } else {
                (words.get(1..).unwrap_or(&[]), words.first())
            };
            assert_eq!(
                folio,
                Some(&p.number.to_string().as_str()),
                "page {}: folio",
                p.number
            );
            let title = title.join(" ");
            match (&in_force, p.recto) {
                (Some(c), true) => {
                    assert_eq!(
                        &title, c,
                        "page {}: the recto head names the section in force at the top",
                        p.number
                    );
                    named += 1;
                }
                _ => assert_eq!(title, "stressutgåva", "page {}: the short title", p.number),
            }
        }
        if let Some((_, t)) = on_page.last() {
            before = Some(t.clone());
        }
    }
    assert!(named >= 80, "only {named} recto heads named a section");
    assert!(openings >= 2, "only {openings} opening pages");
}

#[test]
fn series_blocks_separators_and_counts() {
    let s = shared();
    let a = analysis();
    let mut series_of = vec![usize::MAX; a.parsed.len()];
    for (x, &i) in a.expected.iter().zip(&a.matched) {
        series_of[i] = x.series;
    }
    // Blocks: one series each, critical before commentary, each series at most once a page.
    let mut blocks: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (i, p) in a.parsed.iter().enumerate() {
        blocks
            .entry((p.page, p.block))
            .or_default()
            .push(series_of[i]);
    }
    let mut per_page: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for ((page, _), ss) in &blocks {
        assert!(
            ss.iter().all(|x| *x == ss[0]),
            "page {page}: a block mixes series: {ss:?}"
        );
        per_page.entry(*page).or_default().push(ss[0]);
    }
    for (page, ss) in &per_page {
        assert!(
            ss.windows(2).all(|w| w[0] < w[1]),
            "page {page}: series blocks out of order or repeated: {ss:?}"
        );
    }
    assert!(per_page.values().filter(|ss| ss.len() == 2).count() >= 100);
    for (k, (id, _)) in s.spec.series.iter().enumerate() {
        let want = s.spec.entries.iter().filter(|e| e.series == *id).count();
        let got = series_of.iter().filter(|x| **x == k).count();
        assert_eq!(
            got, want,
            "series {id}: entries in the apparatus vs. the spec"
        );
    }
    // Separators: `|` within a line (the reference repeated only where it differs), `‖`
    // before a later line; line order within a block.
    for (i, p) in a.parsed.iter().enumerate() {
        let prev = (i > 0 && a.parsed[i - 1].page == p.page && a.parsed[i - 1].block == p.block)
            .then(|| i - 1);
        match (&p.sep, prev) {
            (None, None) => assert!(p.number.is_some(), "{p:?}: a block starts with a number"),
            (Some(sep), Some(j)) if sep == "|" => {
                assert_eq!(
                    a.firsts[i], a.firsts[j],
                    "{p:?}: `|` joins entries of one line"
                );
                assert_eq!(
                    p.number.is_some(),
                    a.labels[i] != a.labels[j],
                    "{p:?}: after `|` the reference is printed exactly when it differs"
                );
            }
            (Some(_), Some(j)) => {
                assert!(
                    a.firsts[i] > a.firsts[j],
                    "{p:?}: `‖` precedes a later line (previous {})",
                    a.labels[j]
                );
                assert!(p.number.is_some(), "{p:?}: `‖` is followed by a reference");
            }
            other => panic!("{p:?}: separator/position mismatch {other:?}"),
        }
    }
}

/// Margin words of a page that are line numbers: the stress edition has no margin notes, so
/// every small word outside the text column must be one.
fn printed_numbers(p: &BodyPage) -> Vec<(u32, &Word)> {
    p.margin
        .iter()
        .map(|w| {
            let n = w.text.parse().unwrap_or_else(|_| {
                panic!(
                    "page {}: margin word {:?} is not a number",
                    p.number, w.text
                )
            });
            (n, w)
        })
        .collect()
}

/// pdftotext's word box reaches the font's descent below the baseline: Libertinus Serif's
/// descent is 0.2155 of the box height (ascent + descent), whatever the size.
fn baseline(w: &Word) -> f64 {
    w.y1 - 0.2155 * w.height()
}

#[test]
fn line_numbers_stand_on_their_lines_in_the_outer_margin() {
    let s = shared();
    assert_eq!((s.spec.every, s.spec.restart_page), (5, true));
    let mut total = 0;
    for p in &s.body.pages {
        let mut numbers = printed_numbers(p);
        numbers.sort_by_key(|(n, _)| *n);
        let para = p.body.iter().filter(|l| l.number.is_some()).count() as u32;
        let want: Vec<u32> = (1..=para).filter(|n| n % s.spec.every == 0).collect();
        let got: Vec<u32> = numbers.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            got, want,
            "page {}: printed line numbers ({para} paragraph lines)",
            p.number
        );
        for (n, w) in &numbers {
            let line = &p.body.iter().find(|l| l.number == Some(*n)).unwrap().line;
            let lb = line.words.iter().map(baseline).sum::<f64>() / line.words.len() as f64;
            assert!(
                (baseline(w) - lb).abs() <= 1.0,
                "page {}: number {n} (baseline {:.2}) is not on the baseline of line {n} \
                 ({lb:.2}): {:?}",
                p.number,
                baseline(w),
                line.text()
            );
            let outer = if p.recto {
                w.x0 > p.right
            } else {
                w.x1 < p.left
            };
            assert!(
                outer,
                "page {} ({}): number {n} at x {:.2}–{:.2} is not in the outer margin of the \
                 text block {:.2}–{:.2}",
                p.number,
                if p.recto { "recto" } else { "verso" },
                w.x0,
                w.x1,
                p.left,
                p.right
            );
            assert!(w.x0 >= 0.0 && w.x1 <= p.width, "{w:?} leaves the page");
            total += 1;
        }
        // One column, aligned on the edge facing the text.
        let edges: Vec<f64> = numbers
            .iter()
            .map(|(_, w)| if p.recto { w.x0 } else { w.x1 })
            .collect();
        if let (Some(lo), Some(hi)) = (
            edges.iter().copied().reduce(f64::min),
            edges.iter().copied().reduce(f64::max),
        ) {
            assert!(
                hi - lo < 0.5,
                "page {}: numbers not aligned: {edges:?}",
                p.number
            );
        }
    }
    assert!(total >= 4 * PAGES, "{total} line numbers");
}

/// The default template at A5: 16 mm inner, 30 mm outer, 18 mm bottom margin.
const MM: f64 = 72.0 / 25.4;

/// How far glyphs may hang past the right edge (Typst's optical margin alignment of
/// hyphens and punctuation).
const PROTRUSION: f64 = 3.0;

fn may_protrude(t: &str) -> bool {
    t.ends_with([
        '-', '\u{ad}', '‐', '.', ',', ';', ':', ')', '–', '—', '”', '’', '!', '?', ']',
    ])
}

#[test]
fn body_and_apparatus_stay_inside_the_text_block() {
    let s = shared();
    assert_eq!(s.spec.paper, "a5");
    for p in &s.body.pages {
        assert!(
            (p.width - 419.53).abs() < 0.1 && (p.height - 595.28).abs() < 0.1,
            "page {}: A5",
            p.number
        );
        let (want_left, want_right) = if p.recto {
            (16.0 * MM, p.width - 30.0 * MM)
        } else {
            (30.0 * MM, p.width - 16.0 * MM)
        };
        assert!(
            (p.left - want_left).abs() < 1.0 && (p.right - want_right).abs() < 1.0,
            "page {}: text block {:.2}–{:.2}, want {want_left:.2}–{want_right:.2}",
            p.number,
            p.left,
            p.right
        );
        assert!(
            p.outside.is_empty(),
            "page {}: body words outside the text column {:.2}–{:.2}: {:?}",
            p.number,
            p.left,
            p.right,
            p.outside
        );
        assert!(
            p.stray.is_empty(),
            "page {}: small type inside the body (apparatus overlapping the text?): {:?}",
            p.number,
            p.stray
        );
        assert!(!p.body.is_empty(), "page {}: no body text", p.number);
        let limit = p.height - 18.0 * MM;
        for w in edition::column_words(p) {
            edition::assert_in_column(p, w, may_protrude(&w.text), PROTRUSION);
            assert!(
                baseline(w) <= limit + 0.3,
                "page {}: {:?} (baseline {:.2}) below the bottom margin ({limit:.2})",
                p.number,
                w.text,
                baseline(w)
            );
        }
        // The apparatus starts below the last body line's baseline.
        let last = &p.body.last().unwrap().line;
        let last_base = last.words.iter().map(baseline).fold(f64::MIN, f64::max);
        if let Some(top) = p
            .apparatus
            .iter()
            .flat_map(|l| &l.words)
            .map(|w| w.y0)
            .reduce(f64::min)
        {
            assert!(
                top > last_base,
                "page {}: the apparatus (top {top:.2}) overlaps the body's last line \
                 (baseline {last_base:.2}): {:?}",
                p.number,
                last.text()
            );
        }
    }
    // Every body page has an apparatus (the stress edition is dense).
    let bare: Vec<usize> = s
        .body
        .pages
        .iter()
        .filter(|p| p.apparatus.is_empty())
        .map(|p| p.number)
        .collect();
    assert!(bare.len() <= 2, "pages without apparatus: {bare:?}");
}

#[test]
fn report_the_cases_covered() {
    let s = shared();
    let a = analysis();
    let n = |f: fn(&Expected) -> bool| a.expected.iter().filter(|x| f(x)).count();
    let mut per_line: BTreeMap<(usize, u32), usize> = BTreeMap::new();
    for (i, p) in a.parsed.iter().enumerate() {
        *per_line.entry((p.page, a.firsts[i])).or_default() += 1;
    }
    let counts = [
        ("pages", s.pages.len()),
        ("body pages", s.body.pages.len()),
        ("entries checked", a.expected.len()),
        ("lemmata at line starts", n(|x| x.at_line_start)),
        ("lemmata at line ends", n(|x| x.at_line_end)),
        ("hyphenated lemmata", n(|x| x.hyphenated)),
        ("ranges across lines", n(|x| x.across_lines)),
        ("ranges across pages", n(|x| x.across_pages)),
        (
            "lines with >= 2 entries",
            per_line.values().filter(|&&c| c >= 2).count(),
        ),
        ("ranked lemmata", n(|x| x.rank.is_some())),
        ("abbreviated lemmata", n(|x| x.lemma.contains('…'))),
    ];
    println!(
        "stress edition (pages = {PAGES}, seed = {SEED}) in {}: build {:.1?}, read-back {:.1?}, \
         analysis {:.1?}, front matter {} pages",
        s.dir.display(),
        s.build_time,
        s.read_time,
        a.time,
        s.front_pages
    );
    for (what, c) in counts {
        println!("  {what:<26} {c:>6}");
    }
    // The stress edition exercises every case.
    for (what, c) in counts {
        assert!(c > 0, "no {what}");
    }
}

/// Page breaks as a compositor must make them, checked on the stress edition's PDF: no page
/// ends with a heading; no page ends with a hyphenated word, and no paragraph leaves a single
/// first line at the foot of a page (orphan) or a single last line at the top of the next
/// (widow) — except where the good break would have left a hole of more than two lines (a
/// long note that must stay whole): there the page is full, and such pages are few.
#[test]
fn page_breaks_avoid_widows_orphans_and_stranded_headings() {
    let s = shared();
    let pages = &s.body.pages;
    // A full page: its gap between text and apparatus exceeds the fullest page's (the
    // clearance and the rule) by about a body line at most (the page builder leaves at most
    // one; the fullest page is measured from glyph boxes).
    let gap = |p: &BodyPage| {
        let text = p.body.last()?.line.y1;
        let top = p.apparatus.first()?.words.iter().map(|w| w.y0);
        Some(top.fold(f64::MAX, f64::min) - text)
    };
    let fullest = pages.iter().filter_map(gap).fold(f64::INFINITY, f64::min);
    let pitch = s.body.line_pitch();
    let full = |p: &BodyPage| gap(p).is_some_and(|g| g - fullest <= 1.5 * pitch);
    let mut loose = 0;
    let starts = |p: &BodyPage, i: usize| p.starts_paragraph(i);
    let mut problems = vec![];
    for w in pages.windows(2) {
        let (p, q) = (&w[0], &w[1]);
        let (Some(last), Some(first)) = (p.body.last(), q.body.first()) else {
            continue;
        };
        let n = p.body.len();
        if last.number.is_none() {
            problems.push(format!(
                "page {}: ends with a heading `{}`",
                p.number,
                last.line.text()
            ));
            continue;
        }
        let continues = first.number.is_some() && !starts(q, 0);
        let before = problems.len();
        if continues
            && last
                .line
                .words
                .last()
                .is_some_and(|w| w.text.ends_with('-'))
        {
            problems.push(format!("page {}: ends with a hyphenated word", p.number));
        }
        if continues && starts(p, n - 1) {
            problems.push(format!("page {}: orphan `{}`", p.number, last.line.text()));
        }
        let single = q.body.len() == 1 || starts(q, 1) || q.body[1].number.is_none();
        if continues && single {
            problems.push(format!("page {}: widow `{}`", q.number, first.line.text()));
        }
        if problems.len() > before {
            if full(p) {
                problems.truncate(before);
                loose += 1;
            } else {
                problems.push(format!(
                    "  (page {}: {:.1} pt between text and apparatus, the fullest page {fullest:.1} pt, a line {pitch:.1} pt)",
                    p.number,
                    gap(p).unwrap_or(f64::NAN)
                ));
            }
        }
    }
    assert!(
        loose * 20 <= pages.len(),
        "{loose} bad page breaks on full pages, of {} pages",
        pages.len()
    );
    assert!(
        problems.is_empty(),
        "{} bad page breaks:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// ---- Justification and hyphenation of the apparatus -----------------------------------------

/// The gaps between the words of a line (pt).
fn gaps(line: &common::pdf::Line) -> Vec<f64> {
    line.words.windows(2).map(|w| w[1].x0 - w[0].x1).collect()
}

/// Apparatus lines are justified within the stretch limit and hyphenated only where a word
/// may be: the word spaces of every justified apparatus line are at most 2.2 natural spaces
/// (the line breaker's bound) except on lines the build warned of, page by page; every
/// line-end hyphen splits a word of a reading or note (of at least six letters) at one of its
/// hyphenation points in the edition's language (Swedish, by hypher), at a page's last
/// apparatus line at most once in a hundred pages; and the hyphens are a minority of the line ends, rarely two in a row
/// and never three.
#[test]
fn apparatus_spaces_stay_within_the_bound_and_hyphens_fall_at_hyphenation_points() {
    let sh = shared();
    let mut warned: HashMap<usize, usize> = HashMap::new();
    for w in &sh.warnings {
        if let Some(rest) = w.strip_prefix("loose apparatus line on page ") {
            let page: usize = rest.split(':').next().unwrap().parse().unwrap();
            *warned.entry(page).or_default() += 1;
        }
    }
    // The natural space: the most frequent gap on the ragged last lines of the blocks.
    let mut ragged = vec![];
    let mut justified: Vec<(usize, f64)> = vec![];
    let mut divided = vec![];
    for p in &sh.body.pages {
        let lines = &p.printed_apparatus;
        for block in edition::apparatus_blocks(lines) {
            let last = lines[block.end - 1].words.last().unwrap();
            if common::pdf::strip_hyphen(&last.text).is_some() {
                divided.push((p.number, last.text.clone()));
            }
            for k in block.clone() {
                let g = gaps(&lines[k]);
                let Some(widest) = g.iter().copied().reduce(f64::max) else {
                    continue;
                };
                if lines[k].x1 < p.right - 1.0 {
                    ragged.extend(g.iter().filter(|&&x| x > 0.5).copied());
                } else {
                    justified.push((p.number, widest));
                }
            }
        }
    }
    let space = edition::mode(ragged.iter().map(|x| (x * 10.0).round() / 10.0)).unwrap();
    let bound = 2.2 * space + 0.25;
    let mut loose: BTreeMap<usize, usize> = BTreeMap::new();
    for &(page, widest) in &justified {
        if widest > bound {
            *loose.entry(page).or_default() += 1;
        }
    }
    let unwarned: Vec<_> = loose
        .iter()
        .filter(|(page, n)| warned.get(page).copied().unwrap_or(0) < **n)
        .collect();
    assert!(
        unwarned.is_empty(),
        "pages with apparatus spaces above {bound:.2} pt and fewer warnings (page, lines): {unwarned:?}"
    );

    // Hyphenated line ends, read on the lines as joined across pages.
    let words: std::collections::HashSet<String> = sh
        .spec
        .entries
        .iter()
        .flat_map(|e| match &e.body {
            edition::EntryBody::Note(n) => words(n),
            edition::EntryBody::Readings(rs) => rs
                .iter()
                .flat_map(|r| words(r.text.as_deref().unwrap_or("")))
                .collect(),
            // An emendation's readings without words of their own read the base text.
            edition::EntryBody::Emend { readings: rs, .. } => rs
                .iter()
                .flat_map(|r| words(r.text.as_deref().unwrap_or(&e.quote.at)))
                .collect(),
            _ => vec![],
        })
        .map(|w| w.to_lowercase())
        .collect();
    let (mut lines, mut hyphenated, mut in_a_row, mut three) = (0, 0, 0, 0);
    for p in &sh.body.pages {
        let app = &p.apparatus;
        let ends: Vec<bool> = app
            .iter()
            .map(|l| {
                l.words
                    .last()
                    .is_some_and(|w| common::pdf::strip_hyphen(&w.text).is_some())
            })
            .collect();
        lines += app.len();
        for k in 0..app.len().saturating_sub(1) {
            if !ends[k] {
                continue;
            }
            hyphenated += 1;
            in_a_row += usize::from(k > 0 && ends[k - 1]);
            three += usize::from(k > 1 && ends[k - 1] && ends[k - 2]);
            let head = &app[k].words.last().unwrap().text;
            let stem = common::pdf::strip_hyphen(head).unwrap();
            let tail = &app[k + 1].words[0].text;
            let word = format!("{stem}{tail}");
            // Case aside: an emendation of case prints the base text's word as a reading.
            assert!(
                words.contains(&word.to_lowercase()),
                "page {}: `{head}` / `{tail}` is no word of a reading or note",
                p.number
            );
            let letters: String = word.chars().filter(|c| c.is_alphabetic()).collect();
            let at = stem.chars().filter(|c| c.is_alphabetic()).count();
            let mut points = vec![];
            let mut n = 0;
            for syllable in hypher::hyphenate(&letters, hypher::Lang::Swedish) {
                n += syllable.chars().count();
                points.push(n);
            }
            assert!(
                letters.chars().count() >= 6 && points[..points.len() - 1].contains(&at),
                "page {}: `{head}` / `{tail}` breaks `{letters}` after {at} letters, not at a hyphenation point ({points:?})",
                p.number
            );
        }
    }
    let share = hyphenated as f64 / lines as f64;
    let mut widest: Vec<f64> = justified.iter().map(|&(_, w)| w).collect();
    widest.sort_by(f64::total_cmp);
    eprintln!(
        "apparatus: {lines} lines, {hyphenated} hyphenated ({:.1} %), {in_a_row} after a hyphenated line; \
         natural space {space:.2} pt; widest space per justified line: median {:.2} pt, max {:.2} pt; \
         {} lines above {bound:.2} pt, {} warned",
        100.0 * share,
        widest[widest.len() / 2],
        widest.last().unwrap(),
        loose.values().sum::<usize>(),
        warned.values().sum::<usize>(),
    );
    assert!(
        hyphenated > 50,
        "only {hyphenated} hyphenated apparatus lines"
    );
    assert!(
        share < 0.3,
        "{:.1} % of apparatus lines hyphenated",
        100.0 * share
    );
    assert!(
        in_a_row * 5 < hyphenated,
        "{in_a_row} of {hyphenated} hyphenated lines follow a hyphenated line"
    );
    assert_eq!(three, 0, "three hyphenated apparatus lines in a row");
    // A word is divided between two pages only where no other breaks give the block the
    // number of lines the page plan counted: rarely.
    assert!(
        divided.len() * 100 <= sh.body.pages.len(),
        "words divided between two pages: {divided:?}"
    );
}

/// No more than two body lines in a row end in a hyphen (`hyphen-limit`, default 2): read
/// from the stress edition's pages, whose text Typst would otherwise hyphenate in runs of
/// three and four. Hyphenation itself stays (about a fifth of the lines).
#[test]
fn no_more_than_two_hyphenated_lines_in_a_row() {
    let s = shared();
    let mut runs = [0usize; 8];
    let (mut lines, mut hyphenated) = (0, 0);
    for p in &s.body.pages {
        let mut run = 0;
        for l in &p.body {
            lines += 1;
            let ends = l
                .line
                .words
                .last()
                .is_some_and(|w| common::pdf::strip_hyphen(&w.text).is_some());
            if ends {
                hyphenated += 1;
                run += 1;
            } else {
                runs[run.min(7)] += 1;
                run = 0;
            }
        }
        runs[run.min(7)] += 1;
    }
    eprintln!(
        "{hyphenated} of {lines} body lines hyphenated; runs of 1–4: {:?}",
        &runs[1..5]
    );
    assert!(hyphenated * 10 > lines, "the text is still hyphenated");
    assert!(runs[2] > 0, "runs of two are allowed");
    assert_eq!(
        runs[3..].iter().sum::<usize>(),
        0,
        "runs of three or more: {runs:?}"
    );
}
