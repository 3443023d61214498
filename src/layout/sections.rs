//! The text's own reference system on the galley and the pages: the section each line
//! belongs to, where numbering starts again, and the form of a reference by section and
//! line (`3.12`, `3.12–14`, `3.12–4.2`).
//!
//! A line belongs to the section that begins on it, or else to the one in force: a
//! section beginning in mid-line owns that line, so that the line the margin numbers
//! count as its first is the line it is cited from.

use super::galley::GalleyLine;
use crate::markup::Printed;
use crate::spec::{Restart, Spec};

/// The galley line each section of `p.sections` begins on.
pub(super) fn first_lines(p: &Printed, lines: &[GalleyLine]) -> Vec<usize> {
    p.sections
        .iter()
        .map(|s| {
            lines
                .partition_point(|l| l.range.end <= s.pos)
                .min(lines.len().saturating_sub(1))
        })
        .collect()
}

/// `restart = "section"` or `"poem"` with `[[section]]`s: numbering starts again on the
/// line each section begins on (the headings then do not restart it: see
/// `verse::mark`).
pub(super) fn mark_restarts(spec: &Spec, p: &Printed, lines: &mut [GalleyLine]) {
    let restarts = matches!(
        spec.layout.line_numbers.restart.get_ref(),
        Restart::Section | Restart::Poem
    );
    if spec.sections.is_empty() || !restarts || lines.is_empty() {
        return;
    }
    for line in first_lines(p, lines) {
        lines[line].restart = true;
    }
}

/// The section of each of `lines` galley lines (index into `firsts`, the line each section
/// begins on; `None` before the first).
pub(super) fn of_lines(firsts: &[usize], lines: usize) -> Vec<Option<usize>> {
    if firsts.is_empty() {
        return vec![];
    }
    let mut k = 0;
    (0..lines)
        .map(|line| {
            while k < firsts.len() && firsts[k] <= line {
                k += 1;
            }
            k.checked_sub(1)
        })
        .collect()
}

/// A reference by section and line from its first line to its last, each a section (or
/// none, before the first) and a line number: `3.12`, `3.12–14`, `3.12–4.2`, `12`.
pub(crate) fn cite(first: (Option<&str>, u32), last: (Option<&str>, u32)) -> String {
    let at = |(section, line): (Option<&str>, u32)| match section {
        Some(s) => format!("{s}.{line}"),
        None => line.to_string(),
    };
    if first == last {
        at(first)
    } else if first.0 == last.0 {
        format!("{}–{}", at(first), last.1)
    } else {
        format!("{}–{}", at(first), at(last))
    }
}

/// The sections a page's lines `first..=last` belong to, for its running head: `3` or
/// `3–5`; `None` before the first section.
pub(super) fn head(
    p: &Printed,
    of_line: &[Option<usize>],
    first: usize,
    last: usize,
) -> Option<String> {
    let name = |line: usize| {
        of_line
            .get(line)
            .copied()
            .flatten()
            .map(|k| p.sections[k].n.as_str())
    };
    match (name(first), name(last)) {
        (Some(a), Some(b)) if a != b => Some(format!("{a}–{b}")),
        (_, Some(b)) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::cite;

    #[test]
    fn references_by_section_name_the_section_once_where_it_does_not_change() {
        assert_eq!(cite((Some("3"), 12), (Some("3"), 12)), "3.12");
        assert_eq!(cite((Some("3"), 12), (Some("3"), 14)), "3.12–14");
        assert_eq!(cite((Some("3"), 12), (Some("4"), 2)), "3.12–4.2");
        assert_eq!(cite((None, 7), (None, 8)), "7–8");
        assert_eq!(cite((None, 7), (Some("1"), 1)), "7–1.1");
        assert_eq!(cite((Some("1.2"), 3), (Some("1.2"), 3)), "1.2.3");
    }
}
