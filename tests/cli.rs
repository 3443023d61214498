//! The command line: subcommands, exit codes, JSON diagnostics, citation exports, `init`,
//! `watch`, atomic output.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn apparat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_apparat"))
}

/// Run `cmd`, which must succeed (its stderr shown if not).
fn run_ok(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn seed() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/edition"))
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.parent().unwrap()).unwrap();
    d
}

fn copy_seed(name: &str) -> PathBuf {
    let d = scratch(name);
    std::fs::create_dir_all(&d).unwrap();
    for f in [
        "edition.toml",
        "source.txt",
        "translation.txt",
        "principles.md",
    ] {
        std::fs::copy(seed().join(f), d.join(f)).unwrap();
    }
    d
}

#[test]
fn usage_errors_exit_2_and_help_documents_exit_codes() {
    let out = apparat().arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let help = apparat().arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("Exit codes: 0 success, 1 errors in the edition, 2 usage errors"));
    for sub in ["build", "check", "watch", "init", "export", "fonts"] {
        assert!(text.contains(sub), "--help lacks `{sub}`");
    }
}

#[test]
fn init_creates_an_edition_that_builds() {
    let d = scratch("init");
    run_ok(apparat().arg("init").arg(&d));
    run_ok(apparat().arg("build").arg(&d));
    assert!(d.join("out/edition.pdf").exists());
    // A second init into the same, now non-empty folder is refused.
    assert_eq!(
        apparat()
            .arg("init")
            .arg(&d)
            .output()
            .unwrap()
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn check_writes_nothing() {
    let d = copy_seed("check");
    run_ok(apparat().arg("check").arg(&d));
    assert!(!d.join("out").exists());
}

#[test]
fn json_diagnostics_parse_and_locate() {
    let d = copy_seed("json");
    let spec = std::fs::read_to_string(d.join("edition.toml")).unwrap();
    std::fs::write(
        d.join("edition.toml"),
        spec.replace("at = \"förmärkts\"", "at = \"förmärktes\""),
    )
    .unwrap();
    let out = apparat()
        .args(["check", "--diagnostic-format", "json"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 1);
    let d0 = &lines[0];
    assert_eq!(d0["severity"], "error");
    assert!(d0["file"].as_str().unwrap().ends_with("edition.toml"));
    let line = spec
        .lines()
        .position(|l| l.contains("at = \"förmärkts\""))
        .unwrap()
        + 1;
    assert_eq!(d0["line"].as_u64(), Some(line as u64));
    assert_eq!(d0["column"].as_u64(), Some(6));
    assert!(d0["message"].as_str().unwrap().contains("not found"));
}

#[test]
fn failed_build_keeps_the_previous_pdf() {
    let d = copy_seed("atomic");
    assert!(
        apparat()
            .arg("build")
            .arg(&d)
            .output()
            .unwrap()
            .status
            .success()
    );
    let before = std::fs::read(d.join("out/edition.pdf")).unwrap();
    let spec = std::fs::read_to_string(d.join("edition.toml")).unwrap();
    std::fs::write(
        d.join("edition.toml"),
        spec.replace("base = \"P\"", "base = \"X\""),
    )
    .unwrap();
    assert_eq!(
        apparat()
            .arg("build")
            .arg(&d)
            .output()
            .unwrap()
            .status
            .code(),
        Some(1)
    );
    assert_eq!(std::fs::read(d.join("out/edition.pdf")).unwrap(), before);
    // No temporary files left behind.
    let leftovers: Vec<_> = std::fs::read_dir(d.join("out"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn png_previews_are_written() {
    let d = copy_seed("png");
    let png = d.join("png");
    let out = apparat()
        .arg("build")
        .arg(&d)
        .arg("--png")
        .arg(&png)
        .output()
        .unwrap();
    assert!(out.status.success());
    let first = std::fs::read(png.join("page-001.png")).unwrap();
    assert_eq!(&first[..8], b"\x89PNG\r\n\x1a\n");
}

fn export(format: &str) -> String {
    let out = run_ok(apparat().args(["export", "--format", format]).arg(seed()));
    String::from_utf8(out.stdout).unwrap()
}

fn spec_value() -> toml::Value {
    toml::from_str(&std::fs::read_to_string(seed().join("edition.toml")).unwrap()).unwrap()
}

#[test]
fn csl_json_export_parses_and_carries_the_metadata() {
    let v: serde_json::Value = serde_json::from_str(&export("csl-json")).unwrap();
    let spec = spec_value();
    let e = &spec["edition"];
    let item = &v[0];
    assert!(
        item["title"]
            .as_str()
            .unwrap()
            .starts_with(e["title"].as_str().unwrap())
    );
    assert_eq!(item["version"].as_str(), e["version"].as_str());
    assert_eq!(item["type"], "book");
    assert!(
        item["editor"]
            .as_array()
            .is_some_and(|a| a.len() == e["editors"].as_array().unwrap().len())
    );
    assert_eq!(item["issued"]["date-parts"][0][0], 2026);
}

#[test]
fn bibtex_export_has_balanced_fields() {
    let b = export("bibtex");
    assert!(b.starts_with("@book{"));
    // A strict field check: every field line is `  name = {value},` with balanced braces.
    let mut fields = std::collections::HashMap::new();
    for line in b.lines().skip(1).filter(|l| l.starts_with("  ")) {
        let (name, rest) = line.trim().split_once(" = ").expect("name = value");
        let value = rest.strip_suffix(',').expect("trailing comma");
        let mut depth = 0i32;
        for c in value.chars() {
            depth += match c {
                '{' => 1,
                '}' => -1,
                _ => 0,
            };
            assert!(depth >= 0, "unbalanced: {line}");
        }
        assert_eq!(depth, 0, "unbalanced: {line}");
        fields.insert(name.to_string(), value.to_string());
    }
    for f in ["title", "editor", "year", "version"] {
        assert!(fields.contains_key(f), "missing {f}");
    }
    assert!(fields["version"].contains("1.0.0"));
    assert_eq!(b.lines().last(), Some("}"));
}

#[test]
fn cff_export_is_valid_yaml_with_the_metadata() {
    let y: serde_yaml::Value = serde_yaml::from_str(&export("cff")).unwrap();
    assert_eq!(y["cff-version"].as_str(), Some("1.2.0"));
    assert_eq!(y["version"].as_str(), Some("1.0.0"));
    assert!(y["title"].as_str().unwrap().contains("Sammanträde"));
    assert!(y["authors"].as_sequence().is_some_and(|a| !a.is_empty()));
    assert_eq!(y["date-released"].as_str(), Some("2026-11-27"));
}

#[test]
fn export_with_doi_carries_it() {
    let d = copy_seed("doi");
    let spec = std::fs::read_to_string(d.join("edition.toml")).unwrap();
    std::fs::write(
        d.join("edition.toml"),
        spec.replace(
            "place = \"Stockholm\"",
            "place = \"Stockholm\"\ndoi = \"10.5281/zenodo.123\"",
        ),
    )
    .unwrap();
    for f in ["csl-json", "bibtex", "cff"] {
        let out = apparat()
            .args(["export", "--format", f, "--write"])
            .arg(&d)
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("10.5281/zenodo.123"),
            "{f}"
        );
    }
    assert!(
        d.join("out/CITATION.cff").exists()
            && d.join("out/edition.bib").exists()
            && d.join("out/edition.csl.json").exists()
    );
}

#[test]
fn watch_rebuilds_after_the_spec_changes() {
    let d = copy_seed("watch");
    let mut child = apparat()
        .arg("watch")
        .arg(&d)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let wait_for = |what: &str| -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(l) = rx.recv_timeout(Duration::from_millis(200))
                && l.contains(what)
            {
                return Some(l);
            }
        }
        None
    };
    let first = wait_for("wrote");
    // Change a margin note's text: the rebuilt PDF must differ.
    let before = std::fs::read(d.join("out/edition.pdf")).ok();
    std::thread::sleep(Duration::from_millis(50));
    let spec = std::fs::read_to_string(d.join("edition.toml")).unwrap();
    std::fs::write(
        d.join("edition.toml"),
        spec.replace("text = \"Lenins rapport\"", "text = \"Rapporten\""),
    )
    .unwrap();
    let second = wait_for("wrote");
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.is_some(), "no first build");
    assert!(second.is_some(), "no rebuild after the change");
    assert_ne!(before, std::fs::read(d.join("out/edition.pdf")).ok());
}

#[test]
fn a_forked_template_in_the_edition_folder_is_used() {
    // A house style: the apparatus separator becomes a bullet.
    let d = seed_with_template(
        "template",
        &[(
            r#"#let app-sep(kind) = if kind == "line" { [‖] } else { [|] }"#,
            r#"#let app-sep(kind) = if kind == "line" { [‖] } else { [•] }"#,
        )],
    );
    let text = build_ok_text(&d);
    assert!(
        text.contains("• förmärkts]"),
        "the forked template's separator is printed"
    );
    // The template travels with the markup.
    assert!(d.join("out/templates/hus.typ").exists());
}

/// Build `d`, which must succeed, and return the PDF's text.
fn build_ok_text(d: &Path) -> String {
    run_ok(apparat().arg("build").arg(d));
    let text = Command::new("pdftotext")
        .arg(d.join("out/edition.pdf"))
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8_lossy(&text.stdout).into_owned()
}

/// A copy of the seed edition set with the default template changed by `edits` (each
/// `(from, to)` must apply).
fn seed_with_template(name: &str, edits: &[(&str, &str)]) -> PathBuf {
    let d = copy_seed(name);
    let mut t = common::edition::default_template();
    for (from, to) in edits {
        assert!(t.contains(from), "the template no longer has `{from}`");
        t = t.replace(from, to);
    }
    std::fs::write(d.join("hus.typ"), t).unwrap();
    let spec = std::fs::read_to_string(d.join("edition.toml")).unwrap();
    std::fs::write(
        d.join("edition.toml"),
        spec.replace("[layout]\n", "[layout]\ntemplate = \"hus.typ\"\n"),
    )
    .unwrap();
    d
}

#[test]
fn template_functions_that_widen_runs_are_called_word_by_word() {
    // Functions that set a run of several words (or characters) wider than its parts: apparat
    // must measure that and call them word by word (character by character), or the
    // apparatus lines it broke would overflow and its own check would fail the build.
    let d = seed_with_template(
        "widening",
        &[
            (
                "#let app-note(body) = body",
                r#"#let app-note(body) = if body.has("text") and body.text.contains(" ") { [#body#h(12pt)] } else { body }"#,
            ),
            (
                r#"#let app-num(n) = text(weight: "bold", number-width: "tabular", n)"#,
                r#"#let app-num(n) = text(weight: "bold", number-width: "tabular", if n.has("text") and n.text.clusters().len() > 1 { [#n#h(12pt)] } else { n })"#,
            ),
        ],
    );
    let text = build_ok_text(&d);
    assert!(text.contains("korniloviad]"), "the commentary is printed");
}

#[test]
fn apparatus_text_wider_in_print_than_measured_fails_the_build() {
    // A template that sets commentary wider on the final pages than when apparat measured it
    // (the measurements are taken on page 1): apparatus lines wrap, and the build must say
    // so instead of printing a page whose apparatus grew into the text.
    let d = seed_with_template(
        "wider-in-print",
        &[(
            "#let app-note(body) = body",
            "#let app-note(body) = context if counter(page).get().first() > 1 { [#body#h(40pt)] } else { body }",
        )],
    );
    let out = apparat().arg("build").arg(&d).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("apparatus line(s), planned"), "{err}");
    assert!(!d.join("out/edition.pdf").exists());
}

#[test]
fn warnings_print_and_fail_only_with_deny_warnings() {
    let d = seed_with_a_warning("warnings");
    let out = run_ok(
        apparat()
            .args(["build", "--diagnostic-format", "json"])
            .arg(&d),
    );
    let diags: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        diags.iter().any(|x| x["severity"] == "warning"
            && x["message"].as_str().unwrap().contains("very long lemma")),
        "{diags:?}"
    );
    let denied = apparat()
        .args(["build", "--deny-warnings"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(denied.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&denied.stderr).contains("very long lemma"));
}

/// A copy of the seed edition with a 30-word lemma, which draws a warning.
fn seed_with_a_warning(name: &str) -> PathBuf {
    let d = copy_seed(name);
    let spec = std::fs::read_to_string(d.join("edition.toml")).unwrap();
    let long = "Det politiska läget arbetar också eftertryckligt i denna riktning. Beslutsamma aktioner från vår sida den 3-5 juli skulle ha misslyckats eftersom vi inte hade majoriteten bakom oss. Sedan dess har vi gjort";
    std::fs::write(
        d.join("edition.toml"),
        format!(
            "{spec}\n[[entry]]\nseries = \"commentary\"\nat = \"{long}\"\nnote = \"Långt lemma.\"\n"
        ),
    )
    .unwrap();
    d
}

#[test]
fn quiet_prints_nothing_but_errors() {
    let d = seed_with_a_warning("quiet");
    for format in ["human", "json"] {
        let out = run_ok(
            apparat()
                .args(["build", "-q", "--diagnostic-format", format])
                .arg(&d),
        );
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{format}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{format}");
    }
    // Under --deny-warnings the warning is an error, and errors print.
    let denied = apparat()
        .args(["build", "-q", "--deny-warnings"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(denied.status.code(), Some(1));
    let err = String::from_utf8_lossy(&denied.stderr);
    assert!(
        err.contains("error") && err.contains("very long lemma"),
        "{err}"
    );
}

#[test]
fn the_edition_folder_defaults_to_the_current_one_when_it_holds_edition_toml() {
    // Inside an edition folder: `.`.
    let d = copy_seed("default-dir");
    let out = run_ok(apparat().arg("check").current_dir(&d));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("checked .:"), "{err}");
    // Beside one: `edition`.
    let parent = scratch("default-dir-parent");
    std::fs::create_dir_all(&parent).unwrap();
    std::fs::rename(&d, parent.join("edition")).unwrap();
    let out = run_ok(
        apparat()
            .args(["export", "--format", "cff"])
            .current_dir(&parent),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Sammanträde"));
    // Elsewhere: `edition`, which is not there.
    let elsewhere = scratch("default-dir-elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let out = apparat()
        .args(["export", "--format", "cff"])
        .current_dir(&elsewhere)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("edition"));
}

#[test]
fn init_suggests_a_shell_quoted_command_and_checks_its_text() {
    let d = scratch("init with space and it's");
    let out = run_ok(apparat().arg("init").arg(&d));
    let err = String::from_utf8_lossy(&out.stderr);
    let command = err
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("no command in {err}"));
    // The suggestion, run by a shell, builds the new edition.
    let bin = Path::new(env!("CARGO_BIN_EXE_apparat")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    run_ok(Command::new("sh").args(["-c", command]).env("PATH", path));
    assert!(d.join("out/edition.pdf").exists());
    // The spec carries the sha256 of the base text written beside it.
    let spec: toml::Value =
        toml::from_str(&std::fs::read_to_string(d.join("edition.toml")).unwrap()).unwrap();
    let source = std::fs::read(d.join("source.txt")).unwrap();
    use sha2::Digest;
    let sha: String = sha2::Sha256::digest(&source)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(spec["text"]["sha256"].as_str(), Some(sha.as_str()));
    assert_eq!(
        spec["edition"]["short-title"].as_str(),
        Some("init with space and it's")
    );
}

#[test]
fn template_prints_or_writes_the_bundled_template() {
    let bundled = common::edition::default_template();
    let out = run_ok(apparat().arg("template"));
    assert!(String::from_utf8_lossy(&out.stdout) == bundled);
    let d = scratch("template-write");
    run_ok(apparat().args(["template", "--write"]).arg(&d));
    assert!(std::fs::read_to_string(d.join("apparat.typ")).unwrap() == bundled);
    // A fork is never overwritten.
    std::fs::write(d.join("apparat.typ"), "// my house style").unwrap();
    let again = apparat()
        .args(["template", "--write"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not overwritten"));
    assert_eq!(
        std::fs::read_to_string(d.join("apparat.typ")).unwrap(),
        "// my house style"
    );
}

/// A copy of the bundled regular face renamed `family` (16 characters), so it is a font no
/// build has unless it is given: the name is patched in place, in ASCII and UTF-16.
fn renamed_font(family: &str) -> Vec<u8> {
    let mut font = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fonts/libertinus-serif/LibertinusSerif-Regular.otf"
    ))
    .unwrap();
    let replace = |font: &mut Vec<u8>, from: &[u8], to: &[u8]| {
        assert_eq!(from.len(), to.len());
        let mut i = 0;
        while let Some(at) = font[i..].windows(from.len()).position(|w| w == from) {
            font[i + at..i + at + to.len()].copy_from_slice(to);
            i += at + to.len();
        }
    };
    let utf16 = |s: &str| {
        s.encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect::<Vec<_>>()
    };
    let postscript = family.replace(' ', "");
    for (from, to) in [
        ("Libertinus Serif", family),
        ("LibertinusSerif", &postscript),
    ] {
        replace(&mut font, from.as_bytes(), to.as_bytes());
        replace(&mut font, &utf16(from), &utf16(to));
    }
    font
}

#[test]
fn an_edition_fonts_folder_adds_its_fonts() {
    let d = copy_seed("edition-fonts");
    std::fs::create_dir_all(d.join("fonts")).unwrap();
    std::fs::write(d.join("fonts/house.otf"), renamed_font("Housestyle Serif")).unwrap();
    let out = run_ok(apparat().arg("fonts").arg(&d));
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(list.contains("Housestyle Serif (Normal, 400"), "{list}");
    assert!(list.contains("Libertinus Serif (Normal, 400"), "{list}");
    // The spec may name it, and the PDF then embeds it.
    let spec = std::fs::read_to_string(d.join("edition.toml")).unwrap();
    std::fs::write(
        d.join("edition.toml"),
        spec.replace("[layout]\n", "[layout]\nfont = \"Housestyle Serif\"\n"),
    )
    .unwrap();
    run_ok(apparat().arg("build").arg(&d));
    let fonts = Command::new("pdffonts")
        .arg(d.join("out/edition.pdf"))
        .output()
        .unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(fonts.contains("HousestyleSerif"), "{fonts}");
}

/// The binary carries its template and fonts: copied elsewhere and run with an empty
/// environment in a folder far from the source checkout, it creates, builds and lists fonts.
#[test]
fn the_binary_works_without_the_source_checkout() {
    let place = scratch("installed");
    std::fs::create_dir_all(place.join("bin")).unwrap();
    let bin = place.join("bin/apparat");
    std::fs::copy(env!("CARGO_BIN_EXE_apparat"), &bin).unwrap();
    // The checkout's path is nowhere in the binary, so nothing can be read from there.
    let bytes = std::fs::read(&bin).unwrap();
    let checkout = env!("CARGO_MANIFEST_DIR").as_bytes();
    assert!(
        !bytes.windows(checkout.len()).any(|w| w == checkout),
        "the binary names the source checkout"
    );
    let run = |args: &[&str]| {
        run_ok(
            Command::new(&bin)
                .args(args)
                .env_clear()
                .current_dir(&place),
        )
    };
    run(&["init", "ed"]);
    run(&["build", "ed"]);
    assert!(place.join("ed/out/edition.pdf").exists());
    assert_eq!(
        std::fs::read_to_string(place.join("ed/out/templates/apparat.typ")).unwrap(),
        common::edition::default_template()
    );
    let fonts = run(&["fonts"]);
    assert!(String::from_utf8_lossy(&fonts.stdout).contains("Libertinus Serif (Normal, 400"));
}

/// No code outside tests finds files through the source checkout's path.
#[test]
fn no_code_path_reads_the_source_checkout() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            assert!(
                !code.contains("CARGO_MANIFEST_DIR"),
                "{} uses CARGO_MANIFEST_DIR outside its tests",
                path.display()
            );
        }
    }
}

/// Output is written only where it cannot destroy input: not over a file that is not a PDF
/// (the base text, the spec), not through an `out` that links elsewhere, and `stress`
/// never into a folder that holds anything.
#[test]
fn output_never_overwrites_input_nor_leaves_the_edition_folder() {
    let dir = scratch("clobber");
    run_ok(apparat().arg("init").arg(&dir));
    let source = std::fs::read(dir.join("source.txt")).unwrap();
    let out = apparat()
        .arg("build")
        .arg(&dir)
        .arg("-o")
        .arg(dir.join("source.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("which is not a PDF"));
    assert_eq!(std::fs::read(dir.join("source.txt")).unwrap(), source);
    // An earlier PDF is written over.
    let pdf = dir.join("mine.pdf");
    run_ok(apparat().arg("build").arg(&dir).arg("-o").arg(&pdf));
    run_ok(apparat().arg("build").arg(&dir).arg("-o").arg(&pdf));

    let elsewhere = scratch("clobber-elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let _ = std::fs::remove_dir_all(dir.join("out"));
    std::os::unix::fs::symlink(&elsewhere, dir.join("out")).unwrap();
    let out = apparat().arg("build").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a symbolic link"));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);

    let out = apparat().arg("stress").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists and is not empty"));
    assert_eq!(std::fs::read(dir.join("source.txt")).unwrap(), source);
}
