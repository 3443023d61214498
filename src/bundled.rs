//! The default template and fonts, compiled into the binary.
//!
//! An installed `apparat` (`cargo install --path .`, or a binary copied to another machine)
//! must not depend on the source checkout it was built from, so the template and the fonts
//! travel inside the executable, as typst-cli embeds its fonts. The Typst World serves the
//! template at `/out/templates/apparat.typ` from memory; the build still writes a copy
//! beside `out/edition.typ`, so the written markup compiles with stock Typst.

/// File name of the bundled template, as the build writes it into `out/templates/`.
pub const TEMPLATE_NAME: &str = "apparat.typ";

/// The bundled template (`templates/apparat.typ`).
pub const TEMPLATE: &str = include_str!("../templates/apparat.typ");

/// `(path, bytes)` of one file under `fonts/`.
macro_rules! font {
    ($path:literal) => {
        ($path, include_bytes!(concat!("../fonts/", $path)))
    };
}
/// The bundled fonts (`fonts/…`): path below `fonts/` and contents.
pub const FONTS: &[(&str, &[u8])] = &[
    font!("libertinus-serif/LibertinusSerif-Bold.otf"),
    font!("libertinus-serif/LibertinusSerif-BoldItalic.otf"),
    font!("libertinus-serif/LibertinusSerif-Italic.otf"),
    font!("libertinus-serif/LibertinusSerif-Regular.otf"),
    font!("libertinus-serif/LibertinusSerif-Semibold.otf"),
    font!("libertinus-serif/LibertinusSerif-SemiboldItalic.otf"),
];

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every font file in the checkout's `fonts/` folder is embedded, byte for byte.
    #[test]
    fn every_font_in_the_fonts_folder_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
        let mut on_disk = vec![];
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "otf" || e == "ttf") {
                    let rel = path
                        .strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    on_disk.push((rel, std::fs::read(&path).unwrap()));
                }
            }
        }
        on_disk.sort();
        let mut embedded: Vec<(String, Vec<u8>)> = super::FONTS
            .iter()
            .map(|(p, b)| (p.to_string(), b.to_vec()))
            .collect();
        embedded.sort();
        let names = |v: &[(String, Vec<u8>)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
        assert_eq!(names(&embedded), names(&on_disk));
        assert!(
            embedded == on_disk,
            "an embedded font differs from its file"
        );
    }
}
