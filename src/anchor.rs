//! Stage 3 — anchors: every quotation of the spec resolved to a range of the text model.
//!
//! Rules (errors are located in `edition.toml`):
//! - an apparatus entry or margin note anchors in a paragraph (titles and headings carry no
//!   line numbers, so a note there could not be cited);
//! - entries of *different* series may overlap and nest freely; within one series lemmata
//!   may nest but not partly overlap (the apparatus could not say where a reading ends);
//! - emendations and editorial signs change the printed text, so two of them may not
//!   overlap at all;
//! - a lemma may run across paragraphs and headings, but begins and ends in a paragraph;
//! - a witness is not cited inside its own lacuna (it has no text there).

mod align;

use std::ops::Range;

pub use align::{Alignment, Sides, align};

use crate::diag::{Diagnostic, Diagnostics, Result};
use crate::spec::{Citation, EntryBody, LabelTarget, Spec};
use crate::text::Text;

/// An apparatus entry with its lemma's range in the model.
#[derive(Debug, Clone)]
pub struct Lemma {
    /// Index into `spec.entries`.
    pub entry: usize,
    pub range: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct MarginAnchor {
    /// Index into `spec.margins`.
    pub margin: usize,
    pub range: Range<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Anchors {
    /// In text order (ties: longer lemma first, then spec order).
    pub lemmata: Vec<Lemma>,
    pub margins: Vec<MarginAnchor>,
    /// The witnesses' lacunae, in spec order.
    pub lacunae: Vec<LacunaRange>,
    /// Where each label of `spec.labels` is anchored (the same order).
    pub labels: Vec<Range<usize>>,
    /// Where the entries of `spec.index_entries` are anchored, in spec order (an entry
    /// with `all = true` has an anchor for every occurrence).
    pub index: Vec<IndexAnchor>,
    /// Where each `[[section]]` of `spec.sections` begins (the same order, which is the
    /// text's).
    pub sections: Vec<usize>,
    /// Warnings: lemmata so long that the apparatus can hardly be read against the text.
    pub warnings: Vec<Diagnostic>,
}

/// The range each label names: its entry's lemma, its margin note's words, or its own
/// quotation (which must lie in a paragraph: a cross-reference cites a line).
fn labels(
    spec: &Spec,
    text: &Text,
    out: &Anchors,
    cache: &mut crate::text::FindCache,
    in_paragraph: &dyn Fn(&Range<usize>) -> bool,
    errs: &mut Vec<Diagnostic>,
) -> Vec<Range<usize>> {
    let mut ranges = vec![];
    for l in &spec.labels {
        let range = match &l.target {
            LabelTarget::Entry(e) => out
                .lemmata
                .iter()
                .find(|x| x.entry == *e)
                .map(|x| x.range.clone()),
            LabelTarget::Margin(m) => out
                .margins
                .iter()
                .find(|x| x.margin == *m)
                .map(|x| x.range.clone()),
            LabelTarget::Quote(q) => match text.find_cached(spec, q, cache) {
                Ok(r) if in_paragraph(&r) => Some(r),
                Ok(_) => {
                    errs.push(spec.error(
                        q.at.span(),
                        "a label must anchor in a paragraph (a cross-reference cites a line)",
                    ));
                    None
                }
                Err(d) => {
                    errs.extend(d.0);
                    None
                }
            },
        };
        ranges.push(range.unwrap_or(0..0));
    }
    ranges
}

/// Words an index cites.
#[derive(Debug, Clone)]
pub struct IndexAnchor {
    /// Index into `spec.index_entries`.
    pub entry: usize,
    pub range: Range<usize>,
}

/// The range each index entry quotes, in a paragraph or a verse (an index cites lines); of
/// an entry with `all = true`, every occurrence there (those in the title and headings are
/// not cited).
fn index_entries(
    spec: &Spec,
    text: &Text,
    cache: &mut crate::text::FindCache,
    in_paragraph: &dyn Fn(&Range<usize>) -> bool,
    errs: &mut Vec<Diagnostic>,
) -> Vec<IndexAnchor> {
    let mut anchors = vec![];
    for (entry, e) in spec.index_entries.iter().enumerate() {
        let found = if e.all {
            text.find_every_cached(spec, &e.quote, cache)
        } else {
            text.find_cached(spec, &e.quote, cache).map(|r| vec![r])
        };
        match found {
            Ok(ranges) if ranges.iter().any(in_paragraph) => anchors.extend(
                ranges
                    .into_iter()
                    .filter(in_paragraph)
                    .map(|range| IndexAnchor { entry, range }),
            ),
            Ok(_) => errs.push(spec.error(
                e.quote.at.span(),
                "an index entry must anchor in a paragraph or a verse (an index cites lines), not in the title or a heading",
            )),
            Err(d) => errs.extend(d.0),
        }
    }
    anchors
}

/// Where each section begins: its quotation's first byte, in a paragraph or a verse (a
/// section is cited by its lines), each after the one before it in the spec.
fn sections(
    spec: &Spec,
    text: &Text,
    cache: &mut crate::text::FindCache,
    in_paragraph: &dyn Fn(&Range<usize>) -> bool,
    errs: &mut Vec<Diagnostic>,
) -> Vec<usize> {
    let mut starts: Vec<usize> = vec![];
    for (k, section) in spec.sections.iter().enumerate() {
        let start = match text.find_cached(spec, &section.quote, cache) {
            Ok(r) if in_paragraph(&r) => r.start,
            Ok(_) => {
                errs.push(spec.error(
                    section.quote.at.span(),
                    "a section must begin in a paragraph or a verse (it is cited by its lines), not in the title or a heading",
                ));
                0
            }
            Err(d) => {
                errs.extend(d.0);
                0
            }
        };
        if let Some(&before) = starts.last()
            && start != 0
            && start <= before
        {
            errs.push(
                spec.error(
                    section.quote.at.span(),
                    format!(
                        "section `{}` begins before section `{}`, listed above it",
                        section.n,
                        spec.sections[k - 1].n
                    ),
                )
                .with_note("list the [[section]] tables in the order of the text"),
            );
        }
        starts.push(start);
    }
    starts
}

/// The stretch of the text a witness lacks: from the first words it lacks to the last.
#[derive(Debug, Clone)]
pub struct LacunaRange {
    pub witness: String,
    pub range: Range<usize>,
    /// Span of the `[[lacuna]]` table.
    pub span: Range<usize>,
}

/// Lemmata of more words than this draw a warning (they print abbreviated `first … last`,
/// but a reader can no longer tell at a glance what the entry concerns).
pub(crate) const LONG_LEMMA_WORDS: usize = 25;

pub fn resolve(spec: &Spec, text: &Text) -> Result<Anchors> {
    let mut errs: Vec<Diagnostic> = vec![];
    let mut out = Anchors::default();
    let mut cache = crate::text::FindCache::across_blocks();
    let in_paragraph = |r: &Range<usize>| {
        [r.start, r.end.saturating_sub(1).max(r.start)]
            .iter()
            .all(|&p| {
                text.block_at(p)
                    .is_some_and(|b| text.blocks[b].kind.is_numbered())
            })
    };
    let mut quoted: Vec<Option<Range<usize>>> = vec![None; spec.entries.len()];
    for (i, e) in spec.entries.iter().enumerate() {
        // The notes of a facing translation quote the translation (its spec says so:
        // `text.translation`); the original's entries quote the original.
        let of_translation = spec.series[e.series].of == crate::spec::SeriesText::Translation;
        if of_translation != spec.text.translation {
            continue;
        }
        match text.find_cached(spec, &e.quote, &mut cache) {
            Ok(r) if in_paragraph(&r) => {
                quoted[i] = Some(r.clone());
                // The witness resumes at the word after the last it lacks (at the end of
                // the text, it never does).
                let r = match e.body {
                    EntryBody::Lacuna { resumes: true, .. } => match next_word(text, r.end) {
                        Some(next) => next,
                        None => continue,
                    },
                    _ => r,
                };
                let words = text.doc[r.clone()].split_whitespace().count();
                if words > LONG_LEMMA_WORDS {
                    out.warnings.push(
                        Diagnostic::warning(format!("a very long lemma ({words} words)"))
                            .at(&spec.file, e.quote.at.span())
                            .with_note("quote the words the entry is about; the apparatus prints only `first … last`"),
                    );
                }
                out.lemmata.push(Lemma { entry: i, range: r })
            }
            Ok(_) => errs.push(spec.error(
                e.quote.at.span(),
                "an apparatus entry must anchor in a paragraph, not in the title or a heading",
            )),
            Err(d) => errs.extend(d.0),
        }
    }
    for (i, m) in spec.margins.iter().enumerate() {
        match text.find_cached(spec, &m.quote, &mut cache) {
            Ok(r) if in_paragraph(&r) => out.margins.push(MarginAnchor {
                margin: i,
                range: r,
            }),
            Ok(_) => errs.push(spec.error(
                m.quote.at.span(),
                "a margin note must anchor in a paragraph",
            )),
            Err(d) => errs.extend(d.0),
        }
    }
    out.labels = labels(spec, text, &out, &mut cache, &in_paragraph, &mut errs);
    out.index = index_entries(spec, text, &mut cache, &in_paragraph, &mut errs);
    out.sections = sections(spec, text, &mut cache, &in_paragraph, &mut errs);
    sort_in_text_order(&mut out);
    lacunae(spec, &quoted, &mut out, &mut errs);
    errs.extend(overlaps(spec, &out.lemmata));
    errs.extend(cited_in_lacunae(spec, &out));
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(Diagnostics(errs))
    }
}

/// The first word after the one ending at (or holding) `pos` that lies in a paragraph or a verse:
/// `absunt` in `absunt. Eorum` is followed by `Eorum`, not by the full stop.
fn next_word(text: &Text, pos: usize) -> Option<Range<usize>> {
    let separator = |c: char| c == ' ' || c == '\n';
    let mut at = text.doc[pos..]
        .find(separator)
        .map_or(text.doc.len(), |k| pos + k);
    loop {
        let start = at + text.doc[at..].find(|c: char| !separator(c))?;
        let end = text.doc[start..]
            .find(separator)
            .map_or(text.doc.len(), |k| start + k);
        let in_paragraph = text
            .block_at(start)
            .is_some_and(|b| text.blocks[b].kind.is_numbered());
        if in_paragraph {
            return Some(start..end);
        }
        at = end;
    }
}

/// Each lacuna's range, from its `from` and `to` quotations (`quoted`: each entry's
/// quotation as resolved).
fn lacunae(
    spec: &Spec,
    quoted: &[Option<Range<usize>>],
    out: &mut Anchors,
    errs: &mut Vec<Diagnostic>,
) {
    for l in &spec.lacunae {
        let (Some(from), Some(to)) = (&quoted[l.from_entry], &quoted[l.to_entry]) else {
            continue;
        };
        if to.end <= from.start {
            let to_span = spec.entries[l.to_entry].quote.at.span();
            errs.push(
                spec.error(
                    to_span,
                    "the lacuna ends before it begins: `to` quotes words before `from`",
                )
                .with_label(
                    &spec.file,
                    spec.entries[l.from_entry].quote.at.span(),
                    "`from`",
                ),
            );
            continue;
        }
        let range = from.start..to.end;
        // A witness lacks a stretch once: two lacunae of one witness that meet or overlap
        // would record `deest` twice and `rursus adest` where it is still absent.
        if let Some(other) = out.lacunae.iter().find(|o| {
            o.witness == l.witness && o.range.start <= range.end && range.start <= o.range.end
        }) {
            errs.push(
                spec.error(
                    l.span.clone(),
                    format!(
                        "this lacuna of `{}` overlaps another of the same witness",
                        l.witness
                    ),
                )
                .with_label(&spec.file, other.span.clone(), "the other lacuna")
                .with_note("join them into one `[[lacuna]]`, or correct their `from` and `to`"),
            );
            continue;
        }
        out.lacunae.push(LacunaRange {
            witness: l.witness.clone(),
            range,
            span: l.span.clone(),
        });
    }
}

/// A witness cited by a reading whose lemma lies (in part) in that witness's lacuna.
fn cited_in_lacunae(spec: &Spec, out: &Anchors) -> Vec<Diagnostic> {
    let mut errs = vec![];
    for l in &out.lemmata {
        let readings = match &spec.entries[l.entry].body {
            EntryBody::Readings(rs)
            | EntryBody::Emend { readings: rs, .. }
            | EntryBody::Sign { readings: rs, .. } => rs,
            _ => continue,
        };
        for w in readings.iter().flat_map(|r| &r.wit) {
            let cited = Citation::parse(w.get_ref());
            let lacuna_of = |siglum: &str| {
                out.lacunae.iter().find(|x| {
                    x.witness == siglum
                        && x.range.start < l.range.end
                        && l.range.start < x.range.end
                })
            };
            let group = spec
                .witnesses
                .iter()
                .find(|x| x.is_group() && *x.siglum.get_ref() == cited.siglum);
            // A group is absent where all its members are.
            let lacuna = match group {
                Some(g) => g
                    .members
                    .iter()
                    .map(|m| lacuna_of(m.get_ref()))
                    .collect::<Option<Vec<_>>>()
                    .and_then(|all| all.first().copied()),
                None => lacuna_of(&cited.siglum),
            };
            if let Some(lacuna) = lacuna {
                let message = match group {
                    Some(_) => format!(
                        "`{}` is cited where all its members are in lacunae: none has text here",
                        w.get_ref()
                    ),
                    None => format!(
                        "`{}` is cited inside its lacuna: the witness has no text here",
                        w.get_ref()
                    ),
                };
                errs.push(
                    spec.error(w.span(), message)
                        .with_label(&spec.file, lacuna.span.clone(), "the lacuna")
                        .with_note("remove the siglum, or correct the lacuna's `from` and `to`"),
                );
            }
        }
    }
    errs
}

/// Lemmata by start (ties: longer first, then spec order); margin notes by start.
fn sort_in_text_order(out: &mut Anchors) {
    out.lemmata.sort_by(|a, b| {
        a.range
            .start
            .cmp(&b.range.start)
            .then(b.range.end.cmp(&a.range.end))
            .then(a.entry.cmp(&b.entry))
    });
    out.margins.sort_by_key(|m| (m.range.start, m.margin));
}

/// The overlap rules over lemmata in text order: within one series lemmata nest but do not
/// partly overlap; two emendations never overlap.
fn overlaps(spec: &Spec, ls: &[Lemma]) -> Vec<Diagnostic> {
    let mut errs = vec![];
    for (x, a) in ls.iter().enumerate() {
        for b in ls[x + 1..]
            .iter()
            .take_while(|b| b.range.start < a.range.end)
        {
            let (ea, eb) = (&spec.entries[a.entry], &spec.entries[b.entry]);
            let partial = b.range.end > a.range.end;
            let edits =
                |b: &EntryBody| matches!(b, EntryBody::Emend { .. } | EntryBody::Sign { .. });
            let record = |b: &EntryBody| matches!(b, EntryBody::Lacuna { .. });
            let both_emend = edits(&ea.body) && edits(&eb.body);
            let msg = if both_emend {
                Some("two emendations overlap: the printed text can follow only one")
            } else if ea.series == eb.series && partial && !record(&ea.body) && !record(&eb.body) {
                Some("lemmata of one series may nest but not partly overlap")
            } else {
                None
            };
            if let Some(msg) = msg {
                errs.push(spec.error(eb.quote.at.span(), msg).with_label(
                    &spec.file,
                    ea.quote.at.span(),
                    "the other lemma",
                ));
            }
        }
    }
    errs
}
