//! What an import could not keep, or kept only in part: one warning per kind of element and
//! reason, with its count and the place of the first one, so that a large TEI file gives a
//! short report rather than thousands of lines.

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, SourceFile};

#[derive(Default)]
pub(crate) struct Report {
    /// (what, reason) → (count, byte offset of the first in the TEI file); `skipped` says
    /// whether anything was lost (a warning) or only its markup (a note).
    items: BTreeMap<(String, String), Item>,
}

struct Item {
    count: usize,
    first: usize,
    lost: bool,
}

impl Report {
    /// Something not kept at all (a warning).
    pub(crate) fn skipped(&mut self, what: &str, reason: &str, at: usize) {
        self.add(what, reason, at, true);
    }

    /// Something kept as its text only (a note).
    pub(crate) fn plain(&mut self, what: &str, reason: &str, at: usize) {
        self.add(what, reason, at, false);
    }

    fn add(&mut self, what: &str, reason: &str, at: usize, lost: bool) {
        let item = self
            .items
            .entry((what.to_string(), reason.to_string()))
            .or_insert(Item {
                count: 0,
                first: at,
                lost,
            });
        item.count += 1;
    }

    /// The diagnostics, warnings first, each located at the first occurrence.
    pub(crate) fn diagnostics(&self, file: &SourceFile) -> Vec<Diagnostic> {
        let mut out: Vec<(bool, Diagnostic)> = self
            .items
            .iter()
            .map(|((what, reason), item)| {
                let times = if item.count == 1 {
                    "once".to_string()
                } else {
                    format!("{} times", item.count)
                };
                let message = format!("{what} {reason} ({times}; the first here)");
                let d = if item.lost {
                    Diagnostic::warning(message)
                } else {
                    Diagnostic::note(message)
                };
                (!item.lost, d.at(file, item.first..item.first + 1))
            })
            .collect();
        out.sort_by_key(|(note, _)| *note);
        out.into_iter().map(|(_, d)| d).collect()
    }
}
