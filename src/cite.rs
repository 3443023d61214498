//! Citation exports from the spec's metadata: CSL-JSON, BibTeX and CITATION.cff.
//!
//! These read only `[edition]` (stage 1 data), so `apparat export` works without typesetting.

use crate::spec::Spec;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    CslJson,
    Bibtex,
    Cff,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "csl-json" => Some(Format::CslJson),
            "bibtex" => Some(Format::Bibtex),
            "cff" => Some(Format::Cff),
            _ => None,
        }
    }

    /// Conventional file name when written beside the PDF.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::CslJson => "edition.csl.json",
            Format::Bibtex => "edition.bib",
            Format::Cff => "CITATION.cff",
        }
    }
}

pub fn export(spec: &Spec, f: Format) -> String {
    match f {
        Format::CslJson => csl_json(spec),
        Format::Bibtex => bibtex(spec),
        Format::Cff => cff(spec),
    }
}

/// Split "Given Family" into (family, given); a single word is a literal name.
fn name_parts(n: &str) -> (Option<String>, String) {
    let n = n.trim();
    if let Some((family, given)) = n.split_once(',') {
        return (Some(given.trim().to_string()), family.trim().to_string());
    }
    match n.rsplit_once(' ') {
        Some((given, family)) => (Some(given.to_string()), family.to_string()),
        None => (None, n.to_string()),
    }
}

fn key(spec: &Spec) -> String {
    let (y, _, _) = spec.date();
    let word: String = spec
        .edition
        .editors
        .first()
        .map(|e| name_parts(e).1)
        .unwrap_or_else(|| "edition".into())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    format!(
        "{}{y}",
        if word.is_empty() {
            "edition".into()
        } else {
            word.to_lowercase()
        }
    )
}

pub fn csl_json(spec: &Spec) -> String {
    let e = &spec.edition;
    let (y, m, d) = spec.date();
    let editors: Vec<serde_json::Value> = e
        .editors
        .iter()
        .map(|n| match name_parts(n) {
            (Some(given), family) => serde_json::json!({"family": family, "given": given}),
            (None, literal) => serde_json::json!({"literal": literal}),
        })
        .collect();
    let mut item = serde_json::json!({
        "id": key(spec),
        "type": "book",
        "title": e.title,
        "editor": editors,
        "version": e.version,
        "issued": {"date-parts": [[y, m, d]]},
        "language": e.language.get_ref(),
    });
    let obj = item.as_object_mut().expect("a JSON object literal");
    for (k, v) in [
        ("DOI", &e.doi),
        ("publisher", &e.publisher),
        ("publisher-place", &e.place),
        ("abstract", &e.description),
        ("license", &e.license),
    ] {
        if let Some(v) = v {
            obj.insert(k.into(), serde_json::Value::String(v.clone()));
        }
    }
    if let Some(s) = &e.subtitle {
        obj.insert(
            "title".into(),
            serde_json::Value::String(format!("{}: {s}", e.title)),
        );
    }
    if !e.keywords.is_empty() {
        obj.insert(
            "keyword".into(),
            serde_json::Value::String(e.keywords.join(", ")),
        );
    }
    serde_json::to_string_pretty(&serde_json::Value::Array(vec![item]))
        .expect("JSON values serialise")
}

/// Escape BibTeX special characters; non-ASCII stays UTF-8 (biber/biblatex read it).
fn bib(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        match c {
            '{' | '}' | '&' | '%' | '$' | '#' | '_' => {
                o.push('\\');
                o.push(c);
            }
            '\\' => o.push_str("\\textbackslash{}"),
            '~' => o.push_str("\\textasciitilde{}"),
            '^' => o.push_str("\\textasciicircum{}"),
            c => o.push(c),
        }
    }
    o
}

pub fn bibtex(spec: &Spec) -> String {
    let e = &spec.edition;
    let (y, m, d) = spec.date();
    let mut f: Vec<(&str, String)> = vec![
        ("title", format!("{{{}}}", bib(&e.title))),
        (
            "editor",
            e.editors
                .iter()
                .map(|n| bib(n))
                .collect::<Vec<_>>()
                .join(" and "),
        ),
        ("year", y.to_string()),
        ("date", format!("{y:04}-{m:02}-{d:02}")),
        ("version", bib(&e.version)),
        ("langid", bib(e.language.get_ref())),
    ];
    if let Some(s) = &e.subtitle {
        f.push(("subtitle", bib(s)));
    }
    for (k, v) in [
        ("publisher", &e.publisher),
        ("location", &e.place),
        ("doi", &e.doi),
        ("abstract", &e.description),
    ] {
        if let Some(v) = v {
            f.push((k, bib(v)));
        }
    }
    if !e.keywords.is_empty() {
        f.push(("keywords", bib(&e.keywords.join(", "))));
    }
    let mut out = format!("@book{{{},\n", key(spec));
    for (k, v) in f {
        out.push_str(&format!("  {k} = {{{v}}},\n"));
    }
    out.push_str("}\n");
    out
}

/// A YAML double-quoted scalar.
fn yq(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

pub fn cff(spec: &Spec) -> String {
    let e = &spec.edition;
    let (y, m, d) = spec.date();
    let mut out = String::from(
        "cff-version: 1.2.0\nmessage: \"If you use this edition, please cite it as below.\"\n",
    );
    out.push_str("type: dataset\n");
    out.push_str(&format!(
        "title: {}\n",
        yq(&match &e.subtitle {
            Some(s) => format!("{}: {s}", e.title),
            None => e.title.clone(),
        })
    ));
    out.push_str("authors:\n");
    for n in &e.editors {
        match name_parts(n) {
            (Some(given), family) => out.push_str(&format!(
                "  - family-names: {}\n    given-names: {}\n",
                yq(&family),
                yq(&given)
            )),
            (None, literal) => out.push_str(&format!("  - name: {}\n", yq(&literal))),
        }
    }
    out.push_str(&format!("version: {}\n", yq(&e.version)));
    out.push_str(&format!("date-released: \"{y:04}-{m:02}-{d:02}\"\n"));
    if let Some(doi) = &e.doi {
        out.push_str(&format!("doi: {}\n", yq(doi)));
    }
    if let Some(l) = &e.license {
        out.push_str(&format!("license: {}\n", yq(l)));
    }
    if let Some(a) = &e.description {
        out.push_str(&format!("abstract: {}\n", yq(a)));
    }
    if !e.keywords.is_empty() {
        out.push_str("keywords:\n");
        for k in &e.keywords {
            out.push_str(&format!("  - {}\n", yq(k)));
        }
    }
    out
}
