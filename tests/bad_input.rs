//! The catalogue of bad input: every case is a located error (JSON diagnostics give the
//! file, line and column), exit code 1, and nothing written. README's troubleshooting table
//! lists the same cases with their messages.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const SOURCE: &str = "Ett Prov\n\n1. Rubrik\nDen första raden av texten har några ord och en \nandra rad med fler ord. Texten slutar här och där.\n\nEtt nytt stycke med ord som upprepas: ord och ord.\n";

const SPEC: &str = r#"[edition]
title = "Ett Prov"
editors = ["Prov Provsson"]
language = "sv"
version = "1"
date = 2026-01-01

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "Grundtext"

[[witness]]
siglum = "B"
description = "Ett annat vittne"

[structure]
title = "Ett Prov"

[[heading]]
at = "1. Rubrik"

[[series]]
id = "kritisk"
title = "Apparat"
kind = "critical"

[[entry]]
series = "kritisk"
at = "första raden"
readings = [{ wit = ["B"], text = "andra raden" }]

[[margin]]
at = "Ett nytt stycke"
text = "Not"
"#;

struct Case {
    name: &'static str,
    /// Changes the edition folder.
    setup: fn(&Path),
    /// Part of the message.
    message: &'static str,
    /// The file the diagnostic points into (suffix), and its 1-based line, if located.
    file: Option<&'static str>,
    line: Option<usize>,
}

fn spec_replace(dir: &Path, from: &str, to: &str) {
    let p = dir.join("edition.toml");
    let s = std::fs::read_to_string(&p).unwrap();
    assert!(s.contains(from), "test setup: `{from}` not in the spec");
    std::fs::write(&p, s.replacen(from, to, 1)).unwrap();
}

fn spec_append(dir: &Path, more: &str) {
    let p = dir.join("edition.toml");
    let mut s = std::fs::read_to_string(&p).unwrap();
    s.push_str(more);
    std::fs::write(&p, s).unwrap();
}

fn source_bytes(dir: &Path, b: &[u8]) {
    std::fs::write(dir.join("source.txt"), b).unwrap();
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "malformed TOML",
            setup: |d| spec_replace(d, "version = \"1\"", "version = \"1"),
            message: "invalid spec",
            file: Some("edition.toml"),
            line: Some(5),
        },
        Case {
            name: "unknown key",
            setup: |d| spec_replace(d, "version = \"1\"", "version = \"1\"\nfavourite = 3"),
            message: "unknown field `favourite`",
            file: Some("edition.toml"),
            line: Some(6),
        },
        Case {
            name: "wrong type",
            setup: |d| spec_replace(d, "version = \"1\"", "version = 1"),
            message: "invalid type",
            file: Some("edition.toml"),
            line: Some(5),
        },
        Case {
            name: "missing required field",
            setup: |d| spec_replace(d, "version = \"1\"\n", ""),
            message: "missing field `version`",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "duplicate siglum",
            setup: |d| spec_replace(d, "siglum = \"B\"", "siglum = \"A\""),
            message: "duplicate siglum `A`",
            file: Some("edition.toml"),
            line: Some(17),
        },
        Case {
            name: "a key given twice",
            setup: |d| {
                spec_replace(
                    d,
                    "language = \"sv\"",
                    "language = \"sv\"\nlanguage = \"da\"",
                )
            },
            message: "duplicate key `language`",
            file: Some("edition.toml"),
            line: Some(5),
        },
        Case {
            name: "a siglum holding ^",
            setup: |d| spec_replace(d, "siglum = \"B\"", "siglum = \"B^x\""),
            message: "the siglum `B^x` holds `^`",
            file: Some("edition.toml"),
            line: Some(17),
        },
        Case {
            name: "a siglum holding a space",
            setup: |d| spec_replace(d, "siglum = \"B\"", "siglum = \"B B\""),
            message: "the siglum `B B` holds a space",
            file: Some("edition.toml"),
            line: Some(17),
        },
        Case {
            name: "undeclared siglum",
            setup: |d| spec_replace(d, "wit = [\"B\"]", "wit = [\"Q\"]"),
            message: "undeclared siglum `Q`",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "undeclared series",
            setup: |d| spec_replace(d, "series = \"kritisk\"", "series = \"kritik\""),
            message: "undeclared series `kritik`",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "anchor not found",
            setup: |d| spec_replace(d, "at = \"första raden\"", "at = \"första raderna\""),
            message: "quotation not found",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "ambiguous anchor",
            setup: |d| spec_replace(d, "at = \"första raden\"", "at = \"ord\""),
            message: "ambiguous quotation",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "occurrence out of range",
            setup: |d| spec_replace(d, "at = \"första raden\"", "at = \"ord\"\noccurrence = 9"),
            message: "occurrence 9",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "anchor crossing a heading",
            setup: |d| spec_replace(d, "at = \"första raden\"", "at = \"Rubrik Den första\""),
            message: "must anchor in a paragraph",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "anchor in a heading",
            setup: |d| spec_replace(d, "at = \"första raden\"", "at = \"Rubrik\""),
            message: "must anchor in a paragraph",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "heading quoting part of a line",
            setup: |d| spec_replace(d, "at = \"1. Rubrik\"", "at = \"Rubrik\""),
            message: "whole line",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "overlapping lemmata of one series",
            setup: |d| {
                spec_append(
                    d,
                    "\n[[entry]]\nseries = \"kritisk\"\nat = \"raden av texten\"\nreadings = [{ wit = [\"B\"], type = \"om\" }]\n",
                )
            },
            message: "nest but not partly overlap",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "overlapping emendations",
            setup: |d| {
                spec_append(
                    d,
                    "\n[[series]]\nid = \"b\"\ntitle = \"B\"\nkind = \"critical\"\n\n[[entry]]\nseries = \"b\"\nat = \"har några\"\nemend = \"hade några\"\n\n[[entry]]\nseries = \"kritisk\"\nat = \"några ord\"\nemend = \"få ord\"\n",
                )
            },
            message: "two emendations overlap",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "empty lemma",
            setup: |d| spec_replace(d, "at = \"första raden\"", "at = \"  \""),
            message: "empty quotation",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "entry without content",
            setup: |d| {
                spec_replace(
                    d,
                    "readings = [{ wit = [\"B\"], text = \"andra raden\" }]",
                    "",
                )
            },
            message: "needs `emend`, `readings` or `note`",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "conjecture without author",
            setup: |d| {
                spec_replace(
                    d,
                    "readings = [{ wit = [\"B\"], text = \"andra raden\" }]",
                    "readings = [{ type = \"conj\", text = \"x\" }]",
                )
            },
            message: "needs `by`",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "sha256 mismatch",
            setup: |d| {
                spec_replace(
                    d,
                    "base = \"A\"",
                    "base = \"A\"\nsha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"",
                )
            },
            message: "does not match its pinned sha256",
            file: Some("edition.toml"),
            line: Some(11),
        },
        Case {
            name: "source not UTF-8",
            setup: |d| source_bytes(d, b"Ett Prov\n\n1. Rubrik\nTrasig \xff byte\n"),
            message: "not valid UTF-8 (invalid byte 0xff at byte offset 27)",
            file: Some("source.txt"),
            line: Some(4),
        },
        Case {
            name: "NUL in the source",
            setup: |d| source_bytes(d, b"Ett Prov\n\n1. Rubrik\nEn\0nolla\n"),
            message: "control character U+0000",
            file: Some("source.txt"),
            line: Some(4),
        },
        Case {
            name: "other control character in the source",
            setup: |d| source_bytes(d, b"Ett Prov\n\n1. Rubrik\nEn\x1bescape\n"),
            message: "control character U+001B",
            file: Some("source.txt"),
            line: Some(4),
        },
        Case {
            name: "line separator in the source",
            setup: |d| source_bytes(d, "Ett Prov\n\n1. Rubrik\nEn\u{2028}rad\n".as_bytes()),
            message: "invisible character U+2028",
            file: Some("source.txt"),
            line: Some(4),
        },
        Case {
            name: "control character in a spec string",
            setup: |d| spec_replace(d, "text = \"andra raden\"", "text = \"andra\\u0007raden\""),
            message: "invisible character U+0007",
            file: Some("edition.toml"),
            line: Some(34),
        },
        Case {
            name: "paragraph separator in an emendation",
            setup: |d| {
                spec_append(
                    d,
                    "\n[[entry]]\nseries = \"kritisk\"\nat = \"Texten slutar\"\nemend = \"Texten\\u2029slutar\"\n",
                )
            },
            message: "invisible character U+2029",
            file: Some("edition.toml"),
            line: Some(43),
        },
        Case {
            name: "empty note",
            setup: |d| {
                spec_append(
                    d,
                    "\n[[series]]\nid = \"noter\"\ntitle = \"Noter\"\nkind = \"commentary\"\n\n[[entry]]\nseries = \"noter\"\nat = \"Texten slutar\"\nnote = \" \"\n",
                )
            },
            message: "`note` is empty",
            file: Some("edition.toml"),
            line: Some(48),
        },
        Case {
            name: "empty margin note",
            setup: |d| spec_replace(d, "text = \"Not\"", "text = \"\""),
            message: "the margin note's `text` is empty",
            file: Some("edition.toml"),
            line: Some(38),
        },
        Case {
            name: "source that is a pipe",
            setup: |d| {
                std::fs::remove_file(d.join("source.txt")).unwrap();
                let ok = Command::new("mkfifo")
                    .arg(d.join("source.txt"))
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(ok, "mkfifo");
            },
            message: "is not a regular file",
            file: Some("edition.toml"),
            line: Some(9),
        },
        Case {
            name: "empty source",
            setup: |d| source_bytes(d, b" \n\n"),
            message: "the base text is empty",
            file: Some("source.txt"),
            line: None,
        },
        Case {
            name: "source over the size limit",
            setup: |d| {
                let f = std::fs::File::create(d.join("source.txt")).unwrap();
                f.set_len(50 << 20).unwrap(); // 50 MB (sparse)
            },
            message: "apparat accepts at most 16 MiB",
            file: Some("edition.toml"),
            line: Some(9),
        },
        Case {
            name: "missing font",
            setup: |d| spec_append(d, "\n[layout]\nfont = \"Comic Sans\"\n"),
            message: "font `Comic Sans` is not available",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "unknown paper size",
            setup: |d| spec_append(d, "\n[layout]\npaper = \"a11\"\n"),
            message: "unknown paper size `a11`",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "margins out of range",
            setup: |d| spec_append(d, "\n[layout]\nmargins = { inner = -5 }\n"),
            message: "margin inner -5 mm is out of range",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "margins that leave no text block",
            setup: |d| spec_append(d, "\n[layout]\nmargins = { inner = 70, outer = 70 }\n"),
            message: "the margins leave a text block of",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "an outer margin too narrow for margin notes",
            setup: |d| spec_append(d, "\n[layout]\nmargins = { outer = 12 }\n"),
            message: "pt for margin notes; at least 18 pt are needed",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "zero line-number interval",
            setup: |d| spec_append(d, "\n[layout]\nline-numbers = { every = 0 }\n"),
            message: "must be a positive whole number",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "negative line-number interval",
            setup: |d| spec_append(d, "\n[layout]\nline-numbers = { every = -5 }\n"),
            message: "must be a positive whole number",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "unknown PDF standard",
            setup: |d| spec_append(d, "\n[layout]\npdf-standards = [\"a-9z\"]\n"),
            message: "unknown PDF standard",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "template outside the edition folder",
            setup: |d| spec_append(d, "\n[layout]\ntemplate = \"/etc/passwd\"\n"),
            message: "absolute path",
            file: Some("edition.toml"),
            line: None,
        },
        Case {
            name: "path with ..",
            setup: |d| spec_replace(d, "file = \"source.txt\"", "file = \"../source.txt\""),
            message: "leads out of the edition folder",
            file: Some("edition.toml"),
            line: Some(9),
        },
        Case {
            name: "symlink leading out of the folder",
            setup: |d| {
                std::fs::remove_file(d.join("source.txt")).unwrap();
                std::os::unix::fs::symlink("/etc/hostname", d.join("source.txt")).unwrap();
            },
            message: "outside the edition folder",
            file: Some("edition.toml"),
            line: Some(9),
        },
        Case {
            name: "template with a Typst error",
            setup: |d| {
                let t = common::edition::default_template();
                std::fs::write(
                    d.join("mall.typ"),
                    t.replacen("#let para(", "#let para = (\n#let oops(", 1),
                )
                .unwrap();
                spec_append(d, "\n[layout]\ntemplate = \"mall.typ\"\n");
            },
            message: "typst:",
            file: Some("mall.typ"),
            line: None,
        },
        Case {
            name: "template reading outside the sandbox",
            setup: |d| {
                let t = common::edition::default_template();
                std::fs::write(
                    d.join("mall.typ"),
                    format!("#let leak = read(\"../../../../etc/passwd\")\n{t}"),
                )
                .unwrap();
                spec_append(d, "\n[layout]\ntemplate = \"mall.typ\"\n");
            },
            message: "typst:",
            file: Some("mall.typ"),
            line: Some(1),
        },
        Case {
            name: "a text of invisible characters",
            setup: |d| {
                let minimal = "[edition]\ntitle = \"T\"\neditors = [\"E\"]\nversion = \"1\"\ndate = 2026-01-01\n\n[text]\nfile = \"source.txt\"\nbase = \"A\"\n\n[[witness]]\nsiglum = \"A\"\ndescription = \"a\"\n";
                std::fs::write(d.join("edition.toml"), minimal).unwrap();
                source_bytes(d, "\u{200b}\u{200b}\n".as_bytes())
            },
            message: "the base text prints nothing",
            file: Some("edition.toml"),
            line: Some(8),
        },
        Case {
            name: "an apparatus taller than a page",
            setup: |d| {
                let note = vec!["ord"; 3000].join(" ");
                spec_append(
                    d,
                    &format!(
                        "\n[[series]]\nid = \"n\"\ntitle = \"N\"\nkind = \"commentary\"\n\n[[entry]]\nseries = \"n\"\nat = \"Texten slutar\"\nnote = \"{note}\"\n"
                    ),
                )
            },
            message: "the apparatus of one line is taller than the page",
            file: Some("edition.toml"),
            line: Some(47),
        },
        Case {
            name: "an omission with text",
            setup: |d| {
                spec_replace(
                    d,
                    "readings = [{ wit = [\"B\"], text = \"andra raden\" }]",
                    "readings = [{ wit = [\"B\"], type = \"om\", text = \"ignored?\" }]",
                )
            },
            message: "an omission has no `text`",
            file: Some("edition.toml"),
            line: Some(34),
        },
        Case {
            name: "a conjecture with witnesses",
            setup: |d| {
                spec_replace(
                    d,
                    "readings = [{ wit = [\"B\"], text = \"andra raden\" }]",
                    "readings = [{ wit = [\"B\"], type = \"conj\", text = \"x\", by = \"Ed.\" }]",
                )
            },
            message: "a conjecture is an editor's proposal, not a witness's reading",
            file: Some("edition.toml"),
            line: Some(34),
        },
        Case {
            name: "a witness reading with an author",
            setup: |d| {
                spec_replace(
                    d,
                    "readings = [{ wit = [\"B\"], text = \"andra raden\" }]",
                    "readings = [{ wit = [\"B\"], text = \"x\", by = \"Ed.\" }]",
                )
            },
            message: "`by` names who proposed a conjecture",
            file: Some("edition.toml"),
            line: Some(34),
        },
        Case {
            name: "a transposition of one word",
            setup: |d| {
                spec_replace(d, "at = \"första raden\"", "at = \"första\"");
                spec_replace(
                    d,
                    "readings = [{ wit = [\"B\"], text = \"andra raden\" }]",
                    "readings = [{ wit = [\"B\"], type = \"transp\" }]",
                )
            },
            message: "a transposition needs a lemma of two or more words",
            file: Some("edition.toml"),
            line: Some(34),
        },
        Case {
            name: "a note in a critical series",
            setup: |d| {
                spec_replace(
                    d,
                    "readings = [{ wit = [\"B\"], text = \"andra raden\" }]",
                    "note = \"En not\"",
                )
            },
            message: "a critical series holds readings and emendations; a `note` belongs in a commentary or sources series",
            file: Some("edition.toml"),
            line: Some(34),
        },
        Case {
            name: "readings in a commentary series",
            setup: |d| spec_replace(d, "kind = \"critical\"", "kind = \"commentary\""),
            message: "a commentary series holds notes; `readings` belong in a critical series (`kind = \"critical\"`)",
            file: Some("edition.toml"),
            line: Some(34),
        },
        Case {
            name: "font size out of range",
            setup: |d| spec_append(d, "\n[layout]\nfont-size = 100\n"),
            message: "font-size 100 pt is out of range (4–72)",
            file: Some("edition.toml"),
            line: Some(41),
        },
        Case {
            name: "a malformed sha256",
            setup: |d| spec_replace(d, "base = \"A\"", "base = \"A\"\nsha256 = \"94315af6\""),
            message: "sha256 must be 64 hexadecimal digits",
            file: Some("edition.toml"),
            line: Some(11),
        },
        Case {
            name: "a language that is not a language code",
            setup: |d| spec_replace(d, "language = \"sv\"", "language = \"svenska\""),
            message: "language `svenska` is not a two- or three-letter ISO 639 code",
            file: Some("edition.toml"),
            line: Some(4),
        },
        Case {
            name: "milestone of an undeclared witness",
            setup: |d| {
                spec_append(
                    d,
                    "\n[[milestone]]\nat = \"Ett nytt\"\nwitness = \"Z\"\nn = \"2\"\n",
                )
            },
            message: "undeclared siglum `Z`",
            file: Some("edition.toml"),
            line: None,
        },
    ]
}

/// A paragraph with a straight apostrophe, for quotations typed with a typographic one.
const APOSTROPHE: &str = "\nThe squirrel's granary was full.\n";

/// What a quotation without a match says: the message and its notes, exactly.
struct Snapshot {
    name: &'static str,
    setup: fn(&Path),
    expected: &'static str,
}

fn snapshots() -> Vec<Snapshot> {
    vec![
        Snapshot {
            name: "typographic apostrophe",
            setup: |d| {
                std::fs::write(d.join("source.txt"), format!("{SOURCE}{APOSTROPHE}")).unwrap();
                spec_replace(
                    d,
                    "at = \"första raden\"",
                    "at = \"The squirrel’s granary\"",
                );
            },
            expected: "quotation not found in the base text: `The squirrel’s granary`\n\
                       nearest text: `The squirrel's granary` (source line 9)\n\
                       the text has `'` where you typed `’`",
        },
        Snapshot {
            name: "lower-case quotation",
            setup: |d| spec_replace(d, "at = \"första raden\"", "at = \"den första raden\""),
            expected: "quotation not found in the base text: `den första raden`\n\
                       nearest text: `Den första raden` (source line 4)\n\
                       the text has `Den` where you typed `den`",
        },
        Snapshot {
            name: "lower-case title",
            setup: |d| {
                spec_replace(
                    d,
                    "title = \"Ett Prov\"\n\n[[heading]]",
                    "title = \"ett prov\"\n\n[[heading]]",
                )
            },
            expected: "quotation not found in the base text: `ett prov`\n\
                       nearest text: `Ett Prov` (source line 1)\n\
                       the text has `Ett` where you typed `ett`, `Prov` where you typed `prov`",
        },
        Snapshot {
            name: "quotation across a paragraph break",
            setup: |d| {
                spec_append(
                    d,
                    "\n[[milestone]]\nat = \"och där. Ett nytt\"\nwitness = \"B\"\nn = \"2\"\n",
                )
            },
            expected: "quotation not found in the base text: `och där. Ett nytt`\n\
                       nearest text: `och där.` ¶ `Ett nytt` (source line 5)\n\
                       the quotation occurs only across a paragraph break (a blank line in source.txt); \
                       a quotation lies within one block (title, heading or paragraph)",
        },
        Snapshot {
            name: "quotation across a heading",
            // A lemma may run across headings, but begins and ends in a paragraph.
            setup: |d| spec_replace(d, "at = \"första raden\"", "at = \"Rubrik Den första\""),
            expected: "an apparatus entry must anchor in a paragraph, not in the title or a heading",
        },
        Snapshot {
            name: "quotation inside a longer word",
            setup: |d| spec_replace(d, "at = \"första raden\"", "at = \"första rad\""),
            expected: "quotation not found in the base text: `första rad`\n\
                       nearest text: `första raden` (source line 4)\n\
                       the quotation occurs only inside a longer word; a quotation matches whole words",
        },
        Snapshot {
            name: "a wrong before",
            setup: |d| {
                spec_replace(
                    d,
                    "at = \"första raden\"",
                    "at = \"ord\"\nbefore = \"många\"",
                )
            },
            expected: "`ord` occurs 5 time(s), but never after `många`\n\
                       occurrence 1 (source line 4) follows `några`\n\
                       occurrence 2 (source line 5) follows `fler`\n\
                       occurrence 3 (source line 7) follows `med`\n\
                       occurrence 4 (source line 7) follows `upprepas:`\n\
                       … and 1 more occurrence(s)",
        },
        Snapshot {
            name: "a wrong after, differing in case only",
            setup: |d| {
                spec_replace(
                    d,
                    "at = \"första raden\"",
                    "at = \"första raden\"\nafter = \"Av texten\"",
                )
            },
            expected: "`första raden` occurs 1 time(s), but never before `Av texten`\n\
                       occurrence 1 (source line 4) is followed by `av texten`\n\
                       the text has `av` where you typed `Av`",
        },
        Snapshot {
            name: "a misspelt word",
            setup: |d| spec_replace(d, "at = \"första raden\"", "at = \"första raderna\""),
            expected: "quotation not found in the base text: `första raderna`\n\
                       nearest text: `första raden` (source line 4)",
        },
        Snapshot {
            name: "no word of the quotation in the text",
            setup: |d| spec_replace(d, "at = \"första raden\"", "at = \"slutarna\""),
            expected: "quotation not found in the base text: `slutarna`\n\
                       nearest text: `slutar` (source line 5)",
        },
    ]
}

#[test]
fn a_quotation_without_a_match_says_why_and_shows_the_nearest_text() {
    let mut failures = vec![];
    for c in snapshots() {
        let d = fresh(c.name);
        (c.setup)(&d);
        let (code, diags, stderr) = run(&d);
        let Some(first) = diags.iter().find(|x| x["severity"] == "error") else {
            failures.push(format!("{}: no error (exit {code}, {stderr})", c.name));
            continue;
        };
        let mut said = vec![first["message"].as_str().unwrap_or("").to_string()];
        said.extend(
            first["notes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| n.as_str().unwrap_or("").to_string()),
        );
        let said = said.join("\n");
        if said != c.expected || first["file"].as_str().is_none() {
            failures.push(format!(
                "{} (file {}):\n  got:      {said:?}\n  expected: {:?}",
                c.name, first["file"], c.expected
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The title takes the same anchor options as every quotation.
#[test]
fn a_title_that_occurs_twice_is_chosen_by_occurrence_or_context() {
    let source = format!("{SOURCE}\nEtt Prov\n");
    let d = fresh("title plain and repeated");
    std::fs::write(d.join("source.txt"), &source).unwrap();
    let (code, diags, _) = run(&d);
    assert_eq!(code, 1);
    let message = diags[0]["message"].as_str().unwrap();
    assert_eq!(message, "ambiguous quotation: `Ett Prov` occurs 2 times");
    assert_eq!(
        diags[0]["notes"][1].as_str().unwrap(),
        "the title takes them in a table: `title = { at = \"…\", occurrence = 2 }`"
    );
    assert_eq!(diags[0]["line"].as_u64(), Some(21));

    for (name, title) in [
        (
            "title by occurrence",
            "title = { at = \"Ett Prov\", occurrence = 1 }",
        ),
        (
            "title by after",
            "title = { at = \"Ett Prov\", after = \"1. Rubrik\" }",
        ),
    ] {
        let d = fresh(name);
        std::fs::write(d.join("source.txt"), &source).unwrap();
        spec_replace(
            &d,
            "title = \"Ett Prov\"\n\n[[heading]]",
            &format!("{title}\n\n[[heading]]"),
        );
        let (code, diags, err) = run(&d);
        assert_eq!(code, 0, "{name}: {diags:?} {err}");
        // The second `Ett Prov` is the body's last paragraph.
        let text = common::pdf::plain_text(&d.join("out/edition.pdf"));
        let body_end = text.find("ord och ord.").expect("the body is printed");
        assert!(text[body_end..].contains("Ett Prov"), "{name}: {text}");
    }

    // A context that fits neither occurrence is reported at the `before`.
    let d = fresh("title with a wrong before");
    std::fs::write(d.join("source.txt"), &source).unwrap();
    spec_replace(
        &d,
        "title = \"Ett Prov\"\n\n[[heading]]",
        "title = { at = \"Ett Prov\", before = \"Rubrik\" }\n\n[[heading]]",
    );
    let (code, diags, _) = run(&d);
    assert_eq!(code, 1);
    assert_eq!(
        diags[0]["message"].as_str().unwrap(),
        "`Ett Prov` occurs 2 time(s), but never after `Rubrik`"
    );
    assert_eq!(diags[0]["line"].as_u64(), Some(21));
}

/// A warning about a milestone points at the milestone in the spec.
#[test]
fn a_milestone_note_moved_down_is_warned_about_at_the_milestone() {
    let d = fresh("milestone note moved down");
    spec_append(
        &d,
        "\n[[milestone]]\nat = \"stycke med\"\nwitness = \"B\"\nn = \"2\"\n",
    );
    let (code, diags, err) = run(&d);
    assert_eq!(code, 0, "{diags:?} {err}");
    let moved: Vec<_> = diags
        .iter()
        .filter(|x| x["severity"] == "warning")
        .filter(|x| x["message"].as_str().unwrap_or("").contains("moved down"))
        .collect();
    assert!(!moved.is_empty(), "no warning: {diags:?}");
    for w in moved {
        assert!(
            w["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("edition.toml")),
            "{w}"
        );
        assert_eq!(w["line"].as_u64(), Some(41), "{w}");
    }
}

fn fresh(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bad")
        .join(name.replace([' ', '.'], "_"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("edition.toml"), SPEC).unwrap();
    std::fs::write(d.join("source.txt"), SOURCE).unwrap();
    d
}

fn run(dir: &Path) -> (i32, Vec<serde_json::Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_apparat"))
        .args(["build", "--diagnostic-format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    let diags = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("JSON diagnostics parse"))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        diags,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_valid_base_edition_builds() {
    let d = fresh("valid");
    let (code, diags, err) = run(&d);
    assert_eq!(code, 0, "{diags:?} {err}");
    assert!(d.join("out/edition.pdf").exists());
}

#[test]
fn every_bad_input_is_a_located_error() {
    let cases = cases();
    assert!(cases.len() >= 25, "the catalogue has {} cases", cases.len());
    let mut failures = vec![];
    for c in &cases {
        let d = fresh(c.name);
        (c.setup)(&d);
        let (code, diags, stderr) = run(&d);
        let first = diags.iter().find(|x| x["severity"] == "error");
        let problem = match first {
            _ if code != 1 => Some(format!("exit code {code} (stderr: {stderr})")),
            None => Some(format!("no error diagnostic (stderr: {stderr})")),
            Some(x) => {
                let msg = x["message"].as_str().unwrap_or("");
                let file = x["file"].as_str().unwrap_or("");
                if !msg.contains(c.message) {
                    Some(format!("message `{msg}` lacks `{}`", c.message))
                } else if let Some(f) = c.file
                    && !file.ends_with(f)
                {
                    Some(format!("points at `{file}`, not {f}"))
                } else if let Some(l) = c.line
                    && x["line"].as_u64() != Some(l as u64)
                {
                    Some(format!("line {} instead of {l}", x["line"]))
                } else if c.file.is_some() && x["line"].as_u64().is_none() {
                    Some("no line".into())
                } else {
                    None
                }
            }
        };
        if d.join("out").exists() {
            failures.push(format!("{}: wrote output despite the error", c.name));
        }
        if let Some(p) = problem {
            failures.push(format!("{}: {p}", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_spec_error_of_a_run_is_reported_in_order() {
    // Unknown keys in two tables, a duplicate siglum (so `B` is undeclared) and an undeclared
    // series: one run, five located errors, sorted by line.
    let d = fresh("many spec errors");
    spec_replace(&d, "base = \"A\"", "base = \"A\"\nfavourite = 3");
    spec_replace(&d, "siglum = \"B\"", "siglum = \"A\"");
    spec_replace(&d, "series = \"kritisk\"", "series = \"kritik\"");
    spec_append(&d, "\n[layout]\npaper = \"a5\"\ncolour = \"red\"\n");
    let (code, diags, stderr) = run(&d);
    assert_eq!(code, 1, "{stderr}");
    let errors: Vec<(u64, &str)> = diags
        .iter()
        .filter(|x| x["severity"] == "error")
        .map(|x| {
            (
                x["line"].as_u64().unwrap_or(0),
                x["message"].as_str().unwrap_or(""),
            )
        })
        .collect();
    let expected = [
        (
            11,
            "invalid spec: unknown field `favourite`, expected one of `file`, `sha256`, `base`",
        ),
        (18, "duplicate siglum `A`"),
        (33, "undeclared series `kritik`"),
        (35, "undeclared siglum `B`"),
        (
            43,
            "invalid spec: unknown field `colour`, expected one of `paper`, `template`",
        ),
    ];
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    for ((line, msg), (want_line, want)) in errors.iter().zip(expected) {
        assert!(
            msg.starts_with(want),
            "`{msg}` does not start with `{want}`"
        );
        assert_eq!(*line, want_line, "{msg}");
    }
    assert!(!d.join("out").exists());
}

#[test]
fn accepted_irregularities_build_and_print_the_same_words() {
    // BOM, CRLF, lone CR, tabs and no-break spaces are accepted (documented policy).
    for (name, src) in [
        ("bom", format!("\u{feff}{SOURCE}")),
        ("crlf", SOURCE.replace('\n', "\r\n")),
        ("tabs", SOURCE.replace(' ', "\t")),
        ("nbsp", SOURCE.replace("några ord", "några\u{a0}ord")),
    ] {
        let d = fresh(name);
        std::fs::write(d.join("source.txt"), src).unwrap();
        let (code, diags, err) = run(&d);
        assert_eq!(code, 0, "{name}: {diags:?} {err}");
    }
}

#[test]
fn unwritable_output_is_an_error_and_keeps_nothing_half_written() {
    let d = fresh("unwritable");
    // `out` is a file, so the folder cannot be created.
    std::fs::write(d.join("out"), "not a folder").unwrap();
    let (code, diags, _) = run(&d);
    assert_eq!(code, 1);
    assert!(
        diags
            .iter()
            .any(|x| x["message"].as_str().unwrap_or("").contains("cannot")),
        "{diags:?}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("out")).unwrap(),
        "not a folder"
    );
}
