//! An edition folder from a TEI critical edition.

use std::path::Path;

use crate::diag::{Diagnostic, Result};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The witness whose text becomes the base text (default: the lemmata).
    pub base: Option<String>,
}

/// What an import wrote and what it could not keep.
#[derive(Debug, Clone, Default)]
pub struct Import {
    pub warnings: Vec<Diagnostic>,
}

pub(super) fn import(_file: &Path, _dir: &Path, _options: &ImportOptions) -> Result<Import> {
    Err(Diagnostic::error("not yet").into())
}

impl Import {
    /// One line saying what was written.
    pub fn summary(&self) -> String {
        String::new()
    }
}
