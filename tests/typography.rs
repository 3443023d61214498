//! Typography read back from the PDF: the work's title outranks every heading.

mod common;

use common::edition;

#[test]
fn the_title_outranks_every_heading() {
    let seed = edition::seed();
    let body = &seed.pages[seed.front_pages..];
    // The title's words and the first heading's words on the first body page.
    let first = &body[0];
    let title = first
        .find("Sammanträde")
        .expect("the title on the first body page");
    let heading = first.find("Rapport.").expect("the first heading");
    assert!(
        title.height() > heading.height() * 1.2,
        "title {:.1} pt high, heading {:.1} pt",
        title.height(),
        heading.height()
    );
}
