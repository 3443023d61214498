//! The template's contract (`apparat::markup::TEMPLATE_CONTRACT`): every function apparat
//! calls is defined by the bundled template with the listed parameters and named in its
//! header, and the markup of a build calls no template function outside the contract.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use apparat::markup::TEMPLATE_CONTRACT;

fn template() -> String {
    common::edition::default_template()
}

/// `#let name(a, b) =` definitions of the template: name → parameter names.
fn definitions(src: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for line in src.lines() {
        let Some(rest) = line.strip_prefix("#let ") else {
            continue;
        };
        let Some(open) = rest.find('(') else { continue };
        let name = &rest[..open];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
            continue;
        }
        let Some(close) = rest[open..].find(')') else {
            continue;
        };
        let params = rest[open + 1..open + close]
            .split(',')
            .map(|p| p.split(':').next().unwrap_or("").trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        out.insert(name.to_string(), params);
    }
    out
}

#[test]
fn the_bundled_template_defines_every_contract_function_with_its_parameters() {
    let defs = definitions(&template());
    for (name, params) in TEMPLATE_CONTRACT {
        let Some(found) = defs.get(*name) else {
            panic!("the template does not define `{name}`");
        };
        assert_eq!(found, params, "parameters of `{name}`");
    }
}

#[test]
fn the_template_header_lists_the_contract() {
    let src = template();
    let header: String = src
        .lines()
        .take_while(|l| l.starts_with("//") || l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    for (name, params) in TEMPLATE_CONTRACT {
        let signature = format!("//   {name}({})", params.join(", "));
        assert!(
            header.lines().any(|l| l == signature),
            "the template's header does not list `{signature}`"
        );
    }
}

/// Identifiers the markup calls (`#f(`, `#f[`, `f(` inside code), outside string literals.
fn called(markup: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes = markup.as_bytes();
    let mut i = 0;
    let mut in_string = false;
    let mut in_comment = false;
    while i < bytes.len() {
        let c = bytes[i];
        if in_comment {
            in_comment = c != b'\n';
            i += 1;
            continue;
        }
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if c == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if markup[i..].starts_with("//") {
            in_comment = true;
            continue;
        }
        if c.is_ascii_lowercase()
            && (i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric()
                    || bytes[i - 1] == b'-'
                    || bytes[i - 1] == b'.'))
        {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_lowercase() || bytes[i] == b'-' || bytes[i].is_ascii_digit())
            {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'(' || bytes[i] == b'[') {
                out.insert(markup[start..i].to_string());
            }
            continue;
        }
        i += 1;
    }
    out
}

/// Typst's own functions the markup uses.
const TYPST: &[&str] = &[
    "page",
    "box",
    "block",
    "pagebreak",
    "linebreak",
    "parbreak",
    "set",
    "show",
    "text",
    "emph",
    "strong",
    "link",
    "attach",
    "metadata",
    "context",
    "import",
    "let",
    "with",
    "heading",
    "par",
    "list",
    "enum",
    "quote",
    "raw",
    "h",
    "v",
    "super",
    "sub",
    "smallcaps",
];

#[test]
fn the_markup_of_a_build_calls_only_contract_functions() {
    let out = apparat::build(&common::edition::seed_dir(), &Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let contract: BTreeSet<&str> = TEMPLATE_CONTRACT.iter().map(|(n, _)| *n).collect();
    let outside: Vec<String> = called(&out.typ)
        .into_iter()
        .filter(|f| !contract.contains(f.as_str()) && !TYPST.contains(&f.as_str()))
        .collect();
    assert!(
        outside.is_empty(),
        "the markup calls template functions outside the contract: {outside:?}"
    );
    // The check sees calls: the markup calls contract functions.
    let seen = called(&out.typ);
    assert!(out.typ.contains("#show: edition.with(config)"));
    for f in [
        "front-matter",
        "para",
        "page-furniture",
        "app-lemma",
        "running-head",
    ] {
        assert!(seen.contains(f), "`{f}` not seen in the markup");
    }
}

/// A forked template that lost a function apparat calls fails with the function named, and
/// its parameters, not only Typst's "unknown variable".
#[test]
fn a_template_without_a_contract_function_is_named() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("contract-missing");
    let _ = std::fs::remove_dir_all(&dir);
    apparat::init::init(&dir).unwrap();
    let template = template().replace("#let app-lemma(body) = body", "");
    std::fs::write(dir.join("mine.typ"), template).unwrap();
    let spec = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    std::fs::write(
        dir.join("edition.toml"),
        spec.replacen("[layout]", "[layout]\ntemplate = \"mine.typ\"", 1),
    )
    .unwrap();
    let Err(e) = apparat::build(&dir, &Default::default()) else {
        panic!("a template without `app-lemma` built");
    };
    let text = e.to_string() + &e.render(false);
    assert!(
        text.contains("the template does not define `app-lemma(body)`"),
        "{text}"
    );
}
