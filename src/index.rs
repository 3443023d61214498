//! Indexes (of names, places, passages cited …): the entries of one index gathered under
//! their headwords and sub-entries, in the alphabetical order of the edition's language, each
//! with its references merged where they run over consecutive lines.
//!
//! Alphabetical order is a matter of the language, not of code points: Swedish puts å, ä
//! and ö after z, German sorts ä with a, Spanish ñ after n, and every language ignores case
//! and accents before it looks at them. That knowledge is CLDR's; ICU4X's collator carries
//! it (with its data compiled in, so no build reads anything at run time), and apparat
//! never hand-writes an order. Typst already links the same crate.
//!
//! This module is pure: it knows lines by their index in the text's sequence of lines, and
//! the layout stage (`layout::index`) tells it where each entry's words were printed.

use std::cmp::Ordering;
use std::collections::HashMap;

use icu_collator::options::CollatorOptions;
use icu_collator::{Collator, CollatorBorrowed};
use icu_locale_core::Locale;

use crate::spec::IndexEntry;

/// The alphabetical order of a language (its CLDR collation; the root collation for a
/// language CLDR has none for, such as Latin).
pub(crate) struct Order {
    collator: Option<CollatorBorrowed<'static>>,
}

impl Order {
    /// The order of `language` (a BCP 47 tag: `sv`, `de-CH`, `la`). A tag that does not
    /// parse sorts by the root collation.
    pub(crate) fn of(language: &str) -> Order {
        let locale = Locale::try_from_str(language).unwrap_or(Locale::UNKNOWN);
        let collator = Collator::try_new((&locale).into(), CollatorOptions::default())
            .or_else(|_| Collator::try_new(Default::default(), CollatorOptions::default()))
            .ok();
        Order { collator }
    }

    /// `a` against `b`; strings the collation holds equal (it ignores some characters) are
    /// ordered by their code points, so the order is total and the same on every build.
    pub(crate) fn compare(&self, a: &str, b: &str) -> Ordering {
        let collated = self
            .collator
            .as_ref()
            .map_or(Ordering::Equal, |c| c.compare(a, b));
        collated.then_with(|| a.cmp(b))
    }
}

/// A printed body line as an index reference sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Line {
    /// The folio of its page.
    pub page: usize,
    /// Its printed line number (a verse's turnover: its verse's); 0 for a line of the
    /// title or a heading, which is not numbered.
    pub number: u32,
}

/// A reference: the lines `first..=last` (indices into the text's lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Reference {
    pub first: usize,
    pub last: usize,
}

/// A headword as the index prints it: its own references, then its sub-entries.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Headword {
    pub text: String,
    pub references: Vec<Reference>,
    pub subs: Vec<SubEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SubEntry {
    pub text: String,
    pub references: Vec<Reference>,
}

/// One headword's entries, as gathered.
struct Gathered<'a> {
    text: &'a str,
    /// What it sorts by: its `sort` key, else itself.
    sort: &'a str,
    own: Vec<Reference>,
    subs: Vec<(&'a str, Vec<Reference>)>,
}

/// The headwords of one index, sorted: `entries` are the index's entries, each with the
/// lines its words were printed on.
pub(crate) fn arrange<'a>(
    order: &Order,
    entries: impl IntoIterator<Item = (&'a IndexEntry, Reference)>,
    lines: &[Line],
) -> Vec<Headword> {
    let mut gathered: Vec<Gathered> = vec![];
    let mut position: HashMap<&str, usize> = HashMap::new();
    for (e, at) in entries {
        let k = *position.entry(&e.headword).or_insert_with(|| {
            gathered.push(Gathered {
                text: &e.headword,
                sort: &e.headword,
                own: vec![],
                subs: vec![],
            });
            gathered.len() - 1
        });
        let headword = &mut gathered[k];
        if let Some(key) = &e.sort {
            headword.sort = key;
        }
        match &e.sub {
            None => headword.own.push(at),
            Some(sub) => match headword.subs.iter_mut().find(|(s, _)| s == sub) {
                Some((_, refs)) => refs.push(at),
                None => headword.subs.push((sub, vec![at])),
            },
        }
    }
    gathered.sort_by(|a, b| {
        order
            .compare(a.sort, b.sort)
            .then_with(|| order.compare(a.text, b.text))
    });
    gathered
        .into_iter()
        .map(|mut h| {
            h.subs.sort_by(|(a, _), (b, _)| order.compare(a, b));
            Headword {
                text: h.text.to_string(),
                references: merge(h.own, lines),
                subs: h
                    .subs
                    .into_iter()
                    .map(|(text, refs)| SubEntry {
                        text: text.to_string(),
                        references: merge(refs, lines),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// References in text order, those on the same or consecutive lines made one: `5.3`, `5.4`
/// and `5.5` are `5.3–5`; the last line of a page and the first of the next, `5.28–6.1`.
/// Lines are consecutive when nothing numbered stands between them (a verse's turnover
/// does not; a heading does).
pub(crate) fn merge(mut refs: Vec<Reference>, lines: &[Line]) -> Vec<Reference> {
    refs.sort();
    let mut out: Vec<Reference> = vec![];
    for r in refs {
        match out.last_mut() {
            Some(prev)
                if r.first <= prev.last + 1 || turnovers_between(lines, prev.last, r.first) =>
            {
                prev.last = prev.last.max(r.last);
            }
            _ => out.push(r),
        }
    }
    out
}

/// Whether every line strictly between `a` and `b` is a turnover of line `a`'s verse (the
/// same page and number).
fn turnovers_between(lines: &[Line], a: usize, b: usize) -> bool {
    b > a + 1
        && lines
            .get(a + 1..b)
            .is_some_and(|between| between.iter().all(|l| *l == lines[a]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(language: &str, words: &[&str]) -> Vec<String> {
        let order = Order::of(language);
        let mut w: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        w.sort_by(|a, b| order.compare(a, b));
        w
    }

    #[test]
    fn swedish_sorts_a_ring_a_umlaut_o_umlaut_after_z() {
        let words = ["Örebro", "Åbo", "Zürich", "Ängelholm", "Andersson"];
        assert_eq!(
            sorted("sv", &words),
            ["Andersson", "Zürich", "Åbo", "Ängelholm", "Örebro"]
        );
        // Without a tailoring (Latin), the accents are secondary: Å sorts with A.
        assert_eq!(
            sorted("la", &words),
            ["Åbo", "Andersson", "Ängelholm", "Örebro", "Zürich"]
        );
        // Case is looked at only where the letters are equal.
        assert_eq!(sorted("en", &["b", "B", "a", "C"]), ["a", "b", "B", "C"]);
        // A tag that does not parse sorts by the root collation, not by code points.
        assert_eq!(sorted("!!", &["b", "A"]), ["A", "b"]);
    }

    fn entry(headword: &str, sub: Option<&str>, sort: Option<&str>) -> IndexEntry {
        IndexEntry {
            index: 0,
            quote: crate::spec::Quote {
                at: toml::Spanned::new(0..0, headword.to_string()),
                occurrence: None,
                before: None,
                after: None,
            },
            headword: headword.to_string(),
            sub: sub.map(str::to_string),
            sort: sort.map(str::to_string),
            all: false,
            span: 0..0,
        }
    }

    #[test]
    fn entries_gather_under_their_headwords_in_order() {
        let entries = [
            entry("Örebro", None, None),
            entry("von Goethe", Some("verk"), Some("Goethe")),
            entry("Åbo", None, None),
            entry("von Goethe", Some("brev"), None),
            entry("von Goethe", None, None),
            entry("Örebro", None, None),
        ];
        let lines: Vec<Line> = (1..=9).map(|n| line(1, n)).collect();
        let at = |k: usize| Reference { first: k, last: k };
        let arranged = arrange(
            &Order::of("sv"),
            entries.iter().zip([7, 1, 3, 4, 5, 6].map(at)),
            &lines,
        );
        let words: Vec<(&str, Vec<&str>)> = arranged
            .iter()
            .map(|h| {
                (
                    h.text.as_str(),
                    h.subs.iter().map(|s| s.text.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            words,
            [
                ("von Goethe", vec!["brev", "verk"]),
                ("Åbo", vec![]),
                ("Örebro", vec![]),
            ]
        );
        // Örebro on lines 6 and 7: one reference.
        assert_eq!(arranged[2].references, [Reference { first: 6, last: 7 }]);
        assert_eq!(arranged[0].references, [at(5)]);
    }

    fn line(page: usize, number: u32) -> Line {
        Line { page, number }
    }

    #[test]
    fn references_on_consecutive_lines_merge() {
        // Page 5: lines 1–3; page 6: a heading, then 1 with a turnover, then 2.
        let lines = [
            line(5, 1),
            line(5, 2),
            line(5, 3),
            line(6, 0),
            line(6, 1),
            line(6, 1),
            line(6, 2),
        ];
        let r = |first, last| Reference { first, last };
        // Consecutive lines and overlapping references.
        assert_eq!(merge(vec![r(1, 1), r(0, 0), r(1, 2)], &lines), [r(0, 2)]);
        // A heading between: two references.
        assert_eq!(merge(vec![r(2, 2), r(4, 4)], &lines), [r(2, 2), r(4, 4)]);
        // Across a verse's turnover: one.
        assert_eq!(merge(vec![r(4, 4), r(6, 6)], &lines), [r(4, 6)]);
        // A gap of a numbered line: two.
        assert_eq!(merge(vec![r(0, 0), r(2, 2)], &lines), [r(0, 0), r(2, 2)]);
    }
}
