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
    if let Err(e) = apparat::paths::new_folder(&args.dir) {
        return finish(report, Err(e));
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
