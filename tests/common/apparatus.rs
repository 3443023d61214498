//! Parsing the apparatus as the PDF prints it: `N lemma] …`, entries of one line joined by
//! `|`, a new line number after `‖`, references `N`, `N–M` or `N–P.M`.
#![allow(dead_code)]

use super::edition::{self, EntryBody, SpecData};
use super::pdf::Line;

#[derive(Debug, Clone)]
pub struct AppEntry {
    /// PDF page number.
    pub page: usize,
    /// Index of the series block on the page.
    pub block: usize,
    /// The separator before it: `None` at a block start, else `|` or `‖`.
    pub sep: Option<String>,
    /// The printed reference (`N`, `N–M` or `N–P.M`), if any.
    pub number: Option<String>,
    /// Lemma tokens as printed, the last ending in `]`.
    pub lemma_tokens: Vec<String>,
    /// Everything after the lemma up to the next separator or block.
    pub body: Vec<String>,
}

impl AppEntry {
    /// The lemma without `]` and rank, and the rank (superscript digits before `]`, which
    /// pdftotext glues to the word or gives as words of their own).
    pub fn lemma(&self) -> (String, Option<usize>) {
        let mut s = String::new();
        for t in &self.lemma_tokens {
            let glued = t.chars().all(|c| c.is_ascii_digit() || c == ']');
            if !s.is_empty() && !glued {
                s.push(' ');
            }
            s.push_str(t);
        }
        let s = s.strip_suffix(']').expect("a lemma ends in `]`");
        let word = s.trim_end_matches(|c: char| c.is_ascii_digit());
        let rank = (word.len() < s.len()).then(|| s[word.len()..].parse().unwrap());
        (word.to_string(), rank)
    }
}

/// `N`, `N–M` or `N–P.M`; by section and line (`[reference] cite = "section"`) also
/// `S.N`, `S.N–M`, `S.N–T.M`, a section `S` being figures, letters and dots (`3.1`, `IV`).
pub fn is_num(t: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let at = |s: &str| match s.rsplit_once('.') {
        None => digits(s),
        Some((section, line)) => {
            digits(line)
                && section.starts_with(|c: char| c.is_alphanumeric())
                && section.chars().all(|c| c.is_alphanumeric() || c == '.')
                && !section.ends_with('.')
        }
    };
    match t.split_once('–') {
        None => at(t),
        Some((a, b)) => at(a) && at(b),
    }
}

pub fn is_sep(t: &str) -> bool {
    t == "|" || t == "‖"
}

/// (text, starts a line)
pub type Tok = (String, bool);

/// A number followed, within a few tokens and without a separator, by a token ending in `]`
/// (a lemma has at most four printed words).
pub fn head_at(t: &[Tok], i: usize) -> bool {
    if !is_num(&t[i].0) {
        return false;
    }
    for tok in t.iter().skip(i + 1).take(6) {
        if is_sep(&tok.0) {
            return false;
        }
        if tok.0.ends_with(']') {
            return true;
        }
    }
    false
}

/// A new series block: a line starting with an entry head that does not follow a separator.
pub fn block_start(t: &[Tok], i: usize) -> bool {
    i > 0 && t[i].1 && !is_sep(&t[i - 1].0) && head_at(t, i)
}

pub fn parse_page(page: usize, lines: &[Line]) -> Vec<AppEntry> {
    let t = line_tokens(lines);
    let mut out = vec![];
    let mut i = 0;
    let mut block = 0;
    while i < t.len() {
        let sep = (i > 0 && is_sep(&t[i - 1].0)).then(|| t[i - 1].0.clone());
        if i > 0 && sep.is_none() {
            block += 1;
        }
        let number = if sep.as_deref() == Some("|") && !head_at(&t, i) {
            None
        } else {
            assert!(
                head_at(&t, i),
                "page {page}: an entry after {sep:?} must start with its line number: {:?}",
                &t[i..(i + 5).min(t.len())]
            );
            i += 1;
            Some(t[i - 1].0.clone())
        };
        let mut lemma = vec![];
        loop {
            let tok = &t
                .get(i)
                .unwrap_or_else(|| panic!("page {page}: lemma without `]`: {lemma:?}"))
                .0;
            assert!(!is_sep(tok), "page {page}: lemma without `]`: {lemma:?}");
            lemma.push(tok.clone());
            i += 1;
            if tok.ends_with(']') {
                break;
            }
        }
        let mut body = vec![];
        while i < t.len() && !is_sep(&t[i].0) && !block_start(&t, i) {
            body.push(t[i].0.clone());
            i += 1;
        }
        if i < t.len() && is_sep(&t[i].0) {
            i += 1;
            assert!(
                i < t.len(),
                "page {page}: the apparatus ends with a separator"
            );
        }
        out.push(AppEntry {
            page,
            block,
            sep,
            number,
            lemma_tokens: lemma,
            body,
        });
    }
    out
}

/// The words of apparatus lines, each with whether it begins its line; a word hyphenated at
/// a line's end is joined with the first word of the next line (without the hyphen).
pub fn line_tokens(lines: &[Line]) -> Vec<Tok> {
    let mut t: Vec<Tok> = vec![];
    let mut carry: Option<String> = None;
    for (i, l) in lines.iter().enumerate() {
        let n = l.words.len();
        for (k, w) in l.words.iter().enumerate() {
            let start = k == 0 && carry.is_none();
            let text = carry.take().unwrap_or_default() + &w.text;
            if k + 1 == n
                && i + 1 < lines.len()
                && let Some(stem) = super::pdf::strip_hyphen(&text)
                    .filter(|s| s.chars().last().is_some_and(char::is_alphabetic))
            {
                carry = Some(stem.to_string());
                continue;
            }
            t.push((text, start));
        }
    }
    t
}

// ---- What an entry must print -------------------------------------------------------------

pub fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

/// The apparatus text an entry must print after its `]`, from the spec alone.
pub fn reading_tokens(spec: &SpecData, e: &edition::Entry) -> Vec<String> {
    let reading = |r: &edition::Reading| -> Vec<String> {
        let mut out = r.text.as_deref().map(words).unwrap_or_default();
        match r.kind.as_str() {
            "var" => {}
            "om" => out.push("om.".into()),
            "add" => out.push("add.".into()),
            "transp" => out.push("transp.".into()),
            "conj" => {
                out.push("conj.".into());
                out.extend(r.by.as_deref().map(words).unwrap_or_default());
            }
            k => panic!("unknown reading type {k}"),
        }
        if !r.wit.is_empty() {
            out.push(r.wit.concat());
        }
        out
    };
    let mut groups: Vec<Vec<String>> = vec![];
    match &e.body {
        EntryBody::Emend { readings, .. } => {
            let mut g = vec!["corr.;".to_string()];
            g.extend(words(&e.quote.at));
            g.push(spec.base.clone());
            groups.push(g);
            groups.extend(readings.iter().map(reading));
        }
        EntryBody::Readings(rs) => groups.extend(rs.iter().map(reading)),
        EntryBody::Note(n) => groups.push(words(n)),
        EntryBody::Lacuna { witness, resumes } => {
            let mut g = if *resumes {
                vec!["rursus".to_string(), "adest".to_string()]
            } else {
                vec!["deest".to_string()]
            };
            g.push(witness.clone());
            groups.push(g);
        }
    }
    let mut out: Vec<String> = vec![];
    for (i, g) in groups.into_iter().enumerate() {
        if i > 0
            && let Some(last) = out.last_mut()
        {
            last.push(';');
        }
        out.extend(g);
    }
    out
}

/// In a positive series, the sigla an entry prints before its `]`: every witness extant at
/// the lemma (`absent`: in a lacuna there) that no reading cites, a group's siglum in place
/// of its members where all of them are extant and among them; empty for emendations, notes
/// and lacuna records.
pub fn positive_sigla(
    spec: &SpecData,
    e: &edition::Entry,
    absent: &dyn Fn(&str) -> bool,
) -> String {
    let EntryBody::Readings(rs) = &e.body else {
        return String::new();
    };
    let members = |g: &str| {
        spec.witnesses
            .iter()
            .find(|(s, _)| s == g)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    };
    let mut cited: Vec<String> = vec![];
    for w in rs.iter().flat_map(|r| &r.wit) {
        let m = members(w);
        if m.is_empty() {
            cited.push(w.clone());
        } else {
            cited.extend(m);
        }
    }
    let mut lemma: Vec<String> = spec
        .witnesses
        .iter()
        .filter(|(s, m)| m.is_empty() && !absent(s) && !cited.contains(s))
        .map(|(s, _)| s.clone())
        .collect();
    for (group, m) in spec.witnesses.iter().filter(|(_, m)| !m.is_empty()) {
        if m.iter().all(|x| !absent(x) && lemma.contains(x)) {
            let first = lemma.iter().position(|x| m.contains(x)).unwrap();
            lemma.retain(|x| !m.contains(x));
            lemma.insert(first, group.clone());
        }
    }
    lemma.concat()
}

/// Whether an entry's printed words are the spec's, where a word holding a cross-reference
/// (`({{ref:name}}).`) prints as a reference in the template's form: an abbreviation and a
/// line number or range (`(r. 12).`), after a page (`(s. 6, r. 15).`) when it cites another
/// page. (Which page and line it names is checked against the pages in `tests/xref.rs`.)
pub fn note_matches(printed: &[String], want: &[String]) -> bool {
    let abbreviation = |s: &str| s.len() > 1 && s.ends_with('.') && !s.contains(char::is_numeric);
    let number = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '–');
    let mut i = 0;
    for w in want {
        let Some((pre, rest)) = w.split_once("{{ref:") else {
            if printed.get(i) != Some(w) {
                return false;
            }
            i += 1;
            continue;
        };
        let post = rest.split_once("}}").map_or("", |(_, p)| p);
        let ok = |k: usize| -> Option<usize> {
            let first = printed.get(k)?.strip_prefix(pre)?;
            if !abbreviation(first) {
                return None;
            }
            let second = printed.get(k + 1)?;
            if let Some(page) = second.strip_suffix(',')
                && number(page)
            {
                let line = printed.get(k + 3)?.strip_suffix(post)?;
                return (abbreviation(printed.get(k + 2)?) && number(line)).then_some(k + 4);
            }
            number(second.strip_suffix(post)?).then_some(k + 2)
        };
        match ok(i) {
            Some(next) => i = next,
            None => return false,
        }
    }
    i == printed.len()
}
