//! The `apparat` command line. It parses arguments, calls the library, writes files and
//! prints diagnostics; the pipeline itself lives in the library.
//!
//! Exit codes: 0 success, 1 errors in the edition, 2 usage errors.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use clap::{Parser, Subcommand, ValueEnum};

use apparat::diag::{Diagnostic, Diagnostics};

#[derive(Parser)]
#[command(
    name = "apparat",
    version,
    about = "Critical editions from a TOML spec and a verbatim base text, typeset with Typst",
    after_help = "Exit codes: 0 success, 1 errors in the edition, 2 usage errors."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print nothing but errors.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// How to print diagnostics: `human` (with snippets) or `json` (one object per line on stdout).
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    diagnostic_format: Format,
    /// Treat warnings as errors.
    #[arg(long, global = true)]
    deny_warnings: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Human,
    Json,
}

#[derive(clap::Args, Clone)]
struct BuildArgs {
    /// The edition folder (holding edition.toml).
    #[arg(default_value = "edition")]
    dir: PathBuf,
    /// Where to write the PDF (default DIR/out/edition.pdf).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Conform to a PDF standard: a-2b, a-3b, ua-1, … (repeatable; adds to the spec's).
    #[arg(long = "pdf-standard")]
    pdf_standard: Vec<String>,
    /// Also use the machine's fonts (default: only the bundled fonts).
    #[arg(long)]
    system_fonts: bool,
    /// Also render every page to PNG into this folder (page-001.png …).
    #[arg(long)]
    png: Option<PathBuf>,
    /// List every apparatus entry as built: page, line(s), series, type, lemma.
    #[arg(long)]
    list: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Build the edition: DIR/out/edition.pdf, DIR/out/edition.typ (and the template beside it).
    Build(BuildArgs),
    /// Check the edition (spec, anchors, layout verification) without writing anything.
    Check {
        #[arg(default_value = "edition")]
        dir: PathBuf,
    },
    /// Rebuild whenever the edition folder, the template or the fonts change.
    Watch(BuildArgs),
    /// Create a small edition that builds out of the box.
    Init { dir: PathBuf },
    /// Print the edition's citation as CSL-JSON, BibTeX or CITATION.cff.
    Export {
        #[arg(long, value_parser = ["csl-json", "bibtex", "cff"])]
        format: String,
        #[arg(default_value = "edition")]
        dir: PathBuf,
        /// Also write it beside the PDF (DIR/out/edition.csl.json, edition.bib, CITATION.cff).
        #[arg(long)]
        write: bool,
    },
    /// List the fonts a build can use.
    Fonts {
        /// Include the machine's fonts.
        #[arg(long)]
        system_fonts: bool,
    },
    /// Write a synthetic stress edition (edition.toml + source.txt) into DIR.
    Stress {
        dir: PathBuf,
        /// Pages of body text to aim for.
        #[arg(long, default_value_t = 200)]
        pages: usize,
        /// Seed of the text and apparatus generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Benchmark: seed build, stress build and a plain Typst compile, each in fresh processes.
    Bench {
        /// The seed edition folder.
        #[arg(long, default_value = "edition")]
        seed_dir: PathBuf,
        /// Pages of the generated stress edition.
        #[arg(long, default_value_t = 200)]
        pages: usize,
    },
    /// One benchmark run (used by `bench`): CASE is `build` or `plain`.
    #[command(hide = true)]
    BenchOne { case: String, dir: PathBuf },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match &cli.command {
        Command::Build(a) => exit(build(&cli, a, true, None), &cli),
        Command::Check { dir } => {
            let a = BuildArgs {
                dir: dir.clone(),
                output: None,
                pdf_standard: vec![],
                system_fonts: false,
                png: None,
                list: false,
            };
            exit(build(&cli, &a, false, None), &cli)
        }
        Command::Watch(a) => watch(&cli, a),
        Command::Init { dir } => exit(
            apparat::init::init(dir).map(|()| {
                if !cli.quiet {
                    eprintln!(
                        "created {}: build it with `apparat build {}`",
                        dir.display(),
                        dir.display()
                    );
                }
            }),
            &cli,
        ),
        Command::Export { format, dir, write } => {
            let r = apparat::spec::Spec::load(dir).and_then(|spec| {
                let f = apparat::cite::Format::parse(format).expect("clap checked the value");
                let text = apparat::cite::export(&spec, f);
                if *write {
                    apparat::export::write_atomic(
                        &dir.join("out").join(f.file_name()),
                        text.as_bytes(),
                    )?;
                }
                print!("{text}");
                Ok(())
            });
            exit(r, &cli)
        }
        Command::Fonts { system_fonts } => {
            let root = apparat::install_dir();
            match apparat::world::EditionWorld::new(
                apparat::world::Roots {
                    project: root.clone(),
                    templates: root.join("templates"),
                },
                String::new(),
                &root.join("fonts"),
                *system_fonts,
                (2026, 1, 1),
            ) {
                Ok(w) => {
                    for f in w.font_names() {
                        println!("{f}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => exit(Err(Diagnostic::error(e).into()), &cli),
            }
        }
        Command::Stress { dir, pages, seed } => match apparat::stress::generate(dir, *pages, *seed)
        {
            Ok(s) => {
                println!("wrote {}: {s}", dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => exit(
                Err(apparat::diag::io_error("cannot write", dir, &e).into()),
                &cli,
            ),
        },
        Command::Bench { seed_dir, pages } => apparat::bench::run(seed_dir, *pages),
        Command::BenchOne { case, dir } => apparat::bench::one(case, dir),
    }
}

/// Exit code of a result, printing its diagnostics.
fn exit(r: Result<(), Diagnostics>, cli: &Cli) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(d) => {
            report(cli, &d.0);
            ExitCode::from(1)
        }
    }
}

/// Build (and, if `write`, write) one edition; prints warnings and a summary line.
fn build(
    cli: &Cli,
    a: &BuildArgs,
    write: bool,
    session: Option<&mut apparat::Session>,
) -> Result<(), Diagnostics> {
    let start = Instant::now();
    let opts = apparat::Options {
        pdf_standards: a.pdf_standard.clone(),
        system_fonts: a.system_fonts,
        png_scale: a.png.as_ref().map(|_| 2.0),
        progress: !cli.quiet && std::io::stderr().is_terminal(),
    };
    let out = apparat::build_in(&a.dir, &opts, session)?;
    if cli.deny_warnings
        && let Some(d) = Diagnostics::deny_warnings(&out.warnings)
    {
        return Err(d);
    }
    report(cli, &out.warnings);
    let pdf = if write {
        let out_dir = a.dir.join("out");
        let pdf = a
            .output
            .clone()
            .unwrap_or_else(|| out_dir.join("edition.pdf"));
        apparat::write_output(&out, &pdf, &out_dir)?;
        if let Some(png) = &a.png {
            apparat::write_pngs(&out, png)?;
        }
        Some(pdf)
    } else {
        None
    };
    if a.list {
        for e in &out.entries {
            let lines = if e.first == e.last {
                e.first.to_string()
            } else {
                format!("{}–{}", e.first, e.last)
            };
            println!(
                "p. {:>3}  l. {:<7} {:<11} {:<8} {}",
                e.page, lines, e.series, e.kind, e.lemma
            );
        }
    }
    if !cli.quiet {
        let what = match pdf {
            Some(p) => format!("wrote {}", p.display()),
            None => format!("checked {}", a.dir.display()),
        };
        eprintln!(
            "{what}: {} pages ({} front matter), {} apparatus entries, {} compiles, {:.2} s",
            out.pages,
            out.front_pages,
            out.entries.len(),
            out.compiles,
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Rebuild on every change of the edition folder (but its `out/`), the template folder or
/// the fonts. Polls modification times: portable, and cheap for folders of this size.
fn watch(cli: &Cli, a: &BuildArgs) -> ExitCode {
    let root = apparat::install_dir();
    let watched = [a.dir.clone(), root.join("templates"), root.join("fonts")];
    let mut last = stamp(&watched, &a.dir.join("out"));
    let mut session = apparat::Session::default();
    loop {
        if let Err(d) = build(cli, a, true, Some(&mut session)) {
            report(cli, &d.0);
            if !cli.quiet {
                eprintln!("build failed; the previous PDF is kept. Waiting for changes…");
            }
        }
        loop {
            std::thread::sleep(Duration::from_millis(150));
            let now = stamp(&watched, &a.dir.join("out"));
            if now != last {
                last = now;
                break;
            }
        }
    }
}

/// The newest modification time and the file count under the watched folders.
fn stamp(dirs: &[PathBuf], skip: &Path) -> (Option<SystemTime>, usize) {
    fn walk(d: &Path, skip: &Path, acc: &mut (Option<SystemTime>, usize)) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p == skip {
                continue;
            }
            let Ok(m) = e.metadata() else { continue };
            if m.is_dir() {
                walk(&p, skip, acc);
            } else {
                acc.1 += 1;
                if let Ok(t) = m.modified() {
                    acc.0 = acc.0.max(Some(t));
                }
            }
        }
    }
    let mut acc = (None, 0);
    for d in dirs {
        walk(d, skip, &mut acc);
    }
    acc
}

fn report(cli: &Cli, diags: &[Diagnostic]) {
    if diags.is_empty() {
        return;
    }
    match cli.diagnostic_format {
        Format::Json => {
            for d in diags {
                println!("{}", d.to_json());
            }
        }
        Format::Human => {
            let d = Diagnostics(diags.to_vec());
            eprint!("{}", d.render(std::io::stderr().is_terminal()));
        }
    }
}
