//! Cross-references resolved from the plan: each `{{ref:name}}` names the page and lines
//! where its label's words are printed, and whether that is the page the reference itself
//! is printed on. The final document receives them as its `xrefs` array; before the plan
//! (galley, measurements) every slot is the widest form (`markup::xref_markup`), so the
//! apparatus lines the page builder broke hold the real references, never wider.

use std::fmt::Write as _;

use crate::markup::{Atom, Printed, XRefFrom};

use super::compose::{Plan, PlannedLine};

/// A cross-reference as printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The folio of the page the label's first word is on (index into the document's
    /// pages: `page - 1`).
    pub page: usize,
    pub line: u32,
    pub line_end: u32,
    /// The reference is printed on the page it cites.
    pub same_page: bool,
    /// The baseline of the label's first line, pt from the page's top (the link's target).
    pub y: f64,
    /// The sections of the label's first and last lines, where the text has sections.
    pub section: Option<String>,
    pub section_end: Option<String>,
}

/// Every cross-reference of `p.xrefs`, in slot order.
pub fn resolve(p: &Printed, plan: &Plan) -> Vec<Resolved> {
    p.xrefs
        .iter()
        .enumerate()
        .map(|(slot, x)| {
            let range = &p.labels[x.label];
            let first = line_at(&plan.lines, range.start);
            let last = line_at(&plan.lines, range.end.saturating_sub(1).max(range.start));
            let printed_on = match x.from {
                XRefFrom::Entry(_) => page_of_slot(plan, slot),
                XRefFrom::Margin { pos } => Some(line_at(&plan.lines, pos).page),
                XRefFrom::Front => None,
            };
            let name = |l: &PlannedLine| l.section.map(|k| p.sections[k].n.clone());
            Resolved {
                page: plan.pages[first.page].number,
                line: first.number,
                line_end: last.number,
                same_page: printed_on == Some(first.page),
                y: first.y,
                section: name(first),
                section_end: name(last),
            }
        })
        .collect()
}

/// The planned line holding printed byte `pos`.
fn line_at(lines: &[PlannedLine], pos: usize) -> &PlannedLine {
    &lines[line_index(lines, pos)]
}

/// The index of the planned line holding printed byte `pos` (`lines` is not empty).
pub(super) fn line_index(lines: &[PlannedLine], pos: usize) -> usize {
    lines
        .partition_point(|l| l.range.end <= pos)
        .min(lines.len() - 1)
}

/// `body` linked to the line with baseline `y` (pt from the page's top) of folio `page`:
/// the link goes a little above the line, so that the viewer shows it whole.
pub(super) fn linked(page: usize, y: f64, body: &str) -> String {
    format!(
        "link((page: {page}, x: 0pt, y: {:.1}pt), {body})",
        (y - 12.0).max(0.0)
    )
}

/// The page (index into `plan.pages`) whose apparatus prints slot `slot`; `None` among the
/// endnotes.
fn page_of_slot(plan: &Plan, slot: usize) -> Option<usize> {
    let prefix = format!("{slot},");
    let holds = |a: &Atom| matches!(a, Atom::Call("xrefs.at", args) if args.starts_with(&prefix));
    plan.pages.iter().position(|page| {
        page.apparatus
            .iter()
            .any(|b| b.lines.iter().flatten().any(|t| t.token.iter().any(holds)))
    })
}

/// The final document's `xrefs` array: each reference as the template prints it (by page
/// and line, or `by_section` and line), linked to the line it cites.
pub fn definition(resolved: &[Resolved], by_section: bool) -> String {
    let mut out = String::from("#let xrefs = (");
    for r in resolved {
        let form = if by_section {
            section_ref(&r.section, r.line, &r.section_end, r.line_end)
        } else {
            format!(
                "xref({}, {}, {}, {})",
                r.page, r.line, r.line_end, r.same_page
            )
        };
        let _ = write!(out, "{}, ", linked(r.page, r.y, &form));
    }
    out.push_str(")\n");
    out
}

/// The template's `section-ref(section, line, section-end, line-end)` (a section is a
/// string, or none before the first).
pub(super) fn section_ref(
    section: &Option<String>,
    line: u32,
    section_end: &Option<String>,
    line_end: u32,
) -> String {
    let name = |s: &Option<String>| s.as_deref().map_or("none".into(), crate::markup::lit_str);
    format!(
        "section-ref({}, {line}, {}, {line_end})",
        name(section),
        name(section_end)
    )
}
