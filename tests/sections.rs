//! The text's own reference system (`[[section]]`, `[reference] cite = "section"`), read back
//! from the PDF: the seed edition with five sections. Where each section begins is found on
//! the pages (its words located in the body, independently of the program's plan); from
//! there the lines are counted, and every section number in the margin, every line number,
//! every apparatus reference, cross-reference and index reference must be the section and
//! line so counted. And the spec's mistakes are located errors.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use common::apparatus::parse_page;
use common::edition::{self, Body, Built, Printed, Quote, SpecData, TextMap};
use common::pdf::Word;

/// The sections: their quotation and number (`None`: counted on).
const SECTIONS: &[(&str, Option<&str>)] = &[
    ("Kamrat Lenin konstaterar", None),
    ("Det internationella läget", None),
    ("Massornas politiska likgiltighet", None),
    ("Bonderörelsen utvecklar sig", Some("3.1")),
    ("Centralkommittén anser", Some("IV")),
];

/// The numbers the sections must get: 1, 2, 3 counted on, then as given.
const NUMBERS: &[&str] = &["1", "2", "3", "3.1", "IV"];

fn sections_spec(spec: &str) -> String {
    let mut out = spec.replace("restart = \"page\" }", "}");
    assert_ne!(out, spec, "the seed counts its lines per page");
    out.push_str("\n[reference]\ncite = \"section\"\n");
    for (at, n) in SECTIONS {
        out.push_str(&format!("\n[[section]]\nat = \"{at}\"\n"));
        if let Some(n) = n {
            out.push_str(&format!("n = \"{n}\"\n"));
        }
    }
    out
}

/// The seed with `edit` applied to its spec, in a scratch folder.
fn seed_with(name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let dir = edition::scratch(name);
    let seed = edition::seed_dir();
    for f in ["source.txt", "translation.txt", "principles.md"] {
        std::fs::copy(seed.join(f), dir.join(f)).unwrap();
    }
    let spec = std::fs::read_to_string(seed.join("edition.toml")).unwrap();
    std::fs::write(dir.join("edition.toml"), edit(&spec)).unwrap();
    dir
}

struct Shared {
    built: Built,
    spec: SpecData,
    body: Body,
    /// The count (through the document) of the body line each section begins on.
    starts: Vec<u32>,
    /// Where each printed byte stands, as (page index, line index).
    printed: Printed,
    map: TextMap,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let dir = seed_with("sections", sections_spec);
        let built = edition::build(&dir, &dir);
        let spec = edition::read_spec(&dir);
        // Lines counted through the document: the section's count is derived from it.
        let body = edition::read_body(&built.pages, built.front_pages, false);
        let printed = Printed::new(&dir, &spec);
        let map = TextMap::new(&body, &spec, &printed);
        let starts = SECTIONS
            .iter()
            .map(|(at, _)| {
                let q = Quote {
                    at: at.to_string(),
                    occurrence: None,
                    before: None,
                    after: None,
                };
                let pos = map.locate(&printed, printed.find(&q).start);
                body.pages[pos.page].body[pos.line]
                    .number
                    .expect("a section begins on a paragraph line")
            })
            .collect();
        Shared {
            built,
            spec,
            body,
            starts,
            printed,
            map,
        }
    })
}

impl Shared {
    /// The section (index) and the line within it of the body line counted `n`.
    fn cite_line(&self, n: u32) -> (Option<usize>, u32) {
        match self.starts.iter().rposition(|&s| s <= n) {
            Some(k) => (Some(k), n - self.starts[k] + 1),
            None => (None, n),
        }
    }

    /// `3.12`, `3.12–14`, `3.12–4.2` for body lines counted `first` to `last`.
    fn cite(&self, first: u32, last: u32) -> String {
        let at = |(k, l): (Option<usize>, u32)| match k {
            Some(k) => format!("{}.{l}", NUMBERS[k]),
            None => l.to_string(),
        };
        let (a, b) = (self.cite_line(first), self.cite_line(last));
        if a == b {
            at(a)
        } else if a.0 == b.0 {
            format!("{}–{}", at(a), b.1)
        } else {
            format!("{}–{}", at(a), at(b))
        }
    }

    /// The body-line count of printed byte `pos`.
    fn count_at(&self, pos: usize) -> u32 {
        let p = self.map.locate(&self.printed, pos);
        self.body.pages[p.page].body[p.line]
            .number
            .expect("on a paragraph line")
    }

    /// The body-line count of the line at baseline `y` of body page `page`.
    fn count_at_baseline(&self, page: usize, y: f64) -> Option<u32> {
        self.body.pages[page]
            .body
            .iter()
            .find(|l| (l.line.y1 - y).abs() < 1.5)
            .and_then(|l| l.number)
    }
}

fn quote(at: &str) -> Quote {
    Quote {
        at: at.into(),
        occurrence: None,
        before: None,
        after: None,
    }
}

#[test]
fn section_numbers_stand_in_the_inner_margin_beside_the_lines_they_begin_on() {
    let s = shared();
    for (k, (at, _)) in SECTIONS.iter().enumerate() {
        let pos = s.map.locate(&s.printed, s.printed.find(&quote(at)).start);
        let page = &s.body.pages[pos.page];
        let line = &page.body[pos.line].line;
        // The inner margin: left of a recto's text, right of a verso's.
        let inner = |w: &&Word| {
            if page.recto {
                w.x1 < page.left
            } else {
                w.x0 > page.right
            }
        };
        let beside: Vec<&str> = page
            .margin
            .iter()
            .chain(&page.outside)
            .filter(inner)
            .filter(|w| (w.y1 - line.y1).abs() < 1.5)
            .map(|w| w.text.as_str())
            .collect();
        assert_eq!(
            beside,
            [NUMBERS[k]],
            "section {k} (`{at}`) begins on page {} at {:.1}: the inner margin there holds {beside:?}",
            page.number,
            line.y1
        );
    }
}

#[test]
fn line_numbers_count_from_each_section() {
    let s = shared();
    let mut seen = 0;
    for (pi, page) in s.body.pages.iter().enumerate() {
        // The outer margin: right of a recto's text, left of a verso's.
        let outer = page.margin.iter().filter(|w| {
            if page.recto {
                w.x0 > page.right
            } else {
                w.x1 < page.left
            }
        });
        // A line number is a word of figures alone on its baseline (a witness's page break
        // in the margin, `P 2`, is not).
        let alone = |w: &Word| {
            !page
                .margin
                .iter()
                .any(|o| o.x0 != w.x0 && (o.y1 - w.y1).abs() < 1.0)
        };
        for w in outer.filter(|w| w.text.chars().all(|c| c.is_ascii_digit()) && alone(w)) {
            let n = s.count_at_baseline(pi, w.y1).unwrap_or_else(|| {
                panic!("number {} on page {} beside no line", w.text, page.number)
            });
            let (_, line) = s.cite_line(n);
            assert_eq!(
                w.text,
                line.to_string(),
                "page {}: margin number",
                page.number
            );
            seen += 1;
        }
    }
    assert!(seen >= 6, "only {seen} line numbers read");
}

#[test]
fn the_apparatus_cites_section_and_line() {
    let s = shared();
    let parsed: Vec<_> = s
        .body
        .pages
        .iter()
        .flat_map(|p| parse_page(p.number, &p.apparatus))
        .collect();
    // Each entry under the reference printed before it on its page.
    let mut effective = vec![];
    let mut current: Option<(usize, String)> = None;
    for a in &parsed {
        if let Some(n) = &a.number {
            current = Some((a.page, n.clone()));
        }
        let under = current
            .as_ref()
            .filter(|(p, _)| *p == a.page)
            .map(|c| c.1.clone());
        effective.push(under);
    }
    for e in &s.spec.entries {
        let r = s.printed.find(&e.quote);
        let want = s.cite(s.count_at(r.start), s.count_at(r.end - 1));
        let first = edition::normalize(&s.printed.text[r.clone()]);
        let first = first.split(' ').next().unwrap();
        let found = parsed.iter().zip(&effective).any(|(a, n)| {
            n.as_deref() == Some(want.as_str())
                && a.lemma_tokens.first().is_some_and(|t| {
                    t.trim_end_matches(']')
                        .starts_with(first.trim_end_matches(|c: char| c.is_ascii_digit()))
                })
        });
        assert!(
            found,
            "entry `{}`: no apparatus entry cites it as {want}; printed: {:?}",
            e.quote.at,
            parsed
                .iter()
                .zip(&effective)
                .map(|(a, n)| format!(
                    "{} {}",
                    n.clone().unwrap_or_default(),
                    a.lemma_tokens.join(" ")
                ))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn cross_references_and_the_index_cite_section_and_line() {
    let s = shared();
    let apparatus: String = s
        .body
        .pages
        .iter()
        .flat_map(|p| &p.apparatus)
        .map(|l| l.text())
        .collect::<Vec<_>>()
        .join(" ");
    let apparatus = edition::normalize(&apparatus);
    // The seed's labelled entries and the words its notes print before the reference.
    for (label_at, before) in [
        ("3-5 juli", "Efter julidagarna ("),
        ("Områdeskongressen", "kallar Områdeskongressen ("),
        ("korniloviad", "efter Kornilovaffären ("),
    ] {
        let e = s
            .spec
            .entries
            .iter()
            .find(|e| e.quote.at == label_at)
            .expect("a labelled entry");
        let r = s.printed.find(&e.quote);
        let want = s.cite(s.count_at(r.start), s.count_at(r.end - 1));
        let at = apparatus
            .find(before)
            .unwrap_or_else(|| panic!("`{before}` not in the apparatus"));
        let printed = &apparatus[at + before.len()..];
        let printed = &printed[..printed.find(')').unwrap()];
        assert_eq!(printed, want, "the reference after `{before}`");
    }
    let index = edition::normalize(
        &s.built
            .back
            .iter()
            .map(|p| p.text())
            .collect::<Vec<_>>()
            .join(" "),
    );
    let tokens: Vec<&str> = index.split(' ').map(|t| t.trim_end_matches(',')).collect();
    let mut checked = 0;
    for e in s.spec.index_entries.iter().filter(|e| !e.all) {
        let r = s.printed.find(&e.quote);
        let first = s.cite(s.count_at(r.start), s.count_at(r.start));
        assert!(
            tokens
                .iter()
                .any(|t| *t == first || t.starts_with(&format!("{first}–"))),
            "index entry `{}`: no reference {first} in the index: {index}",
            e.quote.at
        );
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} index entries checked");
}

#[test]
fn the_running_head_names_the_sections_of_the_page() {
    let s = shared();
    let heads: Vec<String> = s
        .body
        .pages
        .iter()
        .map(|p| {
            p.header
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    // Page 2 of the body holds sections 3 and 3.1 (found on the pages above).
    let holds = |pi: usize| -> Vec<&str> {
        let counts: Vec<u32> = s.body.pages[pi]
            .body
            .iter()
            .filter_map(|l| l.number)
            .collect();
        let (first, last) = (counts[0], *counts.last().unwrap());
        [first, last]
            .iter()
            .filter_map(|&n| s.cite_line(n).0.map(|k| NUMBERS[k]))
            .collect()
    };
    let mut checked = 0;
    for (pi, head) in heads.iter().enumerate().skip(1) {
        // An opening page (a section opens at its top) carries its folio alone.
        if head
            .split(' ')
            .all(|w| w.chars().all(|c| c.is_ascii_digit()))
        {
            continue;
        }
        let names = holds(pi);
        let want = match names.as_slice() {
            [a, b] if a != b => format!("{a}–{b}"),
            [.., b] => b.to_string(),
            [] => continue,
        };
        assert!(
            head.split(' ').any(|w| w == want),
            "page {}: the running head `{head}` does not name sections {want}",
            s.body.pages[pi].number
        );
        checked += 1;
    }
    assert!(checked >= 2);
}

#[test]
fn headings_are_the_sections_where_the_spec_has_none() {
    let dir = seed_with("sections-headings", |spec| {
        let out = spec.replace("restart = \"page\" }", "}");
        out + "\n[reference]\ncite = \"section\"\n"
    });
    let built = edition::build(&dir, &dir);
    let spec = edition::read_spec(&dir);
    let body = edition::read_body(&built.pages, built.front_pages, false);
    let printed = Printed::new(&dir, &spec);
    let map = TextMap::new(&body, &spec, &printed);
    // The count of each heading's first following line, in order.
    let mut starts = vec![];
    let mut after_heading = false;
    for page in &body.pages {
        for l in &page.body {
            match l.number {
                None => after_heading = true,
                Some(n) if after_heading => {
                    starts.push(n);
                    after_heading = false;
                }
                Some(_) => {}
            }
        }
    }
    assert_eq!(starts.len(), 2, "the seed has two headings");
    let parsed: Vec<_> = body
        .pages
        .iter()
        .flat_map(|p| parse_page(p.number, &p.apparatus))
        .collect();
    let numbers: Vec<&str> = parsed.iter().filter_map(|a| a.number.as_deref()).collect();
    for e in &spec.entries {
        let r = printed.find(&e.quote);
        let p = map.locate(&printed, r.start);
        let n = body.pages[p.page].body[p.line].number.unwrap();
        let k = starts.iter().rposition(|&s| s <= n).unwrap();
        let want = format!("{}.{}", k + 1, n - starts[k] + 1);
        assert!(
            numbers
                .iter()
                .any(|x| x.split('–').next() == Some(want.as_str())),
            "entry `{}` at {want}: not among the references {numbers:?}",
            e.quote.at
        );
    }
}

fn error_of(name: &str, edit: impl Fn(&str) -> String) -> String {
    let dir = seed_with(name, edit);
    let err = apparat::build(&dir, &apparat::Options::default())
        .map(|_| ())
        .expect_err("the spec is wrong");
    err.to_string()
}

#[test]
fn a_reference_system_that_cannot_cite_is_a_located_error() {
    // Citing by section with lines counted per page.
    let e = error_of("sections-per-page", |spec| {
        spec.to_string() + "\n[reference]\ncite = \"section\"\n"
    });
    assert!(
        e.contains(
            "line numbers restart on every page, but the edition is cited by section and line"
        ),
        "{e}"
    );
    assert!(e.contains("edition.toml:66:"), "the error is located: {e}");
    // Sections out of the text's order, a number twice, a number that cannot be counted on.
    let e = error_of("sections-order", |spec| {
        spec.to_string()
            + "\n[[section]]\nat = \"Det internationella läget\"\n\n[[section]]\nat = \"Kamrat Lenin konstaterar\"\n"
    });
    assert!(
        e.contains("section `2` begins before section `1`, listed above it"),
        "{e}"
    );
    let e = error_of("sections-twice", |spec| {
        spec.to_string()
            + "\n[[section]]\nat = \"Kamrat Lenin konstaterar\"\nn = \"7\"\n\n[[section]]\nat = \"Det internationella läget\"\nn = \"7\"\n"
    });
    assert!(e.contains("section `7` is numbered twice"), "{e}");
    let e = error_of("sections-uncounted", |spec| {
        spec.to_string()
            + "\n[[section]]\nat = \"Kamrat Lenin konstaterar\"\nn = \"IV\"\n\n[[section]]\nat = \"Det internationella läget\"\n"
    });
    assert!(
        e.contains("the section before is `IV`, which has no figures to count on from"),
        "{e}"
    );
    let e = error_of("sections-heading", |spec| {
        spec.to_string() + "\n[[section]]\nat = \"2. Resolution\"\n"
    });
    assert!(
        e.contains("a section must begin in a paragraph or a verse"),
        "{e}"
    );
}

/// Section numbers in the margin are artifacts of the tagged PDF, like the line numbers:
/// the text a reader copies or hears (`pdfinfo -struct-text`) holds none of them, though
/// the page shows them.
#[test]
fn section_numbers_are_artifacts() {
    let s = shared();
    let out = std::process::Command::new("pdfinfo")
        .arg("-struct-text")
        .arg(&s.built.pdf_path)
        .output()
        .expect("pdfinfo runs");
    let tagged = String::from_utf8_lossy(&out.stdout);
    assert!(
        tagged.contains("Kamrat Lenin konstaterar"),
        "the body is tagged text"
    );
    let strings: Vec<&str> = tagged
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.strip_suffix('"'))
        .collect();
    for n in ["IV", "3.1"] {
        assert!(
            s.body
                .pages
                .iter()
                .any(|p| p.margin.iter().chain(&p.outside).any(|w| w.text == n)),
            "section {n} is printed in the margin"
        );
        assert!(
            !strings.contains(&n),
            "section number {n} is in the tagged text"
        );
    }
}

/// `numbers = "inline"`: each number stands in the text before its section's first word
/// (bold, as the template's `section-inline` sets it), none in the margin; the citations
/// are as before.
#[test]
fn section_numbers_may_stand_in_the_text() {
    let dir = seed_with("sections-inline", |spec| {
        sections_spec(spec).replace(
            "cite = \"section\"\n",
            "cite = \"section\"\nnumbers = \"inline\"\n",
        )
    });
    let built = edition::build(&dir, &dir);
    let body = edition::read_body(&built.pages, built.front_pages, false);
    let lines: Vec<String> = body
        .pages
        .iter()
        .flat_map(|p| p.body.iter().map(|l| edition::normalize(&l.line.text())))
        .collect();
    for ((at, _), n) in SECTIONS.iter().zip(NUMBERS) {
        let want = format!("{n} {at}");
        assert!(
            lines.iter().any(|l| l.contains(&want)),
            "no line holds `{want}`: {lines:#?}"
        );
    }
    for p in &body.pages {
        let inner = p.margin.iter().chain(&p.outside).filter(|w| {
            if p.recto {
                w.x1 < p.left
            } else {
                w.x0 > p.right
            }
        });
        for w in inner {
            assert!(
                !NUMBERS.contains(&w.text.as_str()),
                "page {}: section number {} in the margin",
                p.number,
                w.text
            );
        }
    }
    let apparatus: Vec<String> = body
        .pages
        .iter()
        .flat_map(|p| p.apparatus.iter().map(|l| l.text()))
        .collect();
    assert!(
        apparatus.iter().any(|l| l.starts_with("1.2 likgiltighet]")),
        "cited by section: {apparatus:#?}"
    );
}
