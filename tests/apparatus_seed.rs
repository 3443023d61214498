//! The apparatus of the seed edition, read from the PDF and checked against edition.toml and
//! the body text as printed.
//!
//! Print format (templates/apparat.typ): each page's apparatus is a block of small-type
//! lines at the foot, one block per series (critical first, then commentary), each block
//! starting on a new line. An entry prints as `N lemma] …` or `N–M lemma] …`; the number
//! only at the first entry of a line number — later entries of the same line follow a `|`,
//! an entry of a new line follows a `‖`. Lemmata of more than four words print as
//! `first … last]`; a lemma occurring more than once on its line gets its rank as a
//! superscript digit before `]` (pdftotext gives `kosacker` `1` `]`, merged here).
//! Emendations print the emended text as lemma (`3–5] corr.; 3-5 P`).
//!
//! Expected page and line numbers are computed from where the lemma's words stand in the
//! body of the PDF (paragraph lines counted per page), never from the program's report.
mod common;

use std::collections::BTreeMap;

use common::apparatus::{AppEntry, note_matches, parse_page, reading_tokens, words};
use common::edition::{self, Body, Printed, SpecData};

// ---- What each entry must look like ----------------------------------------------------------

#[derive(Debug, Clone)]
struct Expected {
    /// Index into spec.entries.
    entry: usize,
    series: String,
    page: usize,
    first: u32,
    last: u32,
    lemma: Vec<String>,
    body: Vec<String>,
}

struct Seed {
    spec: SpecData,
    body: Body,
    expected: Vec<Expected>,
    parsed: Vec<AppEntry>,
}

fn seed() -> Seed {
    let dir = edition::seed_dir();
    let spec = edition::read_spec(&dir);
    let built = edition::seed();
    let body = edition::read_body(&built.pages, built.front_pages, spec.restart_page);
    let printed = Printed::new(&dir, &spec);

    // The body's words (milestone sign dropped) are the printed text's words — checked in
    // full by tests/fidelity.rs; here it is what lets a text offset be found on the page.
    let map = edition::TextMap::new(&body, &spec, &printed);
    let line_text = map.line_texts();
    let locate = |pos: usize| {
        let p = map.locate(&printed, pos);
        (p.page, p.line, p.offset)
    };

    let mut expected = vec![];
    for (k, e) in spec.entries.iter().enumerate() {
        let r = printed.find(&e.quote);
        let lemma_text = printed.text[r.clone()].to_string();
        let (pg, l0, off0) = locate(r.start);
        let (pg1, l1, _) = locate(r.end - 1);
        assert_eq!(pg, pg1, "{lemma_text:?} spans a page break");
        let page = &body.pages[pg];
        let first = page.body[l0]
            .number
            .unwrap_or_else(|| panic!("{lemma_text:?} is not on a paragraph line"));
        let last = page.body[l1].number.unwrap();
        // Rank: the lemma occurs more than once on the line of its first word.
        let lt = &line_text[&(pg, l0)];
        let hits = edition::find_all(lt, &lemma_text);
        let rank = (hits.len() > 1).then(|| {
            1 + hits
                .iter()
                .position(|h| h.start == off0)
                .expect("the lemma is one of its line's occurrences")
        });
        let ws = words(&lemma_text);
        let mut lemma = if ws.len() > 4 {
            vec![ws[0].clone(), "…".into(), ws[ws.len() - 1].clone()]
        } else {
            ws
        };
        let lastw = lemma.last_mut().unwrap();
        if let Some(r) = rank {
            lastw.push_str(&r.to_string());
        }
        lastw.push(']');
        expected.push(Expected {
            entry: k,
            series: e.series.clone(),
            page: page.number,
            first,
            last,
            lemma,
            body: reading_tokens(&spec, e),
        });
    }

    let parsed: Vec<AppEntry> = body
        .pages
        .iter()
        .flat_map(|p| parse_page(p.number, &p.apparatus))
        .collect();
    Seed {
        spec,
        body,
        expected,
        parsed,
    }
}

/// The line number an entry stands under: printed, or that of the entry before it.
fn effective_numbers(parsed: &[AppEntry]) -> Vec<u32> {
    let mut out = vec![];
    let mut cur = 0;
    for a in parsed {
        if let Some(n) = &a.number {
            cur = n.split('–').next().unwrap().parse().unwrap();
        }
        out.push(cur);
    }
    out
}

fn label(first: u32, last: u32) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}–{last}")
    }
}

/// For each expected entry, the index of the one parsed entry with its lemma.
fn matches(s: &Seed) -> Vec<usize> {
    s.expected
        .iter()
        .map(|x| {
            let found: Vec<usize> = (0..s.parsed.len())
                .filter(|&i| s.parsed[i].lemma_tokens == x.lemma)
                .collect();
            assert_eq!(
                found.len(),
                1,
                "entry {:?} (lemma printed {:?}) must appear exactly once in the apparatus; \
                 found at {:?}",
                s.spec.entries[x.entry].quote.at,
                x.lemma.join(" "),
                found.iter().map(|&i| &s.parsed[i]).collect::<Vec<_>>()
            );
            found[0]
        })
        .collect()
}

// ---- Tests ----------------------------------------------------------------------------------

#[test]
fn every_entry_appears_once_on_its_page_at_its_line() {
    let s = seed();
    assert_eq!(s.expected.len(), s.spec.entries.len());
    let m = matches(&s);
    let eff = effective_numbers(&s.parsed);
    for (x, &i) in s.expected.iter().zip(&m) {
        let a = &s.parsed[i];
        let what = format!("entry {:?}", s.spec.entries[x.entry].quote.at);
        assert_eq!(
            a.page, x.page,
            "{what}: apparatus on page {}, lemma's first word on page {}",
            a.page, x.page
        );
        assert_eq!(
            eff[i], x.first,
            "{what}: apparatus line number {} but the lemma's first word is on line {}",
            eff[i], x.first
        );
        if let Some(n) = &a.number {
            assert_eq!(
                n,
                &label(x.first, x.last),
                "{what}: printed number vs. the lines of its first and last word"
            );
        }
        assert!(
            note_matches(&a.body, &x.body),
            "{what}: reading / note text\n{:?}\n{:?}",
            a.body,
            x.body
        );
    }
    // And nothing else.
    assert_eq!(
        s.parsed.len(),
        s.spec.entries.len(),
        "apparatus entries in the PDF vs. [[entry]] tables: {:#?}",
        s.parsed
    );
}

#[test]
fn numbers_separators_and_order() {
    let s = seed();
    let eff = effective_numbers(&s.parsed);
    for (i, a) in s.parsed.iter().enumerate() {
        let prev = (i > 0 && s.parsed[i - 1].page == a.page && s.parsed[i - 1].block == a.block)
            .then(|| eff[i - 1]);
        match (&a.sep, prev) {
            (None, None) => assert!(a.number.is_some(), "{a:?}: a block starts with a number"),
            (Some(sep), Some(p)) => {
                if sep == "|" {
                    assert_eq!(eff[i], p, "{a:?}: `|` joins entries of one line");
                    assert!(
                        a.number.as_deref().is_none_or(|n| n.contains('–')),
                        "{a:?}: after `|` only a differing range repeats the reference"
                    );
                } else {
                    assert!(eff[i] > p, "{a:?}: `‖` precedes a later line (prev {p})");
                    assert!(a.number.is_some());
                }
            }
            other => panic!("{a:?}: separator/position mismatch {other:?}"),
        }
    }
    // The specific forms the brief names.
    let show = |a: &AppEntry| {
        let mut v: Vec<String> = a.sep.iter().cloned().collect();
        v.extend(a.number.iter().cloned());
        v.extend(a.lemma_tokens.iter().cloned());
        v.extend(a.body.iter().cloned());
        v.join(" ")
    };
    // Compared without the line references, which depend on the page layout (checked above).
    let all: Vec<String> = s
        .parsed
        .iter()
        .map(|a| {
            let mut a = a.clone();
            a.number = a
                .number
                .filter(|n| n.contains('–'))
                .map(|_| "N–M".to_string());
            show(&a)
        })
        .collect();
    for want in [
        "‖ 3–5] corr.; 3-5 P",
        "I det att] corr.; I det P",
        "kosacker",
        "upproret … flottan] Sommaren",
        "| N–M utlämna Petrograd åt tyskarna] Bolsjevikerna",
        "N–M moskvabornas och minskbornas] transp. T",
    ] {
        assert!(
            all.iter()
                .any(|a| a.starts_with(want) || a.contains(&format!(" {want}"))),
            "no apparatus entry starting {want:?} in {all:#?}"
        );
    }
}

#[test]
fn series_blocks_critical_first_and_counts() {
    let s = seed();
    let m = matches(&s);
    let mut series_of = vec![String::new(); s.parsed.len()];
    for (x, &i) in s.expected.iter().zip(&m) {
        series_of[i] = x.series.clone();
    }
    let order: Vec<&str> = s.spec.series.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(order, ["critical", "commentary"]);
    // Blocks per page: one series each, in spec order, each series at most once.
    let mut blocks: BTreeMap<(usize, usize), Vec<&str>> = BTreeMap::new();
    for (i, a) in s.parsed.iter().enumerate() {
        blocks
            .entry((a.page, a.block))
            .or_default()
            .push(&series_of[i]);
    }
    let mut per_page: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for ((page, _), ss) in &blocks {
        assert!(
            ss.iter().all(|x| *x == ss[0]),
            "page {page}: a block mixes series: {ss:?}"
        );
        per_page.entry(*page).or_default().push(ss[0]);
    }
    for (page, ss) in &per_page {
        let idx: Vec<usize> = ss
            .iter()
            .map(|x| order.iter().position(|o| o == x).unwrap())
            .collect();
        assert!(
            idx.windows(2).all(|w| w[0] < w[1]),
            "page {page}: series blocks out of order or repeated: {ss:?}"
        );
    }
    // Per series, as many entries as the spec has.
    for id in &order {
        let want = s.spec.entries.iter().filter(|e| e.series == *id).count();
        let got = series_of.iter().filter(|x| x == id).count();
        assert_eq!(got, want, "series {id}");
    }
    // A page with both series has a block boundary at a new line: the critical block's
    // last entry ends where the commentary starts.
    assert!(per_page.values().any(|ss| ss.len() == 2));
}

/// The bottom margin of the default template at A5 (18 mm), in pt.
const A5_BOTTOM: f64 = 18.0 * 72.0 / 25.4;

/// How far glyphs may hang past the right edge: Typst lets hyphens and punctuation protrude
/// into the margin (optical margin alignment).
const PROTRUSION: f64 = 3.0;

fn may_protrude(t: &str) -> bool {
    t.ends_with([
        '-', '\u{ad}', '‐', '.', ',', ';', ':', ')', '–', '—', '”', '’', '!', '?',
    ])
}

#[test]
fn body_and_apparatus_stay_inside_the_text_block() {
    let s = seed();
    assert_eq!(s.spec.paper, "a5");
    for p in &s.body.pages {
        assert!(
            (p.width - 419.53).abs() < 0.1 && (p.height - 595.28).abs() < 0.1,
            "A5"
        );
        let limit = p.height - A5_BOTTOM;
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
            "page {}: small type inside the text between head and apparatus: {:?}",
            p.number,
            p.stray
        );
        for w in edition::column_words(p) {
            edition::assert_in_column(p, w, may_protrude(&w.text), PROTRUSION);
            // pdftotext's box reaches the font's descent below the baseline (Libertinus
            // Serif: 0.2155 of the box height); the baseline must not pass the margin.
            assert!(
                w.y1 - 0.25 * w.height() <= limit + 0.3,
                "page {}: {:?} (yMax {:.2}) sits below the bottom margin ({:.2})",
                p.number,
                w.text,
                w.y1,
                limit
            );
        }
        // Margin words (line numbers, notes) are in the outer margin only.
        for w in &p.margin {
            let outer = if p.recto {
                w.x0 > p.right
            } else {
                w.x1 < p.left
            };
            assert!(
                outer,
                "page {}: margin word {:?} at x {:.2}–{:.2} is not in the outer margin",
                p.number, w.text, w.x0, w.x1
            );
            assert!(w.x0 >= 0.0 && w.x1 <= p.width, "{w:?} leaves the page");
        }
        // The text block is the template's: A5 with 16 mm inner and 30 mm outer margins.
        let mm = 72.0 / 25.4;
        let (inner, outer) = (16.0 * mm, 30.0 * mm);
        let (want_left, want_right) = if p.recto {
            (inner, p.width - outer)
        } else {
            (outer, p.width - inner)
        };
        assert!(
            (p.left - want_left).abs() < 1.0 && (p.right - want_right).abs() < 1.0,
            "page {}: text block {:.2}–{:.2}",
            p.number,
            p.left,
            p.right
        );
        // Every page of the seed's body has an apparatus, at the foot.
        assert!(!p.apparatus.is_empty(), "page {}: no apparatus", p.number);
    }
}
