//! Typographic quotation marks for what the editor types.
//!
//! Editors type `"` and `'` on their keyboards; a printed edition uses the marks of its
//! language (Swedish ”…” ’…’, English “…” ‘…’, German „…“ ‚…‘, French « … », Danish »…«).
//! The mark typed says the level: `"` is the language's primary pair, `'` its secondary
//! pair, so nesting is what the editor wrote and never guessed. Whether a mark opens or
//! closes is read from its neighbours (after a space, an opening bracket, a dash or an
//! opening mark it opens; otherwise it closes), and a `'` between letters or digits, or one
//! that closes nothing, is an apostrophe (’).
//!
//! This is applied to the editor's own words (notes, margin notes, principles, the title
//! page) and, where `[text] typographic-quotes` is set, to the printed base text through the
//! edits of `markup::Printed` — never to `source.txt`, and never to readings, which report
//! what a witness has (see `markup::entry_tokens`).

use std::ops::Range;

/// The quotation marks of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Style {
    /// Opening and closing mark of the primary pair (typed `"`), with any spacing they
    /// carry (French: a narrow no-break space inside the guillemets).
    pub double: (&'static str, &'static str),
    /// Opening and closing mark of the secondary pair (typed `'`).
    pub single: (&'static str, &'static str),
}

/// The apostrophe, in every language.
pub(crate) const APOSTROPHE: &str = "\u{2019}";

const ENGLISH: Style = Style {
    double: ("\u{201c}", "\u{201d}"),
    single: ("\u{2018}", "\u{2019}"),
};
const SWEDISH: Style = Style {
    double: ("\u{201d}", "\u{201d}"),
    single: ("\u{2019}", "\u{2019}"),
};
const GERMAN: Style = Style {
    double: ("\u{201e}", "\u{201c}"),
    single: ("\u{201a}", "\u{2018}"),
};
const SWISS: Style = Style {
    double: ("\u{ab}", "\u{bb}"),
    single: ("\u{2039}", "\u{203a}"),
};
const FRENCH: Style = Style {
    double: ("\u{ab}\u{202f}", "\u{202f}\u{bb}"),
    single: ("\u{201c}", "\u{201d}"),
};
const DANISH: Style = Style {
    double: ("\u{bb}", "\u{ab}"),
    single: ("\u{203a}", "\u{2039}"),
};
const NORWEGIAN: Style = Style {
    double: ("\u{ab}", "\u{bb}"),
    single: ("\u{2018}", "\u{2019}"),
};
const SOUTHERN: Style = Style {
    double: ("\u{ab}", "\u{bb}"),
    single: ("\u{201c}", "\u{201d}"),
};
const RUSSIAN: Style = Style {
    double: ("\u{ab}", "\u{bb}"),
    single: ("\u{201e}", "\u{201c}"),
};
const POLISH: Style = Style {
    double: ("\u{201e}", "\u{201d}"),
    single: ("\u{ab}", "\u{bb}"),
};
const HUNGARIAN: Style = Style {
    double: ("\u{201e}", "\u{201d}"),
    single: ("\u{bb}", "\u{ab}"),
};

/// The marks for a BCP 47 language tag (`sv`, `en-GB`, `de-CH`); English for languages
/// not listed.
pub(crate) fn style(lang: &str) -> Style {
    let lang = lang.to_ascii_lowercase();
    let mut parts = lang.split(['-', '_']);
    let primary = parts.next().unwrap_or("");
    let region = parts.next().unwrap_or("");
    match primary {
        "sv" | "fi" => SWEDISH,
        "de" if matches!(region, "ch" | "li") => SWISS,
        "de" | "cs" | "sk" | "sl" | "is" | "lt" | "et" => GERMAN,
        "fr" => FRENCH,
        "da" => DANISH,
        "nb" | "nn" | "no" => NORWEGIAN,
        "it" | "es" | "pt" | "ca" | "el" | "gl" | "eu" => SOUTHERN,
        "ru" | "uk" | "be" | "bg" => RUSSIAN,
        "pl" | "ro" => POLISH,
        "hu" => HUNGARIAN,
        _ => ENGLISH,
    }
}

/// One straight mark to replace: `range` is the mark's bytes in the text (widened over an
/// adjacent space where the language's mark brings its own spacing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    pub range: Range<usize>,
    pub text: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Double,
    Single,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Open,
    Close,
    Apostrophe,
}

/// Characters after which a mark opens.
fn opens_after(c: char) -> bool {
    c.is_whitespace()
        || "([{\u{201c}\u{201e}\u{2018}\u{201a}\u{ab}\u{2039}\u{bf}\u{a1}".contains(c)
        || is_dash(c)
}

/// Characters before which a mark closes.
fn closes_before(c: char) -> bool {
    c.is_whitespace() || ")]}.,;:!?\u{2026}\u{201d}\u{2019}\u{bb}\u{203a}".contains(c) || is_dash(c)
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2013}' | '\u{2014}' | '\u{2015}')
}

/// The edits that make the straight marks of `s` typographic, in text order, never
/// overlapping.
pub(crate) fn edits(s: &str, style: Style) -> Vec<Edit> {
    let mut out: Vec<Edit> = vec![];
    // Open marks, innermost last.
    let mut open: Vec<Kind> = vec![];
    // The role of the mark just before, when the previous character was a mark.
    let mut previous_mark: Option<(usize, Role)> = None;
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let kind = match c {
            '"' => Kind::Double,
            '\'' => Kind::Single,
            _ => continue,
        };
        let prev = k.checked_sub(1).map(|p| chars[p].1);
        let next = chars.get(k + 1).map(|n| n.1);
        let after_opening = match previous_mark {
            Some((end, role)) if end == i => role == Role::Open,
            _ => prev.is_none_or(opens_after),
        };
        let before_closing = next.is_none_or(closes_before);
        let role = role(kind, prev, next, after_opening, before_closing, &open);
        match role {
            Role::Open => open.push(kind),
            Role::Close => {
                if let Some(p) = open.iter().rposition(|&o| o == kind) {
                    open.truncate(p);
                }
            }
            Role::Apostrophe => {}
        }
        let pair = match kind {
            Kind::Double => style.double,
            Kind::Single => style.single,
        };
        let (text, range) = match role {
            Role::Open => (pair.0, widen(s, i..i + 1, pair.0, &out, false)),
            Role::Close => (pair.1, widen(s, i..i + 1, pair.1, &out, true)),
            Role::Apostrophe => (APOSTROPHE, i..i + 1),
        };
        previous_mark = Some((i + 1, role));
        out.push(Edit { range, text });
    }
    out
}

/// Whether a mark opens, closes or is an apostrophe.
fn role(
    kind: Kind,
    prev: Option<char>,
    next: Option<char>,
    after_opening: bool,
    before_closing: bool,
    open: &[Kind],
) -> Role {
    let is_open = open.contains(&kind);
    let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    match kind {
        Kind::Single if alnum(prev) && alnum(next) => Role::Apostrophe,
        // '90s, 'tis before a digit: an elision.
        Kind::Single if after_opening && next.is_some_and(|c| c.is_ascii_digit()) => {
            Role::Apostrophe
        }
        _ if after_opening && !before_closing => Role::Open,
        // A mark standing alone between spaces (French typing: `" mot "`).
        _ if after_opening && is_open => Role::Close,
        Kind::Double if after_opening => Role::Open,
        Kind::Single if after_opening => Role::Apostrophe,
        Kind::Double => Role::Close,
        Kind::Single if is_open => Role::Close,
        // kiss'd at a word's end, the boys' books: nothing to close.
        Kind::Single => Role::Apostrophe,
    }
}

/// A mark that brings its own inner spacing swallows a typed space on its inner side.
fn widen(
    s: &str,
    r: Range<usize>,
    mark: &'static str,
    done: &[Edit],
    closing: bool,
) -> Range<usize> {
    let spaced = mark.chars().count() > 1;
    let is_space = |c: char| c == ' ' || c == '\u{a0}' || c == '\u{202f}';
    if !spaced {
        return r;
    }
    if closing {
        let free_from = done.last().map_or(0, |e| e.range.end);
        match s[..r.start].chars().next_back() {
            Some(c) if is_space(c) && r.start - c.len_utf8() >= free_from => {
                r.start - c.len_utf8()..r.end
            }
            _ => r,
        }
    } else {
        match s[r.end..].chars().next() {
            Some(c) if is_space(c) => r.start..r.end + c.len_utf8(),
            _ => r,
        }
    }
}

/// `s` with its straight marks made typographic.
pub(crate) fn apply(s: &str, style: Style) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut at = 0;
    for e in edits(s, style) {
        out.push_str(&s[at..e.range.start]);
        out.push_str(e.text);
        at = e.range.end;
    }
    out.push_str(&s[at..]);
    out
}

/// `s` for print in the spec's language, when the spec has typographic quotes for the
/// editor's words on (`[edition] typographic-quotes`, the default).
pub(crate) fn editorial(spec: &crate::spec::Spec, s: &str) -> String {
    if spec.edition.typographic_quotes.unwrap_or(true) {
        apply(s, style(spec.edition.language.get_ref()))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sv(s: &str) -> String {
        apply(s, style("sv"))
    }
    fn en(s: &str) -> String {
        apply(s, style("en"))
    }
    fn de(s: &str) -> String {
        apply(s, style("de"))
    }

    #[test]
    fn languages() {
        assert_eq!(sv(r#"Han sa "nej" till mig."#), "Han sa ”nej” till mig.");
        assert_eq!(en(r#"He said "no" to me."#), "He said “no” to me.");
        assert_eq!(de(r#"Er sagte "nein"."#), "Er sagte „nein“.");
        assert_eq!(apply(r#""oui""#, style("fr")), "«\u{202f}oui\u{202f}»");
        assert_eq!(apply(r#""ja""#, style("da")), "»ja«");
        assert_eq!(apply(r#""ja""#, style("de-CH")), "«ja»");
        assert_eq!(apply(r#""da""#, style("ru")), "«da»");
        assert_eq!(apply(r#""x""#, style("tlh")), "“x”", "English by default");
        assert_eq!(apply(r#""x""#, style("SV-fi")), "”x”");
    }

    #[test]
    fn french_typed_spaces_become_narrow_no_break_spaces() {
        assert_eq!(
            apply(r#"Il dit " oui " et "non"."#, style("fr")),
            "Il dit «\u{202f}oui\u{202f}» et «\u{202f}non\u{202f}»."
        );
    }

    #[test]
    fn nesting_follows_the_typed_marks() {
        assert_eq!(
            en(r#""She said 'stop' and left.""#),
            "“She said ‘stop’ and left.”"
        );
        assert_eq!(de(r#""Er rief 'Halt!'""#), "„Er rief ‚Halt!‘“");
        assert_eq!(sv(r#""'Nej', sa hon.""#), "”’Nej’, sa hon.”");
        assert_eq!(en(r#""'Hi,' she said""#), "“‘Hi,’ she said”");
        assert_eq!(en(r#"'He said "no"'"#), "‘He said “no”’");
    }

    #[test]
    fn apostrophes() {
        assert_eq!(en("kiss'd, don't, O'Brien"), "kiss’d, don’t, O’Brien");
        assert_eq!(de("Er sagt's, in den '90ern"), "Er sagt’s, in den ’90ern");
        assert_eq!(en("the boys' books"), "the boys’ books");
        assert_eq!(de("die Jungs' Bücher"), "die Jungs’ Bücher");
        // A word-final apostrophe inside single quotes closes them.
        assert_eq!(de("'Jungs'"), "‚Jungs‘");
    }

    #[test]
    fn after_brackets_and_dashes() {
        assert_eq!(en(r#"("yes")"#), "(“yes”)");
        assert_eq!(en(r#"[and "so"]"#), "[and “so”]");
        assert_eq!(en(r#"this—"that""#), "this—“that”");
        assert_eq!(sv(r#"detta – "det""#), "detta – ”det”");
        assert_eq!(en(r#""Wait—""#), "“Wait—”");
        assert_eq!(en(r#""yes"—no"#), "“yes”—no");
    }

    #[test]
    fn at_start_and_end() {
        assert_eq!(en(r#""Start"#), "“Start");
        assert_eq!(en(r#"end""#), "end”");
        assert_eq!(en(r#"end.""#), "end.”");
        assert_eq!(en("\""), "“");
        assert_eq!(en(""), "");
        assert_eq!(en("no marks"), "no marks");
        // A quotation running over a paragraph break stays open.
        assert_eq!(en("\"one\n\"two\""), "“one\n“two”");
    }

    #[test]
    fn edits_are_ordered_and_disjoint() {
        let s = r#"Il dit " oui " et ' non ' "#;
        let e = edits(s, style("fr"));
        assert!(e.windows(2).all(|w| w[0].range.end <= w[1].range.start));
        assert_eq!(
            e[0].range,
            7..9,
            "the typed space after the mark is taken into it"
        );
        assert_eq!(e[1].range, 12..14, "the typed space before the mark");
    }
}
