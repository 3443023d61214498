//! Everything in the base text and in margin notes prints literally: no character or
//! sequence is taken for Typst markup or code (`#read("/etc/passwd")`, `$x$`, `<lbl>`,
//! `@ref`, raw blocks, comments, headings `= `, list items `- `/`+ `, term lists `/ t: x`,
//! escapes `\`, …).
//!
//! A property test over generated editions: the text (several paragraphs, lines starting
//! with markup characters) and a margin note's text are drawn from Latin/Swedish, Greek,
//! Cyrillic letters, digits, ASCII punctuation and markup sequences. Each edition is built
//! with the library and its PDF read back: the body pages' body-type words must be the
//! source's characters in order (whitespace folded, line-end hyphens undone), and the
//! margin note's characters must stand in the outer margin.
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::edition;
use common::pdf::{HYPHENS, Word};
use proptest::prelude::*;

const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZåäöÅÄÖéü\
                       αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔΘΛΞΠΣΦΨΩ\
                       абвгдежзийклмнопрстуфхцчшщъыьэюяБГДЖЗИЛПФЦЧШЩЭЮЯ0123456789";
const PUNCT: &str = "#$*_`<>@[]\\/=-+~\"'.,:;(){}";
const SEQUENCES: &[&str] = &[
    "//",
    "/*",
    "*/",
    "#read(\"/etc/passwd\")",
    "$x$",
    "<lbl>",
    "@ref",
    "```raw```",
    "= ",
    "- ",
    "+ ",
    "/ term: x",
];
/// What a source line may start with.
const LINE_STARTS: &[&str] = &["", "= ", "- ", "+ ", "/ ", "# ", "\"", "#", "=", "// "];

fn charset() -> Vec<char> {
    LETTERS.chars().chain(PUNCT.chars()).collect()
}

/// A word: a run of charset characters (at most `max` long), or a markup sequence.
fn word(max: usize, sequences: bool) -> BoxedStrategy<String> {
    let run = proptest::collection::vec(proptest::sample::select(charset()), 1..=max)
        .prop_map(|cs| cs.into_iter().collect::<String>());
    if sequences {
        prop_oneof![
            3 => run,
            1 => proptest::sample::select(SEQUENCES).prop_map(String::from),
        ]
        .boxed()
    } else {
        run.boxed()
    }
}

fn line() -> impl Strategy<Value = String> {
    (
        proptest::sample::select(LINE_STARTS),
        proptest::collection::vec(word(12, true), 1..=8),
    )
        .prop_map(|(start, ws)| format!("{start}{}", ws.join(" ")))
}

/// Paragraphs of lines; the first line begins with the margin note's anchor word.
fn source() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::collection::vec(line(), 1..=3), 1..=4).prop_map(|paras| {
        let mut text = String::from(ANCHOR);
        for (i, p) in paras.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            for (k, l) in p.iter().enumerate() {
                if i == 0 && k == 0 {
                    text.push(' ');
                }
                text.push_str(l);
                text.push('\n');
            }
        }
        text
    })
}

/// Margin notes are narrow (about 52 pt at 7.5 pt): short words, so that none is broken,
/// and a line may break at every space. Unicode's line breaking allows no break after an
/// opening bracket and the spaces after it (nor between a quotation mark and an opening
/// bracket), nor before a closing bracket, `!`, `?`, `,`, `.`, `:`, `;`, `/` or `-`, even
/// after a space: a word neither ends in the one nor begins with the other, or `a( b` and
/// `a ,b` would make one run wider than the column. They stand anywhere else in a word.
fn note() -> impl Strategy<Value = String> {
    proptest::collection::vec(word(7, false), 1..=4).prop_map(|ws| {
        ws.iter()
            .map(|w| {
                w.trim_end_matches(['(', '[', '{', '"', '\''])
                    .trim_start_matches([')', ']', '}', '!', '?', ',', '.', ':', ';', '/', '-'])
            })
            .map(|w| match w {
                "" => "x".to_string(),
                w => w.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    })
}

const ANCHOR: &str = "Ankare";

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn spec(note: &str) -> String {
    format!(
        r#"[edition]
title = "Escaping"
editors = ["Test"]
language = "sv"
typographic-quotes = false
version = "1.0.0"
date = 2026-01-01

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "Generated text."

[[margin]]
at = "{ANCHOR}"
occurrence = 1
text = {}
"#,
        toml_str(note)
    )
}

/// Compare the characters of `lines` (words, no whitespace) with `want` (whitespace
/// ignored): they must be equal, except that a line may end in a hyphen that is not in
/// `want` (hyphenation).
fn same_chars(lines: &[Vec<String>], want: &str) -> Result<(), String> {
    let want: Vec<char> = want.chars().filter(|c| !c.is_whitespace()).collect();
    let mut j = 0;
    for (li, l) in lines.iter().enumerate() {
        let cs: Vec<char> = l.concat().chars().collect();
        for (k, &c) in cs.iter().enumerate() {
            if want.get(j) == Some(&c) {
                j += 1;
            } else if k + 1 == cs.len() && li + 1 < lines.len() && HYPHENS.contains(&c) {
                // a hyphen added at a line break
            } else {
                let seen: String = want[..j].iter().collect();
                let tail: String = seen
                    .chars()
                    .rev()
                    .take(30)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let next: String = want[j..].iter().take(30).collect();
                return Err(format!(
                    "line {li} {:?}: char {c:?} where the text continues {next:?} (after …{tail:?})",
                    l.join(" ")
                ));
            }
        }
    }
    if j != want.len() {
        let rest: String = want[j..].iter().collect();
        return Err(format!("text not printed: {rest:?}"));
    }
    Ok(())
}

static CASE: AtomicUsize = AtomicUsize::new(0);

fn check(source: &str, note: &str) -> Result<(), TestCaseError> {
    let n = CASE.fetch_add(1, Ordering::Relaxed);
    let dir = edition::scratch(&format!("escaping-{n}"));
    std::fs::write(dir.join("edition.toml"), spec(note)).unwrap();
    std::fs::write(dir.join("source.txt"), source).unwrap();
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let built = edition::build(&dir, &out_dir);

    let body_pages = &built.pages[built.front_pages..];
    prop_assert!(!body_pages.is_empty());
    // Body text: body-type words of the body pages, line by line.
    let mut lines: Vec<Vec<String>> = vec![];
    for p in body_pages {
        let hh = edition::head_height(p);
        for l in &p.lines {
            let ws: Vec<String> = l
                .words
                .iter()
                .filter(|w| edition::is_body_type(w, hh))
                .map(|w| w.text.clone())
                .collect();
            if !ws.is_empty() {
                lines.push(ws);
            }
        }
    }
    if let Err(e) = same_chars(&lines, source) {
        return Err(TestCaseError::fail(format!(
            "body text does not print literally: {e}\nsource.txt:\n{source}\nPDF lines:\n{}",
            lines
                .iter()
                .map(|l| l.join(" "))
                .collect::<Vec<_>>()
                .join("\n")
        )));
    }

    // The margin note: on the first body page, the words in smaller type than the body
    // below the running head (the topmost line), without the line numbers: ASCII digits are
    // dropped on both sides (pdftotext may split a note's word before a digit, so a digit
    // of the note can stand alone like a line number).
    let first = &body_pages[0];
    let hh = edition::head_height(first);
    let head_bottom = first.lines[0].y1;
    let body_words: Vec<&Word> = first
        .words
        .iter()
        .filter(|w| edition::is_body_type(w, hh))
        .collect();
    let margin: Vec<Word> = first
        .words
        .iter()
        .filter(|w| !edition::is_body_type(w, hh) && w.y0 > head_bottom)
        .filter_map(|w| {
            let text: String = w.text.chars().filter(|c| !c.is_ascii_digit()).collect();
            (!text.is_empty()).then(|| Word { text, ..w.clone() })
        })
        .collect();
    let note_lines: Vec<Vec<String>> = common::pdf::group_lines(&margin)
        .iter()
        .map(|l| l.words.iter().map(|w| w.text.clone()).collect())
        .collect();
    let want: String = note
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| !c.is_ascii_digit())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if let Err(e) = same_chars(&note_lines, &want) {
        return Err(TestCaseError::fail(format!(
            "margin note does not print literally: {e}\nnote: {note:?}\nmargin: {note_lines:?}"
        )));
    }
    // In the outer margin: right of the body text on a recto page, left of it on a verso.
    let recto = first.number % 2 == 1;
    let text_right = body_words.iter().map(|w| w.x1).fold(f64::MIN, f64::max);
    let text_left = body_words.iter().map(|w| w.x0).fold(f64::MAX, f64::min);
    for w in &margin {
        prop_assert!(
            if recto {
                w.x0 > text_right
            } else {
                w.x1 < text_left
            },
            "margin note word {:?} not in the outer margin",
            w.text
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(24)
    })]

    #[test]
    fn text_and_margin_notes_print_literally(source in source(), note in note()) {
        check(&source, &note)?;
    }
}

/// The markup sequences once each, deterministically (a fixed case besides the random ones).
#[test]
fn markup_sequences_print_literally() {
    let mut source = format!("{ANCHOR} {}\n", SEQUENCES[..6].join(" "));
    for start in LINE_STARTS {
        source.push_str(&format!("{start}{} x\n", SEQUENCES[6..].join(" ")));
    }
    source.push_str("\n= Heading?\n- item?\n+ item?\n/ term: x\n#set text(red)\n\\# \\$ \\\\\n");
    check(&source, "#x $y$ */ <l> @r").unwrap();
}

/// The principles are Markdown (CommonMark): its own syntax makes headings, lists, emphasis
/// and links, but nothing in them is Typst markup or code.
#[test]
fn principles_print_literally() {
    let dir = edition::scratch("escaping-principles");
    std::fs::write(
        dir.join("edition.toml"),
        spec("not").replace("[text]", "principles = \"principles.md\"\n\n[text]"),
    )
    .unwrap();
    std::fs::write(dir.join("source.txt"), format!("{ANCHOR} text.\n")).unwrap();
    std::fs::write(
        dir.join("principles.md"),
        "# Principles #x\n\n\
         Signs #read(\"/etc/passwd\") $y$ [a] \\q <lbl> @ref // c /* d */ a * b `#code` \
         *it* **bold** [site](https://example.org).\n\n\
         - one #x\n- two\n  1. nested $z$\n\n\
         > quoted ]\n",
    )
    .unwrap();
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let built = edition::build(&dir, &out_dir);
    let front: String = built.pages[..built.front_pages]
        .iter()
        .map(|p| p.text())
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for want in [
        "Principles #x",
        "Signs #read(\"/etc/passwd\") $y$ [a] \\q <lbl> @ref // c /* d */ a * b #code it bold site.",
        "one #x",
        "nested $z$",
        "quoted ]",
    ] {
        assert!(
            front.contains(want),
            "{want:?} not in the front matter: {front}"
        );
    }
}
