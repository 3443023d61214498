//! Page make-up, read back from the PDF: full text blocks (no body page but the last has
//! more than one empty body line above its apparatus) and notes that continue at the foot
//! of the next page — their text, joined across the page break, is the note; the entry's
//! reference and lemma stay on the lemma's page.
//!
//! Empty lines are measured on each page as the gap between the last body line and the top
//! of the apparatus, less the gap of the fullest page (the clearance and the rule), in body
//! line pitches.
mod common;

use std::path::{Path, PathBuf};

use apparat::stress::{LongNotes, StressOptions};
use common::apparatus::{note_matches, parse_page, reading_tokens};
use common::edition::{self, Body, SpecData, apparatus_blocks, continued_lines};
use common::pdf::Line;

/// A built edition read back.
struct Read {
    spec: SpecData,
    body: Body,
}

fn read(dir: &Path, name: &str) -> Read {
    let built = edition::build(dir, &edition::scratch(&format!("{name}-out")));
    let spec = edition::read_spec(dir);
    let body = edition::read_body(&built.pages, built.front_pages, spec.restart_page);
    Read { spec, body }
}

fn stress(name: &str, options: &StressOptions) -> Read {
    let dir = edition::scratch(name).join("edition");
    apparat::stress::generate_with(&dir, options).unwrap();
    read(&dir, name)
}

/// The top of an apparatus line: its words' common top (a rank superscript stands higher).
fn top(line: &Line) -> f64 {
    line.words.iter().map(|w| w.y0).fold(f64::MIN, f64::max)
}

/// Empty body lines above the apparatus of every body page but the last: (page, lines).
fn empty_lines(body: &Body) -> Vec<(usize, f64)> {
    let pitch = body.line_pitch();
    let pages = &body.pages[..body.pages.len() - 1];
    // A page of continued notes alone (a note longer than a page, followed by entries that
    // must come after it) has its text block's top for its last text.
    let text_top = pages
        .iter()
        .filter_map(|p| p.body.first().map(|l| l.line.y0))
        .fold(f64::INFINITY, f64::min);
    let last_text = |i: usize| pages[i].body.last().map_or(text_top, |l| l.line.y1);
    let gap = |i: usize| {
        pages[i]
            .printed_apparatus
            .first()
            .map(|l| top(l) - last_text(i))
    };
    let fullest = (0..pages.len())
        .filter_map(gap)
        .fold(f64::INFINITY, f64::min);
    assert!(
        (5.0..30.0).contains(&fullest),
        "the fullest page leaves {fullest:.1} pt between text and apparatus"
    );
    // The foot of the text block: the lowest apparatus line.
    let foot = pages
        .iter()
        .filter_map(|p| p.printed_apparatus.last().map(|l| l.y1))
        .fold(f64::MIN, f64::max);
    (0..pages.len())
        .map(|i| {
            let empty = match gap(i) {
                Some(g) => (g - fullest) / pitch,
                // Without an apparatus: the whole body lines that would fit.
                None => ((foot - last_text(i)) / pitch).floor(),
            };
            (pages[i].number, empty)
        })
        .collect()
}

/// Why the text after page `i` could not join it with more than a line's space left:
/// every entry begins on its lemma's page, and only the last entry of a series block can
/// continue on the next page, so a line joins a page with all of its entries but the last
/// of each series whole; and a page may end only where the break is good (no hyphen at the
/// foot, no orphan, no widow), so the lines up to the next good break must come together.
/// `None` where nothing explains it. Read from the PDF: the next page's first body lines
/// (a paragraph's first line is indented, its last is followed by an indented or a
/// heading line) and the entries printed for them.
fn why_short(body: &Body, i: usize, empty: f64) -> Option<String> {
    let next = &body.pages[i + 1];
    let first = next.body.first()?;
    let Some(number) = first.number else {
        return Some("a heading follows (it keeps two lines)".into());
    };
    let needed = lines_to_good_break(next);
    if empty < needed as f64 {
        return Some(format!(
            "the first good break on the next page is after {needed} lines, which do not fit"
        ));
    }
    // Besides the lines to the first good break, one more: the old rule of thumb for an
    // orphan, kept where the paragraph's start could not be seen.
    let lines = number..=number + needed.max(2) as u32 - 1;
    let entries = parse_page(next.number, &next.apparatus);
    let mut reference = String::new();
    let mut per_block: std::collections::BTreeMap<usize, usize> = Default::default();
    for e in &entries {
        if let Some(n) = &e.number {
            reference = n.clone();
        }
        let line: u32 = reference.split('–').next()?.parse().ok()?;
        if lines.contains(&line) {
            *per_block.entry(e.block).or_default() += 1;
        }
    }
    // A single entry needs, besides the text lines, its reference and lemma's apparatus
    // line and, in a series the page had no block of, the space between series.
    if per_block.values().any(|&n| n >= 2) {
        Some(format!(
            "the next {needed} lines bring {per_block:?} entries per block"
        ))
    } else if !per_block.is_empty() && empty <= needed as f64 + 2.3 {
        Some(format!(
            "the next {needed} lines bring an entry ({per_block:?}) needing its own line"
        ))
    } else {
        None
    }
}

/// How many of a page's first body lines a page before it would have to take to end at a
/// good break: not after a hyphenated line, not after a paragraph's first line unless it
/// is also its last (an orphan), not before a paragraph's last line (a widow).
fn lines_to_good_break(page: &edition::BodyPage) -> usize {
    let lines = &page.body;
    let starts = |k: usize| page.starts_paragraph(k);
    let ends = |k: usize| k + 1 < lines.len() && (starts(k + 1) || lines[k + 1].number.is_none());
    let hyphen = |k: usize| {
        lines[k]
            .line
            .words
            .last()
            .is_some_and(|w| w.text.ends_with('-'))
    };
    (0..lines.len())
        .find(|&k| {
            lines[k].number.is_some()
                && !hyphen(k)
                && (!starts(k) || ends(k))
                && !(k + 1 < lines.len() && ends(k + 1) && !starts(k + 1))
        })
        .map_or(lines.len(), |k| k + 1)
}

/// Total and worst empty lines; asserts that a page has more than one only where the rules
/// force it (see [`why_short`]).
fn assert_full(what: &str, body: &Body) -> (f64, f64) {
    let empty = empty_lines(body);
    let total: f64 = empty.iter().map(|(_, e)| e).sum();
    let worst = empty.iter().map(|(_, e)| *e).fold(0.0, f64::max);
    let short: Vec<(usize, f64, Option<String>)> = empty
        .iter()
        .enumerate()
        .filter(|(_, (_, e))| *e > 1.05)
        .map(|(i, &(p, e))| (p, e, why_short(body, i, e)))
        .collect();
    eprintln!(
        "{what}: {} body pages, {total:.1} empty body lines above the apparatus, worst {worst:.2}; \
         {} page(s) short by more than a line: {short:#?}",
        body.pages.len(),
        short.len()
    );
    let unexplained: Vec<_> = short.iter().filter(|s| s.2.is_none()).collect();
    assert!(
        unexplained.is_empty(),
        "{what}: pages with more than one empty body line: {unexplained:?}"
    );
    (total, worst)
}

/// Per page: how many printed apparatus lines continue a note from the page before, and
/// whether a whole series block does.
fn continued(body: &Body) -> Vec<(usize, usize, bool)> {
    body.pages
        .iter()
        .map(|p| {
            let blocks = apparatus_blocks(&p.printed_apparatus);
            let mut lines = 0;
            let mut whole = false;
            for b in blocks {
                let n = continued_lines(&p.printed_apparatus[b.clone()]);
                lines += n;
                whole |= n > 0 && n == b.len();
            }
            (p.number, lines, whole)
        })
        .collect()
}

/// Every entry's text as read from the PDF — notes joined across page breaks — is the text
/// of one entry of the spec, each once.
fn assert_notes_whole(r: &Read) {
    let mut printed: Vec<Vec<String>> = r
        .body
        .pages
        .iter()
        .flat_map(|p| parse_page(p.number, &p.apparatus))
        .map(|a| a.body)
        .collect();
    let mut want: Vec<Vec<String>> = r
        .spec
        .entries
        .iter()
        .map(|e| reading_tokens(&r.spec, e))
        .collect();
    printed.sort();
    want.sort();
    assert_eq!(printed.len(), want.len(), "entries printed vs. in the spec");
    let differ = printed
        .iter()
        .zip(&want)
        .position(|(a, b)| !note_matches(a, b));
    assert!(
        differ.is_none(),
        "an entry's text differs from its note: {:?} vs. {:?}",
        differ.map(|i| &printed[i]),
        differ.map(|i| &want[i])
    );
}

#[test]
fn the_seed_fills_its_pages_and_continues_its_notes() {
    let r = read(&edition::seed_dir(), "page-makeup-seed");
    assert_full("seed", &r.body);
    assert_notes_whole(&r);
    let continuing: usize = continued(&r.body).iter().map(|c| c.1).sum();
    assert!(
        continuing > 0,
        "the seed's commentary continues on a next page"
    );
}

#[test]
fn the_stress_edition_fills_its_pages() {
    let r = stress("page-makeup-stress", &StressOptions::default());
    assert!(r.body.pages.len() >= 190);
    assert_full("stress", &r.body);
    assert_notes_whole(&r);
}

#[test]
fn the_600_page_stress_edition_fills_its_pages() {
    let options = StressOptions {
        pages: 600,
        seed: 7,
        ..StressOptions::default()
    };
    let r = stress("page-makeup-600", &options);
    assert!(r.body.pages.len() >= 570, "{} pages", r.body.pages.len());
    assert_full("stress, 600 pages", &r.body);
    assert_notes_whole(&r);
}

#[test]
fn the_commentary_heavy_stress_edition_fills_its_pages() {
    // Notes of 300 to 800 words among the ordinary ones.
    let options = StressOptions {
        pages: 120,
        seed: 5,
        long_notes: Some(LongNotes { max_words: 800 }),
        ..Default::default()
    };
    let r = stress("page-makeup-commentary", &options);
    assert_full("commentary-heavy", &r.body);
    assert_notes_whole(&r);
    let continuing = continued(&r.body).iter().filter(|c| c.1 > 0).count();
    assert!(continuing >= 5, "only {continuing} pages continue a note");
}

#[test]
fn a_note_of_two_pages_continues_over_them_beside_a_quarter_of_text() {
    let options = StressOptions {
        pages: 24,
        seed: 3,
        long_notes: Some(LongNotes { max_words: 1200 }),
        ..Default::default()
    };
    let r = stress("page-makeup-long", &options);
    assert_full("long notes", &r.body);
    assert_notes_whole(&r);
    let cont = continued(&r.body);
    // A note that fills the whole foot of a page and goes on to the next.
    assert!(
        cont.windows(2).any(|w| w[0].2 && w[1].1 > 0),
        "no note continues over two page breaks: {cont:?}"
    );
    // Every page carries a quarter of the text block of text, but where a note continues
    // from the page before, or a note of the page fills more than half of it (as many
    // apparatus lines as a full page has text lines), and the lines that would make up the
    // quarter bring entries of that series (which begin after the note ends): there the
    // note goes first.
    let pitch = r.body.line_pitch();
    let most = r.body.pages.iter().map(|p| p.body.len()).max().unwrap();
    for (i, p) in r.body.pages[..r.body.pages.len() - 1].iter().enumerate() {
        let height = p.body.last().unwrap().line.y1 - p.body[0].line.y0;
        assert!(
            height >= 0.25 * most as f64 * pitch - pitch
                || cont[i].1 > 0
                || p.printed_apparatus.len() >= most,
            "page {}: {} lines of text",
            p.number,
            p.body.len()
        );
    }
}

// ---- Hand-made editions ----------------------------------------------------------------------

/// Words of a note: `n` distinct words.
fn note(n: usize, tag: &str) -> String {
    (0..n)
        .map(|i| format!("{tag}{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// An edition of 60 short paragraphs whose second paragraph's first line carries three
/// commentary notes of `words` words each; `split` for the commentary series.
fn hand_made(name: &str, words: usize, split: bool) -> PathBuf {
    let dir = edition::scratch(name);
    let mut source = String::from("Prov\n\n");
    for k in 0..60 {
        source.push_str(&format!(
            "Stycke {k} börjar här med ord som fyller raden och går vidare i texten \
             tills stycket har blivit några rader långt och slutar.\n\n"
        ));
    }
    let mut spec = String::from(
        r#"[edition]
title = "Prov"
editors = ["E"]
language = "sv"
version = "1"
date = 2026-01-01

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "a"

[structure]
title = "Prov"

[[series]]
id = "n"
title = "N"
kind = "commentary"
"#,
    );
    if !split {
        spec.push_str("split = false\n");
    }
    for (k, at) in ["Stycke 1 börjar", "med ord", "fyller raden"]
        .iter()
        .enumerate()
    {
        let occurrence = if k == 0 { "" } else { "occurrence = 2\n" };
        spec.push_str(&format!(
            "\n[[entry]]\nseries = \"n\"\nat = \"{at}\"\n{occurrence}note = \"{}\"\n",
            note(words, &format!("n{k}w"))
        ));
    }
    std::fs::write(dir.join("edition.toml"), spec).unwrap();
    std::fs::write(dir.join("source.txt"), source).unwrap();
    dir
}

#[test]
fn a_line_whose_notes_do_not_fit_continues_them_and_keeps_every_entry_on_its_page() {
    // Three notes of 250 words on one line: more than a page of apparatus.
    let dir = hand_made("page-makeup-crowded", 250, true);
    let r = read(&dir, "page-makeup-crowded");
    assert_notes_whole(&r);
    // The three entries begin on the page of their line (the first body page holds
    // paragraph 1's first line), each with its reference and lemma.
    let at = r
        .body
        .pages
        .iter()
        .position(|p| !p.printed_apparatus.is_empty())
        .unwrap();
    let first = &r.body.pages[at];
    assert!(
        first
            .body
            .iter()
            .any(|l| l.line.text().starts_with("Stycke 1 börjar"))
    );
    let heads = parse_page(first.number, &first.printed_apparatus);
    assert_eq!(heads.len(), 3, "{heads:?}");
    assert!(heads.iter().all(|a| a.number.is_some() || a.sep.is_some()));
    let cont = continued(&r.body);
    assert!(
        cont[at + 1].1 > 0,
        "the notes continue on the next page: {cont:?}"
    );
    assert_full("crowded line", &r.body);
}

#[test]
fn a_series_that_does_not_split_keeps_its_notes_on_their_page() {
    // Three notes of 40 words: they fit, but not beside a full page of text.
    let dir = hand_made("page-makeup-unsplit", 40, false);
    let r = read(&dir, "page-makeup-unsplit");
    assert_notes_whole(&r);
    assert!(continued(&r.body).iter().all(|c| c.1 == 0));
    // Longer than a page, they are an error naming the line's entries.
    let dir = hand_made("page-makeup-unsplit-long", 250, false);
    let err = apparat::build(&dir, &apparat::Options::default())
        .err()
        .expect("notes longer than a page do not build unsplit")
        .to_string();
    assert!(
        err.contains("the apparatus of one line is taller than the page"),
        "{err}"
    );
}

#[test]
fn a_template_can_mark_a_note_that_continues() {
    // The seed with a fork of the template that sets `app-continued`.
    let dir = edition::scratch("page-makeup-mark");
    for f in [
        "edition.toml",
        "source.txt",
        "translation.txt",
        "principles.md",
    ] {
        std::fs::copy(edition::seed_dir().join(f), dir.join(f)).unwrap();
    }
    let template = apparat::bundled::TEMPLATE
        .replace("#let app-continued = none", "#let app-continued = [→] //");
    assert_ne!(template, apparat::bundled::TEMPLATE);
    std::fs::write(dir.join("fork.typ"), template).unwrap();
    let spec = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    let spec = spec.replace("[layout]\n", "[layout]\ntemplate = \"fork.typ\"\n");
    std::fs::write(dir.join("edition.toml"), spec).unwrap();
    let r = read(&dir, "page-makeup-mark");
    // The mark ends exactly the apparatus blocks whose note continues on the next page.
    let cont = continued(&r.body);
    let mut marked = 0;
    for (i, p) in r.body.pages.iter().enumerate() {
        // The mark stands just past the line's end, in the margin.
        let marks: usize = p
            .printed_apparatus
            .iter()
            .flat_map(|l| &l.words)
            .chain(&p.margin)
            .filter(|w| w.text.contains('→'))
            .count();
        let continues = cont.get(i + 1).is_some_and(|c| c.1 > 0);
        assert_eq!(marks > 0, continues, "page {}: {marks} mark(s)", p.number);
        marked += marks;
    }
    assert!(marked > 0);
}

#[test]
fn headings_may_begin_a_new_page() {
    let dir = edition::scratch("page-makeup-new-page").join("edition");
    apparat::stress::generate(&dir, 20, 4).unwrap();
    let spec = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    let spec = spec.replace("[layout]\n", "[layout]\nheading-new-page = 1\n");
    assert!(spec.contains("heading-new-page = 1"));
    std::fs::write(dir.join("edition.toml"), spec).unwrap();
    let r = read(&dir, "page-makeup-new-page");
    // A heading (a body line set apart from the text, after the first page's title) stands
    // first on its page, or after the title alone.
    let mut headings = 0;
    for p in &r.body.pages {
        let first_text = p.body.iter().position(|l| l.number.is_some());
        for (i, l) in p.body.iter().enumerate() {
            if l.number.is_none() && first_text.is_some_and(|f| i > f) {
                panic!(
                    "page {}: the heading `{}` follows text on its page",
                    p.number,
                    l.line.text()
                );
            }
        }
        headings += p.body.iter().take_while(|l| l.number.is_none()).count();
    }
    assert!(headings >= 5, "only {headings} heading lines read");
    // The pages before them may be short; the others are full.
    assert_full("new pages", &r.body);
}
