//! `apparat init`: a small, valid edition to start from — three witnesses and a group, a
//! heading, a positive critical apparatus (an emendation of the sample's typo, variants of
//! the group and of a witness before correction, an editorial supplement, a lacuna), a note
//! and a margin note — that builds out of the box and shows the spec's vocabulary.
//! `apparat init --verse`: a ballad of twelve stanzas, typed as poems are typed (one verse a
//! line, the even lines indented, a blank line between stanzas), with variants of a second
//! witness, an emendation, notes and a witness's page break.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::diag::Result;

const SOURCE: &str = "A Sample Text\n\n\
1. Of beginnings\n\
Every edition begins with a text as it was recieved, with its line breaks \n\
and its errors. The editor does not change the text; the editor writes down \n\
what should be read instead, and why.\n\n\
The apparatus at the foot of the page records each such decision, keyed to \n\
the line where it applies, so that readers can check the evidence for \n\
themselves.\n";

/// The ballad of `apparat init --verse` (the author's own, free of rights).
const BALLAD: &str = r#"The Miller's Daughter

The miller's daughter walked at dawn
  Along the river side,
And every reed bent low to hear
  The song she sang the tide.

"O river, carry word for me
  Down to the salted sea,
And tell the sailor in the bay
  To come ashore to me.

"Tell him the wheel has turned a year,
  The corn is ground and sold,
And still I keep the ring he gave
  Of thin and twisted gold."

The river heard and hurried on
  Beneath the alder shade,
Past mill and ford and market town
  Where merchents ply their trade.

It found the sailor on the quay
  Beside his tarry ship:
"Your love is waiting at the mill,"
  It murmured at his lip.

He cast his rope and left the ship,
  He took the inland road;
Three nights he slept in barn and byre
  Where no man's lantern glowed.

He came upon the mill at dusk,
  The wheel was standing still,
No light was in the miller's house,
  No smoke upon the hill.

He knocked upon the oaken door,
  He called her by her name;
An old man leaning on a stick
  Out of the shadow came.

"You come too late, too late, my lad,
  The fever took her fast;
She asked for you at candle time
  And spoke of you the last."

He went down to the river bank
  Where she had sung at morn,
And there he laid the twisted ring
  Among the reeds and corn.

The miller's wheel turns round again,
  The corn is ground and sold,
But no one sings along the bank
  Nor wears the twisted gold.

And sailors say who pass the mill
  When evening mists are grey,
They hear a song upon the tide
  That no one sings by day.
"#;

/// Create a new edition folder at `dir` (which must not exist or be empty). Its spec names
/// `source.txt` with the text's sha256, so the base text is checked from the first build on.
pub fn init(dir: &Path) -> Result<()> {
    create(dir)?;
    let sha = crate::text::hex(&Sha256::digest(SOURCE.as_bytes()));
    let spec = prose_spec(&folder_name(dir), &sha);
    let principles = "# Editorial principles\n\nThe base text is reproduced as received; line breaks and spaces are normalised silently. \
The apparatus records every intervention.\n";
    write_files(dir, &spec, SOURCE, principles)
}

/// Create a new verse edition at `dir`: the ballad, all of it verse.
pub fn init_verse(dir: &Path) -> Result<()> {
    create(dir)?;
    let sha = crate::text::hex(&Sha256::digest(BALLAD.as_bytes()));
    let spec = verse_spec(&folder_name(dir), &sha);
    let principles = "# Editorial principles\n\nThe base text is reproduced as received: each line of the \
transcription is a verse, its indentation as typed, and a blank line separates stanzas. \
Verses are numbered; a verse too long for the line turns over and keeps its number. \
The apparatus records every intervention and the readings of the second witness.\n";
    write_files(dir, &spec, BALLAD, principles)
}

/// The new edition's folder, refused when it holds anything.
fn create(dir: &Path) -> Result<()> {
    crate::paths::new_folder(dir)?;
    std::fs::create_dir_all(dir).map_err(|e| crate::diag::io_error("cannot create", dir, &e))?;
    Ok(())
}

/// The folder's name as a TOML string (quotes and backslashes in it escaped): the short title.
fn folder_name(dir: &Path) -> String {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "edition".into());
    toml::Value::String(name).to_string()
}

fn write_files(dir: &Path, spec: &str, source: &str, principles: &str) -> Result<()> {
    for (f, t) in [
        ("edition.toml", spec),
        ("source.txt", source),
        ("principles.md", principles),
    ] {
        let p = dir.join(f);
        std::fs::write(&p, t).map_err(|e| crate::diag::io_error("cannot write", &p, &e))?;
    }
    Ok(())
}

fn prose_spec(name: &str, sha: &str) -> String {
    format!(
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
    )
}

fn verse_spec(name: &str, sha: &str) -> String {
    format!(
        r#"[edition]
title = "The Miller's Daughter"
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
verse = true                # each line of source.txt a verse, a blank line between stanzas
typographic-quotes = true

[[witness]]
siglum = "A"
description = "The ballad as received: a fair copy."

[[witness]]
siglum = "B"
description = "A broadside print."

[structure]
title = "The Miller's Daughter"

[[milestone]]               # B's second page begins with the seventh stanza
at = "He came upon the mill"
witness = "B"
n = "2"

[layout]
paper = "a5"
line-numbers = {{ every = 5, restart = "poem" }}   # verses, counted per poem

[[series]]
id = "critical"
title = "Critical apparatus"
kind = "critical"

[[series]]
id = "notes"
title = "Notes"
kind = "commentary"

[[entry]]
series = "critical"
at = "merchents"
emend = "merchants"

[[entry]]
series = "critical"
at = "alder"
readings = [{{ wit = ["B"], text = "willow" }}]

[[entry]]
series = "critical"
at = "tarry"
readings = [{{ wit = ["B"], text = "tarred" }}]

[[entry]]
series = "critical"
at = "Three nights"
readings = [{{ wit = ["B"], text = "Three days" }}]

[[entry]]
series = "critical"
at = "candle time"
readings = [{{ wit = ["B"], text = "candle light" }}]

[[entry]]
series = "critical"
at = "evening mists are grey"
readings = [{{ wit = ["B"], text = "the evening mists are grey" }}]

[[entry]]
series = "notes"
at = "byre"
note = "A cowshed."

[[entry]]
series = "notes"
at = "twisted gold"
occurrence = 2
note = "The ring of the third stanza, now lost with her who kept it."
"#
    )
}
