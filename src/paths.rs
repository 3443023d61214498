//! Paths named by the user, confined to a root.
//!
//! Every file the spec names (the base text, a template, a prose file) must lie inside the
//! edition folder: no absolute paths, no `..` leading out, no symlink pointing outside. The
//! Typst World applies the same rule to what markup reads (see `world`).

use std::path::{Component, Path, PathBuf};

/// Resolve `rel` inside `root`, or say why not.
pub fn inside(root: &Path, rel: &str) -> Result<PathBuf, String> {
    let p = Path::new(rel);
    if p.is_absolute() || rel.starts_with('/') || rel.starts_with('\\') {
        return Err(format!(
            "`{rel}` is an absolute path; name files relative to the edition folder"
        ));
    }
    if p.components()
        .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)))
    {
        return Err(format!(
            "`{rel}` leads out of the edition folder (`..` is not allowed)"
        ));
    }
    let joined = root.join(p);
    let root_c = root
        .canonicalize()
        .map_err(|e| format!("cannot open the edition folder `{}`: {e}", root.display()))?;
    match joined.canonicalize() {
        // A pipe or a device would block the build or never end: only files and folders.
        Ok(real) if real.starts_with(&root_c) && !(real.is_file() || real.is_dir()) => Err(
            format!("`{rel}` is not a regular file (a pipe, a socket or a device)"),
        ),
        Ok(real) if real.starts_with(&root_c) => Ok(joined),
        Ok(real) => Err(format!(
            "`{rel}` is a link to `{}`, outside the edition folder",
            real.display()
        )),
        Err(e) => Err(format!("cannot read `{rel}`: {e}")),
    }
}

/// A folder a command writes a new edition into: absent or empty, never one that holds
/// anything (an edition is never written over).
pub fn new_folder(dir: &Path) -> crate::diag::Result<()> {
    let full = dir.exists()
        && dir
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true);
    if full {
        return Err(crate::diag::Diagnostic::error(format!(
            "`{}` exists and is not empty",
            dir.display()
        ))
        .into());
    }
    Ok(())
}
