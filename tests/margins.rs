//! Margin notes and witness milestones, read back from the PDF.
//!
//! A note's first baseline must equal the baseline of the line holding its anchor (±0.5 pt)
//! unless it had to move down to clear the note above; notes lie inside the page and outside
//! the text block, and never overlap each other or the line numbers.

mod common;

use std::path::{Path, PathBuf};

use common::pdf::{Page, Word, read_pdf};

/// Libertinus Serif's ascent and descent as the PDF's font descriptor gives them (per 1000):
/// pdftotext's word boxes span ascent..descent, so the baseline is recoverable exactly.
const ASCENT: f64 = 894.0;
const DESCENT: f64 = 246.0;

fn baseline(w: &Word) -> f64 {
    w.y1 - (w.y1 - w.y0) * DESCENT / (ASCENT + DESCENT)
}

fn font_size(w: &Word) -> f64 {
    (w.y1 - w.y0) * 1000.0 / (ASCENT + DESCENT)
}

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn build(dir: &Path) -> Vec<Page> {
    let out =
        apparat::build(dir, &Default::default()).unwrap_or_else(|e| panic!("build failed:\n{e}"));
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let pdf = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.pdf"));
    std::fs::write(&pdf, &out.pdf).unwrap();
    read_pdf(&pdf)
}

/// Body words (10.5 pt) of a page, and the text block's horizontal extent.
fn text_block(page: &Page) -> (f64, f64) {
    let body: Vec<&Word> = page
        .words
        .iter()
        .filter(|w| (font_size(w) - 10.5).abs() < 0.3)
        .collect();
    let x0 = body.iter().map(|w| w.x0).fold(f64::MAX, f64::min);
    let x1 = body.iter().map(|w| w.x1).fold(f64::MIN, f64::max);
    (x0, x1)
}

/// Words set in the margin-note size, outside the text block.
fn margin_words(page: &Page) -> Vec<&Word> {
    let (x0, x1) = text_block(page);
    page.words
        .iter()
        .filter(|w| (font_size(w) - 7.5).abs() < 0.3 && (w.x1 <= x0 + 0.1 || w.x0 >= x1 - 0.1))
        .collect()
}

fn overlaps(a: &Word, b: &Word) -> bool {
    a.x0 < b.x1 - 0.01 && b.x0 < a.x1 - 0.01 && a.y0 < b.y1 - 0.01 && b.y0 < a.y1 - 0.01
}

fn assert_no_collisions(page: &Page) {
    let ws = margin_words(page);
    for (i, a) in ws.iter().enumerate() {
        assert!(
            a.x0 >= 0.0 && a.x1 <= page.width && a.y0 >= 0.0 && a.y1 <= page.height,
            "outside the page: {a:?}"
        );
        for b in &ws[i + 1..] {
            assert!(
                !overlaps(a, b),
                "page {}: `{}` overlaps `{}`",
                page.number,
                a.text,
                b.text
            );
        }
    }
}

#[test]
fn seed_notes_sit_beside_their_lines() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("edition");
    let pages = build(&dir);
    let mut seen = 0;
    for (note, anchor) in [("Lenins", "Kamrat"), ("Resolutionen", "Centralkommittén")] {
        let page = pages
            .iter()
            .find(|p| margin_words(p).iter().any(|w| w.text == note))
            .expect(note);
        let n = *margin_words(page).iter().find(|w| w.text == note).unwrap();
        let a = page
            .words
            .iter()
            .find(|w| w.text == anchor && (font_size(w) - 10.5).abs() < 0.3)
            .expect(anchor);
        assert!(
            (baseline(n) - baseline(a)).abs() < 0.5,
            "{note}: {} vs {}",
            baseline(n),
            baseline(a)
        );
        // The outer margin: right on odd (recto) pages, left on even (verso) pages.
        let (x0, x1) = text_block(page);
        if page.number % 2 == 1 {
            assert!(n.x0 > x1, "{note} not in the right margin");
        } else {
            assert!(n.x1 < x0, "{note} not in the left margin");
        }
        seen += 1;
    }
    assert_eq!(seen, 2);

    // The witness page break: `|` between "denna" and "synpunkt", `P 2` beside that line.
    let page = pages.iter().find(|p| p.find("synpunkt").is_some()).unwrap();
    let bar = page.find("|").expect("milestone sign");
    let denna = page
        .words
        .iter()
        .find(|w| w.text == "denna" && (baseline(w) - baseline(bar)).abs() < 0.5);
    let synpunkt = page.find("synpunkt").unwrap();
    if let Some(d) = denna {
        assert!(
            d.x1 <= bar.x0 && bar.x1 <= synpunkt.x0,
            "bar not between the words"
        );
    } else {
        // The break falls at a line end: the bar begins the line of "synpunkt".
        assert!((baseline(bar) - baseline(synpunkt)).abs() < 0.5 && bar.x1 <= synpunkt.x0);
    }
    let p = margin_words(page)
        .into_iter()
        .find(|w| w.text == "P")
        .expect("siglum in the margin");
    let two = margin_words(page)
        .into_iter()
        .find(|w| w.text == "2" && w.x0 > p.x0)
        .expect("page number in the margin");
    assert!(
        (baseline(p) - baseline(bar)).abs() < 0.5,
        "P 2 not level with the break"
    );
    assert!((baseline(two) - baseline(p)).abs() < 0.5);
    for page in &pages {
        assert_no_collisions(page);
    }
}

#[test]
fn notes_on_consecutive_lines_stack_cleanly() {
    let dir = tmp("margin-stack");
    // A long paragraph of distinct words, a two-line note every ~12 words (about one a line).
    let words: Vec<String> = (0..420).map(|i| format!("ord{}", to_letters(i))).collect();
    let mut src = String::from("Marginalprov\n\n");
    for chunk in words.chunks(11) {
        src.push_str(&chunk.join(" "));
        src.push_str(" \n");
    }
    let mut spec = String::from(
        r#"[edition]
title = "Marginalprov"
editors = ["Prov"]
language = "sv"
version = "1"
date = 2026-01-01

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "prov"

[structure]
title = "Marginalprov"
"#,
    );
    // Six two-line notes on consecutive lines, then six more further down (each takes two
    // lines of the text's grid).
    let anchors: Vec<usize> = (0..6).chain(16..22).map(|i| i * 11 + 3).collect();
    for &i in &anchors {
        spec.push_str(&format!(
            "\n[[margin]]\nat = \"{}\"\ntext = \"Not {} med två rader\"\n",
            words[i], i
        ));
    }
    std::fs::write(dir.join("source.txt"), &src).unwrap();
    std::fs::write(dir.join("edition.toml"), &spec).unwrap();
    let pages = build(&dir);
    let mut checked = 0;
    for page in &pages {
        assert_no_collisions(page);
        // Each note's first line ("Not N") is level with or below its anchor's line, and the
        // first note of a page is exactly level with it.
        let mut first = true;
        let mut notes: Vec<(&Word, usize)> = margin_words(page)
            .into_iter()
            .filter(|w| w.text == "Not")
            .filter_map(|w| {
                let num = margin_words(page)
                    .into_iter()
                    .find(|n| (baseline(n) - baseline(w)).abs() < 0.3 && n.x0 > w.x1)?;
                Some((w, num.text.parse::<usize>().ok()?))
            })
            .collect();
        notes.sort_by(|a, b| a.0.y0.partial_cmp(&b.0.y0).unwrap());
        for (w, i) in notes {
            let anchor = page
                .find(&words[i])
                .unwrap_or_else(|| panic!("anchor {} on page {}", words[i], page.number));
            let d = baseline(w) - baseline(anchor);
            if first {
                assert!(
                    d.abs() < 0.5,
                    "first note {i} of page {} off by {d}",
                    page.number
                );
                first = false;
            } else {
                assert!(d > -0.5, "note {i} above its line by {d}");
            }
            checked += 1;
        }
        assert_on_grid_and_clear_of_numbers(page);
    }
    assert_eq!(checked, anchors.len(), "every note printed once");
}

/// Every line of a margin note stands on a baseline of the text (the notes keep the text's
/// grid, also where they moved down), and the notes stand well clear of the line numbers.
fn assert_on_grid_and_clear_of_numbers(page: &Page) {
    let body: Vec<f64> = page
        .words
        .iter()
        .filter(|w| (font_size(w) - 10.5).abs() < 0.3)
        .map(baseline)
        .collect();
    let (x0, x1) = text_block(page);
    let near = |w: &Word| (w.x0 - x1).max(x0 - w.x1) < 20.0;
    let (numbers, notes): (Vec<&Word>, Vec<&Word>) = margin_words(page)
        .into_iter()
        .partition(|w| near(w) && w.text.parse::<u32>().is_ok());
    for w in &notes {
        assert!(
            body.iter().any(|b| (b - baseline(w)).abs() < 0.5),
            "page {}: `{}` of a margin note off the text's grid",
            page.number,
            w.text
        );
    }
    let closest = numbers
        .iter()
        .flat_map(|n| notes.iter().map(move |w| (w.x0 - n.x1).max(n.x0 - w.x1)))
        .fold(f64::INFINITY, f64::min);
    eprintln!(
        "page {}: notes {closest:.1} pt from the line numbers",
        page.number
    );
    for n in &numbers {
        for w in &notes {
            let gap = (w.x0 - n.x1).max(n.x0 - w.x1);
            assert!(
                gap >= 6.0,
                "page {}: line number {} and note word `{}` only {gap:.1} pt apart",
                page.number,
                n.text,
                w.text
            );
        }
    }
}

#[test]
fn a_note_that_cannot_fit_is_a_located_error() {
    let dir = tmp("margin-overflow");
    let words: Vec<String> = (0..600).map(|i| format!("ord{}", to_letters(i))).collect();
    let mut src = String::from("Marginalprov\n\n");
    for chunk in words.chunks(11) {
        src.push_str(&chunk.join(" "));
        src.push('\n');
    }
    let mut spec = String::from(
        "[edition]\ntitle = \"Marginalprov\"\neditors = [\"Prov\"]\nlanguage = \"sv\"\nversion = \"1\"\ndate = 2026-01-01\n\n[text]\nfile = \"source.txt\"\nbase = \"A\"\n\n[[witness]]\nsiglum = \"A\"\ndescription = \"prov\"\n\n[structure]\ntitle = \"Marginalprov\"\n",
    );
    for i in 0..50 {
        spec.push_str(&format!("\n[[margin]]\nat = \"{}\"\ntext = \"En lång not {i} som tar många rader i den smala marginalen\"\n", words[i * 11 + 2]));
    }
    std::fs::write(dir.join("source.txt"), &src).unwrap();
    std::fs::write(dir.join("edition.toml"), &spec).unwrap();
    let err = apparat::build(&dir, &Default::default())
        .err()
        .expect("the overfull margin must fail");
    let d = &err.0[0];
    assert!(d.message.contains("does not fit on page"), "{}", d.message);
    let (file, line, _) = d.position().expect("located");
    assert!(file.ends_with("edition.toml"));
    let text = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    assert!(
        text.lines().nth(line - 1).unwrap().starts_with("at = "),
        "points at the note's quotation"
    );
}

fn to_letters(mut i: usize) -> String {
    let mut s = String::new();
    loop {
        s.push((b'a' + (i % 26) as u8) as char);
        i /= 26;
        if i == 0 {
            break s;
        }
    }
}

#[test]
fn page_margins_from_the_spec_place_the_text_block() {
    // Margins in millimetres in `[layout]`: the text column (read from the justified body
    // lines of the PDF) starts 25 mm from the binding on rectos and 40 mm from the outer edge
    // on versos; the first line of each body page hangs from the 30 mm top margin.
    let d = tmp("spec-margins");
    for f in [
        "edition.toml",
        "source.txt",
        "translation.txt",
        "principles.md",
    ] {
        std::fs::copy(common::edition::seed_dir().join(f), d.join(f)).unwrap();
    }
    let spec = std::fs::read_to_string(d.join("edition.toml")).unwrap();
    let spec = spec.replace(
        "[layout]\n",
        "[layout]\nmargins = { inner = 25, outer = 40, top = 30 }\n",
    );
    std::fs::write(d.join("edition.toml"), spec).unwrap();
    let built = common::edition::build(&d, &d);
    let body = common::edition::read_body(&built.pages, built.front_pages, true);
    let mm = 72.0 / 25.4;
    assert!(body.pages.len() >= 4);
    for p in &body.pages {
        let (inner, outer) = if p.recto {
            (p.left, p.width - p.right)
        } else {
            (p.width - p.right, p.left)
        };
        assert!(
            (inner - 25.0 * mm).abs() < 1.0,
            "page {}: inner margin {:.1} pt, want {:.1}",
            p.number,
            inner,
            25.0 * mm
        );
        assert!(
            (outer - 40.0 * mm).abs() < 1.0,
            "page {}: outer margin {:.1} pt, want {:.1}",
            p.number,
            outer,
            40.0 * mm
        );
        // pdftotext's word box starts at the font's ascender, a little above the cap height
        // that the template hangs from the top margin.
        let top = p.body.first().map(|l| l.line.y0).unwrap();
        assert!(
            top < 30.0 * mm && top > 30.0 * mm - 4.0,
            "page {}: first line at {top:.1} pt, top margin {:.1}",
            p.number,
            30.0 * mm
        );
    }
}
