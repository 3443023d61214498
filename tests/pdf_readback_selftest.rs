//! Self-test of the PDF read-back helpers in `tests/common/pdf.rs`, against a
//! hand-made two-page PDF using the standard Helvetica font (no tools needed
//! besides `pdftotext`).
mod common;

use common::pdf::*;
use std::path::PathBuf;

/// One text run: x, y (PDF user space, origin bottom-left), font size, text.
type Run = (f64, f64, f64, &'static str);

/// Escape a string for a PDF literal string, encoding to WinAnsi (Latin-1
/// subset is enough here).
fn pdf_string(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for c in s.chars() {
        let b = u32::from(c);
        assert!(b < 256, "test PDF text must be Latin-1: {c:?}");
        let b = b as u8;
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out
}

/// A minimal valid PDF: Helvetica (WinAnsiEncoding), one content stream per
/// page, correct xref table.
fn make_pdf(pages: &[(f64, f64, &[Run])]) -> Vec<u8> {
    let mut objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        Vec::new(), // Pages, filled in below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    ];
    let mut kids = Vec::new();
    for (w, h, runs) in pages {
        let mut content = Vec::new();
        for (x, y, size, text) in *runs {
            content.extend_from_slice(format!("BT /F1 {size} Tf {x} {y} Td (").as_bytes());
            content.extend(pdf_string(text));
            content.extend_from_slice(b") Tj ET\n");
        }
        let page_id = objs.len() + 1;
        kids.push(format!("{page_id} 0 R"));
        objs.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] \
                 /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                page_id + 1
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend(content);
        stream.extend_from_slice(b"endstream");
        objs.push(stream);
    }
    objs[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        kids.len()
    )
    .into_bytes();

    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, obj) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(obj);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Helvetica advance widths (AFM, per 1000 em) of the characters used here.
fn helvetica_width(c: char) -> f64 {
    (match c {
        ' ' => 278,
        '-' | 'r' | '(' | ')' => 333,
        '&' | 'A' | 'B' | 'E' => 667,
        '<' | '>' => 584,
        '"' => 355,
        '\'' => 191,
        'H' | 'R' | 'w' => 722,
        'm' => 833,
        'f' | 't' => 278,
        'i' | 'l' => 222,
        'c' | 's' | 'x' | 'y' | 'k' => 500,
        'a' | 'b' | 'd' | 'e' | 'g' | 'h' | 'n' | 'o' | 'p' | 'q' | 'u' | 'é' => 556,
        _ => panic!("no Helvetica width for {c:?}"),
    }) as f64
}

fn text_width(s: &str, size: f64) -> f64 {
    s.chars().map(helvetica_width).sum::<f64>() * size / 1000.0
}

/// Helvetica ascent/descent poppler uses for the base-14 font.
const ASCENT: f64 = 0.718;
const DESCENT: f64 = 0.207;

/// Expected pdftotext box of the word `word` inside run `run`.
fn expected_box(page_h: f64, run: Run, word: &str) -> (f64, f64, f64, f64) {
    let (x, y, size, text) = run;
    let start = text.find(word).expect("word in run");
    let x0 = x + text_width(&text[..start], size);
    let x1 = x0 + text_width(word, size);
    let base = page_h - y;
    (x0, base - ASCENT * size, x1, base + DESCENT * size)
}

fn assert_box(w: &Word, exp: (f64, f64, f64, f64)) {
    let got = (w.x0, w.y0, w.x1, w.y1);
    let ok = (got.0 - exp.0).abs() <= 1.0
        && (got.1 - exp.1).abs() <= 1.0
        && (got.2 - exp.2).abs() <= 1.0
        && (got.3 - exp.3).abs() <= 1.0;
    assert!(
        ok,
        "word {:?}: box {got:?}, expected {exp:?} (±1 pt)",
        w.text
    );
}

fn scratch_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pdf_readback_selftest");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// Page 1 (US Letter): two columns. The right column's runs sit on the same
// baselines (one 1 pt higher, one in a smaller size) so that visual lines
// span both columns; the left column ends with a hyphenated word.
const P1: (f64, f64) = (612.0, 792.0);
const HELLO: Run = (72.0, 700.0, 12.0, "Hello world");
const ENT: Run = (72.0, 686.0, 12.0, "A&B <c> \"q\" 'a' café");
const EXAM: Run = (72.0, 672.0, 12.0, "exam-");
const PLE: Run = (72.0, 658.0, 12.0, "ple text (ok)");
const RIGHT: Run = (320.0, 701.0, 12.0, "Right col");
const SECOND: Run = (320.0, 686.0, 9.0, "second");
// Page 2 (400 × 300): runs emitted bottom-first.
const P2: (f64, f64) = (400.0, 300.0);
const BOTTOM: Run = (50.0, 100.0, 12.0, "bottom line");
const BIG: Run = (50.0, 250.0, 20.0, "Big");

fn write_test_pdf() -> PathBuf {
    let p1: &[Run] = &[HELLO, RIGHT, ENT, SECOND, EXAM, PLE];
    let p2: &[Run] = &[BOTTOM, BIG];
    let pdf = make_pdf(&[(P1.0, P1.1, p1), (P2.0, P2.1, p2)]);
    let path = scratch_dir().join("selftest.pdf");
    std::fs::write(&path, pdf).unwrap();
    path
}

#[test]
fn reads_back_hand_made_pdf() {
    let path = write_test_pdf();
    let pages = read_pdf(&path);
    assert_eq!(pages.len(), 2);

    // --- page 1 ---
    let p = &pages[0];
    assert_eq!(p.number, 1);
    assert_eq!((p.width, p.height), P1);
    let texts: Vec<&str> = p.words.iter().map(|w| w.text.as_str()).collect();
    for expected in [
        "Hello", "world", "A&B", "<c>", "\"q\"", "'a'", "café", "exam-", "ple", "text", "(ok)",
        "Right", "col", "second",
    ] {
        assert!(
            texts.contains(&expected),
            "missing word {expected:?} in {texts:?}"
        );
    }
    assert_eq!(p.words.len(), 14, "{texts:?}");

    // Positions within 1 pt of the Helvetica metrics.
    for (run, word) in [
        (HELLO, "Hello"),
        (HELLO, "world"),
        (ENT, "A&B"),
        (ENT, "<c>"),
        (ENT, "\"q\""),
        (ENT, "'a'"),
        (ENT, "café"),
        (EXAM, "exam-"),
        (PLE, "(ok)"),
        (RIGHT, "col"),
        (SECOND, "second"),
    ] {
        assert_box(p.find(word).unwrap(), expected_box(P1.1, run, word));
    }

    // Visual lines span both columns, sorted by x, top to bottom.
    let lines: Vec<String> = p.lines.iter().map(Line::text).collect();
    assert_eq!(
        lines,
        [
            "Hello world Right col",
            "A&B <c> \"q\" 'a' café second",
            "exam-",
            "ple text (ok)",
        ]
    );
    assert_eq!(p.text(), lines.join("\n"));
    for w in p.lines.windows(2) {
        assert!(w[0].y1 < w[1].y1);
    }
    // Line box = union of the word boxes.
    let l0 = &p.lines[0];
    assert_eq!(l0.x0, p.find("Hello").unwrap().x0);
    assert_eq!(l0.x1, p.find("col").unwrap().x1);
    assert_eq!(l0.y0, p.find("Right").unwrap().y0); // the run 1 pt higher
    assert_eq!(l0.y1, p.find("Hello").unwrap().y1);
    assert_eq!(p.line_with("second").unwrap().text(), lines[1]);

    // Column helpers.
    let left = lines_in(p, 0.0, 300.0);
    let right = lines_in(p, 300.0, P1.0);
    assert_eq!(left.len(), 4);
    assert_eq!(
        right.iter().map(Line::text).collect::<Vec<_>>(),
        ["Right col", "second"]
    );
    assert_eq!(words_in(p, 300.0, P1.0).len(), 3);
    let top = words_in_rect(p, 0.0, 0.0, 300.0, 100.0);
    assert_eq!(
        top.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
        ["Hello", "world"]
    );

    // Reading words with the line-end hyphen undone (both &[&Line] and &[Line]).
    let left_refs: Vec<&Line> = left.iter().collect();
    let expected_reading = [
        "Hello", "world", "A&B", "<c>", "\"q\"", "'a'", "café", "example", "text", "(ok)",
    ];
    assert_eq!(reading_words(&left_refs), expected_reading);
    assert_eq!(reading_words(&left), expected_reading);

    // --- page 2 ---
    let p = &pages[1];
    assert_eq!(p.number, 2);
    assert_eq!((p.width, p.height), P2);
    assert_eq!(
        p.lines.iter().map(Line::text).collect::<Vec<_>>(),
        ["Big", "bottom line"]
    );
    assert_box(p.find("Big").unwrap(), expected_box(P2.1, BIG, "Big"));
    assert_box(p.find("line").unwrap(), expected_box(P2.1, BOTTOM, "line"));
    assert!(lines_between(p, 0.0, 100.0).len() == 1);

    // --- plain text ---
    let plain = plain_text(&path);
    assert!(plain.contains("Hello world"), "{plain:?}");
    assert!(plain.contains("A&B <c> \"q\" 'a' café"), "{plain:?}");
    assert!(plain.contains("Big"), "{plain:?}");
    assert_eq!(
        plain.matches('\x0c').count(),
        2,
        "one form feed per page: {plain:?}"
    );
}

#[test]
fn parses_entities_and_multiple_pages() {
    let xml = r#"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "x.dtd"><html xmlns="http://www.w3.org/1999/xhtml">
<head><title>t &amp; u</title></head><body><doc>
  <page width="100.5" height="200">
    <flow><block xMin="0" yMin="0" xMax="1" yMax="1"><line xMin="0" yMin="0" xMax="1" yMax="1">
      <word xMin="50.000000" yMin="10.000000" xMax="60.000000" yMax="20.000000">b&#233;&#xE9;&#x2010;&amp;&lt;&gt;&quot;&apos;&bogus;&amp</word>
      <word xMin="10.000000" yMin="11.000000" xMax="20.000000" yMax="21.500000">a</word>
      <word xMin="10" yMin="30" xMax="20" yMax="40">c</word>
    </line></block></flow>
  </page>
  <page width="10" height="20">
  </page>
  <page width="30" height="40"><word xMin="1" yMin="2" xMax="3" yMax="4">z</word></page>
</doc></body></html>"#;
    let pages = parse_bbox_xhtml(xml);
    assert_eq!(pages.len(), 3);
    assert_eq!(
        (pages[0].number, pages[0].width, pages[0].height),
        (1, 100.5, 200.0)
    );
    assert_eq!(pages[0].words[0].text, "béé\u{2010}&<>\"'&bogus;&amp");
    assert_eq!(pages[0].words[1].y1, 21.5);
    let lines: Vec<Vec<&str>> = pages[0].lines.iter().map(|l| l.texts()).collect();
    assert_eq!(
        lines,
        [vec!["a", pages[0].words[0].text.as_str()], vec!["c"]]
    );
    assert!(pages[1].words.is_empty() && pages[1].lines.is_empty());
    assert_eq!(pages[2].number, 3);
    assert_eq!(pages[2].words[0].text, "z");
}

#[test]
fn line_grouping_tolerance() {
    let w = |t: &str, x: f64, cy: f64| Word {
        text: t.into(),
        x0: x,
        y0: cy - 5.0,
        x1: x + 5.0,
        y1: cy + 5.0,
    };
    // Centres 100, 101.9 (same line), 103.5 (> 2 pt from the line's top: new line).
    let words = vec![
        w("c", 30.0, 103.5),
        w("b", 20.0, 101.9),
        w("a", 10.0, 100.0),
    ];
    let lines = group_lines(&words);
    assert_eq!(
        lines.iter().map(Line::text).collect::<Vec<_>>(),
        ["a b", "c"]
    );
    assert!(group_lines(&[]).is_empty());
}

#[test]
fn dehyphenation() {
    let l = |ws: &[&str]| ws.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    // hyphen-minus, soft hyphen, U+2010, chains, empty lines in between.
    assert_eq!(
        dehyphenate(&[
            l(&["an", "ex-"]),
            l(&["ample", "of", "soft\u{ad}"]),
            l(&[]),
            l(&["hy\u{2010}"]),
            l(&["phen-"]),
            l(&["ation", "end-"]),
        ]),
        ["an", "example", "of", "softhyphenation", "end-"]
    );
    // Hyphens that are not line-final, lone dashes and double hyphens stay.
    assert_eq!(
        dehyphenate(&[l(&["well-known", "-"]), l(&["x", "a--"]), l(&["b"])]),
        ["well-known", "-", "x", "a--", "b"]
    );
    assert!(dehyphenate::<String>(&[]).is_empty());
}
