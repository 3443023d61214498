//! Property-based fuzzing of the stages that read user input: the spec parser, the text
//! model and anchoring. Nothing may panic; every failure must be a diagnostic. CI runs a
//! bounded number of cases; run longer with e.g. `PROPTEST_CASES=200000 cargo test --release
//! --test fuzz`. Inputs that once found a bug stay below as fixed regression cases.

use std::path::Path;

use apparat::spec::Spec;
use apparat::text::Text;
use proptest::prelude::*;

const VALID: &str = r#"[edition]
title = "T"
editors = ["E"]
version = "1"
date = 2026-01-01

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "d"

[[series]]
id = "s"
title = "S"
kind = "critical"
"#;

fn spec_with(extra: &str) -> Option<Spec> {
    Spec::parse(
        Path::new("."),
        Path::new("edition.toml"),
        &format!("{VALID}{extra}"),
    )
    .ok()
}

/// Run text model and anchoring on `source` with an entry quoting `quote`.
fn pipeline(source: &[u8], quote: &str, occurrence: Option<u32>) {
    let q = toml::Value::String(quote.to_string()).to_string();
    let occ = occurrence.map_or(String::new(), |n| format!("occurrence = {n}\n"));
    let Some(spec) = spec_with(&format!(
        "\n[[entry]]\nseries = \"s\"\nat = {q}\n{occ}note = \"n\"\n"
    )) else {
        return;
    };
    sections(source, &q);
    if let Ok(text) = Text::from_bytes(&spec, Path::new("source.txt"), source) {
        // Every model byte maps back into the source.
        for i in 0..text.doc.len() {
            assert!(text.source_offset(i) <= source.len());
        }
        if let Ok(anchors) = apparat::anchor::resolve(&spec, &text) {
            for l in &anchors.lemmata {
                assert!(
                    text.doc.is_char_boundary(l.range.start)
                        && text.doc.is_char_boundary(l.range.end)
                );
                let printed = apparat::markup::Printed::new(&spec, &text, &anchors);
                assert_eq!(printed.to_model.len(), printed.doc.len());
            }
        }
    }
}

/// The same text cited by section: a `[[section]]` at the quotation (and its number
/// counted on), printed.
fn sections(source: &[u8], q: &str) {
    let extra = format!(
        "\n[reference]\ncite = \"section\"\n\n[[section]]\nat = {q}\nn = \"IV.9\"\n\n[[section]]\nat = {q}\noccurrence = 2\n"
    );
    let Some(sspec) = spec_with(&extra) else {
        return;
    };
    if let Ok(text) = Text::from_bytes(&sspec, Path::new("source.txt"), source)
        && let Ok(anchors) = apparat::anchor::resolve(&sspec, &text)
    {
        let printed = apparat::markup::Printed::new(&sspec, &text, &anchors);
        for s in &printed.sections {
            assert!(printed.doc.is_char_boundary(s.pos.min(printed.doc.len())));
        }
    }
}

fn text_strategy() -> impl Strategy<Value = String> {
    // Words, spaces, line breaks, blank lines, control characters, combining marks, RTL, CJK.
    proptest::collection::vec(
        prop_oneof![
            "[a-zåäö]{1,8}",
            Just(" ".to_string()),
            Just("\n".to_string()),
            Just("\n\n".to_string()),
            Just("\r\n".to_string()),
            Just("\t".to_string()),
            Just("\u{a0}".to_string()),
            Just("\u{ad}".to_string()),
            Just("e\u{301}".to_string()),
            Just("שלום".to_string()),
            Just("漢字".to_string()),
            Just("👩‍👩‍👧".to_string()),
            Just("\u{feff}".to_string()),
            Just("\u{1}".to_string()),
            Just("#[]$*_\\".to_string()),
        ],
        0..60,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn spec_parser_never_panics(s in "\\PC{0,400}") {
        let _ = Spec::parse(Path::new("."), Path::new("edition.toml"), &s);
    }

    #[test]
    fn spec_parser_never_panics_on_near_valid_specs(extra in "(\\[\\[(entry|heading|margin|milestone|witness|section|index-entry|label|align)\\]\\]\n|[a-z-]{1,10} = (\"[^\"\\\\]{0,12}\"|[0-9-]{1,4}|\\[\\]|\\{\\})\n){0,12}") {
        let _ = Spec::parse(Path::new("."), Path::new("edition.toml"), &format!("{VALID}{extra}"));
    }

    #[test]
    fn text_model_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        pipeline(&bytes, "a", None);
    }

    #[test]
    fn anchoring_never_panics(text in text_strategy(), qi in 0usize..40, ql in 1usize..20, occ in proptest::option::of(0u32..4)) {
        // Quote a slice of the text itself (on char boundaries) — often found, sometimes not.
        let chars: Vec<char> = text.chars().collect();
        let start = qi.min(chars.len());
        let end = (start + ql).min(chars.len());
        let quote: String = chars[start..end].iter().collect();
        pipeline(text.as_bytes(), &quote, occ);
    }
}

#[test]
fn regressions() {
    // Kept inputs: a heading-only text, a milestone-like blank run, a lone CR, a BOM alone.
    for (src, q) in [
        ("\u{feff}", "a"),
        ("a\r", "a"),
        ("a\n\n\n\nb", "a b"),
        ("\u{ad}\u{ad}", "\u{ad}"),
        ("x  \t y", "x y"),
    ] {
        pipeline(src.as_bytes(), q, None);
        pipeline(src.as_bytes(), q, Some(1));
    }
}

/// The whole pipeline, typesetting included, on small generated texts with a quotation of
/// their own words: never a panic (errors are fine). Fewer cases: each one typesets.
#[test]
fn full_builds_never_panic() {
    use proptest::test_runner::{Config, TestRunner};
    let cases = std::env::var("PROPTEST_BUILD_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-build");
    let built = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&(text_strategy(), 0usize..40, 1usize..12), |(text, qi, ql)| {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            // Quote a run of whole words (control characters removed: they are refused
            // anyway), with `occurrence = 1`, so that most generated editions build.
            let text: String = text.chars().filter(|c| !c.is_control() || *c == '\n').collect();
            let words: Vec<&str> = text.split_whitespace().collect();
            if words.is_empty() {
                return Ok(());
            }
            let start = qi % words.len();
            let quote = words[start..(start + ql % 3 + 1).min(words.len())].join(" ");
            let q = toml::Value::String(quote).to_string();
            // Half of the editions set their series one entry per line.
            let valid = if qi % 2 == 1 {
                VALID.replace("kind = \"critical\"", "kind = \"critical\"\narrangement = \"one-per-line\"")
            } else {
                VALID.to_string()
            };
            std::fs::write(
                dir.join("edition.toml"),
                format!("{valid}\n[[entry]]\nseries = \"s\"\nat = {q}\noccurrence = 1\nnote = \"n\"\n\n[[margin]]\nat = {q}\noccurrence = 1\ntext = \"m\"\n"),
            )
            .unwrap();
            std::fs::write(dir.join("source.txt"), format!("Titel\n\n{text}\n")).unwrap();
            match apparat::build(&dir, &Default::default()) {
                Ok(_) => {
                    built.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Err(e) => assert!(e.has_errors(), "a failed build reports an error"),
            }
            Ok(())
        })
        .unwrap();
    eprintln!(
        "{} of {cases} generated editions built; the rest failed with diagnostics",
        built.into_inner()
    );
}
