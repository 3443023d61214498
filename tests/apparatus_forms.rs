//! How each kind of apparatus entry prints, on a small controlled edition: every reading
//! type, the base siglum added to emendations, ranks of repeated words, abbreviation of long
//! lemmata, separators and ranges — read back from the PDF.

mod common;

use std::path::Path;

use common::pdf::{Page, read_pdf};

const SOURCE: &str = "Prov\n\nEtt och två och tre.\n\nFyra fem sex sju åtta nio tio elva tolv.\n\nTretton fjorton femton sexton.\n";

const SPEC: &str = r#"[edition]
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

[[witness]]
siglum = "B"
description = "b"

[[witness]]
siglum = "C"
description = "c"

[structure]
title = "Prov"

[[series]]
id = "k"
title = "K"
kind = "critical"

[[series]]
id = "n"
title = "N"
kind = "commentary"

[[entry]]
series = "k"
at = "och"
occurrence = 2
readings = [{ wit = ["B", "C"], text = "samt" }]

[[entry]]
series = "k"
at = "tre"
readings = [{ wit = ["B"], type = "om" }]

[[entry]]
series = "k"
at = "Fyra fem sex sju åtta nio"
readings = [{ wit = ["C"], type = "transp" }]

[[entry]]
series = "k"
at = "tolv"
emend = "tolf"
readings = [{ wit = ["B"], text = "tolv" }]

[[entry]]
series = "k"
at = "Tretton"
readings = [{ wit = ["B"], type = "add", text = "och" }, { type = "conj", text = "Trettio", by = "Editor" }]

[[entry]]
series = "n"
at = "femton"
note = "En anmärkning."
"#;

/// Build `spec` over [`SOURCE`] in a folder `name`: the build's output and its PDF read back.
fn build(name: &str, spec: &str) -> (apparat::Output, Vec<Page>) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("edition.toml"), spec).unwrap();
    std::fs::write(dir.join("source.txt"), SOURCE).unwrap();
    let out = apparat::build(&dir, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let pdf = dir.join("out.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let pages = read_pdf(&pdf);
    (out, pages)
}

#[test]
fn every_reading_type_prints_by_convention() {
    let (_, pages) = build("forms", SPEC);
    let body = pages.last().unwrap();
    let text: String = body
        .lines
        .iter()
        .map(|l| l.text())
        .collect::<Vec<_>>()
        .join(" ");
    // The emendation is printed in the text; the base reading only in the apparatus.
    assert!(text.contains("elva tolf."), "{text}");
    let has = |s: &str| text.contains(s);
    assert!(has("och ] samt BC"), "sigla of two witnesses: {text}");
    assert!(has("| tre] om. B"), "omission joined by `|`: {text}");
    assert!(
        has("‖ 2 Fyra … nio] transp. C"),
        "abbreviated lemma, new line after ‖: {text}"
    );
    assert!(
        has("tolf] corr.; tolv A; tolv B"),
        "emendation with base siglum, then a variant: {text}"
    );
    assert!(
        has("Tretton] och add. B; Trettio conj. Editor"),
        "addition and conjecture: {text}"
    );
    assert!(has("femton] En anmärkning."), "commentary note: {text}");
    // The rank: a superscript `2` raised above the lemma's baseline, right after `och`.
    let (och, rank) = body
        .words
        .iter()
        .filter(|w| w.text == "och" && w.height() < 11.0) // apparatus size
        .find_map(|och| {
            body.words
                .iter()
                .find(|w| w.text == "2" && (w.x0 - och.x1).abs() < 1.0)
                .map(|r| (och, r))
        })
        .expect("a rank right after the lemma `och`");
    assert!(rank.y1 < och.y1 - 1.0, "the rank is raised");
    assert!(rank.height() < och.height(), "the rank is smaller");
}

#[test]
fn a_series_placed_at_the_end_prints_after_the_text_with_page_and_line() {
    let spec = SPEC.replace(
        "id = \"n\"\ntitle = \"N\"\nkind = \"commentary\"",
        "id = \"n\"\ntitle = \"Slutnoter\"\nkind = \"commentary\"\nplacement = \"end\"",
    );
    assert_ne!(spec, SPEC);
    let (out, pages) = build("forms-end", &spec);
    let body = &pages[out.front_pages];
    let body_text: String = body
        .lines
        .iter()
        .map(|l| l.text())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        !body_text.contains("En anmärkning."),
        "not at the foot: {body_text}"
    );
    let last = pages.last().unwrap();
    let end_text: String = last
        .lines
        .iter()
        .map(|l| l.text())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(end_text.contains("Slutnoter"), "{end_text}");
    // `femton` stands on the body page's third line: the reference reads page.line.
    assert!(
        end_text.contains(&format!("{}.3 femton] En anmärkning.", out.front_pages + 1)),
        "{end_text}"
    );
}

#[test]
fn a_one_per_line_series_sets_each_entry_on_a_line_of_its_own() {
    // Both series one entry per line; the commentary note long enough to wrap.
    let long = "Denna anmärkning är med avsikt skriven så lång att den inte ryms på en enda rad \
                i apparaten utan måste fortsätta på nästa rad med hängande indrag som i tryckta \
                utgåvor";
    let spec = SPEC
        .replace(
            "kind = \"critical\"",
            "kind = \"critical\"\narrangement = \"one-per-line\"",
        )
        .replace(
            "kind = \"commentary\"",
            "kind = \"commentary\"\narrangement = \"one-per-line\"",
        )
        .replace("En anmärkning.", long);
    let (_, pages) = build("forms-per-line", &spec);
    let body = pages.last().unwrap();
    // Apparatus lines: set in small type (the body is 10.5 pt, the apparatus 8 pt); a rank
    // superscript (`och²`), raised, reads as a line of its own.
    let app: Vec<_> = body
        .lines
        .iter()
        .filter(|l| l.words.iter().all(|w| w.height() < 11.0) && l.y0 > body.height / 2.0)
        .filter(|l| l.words.len() > 1)
        .collect();
    let text: Vec<String> = app.iter().map(|l| l.text()).collect();
    assert!(
        text.iter().all(|t| !t.contains('|') && !t.contains('‖')),
        "no separators between entries set one per line: {text:#?}"
    );
    let starts_with_number = |t: &str| {
        t.split(' ')
            .next()
            .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit() || c == '–'))
    };
    let firsts: Vec<&String> = text.iter().filter(|t| starts_with_number(t)).collect();
    assert_eq!(
        firsts.len(),
        6,
        "one line per entry, each opening with its number: {text:#?}"
    );
    // Each line opens with the number of its lemma's line (as in the run-in test above).
    for want in [
        "1 och ] samt BC",
        "1 tre] om. B",
        "2 Fyra … nio] transp. C",
        "2 tolf] corr.; tolv A; tolv B",
        "3 Tretton] och add. B; Trettio conj. Editor",
        "3 femton] Denna",
    ] {
        assert!(
            firsts.iter().any(|t| t.starts_with(want)),
            "an entry line opens with `{want}`: {text:#?}"
        );
    }
    // Entry lines start at the column's edge; the note's continuation lines hang.
    let left = app.iter().map(|l| l.x0).fold(f64::MAX, f64::min);
    let mut hanging = 0;
    for (l, t) in app.iter().zip(&text) {
        if starts_with_number(t) {
            assert!(
                (l.x0 - left).abs() < 0.5,
                "entry line not at the left edge: {t}"
            );
        } else {
            assert!(l.x0 > left + 6.0, "continuation line does not hang: {t}");
            hanging += 1;
        }
    }
    assert!(hanging >= 1, "the long note wraps: {text:#?}");

    // Placed at the end, the series still sets one entry per paragraph.
    let end = spec.replace(
        "id = \"n\"\ntitle = \"N\"",
        "id = \"n\"\ntitle = \"Slutnoter\"\nplacement = \"end\"",
    );
    assert_ne!(end, spec);
    let (out, pages) = build("forms-per-line-end", &end);
    let last = pages.last().unwrap().text();
    assert!(
        last.contains(&format!("{}.3 femton] Denna", out.front_pages + 1)),
        "{last}"
    );
}
