//! Reading `edition.toml` one table at a time, so that one run reports every error.
//!
//! serde stops at the first error of a document: with a typo in `[text]` and another in
//! `[layout]`, the user would fix one, run again, and only then see the other. Here the TOML
//! is parsed once into a spanned tree (`toml::de::DeTable`), and each top-level table — each
//! element of an array of tables — is deserialized on its own. When a table has an unknown
//! key or a value of the wrong type, the error is kept, the offending key is taken out of the
//! tree, and the table is read again, until it reads cleanly or nothing more can be taken out.
//! A table with an error yields nothing; the checks that need it (is this siglum declared?)
//! are skipped rather than guessed at.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::diag::{Diagnostic, SourceFile};

/// The parsed document and the errors found while reading its tables.
pub(super) struct Document<'i> {
    root: DeTable<'i>,
    file: SourceFile,
    pub errors: Vec<Diagnostic>,
}

/// The elements of an array of tables that read cleanly, and whether all of them did.
pub(super) struct Listed<T> {
    pub items: Vec<Spanned<T>>,
    pub complete: bool,
}

impl<'i> Document<'i> {
    /// Parse the TOML; a syntax error (every one the parser recovers from) ends reading here.
    pub fn parse(file: &SourceFile, text: &'i str) -> Result<Self, Vec<Diagnostic>> {
        let (root, errors) = DeTable::parse_recoverable(text);
        if !errors.is_empty() {
            return Err(errors.iter().map(|e| invalid(file, e, 0..0)).collect());
        }
        Ok(Self {
            root: root.into_inner(),
            file: file.clone(),
            errors: vec![],
        })
    }

    /// Report top-level keys that are not among `known` (serde's wording).
    pub fn check_keys(&mut self, known: &'static [&'static str]) {
        for key in self.root.keys() {
            if !known.contains(&key.get_ref().as_ref()) {
                let e = <toml::de::Error as serde::de::Error>::unknown_field(key.get_ref(), known);
                self.errors.push(invalid(&self.file, &e, key.span()));
            }
        }
    }

    /// Report strings holding characters that print as nothing or break lines where the
    /// editor cannot see it: control characters (but tab and line ends) and the Unicode line
    /// and paragraph separators, as `source.txt` refuses them.
    pub fn check_strings(&mut self) {
        fn walk(v: &Spanned<DeValue<'_>>, file: &SourceFile, out: &mut Vec<Diagnostic>) {
            match v.get_ref() {
                DeValue::String(s) => {
                    if let Some(c) = s.chars().find(|&c| refused(c)) {
                        out.push(
                            Diagnostic::error(format!(
                                "this string contains the invisible character U+{:04X}",
                                c as u32
                            ))
                            .at(file, v.span())
                            .with_note("control characters (but tab and line ends) and the line and paragraph separators U+2028, U+2029 are refused: they are invisible in print"),
                        );
                    }
                }
                DeValue::Array(items) => items.iter().for_each(|i| walk(i, file, out)),
                DeValue::Table(t) => t.values().for_each(|i| walk(i, file, out)),
                _ => {}
            }
        }
        let mut out = vec![];
        for v in self.root.values() {
            walk(v, &self.file, &mut out);
        }
        self.errors.extend(out);
    }

    /// A table, or `None` when it is absent (`required` reports that) or does not read.
    pub fn table<T: DeserializeOwned>(&mut self, key: &'static str, required: bool) -> Option<T> {
        match self.root.get(key).cloned() {
            Some(value) => self.read(value),
            None => {
                if required {
                    let e = <toml::de::Error as serde::de::Error>::missing_field(key);
                    self.errors.push(invalid(&self.file, &e, 0..0));
                }
                None
            }
        }
    }

    /// An array of tables, each element read on its own (absent: empty and complete).
    pub fn array<T: DeserializeOwned>(&mut self, key: &str) -> Listed<T> {
        let Some(value) = self.root.get(key).cloned() else {
            return Listed {
                items: vec![],
                complete: true,
            };
        };
        let DeValue::Array(elements) = value.get_ref() else {
            // Not an array: serde's own message says what was expected.
            let _ = self.read::<Vec<T>>(value);
            return Listed {
                items: vec![],
                complete: false,
            };
        };
        let mut listed = Listed {
            items: vec![],
            complete: true,
        };
        for element in elements.iter() {
            let span = element.span();
            match self.read::<T>(element.clone()) {
                Some(t) => listed.items.push(Spanned::new(span, t)),
                None => listed.complete = false,
            }
        }
        listed
    }

    /// Deserialize one value, collecting every error that taking keys out can uncover.
    fn read<T: DeserializeOwned>(&mut self, mut value: Spanned<DeValue<'i>>) -> Option<T> {
        let whole = value.span();
        let mut removed: Vec<String> = vec![];
        loop {
            let error = match T::deserialize(ValueDeserializer::from(value.clone())) {
                Ok(t) if removed.is_empty() => return Some(t),
                Ok(_) => return None,
                Err(e) => e,
            };
            // A required key taken out after its own error is not missing a second time.
            let repeated = removed
                .iter()
                .any(|k| error.message() == format!("missing field `{k}`"));
            if !repeated {
                self.errors.push(invalid(&self.file, &error, whole.clone()));
            }
            let span = error.span().unwrap_or(whole.clone());
            match remove_at(value.get_mut(), &span) {
                Some(key) if !repeated => removed.push(key),
                _ => return None,
            }
        }
    }
}

/// A character no string of the spec (nor the base text) may hold.
pub(crate) fn refused(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The diagnostic for a TOML or serde error (`span` when the error has none).
fn invalid(file: &SourceFile, e: &toml::de::Error, span: Range<usize>) -> Diagnostic {
    let at = e.span().unwrap_or(span);
    let message = e.message().trim();
    if message.starts_with("duplicate") {
        return duplicate(file, message, at);
    }
    Diagnostic::error(format!("invalid spec: {message}")).at(file, at)
}

/// A key (or table) defined twice: named, with where it was first defined (the same key
/// earlier in its table, the same header earlier in the file).
fn duplicate(file: &SourceFile, message: &str, at: Range<usize>) -> Diagnostic {
    let text = &file.text;
    let Some(name) = text
        .get(at.clone())
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        return Diagnostic::error(format!("invalid spec: {message}")).at(file, at);
    };
    let line_start = text[..at.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at.start..]
        .find('\n')
        .map_or(text.len(), |i| at.start + i);
    let line = text[line_start..line_end].trim();
    let header = line.starts_with('[');
    let key_of = |l: &str| {
        l.split('=')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"')
            .to_string()
    };
    let mut first = None;
    // The lines before, last first (`end`: where each ends; CR of a CRLF kept, then trimmed).
    let mut end = line_start.saturating_sub(1);
    for earlier in text[..end].rsplit('\n') {
        let start = end - earlier.len();
        let t = earlier.trim();
        let found = if header {
            t == line
        } else if t.starts_with('[') {
            break;
        } else {
            !t.is_empty() && !t.starts_with('#') && key_of(t) == key_of(line)
        };
        if found {
            first = Some(start..start + earlier.trim_end().len());
            break;
        }
        end = start.saturating_sub(1);
    }
    let what = if header { "table" } else { "key" };
    let d = Diagnostic::error(format!(
        "invalid spec: duplicate {what} `{}`",
        name.trim_matches(['[', ']', '"'])
    ))
    .at(file, at);
    match first {
        Some(r) => d.with_label(file, r, "first defined here"),
        None => d,
    }
}

/// Take out the key (or array element) whose key or value is at `span`, anywhere in the tree;
/// returns its name.
fn remove_at(value: &mut DeValue<'_>, span: &Range<usize>) -> Option<String> {
    match value {
        DeValue::Table(table) => {
            let hit = table
                .iter()
                .find(|(k, v)| k.span() == *span || v.span() == *span)
                .map(|(k, _)| k.clone());
            if let Some(key) = hit {
                table.remove(&key);
                return Some(key.into_inner().into_owned());
            }
            table
                .iter_mut()
                .find_map(|(_, v)| remove_at(v.get_mut(), span))
        }
        DeValue::Array(array) => {
            if array.iter().any(|v| v.span() == *span) {
                *array = array
                    .iter()
                    .filter(|v| v.span() != *span)
                    .cloned()
                    .collect();
                return Some(String::new());
            }
            array.iter_mut().find_map(|v| remove_at(v.get_mut(), span))
        }
        _ => None,
    }
}
