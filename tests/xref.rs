//! Cross-references, read back from the PDF: every printed reference names the page and the
//! line numbers where its label's words are printed (found on the pages and counted there,
//! independently of the program's plan), on another page, on the same page and across
//! lines; each is a link to its page; unknown and duplicate labels are located errors.

mod common;

use std::path::{Path, PathBuf};

use common::edition::{self, Body};

/// Words of a small edition's text (deterministic).
const VOCAB: &[&str] = &[
    "the", "of", "and", "to", "in", "that", "it", "was", "for", "on", "are", "as", "with", "his",
    "they", "at", "be", "this", "from", "have", "or", "by", "one", "had", "not", "but", "what",
    "all", "were", "when", "we", "there", "can", "an", "your", "which", "their", "said", "if",
    "will", "each", "about", "how", "up", "out", "them", "then", "she", "many", "some", "so",
];

/// The words of the label spanning lines.
const SPAN: &str = "Spanstart one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen Spanend";

/// Ten paragraphs of 140 words with marked words: `Alfarnum` and `Samepage` on the first
/// page, `Gammaword` and the span a little later, `Zetaword` pages on.
fn source() -> String {
    let mut seed = 7u64;
    let mut paras = vec![];
    for i in 0..10 {
        let mut ws: Vec<&str> = (0..140)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                VOCAB[(seed >> 33) as usize % VOCAB.len()]
            })
            .collect();
        match i {
            0 => {
                ws[20] = "Alfarnum";
                ws[60] = "Samepage";
            }
            1 => ws[20] = "Gammaword",
            2 => {
                let span: Vec<&str> = SPAN.split(' ').collect();
                ws.splice(30..30 + span.len(), span);
            }
            8 => ws[20] = "Zetaword",
            _ => {}
        }
        let mut p = ws.join(" ");
        p[..1].make_ascii_uppercase();
        paras.push(p + ".");
    }
    paras.join("\n\n") + "\n"
}

const SPEC: &str = r#"[edition]
title = "Cross-references"
editors = ["Tester"]
language = "LANG"
version = "0.1.0"
date = 2026-01-01
license = "CC-BY-4.0"
principles = "principles.md"

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "The text."

[layout]
paper = "a5"
line-numbers = { every = 5, restart = "page" }

[[series]]
id = "notes"
title = "Notes"
kind = "commentary"

[[entry]]
series = "notes"
at = "Alfarnum"
label = "alfa"
note = "First explained here."

[[entry]]
series = "notes"
at = "Samepage"
note = "Samemark {{ref:alfa}} here, literally {{{{ref:alfa}}."

[[entry]]
series = "notes"
at = "Zetaword"
note = "Othermark {{ref:alfa}}; Spanmark {{ref:span}}; Gammamark {{ref:gamma}}."

[[label]]
id = "span"
at = "SPAN"

[[margin]]
at = "Gammaword"
text = "Marginmark {{ref:span}}"
label = "gamma"
"#;

fn write_edition(name: &str, lang: &str, spec_edit: impl Fn(String) -> String) -> PathBuf {
    let dir = edition::scratch(name);
    let spec = SPEC
        .replace("LANG", lang)
        .replace("\"SPAN\"", &format!("\"{SPAN}\""));
    std::fs::write(dir.join("edition.toml"), spec_edit(spec)).unwrap();
    std::fs::write(dir.join("source.txt"), source()).unwrap();
    std::fs::write(
        dir.join("principles.md"),
        "# Principles\n\nThe text is cited thus: Principlemark {{ref:alfa}}.\n",
    )
    .unwrap();
    dir
}

/// Where a word of the body is printed: (PDF page number, line number counted on the page).
fn printed_at(body: &Body, word: &str) -> (usize, u32) {
    let found: Vec<(usize, u32)> = body
        .pages
        .iter()
        .flat_map(|p| {
            p.body
                .iter()
                .filter(|l| {
                    l.line
                        .words
                        .iter()
                        .any(|w| w.text.trim_end_matches(['.', ',']) == word)
                })
                .map(move |l| (p.number, l.number.expect("a paragraph line")))
        })
        .collect();
    assert_eq!(found.len(), 1, "`{word}` printed at {found:?}");
    found[0]
}

/// The top of `word` on a page.
fn word_top(page: &common::pdf::Page, word: &str) -> f64 {
    page.words
        .iter()
        .find(|w| w.text.trim_end_matches(['.', ',']) == word)
        .map(|w| w.y0)
        .unwrap_or_else(|| panic!("`{word}` not on page {}", page.number))
}

/// The words after `mark` in the PDF's text (apparatus and margins), spaces normalised.
fn after(text: &str, mark: &str, words: usize) -> Vec<String> {
    let i = text
        .find(mark)
        .unwrap_or_else(|| panic!("`{mark}` not printed"));
    text[i + mark.len()..]
        .split_whitespace()
        .take(words)
        .map(str::to_string)
        .collect()
}

/// The PDF's whole text with line breaks and no-break spaces as spaces.
fn flat_text(pdf: &Path) -> String {
    common::pdf::plain_text(pdf)
        .replace('\u{a0}', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The printed reference `p. 5, l. 2` / `l. 2` / `p. 5, ll. 23–25` as (page, first, last).
fn parse_ref(
    words: &[String],
    page_word: &str,
    line: &str,
    lines: &str,
) -> (Option<usize>, u32, u32) {
    let num = |s: &str| s.trim_end_matches([',', ';', '.', ')']).to_string();
    let (page, rest) = if words[0] == page_word {
        (Some(num(&words[1]).parse().unwrap()), &words[2..])
    } else {
        (None, words)
    };
    let n = num(&rest[1]);
    match n.split_once('–') {
        Some((a, b)) => {
            assert_eq!(rest[0], lines, "{words:?}");
            (page, a.parse().unwrap(), b.parse().unwrap())
        }
        None => {
            assert_eq!(rest[0], line, "{words:?}");
            (page, n.parse().unwrap(), n.parse().unwrap())
        }
    }
}

/// The body of PDF object `n` (Typst writes objects uncompressed: `N 0 obj … endobj`).
fn object(pdf: &str, n: &str) -> String {
    let head = format!("\n{n} 0 obj\n");
    let i = pdf.find(&head).unwrap_or_else(|| panic!("no object {n}")) + head.len();
    pdf[i..i + pdf[i..].find("endobj").unwrap()].to_string()
}

/// The page objects in document order (the page tree's kids).
fn page_objects(text: &str) -> Vec<&str> {
    let tree = text.find("/Type/Pages").expect("a page tree");
    let kids_at = tree + text[tree..].find("/Kids[").unwrap() + "/Kids[".len();
    text[kids_at..kids_at + text[kids_at..].find(']').unwrap()]
        .split(" 0 R")
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect()
}

/// Where a `/Dest N 0 R` at the start of `after` goes: (page number, y from the page's
/// bottom).
fn destination(text: &str, kids: &[&str], after: &str) -> Option<(usize, f64)> {
    let dest = object(text, after.split(' ').next()?);
    // `[P 0 R/XYZ x y z]`
    let (page, rest) = dest
        .trim()
        .trim_start_matches('[')
        .split_once(" 0 R/XYZ ")?;
    let y: f64 = rest.split_whitespace().nth(1)?.parse().ok()?;
    Some((kids.iter().position(|kid| *kid == page)? + 1, y))
}

/// The link annotations to places in the document: the page number each goes to (the
/// position of its page among the page tree's kids) and the height it shows (pt from the
/// page's top).
fn page_links(pdf: &[u8], page_height: f64) -> Vec<(usize, f64)> {
    let text = String::from_utf8_lossy(pdf);
    let kids = page_objects(&text);
    text.split("/Subtype/Link")
        .skip(1)
        .filter_map(|a| {
            let annot = &a[..a.find(">>").unwrap_or(a.len())];
            let d = annot.find("/Dest ")? + "/Dest ".len();
            let (page, y) = destination(&text, &kids, &annot[d..])?;
            Some((page, page_height - y))
        })
        .collect()
}

fn check_language(lang: &str, (page_word, line, lines): (&str, &str, &str)) {
    let dir = write_edition(&format!("xref-{lang}"), lang, |s| s);
    let built = edition::build(&dir, &dir);
    let body = edition::read_body(&built.pages, built.front_pages, true);
    let text = flat_text(&built.pdf_path);
    let alfa = printed_at(&body, "Alfarnum");
    let gamma = printed_at(&body, "Gammaword");
    let span = (printed_at(&body, "Spanstart"), printed_at(&body, "Spanend"));
    let zeta = printed_at(&body, "Zetaword");
    let same = printed_at(&body, "Samepage");
    // The situations the edition is made for.
    assert_eq!(alfa.0, same.0, "Alfarnum and Samepage share a page");
    assert_ne!(alfa.0, zeta.0, "Zetaword is pages on");
    assert_eq!(span.0.0, span.1.0, "the span is on one page");
    assert!(span.1.1 > span.0.1, "the span runs over lines");
    let r = |mark: &str| parse_ref(&after(&text, mark, 4), page_word, line, lines);
    // On the same page: the line alone.
    assert_eq!(r("Samemark"), (None, alfa.1, alfa.1));
    // (The note may continue on the next page after `literally`.)
    assert!(
        text.contains("{{ref:alfa}}."),
        "the escaped braces print as typed"
    );
    // On another page: page and line.
    assert_eq!(r("Othermark"), (Some(alfa.0), alfa.1, alfa.1));
    // Across lines: the range.
    assert_eq!(r("Spanmark"), (Some(span.0.0), span.0.1, span.1.1));
    // A margin note's label, cited from another page.
    assert_eq!(r("Gammamark"), (Some(gamma.0), gamma.1, gamma.1));
    // A reference in a margin note: to its own page or another.
    let from_margin = r("Marginmark");
    let expected_page = (gamma.0 != span.0.0).then_some(span.0.0);
    assert_eq!(from_margin, (expected_page, span.0.1, span.1.1));
    // In the principles (the front matter): always with the page.
    assert_eq!(r("Principlemark"), (Some(alfa.0), alfa.1, alfa.1));
    // Each reference links to the page it cites, showing its line (the destination a
    // little above the words' top).
    let height = built.pages[0].height;
    let mut links = page_links(&built.pdf, height);
    links.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let top = |w: &str| word_top(&built.pages[printed_at(&body, w).0 - 1], w);
    let mut want = vec![
        (alfa.0, top("Alfarnum")),
        (alfa.0, top("Alfarnum")),
        (alfa.0, top("Alfarnum")),
        (span.0.0, top("Spanstart")),
        (span.0.0, top("Spanstart")),
        (gamma.0, top("Gammaword")),
    ];
    want.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(links.len(), want.len(), "{links:?}");
    for (got, want) in links.iter().zip(&want) {
        assert_eq!(got.0, want.0, "link page: {links:?}");
        assert!(
            got.1 <= want.1 && want.1 - got.1 < 15.0,
            "the link shows y {} for words at the top {}",
            got.1,
            want.1
        );
    }
}

#[test]
fn references_name_the_page_and_lines_of_their_labels_in_english() {
    check_language("en", ("p.", "l.", "ll."));
}

#[test]
fn references_name_the_page_and_lines_of_their_labels_in_swedish() {
    check_language("sv", ("s.", "r.", "r."));
}

fn error_of(name: &str, edit: impl Fn(String) -> String) -> String {
    common::snapshot::build_error(name, &write_edition(name, "en", edit))
}

fn snapshot(name: &str, got: &str) {
    common::snapshot::check("xref", name, got);
}

#[test]
fn an_unknown_label_is_a_located_error() {
    let got = error_of("xref-unknown", |s| {
        s.replace("{{ref:span}};", "{{ref:spam}};")
    });
    assert!(got.contains("unknown label `spam`"), "{got}");
    assert!(got.contains("declared labels: alfa, gamma, span"), "{got}");
    snapshot("unknown-label", &got);
}

#[test]
fn a_duplicate_label_is_a_located_error() {
    let got = error_of("xref-duplicate", |s| {
        s + "\n[[label]]\nid = \"alfa\"\nat = \"Zetaword\"\n"
    });
    assert!(got.contains("duplicate label `alfa`"), "{got}");
    snapshot("duplicate-label", &got);
}

#[test]
fn an_unknown_label_in_the_principles_is_located_there() {
    let dir = write_edition("xref-principles", "en", |s| s);
    std::fs::write(dir.join("principles.md"), "# P\n\nSee {{ref:nowhere}}.\n").unwrap();
    let Err(e) = apparat::build(&dir, &Default::default()) else {
        panic!("built");
    };
    let got = e.render(false).replace(&dir.display().to_string(), "DIR");
    assert!(got.contains("principles.md:3:5"), "{got}");
    snapshot("unknown-label-principles", &got);
}

/// The seed's commentary cites three labels; each reference names the page and line where
/// the label's first word is printed (the page is left out on that page itself).
#[test]
fn the_seeds_references_name_their_lines() {
    let built = edition::seed();
    let body = edition::read_body(&built.pages, built.front_pages, true);
    let text = flat_text(&built.pdf_path);
    for (mark, word) in [
        ("Efter julidagarna", "3–5"),
        ("efter Kornilovaffären", "korniloviad"),
        ("kallar Områdeskongressen", "Områdeskongressen"),
    ] {
        let label = printed_at(&body, word);
        let mut words = after(&text, mark, 4);
        words[0] = words[0].trim_start_matches('(').to_string();
        let (page, first, last) = parse_ref(&words, "s.", "r.", "r.");
        assert_eq!(page.unwrap_or(label.0), label.0, "{mark}: {words:?}");
        assert_eq!((first, last), (label.1, label.1), "{mark}: {words:?}");
    }
}

/// The seed's headings are in the PDF outline, each going to the page it is printed on.
#[test]
fn the_seeds_headings_are_in_the_outline() {
    let built = edition::seed();
    let text = String::from_utf8_lossy(&built.pdf);
    assert!(text.contains("/Outlines"), "the PDF has an outline");
    let kids = page_objects(&text);
    for heading in ["1. Rapport. Protokoll", "2. Resolution"] {
        let at = text
            .find(&format!("/Title({heading})"))
            .unwrap_or_else(|| panic!("`{heading}` not in the outline"));
        let item = &text[at..at + text[at..].find(">>").unwrap()];
        let d = item.find("/Dest ").expect("a destination") + "/Dest ".len();
        let (page, _) = destination(&text, &kids, &item[d..]).expect("a page destination");
        let printed = built
            .pages
            .iter()
            .chain(&built.translation_pages)
            .find(|p| p.number == page)
            .unwrap_or_else(|| panic!("`{heading}` goes to page {page}, which has no text"));
        assert!(
            printed.lines.iter().any(|l| l.text().contains(heading)),
            "`{heading}` goes to page {page}, which does not print it"
        );
    }
}
