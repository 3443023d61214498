//! `apparat watch`: rebuild whenever a file of the edition folder changes.
//!
//! The operating system's file events (`notify`: inotify, FSEvents, …) say when something
//! changed, so a rebuild starts right after a save instead of at the next poll. The edition
//! folder is watched recursively; its template and its `fonts/` folder lie inside it (the
//! bundled template and fonts are in the binary and do not change). Events of the build's own
//! output (`out/`, `--output`, `--png`), of hidden files and of editors' backup files are
//! ignored, and the burst of events one save makes is awaited as one change.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::{Receiver, RecvError, RecvTimeoutError};
use std::time::Duration;

use apparat::diag::{Diagnostic, Diagnostics};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::args::{BuildArgs, ReportArgs};
use crate::cmd::build::{Mode, build_once};
use crate::cmd::{finish, note, print_diagnostics};

/// How long the events of one save may trickle in: an editor writes, renames and sets
/// attributes in a few milliseconds.
const DEBOUNCE: Duration = Duration::from_millis(30);

/// File events, as the watcher sends them.
type Events = Receiver<notify::Result<Event>>;

/// `apparat watch`: build, then rebuild after every change, until interrupted.
pub fn watch(report: &ReportArgs, args: &BuildArgs) -> ExitCode {
    let dir = args.edition.dir();
    // Watch before the first build, so that a save during it is not missed.
    let (_watcher, events) = match start_watching(&dir) {
        Ok(watching) => watching,
        Err(e) => return finish(report, Err(e)),
    };
    // What one build keeps for the next: galley parts, measurements, Typst's caches.
    let mut session = apparat::Session::default();
    loop {
        // Build; a failed build keeps the previous output.
        rebuild(report, args, &mut session);
        // What the build wrote must not count as a change (it exists now, so it can be named
        // as the watcher names it).
        let own_output = OwnOutput::new(&dir, args);
        // Sleep until a change, then let the burst of events of one save pass.
        if wait_for_change(&events, &own_output).is_err() {
            // The watcher is gone: nothing will ever change again.
            return finish(
                report,
                Err(Diagnostic::error("the file watcher stopped").into()),
            );
        }
    }
}

/// One build of the watched edition, reusing what `session` kept from the builds before.
fn rebuild(report: &ReportArgs, args: &BuildArgs, session: &mut apparat::Session) {
    if let Err(d) = build_once(report, args, Mode::Write, Some(session)) {
        print_diagnostics(report, &d.0);
        note(
            report,
            "build failed; the previous PDF is kept. Waiting for changes…",
        );
    }
}

/// A watcher of the edition folder (recursively) and the channel its events arrive on.
fn start_watching(dir: &Path) -> Result<(RecommendedWatcher, Events), Diagnostics> {
    let cannot = |e: &dyn std::fmt::Display| {
        Diagnostics::from(Diagnostic::error(format!(
            "cannot watch `{}`: {e}",
            dir.display()
        )))
    };
    // Canonical, so that event paths compare with the canonical output paths.
    let real = dir.canonicalize().map_err(|e| cannot(&e))?;
    let (sender, events) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(sender).map_err(|e| cannot(&e))?;
    watcher
        .watch(&real, RecursiveMode::Recursive)
        .map_err(|e| cannot(&e))?;
    Ok((watcher, events))
}

/// Block until an event that is a change of an input, then until no event came for
/// [`DEBOUNCE`]. Errors only when the watcher has gone.
fn wait_for_change(events: &Events, own_output: &OwnOutput) -> Result<(), RecvError> {
    while !is_change(&events.recv()?, own_output) {}
    loop {
        match events.recv_timeout(DEBOUNCE) {
            Ok(_) => continue,
            Err(RecvTimeoutError::Timeout) => return Ok(()),
            Err(RecvTimeoutError::Disconnected) => return Err(RecvError),
        }
    }
}

/// Whether an event changes an input of the build. A watcher error (such as an overflowing
/// event queue) may hide a change, so it counts as one.
fn is_change(event: &notify::Result<Event>, own_output: &OwnOutput) -> bool {
    let Ok(event) = event else { return true };
    // Reading a file (the build does) changes nothing.
    let reads = matches!(event.kind, EventKind::Access(_) | EventKind::Other);
    !reads
        && event
            .paths
            .iter()
            .any(|p| !own_output.contains(p) && !is_scratch_file(p))
}

/// Hidden files (editors' swap files, the build's own `.…tmp-…` files) and backups
/// (`file~`, Vim's `4913` probe) are not inputs.
fn is_scratch_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.starts_with('.') || name.ends_with('~') || name == "4913"
}

/// The paths a build writes: `out/`, the `--output` PDF and the `--png` folder.
struct OwnOutput(Vec<PathBuf>);

impl OwnOutput {
    fn new(dir: &Path, args: &BuildArgs) -> Self {
        let written = [Some(dir.join("out")), args.output.clone(), args.png.clone()];
        Self(
            written
                .into_iter()
                .flatten()
                .map(|p| p.canonicalize().or_else(|_| std::path::absolute(&p)))
                .filter_map(Result::ok)
                .collect(),
        )
    }

    fn contains(&self, path: &Path) -> bool {
        self.0.iter().any(|own| path.starts_with(own))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, CreateKind, DataChange, ModifyKind};

    fn event(kind: EventKind, path: &str) -> notify::Result<Event> {
        Ok(Event::new(kind).add_path(PathBuf::from(path)))
    }

    #[test]
    fn only_changes_of_inputs_count() {
        let own = OwnOutput(vec![PathBuf::from("/e/out"), PathBuf::from("/e/x.pdf")]);
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Content));
        assert!(is_change(&event(write, "/e/edition.toml"), &own));
        assert!(is_change(
            &event(EventKind::Create(CreateKind::File), "/e/fonts/A.otf"),
            &own
        ));
        assert!(!is_change(&event(write, "/e/out/edition.pdf"), &own));
        assert!(!is_change(&event(write, "/e/x.pdf"), &own));
        assert!(!is_change(&event(write, "/e/.edition.toml.swp"), &own));
        assert!(!is_change(&event(write, "/e/edition.toml~"), &own));
        assert!(!is_change(
            &event(EventKind::Access(AccessKind::Any), "/e/source.txt"),
            &own
        ));
        assert!(is_change(&Err(notify::Error::generic("overflow")), &own));
    }
}
