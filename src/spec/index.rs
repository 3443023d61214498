//! `[[index]]` and `[[index-entry]]`: the edition's indexes (of names, of places, of
//! passages cited …) and what they list.
//!
//! An index entry is stand-off markup like every other decision: it quotes the words it
//! indexes, so the base text is never marked up, and its page and line are known from the
//! laid-out pages, exact on the first build. The headword is the editor's (an index lists
//! "Kerenskij, Aleksandr" where the text says "Kerenskij"); by default it is the quoted words.

use serde::Deserialize;
use toml::Spanned;

use super::{Checks, Quote, RawIndexEntry, check_quote, read};

/// `[[index]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIndex {
    id: Spanned<String>,
    title: Spanned<String>,
}

/// An index the edition prints after the text.
#[derive(Debug, Clone)]
pub struct Index {
    pub id: Spanned<String>,
    /// Its heading ("Personregister", "Index nominum").
    pub title: String,
}

/// One place an index cites: the quoted words, under a headword and optionally a sub-entry.
#[derive(Debug, Clone)]
pub struct IndexEntry {
    /// Index into `Spec::indexes`.
    pub index: usize,
    pub quote: Quote,
    /// The headword as the index prints it (the quoted words where none is given).
    pub headword: String,
    /// A sub-entry under the headword.
    pub sub: Option<String>,
    /// How the headword sorts, where that differs from how it reads ("Goethe" for
    /// "von Goethe, Johann Wolfgang").
    pub sort: Option<String>,
    /// Every occurrence of the quoted words is cited (`all = true`), not one.
    pub all: bool,
    /// Span of the whole `[[index-entry]]` table (for diagnostics).
    pub span: std::ops::Range<usize>,
}

/// The declared indexes (ids unique, titles not empty) and the entries of each, every entry
/// naming a declared index (or leaving it out where there is one), with a headword.
pub(super) fn check_indexes(
    indexes: &read::Listed<RawIndex>,
    entries: &read::Listed<RawIndexEntry>,
    c: &mut Checks,
) -> (Vec<Index>, Vec<IndexEntry>) {
    let declared = declared_indexes(indexes, c);
    let out = check_entries(entries, &declared, indexes.complete, c);
    check_sort_keys(&out, entries, c);
    for (k, index) in declared.iter().enumerate() {
        if entries.complete && !out.iter().any(|e| e.index == k) {
            let warning = crate::diag::Diagnostic::warning(format!(
                "index `{}` has no entries: it is not printed",
                index.id.get_ref()
            ))
            .at(&c.file, index.id.span())
            .with_note("list what it indexes in [[index-entry]] tables naming it");
            c.warnings.push(warning);
        }
    }
    (declared, out)
}

/// `[[index]]`: ids that are names, each once; a title.
fn declared_indexes(indexes: &read::Listed<RawIndex>, c: &mut Checks) -> Vec<Index> {
    let mut declared: Vec<Index> = vec![];
    for raw in indexes.items.iter().map(Spanned::get_ref) {
        let id = raw.id.get_ref();
        if id.is_empty() || !id.chars().all(crate::xref::name_char) {
            c.error(
                raw.id.span(),
                format!("index `{id}`: an index's id is letters, digits and `-_.:`"),
            );
        } else if declared.iter().any(|i| i.id.get_ref() == id) {
            c.error(raw.id.span(), format!("duplicate index id `{id}`"));
        }
        if raw.title.get_ref().trim().is_empty() {
            c.error(raw.title.span(), "an index needs a title (its heading)");
        }
        declared.push(Index {
            id: raw.id.clone(),
            title: raw.title.get_ref().trim().to_string(),
        });
    }
    declared
}

/// `[[index-entry]]`: a quotation, an index, words for the headword, sub-entry and sort key.
fn check_entries(
    entries: &read::Listed<RawIndexEntry>,
    declared: &[Index],
    complete: bool,
    c: &mut Checks,
) -> Vec<IndexEntry> {
    let mut out = vec![];
    for e in &entries.items {
        let raw = e.get_ref();
        let quote = raw.quote();
        check_quote(&quote, c);
        let all = raw.all.as_ref().is_some_and(|a| *a.get_ref());
        if let (true, Some(o)) = (all, &raw.occurrence) {
            c.error(
                o.span(),
                "`all = true` cites every occurrence: leave out `occurrence`",
            );
        }
        let index = which_index(raw, e.span(), declared, complete, c);
        let headword = match &raw.headword {
            Some(h) => words(h, "headword", c),
            None => Some(crate::text::normalize(raw.at.get_ref())),
        };
        // `None`: given but empty; `Some(None)`: not given.
        let optional = |s: &Option<Spanned<String>>, what: &str, c: &mut Checks| match s {
            Some(s) => words(s, what, c).map(Some),
            None => Some(None),
        };
        let sub = optional(&raw.sub, "sub-entry", c);
        let sort = optional(&raw.sort, "sort key", c);
        if let (Some(index), Some(headword), Some(sub), Some(sort)) = (index, headword, sub, sort) {
            out.push(IndexEntry {
                index,
                quote,
                headword,
                sub,
                sort,
                all,
                span: e.span(),
            });
        }
    }
    out
}

/// The index an entry belongs to: the one it names, or the only one declared.
fn which_index(
    raw: &RawIndexEntry,
    span: std::ops::Range<usize>,
    declared: &[Index],
    complete: bool,
    c: &mut Checks,
) -> Option<usize> {
    let ids = || {
        let ids: Vec<&str> = declared.iter().map(|i| i.id.get_ref().as_str()).collect();
        format!("declared indexes: {}", ids.join(", "))
    };
    match &raw.index {
        Some(name) => {
            let found = declared
                .iter()
                .position(|i| i.id.get_ref() == name.get_ref());
            if found.is_none() && complete {
                let d = c.diag(
                    name.span(),
                    format!("undeclared index `{}`", name.get_ref()),
                );
                let d = if declared.is_empty() {
                    d.with_note("declare it with an [[index]] table (`id` and `title`)")
                } else {
                    d.with_note(ids())
                };
                c.errors.push(d);
            }
            found
        }
        None if declared.len() == 1 => Some(0),
        None if !complete => None,
        None if declared.is_empty() => {
            let d = c
                .diag(span, "an index entry, but no index is declared")
                .with_note("declare one with an [[index]] table (`id` and `title`)");
            c.errors.push(d);
            None
        }
        None => {
            let d = c
                .diag(
                    span,
                    "which index? the edition declares several: name one with `index = \"…\"`",
                )
                .with_note(ids());
            c.errors.push(d);
            None
        }
    }
}

/// The words of a headword, sub-entry or sort key, spaces collapsed; empty is an error.
fn words(s: &Spanned<String>, what: &str, c: &mut Checks) -> Option<String> {
    let words = crate::text::normalize(s.get_ref());
    if words.is_empty() {
        c.error(
            s.span(),
            format!("an empty {what}: an index entry prints words"),
        );
        return None;
    }
    Some(words)
}

/// One headword of an index sorts one way: two entries giving it different `sort` keys
/// contradict each other.
fn check_sort_keys(entries: &[IndexEntry], raw: &read::Listed<RawIndexEntry>, c: &mut Checks) {
    let sort_span = |e: &IndexEntry| {
        raw.items
            .iter()
            .find(|r| r.span() == e.span)
            .and_then(|r| r.get_ref().sort.as_ref())
            .map(Spanned::span)
    };
    for (k, e) in entries.iter().enumerate() {
        let Some(sort) = &e.sort else { continue };
        let earlier = entries[..k].iter().find(|x| {
            x.index == e.index && x.headword == e.headword && x.sort.is_some() && x.sort != e.sort
        });
        if let (Some(first), Some(span)) = (earlier, sort_span(e)) {
            let (line, _) = c.file.line_col(first.span.start);
            let d = c
                .diag(
                    span,
                    format!(
                        "`{}` sorts as `{sort}` here but as `{}` on line {line}",
                        e.headword,
                        first.sort.as_deref().unwrap_or("")
                    ),
                )
                .with_note("give a headword's `sort` once, or the same on each of its entries");
            c.errors.push(d);
        }
    }
}
