//! A translation facing the original, read back from the PDF: every aligned chunk begins on
//! the two pages of one spread (the original on the left, even folios; the translation on
//! the right), both sides read as their files, a chunk much longer on one side leaves the
//! other side's pages short, `[[align]]` pairs align texts whose paragraphs do not pair, and
//! a mismatch without them is a located error.

mod common;

use std::path::{Path, PathBuf};

use common::edition::{self, Body};
use common::pdf::Page;

/// The first page (folio) whose body holds `word`.
fn page_of(body: &Body, word: &str) -> usize {
    body.pages
        .iter()
        .find(|p| {
            p.body.iter().any(|l| {
                l.line
                    .words
                    .iter()
                    .any(|w| w.text.trim_matches(',') == word)
            })
        })
        .unwrap_or_else(|| panic!("`{word}` is not printed"))
        .number
}

/// The pages' body lines, each paragraph start found where the PDF shows it (an indented
/// line, or a numbered line after an unnumbered one: a heading or the title), as (folio,
/// the line's first word).
fn paragraph_starts(body: &Body) -> Vec<(usize, String)> {
    let mut out = vec![];
    for p in &body.pages {
        for i in 0..p.body.len() {
            if p.starts_paragraph(i) {
                out.push((p.number, p.body[i].line.words[0].text.clone()));
            }
        }
    }
    out
}

#[test]
fn the_seeds_paragraphs_start_on_one_spread_with_their_translation() {
    let built = edition::seed();
    let spec = edition::read_spec(&edition::seed_dir());
    let original = edition::read_body(&built.pages, built.front_pages, spec.restart_page);
    let translation = edition::read_body(&built.translation_pages, 0, spec.restart_page);
    // The original on versos (even folios), the translation on rectos.
    assert!(original.pages.iter().all(|p| p.number % 2 == 0));
    assert!(translation.pages.iter().all(|p| p.number % 2 == 1));
    let (o, t) = (paragraph_starts(&original), paragraph_starts(&translation));
    // Nine paragraphs of the report, two of the resolution, on each side.
    assert_eq!(o.len(), 11, "the original's paragraph starts: {o:?}");
    assert_eq!(t.len(), 11, "the translation's paragraph starts: {t:?}");
    for (a, b) in o.iter().zip(&t) {
        assert_eq!(
            a.0 + 1,
            b.0,
            "the paragraph `{}` (p. {}) and its translation `{}` (p. {}) are not on one spread",
            a.1,
            a.0,
            b.1,
            b.0
        );
    }
    // Headings face their headings.
    assert_eq!(
        page_of(&original, "Resolution") + 1,
        page_of(&translation, "Resolution")
    );
}

#[test]
fn the_seeds_translation_reads_as_its_file() {
    let built = edition::seed();
    let translation = edition::read_body(&built.translation_pages, 0, true);
    let got: Vec<String> = edition::text_words(&translation)
        .into_iter()
        .map(|w| w.text)
        .collect();
    let file = std::fs::read_to_string(edition::seed_dir().join("translation.txt")).unwrap();
    let want: Vec<&str> = file.split_whitespace().collect();
    assert_eq!(
        got,
        want,
        "the translation's pages differ from translation.txt\n{}",
        edition::first_difference(&got, &want)
    );
}

// ---- A small edition: the original's four paragraphs against three -------------------------

/// Deterministic filler words.
fn words(seed: &mut u64, n: usize) -> String {
    const VOCAB: &[&str] = &[
        "lorem",
        "ipsum",
        "dolor",
        "sit",
        "amet",
        "consectetur",
        "adipiscing",
        "elit",
        "sed",
        "do",
        "eiusmod",
        "tempor",
        "incididunt",
        "ut",
        "labore",
        "et",
        "dolore",
        "magna",
        "aliqua",
        "enim",
        "ad",
        "minim",
        "veniam",
        "quis",
        "nostrud",
    ];
    (0..n)
        .map(|_| {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            VOCAB[(*seed >> 33) as usize % VOCAB.len()]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Hard-wraps a paragraph as a transcription would.
fn wrapped(text: &str) -> String {
    let mut out = String::new();
    let mut len = 0;
    for w in text.split(' ') {
        if len > 0 && len + w.len() > 80 {
            out.push('\n');
            len = 0;
        } else if len > 0 {
            out.push(' ');
            len += 1;
        }
        out.push_str(w);
        len += w.len();
    }
    out
}

/// The original: a title and paragraphs `Alpha`, `Beta`, `Gamma`, `Delta`. The
/// translation: a title and paragraphs `Eins`, `Zwei` (about three pages long), and
/// `Drei`, which renders `Gamma` and `Delta` together. `align`: the `[[align]]` tables;
/// `layout`: keys added to `[translation]`.
fn write_edition(name: &str, align: &str) -> PathBuf {
    write_edition_with(name, align, "")
}

fn write_edition_with(name: &str, align: &str, layout: &str) -> PathBuf {
    let dir = edition::scratch(name);
    let mut seed = 11u64;
    let mut original = String::from("Liber primus\n\n");
    for marker in ["Alpha", "Beta", "Gamma", "Delta"] {
        let p = format!("{marker} {}.", words(&mut seed, 90));
        original.push_str(&wrapped(&p));
        original.push_str("\n\n");
    }
    let mut translation = String::from("Das erste Buch\n\n");
    for (marker, n) in [("Eins", 80), ("Zwei", 1400), ("Drei", 170)] {
        let p = format!("{marker} {}.", words(&mut seed, n));
        translation.push_str(&wrapped(&p));
        translation.push_str("\n\n");
    }
    std::fs::write(dir.join("source.txt"), &original).unwrap();
    std::fs::write(dir.join("translation.txt"), &translation).unwrap();
    let spec = format!(
        r#"[edition]
title = "Liber primus"
editors = ["A. Editor"]
language = "la"
version = "1.0.0"
date = 2026-11-29

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "The base text."

[[witness]]
siglum = "B"
description = "Another witness."

[structure]
title = "Liber primus"

[translation]
file = "translation.txt"
language = "de"
title = "Das erste Buch"
{layout}

[[series]]
id = "critical"
title = "Apparatus"
kind = "critical"

[[entry]]
series = "critical"
at = "Delta"
readings = [{{ wit = ["B"], text = "Epsilon" }}]
{align}"#
    );
    std::fs::write(dir.join("edition.toml"), spec).unwrap();
    dir
}

fn bodies(dir: &Path, name: &str) -> (Body, Body, Vec<Page>) {
    let built = edition::build(dir, &edition::scratch(&format!("{name}-out")));
    let original = edition::read_body(&built.pages, built.front_pages, true);
    let translation = edition::read_body(&built.translation_pages, 0, true);
    (original, translation, built.translation_pages.clone())
}

#[test]
fn aligned_passages_start_together_however_long_one_side_is() {
    let align = r#"
[[align]]
original = "Gamma"
translation = "Drei"
"#;
    let dir = write_edition("facing-align", align);
    let (original, translation, _) = bodies(&dir, "facing-align");
    for (o, t) in [("Alpha", "Eins"), ("Beta", "Zwei"), ("Gamma", "Drei")] {
        let (po, pt) = (page_of(&original, o), page_of(&translation, t));
        assert_eq!(
            po + 1,
            pt,
            "`{o}` (p. {po}) and `{t}` (p. {pt}) are not on one spread"
        );
    }
    // `Zwei` runs over several spreads: the original's pages beside it hold nothing of the
    // text (`Beta` ended on the first of them).
    let (beta, gamma) = (page_of(&original, "Beta"), page_of(&original, "Gamma"));
    assert!(
        gamma >= beta + 4,
        "Zwei is long: Beta p. {beta}, Gamma p. {gamma}"
    );
    for p in original
        .pages
        .iter()
        .filter(|p| p.number > beta && p.number < gamma)
    {
        assert!(
            p.body.is_empty(),
            "page {} beside Zwei holds text",
            p.number
        );
    }
    // `Delta` follows `Gamma` in the same chunk: no page of the translation waits for it.
    let delta = page_of(&original, "Delta");
    assert!(delta - gamma <= 2, "Gamma p. {gamma}, Delta p. {delta}");
    // The apparatus stays under the original.
    let lemma_page = original
        .pages
        .iter()
        .find(|p| p.apparatus.iter().any(|l| l.text().contains("Epsilon")))
        .map(|p| p.number);
    assert_eq!(
        lemma_page,
        Some(delta),
        "the entry stands under its lemma's page"
    );
    assert!(
        translation.pages.iter().all(|p| p.apparatus.is_empty()),
        "no apparatus under the translation"
    );
}

#[test]
fn a_translation_that_does_not_pair_names_the_first_unpaired_paragraph() {
    let dir = write_edition("facing-mismatch", "");
    let got = common::snapshot::build_error("facing-mismatch", &dir);
    common::snapshot::check("facing", "unpaired-paragraph", &got);
}

#[test]
fn crossing_align_pairs_are_an_error() {
    let align = r#"
[[align]]
original = "Gamma"
translation = "Zwei"

[[align]]
original = "Beta"
translation = "Drei"
"#;
    let dir = write_edition("facing-crossing", align);
    let got = common::snapshot::build_error("facing-crossing", &dir);
    common::snapshot::check("facing", "crossing-pairs", &got);
}

/// The word `word` on the pages: (folio, its left edge).
fn word_at(pages: &[Page], word: &str) -> (usize, f64) {
    pages
        .iter()
        .find_map(|p| {
            p.words
                .iter()
                .find(|w| w.text.trim_matches(',') == word)
                .map(|w| (p.number, w.x0))
        })
        .unwrap_or_else(|| panic!("`{word}` is not printed"))
}

#[test]
fn in_columns_both_texts_share_each_page_the_original_on_the_left() {
    let align = r#"
[[align]]
original = "Gamma"
translation = "Drei"
"#;
    let dir = write_edition_with("facing-columns", align, r#"layout = "columns""#);
    let built = edition::build(&dir, &edition::scratch("facing-columns-out"));
    let pages = &built.pages[built.front_pages..];
    let width = pages[0].width;
    for (o, t) in [("Alpha", "Eins"), ("Beta", "Zwei"), ("Gamma", "Drei")] {
        let (po, xo) = word_at(pages, o);
        let (pt, xt) = word_at(pages, t);
        assert_eq!(
            po, pt,
            "`{o}` (p. {po}) and `{t}` (p. {pt}) are not on one page"
        );
        assert!(
            xo < width / 2.0 && xt > width / 2.0 - 20.0 && xt > xo + 100.0,
            "`{o}` at x {xo:.1} should stand in the left column, `{t}` at x {xt:.1} in the right"
        );
    }
    // The long `Zwei` takes pages on which the original's column is empty below `Beta`.
    let (beta, _) = word_at(pages, "Beta");
    let (gamma, _) = word_at(pages, "Gamma");
    assert!(gamma >= beta + 2, "Beta p. {beta}, Gamma p. {gamma}");
    // The apparatus stands at the foot of Delta's page, below both columns.
    let (delta, _) = word_at(pages, "Delta");
    let page = pages.iter().find(|p| p.number == delta).unwrap();
    let epsilon = page
        .words
        .iter()
        .find(|w| w.text.contains("Epsilon"))
        .expect("the entry on its lemma's page");
    let lowest_text = page
        .words
        .iter()
        .filter(|w| w.height() > 9.0 && w.y1 < epsilon.y0)
        .map(|w| w.y1)
        .fold(0.0, f64::max);
    assert!(
        epsilon.y0 > lowest_text,
        "the apparatus stands below both columns"
    );
}

/// The seed's translator's notes (`of = "translation"`) stand at the foot of the English
/// pages, each on its lemma's page with the line number the translation's own count gives
/// the lemma there; none stands under the original.
#[test]
fn the_translators_notes_stand_under_the_translation_at_its_line_numbers() {
    let built = edition::seed();
    let spec = edition::read_spec(&edition::seed_dir());
    assert_eq!(
        spec.translation_entries.len(),
        2,
        "the seed has two translator's notes"
    );
    let original = edition::read_body(&built.pages, built.front_pages, spec.restart_page);
    let translation = edition::read_body(&built.translation_pages, 0, spec.restart_page);
    for e in &spec.translation_entries {
        let first = e.quote.at.split_whitespace().next().unwrap();
        let (page, number) = translation
            .pages
            .iter()
            .find_map(|p| {
                p.body.iter().find_map(|l| {
                    l.line
                        .words
                        .iter()
                        .any(|w| w.text.trim_end_matches([',', '.']) == first)
                        .then(|| (p, l.number.expect("a numbered line")))
                })
            })
            .unwrap_or_else(|| panic!("`{first}` is not printed in the translation"));
        let apparatus: Vec<String> = page.apparatus.iter().map(|l| l.text()).collect();
        let want = format!("{number}");
        assert!(
            apparatus.iter().any(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                words.windows(2).any(|w| {
                    w[0].split(['–', '-']).next() == Some(want.as_str())
                        && w[1].trim_end_matches(']') == first
                })
            }),
            "page {}: no note `{number} {first}…]` in {apparatus:?}",
            page.number
        );
        for p in &original.pages {
            assert!(
                !p.apparatus.iter().any(|l| l.text().contains(&e.quote.at)),
                "page {}: a translator's note under the original",
                p.number
            );
        }
    }
}

#[test]
fn a_series_of_the_translation_needs_facing_pages() {
    let dir = write_edition_with("facing-series-columns", "", r#"layout = "columns""#);
    let spec = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    let spec = spec.replace(
        "[[entry]]",
        "[[series]]\nid = \"notes\"\ntitle = \"Notes\"\nkind = \"commentary\"\nof = \"translation\"\n\n[[entry]]",
    );
    std::fs::write(dir.join("edition.toml"), spec).unwrap();
    let got = common::snapshot::build_error("facing-series-columns", &dir);
    common::snapshot::check("facing", "series-in-columns", &got);
}

/// A word of the translation too long for the line is a warning located in
/// `translation.txt`, as one of the original is in `source.txt`; a character the font lacks
/// likewise.
#[test]
fn the_translations_overfull_lines_and_missing_glyphs_are_located_in_its_file() {
    let dir = write_edition("facing-overfull", "");
    let path = dir.join("translation.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    // A number of 80 digits: nowhere to break, too wide for the line.
    let long = "1234567890".repeat(8);
    let text = text.replacen("Eins ", &format!("Eins {long} \u{e000} "), 1);
    std::fs::write(&path, text).unwrap();
    // One more paragraph, so that the texts pair.
    let source = std::fs::read_to_string(dir.join("source.txt")).unwrap();
    let spec = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    let spec = spec.replace(
        "[[series]]",
        "[[align]]\noriginal = \"Gamma\"\ntranslation = \"Drei\"\n\n[[series]]",
    );
    std::fs::write(dir.join("edition.toml"), spec).unwrap();
    assert!(source.contains("Gamma"));
    let out = apparat::build(&dir, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let in_translation = |what: &str| {
        out.warnings.iter().any(|d| {
            d.message.contains(what)
                && d.location
                    .as_ref()
                    .is_some_and(|l| l.file.path.ends_with("translation.txt"))
        })
    };
    let all: Vec<&str> = out.warnings.iter().map(|d| d.message.as_str()).collect();
    assert!(in_translation("overfull line"), "{all:?}");
    assert!(in_translation("font"), "{all:?}");
}

/// A translation is read as strictly as the base text, and the messages say which text:
/// a missing file, a control character, an empty file, a hash that no longer matches.
#[test]
fn a_bad_translation_file_is_a_located_error_naming_the_translation() {
    let dir = write_edition("facing-bad-file", "");
    let path = dir.join("translation.txt");
    let good = std::fs::read_to_string(&path).unwrap();
    let error = |dir: &Path| match apparat::build(dir, &Default::default()) {
        Ok(_) => panic!("built"),
        Err(e) => e.render(false),
    };
    std::fs::remove_file(&path).unwrap();
    let got = error(&dir);
    assert!(got.contains("cannot read `translation.txt`"), "{got}");
    std::fs::write(&path, good.replacen("Eins", "Eins\u{7}", 1)).unwrap();
    let got = error(&dir);
    assert!(
        got.contains("the translation contains the control character U+0007")
            && got.contains("translation.txt"),
        "{got}"
    );
    std::fs::write(&path, "  \n\n").unwrap();
    let got = error(&dir);
    assert!(got.contains("the translation is empty"), "{got}");
    std::fs::write(&path, &good).unwrap();
    let spec = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    let pinned = spec.replace(
        "file = \"translation.txt\"",
        &format!(
            "file = \"translation.txt\"\nsha256 = \"{}\"",
            "0".repeat(64)
        ),
    );
    std::fs::write(dir.join("edition.toml"), pinned).unwrap();
    let got = error(&dir);
    assert!(
        got.contains("the translation does not match its pinned sha256"),
        "{got}"
    );
}

#[test]
fn the_list_of_entries_holds_the_translators_notes_with_their_references() {
    let out = apparat::build(&edition::seed_dir(), &apparat::Options::default()).unwrap();
    let notes: Vec<&apparat::EntryReport> = out.entries.iter().filter(|e| e.translation).collect();
    let spec = std::fs::read_to_string(edition::seed_dir().join("edition.toml")).unwrap();
    assert_eq!(
        notes.len(),
        spec.matches("series = \"translator\"").count(),
        "every translator's note is listed"
    );
    for e in &notes {
        assert_eq!(e.series, "translator");
        assert!(
            e.page % 2 == 1,
            "a translator's note stands on the translation's page (a recto): {e:?}"
        );
        let want = if e.first == e.last {
            e.first.to_string()
        } else {
            format!("{}–{}", e.first, e.last)
        };
        assert_eq!(e.reference, want, "{e:?}");
    }
    assert!(out.entries.iter().any(|e| !e.translation));
}
