//! Stage 6 — layout: galley, compose, verify.
//!
//! Typst has one footnote stream and cannot tell markup which line a word landed on, so
//! apparat does what reledmac does inside TeX, in three steps:
//!
//! 1. **Galley.** One compile of the whole body on a page of automatic height, at the final
//!    text width and in the final styles. Every line is read back from the glyphs (page,
//!    baseline, cap height, which printed bytes it holds, whether Typst hyphenated it). A
//!    compile beside it measures every apparatus atom (each set alone in `app-style`), the
//!    apparatus height model and the margin notes (template function `measure-all`).
//! 2. **Compose.** A page builder in Rust, like TeX's: a line joins the page together with
//!    the apparatus entries it carries, or both move on — nothing can oscillate. Apparatus
//!    lines are broken here too over measured token widths (the fewest lines, then the
//!    best breaks, hyphenating words of readings and notes where that keeps the word spaces
//!    within a bound; separators and references stay with their lemma) and forced in the
//!    markup, so their number is known, not guessed. Widows, orphans, headings at the foot
//!    and hyphenated page ends are avoided here. Line numbers are assigned here.
//! 3. **Verify.** The final compile forces every line break and page break of the plan;
//!    it is then read back and every printed byte, every line's baseline, every apparatus
//!    entry and each page's count of apparatus lines is checked against the plan. Any
//!    difference fails the build, naming the entries (or the page).
//!
//! The final markup is written to be cheap for Typst. Every body page is an explicit
//! `page(header: running-head(…))` with its folio and section given, so no body page uses
//! introspection and Typst lays the document out in one pass (a second pass would also hold
//! a second document in memory). Apparatus words of one entry go to one template call where
//! the measurements prove that changes no width (`markup::Emit`).

mod compose;
mod emit;
mod facing;
mod galley;
mod hyphen;
mod index;
mod sections;
mod stacks;
mod underfull;
mod verify;
mod verse;
mod xref;

use std::sync::atomic::{AtomicUsize, Ordering};

use typst_layout::PagedDocument;

use crate::diag::{Diagnostic, Result};
use crate::markup::{Front, Printed};
use crate::spec::Spec;
use crate::typeset::{self, SpanIndex};
use crate::world::EditionWorld;

pub use compose::PlacedEntry;
pub(crate) use galley::shorten;
pub use galley::{Overfull, Reuse};

/// How to lay out.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Print each phase's time on stderr (also with `APPARAT_TIMING` set).
    pub progress: bool,
    /// What else the layout depends on besides the markup (the template's text, the fonts):
    /// part of the reuse key.
    pub salt: String,
}

/// The result of layout.
pub struct Laid {
    pub doc: PagedDocument,
    /// The exported PDF (exported while the layout was verified).
    pub pdf: Vec<u8>,
    pub markup: String,
    pub front_pages: usize,
    /// Body pages (after them: the endnotes and the indexes).
    pub body_pages: usize,
    pub entries: Vec<PlacedEntry>,
    /// Typst compiles run (the galley's parts and the measurements run in parallel).
    pub compiles: usize,
    /// Empty body lines above the apparatus of each body page but the last, as planned.
    pub empty_lines: Vec<f64>,
    pub warnings: Vec<Diagnostic>,
    /// Body lines wider than the text block (located in the base text by the caller).
    pub overfull: Vec<Overfull>,
    /// A facing translation's lines wider than the text block.
    pub translation_overfull: Vec<Overfull>,
    /// Characters the final document prints as the font's empty box (anywhere: text,
    /// apparatus, margins, what the template adds), each with the first page (index) it is on.
    pub empty_boxes: Vec<EmptyBox>,
}

/// A character printed as the font's empty box, and the first page (index) it is on.
pub type EmptyBox = (char, usize);

/// What layout works on: the edition and its printed text, the template, the front matter.
pub struct Input<'a> {
    pub spec: &'a Spec,
    pub printed: &'a Printed,
    pub template: &'a str,
    pub front: &'a Front,
    /// A translation set facing the original.
    pub facing: Option<FacingInput<'a>>,
}

/// A translation to set facing the original: its spec (see
/// [`crate::spec::Spec::translation_spec`]), printed text, and the aligned chunks.
pub struct FacingInput<'a> {
    pub spec: &'a Spec,
    pub printed: &'a Printed,
    /// Where aligned chunks start: printed offsets in the original and the translation.
    pub chunks: Vec<(usize, usize)>,
    pub side: crate::spec::Side,
    pub numbered: bool,
    /// Side by side in two columns of each page, not on facing pages.
    pub columns: bool,
}

/// PDF export, run on the final document while it is verified.
pub type Export<'a> = &'a (dyn Fn(&PagedDocument) -> Result<Vec<u8>> + Sync);

/// Galley, compose, final compile, verify (and export in parallel). `reuse` keeps galley
/// parts and measurements between builds (watch mode): with it, Typst's caches are kept too.
pub fn run(
    input: &Input,
    world: &mut EditionWorld,
    opts: &Options,
    reuse: Option<&mut Reuse>,
    export: Export,
) -> Result<Laid> {
    let keep_caches = reuse.is_some();
    let timer = Timer::new(opts.progress);
    let compiles = AtomicUsize::new(0);
    let (galley, translation, mut warnings) = galleys(input, world, opts, reuse, &compiles)?;
    timer.lap("galley");

    let facing = match (&input.facing, &translation) {
        (Some(f), Some(tg)) => Some(compose::Facing {
            spec: f.spec,
            printed: f.printed,
            galley: tg,
            chunks: &f.chunks,
            side: f.side,
            numbered: f.numbered,
            columns: f.columns,
        }),
        _ => None,
    };
    let plan = compose::compose(input.spec, input.printed, &galley, facing.as_ref())?;
    warnings.extend(plan.warnings.iter().cloned());
    timer.lap("compose");

    // The galley's layout caches cannot serve the final compile (every paragraph changes):
    // they are freed while the final markup is written and parsed (one core's work), rather
    // than held beside the final document's.
    let fin = while_freeing_caches(!keep_caches, || {
        let fin = emit::final_doc(
            input.spec,
            input.printed,
            input.front,
            input.template,
            &plan,
            input.facing.as_ref().map(|f| (f.spec, f.printed)),
        );
        world.set_main(fin.out.clone());
        fin
    });
    timer.lap("final markup");
    compiles.fetch_add(1, Ordering::Relaxed);
    // The span index verify reads is built from the final markup's syntax tree while Typst
    // evaluates it (a serial step that leaves the other core idle); the tree then goes.
    let (compiled, index) = std::thread::scope(|scope| {
        let source = world.main_source().clone();
        let indexing = scope.spawn(move || SpanIndex::new(&source));
        let compiled = typeset::compile(world);
        (compiled, indexing.join())
    });
    let index = index.map_err(|_| Diagnostic::error("the span index panicked"))?;
    let (doc, w) = compiled?;
    drop(world.take_main());
    timer.lap("final compile");
    warnings.extend(w);
    if let Ok(dir) = std::env::var("APPARAT_DEBUG_DIR") {
        debug_dump(std::path::Path::new(&dir), &fin.out, &doc);
    }
    let laid_out = LaidOut {
        plan: &plan,
        galley: &galley,
        translation: translation.as_ref(),
    };
    let final_doc = verify::Final {
        doc: &doc,
        index: &index,
        markup: &fin,
    };
    let (pdf, empty_boxes) = verify_and_export(input, &final_doc, &laid_out, export, !keep_caches)?;
    if keep_caches {
        // Watch mode keeps Typst's caches between builds; what the last ten builds did not
        // use goes (as in Typst's own watch), so that a long session does not grow.
        comemo::evict(10);
    }
    timer.lap("verify and export");
    Ok(Laid {
        doc,
        pdf,
        markup: fin.out,
        front_pages: plan.front_pages,
        // With a facing translation: its pages and a blank page too.
        body_pages: plan.last_folio() - plan.front_pages,
        // The translator's notes after the original's entries.
        entries: plan
            .placed
            .into_iter()
            .chain(plan.facing.into_iter().flat_map(|f| f.placed))
            .collect(),
        compiles: compiles.into_inner(),
        empty_lines: plan.empty_lines,
        warnings,
        overfull: galley.overfull,
        translation_overfull: translation.map(|t| t.overfull).unwrap_or_default(),
        empty_boxes,
    })
}

/// The galley of the original and, with a facing translation, the translation's, compiled
/// beside it on a forked World; Typst's warnings of both.
fn galleys(
    input: &Input,
    world: &mut EditionWorld,
    opts: &Options,
    reuse: Option<&mut Reuse>,
    compiles: &AtomicUsize,
) -> Result<(galley::Galley, Option<galley::Galley>, Vec<Diagnostic>)> {
    let galley_input = galley::GalleyInput {
        spec: input.spec,
        printed: input.printed,
        template: input.template,
        front: Some(input.front),
        salt: &opts.salt,
        column: input.facing.as_ref().is_some_and(|f| f.columns),
    };
    let Some(f) = &input.facing else {
        let (g, w) = galley::set(&galley_input, world, reuse, compiles)?;
        return Ok((g, None, w));
    };
    let tinput = galley::GalleyInput {
        spec: f.spec,
        printed: f.printed,
        template: input.template,
        front: None,
        salt: &opts.salt,
        column: f.columns,
    };
    let mut tworld = world.fork(String::new());
    let (original, translated) = std::thread::scope(|scope| {
        let t = scope.spawn(|| galley::set(&tinput, &mut tworld, None, compiles));
        let o = galley::set(&galley_input, world, reuse, compiles);
        (o, galley::joined(t.join(), "the translation's galley"))
    });
    let (g, mut w) = original?;
    let (tg, tw) = translated?;
    w.extend(tw);
    Ok((g, Some(tg), w))
}

/// What the final document was planned from: the plan and the galleys it was composed of.
struct LaidOut<'a> {
    plan: &'a compose::Plan,
    galley: &'a galley::Galley,
    translation: Option<&'a galley::Galley>,
}

/// Verifies the final document against the plan (a facing translation's pages too) while
/// the PDF is exported on another thread: both only read the document.
fn verify_and_export(
    input: &Input,
    fin: &verify::Final,
    laid: &LaidOut,
    export: Export,
    free: bool,
) -> Result<(Vec<u8>, Vec<EmptyBox>)> {
    let plan = laid.plan;
    let (verified, exported) = std::thread::scope(|scope| {
        let exporting = scope.spawn(|| export(fin.doc));
        // The final compile's caches serve nothing after it: freed beside the export.
        if free {
            scope.spawn(free_caches);
        }
        let metrics = &laid.galley.measurements.metrics;
        let lines = &laid.galley.lines;
        let verified = verify::verify(input.spec, input.printed, fin, plan, lines, metrics)
            .and_then(
                |boxes| match (&plan.facing, laid.translation, &input.facing) {
                    (Some(fp), Some(tg), Some(f)) => {
                        let t = (f.spec, f.printed);
                        verify::verify_facing(t, fin, plan, fp, &tg.lines, metrics).map(|()| boxes)
                    }
                    _ => Ok(boxes),
                },
            );
        (verified, exporting.join())
    });
    let boxes = verified?;
    let pdf = exported.map_err(|_| Diagnostic::error("PDF export panicked"))??;
    Ok((pdf, boxes))
}

/// `APPARAT_DEBUG_DIR`: the final markup and an unverified PDF of it, for looking into a
/// failed verification.
fn debug_dump(dir: &std::path::Path, markup: &str, doc: &PagedDocument) {
    let _ = std::fs::write(dir.join("final.typ"), markup);
    if let Ok(pdf) = typst_pdf::pdf(doc, &typst_pdf::PdfOptions::default()) {
        let _ = std::fs::write(dir.join("final.pdf"), pdf);
    }
}

/// Phase timings on stderr.
struct Timer {
    on: bool,
    last: std::cell::Cell<std::time::Instant>,
}

impl Timer {
    fn new(on: bool) -> Self {
        Timer {
            on: on || std::env::var_os("APPARAT_TIMING").is_some(),
            last: std::cell::Cell::new(std::time::Instant::now()),
        }
    }

    fn lap(&self, what: &str) {
        if self.on {
            let now = std::time::Instant::now();
            eprintln!(
                "  {what:<18} {:>8.3} s{}",
                (now - self.last.get()).as_secs_f64(),
                memory()
            );
            self.last.set(now);
        }
    }
}

/// Runs `work`, meanwhile (where `free` is set) emptying Typst's caches on another thread
/// and handing the freed memory back to the system: dropping a whole document's cached
/// layouts takes a while, and nothing `work` does needs them (`work` must not compile).
fn while_freeing_caches<T>(free: bool, work: impl FnOnce() -> T) -> T {
    std::thread::scope(|scope| {
        if free {
            scope.spawn(free_caches);
        }
        work()
    })
}

/// Empties Typst's caches and hands the freed memory back to the system.
fn free_caches() {
    comemo::evict(0);
    release_memory();
}

/// Hand freed heap pages back to the system (glibc keeps them otherwise), so that the final
/// compile does not stack on top of the galley's high-water mark.
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only releases free memory at the top of glibc's heaps.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// Resident and peak memory of this process (Linux), for the phase report.
fn memory() -> String {
    let Ok(st) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let kib = |k: &str| {
        st.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    match (kib("VmRSS:"), kib("VmHWM:")) {
        (Some(now), Some(peak)) => format!("   {:>5} MiB, peak {:>5} MiB", now >> 10, peak >> 10),
        _ => String::new(),
    }
}
