//! Citation exports (CSL-JSON, BibTeX, CITATION.cff) for an edition of a work with an author
//! of its own and for one without: who is author and who editor in each format, the
//! original title and date, corporate names kept whole, typographic quotation marks in the
//! title, and a final newline.

use std::path::Path;

use apparat::cite::{Format, export};
use apparat::spec::Spec;

const WITH_AUTHOR: &str = r#"[edition]
title = 'Poems and "Letters"'
editors = ["Jane Editor", "Doe, John"]
authors = ["John Keats"]
original-title = "Lamia, Isabella, The Eve of St. Agnes, and Other Poems"
original-date = "1820"
language = "en"
version = "1.0.0"
date = 2026-01-02
publisher = "Press"
place = "London"

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "a"
"#;

fn spec(toml: &str) -> Spec {
    let dir = Path::new("/nonexistent");
    Spec::parse(dir, &dir.join("edition.toml"), toml).unwrap_or_else(|e| panic!("{e}"))
}

fn with_author() -> Spec {
    spec(WITH_AUTHOR)
}

fn without_author() -> Spec {
    let toml = WITH_AUTHOR
        .replace("authors = [\"John Keats\"]\n", "")
        .replace(
            "original-title = \"Lamia, Isabella, The Eve of St. Agnes, and Other Poems\"\n",
            "",
        )
        .replace("original-date = \"1820\"\n", "");
    spec(&toml)
}

fn corporate() -> Spec {
    spec(&WITH_AUTHOR.replace(
        "authors = [\"John Keats\"]",
        "authors = [\"Rysslands socialdemokratiska arbetarparti (bolsjevikerna). Centralkommittén\"]",
    ))
}

fn ends_with_one_newline(s: &str) {
    assert!(s.ends_with('\n') && !s.ends_with("\n\n"), "{s:?}");
}

#[test]
fn csl_json_has_author_and_editor() {
    let out = export(&with_author(), Format::CslJson);
    ends_with_one_newline(&out);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let item = &v[0];
    assert_eq!(
        item["author"],
        serde_json::json!([{"family": "Keats", "given": "John"}])
    );
    assert_eq!(
        item["editor"],
        serde_json::json!([
            {"family": "Editor", "given": "Jane"},
            {"family": "Doe", "given": "John"}
        ])
    );
    assert_eq!(item["title"], "Poems and “Letters”");
    assert_eq!(
        item["original-title"],
        "Lamia, Isabella, The Eve of St. Agnes, and Other Poems"
    );
    assert_eq!(
        item["original-date"],
        serde_json::json!({"date-parts": [[1820]]})
    );
    assert_eq!(item["id"], "keats2026");
}

#[test]
fn csl_json_without_authors_has_editors_only() {
    let out = export(&without_author(), Format::CslJson);
    ends_with_one_newline(&out);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let item = v[0].as_object().unwrap();
    assert!(!item.contains_key("author"));
    assert!(!item.contains_key("original-date"));
    assert_eq!(item["editor"].as_array().unwrap().len(), 2);
    assert_eq!(item["id"], "editor2026");
}

#[test]
fn csl_json_keeps_a_corporate_author_whole() {
    let v: serde_json::Value =
        serde_json::from_str(&export(&corporate(), Format::CslJson)).unwrap();
    assert_eq!(
        v[0]["author"],
        serde_json::json!([{"literal": "Rysslands socialdemokratiska arbetarparti (bolsjevikerna). Centralkommittén"}])
    );
    assert_eq!(v[0]["id"], "rysslands2026");
}

#[test]
fn csl_json_free_text_original_date_is_a_literal() {
    let s = spec(&WITH_AUTHOR.replace("\"1820\"", "\"c. 1820\""));
    let v: serde_json::Value = serde_json::from_str(&export(&s, Format::CslJson)).unwrap();
    assert_eq!(
        v[0]["original-date"],
        serde_json::json!({"literal": "c. 1820"})
    );
}

fn bib_fields(b: &str) -> std::collections::HashMap<String, String> {
    b.lines()
        .skip(1)
        .filter_map(|l| l.trim().strip_suffix(',')?.split_once(" = "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn bibtex_has_author_and_editor() {
    let b = export(&with_author(), Format::Bibtex);
    ends_with_one_newline(&b);
    assert!(b.starts_with("@book{keats2026,\n"), "{b}");
    let f = bib_fields(&b);
    assert_eq!(f["author"], "{John Keats}");
    assert_eq!(f["editor"], "{Jane Editor and Doe, John}");
    assert_eq!(f["title"], "{{Poems and “Letters”}}");
    assert_eq!(f["origdate"], "{1820}");
    assert_eq!(
        f["origtitle"],
        "{Lamia, Isabella, The Eve of St. Agnes, and Other Poems}"
    );
}

#[test]
fn bibtex_without_authors_and_with_a_corporate_author() {
    let b = export(&without_author(), Format::Bibtex);
    ends_with_one_newline(&b);
    let f = bib_fields(&b);
    assert!(
        !f.contains_key("author") && !f.contains_key("origdate"),
        "{b}"
    );
    assert_eq!(f["editor"], "{Jane Editor and Doe, John}");
    let f = bib_fields(&export(&corporate(), Format::Bibtex));
    assert_eq!(
        f["author"],
        "{{Rysslands socialdemokratiska arbetarparti (bolsjevikerna). Centralkommittén}}",
        "braced: BibTeX must not split a corporate name"
    );
    // biblatex's origdate takes ISO dates only.
    let s = spec(&WITH_AUTHOR.replace("\"1820\"", "\"c. 1820\""));
    assert!(!bib_fields(&export(&s, Format::Bibtex)).contains_key("origdate"));
}

#[test]
fn cff_editors_author_the_dataset_and_the_work_is_the_preferred_citation() {
    let out = export(&with_author(), Format::Cff);
    ends_with_one_newline(&out);
    let y: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
    assert_eq!(y["title"].as_str(), Some("Poems and “Letters”"));
    let authors = y["authors"].as_sequence().unwrap();
    assert_eq!(authors.len(), 2);
    assert_eq!(authors[0]["family-names"].as_str(), Some("Editor"));
    let p = &y["preferred-citation"];
    assert_eq!(p["type"].as_str(), Some("book"));
    assert_eq!(p["authors"][0]["family-names"].as_str(), Some("Keats"));
    assert_eq!(p["authors"][0]["given-names"].as_str(), Some("John"));
    assert_eq!(p["editors"][1]["family-names"].as_str(), Some("Doe"));
    assert_eq!(p["year"].as_i64(), Some(2026));
    assert_eq!(p["publisher"]["name"].as_str(), Some("Press"));
    assert_eq!(p["location"]["name"].as_str(), Some("London"));
    assert_eq!(p["languages"][0].as_str(), Some("en"));
}

#[test]
fn cff_without_authors_has_no_preferred_citation() {
    let out = export(&without_author(), Format::Cff);
    ends_with_one_newline(&out);
    let y: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
    assert!(y.get("preferred-citation").is_none());
    assert_eq!(y["authors"].as_sequence().unwrap().len(), 2);
    let y: serde_yaml::Value = serde_yaml::from_str(&export(&corporate(), Format::Cff)).unwrap();
    assert_eq!(
        y["preferred-citation"]["authors"][0]["name"].as_str(),
        Some("Rysslands socialdemokratiska arbetarparti (bolsjevikerna). Centralkommittén")
    );
}

#[test]
fn quotation_marks_stay_straight_when_turned_off() {
    let s = spec(&WITH_AUTHOR.replace(
        "language = \"en\"",
        "language = \"en\"\ntypographic-quotes = false",
    ));
    let v: serde_json::Value = serde_json::from_str(&export(&s, Format::CslJson)).unwrap();
    assert_eq!(v[0]["title"], "Poems and \"Letters\"");
}
