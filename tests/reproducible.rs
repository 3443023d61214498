//! Reproducibility and the base text's hash pin.
//!
//! - Two builds of the seed give the same PDF bytes.
//! - A copy of the edition whose source.txt differs by one byte fails (`apparat build DIR`,
//!   exit code 1), the diagnostic names the pinned and the actual sha256 and points at the
//!   `sha256 =` line of edition.toml, and the PDF of the previous build in DIR/out is left
//!   untouched.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::edition;
use sha2::{Digest, Sha256};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn copy_seed(to: &Path) {
    for f in [
        "edition.toml",
        "source.txt",
        "translation.txt",
        "principles.md",
    ] {
        std::fs::copy(edition::seed_dir().join(f), to.join(f)).unwrap();
    }
}

fn apparat(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_apparat"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run apparat")
}

/// Remove ANSI colour sequences (in case the diagnostics are coloured).
fn plain(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// All files under `dir` with their bytes, sorted by path.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.push((p, bytes));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn two_builds_give_identical_bytes() {
    let dir = edition::seed_dir();
    let a = apparat::build(&dir, &Default::default()).unwrap();
    let b = apparat::build(&dir, &Default::default()).unwrap();
    assert!(a.pdf.starts_with(b"%PDF-"));
    assert!(
        a.pdf == b.pdf,
        "two builds differ ({} vs {} bytes)",
        a.pdf.len(),
        b.pdf.len()
    );
    assert_eq!(a.typ, b.typ);
}

#[test]
fn the_binary_and_a_copied_folder_give_the_same_pdf() {
    // Where the edition lives does not change the PDF: the CLI's build of a copy equals
    // the library's build of the seed.
    let tmp = edition::scratch("repro-copy");
    copy_seed(&tmp);
    let out = apparat(&["build", tmp.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli = std::fs::read(tmp.join("out").join("edition.pdf")).unwrap();
    let lib = apparat::build(&edition::seed_dir(), &Default::default()).unwrap();
    assert!(cli == lib.pdf, "the copy's PDF differs from the seed's");
}

#[test]
fn changed_source_fails_on_the_pin_and_keeps_the_old_pdf() {
    let tmp = edition::scratch("repro-pin");
    copy_seed(&tmp);
    let dir = tmp.to_str().unwrap();

    // A good build first: DIR/out/edition.pdf exists.
    let ok = apparat(&["build", dir]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let pdf_path = tmp.join("out").join("edition.pdf");
    assert!(pdf_path.exists());
    let before = snapshot(&tmp.join("out"));

    // One byte changed: `Uppenbarligen` → `uppenbarligen`.
    let src_path = tmp.join("source.txt");
    let mut src = std::fs::read(&src_path).unwrap();
    let at = src.windows(13).position(|w| w == b"Uppenbarligen").unwrap();
    src[at] = b'u';
    std::fs::write(&src_path, &src).unwrap();
    let actual = hex(&Sha256::digest(&src));

    let spec_text = std::fs::read_to_string(tmp.join("edition.toml")).unwrap();
    let pinned = edition::read_spec(&tmp).sha256.unwrap();
    assert_ne!(pinned, actual);
    let line = 1 + spec_text
        .lines()
        .position(|l| l.trim_start().starts_with("sha256 ="))
        .unwrap();

    let bad = apparat(&["build", dir]);
    let stderr = plain(&String::from_utf8_lossy(&bad.stderr));
    assert_eq!(bad.status.code(), Some(1), "exit code; stderr:\n{stderr}");
    assert!(stderr.contains(&pinned), "pinned hash missing:\n{stderr}");
    assert!(stderr.contains(&actual), "actual hash missing:\n{stderr}");
    let loc = format!("edition.toml:{line}:");
    assert!(
        stderr.contains(&loc),
        "no pointer at the sha256 line ({loc}):\n{stderr}"
    );

    // The previous output is untouched (no partial or temporary files either).
    let after = snapshot(&tmp.join("out"));
    assert_eq!(
        before.iter().map(|(p, _)| p).collect::<Vec<_>>(),
        after.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    assert!(before == after, "the files in DIR/out changed");
    let old_pdf = &before.iter().find(|(p, _)| *p == pdf_path).unwrap().1;
    assert!(
        &std::fs::read(&pdf_path).unwrap() == old_pdf,
        "the previous PDF changed"
    );

    // `check` fails the same way.
    let check = apparat(&["check", dir]);
    assert_eq!(check.status.code(), Some(1));
}

/// `out/edition.typ` with `out/templates/` is the whole document: compiled on its own — a
/// World over the edition folder alone (as `typst compile --root DIR --font-path fonts
/// DIR/out/edition.typ` would see it), with the same identifier and timestamp — it gives the
/// very PDF the build wrote.
#[test]
fn the_written_markup_compiles_on_its_own_to_the_same_pdf() {
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("edition");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("standalone-markup");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in [
        "edition.toml",
        "source.txt",
        "translation.txt",
        "principles.md",
    ] {
        std::fs::copy(seed.join(f), dir.join(f)).unwrap();
    }
    let out = apparat::build(&dir, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let pdf_path = dir.join("out/edition.pdf");
    apparat::write_output(&out, &pdf_path, &dir.join("out")).unwrap();

    let markup = std::fs::read_to_string(dir.join("out/edition.typ")).unwrap();
    let spec = apparat::spec::Spec::load(&dir).unwrap();
    let text = apparat::text::Text::load(&spec).unwrap();
    let template = std::fs::read_to_string(dir.join("out/templates/apparat.typ")).unwrap();
    let world = apparat::world::EditionWorld::new(
        // Templates are read from the copy in out/templates, i.e. from the edition folder.
        apparat::world::Roots {
            project: dir.clone(),
            templates: Some(dir.join("out/templates")),
        },
        markup,
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts"),
        false,
        spec.date(),
    )
    .unwrap();
    let (doc, _) = apparat::typeset::compile(&world).unwrap_or_else(|e| panic!("{e}"));
    let ident = apparat::pdf_ident(&spec, &text.sha256, &template);
    let pdf = apparat::export::pdf(&doc, &ident, apparat::timestamp(&spec), &[]).unwrap();
    assert!(
        pdf == std::fs::read(&pdf_path).unwrap(),
        "the standalone compile differs from the build"
    );
}
