//! Indexes, read back from the PDF: every printed reference names the page and line where
//! its entry's words are printed (found on the pages and counted there, independently of
//! the program's plan), references on consecutive lines merged into one, headwords in the
//! alphabetical order of the edition's language (Swedish: å, ä, ö after z; Latin: the root
//! order), each reference a link to its line; and the spec's mistakes as located errors.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::edition::{self, Body, Built, TextMap};
use common::pdf::{self, Page, Word};

/// A reference as printed: page, line, and the page and line it runs to.
type Ref = (usize, u32, usize, u32);

/// A headword and its sub-entry (`None`: the headword's own references).
type Key = (String, Option<String>);

/// A headword or sub-entry as printed, with its references.
#[derive(Debug, Clone, PartialEq)]
struct Listed {
    headword: String,
    sub: Option<String>,
    refs: Vec<Ref>,
}

/// `5.3`, `5.3–5`, `5.28–6.2` (a trailing comma allowed).
fn parse_ref(token: &str) -> Option<Ref> {
    let token = token.strip_suffix(',').unwrap_or(token);
    let at = |s: &str| -> Option<(usize, u32)> {
        let (page, line) = s.split_once('.')?;
        Some((page.parse().ok()?, line.parse().ok()?))
    };
    match token.split_once('–') {
        None => at(token).map(|(p, l)| (p, l, p, l)),
        Some((from, to)) => {
            let (p, l) = at(from)?;
            match at(to) {
                Some((p2, l2)) => Some((p, l, p2, l2)),
                None => Some((p, l, p, to.parse().ok()?)),
            }
        }
    }
}

/// The words of a page parted into columns where a strip the height of the page holds no
/// word and is wider than a word space (the gutter).
fn columns(words: &[Word]) -> Vec<Vec<Word>> {
    let mut spans: Vec<(f64, f64)> = words.iter().map(|w| (w.x0, w.x1)).collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut widest: Option<(f64, f64)> = None;
    let mut reach = spans.first().map_or(0.0, |s| s.1);
    for s in spans.iter().skip(1) {
        if s.0 - reach > widest.map_or(6.0, |w| w.0) {
            widest = Some((s.0 - reach, (s.0 + reach) / 2.0));
        }
        reach = reach.max(s.1);
    }
    match widest {
        Some((_, split)) => {
            let (left, right) = words.iter().cloned().partition(|w| w.cx() < split);
            vec![left, right]
        }
        None => vec![words.to_vec()],
    }
}

/// The index printed on the pages after the body, under `title`: its lines column by
/// column, each an entry (at the column's edge), a sub-entry (indented) or the turnover of
/// one (indented further).
fn read_index(back: &[Page], title: &str) -> Vec<Listed> {
    let is_title = |l: &&pdf::Line| edition::normalize(&l.text()) == title;
    let start = back
        .iter()
        .position(|p| p.lines.iter().any(|l| is_title(&l)))
        .unwrap_or_else(|| panic!("no `{title}` on the pages after the body"));
    let back = &back[start..];
    let heading = back[0].lines.iter().find(is_title).unwrap();
    let mut lines: Vec<(f64, String)> = vec![];
    for (k, page) in back.iter().enumerate() {
        // Below the title; on the pages after, below the running head.
        let cut = if k == 0 { heading.y1 } else { heading.y0 - 2.0 };
        let words: Vec<Word> = page.words.iter().filter(|w| w.y0 >= cut).cloned().collect();
        for column in columns(&words) {
            let edge = column.iter().map(|w| w.x0).fold(f64::INFINITY, f64::min);
            for line in pdf::group_lines(&column) {
                lines.push((line.x0 - edge, line.text()));
            }
        }
    }
    let mut entries: Vec<(f64, String)> = vec![];
    for (indent, text) in lines {
        match entries.last_mut() {
            Some((_, entry)) if indent > 13.5 => {
                entry.push(' ');
                entry.push_str(&text);
            }
            _ => entries.push((indent, text)),
        }
    }
    let mut out: Vec<Listed> = vec![];
    let mut headword = String::new();
    for (indent, text) in entries {
        let mut tokens: Vec<&str> = text.split_whitespace().collect();
        let mut refs = vec![];
        while let Some(r) = tokens.last().and_then(|t| parse_ref(t)) {
            refs.insert(0, r);
            tokens.pop();
        }
        let words = tokens.join(" ");
        if indent < 4.5 {
            headword = words;
            out.push(Listed {
                headword: headword.clone(),
                sub: None,
                refs,
            });
        } else {
            out.push(Listed {
                headword: headword.clone(),
                sub: Some(words),
                refs,
            });
        }
    }
    out
}

/// What the index must print: each headword and sub-entry of the spec with the lines where
/// its entries' words are printed, in the body read from the PDF, merged where one line
/// follows the other (a heading between is a gap). Keyed by (headword, sub-entry).
fn expected(dir: &Path, built: &Built) -> BTreeMap<Key, Vec<Ref>> {
    let spec = edition::read_spec(dir);
    let body = edition::read_body(&built.pages, built.front_pages, spec.restart_page);
    let printed = edition::Printed::new(dir, &spec);
    let map = TextMap::new(&body, &spec, &printed);
    // Each body line's place in the text's sequence of lines, and what it prints as.
    let mut first_line = vec![];
    let mut cited: Vec<(usize, u32)> = vec![];
    for p in &body.pages {
        first_line.push(cited.len());
        cited.extend(p.body.iter().map(|l| (p.number, l.number.unwrap_or(0))));
    }
    let mut spans: BTreeMap<Key, Vec<(usize, usize)>> = BTreeMap::new();
    for e in &spec.index_entries {
        // `all`: every occurrence within a block (the test editions quote no heading).
        let ranges = if e.all {
            edition::find_all(&printed.source, &e.quote.at)
                .into_iter()
                .filter(|r| !printed.breaks.iter().any(|b| r.contains(b)))
                .map(|r| printed.map(r))
                .collect()
        } else {
            vec![printed.find(&e.quote)]
        };
        let at = |pos: usize| {
            let p = map.locate(&printed, pos);
            first_line[p.page] + p.line
        };
        for r in ranges {
            spans
                .entry((e.headword.clone(), e.sub.clone()))
                .or_default()
                .push((at(r.start), at(r.end - 1)));
        }
    }
    spans
        .into_iter()
        .map(|(key, mut lines)| {
            lines.sort();
            let mut merged: Vec<(usize, usize)> = vec![];
            for (a, b) in lines {
                match merged.last_mut() {
                    Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
            }
            let refs = merged
                .into_iter()
                .map(|(a, b)| (cited[a].0, cited[a].1, cited[b].0, cited[b].1))
                .collect();
            (key, refs)
        })
        .collect()
}

/// Checks the index of the edition in `dir` against where its words are printed; returns
/// it as printed.
fn check_index(dir: &Path, built: &Built, title: &str) -> Vec<Listed> {
    let listed = read_index(&built.back, title);
    let want = expected(dir, built);
    let mut got: BTreeMap<Key, Vec<Ref>> = BTreeMap::new();
    for l in &listed {
        let key = (l.headword.clone(), l.sub.clone());
        assert!(
            got.insert(key.clone(), l.refs.clone()).is_none(),
            "{key:?} printed twice"
        );
    }
    // A headword with sub-entries alone has no references of its own.
    got.retain(|key, refs| !refs.is_empty() || want.contains_key(key));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "the headwords and sub-entries printed"
    );
    for (key, refs) in &want {
        assert_eq!(&got[key], refs, "the references of {key:?}");
    }
    listed
}

/// The headwords as printed, in order.
fn headwords(listed: &[Listed]) -> Vec<&str> {
    let mut out: Vec<&str> = vec![];
    for l in listed {
        if out.last() != Some(&l.headword.as_str()) {
            out.push(&l.headword);
        }
    }
    out
}

/// Each reference is a link to the page it names, showing its line (the destination a
/// little above the line's top); and every reference printed has its link.
fn check_links(built: &Built, body: &Body, listed: &[Listed]) {
    // The folio of the first page after the body (a facing edition's body holds the
    // translation's pages too).
    let first_back = built.back.first().map_or(usize::MAX, |p| p.number);
    let links: Vec<pdf::Link> = pdf::links(&built.pdf)
        .into_iter()
        .filter(|l| l.page >= first_back)
        .collect();
    let printed: usize = listed.iter().map(|l| l.refs.len()).sum();
    assert_eq!(links.len(), printed, "a link for each reference");
    for link in &links {
        let page = &built.back[link.page - first_back];
        let (x0, y0, x1, y1) = link.rect;
        let words = pdf::words_in_rect(page, x0 - 1.0, y0 - 1.0, x1 + 1.0, y1 + 1.0);
        assert_eq!(
            words.len(),
            1,
            "one reference in the link's rectangle: {words:?}"
        );
        let (to_page, line, ..) = parse_ref(&words[0].text).expect("a reference");
        assert_eq!(link.to_page, to_page, "the link of {}", words[0].text);
        let target = body
            .pages
            .iter()
            .find(|p| p.number == to_page)
            .and_then(|p| p.body.iter().find(|l| l.number == Some(line)))
            .unwrap_or_else(|| panic!("no line {line} on page {to_page}"));
        let top = target.line.y0;
        assert!(
            link.to_y <= top && top - link.to_y < 15.0,
            "the link of {} shows y {} for the line at the top {top}",
            words[0].text,
            link.to_y
        );
    }
}

#[test]
fn the_seeds_index_cites_where_its_names_are_printed() {
    let built = edition::seed();
    let dir = edition::seed_dir();
    let listed = check_index(&dir, built, "Person- och ortregister");
    assert_eq!(
        headwords(&listed),
        [
            "Europa",
            "Kerenskij, Aleksandr",
            "Kornilov, Lavr",
            "Lenin, Vladimir Iljitj",
            "Minsk",
            "Moskva",
            "Narva",
            "Petrograd",
            "Ryssland",
            "Tyskland",
        ]
    );
    // Petrograd has sub-entries and no references of its own; two of its troop movements
    // stand on consecutive lines: one reference.
    let petrograd: Vec<&Listed> = listed
        .iter()
        .filter(|l| l.headword == "Petrograd")
        .collect();
    assert!(petrograd[0].refs.is_empty(), "{petrograd:?}");
    let moves = petrograd
        .iter()
        .find(|l| l.sub.as_deref() == Some("truppförflyttningar"))
        .unwrap();
    assert!(
        moves.refs.iter().any(|r| r.3 == r.1 + 1),
        "a range: {moves:?}"
    );
    let spec = edition::read_spec(&dir);
    let body = edition::read_body(&built.pages, built.front_pages, spec.restart_page);
    check_links(built, &body, &listed);
}

#[test]
fn the_stress_editions_index_cites_where_its_words_are_printed() {
    let scratch = edition::scratch("index-stress");
    let dir = scratch.join("edition");
    apparat::stress::generate(&dir, 60, 3).unwrap();
    let built = edition::build(&dir, &scratch);
    let listed = check_index(&dir, &built, "Personregister");
    // The headwords in Swedish order: å, ä, ö after z.
    let order = [
        "Andersson, Lars",
        "Berg, Karin",
        "Dahl, Erik",
        "Ekdahl, Sigrid",
        "Lund",
        "Malmö",
        "Nyström, Olof",
        "Sundberg, Maja",
        "Ystad",
        "Zetterström, Ivar",
        "Åberg, Anna",
        "Åmål",
        "Ängelholm",
        "Öberg, Nils",
        "Örebro",
        "Östlund, Greta",
    ];
    let printed = headwords(&listed);
    let in_order: Vec<&str> = order
        .iter()
        .copied()
        .filter(|h| printed.contains(h))
        .collect();
    assert_eq!(printed, in_order);
    assert!(printed.len() >= 12, "{printed:?}");
    // Words a line or so apart: ranges.
    let refs: Vec<Ref> = listed.iter().flat_map(|l| l.refs.clone()).collect();
    assert!(
        refs.iter().any(|r| r.0 == r.2 && r.3 > r.1),
        "a range on a page"
    );
    let spec = edition::read_spec(&dir);
    let body = edition::read_body(&built.pages, built.front_pages, spec.restart_page);
    check_links(&built, &body, &listed);
}

// ---- Small editions: collation, sort keys, sub-entries, errors ----------------------------

/// Names the small editions index, each once in the text.
const NAMES: &[&str] = &[
    "Örebro",
    "Åbo",
    "Zürich",
    "Ängelholm",
    "Andersson",
    "Goethe",
];

const FILLER: &str = "the words of a small edition stand here and there in the text for a while";

fn small_spec(lang: &str) -> String {
    let mut spec = format!(
        r#"[edition]
title = "Index"
editors = ["Tester"]
language = "{lang}"
version = "0.1.0"
date = 2026-01-01

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "The text."

[[heading]]
at = "First part"

[[index]]
id = "nominum"
title = "Index nominum"
"#
    );
    for name in NAMES {
        spec.push_str(&format!("\n[[index-entry]]\nat = \"{name}\"\n"));
        if *name == "Goethe" {
            spec.push_str("headword = \"von Goethe, Johann Wolfgang\"\nsort = \"Goethe\"\n");
        }
        if *name == "Andersson" {
            spec.push_str("sub = \"brev\"\n");
        }
    }
    spec
}

fn small_edition(name: &str, lang: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let dir = edition::scratch(name);
    let mut source = String::from("First part\n\n");
    for (k, name) in NAMES.iter().enumerate() {
        source.push_str(&format!("{FILLER} {name} {FILLER}.\n"));
        if k % 2 == 1 {
            source.push('\n');
        }
    }
    std::fs::write(dir.join("source.txt"), source).unwrap();
    std::fs::write(dir.join("edition.toml"), edit(small_spec(lang))).unwrap();
    dir
}

fn collated(lang: &str) -> Vec<String> {
    let dir = small_edition(&format!("index-{lang}"), lang, |s| s);
    let built = edition::build(&dir, &dir);
    let listed = check_index(&dir, &built, "Index nominum");
    headwords(&listed).into_iter().map(String::from).collect()
}

#[test]
fn a_swedish_index_sorts_a_ring_a_umlaut_and_o_umlaut_after_z() {
    assert_eq!(
        collated("sv"),
        [
            "Andersson",
            "von Goethe, Johann Wolfgang",
            "Zürich",
            "Åbo",
            "Ängelholm",
            "Örebro"
        ]
    );
}

#[test]
fn a_latin_index_sorts_accented_letters_with_their_base_letters() {
    assert_eq!(
        collated("la"),
        [
            "Åbo",
            "Andersson",
            "Ängelholm",
            "von Goethe, Johann Wolfgang",
            "Örebro",
            "Zürich"
        ]
    );
}

fn error_of(name: &str, edit: impl Fn(String) -> String) -> String {
    common::snapshot::build_error(name, &small_edition(name, "en", edit))
}

fn snapshot(name: &str, got: &str) {
    common::snapshot::check("index", name, got);
}

#[test]
fn an_undeclared_index_is_a_located_error() {
    let got = error_of("index-unknown", |s| {
        s.replacen("at = \"Åbo\"", "at = \"Åbo\"\nindex = \"locorum\"", 1)
    });
    assert!(got.contains("undeclared index `locorum`"), "{got}");
    assert!(got.contains("declared indexes: nominum"), "{got}");
    snapshot("undeclared-index", &got);
}

#[test]
fn an_empty_headword_or_sub_entry_is_a_located_error() {
    let got = error_of("index-empty", |s| {
        s.replacen("sub = \"brev\"", "sub = \" \"", 1).replacen(
            "at = \"Åbo\"",
            "at = \"Åbo\"\nheadword = \"\"",
            1,
        )
    });
    assert!(got.contains("an empty headword"), "{got}");
    assert!(got.contains("an empty sub-entry"), "{got}");
    snapshot("empty-headword", &got);
}

#[test]
fn an_entry_naming_no_index_among_several_is_a_located_error() {
    let got = error_of("index-which", |s| {
        s + "\n[[index]]\nid = \"locorum\"\ntitle = \"Index locorum\"\n"
    });
    assert!(got.contains("which index?"), "{got}");
    snapshot("which-index", &got);
}

#[test]
fn an_index_entry_in_a_heading_is_a_located_error() {
    let got = error_of("index-heading", |s| {
        s + "\n[[index-entry]]\nat = \"First part\"\n"
    });
    assert!(
        got.contains("an index entry must anchor in a paragraph"),
        "{got}"
    );
    snapshot("in-a-heading", &got);
}

#[test]
fn two_sort_keys_of_one_headword_are_a_located_error() {
    let got = error_of("index-sort", |s| {
        s + "\n[[index-entry]]\nat = \"Zürich\"\nheadword = \"von Goethe, Johann Wolfgang\"\nsort = \"Von Goethe\"\n"
    });
    assert!(
        got.contains("sorts as `Von Goethe` here but as `Goethe`"),
        "{got}"
    );
    snapshot("two-sort-keys", &got);
}

/// A name on every line of two long paragraphs, indexed by one entry with `all = true`: its
/// references merge into runs of lines, one of them across a page break.
#[test]
fn references_on_consecutive_lines_merge_across_a_page_break() {
    let dir = edition::scratch("index-runs");
    let words: Vec<&str> = FILLER.split(' ').collect();
    let paragraph = |n: usize| -> String {
        (0..n)
            .map(|k| {
                if k % 7 == 3 {
                    "Marker"
                } else {
                    words[k % words.len()]
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let source = format!("{}.\n\n{}.\n", paragraph(420), paragraph(420));
    std::fs::write(dir.join("source.txt"), source).unwrap();
    let mut spec = small_spec("en")
        .split("\n[[index-entry]]")
        .next()
        .unwrap()
        .replace("[[heading]]\nat = \"First part\"\n", "");
    spec.push_str("\n[[index-entry]]\nat = \"Marker\"\nall = true\n");
    std::fs::write(dir.join("edition.toml"), spec).unwrap();
    let built = edition::build(&dir, &dir);
    let listed = check_index(&dir, &built, "Index nominum");
    assert_eq!(listed.len(), 1, "{listed:?}");
    let refs = &listed[0].refs;
    assert!(refs.len() <= 4, "a few runs of lines: {refs:?}");
    assert!(
        refs.iter().any(|r| r.2 == r.0 + 1),
        "a run across a page break: {refs:?}"
    );
}

#[test]
fn all_with_an_occurrence_is_a_located_error() {
    let got = error_of("index-all", |s| {
        s.replacen(
            "at = \"Åbo\"",
            "at = \"Åbo\"\nall = true\noccurrence = 1",
            1,
        )
    });
    assert!(got.contains("`all = true` cites every occurrence"), "{got}");
    snapshot("all-and-occurrence", &got);
}

#[test]
fn an_index_without_entries_is_a_warning_and_not_printed() {
    let dir = small_edition("index-empty-index", "en", |s| {
        s.replace(
            "\n[[index-entry]]\n",
            "\n[[index-entry]]\nindex = \"nominum\"\n",
        ) + "\n[[index]]\nid = \"locorum\"\ntitle = \"Index locorum\"\n"
    });
    let out = apparat::build(&dir, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let warnings: Vec<&str> = out.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("index `locorum` has no entries: it is not printed")),
        "{warnings:?}"
    );
    let built = edition::build(&dir, &dir);
    let back: String = built.back.iter().map(|p| p.text()).collect();
    assert!(back.contains("Index nominum"), "{back}");
    assert!(!back.contains("Index locorum"), "{back}");
}

/// Headwords and sub-entries are the editor's words: markup in them prints as typed.
#[test]
fn headwords_print_as_typed() {
    let dir = small_edition("index-escaping", "en", |s| {
        s.replacen(
            "sub = \"brev\"",
            "headword = '#strong[x] $y$ \\ <z> // w'\nsub = '*a* _b_ @c'",
            1,
        )
    });
    let built = edition::build(&dir, &dir);
    let back = edition::normalize(&built.back.iter().map(|p| p.text()).collect::<String>());
    assert!(back.contains("#strong[x] $y$ \\ <z> // w"), "{back}");
    assert!(back.contains("*a* _b_ @c"), "{back}");
}

/// The index comes after the endnotes.
#[test]
fn the_index_follows_the_endnotes() {
    let dir = small_edition("index-endnotes", "en", |s| {
        s.replacen(
            "[[index]]",
            "[[series]]\nid = \"notes\"\ntitle = \"Endnotes\"\nkind = \"commentary\"\nplacement = \"end\"\n\n[[entry]]\nseries = \"notes\"\nat = \"Zürich\"\nnote = \"A city.\"\n\n[[index]]",
            1,
        )
    });
    let built = edition::build(&dir, &dir);
    let back: String = built.back.iter().map(|p| p.text()).collect();
    let notes = back.find("Endnotes").expect("the endnotes");
    let index = back.find("Index nominum").expect("the index");
    assert!(notes < index, "{back}");
    check_index(&dir, &built, "Index nominum");
}

/// The seed without its index: the front matter and the body are the same, word for word
/// and place for place (nothing before the index depends on it).
#[test]
fn the_index_changes_no_page_before_it() {
    let dir = edition::scratch("index-none");
    for f in ["source.txt", "translation.txt", "principles.md"] {
        std::fs::copy(edition::seed_dir().join(f), dir.join(f)).unwrap();
    }
    let spec = std::fs::read_to_string(edition::seed_dir().join("edition.toml")).unwrap();
    let without = &spec[..spec.find("\n[[index]]").expect("the seed's index")];
    std::fs::write(dir.join("edition.toml"), without).unwrap();
    let plain = edition::build(&dir, &dir);
    let seed = edition::seed();
    assert!(plain.back.is_empty() && !seed.back.is_empty());
    assert_eq!(plain.pages.len(), seed.pages.len());
    for (a, b) in plain.pages.iter().zip(&seed.pages) {
        assert_eq!(a.words, b.words, "page {}", a.number);
    }
}
