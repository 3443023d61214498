//! PDF metadata and standards, read back with poppler (pdfinfo, pdfdetach): the info
//! dictionary and XMP carry the spec's metadata; PDF/A flags declare part and conformance;
//! the spec and the base text travel inside the PDF where the standard allows.

use std::path::{Path, PathBuf};
use std::process::Command;

fn seed() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/edition"))
}

fn build(name: &str, args: &[&str]) -> PathBuf {
    build_with(name, args, &[])
}

/// A copy of the seed edition built with `args` and environment `env`; its PDF's path.
fn build_with(name: &str, args: &[&str], env: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("meta")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in [
        "edition.toml",
        "source.txt",
        "translation.txt",
        "principles.md",
    ] {
        std::fs::copy(seed().join(f), dir.join(f)).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_apparat"))
        .arg("build")
        .arg(&dir)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("out/edition.pdf")
}

fn tool(cmd: &str, args: &[&str], pdf: &Path) -> String {
    let out = Command::new(cmd)
        .args(args)
        .arg(pdf)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e} (install poppler-utils)"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn info_field(info: &str, key: &str) -> String {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no {key} in pdfinfo output"))
}

#[test]
fn info_dictionary_and_xmp_carry_the_metadata() {
    let pdf = build("plain", &[]);
    let spec: toml::Value =
        toml::from_str(&std::fs::read_to_string(seed().join("edition.toml")).unwrap()).unwrap();
    let e = &spec["edition"];
    let info = tool("pdfinfo", &[], &pdf);
    assert_eq!(info_field(&info, "Title"), e["title"].as_str().unwrap());
    // The PDF's author is the edited work's author (what citation managers read as the
    // item's author); the editors are on the title page and in the citation exports.
    assert_eq!(
        info_field(&info, "Author"),
        e["authors"][0].as_str().unwrap()
    );
    assert_eq!(
        info_field(&info, "Subject"),
        e["description"].as_str().unwrap()
    );
    let kw: Vec<&str> = e["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(info_field(&info, "Keywords"), kw.join(", "));
    assert!(
        info_field(&info, "CreationDate").contains("Nov 27 00:00:00 2026"),
        "the spec's date"
    );
    let xmp = tool("pdfinfo", &["-meta"], &pdf);
    assert!(xmp.contains(&format!(
        "<rdf:li xml:lang=\"x-default\">{}</rdf:li>",
        e["title"].as_str().unwrap()
    )));
    assert!(xmp.contains("<dc:language><rdf:Bag><rdf:li>sv</rdf:li>"));
    assert!(xmp.contains(
        "<rdf:li>Rysslands socialdemokratiska arbetarparti (bolsjevikerna). Centralkommittén</rdf:li>"
    ));
    assert!(
        xmp.contains("<xmp:CreateDate>2026-11-27T00:00:00"),
        "the spec's date"
    );
    // Outline (bookmarks) from the headings.
    assert!(info_field(&info, "Tagged") == "yes");
}

#[test]
fn pdf_a_3b_declares_itself_and_carries_its_sources() {
    let pdf = build("a3b", &["--pdf-standard", "a-3b"]);
    let xmp = tool("pdfinfo", &["-meta"], &pdf);
    assert!(
        xmp.contains("<pdfaid:part>3</pdfaid:part>")
            && xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
        "{xmp}"
    );
    let list = tool("pdfdetach", &["-list"], &pdf);
    assert!(
        list.contains("edition.toml") && list.contains("source.txt"),
        "{list}"
    );
    // The attached base text is the evidence, byte for byte.
    let out = pdf.parent().unwrap().join("detached.txt");
    let st = Command::new("pdfdetach")
        .arg("-savefile")
        .arg("source.txt")
        .arg("-o")
        .arg(&out)
        .arg(&pdf)
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(seed().join("source.txt")).unwrap()
    );
}

#[test]
fn pdf_a_2b_forbids_attachments_and_declares_part_2() {
    let pdf = build("a2b", &["--pdf-standard", "a-2b"]);
    let xmp = tool("pdfinfo", &["-meta"], &pdf);
    assert!(
        xmp.contains("<pdfaid:part>2</pdfaid:part>")
            && xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>")
    );
    assert!(tool("pdfdetach", &["-list"], &pdf).contains("0 embedded files"));
}

#[test]
fn pdf_ua_1_builds() {
    let pdf = build("ua1", &["--pdf-standard", "ua-1"]);
    let xmp = tool("pdfinfo", &["-meta"], &pdf);
    assert!(xmp.contains("pdfuaid"), "the XMP declares PDF/UA");
}

#[test]
fn source_date_epoch_overrides_the_timestamp() {
    let pdf = build_with("sde", &[], &[("SOURCE_DATE_EPOCH", "1700000000")]);
    let xmp = tool("pdfinfo", &["-meta"], &pdf);
    assert!(xmp.contains("<xmp:CreateDate>2023-11-14T22:13:20"), "{xmp}");
}

#[test]
fn paper_presets_and_custom_sizes() {
    for (name, paper, want) in [
        ("paper-a4", "paper = \"a4\"", (595.28, 841.89)),
        ("paper-letter", "paper = \"us-letter\"", (612.0, 792.0)),
        (
            "paper-custom",
            "paper = \"custom\"\nwidth = 170\nheight = 240",
            (481.89, 680.31),
        ),
    ] {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("meta")
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_apparat"))
            .arg("init")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success());
        let spec = std::fs::read_to_string(dir.join("edition.toml")).unwrap();
        std::fs::write(
            dir.join("edition.toml"),
            spec.replace("paper = \"a5\"", paper),
        )
        .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_apparat"))
            .arg("build")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let info = tool("pdfinfo", &[], &dir.join("out/edition.pdf"));
        let size = info_field(&info, "Page size");
        let nums: Vec<f64> = size
            .split_whitespace()
            .filter_map(|t| t.parse().ok())
            .collect();
        assert!(
            (nums[0] - want.0).abs() < 0.5 && (nums[1] - want.1).abs() < 0.5,
            "{name}: {size}"
        );
    }
}

/// Line numbers and a witness's page numbers in the margin are artifacts of the tagged PDF:
/// the text a reader copies or hears (the structure tree's text, `pdfinfo -struct-text`)
/// holds the body but none of them. Page-furniture prints a page's line numbers one after
/// the other (5, 10, …) and a milestone's siglum and number together, so either would show
/// as such a run of strings.
#[test]
fn line_numbers_and_margin_sigla_are_artifacts() {
    let pdf = build("artifacts", &[]);
    let tagged = tool("pdfinfo", &["-struct-text"], &pdf);
    let strings: Vec<&str> = tagged
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.strip_suffix('"'))
        .collect();
    assert!(
        tagged.contains("Kamrat Lenin konstaterar"),
        "the body is tagged text:\n{tagged}"
    );
    for pair in strings.windows(2) {
        let numbers: Vec<u32> = pair.iter().filter_map(|s| s.parse().ok()).collect();
        assert!(
            !(numbers.len() == 2 && numbers[0].is_multiple_of(5) && numbers[1] == numbers[0] + 5),
            "line numbers {pair:?} in the tagged text"
        );
        assert!(pair != ["P", "2"], "the margin's `P 2` in the tagged text");
    }
}
