//! Line numbering that continues through the document (`restart = "document"`), read back
//! from the PDF: margin numbers keep counting across pages, and apparatus references use the
//! same count.

mod common;

use std::path::Path;

use common::pdf::read_pdf;

#[test]
fn numbering_can_continue_through_the_document() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("edition");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("numbering-document");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["source.txt", "translation.txt", "principles.md"] {
        std::fs::copy(seed.join(f), dir.join(f)).unwrap();
    }
    let spec = std::fs::read_to_string(seed.join("edition.toml")).unwrap();
    assert!(spec.contains("restart = \"page\""));
    std::fs::write(
        dir.join("edition.toml"),
        spec.replace("restart = \"page\"", "restart = \"document\""),
    )
    .unwrap();
    let out = apparat::build(&dir, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let pdf = dir.join("doc.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let (pages, _) = common::edition::split_facing(&dir, read_pdf(&pdf), out.front_pages);
    // Margin numbers: digit-only words set small (7.5 pt) outside the body column.
    let mut numbers = vec![];
    for p in &pages[out.front_pages..] {
        let body_x0 = p
            .words
            .iter()
            .filter(|w| w.height() > 11.0)
            .map(|w| w.x0)
            .fold(f64::MAX, f64::min);
        let body_x1 = p
            .words
            .iter()
            .filter(|w| w.height() > 11.0)
            .map(|w| w.x1)
            .fold(f64::MIN, f64::max);
        let mut on_page: Vec<(f64, u32)> = p
            .words
            .iter()
            .filter(|w| (w.x0 > body_x1 || w.x1 < body_x0) && w.height() < 9.0)
            .filter_map(|w| w.text.parse::<u32>().ok().map(|n| (w.y0, n)))
            .filter(|(_, n)| n % 5 == 0)
            .collect();
        on_page.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        numbers.extend(on_page.into_iter().map(|(_, n)| n));
    }
    assert!(numbers.len() >= 6, "{numbers:?}");
    let expected: Vec<u32> = (1..=numbers.len() as u32).map(|i| i * 5).collect();
    assert_eq!(
        numbers, expected,
        "numbers continue across pages in steps of 5"
    );
}
