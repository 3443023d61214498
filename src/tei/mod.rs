//! TEI P5 in and out: an edition as one TEI document, and an edition folder from a TEI
//! critical edition.
//!
//! TEI is how digital editions are exchanged and archived, so an apparat edition must be able
//! to leave apparat without losing a decision, and the TEI editions already published must be
//! able to come in. Both directions work on the values of the first stages (spec, text model,
//! resolved anchors), never on the typeset pages: TEI carries text and apparatus, not pages.
//!
//! - [`export`] writes the document (`export.rs`): the header from `[edition]` and the
//!   witnesses, the text as `div`/`head`/`p`, every apparatus entry as `app` (parallel
//!   segmentation where entries nest, double-end-point attachment where they cross), notes
//!   with targets.
//! - [`import`] reads one (`import.rs`) into `source.txt` and `edition.toml`, reporting each
//!   kind of element it could not keep.

mod export;
mod import;
mod report;
mod walk;
mod wits;
mod xml;

use std::path::Path;

use crate::diag::Result;

pub use import::{Import, ImportOptions};

/// The TEI namespace.
pub(crate) const TEI_NS: &str = "http://www.tei-c.org/ns/1.0";

/// The edition in `dir` as a TEI P5 document (valid against `tei_all`).
pub fn export(dir: &Path) -> Result<String> {
    let resolved = crate::resolve(dir)?;
    let principles = export::principles_source(&resolved.spec)?;
    Ok(export::document(&resolved, principles.as_deref()))
}

/// A new edition folder `new_dir` (`edition.toml`, `source.txt`) from the TEI file `file`;
/// what could not be kept comes back as warnings in the [`Import`].
pub fn import(file: &Path, new_dir: &Path, options: &ImportOptions) -> Result<Import> {
    import::import(file, new_dir, options)
}

/// Whether `s` can be an `xml:id` as it is: an ASCII XML name without a colon (letters,
/// digits, `_`, `-`, `.`, starting with a letter or `_`). Other sigla (`α`, `P²`, `1a`) get
/// generated ids and keep their siglum in `abbr`.
pub(crate) fn is_plain_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}
