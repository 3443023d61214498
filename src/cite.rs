//! Citation exports from the spec's metadata: CSL-JSON, BibTeX and CITATION.cff.
//!
//! These read only `[edition]` (stage 1 data), so `apparat export` works without typesetting.

use crate::quotes;
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

/// Split a person's name, "Given Family" or "Family, Given", into (given, family). A single
/// word, a name of more than four words or one with parentheses or digits is a literal
/// (corporate) name: "Rysslands socialdemokratiska arbetarparti (bolsjevikerna).
/// Centralkommittén" is no person called Centralkommittén.
fn name_parts(n: &str) -> (Option<String>, String) {
    let n = n.trim();
    let corporate = n.split_whitespace().count() > 4
        || n.contains(|c: char| c == '(' || c == ')' || c.is_ascii_digit());
    if corporate {
        return (None, n.to_string());
    }
    if let Some((family, given)) = n.split_once(',') {
        return (Some(given.trim().to_string()), family.trim().to_string());
    }
    match n.rsplit_once(' ') {
        Some((given, family)) => (Some(given.to_string()), family.to_string()),
        None => (None, n.to_string()),
    }
}

/// The names a citation begins with: the work's authors, else its editors.
fn first_names(spec: &Spec) -> &[String] {
    let e = &spec.edition;
    if e.authors.is_empty() {
        &e.editors
    } else {
        &e.authors
    }
}

/// CSL-JSON name objects.
fn csl_names(names: &[String]) -> serde_json::Value {
    names
        .iter()
        .map(|n| match name_parts(n) {
            (Some(given), family) => serde_json::json!({"family": family, "given": given}),
            (None, literal) => serde_json::json!({"literal": literal}),
        })
        .collect()
}

/// A free-text date as CSL-JSON: date parts where it is `YYYY`, `YYYY-MM` or `YYYY-MM-DD`,
/// else a literal.
fn csl_date(s: &str) -> serde_json::Value {
    match iso_date_parts(s) {
        Some(parts) => serde_json::json!({"date-parts": [parts]}),
        None => serde_json::json!({"literal": s}),
    }
}

fn iso_date_parts(s: &str) -> Option<Vec<u32>> {
    let parts: Vec<&str> = s.trim().split('-').collect();
    let widths_ok = parts.len() <= 3
        && parts.first().is_some_and(|y| y.len() == 4)
        && parts[1..].iter().all(|p| p.len() == 2);
    if !widths_ok || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    parts.iter().map(|p| p.parse().ok()).collect()
}

/// How the editors are introduced after a work's author in a citation ("ed. by").
pub(crate) fn edited_by(lang: &str) -> &'static str {
    match lang.split(['-', '_']).next().unwrap_or("") {
        "sv" => "utg. av",
        "de" => "hg. von",
        "fr" => "éd. par",
        "da" | "nb" | "nn" | "no" => "udg. af",
        _ => "ed. by",
    }
}

fn key(spec: &Spec) -> String {
    let (y, _, _) = spec.date();
    let word: String = first_names(spec)
        .first()
        .map(|e| match name_parts(e) {
            (Some(_), family) => family,
            // A corporate name: its first word.
            (None, literal) => literal.split_whitespace().next().unwrap_or("").to_string(),
        })
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
    let mut item = serde_json::json!({
        "id": key(spec),
        "type": "book",
        "title": quotes::editorial(spec, &e.title),
        "editor": csl_names(&e.editors),
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
    obj.insert("title".into(), full_title(spec).into());
    if !e.authors.is_empty() {
        obj.insert("author".into(), csl_names(&e.authors));
    }
    if let Some(t) = &e.original_title {
        obj.insert("original-title".into(), quotes::editorial(spec, t).into());
    }
    if let Some(d) = &e.original_date {
        obj.insert("original-date".into(), csl_date(d));
    }
    if !e.keywords.is_empty() {
        obj.insert(
            "keyword".into(),
            serde_json::Value::String(e.keywords.join(", ")),
        );
    }
    let mut out = serde_json::to_string_pretty(&serde_json::Value::Array(vec![item]))
        .expect("JSON values serialise");
    out.push('\n');
    out
}

/// "Title: Subtitle", with the editor's quotation marks as printed.
fn full_title(spec: &Spec) -> String {
    let e = &spec.edition;
    let title = match &e.subtitle {
        Some(s) => format!("{}: {s}", e.title),
        None => e.title.clone(),
    };
    quotes::editorial(spec, &title)
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
    let mut f: Vec<(&str, String)> = vec![];
    if !e.authors.is_empty() {
        f.push(("author", bib_names(&e.authors)));
    }
    f.extend([
        (
            "title",
            format!("{{{}}}", bib(&quotes::editorial(spec, &e.title))),
        ),
        ("editor", bib_names(&e.editors)),
        ("year", y.to_string()),
        ("date", format!("{y:04}-{m:02}-{d:02}")),
        ("version", bib(&e.version)),
        ("langid", bib(e.language.get_ref())),
    ]);
    if let Some(s) = &e.subtitle {
        f.push(("subtitle", bib(&quotes::editorial(spec, s))));
    }
    if let Some(t) = &e.original_title {
        f.push(("origtitle", bib(&quotes::editorial(spec, t))));
    }
    // biblatex's `origdate` takes an ISO date only.
    if let Some(d) = e
        .original_date
        .as_deref()
        .filter(|d| iso_date_parts(d).is_some())
    {
        f.push(("origdate", bib(d.trim())));
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

/// Names joined by ` and `; a corporate name braced, so that BibTeX takes it whole.
fn bib_names(names: &[String]) -> String {
    names
        .iter()
        .map(|n| match name_parts(n) {
            (Some(_), _) => bib(n.trim()),
            (None, literal) => format!("{{{}}}", bib(&literal)),
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// A YAML double-quoted scalar.
fn yq(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

/// CITATION.cff (CFF 1.2.0). The file describes the edition as a dataset, so its required
/// `authors` are the edition's editors, who made it; where the edited work has authors of
/// its own, `preferred-citation` cites the work as a book by them, edited by the editors
/// (what GitHub's "Cite this repository" and CFF converters show).
pub fn cff(spec: &Spec) -> String {
    let e = &spec.edition;
    let (y, m, d) = spec.date();
    let mut out = String::from(
        "cff-version: 1.2.0\nmessage: \"If you use this edition, please cite it as below.\"\n",
    );
    out.push_str("type: dataset\n");
    out.push_str(&format!("title: {}\n", yq(&full_title(spec))));
    out.push_str("authors:\n");
    cff_names(&mut out, "", &e.editors);
    out.push_str(&format!("version: {}\n", yq(&e.version)));
    out.push_str(&format!("date-released: \"{y:04}-{m:02}-{d:02}\"\n"));
    if let Some(doi) = &e.doi {
        out.push_str(&format!("doi: {}\n", yq(doi)));
    }
    if let Some(l) = &e.license {
        out.push_str(&format!("license: {}\n", yq(l)));
    }
    if let Some(a) = &e.description {
        out.push_str(&format!("abstract: {}\n", yq(&quotes::editorial(spec, a))));
    }
    if !e.keywords.is_empty() {
        out.push_str("keywords:\n");
        for k in &e.keywords {
            out.push_str(&format!("  - {}\n", yq(k)));
        }
    }
    if !e.authors.is_empty() {
        cff_preferred_citation(&mut out, spec);
    }
    out
}

/// A CFF list of persons or entities, indented by `indent`.
fn cff_names(out: &mut String, indent: &str, names: &[String]) {
    for n in names {
        match name_parts(n) {
            (Some(given), family) => out.push_str(&format!(
                "{indent}  - family-names: {}\n{indent}    given-names: {}\n",
                yq(&family),
                yq(&given)
            )),
            (None, literal) => out.push_str(&format!("{indent}  - name: {}\n", yq(&literal))),
        }
    }
}

/// `preferred-citation`: the work, by its authors, edited by the editors.
fn cff_preferred_citation(out: &mut String, spec: &Spec) {
    let e = &spec.edition;
    let (y, _, _) = spec.date();
    out.push_str("preferred-citation:\n  type: book\n");
    out.push_str(&format!("  title: {}\n", yq(&full_title(spec))));
    out.push_str("  authors:\n");
    cff_names(out, "  ", &e.authors);
    if !e.editors.is_empty() {
        out.push_str("  editors:\n");
        cff_names(out, "  ", &e.editors);
    }
    out.push_str(&format!("  year: {y}\n"));
    out.push_str(&format!("  version: {}\n", yq(&e.version)));
    if let Some(doi) = &e.doi {
        out.push_str(&format!("  doi: {}\n", yq(doi)));
    }
    for (k, v) in [("publisher", &e.publisher), ("location", &e.place)] {
        if let Some(v) = v {
            out.push_str(&format!("  {k}:\n    name: {}\n", yq(v)));
        }
    }
    let lang = e.language.get_ref().split(['-', '_']).next().unwrap_or("");
    if (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_lowercase()) {
        out.push_str(&format!("  languages:\n    - {lang}\n"));
    }
}
