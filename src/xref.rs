//! Cross-references in the editor's words: `{{ref:name}}` in a note, a margin note or the
//! principles prints where the label `name` is anchored ("p. 12, l. 5"), as the template's
//! `xref` formats it. The syntax is doubled braces because a single brace is ordinary text
//! in every language an edition is written in; `{{{{` prints `{{`, so a literal
//! `{{ref:name}}` is written `{{{{ref:name}}`.
//!
//! This module only splits text into pieces; the spec checks the names (`spec::labels`),
//! markup gives each reference its slot in the `xrefs` array of the document and layout
//! fills the array from the final plan.

/// A piece of the editor's text: words as typed, or a reference to a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    Ref(String),
}

/// What opens a reference.
pub(crate) const OPEN: &str = "{{ref:";
/// What prints as `{{`.
const ESCAPED: &str = "{{{{";

/// Whether `c` may stand in a label's name.
pub(crate) fn name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')
}

/// Splits `s` into text and references. An opening `{{ref:` that is not closed by `}}`
/// after a name is left as text (the spec reports it).
pub(crate) fn split(s: &str) -> Vec<Piece> {
    let mut out = vec![];
    let mut text = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("{{") {
        text.push_str(&rest[..i]);
        let at = &rest[i..];
        if let Some(after) = at.strip_prefix(ESCAPED) {
            text.push_str("{{");
            rest = after;
        } else if let Some(name) = reference_at(at) {
            if !text.is_empty() {
                out.push(Piece::Text(std::mem::take(&mut text)));
            }
            out.push(Piece::Ref(name.to_string()));
            rest = &at[OPEN.len() + name.len() + 2..];
        } else {
            text.push_str("{{");
            rest = &at[2..];
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    out
}

/// The name of the reference `s` begins with (`{{ref:name}}`), if it is one.
fn reference_at(s: &str) -> Option<&str> {
    let body = s.strip_prefix(OPEN)?;
    let end = body.find("}}")?;
    let name = &body[..end];
    (!name.is_empty() && name.chars().all(name_char)).then_some(name)
}

/// The references of `s`, with their byte offsets in `s` (for locating errors).
pub(crate) fn references(s: &str) -> Vec<(usize, &str)> {
    let mut out = vec![];
    let mut i = 0;
    while let Some(k) = s[i..].find("{{") {
        let at = i + k;
        if s[at..].starts_with(ESCAPED) {
            i = at + ESCAPED.len();
        } else if let Some(name) = reference_at(&s[at..]) {
            out.push((at, name));
            i = at + OPEN.len() + name.len() + 2;
        } else {
            i = at + 2;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_references_and_escapes() {
        assert_eq!(
            split("se {{ref:kung}}, jfr {{{{ref:x}}."),
            vec![
                Piece::Text("se ".into()),
                Piece::Ref("kung".into()),
                Piece::Text(", jfr {{ref:x}}.".into()),
            ]
        );
        assert_eq!(
            split("a {{b}} {{ref:}}"),
            vec![Piece::Text("a {{b}} {{ref:}}".into())]
        );
        assert_eq!(
            references("x {{ref:a}} {{{{ref:b}} {{ref:c}}"),
            vec![(2, "a"), (24, "c")]
        );
    }
}
