//! A small, sandboxed [`typst::World`] for compiling editions.
//!
//! Modelled on typst-cli's `SystemWorld`, but:
//! - the main file lives in memory (never read from disk),
//! - only the edition folder (virtual root `/`) is read from disk, and the folder of the
//!   edition's own template (virtual `/out/templates/…`, where a build writes its copy); without
//!   one, the bundled template is served at `/out/templates/apparat.typ` from memory,
//! - symlinks leading out of those folders, `..` escapes and package imports
//!   (`@preview/…`) are refused with a [`FileError`],
//! - fonts are the bundled ones (compiled into the binary), those of the edition's `fonts/`
//!   folder (which must not lead out of it) and, optionally, `/usr/share/fonts`,
//! - `today` is a fixed date, so output is reproducible.
//!
//! So a build reads nothing outside the edition folder and the binary itself (unless asked for
//! the system fonts), wherever the binary was installed.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::bundled;

/// Virtual path of the main file used by [`EditionWorld::new`].
pub const DEFAULT_MAIN_PATH: &str = "/out/edition.typ";

/// The virtual directory under which the templates folder is exposed.
const TEMPLATES_PREFIX: &str = "out/templates";

/// The directories a world may read from.
#[derive(Debug, Clone)]
pub struct Roots {
    /// The edition folder: virtual root `/`.
    pub project: PathBuf,
    /// The folder of the edition's own template, exposed at virtual path `/out/templates/` —
    /// where the build writes a copy of the template, so the written markup compiles on its
    /// own. `None`: the bundled template, served from memory as `/out/templates/apparat.typ`.
    pub templates: Option<PathBuf>,
}

/// A font that is either already loaded or loaded on first use.
enum FontSlot {
    Loaded(Font),
    Lazy {
        path: PathBuf,
        index: u32,
        font: OnceLock<Option<Font>>,
    },
}

impl FontSlot {
    fn get(&self) -> Option<Font> {
        match self {
            FontSlot::Loaded(font) => Some(font.clone()),
            FontSlot::Lazy { path, index, font } => font
                .get_or_init(|| {
                    let data = fs::read(path).ok()?;
                    Font::new(Bytes::new(data), *index)
                })
                .clone(),
        }
    }
}

/// The fonts a build can use: the bundled ones, an edition's, and optionally the system's.
pub struct FontSet {
    book: LazyHash<FontBook>,
    slots: Vec<FontSlot>,
}

impl FontSet {
    /// The bundled fonts, then every `.otf`/`.ttf`/`.ttc`/`.otc` under `extra` (recursively,
    /// sorted by path; an absent folder adds none, a file that is a copy of a bundled font is
    /// skipped, a link leading out of the folder is an error), then, if `system`, those under
    /// `/usr/share/fonts` (metadata now, data on first use).
    pub fn load(extra: &Path, system: bool) -> Result<Self, String> {
        let mut slots = Vec::new();
        let mut infos = Vec::new();
        let mut add = |font: Font| {
            infos.push(font.info().clone());
            slots.push(FontSlot::Loaded(font));
        };
        for (_, data) in bundled::FONTS {
            Font::iter(Bytes::new(*data)).for_each(&mut add);
        }
        for path in extra_font_files(extra)? {
            let data =
                fs::read(&path).map_err(|e| format!("cannot read font {}: {e}", path.display()))?;
            if bundled::FONTS.iter().any(|(_, b)| *b == data.as_slice()) {
                continue;
            }
            Font::iter(Bytes::new(data)).for_each(&mut add);
        }
        let system_dir = Path::new("/usr/share/fonts");
        if system && system_dir.is_dir() {
            for path in font_files(system_dir).unwrap_or_default() {
                let Ok(data) = fs::read(&path) else { continue };
                for (index, info) in FontInfo::iter(&data).enumerate() {
                    infos.push(info);
                    slots.push(FontSlot::Lazy {
                        path: path.clone(),
                        index: index as u32,
                        font: OnceLock::new(),
                    });
                }
            }
        }
        Ok(Self {
            book: LazyHash::new(FontBook::from_infos(infos)),
            slots,
        })
    }

    /// Number of font faces.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there are no faces at all.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// "Family (style, weight, stretch)" of every face, deduplicated and sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = (0..self.slots.len())
            .filter_map(|i| self.book.info(i))
            .map(|info| {
                let v = info.variant;
                format!(
                    "{} ({:?}, {}, {})",
                    info.family,
                    v.style,
                    v.weight.to_number(),
                    v.stretch
                )
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The font families, sorted and deduplicated.
    pub fn families(&self) -> Vec<String> {
        let mut f: Vec<String> = (0..self.slots.len())
            .filter_map(|i| self.book.info(i))
            .map(|i| i.family.clone())
            .collect();
        f.sort();
        f.dedup();
        f
    }
}

/// Cached contents of one file id.
#[derive(Default)]
struct FileSlot {
    bytes: Option<FileResult<Bytes>>,
    source: Option<FileResult<Source>>,
}

/// A sandboxed Typst world for one edition.
pub struct EditionWorld {
    /// Canonical edition folder.
    project: PathBuf,
    /// Canonical folder of the edition's own template; `None`: the bundled template.
    templates: Option<PathBuf>,
    main: FileId,
    main_source: Source,
    library: LazyHash<Library>,
    fonts: Arc<FontSet>,
    files: Mutex<HashMap<FileId, FileSlot>>,
    today: Datetime,
}

impl EditionWorld {
    /// Creates a world whose main file has the virtual path
    /// [`DEFAULT_MAIN_PATH`] (`/out/edition.typ`). See [`Self::new_at`].
    pub fn new(
        roots: Roots,
        main_text: String,
        font_dir: &Path,
        system_fonts: bool,
        today: (i32, u8, u8),
    ) -> Result<Self, String> {
        Self::new_at(
            roots,
            DEFAULT_MAIN_PATH,
            main_text,
            font_dir,
            system_fonts,
            today,
        )
    }

    /// Creates a world.
    ///
    /// - `roots`: the directories files may be read from.
    /// - `main_path`: virtual path of the main file (relative to `roots.project`);
    ///   relative paths in the main file resolve against its directory.
    /// - `main_text`: source text of the main file, kept in memory.
    /// - fonts: see [`FontSet::load`]; `font_dir` is the edition's `fonts/` folder, which, when
    ///   inside the edition folder, must not lead out of it.
    /// - `today`: the fixed date returned by `World::today`.
    pub fn new_at(
        roots: Roots,
        main_path: &str,
        main_text: String,
        font_dir: &Path,
        system_fonts: bool,
        today: (i32, u8, u8),
    ) -> Result<Self, String> {
        let project = canonical_dir(&roots.project, "edition folder")?;
        let templates = match &roots.templates {
            Some(dir) => Some(canonical_dir(dir, "templates folder")?),
            None => None,
        };
        if font_dir.starts_with(&roots.project)
            && let Ok(real) = fs::canonicalize(font_dir)
            && !real.starts_with(&project)
        {
            return Err(format!(
                "the fonts folder {} resolves to {}, which is outside the edition folder",
                font_dir.display(),
                real.display()
            ));
        }

        let vpath = VirtualPath::new(main_path)
            .map_err(|e| format!("invalid main path {main_path:?}: {e}"))?;
        let main = RootedPath::new(VirtualRoot::Project, vpath).intern();
        let main_source = Source::new(main, main_text);

        let (y, m, d) = today;
        let today = Datetime::from_ymd(y, m, d)
            .ok_or_else(|| format!("invalid date {y:04}-{m:02}-{d:02}"))?;

        Ok(Self {
            project,
            templates,
            main,
            main_source,
            library: LazyHash::new(Library::builder().build()),
            fonts: Arc::new(FontSet::load(font_dir, system_fonts)?),
            files: Mutex::new(HashMap::new()),
            today,
        })
    }

    /// A second world over the same roots and fonts with another main text (for a compile
    /// on another thread). File caches are not shared.
    pub fn fork(&self, main_text: String) -> Self {
        Self {
            project: self.project.clone(),
            templates: self.templates.clone(),
            main: self.main,
            main_source: Source::new(self.main, main_text),
            library: self.library.clone(),
            fonts: self.fonts.clone(),
            files: Mutex::new(HashMap::new()),
            today: self.today,
        }
    }

    /// Replaces the main source text (for recompiles), parsed afresh. An incremental
    /// reparse (`Source::replace`) would keep the spans of unchanged parts, but the main
    /// file alternates between unrelated documents (a galley part, the final document, an
    /// empty text between builds), so the diff finds nothing to keep and only costs time.
    pub fn set_main(&mut self, text: String) {
        self.main_source = Source::new(self.main, text);
    }

    /// Takes the main source out, leaving an empty one (so that the caller decides when its
    /// syntax tree is freed).
    pub fn take_main(&mut self) -> Source {
        std::mem::replace(&mut self.main_source, Source::new(self.main, String::new()))
    }

    /// Clears the cached contents of all files except the main file and fonts
    /// (watch mode: call before recompiling after a file changed on disk).
    pub fn reset_files(&mut self) {
        self.files
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The main file's source.
    pub fn main_source(&self) -> &Source {
        &self.main_source
    }

    /// The file a diagnostic should name: the real path of a template or edition file (the
    /// main file as `<edition>/out/edition.typ`, where the build writes it), the bundled
    /// template as `templates/apparat.typ (bundled)`, or `@preview/pkg:1.0.0/lib.typ` for
    /// package files.
    pub fn display_path(&self, id: FileId) -> String {
        let path = id.vpath().get_without_slash();
        match id.root() {
            VirtualRoot::Project => match (path.strip_prefix("out/templates/"), &self.templates) {
                (Some(rest), Some(templates)) => templates.join(rest).display().to_string(),
                (Some(rest), None) => format!("templates/{rest} (bundled)"),
                (None, _) => self.project.join(path).display().to_string(),
            },
            VirtualRoot::Package(spec) => format!("{spec}/{path}"),
        }
    }

    /// The fonts this world can use.
    pub fn fonts(&self) -> &FontSet {
        &self.fonts
    }

    /// Number of font faces known to the world.
    pub fn font_count(&self) -> usize {
        self.fonts.len()
    }

    /// "Family (style, weight, stretch)" of every face, deduplicated and sorted.
    pub fn font_names(&self) -> Vec<String> {
        self.fonts.names()
    }

    /// The font families this world can use, sorted and deduplicated.
    pub fn families(&self) -> Vec<String> {
        self.fonts.families()
    }

    /// The bundled template, when this world serves it and `id` names it.
    fn bundled_file(&self, id: FileId) -> Option<Bytes> {
        let bundled_path = format!("{TEMPLATES_PREFIX}/{}", bundled::TEMPLATE_NAME);
        (self.templates.is_none()
            && id.root() == &VirtualRoot::Project
            && id.vpath().get_without_slash() == bundled_path)
            .then(|| Bytes::new(bundled::TEMPLATE.as_bytes()))
    }

    /// Resolves a file id to a canonical path inside one of the roots.
    fn resolve(&self, id: FileId) -> FileResult<PathBuf> {
        if let VirtualRoot::Package(spec) = id.root() {
            return Err(FileError::Other(Some(
                format!(
                    "package imports are not allowed in editions (tried to load {spec}); \
                     copy the files into the edition folder instead"
                )
                .into(),
            )));
        }

        let vpath = id.vpath();
        let rel = vpath.get_without_slash();
        let (root, inner, what) = match rel.strip_prefix(TEMPLATES_PREFIX) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                let inner = VirtualPath::new(rest).map_err(|e| {
                    FileError::Other(Some(format!("invalid path {rel}: {e}").into()))
                })?;
                let Some(templates) = &self.templates else {
                    // Only the bundled template is there (see `bundled_file`).
                    return Err(FileError::NotFound(vpath.get_with_slash().into()));
                };
                (templates, inner, "templates folder")
            }
            _ => (&self.project, vpath.clone(), "edition folder"),
        };

        let real = inner.realize(root).map_err(FileError::Realize)?;
        let canonical = fs::canonicalize(&real).map_err(|e| FileError::from_io(e, &real))?;
        if !canonical.starts_with(root) {
            return Err(FileError::Other(Some(
                format!(
                    "{} resolves to {}, which is outside the {what}",
                    vpath.get_with_slash(),
                    canonical.display()
                )
                .into(),
            )));
        }
        if canonical.is_dir() {
            return Err(FileError::IsDirectory);
        }
        Ok(canonical)
    }

    fn read(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(bytes) = self.bundled_file(id) {
            return Ok(bytes);
        }
        let path = self.resolve(id)?;
        let data = fs::read(&path).map_err(|e| FileError::from_io(e, &path))?;
        Ok(Bytes::new(data))
    }

    fn with_slot<T>(&self, id: FileId, f: impl FnOnce(&mut FileSlot) -> T) -> T {
        let mut map = self.files.lock().unwrap_or_else(|e| e.into_inner());
        f(map.entry(id).or_default())
    }

    fn cached_bytes(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(bytes) = self.with_slot(id, |s| s.bytes.clone()) {
            return bytes;
        }
        // Read outside the lock; a concurrent duplicate read is harmless.
        let result = self.read(id);
        self.with_slot(id, |s| s.bytes.get_or_insert(result).clone())
    }
}

impl World for EditionWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main {
            return Ok(self.main_source.clone());
        }
        if let Some(source) = self.with_slot(id, |s| s.source.clone()) {
            return source;
        }
        let result = self.cached_bytes(id).and_then(|bytes| {
            let text = decode_utf8(bytes.as_slice())?;
            Ok(Source::new(id, text.into()))
        });
        self.with_slot(id, |s| s.source.get_or_insert(result).clone())
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main {
            return Ok(Bytes::from_string(self.main_source.text().to_owned()));
        }
        self.cached_bytes(id)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.slots.get(index)?.get()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// Compiles the world to a paged document.
///
/// Returns the document (or the errors) and the warnings.
pub fn compile(
    world: &EditionWorld,
) -> (
    Result<PagedDocument, Vec<SourceDiagnostic>>,
    Vec<SourceDiagnostic>,
) {
    let warned = typst::compile::<PagedDocument>(world);
    let warnings = warned.warnings.into_iter().collect();
    (
        warned.output.map_err(|errors| errors.into_iter().collect()),
        warnings,
    )
}

/// Canonicalizes a directory, with a readable error.
fn canonical_dir(path: &Path, what: &str) -> Result<PathBuf, String> {
    let canonical = fs::canonicalize(path)
        .map_err(|e| format!("cannot open {what} {}: {e}", path.display()))?;
    if !canonical.is_dir() {
        return Err(format!("{what} {} is not a directory", path.display()));
    }
    Ok(canonical)
}

/// The font files under an edition's fonts folder (none when it does not exist); each must
/// resolve inside the folder.
fn extra_font_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    if !dir.exists() {
        return Ok(vec![]);
    }
    let real_dir = canonical_dir(dir, "fonts folder")?;
    let files =
        font_files(dir).map_err(|e| format!("cannot read font folder {}: {e}", dir.display()))?;
    for path in &files {
        let real = fs::canonicalize(path)
            .map_err(|e| format!("cannot read font {}: {e}", path.display()))?;
        if !real.starts_with(&real_dir) {
            return Err(format!(
                "the font {} resolves to {}, which is outside the fonts folder",
                path.display(),
                real.display()
            ));
        }
    }
    Ok(files)
}

/// All font files under `dir`, recursively, sorted by path.
fn font_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            let ty = entry.file_type()?;
            if ty.is_dir() {
                // Unreadable subfolders are skipped rather than fatal.
                let _ = walk(&path, out);
            } else if is_font_file(&path) {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, &mut out)?;
    out.sort();
    Ok(out)
}

fn is_font_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| {
            matches!(
                e.to_ascii_lowercase().as_str(),
                "otf" | "ttf" | "ttc" | "otc"
            )
        })
        .unwrap_or(false)
}

/// Decodes UTF-8 with an optional BOM.
fn decode_utf8(buf: &[u8]) -> FileResult<&str> {
    Ok(std::str::from_utf8(
        buf.strip_prefix(b"\xef\xbb\xbf").unwrap_or(buf),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use typst::layout::FrameItem;

    fn fonts() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts")
    }

    /// A fresh project folder with `out/` and a templates folder.
    fn roots(name: &str) -> Roots {
        let base =
            std::env::temp_dir().join(format!("apparat-world-test-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        let project = base.join("edition");
        let templates = base.join("templates");
        fs::create_dir_all(project.join("out")).unwrap();
        fs::create_dir_all(&templates).unwrap();
        fs::write(project.join("note.txt"), "hello from the edition").unwrap();
        fs::write(templates.join("t.typ"), "#let greet = [Greetings]").unwrap();
        fs::write(base.join("secret.txt"), "secret").unwrap();
        Roots {
            project,
            templates: Some(templates),
        }
    }

    fn world(name: &str, text: &str) -> EditionWorld {
        EditionWorld::new(roots(name), text.into(), &fonts(), false, (2026, 11, 27)).unwrap()
    }

    fn errors(world: &EditionWorld) -> String {
        let (result, _) = compile(world);
        match result {
            Ok(_) => panic!("compilation unexpectedly succeeded"),
            Err(errs) => errs
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    fn texts(doc: &PagedDocument) -> String {
        fn walk(frame: &typst::layout::Frame, out: &mut String) {
            for (_, item) in frame.items() {
                match item {
                    FrameItem::Group(g) => walk(&g.frame, out),
                    FrameItem::Text(t) => {
                        out.push_str(&t.text);
                        out.push(' ');
                    }
                    _ => {}
                }
            }
        }
        let mut out = String::new();
        for page in doc.pages() {
            walk(&page.frame, &mut out);
        }
        out
    }

    #[test]
    fn world_loads_fonts() {
        let w = world("fonts", "");
        assert!(w.font_count() >= 6, "{}", w.font_count());
        let names = w.font_names();
        assert!(
            names.iter().any(|n| n.starts_with("Libertinus Serif")),
            "{names:?}"
        );
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn world_compiles_tiny_document() {
        let w = world(
            "tiny",
            r#"#set text(font: "Libertinus Serif", fallback: false)
#import "/out/templates/t.typ": greet
Hello, world. #greet. #read("/note.txt") #datetime.today().display()"#,
        );
        let (result, warnings) = compile(&w);
        let doc = result.unwrap_or_else(|e| panic!("{e:?}"));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(doc.pages().len(), 1);
        let text = texts(&doc);
        assert!(text.contains("Hello"), "{text}");
        assert!(text.contains("Greetings"), "{text}");
        assert!(text.contains("edition"), "{text}");
        assert!(text.contains("2026-11-27"), "{text}");
        // The font actually used is Libertinus.
        fn font_family(frame: &typst::layout::Frame) -> Option<String> {
            frame.items().find_map(|(_, item)| match item {
                FrameItem::Group(g) => font_family(&g.frame),
                FrameItem::Text(t) => Some(t.font.info().family.clone()),
                _ => None,
            })
        }
        assert_eq!(
            font_family(&doc.pages()[0].frame).as_deref(),
            Some("Libertinus Serif")
        );
    }

    #[test]
    fn world_set_main_recompiles() {
        let mut w = world("setmain", "First");
        assert!(texts(&compile(&w).0.unwrap()).contains("First"));
        w.set_main("Second".into());
        assert!(texts(&compile(&w).0.unwrap()).contains("Second"));
    }

    #[test]
    fn world_denies_parent_escape() {
        let w = world("parent", r#"#read("../../etc/passwd")"#);
        let msg = errors(&w);
        assert!(msg.contains("escape") || msg.contains("outside"), "{msg}");
        let w = world("parent2", r#"#read("../../secret.txt")"#);
        errors(&w);
    }

    #[test]
    fn world_denies_absolute_system_path() {
        let w = world("abs", r#"#read("/etc/passwd")"#);
        let msg = errors(&w);
        assert!(msg.contains("not found"), "{msg}");
    }

    #[test]
    fn world_denies_packages() {
        let w = world("pkg", r#"#import "@preview/foo:0.1.0": *"#);
        let msg = errors(&w);
        assert!(msg.contains("package"), "{msg}");
    }

    #[cfg(unix)]
    #[test]
    fn world_denies_symlink_escape() {
        let r = roots("symlink");
        let secret = r.project.parent().unwrap().join("secret.txt");
        std::os::unix::fs::symlink(&secret, r.project.join("link.txt")).unwrap();
        let w = EditionWorld::new(
            r,
            r#"#read("/link.txt")"#.into(),
            &fonts(),
            false,
            (2026, 11, 27),
        )
        .unwrap();
        let msg = errors(&w);
        assert!(msg.contains("outside the edition folder"), "{msg}");
    }

    #[test]
    fn world_reset_files_rereads() {
        let r = roots("reset");
        let note = r.project.join("note.txt");
        let mut w = EditionWorld::new(
            r,
            r#"#read("/note.txt")"#.into(),
            &fonts(),
            false,
            (2026, 11, 27),
        )
        .unwrap();
        assert!(texts(&compile(&w).0.unwrap()).contains("hello"));
        fs::write(&note, "changed text").unwrap();
        // Cached: still the old contents.
        assert!(texts(&compile(&w).0.unwrap()).contains("hello"));
        w.reset_files();
        assert!(texts(&compile(&w).0.unwrap()).contains("changed"));
    }

    #[test]
    fn world_serves_the_bundled_template_from_memory() {
        let mut r = roots("bundled");
        r.templates = None;
        // A stale copy on disk where the build writes one must not be read.
        fs::create_dir_all(r.project.join("out/templates")).unwrap();
        fs::write(r.project.join("out/templates/apparat.typ"), "#panic()").unwrap();
        let main = r#"#read("/out/templates/apparat.typ")"#;
        let w = EditionWorld::new(r.clone(), main.into(), &fonts(), false, (2026, 11, 27)).unwrap();
        let id = RootedPath::new(
            VirtualRoot::Project,
            VirtualPath::new("/out/templates/apparat.typ").unwrap(),
        )
        .intern();
        assert_eq!(w.file(id).unwrap().as_slice(), bundled::TEMPLATE.as_bytes());
        assert_eq!(w.display_path(id), "templates/apparat.typ (bundled)");
        // Nothing else is under the bundled templates folder.
        let w = EditionWorld::new(
            r,
            r#"#read("/out/templates/t.typ")"#.into(),
            &fonts(),
            false,
            (2026, 11, 27),
        )
        .unwrap();
        assert!(errors(&w).contains("not found"));
    }

    #[test]
    fn bundled_fonts_need_no_font_folder() {
        let fonts = FontSet::load(Path::new("/nonexistent/fonts"), false).unwrap();
        assert_eq!(fonts.len(), bundled::FONTS.len());
        assert_eq!(fonts.families(), ["Libertinus Serif"]);
    }

    #[test]
    fn edition_fonts_are_added_and_copies_of_bundled_ones_skipped() {
        let r = roots("edition-fonts");
        let dir = r.project.join("fonts");
        fs::create_dir_all(&dir).unwrap();
        let (_, regular) = bundled::FONTS[3];
        fs::write(dir.join("copy.otf"), regular).unwrap();
        assert_eq!(
            FontSet::load(&dir, false).unwrap().len(),
            bundled::FONTS.len()
        );
        // Another file (here: the same font with a byte appended) is a face of its own.
        fs::write(dir.join("other.otf"), [regular, &b"\0"[..]].concat()).unwrap();
        assert_eq!(
            FontSet::load(&dir, false).unwrap().len(),
            bundled::FONTS.len() + 1
        );
    }

    #[cfg(unix)]
    #[test]
    fn world_denies_font_links_out_of_the_edition() {
        use std::os::unix::fs::symlink;
        let r = roots("font-links");
        let outside = r.project.parent().unwrap().join("outside-fonts");
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("x.otf"), bundled::FONTS[0].1).unwrap();
        // A fonts folder that is a link out of the edition folder.
        symlink(&outside, r.project.join("fonts")).unwrap();
        let new = |r: &Roots| {
            EditionWorld::new(
                r.clone(),
                String::new(),
                &r.project.join("fonts"),
                false,
                (2026, 1, 1),
            )
        };
        let msg = new(&r).err().unwrap();
        assert!(msg.contains("outside the edition folder"), "{msg}");
        // A font file that is a link out of the fonts folder.
        fs::remove_file(r.project.join("fonts")).unwrap();
        fs::create_dir_all(r.project.join("fonts")).unwrap();
        symlink(outside.join("x.otf"), r.project.join("fonts/x.otf")).unwrap();
        let msg = new(&r).err().unwrap();
        assert!(msg.contains("outside the fonts folder"), "{msg}");
    }
}
