//! `apparat stress`: write a synthetic stress edition (see the library's `stress`).

use std::process::ExitCode;

use crate::args::{ReportArgs, StressArgs};
use crate::cmd::finish;

/// `apparat stress`.
pub fn stress(report: &ReportArgs, args: &StressArgs) -> ExitCode {
    use apparat::stress::{LongNotes, StressOptions};
    let long_notes = (args.long_notes || args.long_note_words.is_some()).then(|| LongNotes {
        max_words: args
            .long_note_words
            .unwrap_or(LongNotes::default().max_words),
    });
    let options = StressOptions {
        pages: args.pages,
        seed: args.seed,
        long_notes,
        translation: args.translation,
    };
    // An edition already there is never written over (as `init` and `import` refuse too).
    if args.dir.read_dir().is_ok_and(|mut d| d.next().is_some()) {
        let e = apparat::diag::Diagnostic::error(format!(
            "`{}` exists and is not empty",
            args.dir.display()
        ))
        .with_note("the stress edition is written into a new (or empty) folder");
        return finish(report, Err(e.into()));
    }
    let generate = if args.verse {
        apparat::stress::generate_verse
    } else {
        apparat::stress::generate_with
    };
    let outcome = generate(&args.dir, &options)
        .map(|summary| println!("wrote {}: {summary}", args.dir.display()))
        .map_err(|e| apparat::diag::io_error("cannot write", &args.dir, &e).into());
    finish(report, outcome)
}
