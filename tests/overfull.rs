//! Nothing in the margins silently: a line wider than the text block and a character the
//! font has no glyph for are located warnings (and errors under `--deny-warnings`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use apparat::diag::{Diagnostic, Severity};
use common::pdf::read_pdf;

const SPEC: &str = r#"[edition]
title = "Overfull"
editors = ["Tester"]
language = "en"
date = 2026-01-01
version = "1.0"
license = "CC-BY-4.0"

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "The text."

[[series]]
id = "notes"
title = "Notes"
kind = "commentary"

[[entry]]
series = "notes"
at = "ordinary"
note = "A plain note."
"#;

/// A paragraph without punctuation, so that its first line ends at the text block's edge.
const FIRST: &str = "A first paragraph of ordinary words that fills a line or two of the page and then some more words so that it is long enough to break";

/// A 305-character word of digits and letters: nowhere to break or hyphenate it.
fn long_word() -> String {
    format!("x{}", "0123456789abcdef".repeat(19))
}

fn edition(name: &str, source: &str, extra_spec: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("overfull")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("edition.toml"), format!("{SPEC}{extra_spec}")).unwrap();
    std::fs::write(d.join("source.txt"), source).unwrap();
    d
}

fn build(dir: &Path) -> apparat::Output {
    apparat::build(dir, &Default::default()).unwrap_or_else(|e| panic!("build failed:\n{e}"))
}

fn with_message<'a>(out: &'a apparat::Output, start: &str) -> Vec<&'a Diagnostic> {
    out.warnings
        .iter()
        .filter(|d| d.message.starts_with(start))
        .collect()
}

/// `(file name, line, column)` of a diagnostic.
fn position(d: &Diagnostic) -> (String, usize, usize) {
    let (path, line, col) = d.position().expect("a located diagnostic");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    (name, line, col)
}

/// The `12.3` of `overfull line (12.3 pt too wide)`.
fn excess(d: &Diagnostic) -> f64 {
    let from = d.message.find('(').unwrap() + 1;
    let to = d.message.find(" pt too wide").unwrap();
    d.message[from..to].parse().unwrap()
}

fn overfull_source() -> String {
    format!("{FIRST}\n\nThen the word {} stands alone\n", long_word())
}

#[test]
fn an_unbreakable_word_is_an_overfull_line_at_its_place_in_the_source() {
    let dir = edition("word", &overfull_source(), "");
    let out = build(&dir);
    let overfull = with_message(&out, "overfull line (");
    assert_eq!(overfull.len(), 1, "{:#?}", out.warnings);
    let w = overfull[0];
    assert_eq!(w.severity, Severity::Warning);
    // Line 3, after `Then the word `: the word that does not break.
    assert_eq!(position(w), ("source.txt".into(), 3, 15));
    assert!(w.message.contains("in a paragraph"), "{}", w.message);
    assert!(
        w.notes.iter().any(|n| n.contains("(305 characters)")),
        "{:?}",
        w.notes
    );

    // The PDF shows what the warning says: the word runs past the text block's edge (the
    // end of the first paragraph's first, justified line) by about the width reported.
    let pdf = dir.join("out.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let pages = read_pdf(&pdf);
    let body = pages.last().unwrap();
    let edge = text_edge(body);
    let word = &body.find_containing("0123456789abcdef")[0];
    assert!(word.x1 > edge + 50.0, "{} not beyond {edge}", word.x1);
    assert!(
        excess(w) + 1.0 >= word.x1 - edge,
        "{} pt reported, {} pt visible",
        excess(w),
        word.x1 - edge
    );
}

#[test]
fn emergency_breaks_break_the_word_inside_the_text_block() {
    let dir = edition(
        "emergency",
        &overfull_source(),
        "\n[layout]\nemergency-breaks = true\n",
    );
    let out = build(&dir);
    assert!(
        with_message(&out, "overfull line").is_empty(),
        "{:#?}",
        out.warnings
    );
    let pdf = dir.join("out.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let body = read_pdf(&pdf).pop().unwrap();
    let edge = text_edge(&body);
    // The word spans several lines, none past the edge, no character lost or added.
    let pieces: Vec<_> = body
        .words
        .iter()
        .filter(|w| {
            let t = &w.text;
            t.chars().all(|c| c.is_ascii_alphanumeric())
                && t.chars().any(|c| c.is_ascii_digit())
                && !t.chars().all(|c| c.is_ascii_digit())
        })
        .collect();
    assert!(pieces.len() >= 3, "{pieces:?}");
    assert!(pieces.iter().all(|w| w.x1 <= edge + 0.5), "{pieces:?}");
    let joined: String = pieces.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(joined, long_word());
}

#[test]
fn deny_warnings_fails_on_an_overfull_line_and_json_locates_it() {
    let dir = edition("cli", &overfull_source(), "");
    let out = Command::new(env!("CARGO_BIN_EXE_apparat"))
        .args(["build", "--deny-warnings", "--diagnostic-format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let overfull: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("one JSON object per line"))
        .filter(|d| d["message"].as_str().unwrap().starts_with("overfull line"))
        .collect();
    assert_eq!(overfull.len(), 1, "{stdout}");
    assert_eq!(overfull[0]["severity"], "error");
    assert!(
        overfull[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("source.txt")
    );
    assert_eq!(overfull[0]["line"].as_u64(), Some(3));
    assert_eq!(overfull[0]["column"].as_u64(), Some(15));
    assert!(!dir.join("out/edition.pdf").exists());
}

#[test]
fn characters_the_font_lacks_are_named_and_located() {
    let source = format!("{FIRST}\n\nChinese 中文 and an emoji 😀 here\n");
    let margin = "\n[[margin]]\nat = \"first paragraph\"\ntext = \"Margin 字\"\n";
    let dir = edition("tofu", &source, margin);
    let out = build(&dir);
    let missing = with_message(&out, "the font `Libertinus Serif` has no glyph for");
    assert_eq!(missing.len(), 2, "{:#?}", out.warnings);

    let in_text = missing
        .iter()
        .find(|d| position(d).0 == "source.txt")
        .expect("a warning in source.txt");
    assert_eq!(position(in_text), ("source.txt".into(), 3, 9));
    for c in ["U+4E2D 中", "U+6587 文", "U+1F600 😀"] {
        assert!(in_text.message.contains(c), "{}", in_text.message);
    }
    assert!(
        in_text.notes.iter().any(|n| n.contains("--system-fonts")),
        "{:?}",
        in_text.notes
    );

    let in_spec = missing
        .iter()
        .find(|d| position(d).0 == "edition.toml")
        .expect("a warning in edition.toml");
    let spec = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    let line = spec
        .lines()
        .position(|l| l == "text = \"Margin 字\"")
        .unwrap()
        + 1;
    assert_eq!(position(in_spec), ("edition.toml".into(), line, 16));
    assert!(in_spec.message.contains("U+5B57 字"), "{}", in_spec.message);
    // Quotations of the base text are not reported again in the spec.
    assert!(!in_spec.message.contains('中'));
}

#[test]
fn a_word_too_wide_for_the_apparatus_is_located_in_its_entry() {
    let word = format!("y{}", "0123456789".repeat(12));
    let entry = format!(
        "\n[[entry]]\nseries = \"notes\"\nat = \"some more words\"\nnote = \"See {word}.\"\n"
    );
    let dir = edition("apparatus", &format!("{FIRST}\n"), &entry);
    let out = build(&dir);
    let wide = with_message(&out, "overfull apparatus line");
    assert_eq!(wide.len(), 1, "{:#?}", out.warnings);
    let spec = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    let line = spec
        .lines()
        .position(|l| l.starts_with("note = \"See y"))
        .unwrap()
        + 1;
    assert_eq!(position(wide[0]), ("edition.toml".into(), line, 13));
    assert!(with_message(&out, "overfull line").is_empty());
}

#[test]
fn the_seed_and_a_long_hyphenated_compound_print_without_such_warnings() {
    let seed = build(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/edition")));
    let quiet = |out: &apparat::Output| {
        out.warnings
            .iter()
            .all(|d| !d.message.starts_with("overfull") && !d.message.contains("has no glyph"))
    };
    assert!(quiet(&seed), "{:#?}", seed.warnings);

    // A compound of letters is hyphenated across lines (with ligatures at the breaks), every
    // character printed.
    let compound = "Donaudampfschifffahrtsgesellschaftskapitaen".repeat(7);
    let dir = edition(
        "compound",
        &format!("{FIRST}\n\nThen the word {compound} stands alone\n"),
        "",
    );
    let out = build(&dir);
    assert!(quiet(&out), "{:#?}", out.warnings);
    let pdf = dir.join("out.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let body = read_pdf(&pdf).pop().unwrap();
    let joined: String = body
        .words
        .iter()
        .filter(|w| !w.text.chars().all(|c| c.is_ascii_digit()))
        .map(|w| w.text.strip_suffix('-').unwrap_or(&w.text))
        .collect();
    assert!(joined.contains(&compound), "{joined}");
}

/// The right edge of the text block on `body`: where the first paragraph's first, justified
/// line ends (line numbers aside).
fn text_edge(body: &common::pdf::Page) -> f64 {
    let first_line = body.line_with("first").expect("the first paragraph");
    first_line
        .words
        .iter()
        .filter(|w| !w.text.chars().all(|c| c.is_ascii_digit()))
        .map(|w| w.x1)
        .next_back()
        .unwrap()
}

#[test]
fn a_word_too_wide_for_the_note_column_is_located_in_its_margin_note() {
    // Wider than the note column (about 52 pt), narrower than the whole outer margin, so
    // that it stays on the paper.
    let word = "z0123456789abcde";
    let margin = format!("\n[[margin]]\nat = \"first paragraph\"\ntext = \"See {word}\"\n");
    let dir = edition("margin-note", &format!("{FIRST}\n"), &margin);
    let out = build(&dir);
    let wide = with_message(&out, "overfull margin note");
    assert_eq!(wide.len(), 1, "{:#?}", out.warnings);
    let spec = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    let line = spec
        .lines()
        .position(|l| l.starts_with("at = \"first paragraph\""))
        .unwrap()
        + 1;
    assert_eq!(position(wide[0]).0, "edition.toml");
    assert!(
        (line..line + 2).contains(&position(wide[0]).1),
        "{:?}",
        position(wide[0])
    );
    // The PDF shows it: on this recto page the note column ends 3 mm before the paper's
    // edge, and the word passes it by about the width reported.
    let pdf = dir.join("out.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let page = read_pdf(&pdf).pop().unwrap();
    let w = &page.find_containing("0123456789")[0];
    let column_end = page.width - 3.0 * 72.0 / 25.4;
    let visible = w.x1 - column_end;
    assert!(
        visible > 1.0 && (excess(wide[0]) - visible).abs() < 1.0,
        "{} pt reported, {visible:.1} pt visible",
        excess(wide[0])
    );
    // A note that fits says nothing.
    assert!(with_message(&out, "overfull line").is_empty());
}

/// What the template prints itself (here a separator in a private-use character no font
/// has) is read back from the final document: an empty box is a warning naming the
/// character and the page, though neither the base text nor the spec holds it.
#[test]
fn a_character_the_template_prints_without_a_glyph_is_named() {
    let dir = edition(
        "tofu-template",
        &format!("{FIRST}\n"),
        "\n[layout]\ntemplate = \"mine.typ\"\n",
    );
    let template = common::edition::default_template()
        .replace("{ [‖] } else { [|] }", "{ [‖] } else { [\u{E000}] }");
    assert!(template.contains('\u{E000}'));
    std::fs::write(dir.join("mine.typ"), template).unwrap();
    std::fs::write(
        dir.join("edition.toml"),
        std::fs::read_to_string(dir.join("edition.toml")).unwrap()
            + "\n[[entry]]\nseries = \"notes\"\nat = \"paragraph\"\nnote = \"Another note.\"\n",
    )
    .unwrap();
    let out = build(&dir);
    let boxes = with_message(&out, "the font `Libertinus Serif` has no glyph for U+E000");
    assert_eq!(boxes.len(), 1, "{:#?}", out.warnings);
    assert!(
        boxes[0].message.contains("first on page 5"),
        "{}",
        boxes[0].message
    );
}

/// A reading of many witnesses: its list of sigla, wider than the measure, breaks between
/// two sigla and stays inside the text block; only a list wider than two lines is overfull.
#[test]
fn a_long_list_of_sigla_breaks_between_sigla() {
    let sigla: Vec<String> = (1..=24).map(|k| format!("Cod{k:02}")).collect();
    let mut extra = String::new();
    for s in &sigla {
        extra.push_str(&format!(
            "\n[[witness]]\nsiglum = \"{s}\"\ndescription = \"A codex.\"\n"
        ));
    }
    let wit: Vec<String> = sigla.iter().map(|s| format!("\"{s}\"")).collect();
    extra.push_str(&format!(
        "\n[[series]]\nid = \"critical\"\ntitle = \"Critical apparatus\"\nkind = \"critical\"\n\n[[entry]]\nseries = \"critical\"\nat = \"paragraph\"\nreadings = [{{ wit = [{}], text = \"paragraphs\" }}]\n",
        wit.join(", ")
    ));
    let dir = edition("many-sigla", &format!("{FIRST}\n"), &extra);
    let out = build(&dir);
    assert!(
        with_message(&out, "overfull apparatus line").is_empty(),
        "{:#?}",
        out.warnings
    );
    let pdf = dir.join("many-sigla.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let body = read_pdf(&pdf).pop().unwrap();
    let edge = text_edge(&body);
    let list: Vec<&common::pdf::Word> = body
        .words
        .iter()
        .filter(|w| w.text.contains("Cod"))
        .collect();
    assert!(list.len() >= 2, "the list is set on two lines: {list:?}");
    for w in list {
        assert!(
            w.x1 <= edge + 1.0,
            "`{}` ends at {:.1}, past the text block's edge {edge:.1}",
            w.text,
            w.x1
        );
    }
}
