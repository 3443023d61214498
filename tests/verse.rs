//! Verse, read back from the PDF: one printed line per verse (turnovers aside) with the
//! source's words, verses numbered by verse, indentation and stanzas as typed, page breaks
//! that leave no verse of a stanza alone, apparatus entries keyed to verse numbers (lemmata
//! in turnovers and on later pages included), prose and verse in one edition; and witness
//! page breaks at a paragraph start that join paragraphs only when the spec says so.

mod common;

use std::path::{Path, PathBuf};

use common::apparatus::parse_page;
use common::edition::{
    Built, build, head_height, is_body_type, merge_touching, mode, normalize, scratch,
};
use common::pdf::{Word, group_lines, group_lines_with};

/// A printed body line: its words (milestone signs dropped, quotation marks straight), its
/// left edge and baseline, its page, and the line number printed beside it.
#[derive(Debug)]
struct PrintedLine {
    page: usize,
    text: String,
    x0: f64,
    x1: f64,
    y1: f64,
    number: Option<u32>,
    /// Set in the text type (not a title or heading).
    text_type: bool,
}

fn fold_quotes(s: &str) -> String {
    s.replace(['’', '‘'], "'").replace(['“', '”'], "\"")
}

/// The body lines of the text type (the title, set larger, left out), with the line number
/// beside each: the small figures on its baseline nearest to it outside it, not a witness's
/// page number (a siglum stands before that).
fn printed_lines(built: &Built) -> Vec<PrintedLine> {
    body_lines(built)
        .into_iter()
        .filter(|l| l.text_type)
        .collect()
}

/// All body lines, headings and the title (`text_type` false) included.
fn body_lines(built: &Built) -> Vec<PrintedLine> {
    let pages = &built.pages[built.front_pages..];
    let body_type = |p: &common::pdf::Page| -> Vec<Word> {
        let hh = head_height(p);
        p.words
            .iter()
            .filter(|w| is_body_type(w, hh))
            .cloned()
            .collect()
    };
    let text_h = mode(pages.iter().flat_map(body_type).map(|w| w.height())).unwrap();
    let mut out = vec![];
    for p in pages {
        let hh = head_height(p);
        let small: Vec<&Word> = p.words.iter().filter(|w| !is_body_type(w, hh)).collect();
        for line in group_lines(&body_type(p)) {
            let text_type = line
                .words
                .iter()
                .all(|w| (w.height() - text_h).abs() <= 0.05);
            let words: Vec<&Word> = line.words.iter().filter(|w| w.text != "|").collect();
            let on_baseline = |w: &&&Word| (w.y1 - line.y1).abs() < 2.5;
            let distance = |w: &Word| (w.x0 - line.x1).max(line.x0 - w.x1);
            let siglum_before = |w: &Word| {
                small.iter().filter(on_baseline).any(|s| {
                    !s.text.chars().all(|c| c.is_ascii_digit())
                        && w.x0 - s.x1 > -0.5
                        && w.x0 - s.x1 < 8.0
                })
            };
            let number = small
                .iter()
                .filter(on_baseline)
                .filter(|w| w.text.chars().all(|c| c.is_ascii_digit()) && distance(w) > 0.0)
                .filter(|w| !siglum_before(w))
                .min_by(|a, b| distance(a).total_cmp(&distance(b)))
                .map(|w| w.text.parse().unwrap());
            out.push(PrintedLine {
                page: p.number,
                text: fold_quotes(
                    &words
                        .iter()
                        .map(|w| w.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                x0: words[0].x0,
                x1: words[words.len() - 1].x1,
                y1: line.y1,
                number,
                text_type,
            });
        }
    }
    out
}

/// A page's apparatus lines: the small type below the text, without the lines at the head
/// of a series block that continue a note from the page before.
fn apparatus_lines(p: &common::pdf::Page) -> Vec<common::pdf::Line> {
    let hh = head_height(p);
    let (text, small): (Vec<&Word>, Vec<&Word>) = p.words.iter().partition(|w| is_body_type(w, hh));
    let bottom = text.iter().map(|w| w.y1).fold(f64::NEG_INFINITY, f64::max);
    let below: Vec<Word> = small
        .into_iter()
        .filter(|w| w.y0 >= bottom - 0.5)
        .cloned()
        .collect();
    let lines: Vec<common::pdf::Line> = group_lines_with(&below, 3.0)
        .iter()
        .map(merge_touching)
        .collect();
    // Without the lines at the head of a series block that continue a note from the
    // page before.
    let lines: Vec<common::pdf::Line> = common::edition::apparatus_blocks(&lines)
        .into_iter()
        .flat_map(|b| {
            let skip = common::edition::continued_lines(&lines[b.clone()]);
            lines[b.start + skip..b.end].to_vec()
        })
        .collect();
    lines
}

/// (printed reference, lemma) of every apparatus entry: the small type below the text
/// (read here rather than by `read_body`, whose text column comes from justified lines).
fn entries(built: &Built) -> Vec<(String, String)> {
    let mut out = vec![];
    for p in &built.pages[built.front_pages..] {
        let lines = apparatus_lines(p);
        out.extend(parse_page(p.number, &lines).into_iter().map(|e| {
            (
                e.number.clone().unwrap_or_default(),
                fold_quotes(&e.lemma().0),
            )
        }));
    }
    out
}

const HEAD: &str = r#"[edition]
title = "Verse"
editors = ["Test"]
language = "en"
version = "0.1.0"
date = 2026-01-01

[text]
file = "source.txt"
base = "A"
"#;

const WITNESSES: &str = r#"
[[witness]]
siglum = "A"
description = "Base."

[[witness]]
siglum = "B"
description = "Other."

[[series]]
id = "critical"
title = "Critical apparatus"
kind = "critical"
"#;

/// An edition folder with `source` and a spec of `HEAD`, `text` (more of `[text]` and
/// tables), the witnesses and series, and `rest`.
fn edition(name: &str, source: &str, text: &str, rest: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("source.txt"), source).unwrap();
    std::fs::write(
        dir.join("edition.toml"),
        format!("{HEAD}{text}\n{WITNESSES}\n{rest}"),
    )
    .unwrap();
    dir
}

fn built(dir: &Path) -> Built {
    build(dir, dir)
}

#[test]
fn the_ballad_prints_a_line_per_verse_numbered_by_verse_indented_in_stanzas() {
    let dir = scratch("verse-ballad");
    let _ = std::fs::remove_dir(&dir);
    apparat::init::init_verse(&dir).unwrap();
    let source = std::fs::read_to_string(dir.join("source.txt")).unwrap();
    let verses: Vec<&str> = source
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(verses.len(), 48);
    let b = built(&dir);
    let lines = printed_lines(&b);
    let want: Vec<String> = verses
        .iter()
        .map(|v| normalize(v).replace("merchents", "merchants"))
        .collect();
    let got: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        got, want,
        "one printed line per verse, with the source's words"
    );
    // Where unindented verses start, per page (recto and verso differ).
    let flush = |page: usize| {
        lines
            .iter()
            .filter(|l| l.page == page)
            .map(|l| l.x0)
            .fold(f64::INFINITY, f64::min)
    };
    let signed = |v: &str| v.starts_with("He came upon the mill");
    for (l, v) in lines.iter().zip(&verses).filter(|(_, v)| !signed(v)) {
        let indented = v.starts_with("  ");
        assert_eq!(
            l.x0 > flush(l.page) + 4.0,
            indented,
            "indentation as typed: {v:?}"
        );
        assert!(
            !indented || l.x0 < flush(l.page) + 15.0,
            "two spaces indent about 1 em: {v:?}"
        );
    }
    // Numbers every 5 verses, beside their verse.
    for (i, l) in lines.iter().enumerate() {
        let want = ((i + 1) % 5 == 0).then_some(i as u32 + 1);
        assert_eq!(l.number, want, "the number beside verse {}", i + 1);
    }
    // Stanzas: more space between them than between the verses of one; quatrains whole.
    let pitch = lines
        .windows(2)
        .filter(|w| w[0].page == w[1].page)
        .map(|w| w[1].y1 - w[0].y1)
        .fold(f64::INFINITY, f64::min);
    for (i, w) in lines.windows(2).enumerate() {
        if w[0].page != w[1].page {
            assert_eq!(
                (i + 1) % 4,
                0,
                "a page break inside a stanza, after verse {}",
                i + 1
            );
            continue;
        }
        let stanza_break = (i + 1) % 4 == 0;
        assert_eq!(
            w[1].y1 - w[0].y1 > pitch + 3.0,
            stanza_break,
            "after verse {}",
            i + 1
        );
    }
    assert!(
        lines.iter().any(|l| l.page != lines[0].page),
        "the ballad fills more than a page"
    );
    // Entries keyed to their verse.
    let entries = entries(&b);
    assert_eq!(entries.len(), 8);
    for (number, lemma) in &entries {
        let holding: Vec<usize> = want
            .iter()
            .enumerate()
            .filter(|(_, v)| v.contains(lemma.as_str()))
            .map(|(i, _)| i + 1)
            .collect();
        let expected = if lemma == "twisted gold" {
            44
        } else {
            holding[0]
        };
        assert_eq!(
            holding.iter().filter(|&&n| n == expected).count(),
            1,
            "{lemma}"
        );
        assert_eq!(number, &expected.to_string(), "the entry on `{lemma}`");
    }
}

const MIXED: &str = "A Prose Work Quoting Verse

The traveller, who had walked all day along the river, sat down at the inn and asked for a song. The landlord, an old man with a long memory, sang him the following verses, which he said he had learned from his grandmother, who had them from hers.

There was a lady lived in the north, and she had daughters three, and the youngest of them was the fairest maid that ever a man did see,
  And she went down to the water side upon a summer day,
And there she met a gentle knight who had lost his way,
  And he asked her for the road to town and she showed him the way.

He thanked her and he rode away and never came again,
  But the lady's daughter waited long by the water in the rain, and she waited long by the water in the wind and in the snow,
And when the spring came round again she was not there to know.
When he had finished, the traveller thanked him and paid for his supper, and the landlord said that the song was older than the inn, and the inn was older than the town.
";

/// The structure and layout of the `MIXED` editions: a poem in prose, every verse
/// numbered; `layout` adds to `[layout]`.
fn mixed_spec(layout: &str, entries: &str) -> String {
    format!(
        r#"
[structure]
title = "A Prose Work Quoting Verse"

[[verse]]
from = "There was a lady"
to = "to know"

[layout]
line-numbers = {{ every = 1, restart = "poem" }}
{layout}
{entries}"#
    )
}

#[test]
fn prose_and_verse_mix_and_long_verses_turn_over_unnumbered() {
    let spec_entries = r#"
[[entry]]
series = "critical"
at = "fairest maid"
readings = [{ wit = ["B"], text = "fairest may" }]

[[entry]]
series = "critical"
at = "in the snow"
readings = [{ wit = ["B"], text = "in the frost" }]

[[entry]]
series = "critical"
at = "the inn was older"
readings = [{ wit = ["B"], type = "om" }]
"#;
    let dir = edition("verse-mixed", MIXED, "", &mixed_spec("", spec_entries));
    let b = built(&dir);
    let lines = printed_lines(&b);
    let source_verses: Vec<String> = MIXED
        .lines()
        .skip(4)
        .take(8)
        .filter(|l| !l.trim().is_empty())
        .map(normalize)
        .collect();
    assert_eq!(source_verses.len(), 7);
    // The verses: each a numbered line and its unnumbered turnovers, hanging.
    let first = lines
        .iter()
        .position(|l| l.text.starts_with("There was a lady"))
        .unwrap();
    let mut at = first;
    for (k, verse) in source_verses.iter().enumerate() {
        assert_eq!(
            lines[at].number,
            Some(k as u32 + 1),
            "verse {} is numbered by verse",
            k + 1
        );
        let mut text = lines[at].text.clone();
        let mut next = at + 1;
        while text.len() < verse.len() {
            assert_eq!(
                lines[next].number, None,
                "a turnover is not counted: {:?}",
                lines[next].text
            );
            assert!(
                lines[next].x0 > lines[at].x0 + 10.0,
                "a turnover hangs: {:?}",
                lines[next].text
            );
            text = format!("{text} {}", lines[next].text);
            next += 1;
        }
        assert_eq!(&text, verse, "verse {} as in the source", k + 1);
        at = next;
    }
    assert!(at - first > 7, "some verses turn over");
    // Prose before and after is justified, numbered by line, counting again after the poem.
    let prose_before: Vec<Option<u32>> = lines[..first].iter().map(|l| l.number).collect();
    assert_eq!(
        prose_before,
        (1..=first as u32).map(Some).collect::<Vec<_>>()
    );
    assert!(
        lines[at].text.starts_with("When he had finished"),
        "the prose after the poem is a paragraph of its own"
    );
    let after: Vec<Option<u32>> = lines[at..].iter().map(|l| l.number).collect();
    assert_eq!(
        after,
        (1..=after.len() as u32).map(Some).collect::<Vec<_>>()
    );
    // Lemmata in turnovers have their verse's number.
    let entries = entries(&b);
    let number = |lemma: &str| {
        entries
            .iter()
            .find(|e| e.1 == lemma)
            .map(|e| e.0.clone())
            .unwrap()
    };
    assert_eq!(number("fairest maid"), "1");
    assert_eq!(number("in the snow"), "6");
    let inn = lines[at..]
        .iter()
        .find(|l| l.text.contains("the inn was older"))
        .unwrap();
    assert_eq!(number("the inn was older"), inn.number.unwrap().to_string());
}

#[test]
fn turnovers_may_stand_flush_right_after_a_bracket() {
    let spec_entries = r#"
[[entry]]
series = "critical"
at = "in the snow"
readings = [{ wit = ["B"], text = "in the frost" }]
"#;
    let spec = mixed_spec("turnovers = \"bracket\"", spec_entries);
    let dir = edition("verse-bracket", MIXED, "", &spec);
    let b = built(&dir);
    let lines = printed_lines(&b);
    // The text block's right edge: where the justified prose lines end in a letter
    // (punctuation hangs into the margin).
    let right = lines
        .iter()
        .filter(|l| l.number.is_some() && l.text.ends_with(char::is_alphabetic))
        .map(|l| l.x1)
        .fold(f64::NEG_INFINITY, f64::max);
    let first = lines
        .iter()
        .position(|l| l.text.starts_with("There was a lady"))
        .unwrap();
    let mut turnovers = 0;
    let mut verses = vec![];
    for l in &lines[first..] {
        if l.text.starts_with("When he had finished") {
            break;
        }
        match l.number {
            Some(_) => verses.push(l.text.clone()),
            None => {
                let words = l
                    .text
                    .strip_prefix("[")
                    .unwrap_or_else(|| panic!("a turnover begins with its bracket: {:?}", l.text));
                // Flush right; a final comma or full stop hangs a little past it.
                let hangs = if l.text.ends_with(char::is_alphabetic) {
                    0.0
                } else {
                    3.0
                };
                assert!(
                    l.x1 > right - 0.5 && l.x1 < right + 0.5 + hangs,
                    "a turnover ends flush right ({:.1} against {right:.1}): {:?}",
                    l.x1,
                    l.text
                );
                let verse = verses.last_mut().expect("a turnover follows its verse");
                *verse = format!("{verse} {}", words.trim_start());
                turnovers += 1;
            }
        }
    }
    assert!(turnovers >= 2, "only {turnovers} turnovers");
    let source_verses: Vec<String> = MIXED
        .lines()
        .skip(4)
        .take(8)
        .filter(|l| !l.trim().is_empty())
        .map(normalize)
        .collect();
    assert_eq!(
        verses, source_verses,
        "each verse, its turnovers joined, as in the source"
    );
    assert_eq!(
        entries(&b)
            .iter()
            .find(|e| e.1 == "in the snow")
            .map(|e| e.0.as_str()),
        Some("6"),
        "a lemma in a turnover keeps its verse's number"
    );
}

/// A word of letters only, one for each number (the apparatus reader takes figures for
/// line references).
fn word(n: usize) -> String {
    const SYLLABLES: [&str; 10] = ["ba", "de", "ki", "lo", "mu", "na", "pe", "ri", "so", "tu"];
    n.to_string()
        .bytes()
        .map(|d| SYLLABLES[(d - b'0') as usize])
        .collect()
}

/// A poem of `stanzas` stanzas of five verses; every seventh verse too long for the line.
fn long_poem(stanzas: usize) -> String {
    let mut s = String::new();
    for n in 1..=stanzas * 5 {
        let w = word(n);
        if n % 7 == 0 {
            s.push_str(&format!("Line {n} {w} runs long and longer still past the measure of the page and over it turns to the end {w}\n"));
        } else {
            s.push_str(&format!("Line {n} {w} is short\n"));
        }
        if n % 5 == 0 {
            s.push('\n');
        }
    }
    s
}

#[test]
fn pages_leave_no_verse_of_a_stanza_alone_and_entries_keep_their_verse_numbers() {
    let source = long_poem(40);
    let mut rest = String::from("[layout]\nline-numbers = { every = 5, restart = \"document\" }\n");
    let lemmata: Vec<String> = (1..=200)
        .filter(|n| n % 3 == 0 || n % 7 == 0)
        .map(|n| {
            if n % 7 == 0 {
                format!("end {}", word(n))
            } else {
                word(n)
            }
        })
        .collect();
    for l in &lemmata {
        rest.push_str(&format!("\n[[entry]]\nseries = \"critical\"\nat = \"{l}\"\nreadings = [{{ wit = [\"B\"], type = \"om\" }}]\n"));
    }
    let dir = edition("verse-pages", &source, "verse = true", &rest);
    let b = built(&dir);
    let lines = printed_lines(&b);
    let verses: Vec<&PrintedLine> = lines
        .iter()
        .filter(|l| l.text.starts_with("Line "))
        .collect();
    assert_eq!(verses.len(), 200);
    for (i, v) in verses.iter().enumerate() {
        let n = i + 1;
        assert!(
            v.text.starts_with(&format!("Line {n} ")),
            "verse {n}: {:?}",
            v.text
        );
        assert_eq!(
            v.number,
            (n % 5 == 0).then_some(n as u32),
            "the number beside verse {n}"
        );
    }
    let pages: std::collections::BTreeSet<usize> = lines.iter().map(|l| l.page).collect();
    assert!(pages.len() > 3, "the poem runs over pages");
    for page in pages.iter().skip(1) {
        let on_page: Vec<&PrintedLine> = lines.iter().filter(|l| l.page == *page).collect();
        assert!(
            on_page[0].text.starts_with("Line "),
            "page {page} begins with a turnover"
        );
        let n: usize = on_page[0].text.split(' ').nth(1).unwrap().parse().unwrap();
        assert_ne!(
            n % 5,
            0,
            "page {page} begins with the last verse of a stanza alone"
        );
        let before = n - 1;
        assert_ne!(
            before % 5,
            1,
            "page {} ends with the first verse of a stanza alone",
            page - 1
        );
    }
    let entries = entries(&b);
    assert_eq!(entries.len(), lemmata.len());
    for (number, lemma) in entries {
        let last = lemma.split(' ').next_back().unwrap();
        let n = (1..=200).find(|&n| last == word(n)).unwrap();
        assert_eq!(number, n.to_string(), "the entry on `{lemma}`");
    }
}

const SONG: &str = "On the cold hill side.


I saw pale kings and princes too,
Pale warriors, death pale were they all.
";

fn milestone_edition(name: &str, join: &str) -> PathBuf {
    edition(
        name,
        SONG,
        "",
        &format!("[[milestone]]\nat = \"I saw pale kings\"\nwitness = \"B\"\nn = \"2\"\n{join}\n"),
    )
}

#[test]
fn a_page_break_at_a_paragraph_start_keeps_the_paragraphs_apart_unless_joined() {
    let apart = printed_lines(&built(&milestone_edition("verse-milestone-apart", "")));
    let line = apart.iter().position(|l| l.text.contains("side.")).unwrap();
    assert!(apart[line].text.ends_with("side."), "{apart:?}");
    assert!(
        apart[line + 1].text.starts_with("I saw pale kings"),
        "{apart:?}"
    );
    let joined = printed_lines(&built(&milestone_edition(
        "verse-milestone-joined",
        "join = true",
    )));
    assert!(
        joined.iter().any(|l| l.text.contains("side. I saw")),
        "join = true: one paragraph across the page break: {joined:?}"
    );
    // `join` where no paragraph break is: an error at the milestone.
    let dir = edition(
        "verse-milestone-misplaced",
        SONG,
        "",
        "[[milestone]]\nat = \"princes too\"\nwitness = \"B\"\nn = \"2\"\njoin = true\n",
    );
    let err = apparat::build(&dir, &apparat::Options::default())
        .err()
        .expect("an error")
        .to_string();
    assert!(
        err.contains("`join = true`, but this page break does not fall between two paragraphs"),
        "{err}"
    );
    assert!(err.contains("edition.toml"), "{err}");
}

/// The verses of a built edition as printed: (page, number counted per section, text with
/// its turnovers), told apart by their left edges (a turnover hangs 2 em in, further than any
/// verse of the stress edition is indented); headings (and the title) restart the count.
fn printed_verses(lines: &[PrintedLine], em: f64) -> Vec<(usize, u32, String)> {
    let flush = |page: usize| {
        lines
            .iter()
            .filter(|l| l.page == page)
            .map(|l| l.x0)
            .fold(f64::INFINITY, f64::min)
    };
    let mut out: Vec<(usize, u32, String)> = vec![];
    let mut n = 0;
    for l in lines {
        if !l.text_type {
            n = 0;
        } else if l.x0 > flush(l.page) + 1.5 * em {
            let last = out.last_mut().expect("a turnover follows its verse");
            last.2 = format!("{} {}", last.2, l.text);
        } else {
            n += 1;
            out.push((l.page, n, l.text.clone()));
            assert_eq!(
                l.number,
                (n % 5 == 0).then_some(n),
                "the number beside {:?}",
                l.text
            );
        }
    }
    out
}

#[test]
fn the_verse_stress_edition_keys_every_entry_to_its_verse() {
    let dir = scratch("verse-stress");
    let options = apparat::stress::StressOptions {
        pages: 12,
        seed: 2,
        ..Default::default()
    };
    let summary = apparat::stress::generate_verse(&dir, &options).unwrap();
    let b = built(&dir);
    let verses = printed_verses(&body_lines(&b), 10.5);
    assert!(verses.len() >= 12 * 14, "{} verses", verses.len());
    let entries = entries(&b);
    assert_eq!(entries.len(), summary.entries);
    let body = read_entries_by_page(&b);
    let mut turnover_lemmata = 0;
    for (page, number, lemma) in &body {
        // In a positive series the lemma's witnesses follow it (`… ABδ]`).
        let sigla = |w: &&str| {
            w.chars().count() <= 6
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || ('α'..='ω').contains(&c))
        };
        // A rank (`från²`) stands before them.
        let first = lemma.split(' ').next().unwrap();
        let last = lemma.split(' ').rev().find(|w| !sigla(w)).unwrap_or(first);
        let (first, last) = (
            first.trim_end_matches(|c: char| c.is_ascii_digit()),
            last.trim_end_matches(|c: char| c.is_ascii_digit()),
        );
        let holder = verses.iter().find(|v| {
            v.0 == *page && v.1.to_string() == *number && v.2.contains(first) && v.2.contains(last)
        });
        assert!(
            holder.is_some(),
            "page {page}: no verse {number} holds `{lemma}`"
        );
        if !verses
            .iter()
            .any(|v| v.0 == *page && v.1.to_string() == *number && v.2.len() < 70)
        {
            turnover_lemmata += 1;
        }
    }
    assert!(
        turnover_lemmata > 0,
        "some lemmata lie in verses that turn over"
    );
}

/// (page, printed reference, lemma) of every apparatus entry that has a reference.
fn read_entries_by_page(built: &Built) -> Vec<(usize, String, String)> {
    let mut out = vec![];
    for p in &built.pages[built.front_pages..] {
        let lines = apparatus_lines(p);
        for e in parse_page(p.number, &lines) {
            if let Some(n) = e.number.clone() {
                let lemma = e.lemma().0.replace(" …", "").replace("… ", "");
                out.push((p.number, n, lemma));
            }
        }
    }
    out
}

#[test]
fn verse_errors_are_located_in_the_spec() {
    let error = |name: &str, text: &str, rest: &str| {
        let dir = edition(name, MIXED, text, rest);
        apparat::build(&dir, &apparat::Options::default())
            .err()
            .expect("an error")
            .render(false)
    };
    let passage = "[[verse]]\nfrom = \"There was a lady\"\nto = \"to know\"\n";
    let across = format!(
        "{passage}\n[[entry]]\nseries = \"critical\"\nat = \"did see, And she went\"\nreadings = [{{ wit = [\"B\"], type = \"om\" }}]\n"
    );
    // A lemma may run from one verse into the next, as across paragraphs.
    let dir = edition("verse-across", MIXED, "", &across);
    if let Err(e) = apparat::build(&dir, &apparat::Options::default()) {
        panic!("a lemma across two verses: {}", e.render(false));
    }
    let err = error("verse-error-both", "verse = true", passage);
    assert!(
        err.contains("`[text] verse = true` makes all the text verse: this passage is part of it"),
        "{err}"
    );
    let err = error("verse-error-keep", "", "[layout]\nstanza-keep = 0\n");
    assert!(err.contains("stanza-keep 0 is out of range"), "{err}");
    let err = error(
        "verse-error-indents",
        "verse = true\nverse-indents = []",
        "",
    );
    assert!(
        err.contains("verse indents need at least one value"),
        "{err}"
    );
}

/// A witness's page break at a verse's start (the ballad's `He came upon the mill`): its
/// sign hangs into the margin, so the verse begins where the other unindented verses do.
#[test]
fn a_page_break_sign_at_a_verse_start_hangs_into_the_margin() {
    let dir = scratch("verse-hanging-sign");
    let _ = std::fs::remove_dir(&dir);
    apparat::init::init_verse(&dir).unwrap();
    let b = built(&dir);
    let (words, he) = b.pages[b.front_pages..]
        .iter()
        .find_map(|p| {
            let words: Vec<&Word> = p.words.iter().collect();
            (0..words.len().saturating_sub(1))
                .find(|&i| words[i].text == "He" && words[i + 1].text == "came")
                .map(|i| (words, i))
        })
        .expect("`He came` is printed");
    let sign = words[he - 1];
    assert_eq!(sign.text, "|", "the sign stands before the verse");
    // The verses of its page that begin unindented start at one edge.
    let left = words
        .iter()
        .filter(|w| (w.y1 - words[he].y1).abs() > 1.0 && w.text == "He")
        .map(|w| w.x0)
        .fold(f64::INFINITY, f64::min);
    assert!(
        (words[he].x0 - left).abs() < 0.5,
        "`He came` begins at x {:.2}, the other verses at {left:.2}",
        words[he].x0
    );
    assert!(
        sign.x1 < words[he].x0 - 1.0,
        "the sign ({:.2}–{:.2}) hangs before the verse ({:.2})",
        sign.x0,
        sign.x1,
        words[he].x0
    );
}
