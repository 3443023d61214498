//! Typography read back from the PDF: the hierarchy of sizes on the seed's first body page.
mod common;

use common::edition;

/// The title outranks every heading, and a heading still stands out from the text: word
/// heights (which pdftotext derives from the font size) on the first body page.
#[test]
fn the_title_outranks_the_headings_and_headings_the_text() {
    let built = edition::seed();
    let page = &built.pages[built.front_pages];
    let height = |w: &str| {
        page.find(w)
            .unwrap_or_else(|| panic!("no {w:?} on the first body page:\n{}", page.text()))
            .height()
    };
    let (title, heading, text) = (height("Sammanträde"), height("Rapport."), height("Lenin"));
    eprintln!(
        "title {title:.2} pt, heading {heading:.2} pt, text {text:.2} pt (glyph box heights)"
    );
    assert!(
        title > 1.15 * heading,
        "title {title:.2} pt against heading {heading:.2} pt"
    );
    assert!(
        heading > 1.04 * text && heading < title,
        "heading {heading:.2} pt against text {text:.2} pt"
    );
}

/// A page rendered in grey at 300 dpi: (width, height, pixels), 0 black to 255 white.
fn render(pdf: &std::path::Path, page: usize) -> (usize, usize, Vec<u8>) {
    let out = std::process::Command::new("pdftoppm")
        .args([
            "-gray",
            "-r",
            "300",
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
        ])
        .arg(pdf)
        .output()
        .expect("pdftoppm (poppler-utils) runs");
    assert!(out.status.success());
    // A binary PGM: `P5\n<w> <h>\n255\n` then the pixels.
    let data = out.stdout;
    let mut fields = vec![];
    let mut i = 0;
    while fields.len() < 4 {
        while data[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !data[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..i]).into_owned());
    }
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, data[i + 1..].to_vec())
}

/// The apparatus rule stands clear of the text above it and of the apparatus below it:
/// on every seed body page with an apparatus, read from the rendered page (the rule is the
/// short dark stroke at the text column's left edge with nothing to its right).
#[test]
fn the_apparatus_rule_has_clear_space_above_and_below() {
    let built = edition::seed();
    let spec = edition::read_spec(&edition::seed_dir());
    let body = edition::read_body(&built.pages, built.front_pages, spec.restart_page);
    let px = 300.0 / 72.0;
    let mut checked = 0;
    for page in body.pages.iter().filter(|p| !p.apparatus.is_empty()) {
        let (w, h, pixels) = render(&built.pdf_path, page.number);
        // Ink: any grey darker than light anti-aliasing (a 0.4 pt rule may straddle two
        // pixel rows, each half grey).
        let dark = |x: usize, y: usize| pixels[y * w + x] < 200;
        let (left, right) = ((page.left * px) as usize, (page.right * px) as usize);
        let rule_end = left + (20.0 * px) as usize;
        let row_ink = |y: usize, from: usize, to: usize| (from..to).any(|x| dark(x, y));
        // The rule's rows: ink across its first 20 pt, none in the right half of the column.
        let rule: Vec<usize> = (0..h)
            .filter(|&y| {
                (left + 2..rule_end).all(|x| dark(x, y)) && !row_ink(y, (left + right) / 2, right)
            })
            .collect();
        let (Some(&top), Some(&bottom)) = (rule.first(), rule.last()) else {
            panic!(
                "page {}: no rule with nothing beside it: the apparatus or the text touches it",
                page.number
            );
        };
        let above = (0..top).rev().find(|&y| row_ink(y, left, right)).unwrap();
        let below = (bottom + 1..h).find(|&y| row_ink(y, left, right)).unwrap();
        let (clear_above, clear_below) = ((top - above) as f64 / px, (below - bottom) as f64 / px);
        eprintln!(
            "page {}: {clear_above:.1} pt clear above the rule, {clear_below:.1} pt below",
            page.number
        );
        assert!(
            clear_above >= 3.0 && clear_below >= 3.0,
            "page {}: {clear_above:.1} pt clear above the rule, {clear_below:.1} pt below",
            page.number
        );
        checked += 1;
    }
    assert!(checked >= 3, "{checked} pages with an apparatus");
}

/// An edition whose spec declares commentary, then the critical apparatus, then sources.
fn three_series(name: &str, order: &str) -> common::pdf::Page {
    let dir = edition::scratch(name);
    let spec = format!(
        r#"[edition]
title = "Order"
editors = ["Tester"]
language = "en"
date = 2026-01-01
version = "1.0"
license = "CC-BY-4.0"

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "The text."

[[witness]]
siglum = "B"
description = "Another."

[layout]
{order}

[[series]]
id = "notes"
title = "Notes"
kind = "commentary"

[[series]]
id = "critical"
title = "Critical"
kind = "critical"

[[series]]
id = "testimonia"
title = "Testimonia"
kind = "sources"

[[entry]]
series = "notes"
at = "quick"
note = "Commentaryword."

[[entry]]
series = "critical"
at = "brown"
readings = [{{ wit = ["B"], text = "Variantword" }}]

[[entry]]
series = "testimonia"
at = "fox"
note = "Sourceword."

[[entry]]
series = "critical"
at = "lazy"
readings = [{{ wit = ["B"], text = "idle" }}]

[[entry]]
series = "notes"
at = "lazy"
note = "Idle."
"#
    );
    std::fs::write(dir.join("edition.toml"), spec).unwrap();
    std::fs::write(
        dir.join("source.txt"),
        "The quick brown fox jumps over the lazy dog.\n",
    )
    .unwrap();
    let built = edition::build(&dir, &dir);
    built.pages.last().unwrap().clone()
}

/// The series at the foot of a page stand in the conventional order (testimonia, the
/// critical apparatus, commentary) whatever the spec's order, unless the spec keeps its own.
#[test]
fn series_stand_in_the_conventional_order_unless_the_spec_keeps_its_own() {
    let order = |page: &common::pdf::Page| {
        let y = |w: &str| page.find(w).unwrap_or_else(|| panic!("no {w}")).y0;
        let mut words = ["Sourceword.", "Variantword", "Commentaryword."];
        words.sort_by(|a, b| y(a).total_cmp(&y(b)));
        words
    };
    let conventional = three_series("order-conventional", "");
    assert_eq!(
        order(&conventional),
        ["Sourceword.", "Variantword", "Commentaryword."]
    );
    let spec = three_series("order-spec", "series-order = \"spec\"");
    assert_eq!(
        order(&spec),
        ["Commentaryword.", "Variantword", "Sourceword."]
    );
}

/// A commentary's lemmata are set apart from the critical apparatus's (italic by default):
/// the same lemma, which in one style would print exactly as wide, prints wider or
/// narrower.
#[test]
fn commentary_lemmata_look_unlike_critical_ones() {
    let page = three_series("lemma-look", "");
    let mut lemmata: Vec<&common::pdf::Word> = page
        .words
        .iter()
        .filter(|w| w.text.starts_with("lazy") && w.text.ends_with(']'))
        .collect();
    assert_eq!(lemmata.len(), 2, "{:?}", page.text());
    lemmata.sort_by(|a, b| a.y0.total_cmp(&b.y0));
    // Conventional order: the critical block above the commentary.
    let (critical, commentary) = (lemmata[0].width(), lemmata[1].width());
    assert!(
        (commentary - critical).abs() > 0.1,
        "`lazy]`: {commentary:.2} pt in the commentary, {critical:.2} pt in the critical apparatus"
    );
}

/// Capitals in the title are letterspaced: a word in capitals is wider in the title than
/// the title's size alone makes it (measured against a word in lower case in the title and
/// in the text), and in the text it is not letterspaced.
#[test]
fn capitals_in_the_title_are_letterspaced() {
    let dir = edition::scratch("typography-capitals");
    std::fs::write(
        dir.join("source.txt"),
        "GALLIA est omnis\n\nGallia est omnis divisa in partes tres, quarum unam incolunt Belgae, \
         aliam Aquitani, tertiam qui ipsorum lingua Celtae, nostra Galli appellantur. GALLIA \
         quoque.\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("edition.toml"),
        r#"[edition]
title = "GALLIA est omnis"
editors = ["A. Editor"]
language = "la"
version = "1.0.0"
date = 2026-11-29

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "The base text."

[structure]
title = "GALLIA est omnis"
"#,
    )
    .unwrap();
    let built = edition::build(&dir, &dir);
    let page = &built.pages[built.front_pages];
    let width = |text: &str, title: bool| {
        let words: Vec<&common::pdf::Word> = page.words.iter().filter(|w| w.text == text).collect();
        // The title is the topmost line of the page's text, set larger.
        let w = if title {
            words.iter().min_by(|a, b| a.y0.total_cmp(&b.y0))
        } else {
            words.iter().max_by(|a, b| a.y0.total_cmp(&b.y0))
        };
        let w = w.unwrap_or_else(|| panic!("`{text}` is not printed"));
        w.x1 - w.x0
    };
    let size = width("omnis", true) / width("omnis", false);
    let capitals = width("GALLIA", true) / width("GALLIA", false);
    assert!(size > 1.2, "the title is larger than the text ({size:.3})");
    assert!(
        capitals > size * 1.04,
        "capitals in the title are letterspaced: {capitals:.3} against {size:.3} for lower case"
    );
}

/// The classical proportions: the foot at least as deep as the outer margin, read from the
/// seed's body pages and those of a stress edition on A4 (the text block's outer edge: its
/// justified lines' end on a recto, their start on a verso; its foot: the lowest word of a
/// full page, the apparatus's last line).
#[test]
fn the_foot_is_at_least_as_deep_as_the_outer_margin() {
    let check = |what: &str, built: &edition::Built| {
        let body = edition::read_body(&built.pages, built.front_pages, true);
        let mut checked = 0;
        for p in &body.pages {
            let outer = if p.recto { p.width - p.right } else { p.left };
            let lowest = p
                .body
                .iter()
                .map(|l| &l.line)
                .chain(&p.apparatus)
                .map(|l| l.y1)
                .fold(0.0, f64::max);
            // The text block ends on the last line's baseline; its words' boxes reach the
            // descenders below it (about 2 pt).
            let foot = p.height - lowest;
            assert!(
                foot + 3.0 >= outer,
                "{what} p. {}: foot {foot:.1} pt, outer margin {outer:.1} pt",
                p.number
            );
            checked += 1;
        }
        eprintln!("{what}: {checked} body pages, outer margin and foot checked");
    };
    check("seed", edition::seed());
    let dir = edition::scratch("typography-a4").join("edition");
    apparat::stress::generate(&dir, 6, 3).unwrap();
    let spec = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
    std::fs::write(
        dir.join("edition.toml"),
        spec.replace("paper = \"a5\"", "paper = \"a4\""),
    )
    .unwrap();
    let built = edition::build(&dir, &dir);
    check("stress on A4", &built);
}
