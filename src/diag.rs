//! Diagnostics: errors and warnings as values with a location.
//!
//! Every stage reports problems in the user's files — `edition.toml`, `source.txt`, a
//! template — as a [`Diagnostic`] that carries the file's text and a byte span, so that the
//! command line can print `file:line:column` with an underlined snippet (rustc style, through
//! `codespan-reporting`) or one JSON object per line for CI. Nothing in the pipeline panics on
//! user input: a stage returns `Err(Diagnostics)`.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
    /// Information worth acting on (an unpinned base text …). Never fails a build, not even
    /// under `--deny-warnings`.
    Note,
}

impl Severity {
    /// The word printed and written in JSON: `error`, `warning`, `note`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A file's name (as shown to the user) and its text, shared between diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: Arc<str>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        Self {
            path: path.into(),
            text: text.into(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = self.text[line_start..offset].chars().count() + 1;
        (line, col)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A place in a file.
#[derive(Debug, Clone)]
pub struct Location {
    pub file: SourceFile,
    pub span: Range<usize>,
}

/// A secondary label: another place that explains the diagnostic (a candidate match …).
#[derive(Debug, Clone)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

/// One error or warning.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// Where it is; `None` for problems without a file position (an unwritable output …).
    pub location: Option<Location>,
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            labels: vec![],
            notes: vec![],
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(message)
        }
    }

    pub fn note(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Note,
            ..Self::error(message)
        }
    }

    pub fn at(mut self, file: &SourceFile, span: Range<usize>) -> Self {
        self.location = Some(Location {
            file: file.clone(),
            span,
        });
        self
    }

    pub fn with_label(
        mut self,
        file: &SourceFile,
        span: Range<usize>,
        msg: impl Into<String>,
    ) -> Self {
        self.labels.push(Label {
            location: Location {
                file: file.clone(),
                span,
            },
            message: msg.into(),
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// `path:line:col` of the primary location, if any.
    pub fn position(&self) -> Option<(PathBuf, usize, usize)> {
        self.location.as_ref().map(|l| {
            let (line, col) = l.file.line_col(l.span.start);
            (l.file.path.clone(), line, col)
        })
    }

    /// One JSON object (for `--diagnostic-format json`).
    pub fn to_json(&self) -> serde_json::Value {
        let (file, line, column) = match self.position() {
            Some((f, l, c)) => (
                serde_json::Value::String(f.display().to_string()),
                serde_json::json!(l),
                serde_json::json!(c),
            ),
            None => (
                serde_json::Value::Null,
                serde_json::Value::Null,
                serde_json::Value::Null,
            ),
        };
        serde_json::json!({
            "severity": self.severity.name(),
            "message": self.message,
            "file": file,
            "line": line,
            "column": column,
            "notes": self.notes,
            "labels": self.labels.iter().map(|l| {
                let (line, col) = l.location.file.line_col(l.location.span.start);
                serde_json::json!({
                    "file": l.location.file.path.display().to_string(),
                    "line": line, "column": col, "message": l.message,
                })
            }).collect::<Vec<_>>(),
        })
    }
}

impl fmt::Display for Diagnostic {
    /// Plain one-line form: `path:line:col: error: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = self.severity.name();
        match self.position() {
            Some((p, l, c)) => write!(f, "{}:{l}:{c}: {sev}: {}", p.display(), self.message),
            None => write!(f, "{sev}: {}", self.message),
        }
    }
}

/// A list of diagnostics: the error type of every stage.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// For `--deny-warnings`: the diagnostics with every warning made an error, or `None` when
    /// there is no warning. Notes stay notes: they never fail a build.
    pub fn deny_warnings(ds: &[Diagnostic]) -> Option<Diagnostics> {
        if !ds.iter().any(|d| d.severity == Severity::Warning) {
            return None;
        }
        let mut out = ds.to_vec();
        for d in &mut out {
            if d.severity == Severity::Warning {
                d.severity = Severity::Error;
            }
        }
        Some(Diagnostics(out))
    }

    /// Render with snippets, as rustc does. `color` for terminals.
    pub fn render(&self, color: bool) -> String {
        let mut files = SimpleFiles::new();
        let mut ids: Vec<(PathBuf, usize)> = vec![];
        let mut file_id = |f: &SourceFile, files: &mut SimpleFiles<String, Arc<str>>| -> usize {
            if let Some((_, id)) = ids.iter().find(|(p, _)| p == &f.path) {
                return *id;
            }
            let id = files.add(f.path.display().to_string(), f.text.clone());
            ids.push((f.path.clone(), id));
            id
        };
        let mut out = term::termcolor::Buffer::no_color();
        let mut colored = term::termcolor::Buffer::ansi();
        let buf = if color { &mut colored } else { &mut out };
        let config = term::Config::default();
        for d in &self.0 {
            let mut c = match d.severity {
                Severity::Error => cs::Diagnostic::error(),
                Severity::Warning => cs::Diagnostic::warning(),
                Severity::Note => cs::Diagnostic::note(),
            }
            .with_message(&d.message)
            .with_notes(d.notes.clone());
            let mut labels = vec![];
            // A place on a line too long to show (a 10,000-character word, XML on one line)
            // is named, not quoted.
            let mut places = vec![];
            if let Some(loc) = &d.location {
                if long_line(&loc.file, loc.span.start) {
                    places.push(format!("at {}", place(&loc.file, loc.span.start)));
                } else {
                    let id = file_id(&loc.file, &mut files);
                    labels.push(cs::Label::primary(id, clamp(&loc.file, &loc.span)));
                }
            }
            for l in &d.labels {
                if long_line(&l.location.file, l.location.span.start) {
                    let at = place(&l.location.file, l.location.span.start);
                    places.push(format!("{}: {at}", l.message));
                    continue;
                }
                let id = file_id(&l.location.file, &mut files);
                labels.push(
                    cs::Label::secondary(id, clamp(&l.location.file, &l.location.span))
                        .with_message(&l.message),
                );
            }
            if !places.is_empty() {
                c = c.with_notes(places);
            }
            c = c.with_labels(labels);
            if term::emit(buf, &config, &files, &c).is_err() {
                // Rendering failed (should not happen with clamped spans): fall back to plain.
                return self.0.iter().map(|d| format!("{d}\n")).collect();
            }
        }
        String::from_utf8_lossy(buf.as_slice()).into_owned()
    }
}

/// Lines longer than this (in bytes) are not quoted in a snippet.
const LONG_LINE: usize = 400;

/// Whether the line holding byte `at` of `f` is too long to quote.
fn long_line(f: &SourceFile, at: usize) -> bool {
    let at = floor_char_boundary(&f.text, at.min(f.text.len()));
    let start = f.text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = f.text[at..].find('\n').map_or(f.text.len(), |i| at + i);
    end - start > LONG_LINE
}

/// `path:line:column` of byte `at` of `f`.
fn place(f: &SourceFile, at: usize) -> String {
    let (line, col) = f.line_col(at);
    format!("{}:{line}:{col}", f.path.display())
}

fn clamp(f: &SourceFile, span: &Range<usize>) -> Range<usize> {
    let len = f.text.len();
    let s = floor_char_boundary(&f.text, span.start.min(len));
    let e = floor_char_boundary(&f.text, span.end.clamp(s, len));
    s..e
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

/// Shorthand result of every stage.
pub type Result<T> = std::result::Result<T, Diagnostics>;

/// An I/O error on a path, as a diagnostic without a span.
pub fn io_error(what: &str, path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(format!("{what} `{}`: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_on_a_very_long_line_is_named_not_quoted() {
        let text = format!("short\n{}\nlast\n", "x".repeat(10_000));
        let file = SourceFile::new("source.txt", text.as_str());
        let long = Diagnostics(vec![Diagnostic::warning("too wide").at(&file, 5006..5010)]);
        let shown = long.render(false);
        assert!(shown.len() < 300, "{shown}");
        assert!(shown.contains("at source.txt:2:5001"), "{shown}");
        let short = Diagnostics(vec![Diagnostic::warning("here").at(&file, 0..5)]);
        assert!(short.render(false).contains("1 │ short"));
    }

    #[test]
    fn a_note_is_a_note_everywhere_and_never_denied() {
        let file = SourceFile::new("edition.toml", "[text]\nfile = \"source.txt\"\n");
        let note = Diagnostic::note("the base text is not pinned").at(&file, 7..11);
        assert_eq!(note.to_json()["severity"], "note");
        assert_eq!(
            note.to_string(),
            "edition.toml:2:1: note: the base text is not pinned"
        );
        let rendered = Diagnostics(vec![note.clone()]).render(false);
        assert!(
            rendered.starts_with("note: the base text is not pinned"),
            "{rendered}"
        );
        assert!(!Diagnostics(vec![note.clone()]).has_errors());
        assert!(Diagnostics::deny_warnings(std::slice::from_ref(&note)).is_none());

        let warning = Diagnostic::warning("odd").at(&file, 0..6);
        let denied = Diagnostics::deny_warnings(&[warning, note]).expect("a warning");
        let severities: Vec<_> = denied.0.iter().map(|d| d.severity).collect();
        assert_eq!(severities, [Severity::Error, Severity::Note]);
    }
}
