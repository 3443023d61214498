//! The apparatus a classicist expects, read back from the PDF: witness groups contracted
//! where all their members agree, lacunae recorded (`deest`, `rursus adest`) and respected,
//! hands and correction states, a positive series, editorial signs in the text and the
//! apparatus, lemmata across paragraphs and pages, quotations matched under canonical
//! equivalence — and every new spec error located, with its message as a snapshot.

mod common;

use std::path::{Path, PathBuf};

use common::pdf::{Line, Page, group_lines_with, read_pdf};

/// Caesar, BG 1.1, in three paragraphs; `Café` is written `e` + U+0301, as text extracted
/// from a PDF often is.
const SOURCE: &str = "Gallia est omnis divisa in partes tres, quarum unam incolunt Belgae, aliam Aquitani, tertiam qui ipsorum lingua Celtae, nostra Galli appellantur.\n\nHi omnes lingua, institutis, legibus inter se differunt. Gallos ab Aquitanis Garumna flumen, a Belgis Matrona et Sequana dividit. Horum omnium fortissimi sunt Belgae, propterea quod a cultu atque humanitate provinciae longissime absunt.\n\nEorum una pars, quam Gallos obtinere dictum est, initium capit a flumine Rhodano; continetur Garumna flumine, Oceano, finibus Belgarum; attingit etiam ab Sequanis et Helvetiis flumen Rhenum; vergit ad septentriones. Cafe\u{301} nihil.\n";

const SPEC: &str = r#"[edition]
title = "De bello Gallico"
editors = ["E. Ditor"]
language = "la"
version = "1"
date = 2026-01-01

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "Amstelodamensis"
hands = ["1", "2"]

[[witness]]
siglum = "B"
description = "Bernensis"

[[witness]]
siglum = "M"
description = "Mediceus"

[[witness]]
siglum = "T"
description = "Thuaneus"

[[witness]]
siglum = "V"
description = "Vaticanus"

[[witness]]
siglum = "α"
members = ["A", "B", "M"]

[[series]]
id = "critical"
title = "Apparatus criticus"
kind = "critical"

[[entry]]
series = "critical"
at = "Celtae"
readings = [{ wit = ["T", "V"], text = "Celte" }]

[[entry]]
series = "critical"
at = "partes"
readings = [{ wit = ["α"], text = "partis" }]

[[entry]]
series = "critical"
at = "Belgae"
occurrence = 1
readings = [{ wit = ["M", "A", "B"], text = "Belge" }]

[[entry]]
series = "critical"
at = "aliam"
readings = [{ wit = ["A", "B"], text = "alteram" }, { wit = ["M"], text = "aliud" }]

[[entry]]
series = "critical"
at = "unam"
readings = [{ wit = ["A^ac", "B"], text = "una" }, { wit = ["V"], text = "unum" }]

[[entry]]
series = "critical"
at = "incolunt"
readings = [{ wit = ["A^2"], text = "incolant" }]

[[entry]]
series = "critical"
at = "fortissimi"
readings = [{ wit = ["α"], text = "fortissime" }]

[[entry]]
series = "critical"
at = "Café"
readings = [{ wit = ["B"], text = "Caffe" }]

[[entry]]
series = "critical"
at = "appellantur. Hi omnes"
readings = [{ wit = ["V"], type = "om" }]

[[entry]]
series = "critical"
at = "et"
occurrence = 1
sign = "deletion"
resp = "Madvig"

[[entry]]
series = "critical"
at = "Sequana"
sign = "supplement"
text = "Rhenus"
resp = "Meusel"

[[entry]]
series = "critical"
at = "longissime"
sign = "crux"

[[entry]]
series = "critical"
at = "vergit ad septentriones."
sign = "lacuna"
resp = "Nipperdey"

[[lacuna]]
witness = "M"
from = "Horum omnium"
to = "absunt."
"#;

/// A fresh edition folder `name` holding `spec` and `source`.
fn edition(name: &str, spec: &str, source: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("witnesses-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("edition.toml"), spec).unwrap();
    std::fs::write(dir.join("source.txt"), source).unwrap();
    dir
}

/// Build `spec` over `source`: the build's output and its PDF read back.
fn build(name: &str, spec: &str, source: &str) -> (apparat::Output, Vec<Page>) {
    let dir = edition(name, spec, source);
    let out = apparat::build(&dir, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let pdf = dir.join("out.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let pages = read_pdf(&pdf);
    (out, pages)
}

/// Whether a line is set in the body type (10.5 pt), not in the apparatus's, the line
/// numbers' or the running head's smaller type.
fn is_body(l: &Line) -> bool {
    l.words.iter().any(|w| w.y1 - w.y0 > 9.5)
}

/// A body page: its body lines (without line numbers) and its apparatus, one string.
fn read_page(page: &Page) -> (Vec<String>, String) {
    let body = page
        .lines
        .iter()
        .filter(|l| is_body(l))
        .map(|l| {
            let words: Vec<&str> = l
                .words
                .iter()
                .filter(|w| w.y1 - w.y0 > 9.5)
                .map(|w| w.text.as_str())
                .collect();
            words.join(" ")
        })
        .collect();
    // Below the text: the apparatus, its superscripts (hands, corrections) kept on their line.
    let text_bottom = page
        .lines
        .iter()
        .filter(|l| is_body(l))
        .flat_map(|l| &l.words)
        .map(|w| w.y1)
        .fold(0.0, f64::max);
    let below: Vec<_> = page
        .words
        .iter()
        .filter(|w| w.y0 > text_bottom)
        .cloned()
        .collect();
    let apparatus = group_lines_with(&below, 4.0)
        .iter()
        .map(|l| l.text())
        .collect::<Vec<_>>()
        .join(" ");
    (body, apparatus)
}

/// The line (1-based, counted on its page) of the first body line holding `word`.
fn line_of(body: &[String], word: &str) -> usize {
    body.iter()
        .position(|l| l.split(' ').any(|w| w == word))
        .unwrap_or_else(|| panic!("`{word}` is on no body line: {body:#?}"))
        + 1
}

#[test]
fn groups_hands_lacunae_and_signs_print_as_a_classicist_expects() {
    let (out, pages) = build("negative", SPEC, SOURCE);
    let (body, app) = read_page(pages.last().unwrap());
    let has = |s: &str| assert!(app.contains(s), "`{s}` not in the apparatus: {app}");
    // A group cited, and its members all cited alike: its siglum, computed.
    has("partes] partis α");
    has("Belgae] Belge α");
    // One member dissents: the members.
    has("aliam] alteram AB; aliud M");
    // A member in its lacuna: the group stands for the members extant there.
    has("fortissimi] fortissime AB ");
    // Hands and correction states.
    has("unam] una A ac B; unum V");
    has("incolunt] incolant A 2");
    // The lacuna recorded where it begins and where the witness resumes, at their lines.
    let deest = format!("{} Horum omnium] deest M", line_of(&body, "Horum"));
    has(&deest);
    let resumes = format!("{} Eorum] rursus adest M", line_of(&body, "Eorum"));
    has(&resumes);
    // Editorial signs: in the text, and in the apparatus with who proposed them.
    let text = body.join(" ");
    for sign in [
        "Matrona [et] Sequana ⟨Rhenus⟩ dividit.",
        "provinciae †longissime† absunt.",
        "septentriones. *** Caf",
    ] {
        assert!(text.contains(sign), "`{sign}` not in the text: {text}");
    }
    has("et] del. Madvig");
    has("Rhenus] suppl. Meusel");
    has("longissime] cruces pos.");
    has("septentriones.] lac. ind. Nipperdey");
    // A lemma across a paragraph break: its range.
    let from = line_of(&body, "appellantur.");
    has(&format!("{from}–{} appellantur. Hi omnes] om. V", from + 1));
    // The quotation typed with a precomposed é matched the text's e + U+0301, and the
    // lemma prints the text's own characters.
    has("Cafe\u{301}] Caffe B");
    assert!(
        out.typ.contains("[#\"Cafe\u{301}\"]"),
        "the lemma is the base text's"
    );
    // The conspectus lists the group with its members.
    let conspectus: Vec<String> = pages[..out.front_pages]
        .iter()
        .flat_map(|p| &p.lines)
        .map(|l| l.text().replace(' ', ""))
        .collect();
    assert!(conspectus.iter().any(|l| l == "α=ABM"), "{conspectus:#?}");
}

#[test]
fn a_positive_series_names_the_witnesses_of_the_lemma_extant_there() {
    let spec = SPEC
        .replace(
            "kind = \"critical\"\n",
            "kind = \"critical\"\npositive = true\n",
        )
        .replace(
            "description = \"Mediceus\"\n",
            "description = \"Mediceus\"\nhands = [\"2\"]\n",
        )
        + "\n[[entry]]\nseries = \"critical\"\nat = \"Galli\"\nreadings = [{ wit = [\"M^2\"], text = \"Galle\" }]\n";
    let (_, pages) = build("positive", &spec, SOURCE);
    let (_, app) = read_page(pages.last().unwrap());
    let has = |s: &str| assert!(app.contains(s), "`{s}` not in the apparatus: {app}");
    // All five extant, A B M (the group) read the lemma.
    has("Celtae α] Celte TV");
    has("partes TV] partis α");
    // M is in its lacuna: neither with the lemma nor in the group.
    has("fortissimi TV] fortissime AB");
    // A cited before correction reads the lemma after it.
    has("unam A pc MT] una A ac B; unum V");
    // The other hand of a witness whose hand is cited for a variant reads the lemma.
    has("incolunt A 1 BMTV] incolant A 2");
    // A witness whose only declared hand is cited: its own text reads the lemma.
    has("Galli αTV] Galle M 2");
    has("Cafe\u{301} AMTV] Caffe B");
    // An emendation-like sign: every extant witness has the words the editor deletes.
    has("et αTV] del. Madvig");
}

/// A text of `paragraphs` paragraphs of 60 distinct words each.
fn long_text(paragraphs: usize) -> (String, Vec<Vec<String>>) {
    let words: Vec<Vec<String>> = (0..paragraphs)
        .map(|p| (0..60).map(|i| format!("p{p}w{i}")).collect())
        .collect();
    let text = words
        .iter()
        .map(|p| p.join(" "))
        .collect::<Vec<_>>()
        .join("\n\n");
    (text + "\n", words)
}

#[test]
fn a_lemma_runs_across_paragraphs_and_a_page_break() {
    let (source, words) = long_text(12);
    // From the first word of paragraph 4 to the last of paragraph 7.
    let quote = words[4..=7]
        .iter()
        .map(|p| p.join(" "))
        .collect::<Vec<_>>()
        .join(" ");
    let spec = SPEC.split("[[entry]]").next().unwrap().to_string()
        + &format!(
            "[[entry]]\nseries = \"critical\"\nat = \"{quote}\"\nreadings = [{{ wit = [\"B\"], type = \"om\" }}]\n\n[[margin]]\nat = \"p6w59 p7w0\"\ntext = \"across\"\n"
        );
    let (out, pages) = build("across", &spec, &source);
    let body_pages: Vec<_> = pages[out.front_pages..].iter().map(read_page).collect();
    let on = |w: &str| {
        body_pages
            .iter()
            .enumerate()
            .find_map(|(k, (body, _))| {
                body.iter()
                    .any(|l| l.contains(w))
                    .then(|| (k, line_of(body, w)))
            })
            .unwrap_or_else(|| panic!("`{w}` not found"))
    };
    let (first_page, first_line) = on("p4w0");
    let (last_page, last_line) = on("p7w59");
    assert!(
        last_page > first_page,
        "the lemma should cross a page break"
    );
    let reference = format!(
        "{first_line}–{}.{last_line} p4w0 … p7w59] om. B",
        out.front_pages + last_page + 1
    );
    let (_, app) = &body_pages[first_page];
    assert!(app.contains(&reference), "`{reference}` not in: {app}");
    // The margin note quoting across a paragraph break stands on the page of its first word.
    let (note_page, _) = on("p6w59");
    let page = &pages[out.front_pages + note_page];
    assert!(
        page.words.iter().any(|w| w.text == "across"),
        "the margin note is not on page {}",
        out.front_pages + note_page + 1
    );
}

/// The rendered diagnostics of a failed build of `spec` over [`SOURCE`], with the folder's
/// path taken out.
fn errors_of(name: &str, spec: &str) -> String {
    common::snapshot::build_error(name, &edition(name, spec, SOURCE))
}

fn snapshot(name: &str, got: &str) {
    common::snapshot::check("witnesses", name, got);
}

#[test]
fn every_new_spec_error_is_located_with_its_message() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "group-and-member",
            "readings = [{ wit = [\"α\"], text = \"partis\" }]",
            "readings = [{ wit = [\"α\", \"A\"], text = \"partis\" }]",
        ),
        ("undeclared-hand", "\"A^2\"", "\"A^3\""),
        (
            "hand-of-a-group",
            "wit = [\"α\"], text = \"partis\"",
            "wit = [\"α^pc\"], text = \"partis\"",
        ),
        (
            "cited-in-lacuna",
            "wit = [\"α\"], text = \"fortissime\"",
            "wit = [\"M\"], text = \"fortissime\"",
        ),
        ("lacuna-of-a-group", "witness = \"M\"", "witness = \"α\""),
        ("supplement-without-text", "text = \"Rhenus\"\n", ""),
        (
            "deletion-with-text",
            "sign = \"deletion\"\n",
            "sign = \"deletion\"\ntext = \"et\"\n",
        ),
        (
            "lacuna-ends-before-it-begins",
            "to = \"absunt.\"",
            "to = \"Gallos ab\"",
        ),
        (
            "witness-without-description",
            "description = \"Thuaneus\"\n",
            "",
        ),
        (
            "group-of-one",
            "members = [\"A\", \"B\", \"M\"]",
            "members = [\"A\"]",
        ),
        (
            "undeclared-member",
            "members = [\"A\", \"B\", \"M\"]",
            "members = [\"A\", \"B\", \"Q\"]",
        ),
        (
            "lacuna-in-a-commentary",
            "to = \"absunt.\"",
            "to = \"absunt.\"\nseries = \"notes\"\n\n[[series]]\nid = \"notes\"\ntitle = \"Notes\"\nkind = \"commentary\"",
        ),
        (
            "text-without-sign",
            "at = \"Celtae\"\n",
            "at = \"Celtae\"\ntext = \"Celte\"\n",
        ),
        (
            "resp-without-sign",
            "at = \"Celtae\"\n",
            "at = \"Celtae\"\nresp = \"Madvig\"\n",
        ),
        (
            "hands-on-a-group",
            "members = [\"A\", \"B\", \"M\"]",
            "members = [\"A\", \"B\", \"M\"]\nhands = [\"1\"]",
        ),
        (
            "member-named-twice",
            "members = [\"A\", \"B\", \"M\"]",
            "members = [\"A\", \"B\", \"A\"]",
        ),
        (
            "sign-in-a-commentary",
            "to = \"absunt.\"",
            "to = \"absunt.\"\n\n[[series]]\nid = \"notes\"\ntitle = \"Notes\"\nkind = \"commentary\"\n\n[[entry]]\nseries = \"notes\"\nat = \"Gallia\"\nsign = \"crux\"",
        ),
        ("unknown-sign", "sign = \"crux\"", "sign = \"obelus\""),
        (
            "overlapping-lacunae",
            "to = \"absunt.\"",
            "to = \"absunt.\"\n\n[[lacuna]]\nwitness = \"M\"\nfrom = \"omnium\"\nto = \"omnium\"",
        ),
        (
            "sign-beside-emend",
            "sign = \"crux\"\n",
            "sign = \"crux\"\nemend = \"longe\"\n",
        ),
    ];
    for (name, from, to) in cases {
        assert!(SPEC.contains(from), "{name}: `{from}`");
        let rendered = errors_of(name, &SPEC.replacen(from, to, 1));
        assert!(
            rendered.contains("DIR/edition.toml:"),
            "{name}: located in the spec:\n{rendered}"
        );
        snapshot(name, &rendered);
    }
}

#[test]
fn every_quotation_not_found_shows_the_nearest_text() {
    // A misspelling, a wrong accent (after composition), a capital, a word inside a longer
    // one, a word the text does not have, and a `before` that fits no occurrence.
    let cases = [
        "at = \"Celtea\"",
        "at = \"Cafe\u{300}\"",
        "at = \"celtae\"",
        "at = \"Celt\"",
        "at = \"Britanni\"",
        "at = \"Celtae\"\nbefore = \"nostra\"",
    ];
    for (k, at) in cases.iter().enumerate() {
        let spec = SPEC.replacen("at = \"Celtae\"", at, 1);
        let rendered = errors_of(&format!("nearest-{k}"), &spec);
        assert!(
            rendered.contains("nearest text: `") || rendered.contains("follows `"),
            "{at}: no nearest text:\n{rendered}"
        );
    }
    // The accent: the nearest text is the text's own word.
    let spec = SPEC.replacen("at = \"Celtae\"", "at = \"Cafe\u{300}\"", 1);
    assert!(errors_of("nearest-accent", &spec).contains("nearest text: `Café`"));
}

#[test]
fn apparatus_slips_are_warnings() {
    let spec = SPEC
        .replacen(
            "readings = [{ wit = [\"T\", \"V\"], text = \"Celte\" }]",
            "readings = [{ wit = [\"T\", \"V\"], text = \"Celtae\" }]",
            1,
        )
        .replacen(
            "readings = [{ wit = [\"A\", \"B\"], text = \"alteram\" }, { wit = [\"M\"], text = \"aliud\" }]",
            "readings = [{ wit = [\"A\", \"B\"], text = \"alteram\" }, { wit = [\"M\", \"B\"], text = \"aliud\" }]",
            1,
        )
        .replacen(
            "readings = [{ wit = [\"α\"], text = \"partis\" }]",
            "readings = [{ wit = [\"α\"], text = \"partis\" }, { wit = [\"A\"], text = \"partim\" }]",
            1,
        );
    let dir = edition("slips", &spec, SOURCE);
    let out = apparat::build(&dir, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let warnings = apparat::diag::Diagnostics(out.warnings.clone())
        .render(false)
        .replace(&dir.display().to_string(), "DIR");
    snapshot("slips", &warnings);
    for w in [
        "this reading is the lemma itself: `Celtae`",
        "witness `B` is cited twice in this entry",
        "`A` and `α` are a group and its member",
        "the base witness `A` is cited for a reading that differs from the base text",
        "the base witness `A` (a member of `α`) is cited",
    ] {
        assert!(warnings.contains(w), "{w}:\n{warnings}");
    }
}

#[test]
fn the_signs_in_the_text_are_the_editions_own() {
    let spec = SPEC.replace(
        "[[series]]",
        "[layout]\nsigns = { supplement = [\"<\", \">\"], crux = [\"‡\", \"‡\"] }\n\n[[series]]",
    );
    let (_, pages) = build("signs", &spec, SOURCE);
    let (body, app) = read_page(pages.last().unwrap());
    // (The line may break inside the supplement: join hyphenated words.)
    let text = body.join(" ").replace("- ", "");
    for sign in [
        "Matrona [et] Sequana <Rhenus> dividit.",
        "provinciae ‡longissime‡ absunt.",
    ] {
        assert!(text.contains(sign), "`{sign}` not in the text: {text}");
    }
    assert!(app.contains("Rhenus] suppl. Meusel"), "{app}");
}

#[test]
fn a_group_all_of_whose_members_are_in_lacunae_is_not_cited() {
    let spec = SPEC
        .replacen("members = [\"A\", \"B\", \"M\"]", "members = [\"M\", \"V\"]", 1)
        .replacen(
            "to = \"absunt.\"\n",
            "to = \"absunt.\"\n\n[[lacuna]]\nwitness = \"V\"\nfrom = \"fortissimi\"\nto = \"sunt\"\n",
            1,
        );
    let rendered = errors_of("group-in-lacunae", &spec);
    snapshot("group-in-lacunae", &rendered);
    assert!(
        rendered.contains("`α` is cited where all its members are in lacunae"),
        "{rendered}"
    );
}
