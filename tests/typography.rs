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
    assert!(
        title > 1.15 * heading,
        "title {title:.2} pt against heading {heading:.2} pt"
    );
    assert!(
        heading > 1.04 * text && heading < title,
        "heading {heading:.2} pt against text {text:.2} pt"
    );
}
