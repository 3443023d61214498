//! `apparat bench`: wall time and peak memory of whole builds, each in a fresh process.
//!
//! The parent re-executes its own binary with the hidden subcommand `bench-one CASE DIR` for
//! every run, so that each run pays the full process cost (font loading, first compile) and
//! its peak resident set (`VmHWM` from `/proc/self/status`, read by the child at its end) is
//! its own. The child prints one line starting with [`TAG`]; the parent parses it.
//!
//! Cases:
//! - `build`: [`crate::build`] of an edition folder (everything but writing files: spec,
//!   text, anchors, galley, compose, verify compile, PDF export in memory);
//! - `plain`: the same edition's text set once by Typst in normal page flow — same template
//!   and styles, no apparatus, no line numbers, no forced breaks — and exported to PDF, in
//!   the same sandboxed world. The floor a build with apparatus is measured against.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use crate::diag::{Diagnostic, Result};
use crate::markup;
use crate::spec::Spec;

/// Prefix of the result line a `bench-one` child prints.
pub const TAG: &str = "apparat-bench-one:";

/// What one child run reported.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    wall: f64,
    inner: f64,
    /// CPU time of the child, user and system, all threads.
    cpu: f64,
    hwm_kib: u64,
    pages: usize,
    entries: usize,
    /// Empty body lines above the apparatus, all body pages but the last, and the most on
    /// one page (builds only).
    empty: f64,
    worst: f64,
}

/// The plain case: compile [`markup::plain_doc`] and export the PDF. Returns (PDF, pages).
pub fn plain(dir: &Path) -> Result<(Vec<u8>, usize)> {
    let spec = Spec::load(dir)?;
    let (_, printed) = crate::printed_text(&spec)?;
    // A facing translation is set after the original, in the same flow.
    let translation = match spec.translation_spec() {
        Some(tspec) => {
            let (_, tp) = crate::printed_text(&tspec)?;
            Some((tspec.edition.language.get_ref().clone(), tp))
        }
        None => None,
    };
    let facing = translation.as_ref().map(|(lang, tp)| (lang.as_str(), tp));
    let (template_dir, template_name) = crate::template_location(&spec, dir)?;
    let world = crate::world::EditionWorld::new(
        crate::world::Roots {
            project: dir.to_path_buf(),
            templates: template_dir,
        },
        markup::plain_doc(&spec, &printed, &template_name, facing),
        &dir.join("fonts"),
        false,
        spec.date(),
    )
    .map_err(Diagnostic::error)?;
    let (doc, _warnings) = crate::typeset::compile(&world)?;
    let (y, m, d) = spec.date();
    let pdf = crate::export::pdf(&doc, "apparat-bench-plain", (y, m, d, 0, 0, 0), &[])?;
    Ok((pdf, doc.pages().len()))
}

/// Peak resident set size of this process in KiB (`VmHWM`), 0 where unknown.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time (user + system, all threads) this process has used, in seconds; 0 where unknown.
/// Read from `/proc/self/stat` (fields 14 and 15, in clock ticks of 1/100 s on Linux).
pub fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name, which is in parentheses and may hold spaces.
            let rest = &s[s.rfind(')')? + 1..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            // `rest` starts at field 3 (state): utime is field 14, stime field 15.
            let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
            Some(ticks as f64 / 100.0)
        })
        .unwrap_or(0.0)
}

/// The hidden `bench-one CASE DIR` subcommand: one run, one result line on stdout.
pub fn one(case: &str, dir: &Path) -> ExitCode {
    let start = Instant::now();
    let result = match case {
        "build" => crate::build(dir, &crate::Options::default()).map(|o| {
            std::hint::black_box(&o.pdf);
            let worst = o.empty_lines.iter().copied().fold(0.0, f64::max);
            (o.pages, o.entries.len(), o.empty_lines.iter().sum(), worst)
        }),
        "plain" => plain(dir).map(|(pdf, pages)| {
            std::hint::black_box(&pdf);
            (pages, 0, 0.0, 0.0)
        }),
        _ => {
            eprintln!("bench-one: unknown case `{case}` (build | plain)");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok((pages, entries, empty, worst)) => {
            println!(
                "{TAG} pages={pages} entries={entries} empty={empty:.2} worst={worst:.2} inner={:.4} cpu={:.2} vmhwm_kib={}",
                start.elapsed().as_secs_f64(),
                cpu_seconds(),
                peak_rss_kib()
            );
            ExitCode::SUCCESS
        }
        Err(d) => {
            eprint!("{}", d.render(false));
            ExitCode::from(1)
        }
    }
}

fn child(case: &str, dir: &Path) -> std::result::Result<Run, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;
    let start = Instant::now();
    let out = std::process::Command::new(exe)
        .arg("bench-one")
        .arg(case)
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run bench-one: {e}"))?;
    let wall = start.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!(
            "bench-one {case} {} failed ({}):\n{}",
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(TAG))
        .ok_or_else(|| format!("bench-one {case} printed no result line:\n{stdout}"))?;
    Ok(Run::parse(line, wall))
}

impl Run {
    /// A child's result line (after [`TAG`]): `key=value` pairs; unknown keys are ignored.
    fn parse(line: &str, wall: f64) -> Run {
        let mut run = Run {
            wall,
            ..Run::default()
        };
        for kv in line.split_whitespace() {
            let Some((k, v)) = kv.split_once('=') else {
                continue;
            };
            match k {
                "pages" => run.pages = v.parse().unwrap_or(0),
                "entries" => run.entries = v.parse().unwrap_or(0),
                "empty" => run.empty = v.parse().unwrap_or(0.0),
                "worst" => run.worst = v.parse().unwrap_or(0.0),
                "inner" => run.inner = v.parse().unwrap_or(0.0),
                "cpu" => run.cpu = v.parse().unwrap_or(0.0),
                "vmhwm_kib" => run.hwm_kib = v.parse().unwrap_or(0),
                _ => {}
            }
        }
        run
    }
}

/// Summary of the runs of one case.
struct Case {
    name: &'static str,
    runs: usize,
    wall: f64,
    inner: f64,
    cpu: f64,
    hwm_mib: f64,
    pages: usize,
    entries: usize,
    /// Page fill of the last run: empty body lines in all, and the most on one page.
    empty: f64,
    worst: f64,
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn measure(
    name: &'static str,
    case: &str,
    dir: &Path,
    runs: usize,
) -> std::result::Result<Case, String> {
    let mut rs = vec![];
    for i in 0..runs {
        let r = child(case, dir)?;
        eprintln!(
            "  {name} run {}/{runs}: {:.2} s wall, {:.1} MiB peak RSS",
            i + 1,
            r.wall,
            r.hwm_kib as f64 / 1024.0
        );
        rs.push(r);
    }
    Ok(Case {
        name,
        runs,
        wall: median(rs.iter().map(|r| r.wall).collect()),
        inner: median(rs.iter().map(|r| r.inner).collect()),
        cpu: median(rs.iter().map(|r| r.cpu).collect()),
        hwm_mib: median(rs.iter().map(|r| r.hwm_kib as f64 / 1024.0).collect()),
        pages: rs.last().map_or(0, |r| r.pages),
        entries: rs.last().map_or(0, |r| r.entries),
        empty: rs.last().map_or(0.0, |r| r.empty),
        worst: rs.last().map_or(0.0, |r| r.worst),
    })
}

/// `apparat bench`: seed build (median of 5), stress build of `pages` pages (median of 3),
/// plain Typst compile of the stress text (median of 3), and the ratios stress/plain.
/// `kind`: prose, a long poem (`apparat stress --verse`) or prose with a facing translation
/// (`apparat stress --translation`; its plain compile sets both texts).
pub fn run(seed_dir: &Path, pages: usize, kind: StressKind) -> ExitCode {
    match run_inner(seed_dir, pages, kind) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Which stress edition a bench times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StressKind {
    Prose,
    Verse,
    Translation,
}

fn run_inner(seed_dir: &Path, pages: usize, kind: StressKind) -> std::result::Result<(), String> {
    let stress_dir: PathBuf = std::env::temp_dir().join(format!(
        "apparat-bench-stress-{}-{}",
        std::process::id(),
        pages
    ));
    let t = Instant::now();
    let options = crate::stress::StressOptions {
        pages,
        translation: kind == StressKind::Translation,
        ..Default::default()
    };
    let summary = if kind == StressKind::Verse {
        crate::stress::generate_verse(&stress_dir, &options)
    } else {
        crate::stress::generate_with(&stress_dir, &options)
    }
    .map_err(|e| format!("cannot write {}: {e}", stress_dir.display()))?;
    eprintln!(
        "generated {} ({summary}) in {:.2} s",
        stress_dir.display(),
        t.elapsed().as_secs_f64()
    );
    let result = (|| {
        let seed = measure("seed build", "build", seed_dir, 5)?;
        let stress = measure("stress build", "build", &stress_dir, 3)?;
        let plain = measure("stress plain", "plain", &stress_dir, 3)?;
        Ok::<_, String>([seed, stress, plain])
    })();
    let _ = std::fs::remove_dir_all(&stress_dir);
    let cases = result?;
    print_table(&cases, pages, &summary);
    Ok(())
}

/// The results: one row per case, then the ratios of the stress build to the plain compile.
fn print_table(cases: &[Case; 3], pages: usize, summary: &crate::stress::Summary) {
    println!();
    println!(
        "{:<14} {:>4} {:>10} {:>10} {:>8} {:>10} {:>6} {:>8} {:>14}",
        "case",
        "runs",
        "wall s",
        "in-proc s",
        "cpu s",
        "peak MiB",
        "pages",
        "entries",
        "empty (worst)"
    );
    for c in cases {
        let fill = if c.entries > 0 {
            format!("{:.1} ({:.1})", c.empty, c.worst)
        } else {
            "–".to_string()
        };
        println!(
            "{:<14} {:>4} {:>10.2} {:>10.2} {:>8.2} {:>10.1} {:>6} {:>8} {:>14}",
            c.name, c.runs, c.wall, c.inner, c.cpu, c.hwm_mib, c.pages, c.entries, fill
        );
    }
    let (stress, plain) = (&cases[1], &cases[2]);
    println!();
    println!(
        "stress/plain: time {:.2}×, CPU time {:.2}×, peak memory {:.2}×  ({} pages planned, {} entries generated)",
        stress.wall / plain.wall.max(1e-9),
        stress.cpu / plain.cpu.max(1e-9),
        stress.hwm_mib / plain.hwm_mib.max(1e-9),
        pages,
        summary.entries
    );
    println!(
        "(wall: median whole-process time incl. start-up; in-proc: median time inside the child; cpu: median user + system time of the child, all threads; peak: median VmHWM; empty (worst): body lines left empty above the apparatus on the body pages but the last, as planned, and the most on one page)"
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_result_line_parses() {
        let run = super::Run::parse(
            " pages=212 entries=2082 inner=2.5000 cpu=3.10 vmhwm_kib=166912 future=1",
            2.75,
        );
        assert_eq!((run.pages, run.entries, run.hwm_kib), (212, 2082, 166912));
        assert_eq!((run.wall, run.inner, run.cpu), (2.75, 2.5, 3.1));
    }

    #[test]
    fn cpu_time_counts_work_done() {
        let before = super::cpu_seconds();
        let t = std::time::Instant::now();
        let mut x = 0u64;
        while t.elapsed().as_secs_f64() < 0.3 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        let used = super::cpu_seconds() - before;
        // 0.3 s of spinning, on a machine that may be shared: at least some of it counted.
        assert!(used >= 0.05, "{used} s of CPU time counted");
    }

    #[test]
    fn plain_compiles_a_small_stress_edition() {
        let dir = std::env::temp_dir().join(format!(
            "apparat-bench-plain-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        crate::stress::generate(&dir, 3, 5).unwrap();
        let (pdf, pages) = match super::plain(&dir) {
            Ok(x) => x,
            Err(d) => panic!("{}", d.render(false)),
        };
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pages >= 2, "{pages} pages");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
