//! Text fidelity of the seed edition: the reading text printed in the PDF is the base text,
//! word for word, except where the spec records an emendation, plus the milestone sign at
//! the witness's page break.
//!
//! The reading text is read from the body pages (after the front matter): words in the text
//! column set in body type (larger than the 8 pt running head / apparatus, see
//! `common::edition::is_body_type`), line-end hyphenation undone with `reading_words`.
mod common;

use common::edition::{self, Printed};
use common::pdf::reading_words;

#[test]
fn reading_text_is_the_base_text_with_emendations() {
    let dir = edition::seed_dir();
    let spec = edition::read_spec(&dir);
    let built = edition::seed();
    let body = edition::read_body(&built.pages, built.front_pages, spec.restart_page);

    let lines = edition::all_body_lines(&body);
    let got = reading_words(&lines);
    // The helper that keeps word positions dehyphenates the same way.
    let tracked: Vec<String> = edition::text_words(&body)
        .into_iter()
        .map(|w| w.text)
        .collect();
    assert_eq!(got, tracked);

    let sign = spec.milestone_sign.as_str();
    let printed = Printed::new(&dir, &spec);
    let want = printed.words();
    let without_sign: Vec<&str> = got
        .iter()
        .map(String::as_str)
        .filter(|w| *w != sign)
        .collect();
    assert!(
        without_sign == want,
        "the PDF's reading text differs from source.txt with the spec's emendations\n{}",
        edition::first_difference(&without_sign, &want)
    );

    // The emendations really are in force: the emended words print, the originals do not
    // (at the emended place).
    let mut emends = 0;
    for e in &spec.entries {
        if let edition::EntryBody::Emend { text, .. } = &e.body {
            emends += 1;
            let r = printed.find(&e.quote);
            assert_eq!(&printed.text[r], edition::normalize(text));
        }
    }
    assert_eq!(emends, 2, "the seed spec has two emendations");
    assert!(
        got.iter().any(|w| w == "3–5") && !got.iter().any(|w| w == "3-5"),
        "`3-5` is emended to `3–5`"
    );
    let joined = got.join(" ");
    assert!(joined.contains("I det att centralkommittén"), "{joined}");
}

#[test]
fn milestone_sign_stands_at_the_source_page_break() {
    let dir = edition::seed_dir();
    let spec = edition::read_spec(&dir);
    let built = edition::seed();
    let body = edition::read_body(&built.pages, built.front_pages, spec.restart_page);
    let got = reading_words(&edition::all_body_lines(&body));
    let sign = spec.milestone_sign.as_str();
    assert_eq!(sign, "|");
    let at: Vec<usize> = got
        .iter()
        .enumerate()
        .filter(|(_, w)| *w == sign)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        at.len(),
        spec.milestones.len(),
        "one milestone sign per [[milestone]]"
    );
    let i = at[0];
    assert_eq!(
        (got[i - 1].as_str(), got[i + 1].as_str()),
        ("denna", "synpunkt"),
        "the sign stands between `denna` and `synpunkt`"
    );
    // And that is where the spec puts it: before its `at` quotation.
    let printed = Printed::new(&dir, &spec);
    let r = printed.find(&spec.milestones[0].0);
    let (w, off) = printed.word_at(r.start);
    assert_eq!(off, 0);
    let before_sign = got[..i].len();
    assert_eq!(
        before_sign, w,
        "the sign stands before word {w} of the text"
    );
    assert_eq!(&printed.text[r], "synpunkt behandla");
}

#[test]
fn title_and_headings_are_printed_as_blocks_of_the_reading_text() {
    let dir = edition::seed_dir();
    let spec = edition::read_spec(&dir);
    let built = edition::seed();
    let body = edition::read_body(&built.pages, built.front_pages, spec.restart_page);
    // Lines not set as paragraph lines: exactly the title's lines and the headings.
    let other = body.unnumbered_lines();
    let title = spec.title.clone().unwrap();
    let mut want: Vec<String> = vec![];
    // The title keeps the source's line division.
    let src = std::fs::read_to_string(dir.join(&spec.text_file)).unwrap();
    let title_words = edition::normalize(&title);
    let mut acc = String::new();
    for l in src.lines() {
        let l = edition::normalize(l);
        if l.is_empty() {
            continue;
        }
        acc = if acc.is_empty() {
            l.clone()
        } else {
            format!("{acc} {l}")
        };
        want.push(l);
        if acc == title_words {
            break;
        }
        assert!(title_words.starts_with(&acc), "title quotes whole lines");
    }
    want.extend(spec.headings.iter().map(|h| edition::normalize(&h.at)));
    assert_eq!(other, want);
    // The title opens the body.
    let first = &body.pages[0].body;
    assert_eq!(first[0].line.text(), want[0]);
}
