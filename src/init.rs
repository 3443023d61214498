//! `apparat init`: a small, valid edition to start from — three witnesses and a group, a
//! heading, a positive critical apparatus (an emendation of the sample's typo, variants of
//! the group and of a witness before correction, an editorial supplement, a lacuna), a note
//! and a margin note — that builds out of the box and shows the spec's vocabulary.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Result};

const SOURCE: &str = "A Sample Text\n\n\
1. Of beginnings\n\
Every edition begins with a text as it was recieved, with its line breaks \n\
and its errors. The editor does not change the text; the editor writes down \n\
what should be read instead, and why.\n\n\
The apparatus at the foot of the page records each such decision, keyed to \n\
the line where it applies, so that readers can check the evidence for \n\
themselves.\n";

/// Create a new edition folder at `dir` (which must not exist or be empty). Its spec names
/// `source.txt` with the text's sha256, so the base text is checked from the first build on.
pub fn init(dir: &Path) -> Result<()> {
    if dir.exists()
        && dir
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(
            Diagnostic::error(format!("`{}` exists and is not empty", dir.display())).into(),
        );
    }
    std::fs::create_dir_all(dir).map_err(|e| crate::diag::io_error("cannot create", dir, &e))?;
    let sha = crate::text::hex(&Sha256::digest(SOURCE.as_bytes()));
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "edition".into());
    // The folder's name as a TOML string: quotes and backslashes in it are escaped.
    let name = toml::Value::String(name).to_string();
    let spec = format!(
        r#"[edition]
title = "A Sample Text"
short-title = {name}
editors = ["Your Name"]
language = "en"
version = "0.1.0"
date = 2026-01-01
license = "CC-BY-4.0"
principles = "principles.md"

[text]
file = "source.txt"
sha256 = "{sha}"
base = "A"

[[witness]]
siglum = "A"
description = "The text as received."
hands = ["1", "2"]          # readings may cite `A^1`, `A^2`; any witness `A^ac`, `A^pc`

[[witness]]
siglum = "B"
description = "A later copy."

[[witness]]
siglum = "C"
description = "A copy that breaks off."

[[witness]]                 # a group: printed `β` wherever B and C are extant and agree
siglum = "β"
members = ["B", "C"]

[[lacuna]]                  # C lacks the last paragraph: `The apparatus … ] deest C`
witness = "C"
from = "The apparatus at the foot"
to = "themselves."

[structure]
title = "A Sample Text"

[[heading]]
at = "1. Of beginnings"

[layout]
paper = "a5"
line-numbers = {{ every = 5, restart = "page" }}

[[series]]
id = "critical"
title = "Critical apparatus"
kind = "critical"
positive = true             # the lemma's witnesses, computed: `breaks A] break β`

[[series]]
id = "notes"
title = "Notes"
kind = "commentary"

[[entry]]                   # an emendation: the apparatus prints `received] corr.; recieved A`
series = "critical"
at = "recieved"
emend = "received"

[[entry]]
series = "critical"
at = "line breaks"
readings = [{{ wit = ["β"], text = "line break" }}]

[[entry]]                   # A before correction, and B: `writes Apc C] write Aac B`
series = "critical"
at = "writes"
readings = [{{ wit = ["A^ac", "B"], text = "write" }}]

[[entry]]                   # an editorial supplement: printed `so that ⟨all⟩ readers`
series = "critical"
at = "so that"
sign = "supplement"
text = "all"
resp = "Your Name"

[[entry]]
series = "notes"
at = "apparatus"
note = "From Latin apparatus, 'equipment'."

[[margin]]
at = "The apparatus at the foot"
text = "The apparatus"
"#
    );
    let principles = "# Editorial principles\n\nThe base text is reproduced as received; line breaks and spaces are normalised silently. \
The apparatus records every intervention.\n";
    for (f, t) in [
        ("edition.toml", spec.as_str()),
        ("source.txt", SOURCE),
        ("principles.md", principles),
    ] {
        let p = dir.join(f);
        std::fs::write(&p, t).map_err(|e| crate::diag::io_error("cannot write", &p, &e))?;
    }
    Ok(())
}
