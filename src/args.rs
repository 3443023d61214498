//! Every clap type of the command line, in one place: what was typed. The subcommands in
//! `cmd/` turn these into calls of the library.
//!
//! Arguments several subcommands share are groups (`EditionArg`, `CompileArgs`, `FontArgs`)
//! flattened into each, so they are spelled and documented once; fixed choices are
//! `ValueEnum`s, so clap lists them in `--help` and refuses others as usage errors (exit 2).

use std::path::{Path, PathBuf};

use apparat::export::PdfStandard;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// The command line.
#[derive(Parser)]
#[command(
    name = "apparat",
    version,
    about = "Critical editions from a TOML spec and a verbatim base text, typeset with Typst",
    after_help = "Exit codes: 0 success, 1 errors in the edition, 2 usage errors."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// How diagnostics and progress are printed (global: allowed after any subcommand).
#[derive(Args, Clone)]
pub struct ReportArgs {
    /// Print nothing but errors (warnings are not printed unless --deny-warnings makes them
    /// errors).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// How to print diagnostics: `human` (with snippets) or `json` (one object per line on stdout).
    #[arg(long, global = true, value_enum, default_value_t = DiagnosticFormat::Human)]
    pub diagnostic_format: DiagnosticFormat,
    /// Treat warnings as errors.
    #[arg(long, global = true)]
    pub deny_warnings: bool,
}

/// How diagnostics are printed.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DiagnosticFormat {
    /// rustc-style, with the offending lines.
    Human,
    /// One JSON object per diagnostic and line, on stdout.
    Json,
}

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Build the edition: DIR/out/edition.pdf, DIR/out/edition.typ (and the template beside it).
    Build(BuildArgs),
    /// Check the edition (spec, anchors, layout verification) without writing anything.
    Check(CheckArgs),
    /// Rebuild whenever a file of the edition folder (its template and fonts included) changes.
    Watch(BuildArgs),
    /// Create a small edition that builds out of the box.
    Init(InitArgs),
    /// Print the edition's citation as CSL-JSON, BibTeX or CITATION.cff, or the whole edition
    /// as TEI P5.
    Export(ExportArgs),
    /// Make a new edition folder from a TEI P5 critical edition.
    Import(ImportArgs),
    /// List the fonts a build can use: the bundled ones, the edition's fonts/ folder's, and
    /// with --system-fonts the machine's.
    Fonts(FontsArgs),
    /// Print the bundled template, or write it into a folder to fork it.
    Template(TemplateArgs),
    /// Write a synthetic stress edition (edition.toml + source.txt) into DIR.
    Stress(StressArgs),
    /// Benchmark: seed build, stress build and a plain Typst compile, each in fresh processes.
    Bench(BenchArgs),
    /// One benchmark run (used by `bench`): CASE is `build` or `plain`.
    #[command(hide = true)]
    BenchOne(BenchOneArgs),
}

/// The edition folder argument.
#[derive(Args, Clone)]
pub struct EditionArg {
    /// The edition folder (holding edition.toml) [default: `.` when it holds an edition.toml,
    /// else `edition`].
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,
}

impl EditionArg {
    /// The folder named, or the default: the current folder when it holds an `edition.toml`
    /// (as mdBook and Typst look in the current folder first), else `edition`.
    pub fn dir(&self) -> PathBuf {
        match &self.dir {
            Some(dir) => dir.clone(),
            None if Path::new("edition.toml").is_file() => PathBuf::from("."),
            None => PathBuf::from("edition"),
        }
    }
}

/// Which fonts a build sees besides the bundled ones and the edition's `fonts/` folder.
#[derive(Args, Clone)]
pub struct FontArgs {
    /// Also use the machine's fonts (default: only the bundled fonts and the edition's fonts/).
    #[arg(long)]
    pub system_fonts: bool,
}

/// What every compile of an edition takes.
#[derive(Args, Clone)]
pub struct CompileArgs {
    /// Conform to a PDF standard (repeatable; adds to the spec's).
    #[arg(long = "pdf-standard", value_enum, value_name = "STANDARD")]
    pub pdf_standard: Vec<PdfStandard>,
    #[command(flatten)]
    pub fonts: FontArgs,
}

/// `apparat build` and `apparat watch`.
#[derive(Args, Clone)]
pub struct BuildArgs {
    #[command(flatten)]
    pub edition: EditionArg,
    #[command(flatten)]
    pub compile: CompileArgs,
    /// Where to write the PDF (default DIR/out/edition.pdf).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Also render every page to PNG into this folder (page-001.png …).
    #[arg(long)]
    pub png: Option<PathBuf>,
    /// List every apparatus entry as built: page, reference as printed, series, type, lemma (a facing translation's notes too).
    #[arg(long)]
    pub list: bool,
}

/// `apparat check`.
#[derive(Args, Clone)]
pub struct CheckArgs {
    #[command(flatten)]
    pub edition: EditionArg,
    #[command(flatten)]
    pub compile: CompileArgs,
}

/// `apparat init`.
#[derive(Args, Clone)]
pub struct InitArgs {
    /// The new edition folder (must not exist, or be empty).
    pub dir: PathBuf,
    /// A verse edition: a ballad of 48 verses, typed one verse a line, stanzas separated by
    /// blank lines.
    #[arg(long)]
    pub verse: bool,
}

/// A citation format of `apparat export`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum CitationFormat {
    /// CSL-JSON (edition.csl.json).
    #[value(name = "csl-json")]
    CslJson,
    /// BibTeX (edition.bib).
    Bibtex,
    /// Citation File Format (CITATION.cff).
    Cff,
    /// The whole edition as a TEI P5 document (edition.xml): header, text, apparatus, notes.
    Tei,
}

/// `apparat export`.
#[derive(Args, Clone)]
pub struct ExportArgs {
    /// The citation format.
    #[arg(long, value_enum)]
    pub format: CitationFormat,
    #[command(flatten)]
    pub edition: EditionArg,
    /// Also write it beside the PDF (DIR/out/edition.csl.json, edition.bib, CITATION.cff,
    /// edition.xml).
    #[arg(long)]
    pub write: bool,
}

/// A format `apparat import` reads.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum ImportFormat {
    /// A TEI P5 critical edition (parallel segmentation; double-end-point entries too).
    Tei,
}

/// `apparat import`.
#[derive(Args, Clone)]
pub struct ImportArgs {
    /// The format of FILE.
    #[arg(value_enum)]
    pub format: ImportFormat,
    /// The file to import.
    pub file: PathBuf,
    /// The new edition folder (must not exist, or be empty).
    pub dir: PathBuf,
    /// The witness (siglum or xml:id) whose text becomes the base text [default: the lemmata,
    /// with `lem` readings of no witness as emendations of the most frequent lemma witness].
    #[arg(long, value_name = "SIGLUM")]
    pub base: Option<String>,
}

/// `apparat fonts`.
#[derive(Args, Clone)]
pub struct FontsArgs {
    #[command(flatten)]
    pub edition: EditionArg,
    #[command(flatten)]
    pub fonts: FontArgs,
}

/// `apparat template`.
#[derive(Args, Clone)]
pub struct TemplateArgs {
    /// Write the template into this folder (as apparat.typ) instead of printing it.
    #[arg(long, value_name = "DIR")]
    pub write: Option<PathBuf>,
}

/// `apparat stress`.
#[derive(Args, Clone)]
pub struct StressArgs {
    /// The folder to write.
    pub dir: PathBuf,
    /// Pages of body text to aim for (1 to 100,000).
    #[arg(long, default_value_t = 200, value_parser = page_count)]
    pub pages: usize,
    /// Seed of the text and apparatus generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// A commentary-heavy edition: most entries commentary, some notes hundreds of words long.
    #[arg(long)]
    pub long_notes: bool,
    /// Words in the longest note (implies --long-notes).
    #[arg(long, value_name = "WORDS")]
    pub long_note_words: Option<usize>,
    /// A long poem instead of prose: cantos of stanzas, one verse a line, some verses long
    /// enough to turn over.
    #[arg(long, conflicts_with = "translation")]
    pub verse: bool,
    /// A facing translation (`translation.txt`): a second pseudo-text, paragraph for
    /// paragraph, each of another length than its original.
    #[arg(long)]
    pub translation: bool,
}

/// `apparat bench`.
#[derive(Args, Clone)]
pub struct BenchArgs {
    /// The seed edition folder.
    #[arg(long, default_value = "edition")]
    pub seed_dir: PathBuf,
    /// Pages of the generated stress edition.
    #[arg(long, default_value_t = 200, value_parser = page_count)]
    pub pages: usize,
    /// Time a verse stress edition (see `apparat stress --verse`).
    #[arg(long, conflicts_with = "translation")]
    pub verse: bool,
    /// Time a stress edition with a facing translation (see `apparat stress --translation`);
    /// its plain compile sets both texts.
    #[arg(long)]
    pub translation: bool,
}

/// `apparat bench-one`.
#[derive(Args, Clone)]
pub struct BenchOneArgs {
    /// `build` or `plain`.
    pub case: String,
    /// The edition folder.
    pub dir: PathBuf,
}

/// A stress edition's page count: 1 to 100,000 (a larger one would only exhaust memory).
fn page_count(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=100_000).contains(&n) => Ok(n),
        _ => Err(format!("`{s}` is not a page count from 1 to 100000")),
    }
}
