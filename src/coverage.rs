//! Characters the body font cannot show.
//!
//! The template sets all text in one font family without fallback (`fallback: false`), so
//! that the galley and the final pages are shaped by the same font. A character that family
//! lacks prints as an empty box (tofu), and Typst says nothing. apparat checks every distinct
//! character of the base text and of the spec's strings once against the family's coverage
//! (Typst's font book) and warns where such characters are, naming the fonts available to the
//! build that have them.

use std::collections::HashMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use typst::text::FontBook;

use crate::diag::{Diagnostic, SourceFile};
use crate::spec::Spec;
use crate::text::Text;

/// The family the bundled template sets text in when the spec names none.
const TEMPLATE_FAMILY: &str = "Libertinus Serif";

/// Characters listed in one warning.
const LIST: usize = 8;

/// Warnings given for the base text and for the spec, each (the rest are counted).
const WARNINGS: usize = 6;

/// Keys of the spec whose strings are quotations of the base text (reported there).
const QUOTATION_KEYS: &[&str] = &["at", "before", "after"];

/// Whether the body font has each character, asked once per character.
pub(crate) struct Coverage<'a> {
    book: &'a FontBook,
    family: String,
    faces: Vec<usize>,
    known: HashMap<char, bool>,
}

impl<'a> Coverage<'a> {
    /// The coverage of the spec's font (or the template's) in `book`.
    pub(crate) fn new(spec: &Spec, book: &'a FontBook) -> Self {
        let family = spec
            .layout
            .font
            .as_ref()
            .map_or(TEMPLATE_FAMILY.to_string(), |f| f.get_ref().clone());
        let faces = book.select_family(&family.to_lowercase()).collect();
        Coverage {
            book,
            family,
            faces,
            known: HashMap::new(),
        }
    }

    /// Whether the body font shows `c` (white space and control characters need no glyph).
    fn shows(&mut self, c: char) -> bool {
        if c.is_whitespace() || c.is_control() || self.faces.is_empty() {
            return true;
        }
        let (book, faces) = (self.book, &self.faces);
        *self.known.entry(c).or_insert_with(|| {
            faces
                .iter()
                .filter_map(|&i| book.info(i))
                .any(|info| info.coverage.contains(c as u32))
        })
    }

    /// The characters of `s` the font lacks, each once, in order, with its byte offset.
    fn missing(&mut self, s: &str) -> Vec<(usize, char)> {
        let mut out: Vec<(usize, char)> = vec![];
        for (i, c) in s.char_indices() {
            if !c.is_ascii() && !self.shows(c) && !out.iter().any(|(_, d)| *d == c) {
                out.push((i, c));
            }
        }
        out
    }

    /// A warning for characters missing at `span` of `file`, with the fonts that have them.
    fn warning(
        &self,
        chars: &[(usize, char)],
        file: &SourceFile,
        span: Range<usize>,
    ) -> Diagnostic {
        let list: Vec<String> = chars.iter().take(LIST).map(|(_, c)| name(*c)).collect();
        let more = match chars.len().saturating_sub(LIST) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        let mut d = Diagnostic::warning(format!(
            "the font `{}` has no glyph for {}{more}: printed as empty boxes",
            self.family,
            list.join(", ")
        ))
        .at(file, span);
        let mut none = vec![];
        let mut found: Vec<(String, Vec<char>)> = vec![];
        for &(_, c) in chars.iter().take(LIST) {
            let families = self.families_with(c);
            if families.is_empty() {
                none.push(c);
            }
            for f in families {
                match found.iter_mut().find(|(g, _)| *g == f) {
                    Some((_, cs)) => cs.push(c),
                    None => found.push((f, vec![c])),
                }
            }
        }
        for (f, cs) in found.iter().take(3) {
            let cs: Vec<String> = cs.iter().map(|c| format!("U+{:04X}", *c as u32)).collect();
            d = d.with_note(format!(
                "`{f}` has {}: name it in `[layout] font` to set the text in it",
                cs.join(", ")
            ));
        }
        if !none.is_empty() {
            let cs: Vec<String> = none
                .iter()
                .map(|c| format!("U+{:04X}", *c as u32))
                .collect();
            d = d.with_note(format!(
                "no font available to this build has {}: build with --system-fonts, or add a font that has them to the edition's fonts/ folder",
                cs.join(", ")
            ));
        }
        d
    }

    /// The characters found lacking so far.
    pub(crate) fn lacking(&self) -> std::collections::HashSet<char> {
        self.known
            .iter()
            .filter(|(_, shown)| !**shown)
            .map(|(c, _)| *c)
            .collect()
    }

    /// Warnings for characters the final document printed as empty boxes (`boxes`: each
    /// with the first page index it is on) that no located warning named: what the
    /// template prints (a separator, a bracket, a sign) or a string no check walks.
    pub(crate) fn printed_boxes(
        &self,
        boxes: &[(char, usize)],
        named: &std::collections::HashSet<char>,
    ) -> Vec<Diagnostic> {
        boxes
            .iter()
            .filter(|(c, _)| !named.contains(c))
            .map(|&(c, page)| {
                let families = self.families_with(c);
                let d = Diagnostic::warning(format!(
                    "the font `{}` has no glyph for {}: printed as an empty box (first on page {})",
                    self.family,
                    name(c),
                    page + 1
                ))
                .with_note("neither the base text nor the spec holds it: the template prints it (a separator, a bracket, a sign)");
                if families.is_empty() {
                    d.with_note("no font available to this build has it: add one to the edition's fonts/ folder, or change the template")
                } else {
                    d.with_note(format!(
                        "{} {} it",
                        families.iter().take(3).map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", "),
                        if families.len() == 1 { "has" } else { "have" }
                    ))
                }
            })
            .collect()
    }

    /// Families in the book with a glyph for `c`.
    fn families_with(&self, c: char) -> Vec<String> {
        self.book
            .families()
            .filter_map(|(f, mut faces)| {
                faces
                    .any(|i| {
                        self.book
                            .info(i)
                            .is_some_and(|info| info.coverage.contains(c as u32))
                    })
                    .then(|| f.to_string())
            })
            .collect()
    }
}

/// `U+4E2D 中`.
fn name(c: char) -> String {
    format!("U+{:04X} {c}", c as u32)
}

/// Warnings for characters of the base text the body font lacks: one per block (paragraph,
/// heading, title) holding any, at the first of them in `source.txt`.
pub(crate) fn base_text(text: &Text, coverage: &mut Coverage) -> Vec<Diagnostic> {
    let mut out = vec![];
    let mut blocks = 0;
    for b in &text.blocks {
        let chars = coverage.missing(&text.doc[b.range.clone()]);
        let Some(&(first, c)) = chars.first() else {
            continue;
        };
        blocks += 1;
        if out.len() < WARNINGS {
            let at = b.range.start + first;
            let span = text.source_range(&(at..at + c.len_utf8()));
            out.push(coverage.warning(&chars, &text.file, span));
        }
    }
    if let Some(last) = out.last_mut()
        && blocks > WARNINGS
    {
        last.notes.push(format!(
            "{} more paragraphs or headings hold characters the font lacks",
            blocks - WARNINGS
        ));
    }
    out
}

/// Warnings for characters of the spec's strings (title, notes, readings, margin notes …)
/// the body font lacks: one per string, at the first of them. Quotations of the base text
/// are left to [`base_text`].
pub(crate) fn spec_strings(spec: &Spec, coverage: &mut Coverage) -> Vec<Diagnostic> {
    let text = &spec.file.text;
    let Ok(root) = DeTable::parse(text) else {
        return vec![];
    };
    let mut strings = vec![];
    collect_strings(&DeValue::Table(root.into_inner()), false, &mut strings);
    let mut out = vec![];
    for span in strings {
        let Some(raw) = text.get(span.clone()) else {
            continue;
        };
        let chars = coverage.missing(raw);
        if let Some(&(first, c)) = chars.first() {
            let at = span.start + first;
            out.push(coverage.warning(&chars, &spec.file, at..at + c.len_utf8()));
        }
        if out.len() == WARNINGS {
            break;
        }
    }
    out
}

/// Spans (in the spec's text) of every string value, but quotations.
fn collect_strings(value: &DeValue, quotation: bool, out: &mut Vec<Range<usize>>) {
    match value {
        DeValue::Table(table) => {
            for (key, v) in table {
                let key = key.get_ref().as_ref();
                let quotation = QUOTATION_KEYS.contains(&key) || key == "structure";
                match v.get_ref() {
                    DeValue::String(_) if !quotation => out.push(v.span()),
                    other => collect_strings(other, quotation, out),
                }
            }
        }
        DeValue::Array(items) => {
            for v in items {
                match v.get_ref() {
                    DeValue::String(_) if !quotation => out.push(v.span()),
                    other => collect_strings(other, quotation, out),
                }
            }
        }
        _ => {}
    }
}
