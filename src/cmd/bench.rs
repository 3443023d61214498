//! `apparat bench` and its hidden per-case child `bench-one` (see the library's `bench`).

use std::process::ExitCode;

use crate::args::{BenchArgs, BenchOneArgs};

/// `apparat bench`.
pub fn bench(args: &BenchArgs) -> ExitCode {
    use apparat::bench::StressKind;
    let kind = match (args.verse, args.translation) {
        (true, _) => StressKind::Verse,
        (false, true) => StressKind::Translation,
        (false, false) => StressKind::Prose,
    };
    apparat::bench::run(&args.seed_dir, args.pages, kind)
}

/// `apparat bench-one CASE DIR`: one measured run, in a fresh process.
pub fn bench_one(args: &BenchOneArgs) -> ExitCode {
    apparat::bench::one(&args.case, &args.dir)
}
