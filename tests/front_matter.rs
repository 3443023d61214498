//! The front matter and the editor's words, read back from the PDF: the work's author above
//! the title and the editors introduced as such, the citation naming the author first,
//! the PDF's author, typographic quotation marks in notes and margin notes (per language),
//! and the base text's straight marks printed typographic only where the spec asks, with
//! the principles saying so.
mod common;

use std::path::{Path, PathBuf};

use common::edition;
use common::pdf::Page;

const SOURCE: &str = "Ankare och annat.\n\nHan sa \"nej\" och gick, don't.\n";

/// An edition in `dir` with `edition_extra` added to `[edition]`, `text_extra` to `[text]`.
fn write(name: &str, language: &str, edition_extra: &str, text_extra: &str) -> PathBuf {
    let dir = edition::scratch(name);
    let spec = format!(
        r#"[edition]
title = "Dikter"
editors = ["Eva Utgivare"]
language = "{language}"
version = "1.0.0"
date = 2026-01-01
{edition_extra}

[text]
file = "source.txt"
base = "A"
{text_extra}

[[witness]]
siglum = "A"
description = 'Tryck "A".'

[[series]]
id = "commentary"
title = "Kommentar"
kind = "commentary"

[[entry]]
series = "commentary"
at = "annat"
note = "Han sa \"nej\" och 'ja', don't."

[[margin]]
at = "Ankare"
text = '"Rubrik"'
"#
    );
    std::fs::write(dir.join("edition.toml"), spec).unwrap();
    std::fs::write(dir.join("source.txt"), SOURCE).unwrap();
    dir
}

fn build(dir: &Path) -> edition::Built {
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    edition::build(dir, &out)
}

/// The text of pages, words joined by single spaces, line-end hyphenation undone.
fn text(pages: &[Page]) -> String {
    let lines: Vec<&common::pdf::Line> = pages.iter().flat_map(|p| &p.lines).collect();
    common::pdf::reading_words(&lines).join(" ")
}

#[test]
fn notes_and_margin_notes_print_swedish_quotation_marks() {
    let built = build(&write("quotes-sv", "sv", "", ""));
    let body = text(&built.pages[built.front_pages..]);
    assert!(
        body.contains("Han sa ”nej” och ’ja’, don’t."),
        "the commentary note: {body}"
    );
    assert!(body.contains("”Rubrik”"), "the margin note: {body}");
    // The base text is printed as typed unless the spec asks.
    assert!(body.contains("Han sa \"nej\" och gick, don't."), "{body}");
    let front = text(&built.pages[..built.front_pages]);
    assert!(front.contains("Tryck ”A”."), "the conspectus: {front}");
    assert!(
        !front.contains("typografiska"),
        "no normalisation to declare"
    );
}

#[test]
fn notes_print_the_marks_of_the_language() {
    let built = build(&write("quotes-de", "de", "", ""));
    let body = text(&built.pages[built.front_pages..]);
    assert!(body.contains("Han sa „nej“ och ‚ja‘, don’t."), "{body}");
    let built = build(&write("quotes-off", "sv", "typographic-quotes = false", ""));
    let body = text(&built.pages[built.front_pages..]);
    assert!(body.contains("Han sa \"nej\" och 'ja', don't."), "{body}");
}

#[test]
fn the_base_text_prints_typographic_marks_where_asked_and_the_principles_say_so() {
    let dir = write("quotes-text", "sv", "", "typographic-quotes = true");
    let built = build(&dir);
    let body = text(&built.pages[built.front_pages..]);
    assert!(body.contains("Han sa ”nej” och gick, don’t."), "{body}");
    let front = text(&built.pages[..built.front_pages]);
    assert!(
        front.contains(
            "Utgivningsprinciper Grundtextens raka citattecken och apostrofer återges som \
             typografiska (tyst normalisering)."
        ),
        "{front}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("source.txt")).unwrap(),
        SOURCE,
        "the base text file is never changed"
    );

    // English, after the editor's own principles.
    let dir = write(
        "quotes-text-en",
        "en",
        "principles = \"principles.md\"",
        "typographic-quotes = true",
    );
    std::fs::write(
        dir.join("principles.md"),
        "# Principles\n\nThe editor's words.\n",
    )
    .unwrap();
    let built = build(&dir);
    let front = text(&built.pages[..built.front_pages]);
    assert!(
        front.contains(
            "Principles The editor’s words. Straight quotation marks and apostrophes of the base \
             text are printed as typographic ones (silent normalisation)."
        ),
        "{front}"
    );
    let body = text(&built.pages[built.front_pages..]);
    assert!(body.contains("Han sa “nej” och gick, don’t."), "{body}");
}

#[test]
fn the_title_page_names_the_author_above_the_title_and_the_editors_as_such() {
    let dir = write(
        "title-page",
        "en",
        "authors = [\"John Keats\"]\noriginal-date = \"1820\"",
        "",
    );
    let built = build(&dir);
    let title_page = &built.pages[0];
    let author = title_page
        .line_with("Keats")
        .expect("the author on the title page");
    let title = title_page.line_with("Dikter").expect("the title");
    assert!(
        author.cy() < title.cy(),
        "the author stands above the title"
    );
    assert_eq!(author.text(), "John Keats");
    let editors = title_page.line_with("Utgivare").expect("the editors");
    assert_eq!(editors.text(), "Ed. by Eva Utgivare");
    assert!(editors.cy() > title.cy());
    assert!(title_page.line_with("1820").is_some(), "the original date");
    let front = text(&built.pages[..built.front_pages]);
    assert!(
        front.contains("John Keats: Dikter. Ed. by Eva Utgivare. Version 1.0.0, 2026."),
        "the citation names the author first: {front}"
    );

    // The PDF's author is the work's author.
    let info = std::process::Command::new("pdfinfo")
        .arg(&built.pdf_path)
        .output()
        .expect("pdfinfo (poppler-utils)");
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Author:") && l.ends_with(" John Keats")),
        "{info}"
    );
}

#[test]
fn without_authors_the_editors_head_the_title_page_and_the_citation() {
    let built = build(&write("title-page-sv", "sv", "", ""));
    let title_page = &built.pages[0];
    assert_eq!(
        title_page.line_with("Utgivare").map(|l| l.text()),
        Some("Eva Utgivare".to_string())
    );
    let front = text(&built.pages[..built.front_pages]);
    assert!(
        front.contains("Eva Utgivare: Dikter. Version 1.0.0, 2026."),
        "{front}"
    );
    assert!(!front.contains("Utg. av"), "{front}");
}

/// The how-to-cite's example cites a page and line that exist: the seed's first body page
/// and a line number printed on it.
#[test]
fn the_citation_example_cites_the_first_body_page_and_a_line_on_it() {
    let built = edition::seed();
    let front = text(&built.pages[..built.front_pages]);
    let at = front
        .find(", s. ")
        .unwrap_or_else(|| panic!("no example citation in the front matter:\n{front}"));
    let example: Vec<u32> = front[at + 2..]
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(2)
        .map(|s| s.parse().unwrap())
        .collect();
    let (page, line) = (example[0] as usize, example[1]);
    // The first body page (in a facing edition, the original's first page, after a blank
    // page that brings it to the left of a spread).
    let first_body = built.pages[built.front_pages].number;
    assert_eq!(page, first_body, "{}", &front[at..at + 20]);
    // Line numbers stand in the margin, outside the text column (the folio is in the head).
    let spec = edition::read_spec(&edition::seed_dir());
    let body = edition::read_body(&built.pages, built.front_pages, spec.restart_page);
    let first = &body.pages[0];
    assert_eq!(first.number, page);
    assert!(
        first.margin.iter().any(|w| w.text == line.to_string()),
        "page {page} prints no line number {line} in its margin: {:?}",
        first.margin.iter().map(|w| &w.text).collect::<Vec<_>>()
    );
}

/// The spec gives the title page's lines: they break where it says, and lines that do not
/// read the title are a located error.
#[test]
fn the_title_page_breaks_the_title_where_the_spec_says() {
    let dir = write(
        "title-lines",
        "sv",
        "title-lines = [\"Dikter\", \"i urval\"]",
        "",
    );
    let spec = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    std::fs::write(
        dir.join("edition.toml"),
        spec.replace("title = \"Dikter\"", "title = \"Dikter i urval\""),
    )
    .unwrap();
    let built = build(&dir);
    let title_page = &built.pages[0];
    let y = |w: &str| title_page.find(w).unwrap_or_else(|| panic!("no {w}")).y0;
    assert!(
        y("urval") > y("Dikter") + 5.0,
        "`i urval` on a line of its own"
    );
    assert!((y("i") - y("urval")).abs() < 0.5);

    std::fs::write(
        dir.join("edition.toml"),
        spec.replace("title = \"Dikter\"", "title = \"Dikter i val\""),
    )
    .unwrap();
    let err = apparat::build(&dir, &apparat::Options::default())
        .err()
        .expect("lines that do not read the title");
    let d = &err.0[0];
    assert!(
        d.message
            .contains("the title's lines read `Dikter i urval`"),
        "{}",
        d.message
    );
    let (file, line, _) = d.position().expect("located");
    assert!(file.ends_with("edition.toml"));
    let text = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    assert!(
        text.lines()
            .nth(line - 1)
            .unwrap()
            .starts_with("title-lines")
    );
}
