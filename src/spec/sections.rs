//! `[reference]` and `[[section]]`: the text's own reference system.
//!
//! Readers cite a text by its own divisions (Caesar 1.2, a chapter and its line) as well as
//! by page and line. A `[[section]]` quotes the words a section begins with, stand-off like
//! every other decision, and numbers it (`n = "1.2"`, or on from the section before);
//! without any, the headings are the sections, numbered by level (`1`, `1.1`, …).
//! `[reference] cite = "section"` makes the apparatus, the cross-references and the indexes
//! cite by section and line (`3.12`), and counts the line numbers from each section.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::{Checks, Quote, RawSection, Restart, check_quote, read};

/// `[reference]`: how the edition is cited.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ReferenceSystem {
    /// What the apparatus, cross-references and indexes cite: page and line (default) or
    /// section and line.
    #[serde(default = "cite_page")]
    pub cite: Spanned<Cite>,
    /// Where the numbers of `[[section]]`s print: in the inner margin (default), in the
    /// text, or nowhere.
    #[serde(default)]
    pub numbers: SectionNumbers,
}

fn cite_page() -> Spanned<Cite> {
    Spanned::new(0..0, Cite::Page)
}

impl Default for ReferenceSystem {
    fn default() -> Self {
        ReferenceSystem {
            cite: cite_page(),
            numbers: SectionNumbers::default(),
        }
    }
}

impl ReferenceSystem {
    /// The edition is cited by section and line.
    pub fn by_section(&self) -> bool {
        *self.cite.get_ref() == Cite::Section
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cite {
    /// Page and line: `12.5`; the apparatus, at the foot of its page, gives the line alone.
    #[default]
    Page,
    /// Section and line: `3.12`, the line counted from the section's first line.
    Section,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SectionNumbers {
    /// Bold, in the inner margin beside the line the section begins on.
    #[default]
    Margin,
    /// Bold, in the text before the section's first word.
    Inline,
    /// Not printed (the text carries its own numbers).
    None,
}

/// A division of the text the edition is cited by.
#[derive(Debug, Clone)]
pub struct Section {
    /// The words the section begins with.
    pub quote: Quote,
    /// Its number as printed and cited (`3`, `1.2`, `IV.3`).
    pub n: String,
    /// Span of the `[[section]]` table.
    pub span: Range<usize>,
}

/// `[[section]]`: a quotation and a number, given or counted on from the section before
/// (its last figures plus one: `1.9` → `1.10`); each number once.
pub(super) fn check_sections(raw: &read::Listed<RawSection>, c: &mut Checks) -> Vec<Section> {
    let mut out: Vec<Section> = vec![];
    for s in &raw.items {
        let r = s.get_ref();
        let quote = r.quote();
        check_quote(&quote, c);
        let n = match &r.n {
            Some(n) => {
                let text = n.get_ref().trim();
                if text.is_empty() || text.chars().any(|ch| ch.is_whitespace() || ch == '–') {
                    c.error(
                        n.span(),
                        format!("section number `{text}`: a section's number is one word without spaces or `–`"),
                    );
                }
                text.to_string()
            }
            None => match out.last() {
                None => "1".to_string(),
                Some(before) => match next_number(&before.n) {
                    Some(n) => n,
                    None => {
                        c.error(
                            s.span(),
                            format!(
                                "the section before is `{}`, which has no figures to count on from: give this section its `n`",
                                before.n
                            ),
                        );
                        String::new()
                    }
                },
            },
        };
        if !n.is_empty() && out.iter().any(|o| o.n == n) {
            let span = r.n.as_ref().map_or(s.span(), Spanned::span);
            c.error(
                span,
                format!("section `{n}` is numbered twice: a citation must name one place"),
            );
        }
        out.push(Section {
            quote,
            n,
            span: s.span(),
        });
    }
    out
}

/// `n` with its last run of figures counted on by one: `3` → `4`, `1.9` → `1.10`, `IV.2` →
/// `IV.3`; `None` where it has no figures.
pub fn next_number(n: &str) -> Option<String> {
    let end = n.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = n[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let figures: u64 = n[start..end].parse().ok()?;
    Some(format!("{}{}{}", &n[..start], figures + 1, &n[end..]))
}

/// Citing by section counts the lines from each section (`restart = "section"`, the default
/// then) or through the document (`3.125`, Bekker-like); a count per page would make
/// `3.12` name no single line.
pub(super) fn check_reference(
    reference: &ReferenceSystem,
    restart: &Spanned<Restart>,
    c: &mut Checks,
) {
    if *reference.cite.get_ref() == Cite::Section
        && *restart.get_ref() == Restart::Page
        && !restart.span().is_empty()
    {
        let d = c
            .diag(
                restart.span(),
                "line numbers restart on every page, but the edition is cited by section and line",
            )
            .with_note("write `restart = \"section\"` (or \"document\"), or cite by page: `[reference] cite = \"page\"`");
        c.errors.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::next_number;

    #[test]
    fn numbers_count_on_from_their_last_figures() {
        assert_eq!(next_number("3").as_deref(), Some("4"));
        assert_eq!(next_number("1.9").as_deref(), Some("1.10"));
        assert_eq!(next_number("IV.2").as_deref(), Some("IV.3"));
        assert_eq!(next_number("12a").as_deref(), Some("13a"));
        assert_eq!(next_number("IV"), None);
    }
}
