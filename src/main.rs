//! The `apparat` command line. Exit codes: 0 success, 1 errors in the edition, 2 usage.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

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
    /// How to print diagnostics.
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

#[derive(Subcommand)]
enum Command {
    /// Build the edition: writes OUT/edition.pdf and OUT/edition.typ (OUT = DIR/out).
    Build {
        /// The edition folder (holding edition.toml).
        #[arg(default_value = "edition")]
        dir: PathBuf,
        /// Where to write the PDF (default DIR/out/edition.pdf).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Conform to a PDF standard: a-2b, a-3b, ua-1, … (repeatable).
        #[arg(long = "pdf-standard")]
        pdf_standard: Vec<String>,
        /// Also use the machine's fonts.
        #[arg(long)]
        system_fonts: bool,
        /// List every apparatus entry as built (page, line, series, lemma, type).
        #[arg(long)]
        list: bool,
    },
    /// Check the edition (spec, anchors, layout verification) without writing anything.
    Check {
        #[arg(default_value = "edition")]
        dir: PathBuf,
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
    let start = Instant::now();
    let (dir, write) = match &cli.command {
        Command::Build { dir, output, .. } => (dir.clone(), Some(output.clone())),
        Command::Check { dir } => (dir.clone(), None),
        Command::Stress { dir, pages, seed } => {
            return match apparat::stress::generate(dir, *pages, *seed) {
                Ok(s) => {
                    println!("wrote {}: {s}", dir.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", dir.display());
                    ExitCode::from(1)
                }
            };
        }
        Command::Bench { seed_dir, pages } => return apparat::bench::run(seed_dir, *pages),
        Command::BenchOne { case, dir } => return apparat::bench::one(case, dir),
    };
    let mut opts = apparat::Options::default();
    let mut list = false;
    if let Command::Build {
        pdf_standard,
        system_fonts,
        list: l,
        ..
    } = &cli.command
    {
        opts.pdf_standards = pdf_standard.clone();
        opts.system_fonts = *system_fonts;
        list = *l;
    }
    let result = apparat::build(&dir, &opts).and_then(|out| {
        if cli.deny_warnings && !out.warnings.is_empty() {
            let mut w = out.warnings.clone();
            for d in &mut w {
                d.severity = apparat::diag::Severity::Error;
            }
            return Err(Diagnostics(w));
        }
        if let Some(output) = &write {
            let out_dir = dir.join("out");
            let pdf = output
                .clone()
                .unwrap_or_else(|| out_dir.join("edition.pdf"));
            apparat::write_output(&out, &pdf, &out_dir)?;
            Ok((out, Some(pdf)))
        } else {
            Ok((out, None))
        }
    });
    match result {
        Ok((out, pdf)) => {
            report(&cli, &out.warnings);
            if list {
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
                    None => "checked".to_string(),
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
            ExitCode::SUCCESS
        }
        Err(d) => {
            report(&cli, &d.0);
            ExitCode::from(1)
        }
    }
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
