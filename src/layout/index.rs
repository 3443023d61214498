//! The indexes resolved from the plan: each index entry's words located on the lines where
//! they are printed, gathered, sorted and merged (`crate::index`), and written as the final
//! document's `index` calls after the text and the endnotes, each reference a `link` to the
//! position of its first line — no label, so no introspection.
//!
//! The index stands after the last body page, so nothing on a body page depends on it: it
//! needs no reserved width and no second layout.

use std::fmt::Write as _;

use crate::index::{self, Line, Order, Reference};
use crate::markup::{self, Printed};
use crate::spec::Spec;

use super::compose::Plan;

/// The lines the words of each of `p.index` are printed on (the same order).
pub(super) fn locate(p: &Printed, plan: &Plan) -> Vec<Reference> {
    p.index
        .iter()
        .map(|(_, r)| Reference {
            first: super::xref::line_index(&plan.lines, r.start),
            last: super::xref::line_index(&plan.lines, r.end.saturating_sub(1).max(r.start)),
        })
        .collect()
}

/// The plan's lines as index references see them: folio and number (0 for a line of the
/// title or a heading).
fn lines(p: &Printed, plan: &Plan) -> Vec<Line> {
    plan.lines
        .iter()
        .map(|l| {
            let numbered = p
                .block_at(l.range.start)
                .is_some_and(|b| p.blocks[b].kind.is_numbered());
            Line {
                page: plan.pages[l.page].number,
                number: if numbered { l.number } else { 0 },
            }
        })
        .collect()
}

/// The markup of every index with entries, in spec order: `#index(title, entries)`, each
/// entry `(headword: …, refs: (…), subs: ((sub: …, refs: (…)), …))`.
pub(super) fn markup(spec: &Spec, p: &Printed, plan: &Plan) -> String {
    let mut out = String::new();
    if spec.index_entries.is_empty() || plan.lines.is_empty() {
        return out;
    }
    let order = Order::of(spec.edition.language.get_ref());
    let at = locate(p, plan);
    let lines = lines(p, plan);
    let cite = Cite {
        p,
        plan,
        by_section: spec.reference.by_section(),
    };
    for (k, declared) in spec.indexes.iter().enumerate() {
        let entries = p
            .index
            .iter()
            .zip(at.iter().copied())
            .map(|((entry, _), r)| (&spec.index_entries[*entry], r))
            .filter(|(e, _)| e.index == k);
        let headwords = index::arrange(&order, entries, &lines);
        if headwords.is_empty() {
            continue;
        }
        let text = |s: &str| markup::lit_str(&crate::quotes::editorial(spec, s));
        let _ = write!(out, "#index({}, (", text(&declared.title));
        for h in &headwords {
            let _ = write!(
                out,
                "(headword: {}, refs: {}, subs: (",
                text(&h.text),
                references(&h.references, &lines, cite)
            );
            for s in &h.subs {
                let _ = write!(
                    out,
                    "(sub: {}, refs: {}), ",
                    text(&s.text),
                    references(&s.references, &lines, cite)
                );
            }
            out.push_str(")), ");
        }
        out.push_str("))\n");
    }
    out
}

/// How index references cite: the plan's lines, by page (`index-ref`) or by section
/// (`section-ref`).
#[derive(Clone, Copy)]
struct Cite<'a> {
    p: &'a Printed,
    plan: &'a Plan,
    by_section: bool,
}

/// An array of references, each the template's `index-ref` (or `section-ref`) linked to its
/// first line.
fn references(refs: &[Reference], lines: &[Line], cite: Cite) -> String {
    let mut out = String::from("(");
    let section = |i: usize| {
        let k = cite.plan.lines[i].section?;
        Some(cite.p.sections[k].n.clone())
    };
    for r in refs {
        let (first, last) = (lines[r.first], lines[r.last]);
        let form = if cite.by_section {
            super::xref::section_ref(
                &section(r.first),
                first.number,
                &section(r.last),
                last.number,
            )
        } else {
            format!(
                "index-ref({}, {}, {}, {})",
                first.page, first.number, last.page, last.number
            )
        };
        let y = cite.plan.lines[r.first].y;
        let _ = write!(out, "{}, ", super::xref::linked(first.page, y, &form));
    }
    out.push(')');
    out
}
