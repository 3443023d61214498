//! Line numbers of the seed edition, read from the PDF: every `every`-th paragraph line of a
//! page (edition.toml: `line-numbers = { every = 5, restart = "page" }`) carries its count in
//! the outer margin, on the line's baseline. Title and heading lines are never counted.
mod common;

use common::edition::{self, BodyPage};
use common::pdf::Word;

/// Margin words grouped into runs of words that stand close together on one visual line
/// (a margin note's words, or a lone line number).
fn margin_runs(p: &BodyPage) -> Vec<Vec<Word>> {
    let mut words = p.margin.clone();
    words.sort_by(|a, b| a.cy().total_cmp(&b.cy()).then(a.x0.total_cmp(&b.x0)));
    let mut runs: Vec<Vec<Word>> = vec![];
    for w in words {
        let joins = runs.last().is_some_and(|r: &Vec<Word>| {
            let last = r.last().unwrap();
            (last.cy() - w.cy()).abs() <= 2.0 && w.x0 - last.x1 < 4.0
        });
        if joins {
            runs.last_mut().unwrap().push(w);
        } else {
            runs.push(vec![w]);
        }
    }
    runs
}

/// The printed line numbers of a page: margin words that are digits alone.
fn printed_numbers(p: &BodyPage) -> Vec<(u32, Word)> {
    margin_runs(p)
        .into_iter()
        .filter(|r| r.len() == 1 && r[0].text.chars().all(|c| c.is_ascii_digit()))
        .map(|r| (r[0].text.parse().unwrap(), r[0].clone()))
        .collect()
}

fn seed_body() -> (edition::SpecData, edition::Body) {
    let spec = edition::read_spec(&edition::seed_dir());
    let built = edition::seed();
    let body = edition::read_body(&built.pages, built.front_pages, spec.restart_page);
    (spec, body)
}

#[test]
fn numbers_stand_on_the_baseline_of_their_line() {
    let (spec, _) = seed_body();
    assert_eq!((spec.every, spec.restart_page), (5, true));
    let mut total = 0;
    for p in seed_sides().iter().flat_map(|b| &b.pages) {
        let numbers = printed_numbers(p);
        let para: Vec<_> = p.body.iter().filter(|l| l.number.is_some()).collect();
        // Every `every`-th paragraph line, and nothing else.
        let want: Vec<u32> = (1..=para.len() as u32)
            .filter(|n| n % spec.every == 0)
            .collect();
        let mut got: Vec<u32> = numbers.iter().map(|(n, _)| *n).collect();
        got.sort();
        assert_eq!(
            got,
            want,
            "page {}: printed line numbers (page has {} paragraph lines)",
            p.number,
            para.len()
        );
        for (n, w) in &numbers {
            let line = p
                .body
                .iter()
                .find(|l| l.number == Some(*n))
                .unwrap_or_else(|| panic!("page {}: no paragraph line {n}", p.number));
            assert!(
                (w.y1 - line.line.y1).abs() <= 1.0,
                "page {}: number {n} (yMax {:.2}) is not on the baseline of line {n} \
                 (yMax {:.2}): {:?}",
                p.number,
                w.y1,
                line.line.y1,
                line.line.text()
            );
            total += 1;
        }
    }
    assert!(
        total >= 8,
        "the seed prints at least 8 line numbers, got {total}"
    );
}

/// The seed's original pages and its facing translation's pages (numbered too, each side
/// its own count).
fn seed_sides() -> Vec<edition::Body> {
    let (spec, body) = seed_body();
    let built = edition::seed();
    assert!(
        !built.translation_pages.is_empty(),
        "the seed faces a translation"
    );
    let translation = edition::read_body(&built.translation_pages, 0, spec.restart_page);
    vec![body, translation]
}

#[test]
fn numbers_stand_in_the_outer_margin() {
    let sides = seed_sides();
    let pages: Vec<&BodyPage> = sides.iter().flat_map(|b| &b.pages).collect();
    for &p in &pages {
        let numbers = printed_numbers(p);
        for (n, w) in &numbers {
            if p.recto {
                assert!(
                    w.x0 > p.right,
                    "page {} (odd): number {n} at x {:.2}–{:.2} is not right of the text \
                     block (right edge {:.2})",
                    p.number,
                    w.x0,
                    w.x1,
                    p.right
                );
            } else {
                assert!(
                    w.x1 < p.left,
                    "page {} (even): number {n} at x {:.2}–{:.2} is not left of the text \
                     block (left edge {:.2})",
                    p.number,
                    w.x0,
                    w.x1,
                    p.left
                );
            }
        }
        // One column: aligned on the edge facing the text.
        let edges: Vec<f64> = numbers
            .iter()
            .map(|(_, w)| if p.recto { w.x0 } else { w.x1 })
            .collect();
        if let (Some(lo), Some(hi)) = (
            edges.iter().cloned().reduce(f64::min),
            edges.iter().cloned().reduce(f64::max),
        ) {
            assert!(
                hi - lo < 0.5,
                "page {}: line numbers not aligned: {edges:?}",
                p.number
            );
        }
    }
    // Both parities occur in the seed.
    assert!(pages.iter().any(|p| p.recto) && pages.iter().any(|p| !p.recto));
}

#[test]
fn title_and_headings_are_not_counted() {
    let (spec, body) = seed_body();
    let unnumbered = body.unnumbered_lines();
    // Two title lines and the two headings.
    assert_eq!(unnumbered.len(), 4, "{unnumbered:?}");
    for h in &spec.headings {
        assert!(
            unnumbered.contains(&h.at),
            "{:?} not among {unnumbered:?}",
            h.at
        );
    }
    // The page with the title and the first heading starts counting at its first paragraph
    // line: `Kamrat Lenin konstaterar …` is line 1, and line 5 ends the first paragraph.
    let p = &body.pages[0];
    let first = p.body.iter().find(|l| l.number == Some(1)).unwrap();
    assert!(first.line.text().starts_with("Kamrat Lenin konstaterar"));
    let five = p.body.iter().find(|l| l.number == Some(5)).unwrap();
    assert!(
        five.line.text().ends_with("förlorats."),
        "{}",
        five.line.text()
    );
    // The page with the second heading: the heading is skipped by the count — the line after
    // it carries the next number after the paragraph line before it (or 1 at a page top).
    let p = body
        .pages
        .iter()
        .find(|p| p.body.iter().any(|l| l.line.text() == "2. Resolution"))
        .unwrap();
    let h = p
        .body
        .iter()
        .position(|l| l.line.text() == "2. Resolution")
        .unwrap();
    let before = p.body[..h].iter().rev().find_map(|l| l.number).unwrap_or(0);
    let after = &p.body[h + 1];
    assert!(
        after.line.text().starts_with("Centralkommittén anser"),
        "{}",
        after.line.text()
    );
    assert_eq!(after.number, Some(before + 1));
}

#[test]
fn margin_notes_are_not_taken_for_numbers() {
    // The milestone note `P 2` sits in the outer margin of its page; its `2` must not be
    // read as a line number (it is part of a run with `P`).
    let (_, body) = seed_body();
    let runs: Vec<String> = body
        .pages
        .iter()
        .flat_map(margin_runs)
        .map(|r| {
            r.iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert!(runs.iter().any(|r| r == "P 2"), "{runs:?}");
    assert!(runs.iter().any(|r| r == "Lenins rapport"), "{runs:?}");
    assert!(runs.iter().any(|r| r == "Resolutionen"), "{runs:?}");
}
