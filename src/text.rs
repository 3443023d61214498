//! Stage 2 — the base text as a model.
//!
//! `source.txt` is evidence and is never edited; this module reads it exactly as received,
//! checks its sha256 against the spec, and builds the *reading model*: blocks (title,
//! headings, paragraphs) whose text is the source's with hard line breaks joined and runs of
//! spaces collapsed. Every byte of the model maps back to the byte of `source.txt` it came
//! from ([`Text::source_offset`]), so any diagnostic or export can point at the evidence.
//!
//! The spec's structure (title, headings, witness page breaks) is applied here through
//! quotations; [`Text::find_cached`] is the one quotation matcher, used again by `anchor` for
//! apparatus entries and margin notes.
//!
//! Input policy (documented in the README): a UTF-8 BOM is skipped, CRLF and CR line ends are
//! accepted, tabs and no-break spaces count as spaces; NUL and other control characters are
//! refused with their position, as is invalid UTF-8 (with its byte offset) and an empty text.

use std::collections::HashMap;
use std::ops::Range;

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::diag::{Diagnostic, Diagnostics, Result, SourceFile};
use crate::spec::{Quote, Spec};

mod diagnose;
mod verse;

pub use verse::Verse;

/// The largest base text accepted (16 MiB): a volume of several thousand pages.
pub(crate) const MAX_SOURCE_BYTES: u64 = 16 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Title,
    Heading(u8),
    Paragraph,
    /// One verse: a source line of a passage of verse.
    Verse(Verse),
}

impl BlockKind {
    /// A block of the text proper (a paragraph or a verse): numbered, where entries anchor;
    /// not a title or heading.
    pub fn is_numbered(self) -> bool {
        matches!(self, BlockKind::Paragraph | BlockKind::Verse(_))
    }
}

#[derive(Debug, Clone)]
pub struct Block {
    pub kind: BlockKind,
    /// Byte range in [`Text::doc`].
    pub range: Range<usize>,
    /// Byte offsets (in `doc`) where a new source line begins inside the block — kept for
    /// the title, whose lines are printed as received.
    pub line_starts: Vec<usize>,
}

/// A page or folio break of a witness, at a byte offset of the model.
#[derive(Debug, Clone)]
pub struct MilestonePos {
    pub pos: usize,
    pub witness: String,
    pub n: String,
    /// Span of its quotation in edition.toml.
    pub span: Range<usize>,
    /// The blank lines before it are no paragraph break (`join = true`).
    pub join: bool,
}

/// The reading model of the base text.
#[derive(Debug, Clone)]
pub struct Text {
    pub file: SourceFile,
    /// All blocks' text, separated by `\n`.
    pub doc: String,
    /// For each byte of `doc`, the byte offset in `source.txt` of the character it belongs to.
    src: Vec<u32>,
    pub blocks: Vec<Block>,
    pub milestones: Vec<MilestonePos>,
    pub sha256: String,
}

/// One match of a quotation.
pub type Match = Range<usize>;

/// Matches of quotations already searched, and an index of the text's words (see
/// [`Text::find_cached`]).
#[derive(Debug, Default)]
pub(crate) struct FindCache {
    found: HashMap<String, Vec<Match>>,
    words: Option<WordIndex>,
    /// Whether a quotation may run across block breaks (a quotation's space matching a
    /// paragraph or heading break): apparatus entries, margin notes and lacunae may; the
    /// title, headings and milestones may not.
    across_blocks: bool,
    /// The text under canonical composition (NFC), when the model is not composed already:
    /// decided on the first search (`Some(None)`: the model itself is composed).
    composed: Option<Option<Box<Composed>>>,
}

impl FindCache {
    /// A cache for quotations that may cross block breaks.
    pub(crate) fn across_blocks() -> FindCache {
        FindCache {
            across_blocks: true,
            ..FindCache::default()
        }
    }

    fn words(&mut self, doc: &str) -> &WordIndex {
        self.words.get_or_insert_with(|| WordIndex::new(doc))
    }
}

/// Byte offsets of every word (maximal alphanumeric run) of the text, by the word in lower
/// case: built once, it finds exact matches (the offsets are filtered by the exact bytes) and
/// the candidates of the "nearest text" hints.
#[derive(Debug, Default)]
struct WordIndex {
    by_lowercase: HashMap<String, Vec<usize>>,
}

impl WordIndex {
    fn new(doc: &str) -> WordIndex {
        let mut by_lowercase: HashMap<String, Vec<usize>> = HashMap::new();
        let mut start: Option<usize> = None;
        let mut add = |s: usize, e: usize| {
            by_lowercase
                .entry(doc[s..e].to_lowercase())
                .or_default()
                .push(s);
        };
        for (i, c) in doc.char_indices().chain(std::iter::once((doc.len(), ' '))) {
            // A CJK character is a word of its own.
            if cjk(c) && c.is_alphanumeric() {
                if let Some(s) = start.take() {
                    add(s, i);
                }
                add(i, i + c.len_utf8());
                continue;
            }
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    add(s, i);
                    start = None;
                }
                _ => {}
            }
        }
        WordIndex { by_lowercase }
    }

    /// Offsets (ascending) where `word` stands, in any capitalisation.
    fn starts(&self, word: &str) -> &[usize] {
        self.by_lowercase
            .get(&word.to_lowercase())
            .map_or(&[], Vec::as_slice)
    }
}

impl Text {
    /// Read `source.txt` (as named by the spec), check it, and build the model.
    pub fn load(spec: &Spec) -> Result<Text> {
        let rel = spec.text.file.get_ref();
        let path = crate::paths::inside(&spec.dir, rel)
            .map_err(|m| spec.error(spec.text.file.span(), m))?;
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if size > MAX_SOURCE_BYTES {
            return Err(spec
                .error(
                    spec.text.file.span(),
                    format!(
                        "{} is {:.1} MiB; apparat accepts at most {} MiB",
                        which(spec),
                        size as f64 / (1 << 20) as f64,
                        MAX_SOURCE_BYTES >> 20
                    ),
                )
                .with_note("about 8,000 printed pages; split larger texts into volumes, one edition folder each")
                .into());
        }
        let bytes = std::fs::read(&path)
            .map_err(|e| spec.error(spec.text.file.span(), format!("cannot read `{rel}`: {e}")))?;
        let display = spec.dir.join(rel);
        Self::from_bytes(spec, &display, &bytes)
    }

    pub fn from_bytes(spec: &Spec, path: &std::path::Path, bytes: &[u8]) -> Result<Text> {
        let sha = hex(&Sha256::digest(bytes));
        check_pinned_hash(spec, path, &sha)?;
        let text = decode(which(spec), path, bytes)?;
        let file = SourceFile::new(path, text);
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        let bom = text.len() - body.len();
        refuse_control_characters(which(spec), &file, body, bom)?;
        if body.trim().is_empty() {
            return Err(Diagnostic::error(format!("{} is empty", which(spec)))
                .at(&file, 0..text.len())
                .into());
        }
        let flat = Flat::new(body, bom);
        let mut t = build(spec, &file, flat)?;
        t.sha256 = sha;
        Ok(t)
    }

    /// Source byte offset of a model byte offset.
    pub fn source_offset(&self, pos: usize) -> usize {
        if pos >= self.src.len() {
            return self.file.text.len();
        }
        self.src[pos] as usize
    }

    /// Source byte range of a model range (for diagnostics pointing into `source.txt`).
    pub(crate) fn source_range(&self, r: &Range<usize>) -> Range<usize> {
        let s = self.source_offset(r.start);
        let e = if r.end > r.start {
            self.source_offset(r.end - 1) + 1
        } else {
            s
        };
        let e = ceil_boundary(&self.file.text, e.max(s));
        s..e
    }

    /// The 1-based line of `source.txt` holding model offset `pos`.
    fn source_line(&self, pos: usize) -> usize {
        self.file.line_col(self.source_offset(pos)).0
    }

    /// Index of the block holding model offset `pos`.
    pub(crate) fn block_at(&self, pos: usize) -> Option<usize> {
        block_containing(&self.blocks, |b| &b.range, pos)
    }

    /// Resolve a quotation to exactly one range, or a located diagnostic in the spec naming
    /// the candidates (with their lines in `source.txt`). `cache` keeps the matches of each
    /// distinct quotation, for resolving many anchors (the same short words are quoted again
    /// and again).
    ///
    /// Quotations match under canonical equivalence: both the quotation and the text are
    /// compared in NFC (a precomposed `é` typed in the spec matches `e` + U+0301 in the text),
    /// and the match is mapped back to the model's bytes, so the lemma prints as the text has it.
    pub(crate) fn find_cached(
        &self,
        spec: &Spec,
        q: &Quote,
        cache: &mut FindCache,
    ) -> Result<Match> {
        self.in_composed(
            cache,
            |t, cache| t.find_composed(spec, q, cache),
            |c, m| c.model_range(&m),
        )
    }

    /// `search` run on the text in NFC (composed once, kept in `cache`), its result mapped
    /// back to the model's bytes by `back`; on the model itself where it is composed.
    fn in_composed<T>(
        &self,
        cache: &mut FindCache,
        search: impl FnOnce(&Text, &mut FindCache) -> Result<T>,
        back: impl FnOnce(&Composed, T) -> T,
    ) -> Result<T> {
        let composed = match cache.composed.take() {
            Some(known) => known,
            None => Composed::of(self).map(Box::new),
        };
        let found = match &composed {
            Some(c) => search(&c.text, cache).map(|m| back(c, m)),
            None => search(self, cache),
        };
        cache.composed = Some(composed);
        found
    }

    /// Every match of `q` that its `before` and `after` allow (its `occurrence` is not
    /// read), in text order: what an index entry with `all = true` cites. None is an error,
    /// located and explained as for one quotation.
    pub(crate) fn find_every_cached(
        &self,
        spec: &Spec,
        q: &Quote,
        cache: &mut FindCache,
    ) -> Result<Vec<Match>> {
        self.in_composed(
            cache,
            |t, cache| t.every_composed(spec, q, cache),
            |c, found| found.iter().map(|m| c.model_range(m)).collect(),
        )
    }

    /// [`Text::find_every_cached`] on a text already in NFC.
    fn every_composed(&self, spec: &Spec, q: &Quote, cache: &mut FindCache) -> Result<Vec<Match>> {
        let quote: String = normalize(q.at.get_ref()).nfc().collect();
        let all = self.matches_cached(&quote, cache);
        let context = Context::of(q);
        let found: Vec<Match> = all
            .iter()
            .filter(|m| context.fits(&self.doc, m))
            .cloned()
            .collect();
        if found.is_empty() {
            return Err(self.not_found(spec, q, &quote, &all, cache).into());
        }
        Ok(found)
    }

    /// [`Text::find_cached`] on a text already in NFC.
    fn find_composed(&self, spec: &Spec, q: &Quote, cache: &mut FindCache) -> Result<Match> {
        let found = self.every_composed(spec, q, cache)?;
        let quote: String = normalize(q.at.get_ref()).nfc().collect();
        if let Some(o) = &q.occurrence {
            let n = *o.get_ref() as usize;
            return match found.get(n.wrapping_sub(1)) {
                Some(m) => Ok(m.clone()),
                None => Err(spec
                    .error(
                        o.span(),
                        format!(
                            "occurrence {n} of `{quote}` does not exist: it occurs {} time(s)",
                            found.len()
                        ),
                    )
                    .into()),
            };
        }
        match found.as_slice() {
            [one] => Ok(one.clone()),
            _ => Err(self.ambiguous(spec, q, &quote, &found).into()),
        }
    }

    /// Every word-bounded match of `quote` inside one block, from the cache or the word index.
    fn matches_cached(&self, quote: &str, cache: &mut FindCache) -> Vec<Match> {
        if let Some(found) = cache.found.get(quote) {
            return found.clone();
        }
        let first = first_word(quote);
        let mut found = if first.is_empty() {
            find_in(&self.doc, quote)
        } else if cache.across_blocks {
            // A space of the quotation also matches a block break.
            let doc = &self.doc;
            let same = |text: char, typed: char| text == typed || text == '\n' && typed == ' ';
            cache
                .words(doc)
                .starts(first)
                .iter()
                .filter_map(|&p| diagnose::match_at(doc, p, quote, same))
                .collect()
        } else {
            // Word-bounded matches start where the doc has the quotation's first word.
            let doc = &self.doc;
            let last = quote.chars().next_back();
            cache
                .words(doc)
                .starts(first)
                .iter()
                .filter(|&&p| doc[p..].starts_with(quote))
                .filter(|&&p| !one_word(last, doc[p + quote.len()..].chars().next()))
                .map(|&p| p..p + quote.len())
                .collect()
        };
        // Matches within one block come first: a quotation that has one counts only those
        // (so adding crossing matches never renumbers the occurrences of a quotation);
        // one that has none may match across block breaks where the cache allows it.
        let within = |m: &Match| self.block_at(m.start) == self.block_at(m.end.saturating_sub(1));
        if !cache.across_blocks || found.iter().any(within) {
            found.retain(within);
        }
        cache.found.insert(quote.to_string(), found.clone());
        found
    }

    /// "ambiguous quotation", with every occurrence underlined in `source.txt`.
    fn ambiguous(&self, spec: &Spec, q: &Quote, quote: &str, found: &[Match]) -> Diagnostic {
        let mut d = spec
            .error(
                q.at.span(),
                format!(
                    "ambiguous quotation: `{quote}` occurs {} times",
                    found.len()
                ),
            )
            .with_note("add `occurrence = N`, or `before`/`after` with the neighbouring words");
        for (i, m) in found.iter().enumerate().take(8) {
            d = d.with_label(
                &self.file,
                self.source_range(m),
                format!(
                    "occurrence {} (source line {})",
                    i + 1,
                    self.source_line(m.start)
                ),
            );
        }
        d
    }
}

/// The text in canonical composition (NFC) for matching, each byte mapped to the model's.
/// Built only for a text that is not composed already (text extracted from PDFs often has
/// `e` + U+0301 where a typist types `é`).
#[derive(Debug)]
struct Composed {
    text: Text,
    /// Model offset of each composed byte, and of the end (`text.doc.len() + 1` entries).
    to_model: Vec<u32>,
}

impl Composed {
    /// The composed text, or `None` when the model is in NFC.
    fn of(model: &Text) -> Option<Composed> {
        if unicode_normalization::is_nfc(&model.doc) {
            return None;
        }
        let mut doc = String::with_capacity(model.doc.len());
        let mut to_model: Vec<u32> = Vec::with_capacity(model.doc.len() + 1);
        let mut from_model: Vec<u32> = Vec::with_capacity(model.doc.len() + 1);
        // Each starter with the combining marks after it composes on its own.
        let mut cluster_starts: Vec<usize> = model
            .doc
            .char_indices()
            .filter(|&(_, c)| unicode_normalization::char::canonical_combining_class(c) == 0)
            .map(|(i, _)| i)
            .collect();
        if cluster_starts.first() != Some(&0) {
            cluster_starts.insert(0, 0);
        }
        cluster_starts.push(model.doc.len());
        for pair in cluster_starts.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let composed: String = model.doc[a..b].nfc().collect();
            from_model.extend(std::iter::repeat_n(doc.len() as u32, b - a));
            to_model.extend(std::iter::repeat_n(a as u32, composed.len()));
            doc.push_str(&composed);
        }
        to_model.push(model.doc.len() as u32);
        from_model.push(doc.len() as u32);
        let src = to_model[..doc.len()]
            .iter()
            .map(|&m| model.src[m as usize])
            .collect();
        let at = |m: usize| from_model[m] as usize;
        let blocks = model
            .blocks
            .iter()
            .map(|b| Block {
                kind: b.kind,
                range: at(b.range.start)..at(b.range.end),
                line_starts: b.line_starts.iter().map(|&l| at(l)).collect(),
            })
            .collect();
        let text = Text {
            file: model.file.clone(),
            doc,
            src,
            blocks,
            milestones: vec![],
            sha256: String::new(),
        };
        Some(Composed { text, to_model })
    }

    /// The model range of a range of the composed text (whose ends fall between clusters).
    fn model_range(&self, m: &Match) -> Match {
        self.to_model[m.start] as usize..self.to_model[m.end] as usize
    }
}

/// A quotation's `before` and `after`, normalised: the words that must immediately precede
/// and follow a match (across spaces and block breaks).
struct Context {
    before: Option<String>,
    after: Option<String>,
}

impl Context {
    fn of(q: &Quote) -> Context {
        Context {
            before: q
                .before
                .as_ref()
                .map(|b| normalize(b.get_ref()).nfc().collect()),
            after: q
                .after
                .as_ref()
                .map(|a| normalize(a.get_ref()).nfc().collect()),
        }
    }

    fn fits(&self, doc: &str, m: &Match) -> bool {
        self.fits_before(doc, m) && self.fits_after(doc, m)
    }

    fn fits_before(&self, doc: &str, m: &Match) -> bool {
        self.before
            .as_ref()
            .is_none_or(|b| doc[..m.start].trim_end().ends_with(b.as_str()))
    }

    fn fits_after(&self, doc: &str, m: &Match) -> bool {
        self.after
            .as_ref()
            .is_none_or(|a| doc[m.end..].trim_start().starts_with(a.as_str()))
    }
}

/// The sha256 pinned in the spec, if any, must be the text's.
fn check_pinned_hash(spec: &Spec, path: &std::path::Path, sha: &str) -> Result<()> {
    match &spec.text.sha256 {
        Some(pinned) if !pinned.get_ref().eq_ignore_ascii_case(sha) => Err(spec
            .error(
                pinned.span(),
                format!("{} does not match its pinned sha256", which(spec)),
            )
            .with_note(format!("pinned in the spec: {}", pinned.get_ref()))
            .with_note(format!("{}: {sha}", path.display()))
            .with_note("the base text is evidence and is never edited; if a new transcription was received on purpose, pin its hash")
            .into()),
        _ => Ok(()),
    }
}

/// What a message calls the text being read: the base text, or a facing translation.
fn which(spec: &Spec) -> &'static str {
    if spec.text.translation {
        "the translation"
    } else {
        "the base text"
    }
}

/// The text as UTF-8, or an error at the first invalid byte.
fn decode<'a>(which: &str, path: &std::path::Path, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        // The lossy text is the same as the source up to `at`, so the offset points right.
        let file = SourceFile::new(path, String::from_utf8_lossy(bytes).into_owned());
        Diagnostic::error(format!(
            "{which} is not valid UTF-8 (invalid byte 0x{:02x} at byte offset {at})",
            bytes[at]
        ))
        .at(&file, at..at + 1)
        .into()
    })
}

/// Control characters other than tab, form feed and line ends are refused at their position.
fn refuse_control_characters(which: &str, file: &SourceFile, body: &str, bom: usize) -> Result<()> {
    let Some((i, c)) = body
        .char_indices()
        .find(|&(_, c)| c != '\u{c}' && crate::spec::refused_char(c))
    else {
        return Ok(());
    };
    Err(Diagnostic::error(format!(
        "{which} contains the {} U+{:04X} at byte offset {}",
        if c.is_control() { "control character" } else { "invisible character" },
        c as u32,
        i + bom
    ))
    .at(file, i + bom..i + bom + c.len_utf8())
    .with_note("control characters other than tab, form feed and line ends, and the line and paragraph separators U+2028, U+2029, are refused: they are invisible in print")
    .into())
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i.min(s.len())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\u{a0}' | '\u{c}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{3000}'
    )
}

/// Whitespace collapsed to single spaces, trimmed.
pub fn normalize(s: &str) -> String {
    s.split(|c: char| is_space(c) || c == '\n' || c == '\r')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A word character of the matching rule (quotations match whole words).
pub(crate) fn word_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric())
}

/// A character of a script written without spaces between words, each character a word of
/// its own for quotations: Han ideographs, kana, bopomofo, and the CJK punctuation and
/// full-width forms (a source line break between two of them is no space).
pub(crate) fn cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F | 0x3040..=0x30FF | 0x3100..=0x312F | 0x31A0..=0x31FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF
        | 0x20000..=0x2FA1F | 0x30000..=0x3134F)
}

/// Whether `a` and `b`, side by side, are in one word (a quotation may not begin or end
/// between them): both word characters, neither a CJK character (each of those is a word).
pub(crate) fn one_word(a: Option<char>, b: Option<char>) -> bool {
    word_char(a) && word_char(b) && !a.is_some_and(cjk) && !b.is_some_and(cjk)
}

/// The first word of `s` by the matching rule (a CJK character alone).
pub(crate) fn first_word(s: &str) -> &str {
    let mut end = 0;
    for (i, c) in s.char_indices() {
        if !c.is_alphanumeric() || (cjk(c) && i > 0) {
            break;
        }
        end = i + c.len_utf8();
        if cjk(c) {
            break;
        }
    }
    &s[..end]
}

/// Index of the block (of blocks sorted by their ranges) whose range holds `pos`.
pub(crate) fn block_containing<B>(
    blocks: &[B],
    range: impl Fn(&B) -> &Range<usize>,
    pos: usize,
) -> Option<usize> {
    let i = blocks.partition_point(|b| range(b).end <= pos);
    blocks.get(i).filter(|b| range(b).contains(&pos)).map(|_| i)
}

/// Every word-bounded match of `quote` in `doc`, overlapping ones included (`och och` in
/// `och och och` occurs twice): the one matching rule of quotations. Public so that tools
/// generating specs (the stress generator) count occurrences exactly as apparat does.
pub(crate) fn find_in(doc: &str, quote: &str) -> Vec<Match> {
    let mut out = vec![];
    if quote.is_empty() {
        return out;
    }
    let (first, last) = (quote.chars().next(), quote.chars().next_back());
    let mut from = 0;
    while let Some(k) = doc[from..].find(quote) {
        let i = from + k;
        let before = doc[..i].chars().next_back();
        let after = doc[i + quote.len()..].chars().next();
        if !(one_word(before, first) || one_word(last, after)) {
            out.push(i..i + quote.len());
        }
        from = i + doc[i..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// The source flattened: lines trimmed and joined by one space within a group of lines;
/// groups (separated by blank lines) joined by `\n`.
struct Flat {
    doc: String,
    src: Vec<u32>,
    /// Byte offsets in `doc` where source lines start.
    line_starts: Vec<usize>,
    /// Byte offsets in `doc` where source lines end.
    line_ends: Vec<usize>,
    /// The leading spaces of each source line with text (a tab counts as four).
    line_indents: Vec<u16>,
    /// A blank line was seen since the last line with text: the next one starts a group.
    pending_group_break: bool,
}

impl Flat {
    /// Flatten `text`, whose first byte is at byte `base` of the source (after a BOM).
    fn new(text: &str, base: usize) -> Flat {
        let mut flat = Flat {
            doc: String::with_capacity(text.len()),
            src: Vec::with_capacity(text.len()),
            line_starts: vec![],
            line_ends: vec![],
            line_indents: vec![],
            pending_group_break: false,
        };
        let mut line_offset = base;
        for raw_line in text.split_inclusive('\n') {
            let line = raw_line.trim_end_matches(['\n', '\r']);
            // A lone CR also ends a line.
            let mut part_offset = line_offset;
            for part in line.split('\r') {
                flat.push_line(part, part_offset);
                part_offset += part.len() + 1;
            }
            line_offset += raw_line.len();
        }
        flat
    }

    /// Append one source line (starting at source byte `offset`): its runs of spaces become
    /// one space, and it joins the previous line by a space, or by `\n` after a blank line.
    fn push_line(&mut self, line: &str, offset: usize) {
        if line.chars().all(is_space) {
            if !self.doc.is_empty() {
                self.pending_group_break = true;
            }
            return;
        }
        let mut started = false;
        let mut space_at: Option<usize> = None;
        for (i, c) in line.char_indices() {
            if is_space(c) {
                if started && space_at.is_none() {
                    space_at = Some(i);
                }
                continue;
            }
            if !started {
                self.start_line(c);
                self.line_indents.push(leading_spaces(&line[..i]));
                started = true;
            } else if let Some(space) = space_at.take() {
                self.doc.push(' ');
                self.src.push((offset + space) as u32);
            }
            let at = (offset + i) as u32;
            self.doc.push(c);
            self.src.extend(std::iter::repeat_n(at, c.len_utf8()));
        }
        self.line_ends.push(self.doc.len());
    }

    /// The separator before a line's first character (`first`), and the line's start. Between
    /// two CJK characters a line break is no space: those scripts do not space their words.
    fn start_line(&mut self, first: char) {
        let unspaced = cjk(first) && self.doc.chars().next_back().is_some_and(cjk);
        if !self.doc.is_empty() && (self.pending_group_break || !unspaced) {
            let separator = if self.pending_group_break { '\n' } else { ' ' };
            let s = self.src.last().copied().unwrap_or(0);
            self.doc.push(separator);
            self.src.push(s);
        }
        self.pending_group_break = false;
        self.line_starts.push(self.doc.len());
    }

    /// Whether `r` begins at the start of a source line and ends at the end of one.
    fn whole_lines(&self, r: &Range<usize>) -> bool {
        self.line_starts.binary_search(&r.start).is_ok()
            && self.line_ends.binary_search(&r.end).is_ok()
    }
}

/// The width of a line's leading white space, in spaces (a tab counts as four).
fn leading_spaces(lead: &str) -> u16 {
    let width: usize = lead.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum();
    width.min(u16::MAX as usize) as u16
}

/// A structural quotation resolved in the flat text: the title or a heading.
struct Cut {
    range: Range<usize>,
    kind: BlockKind,
    /// Span of its quotation in edition.toml.
    span: Range<usize>,
}

/// The structure of the spec located in the flat text.
struct LocatedStructure {
    /// In text order.
    cuts: Vec<Cut>,
    /// At offsets of the flat text.
    milestones: Vec<MilestonePos>,
    /// Passages of verse, in text order.
    verses: Vec<verse::Passage>,
}

/// A run of the flat text that becomes a block, or the continuation of the previous one.
struct Segment {
    range: Range<usize>,
    kind: BlockKind,
    /// A witness's page break falls here, not a paragraph break: the segment continues the
    /// previous paragraph.
    joins_previous: bool,
}

/// Apply the spec's structure to the flat text.
fn build(spec: &Spec, file: &SourceFile, flat: Flat) -> Result<Text> {
    // A throw-away model of the flat text, so the shared matcher can run on it.
    let probe = Text {
        file: file.clone(),
        doc: flat.doc.clone(),
        src: flat.src.clone(),
        blocks: groups(&flat.doc),
        milestones: vec![],
        sha256: String::new(),
    };
    let located = locate_structure(spec, &probe, &flat)?;
    let segments = segments(&flat.doc, &probe.blocks, &located.cuts);
    let mut segments = verse::split(&flat, segments, &located.verses);
    join_at_milestones(spec, &mut segments, &located.milestones)?;
    Ok(assemble(file, &flat, &segments, located.milestones))
}

/// Resolve the title, headings and milestones in the flat text, reporting every problem.
fn locate_structure(spec: &Spec, probe: &Text, flat: &Flat) -> Result<LocatedStructure> {
    // One matcher cache for all structural quotations (its word index is built once).
    let mut cache = FindCache::default();
    let mut errs = vec![];
    let cuts = locate_cuts(spec, probe, flat, &mut cache, &mut errs);
    let mut milestones = vec![];
    for m in &spec.milestones {
        match probe.find_cached(spec, &m.quote, &mut cache) {
            Ok(r) => milestones.push(MilestonePos {
                pos: r.start,
                witness: m.witness.get_ref().clone(),
                n: m.n.clone(),
                span: m.quote.at.span(),
                join: m.join,
            }),
            Err(e) => errs.extend(e.0),
        }
    }
    let verses = verse::locate(spec, probe, flat, &mut cache, &mut errs);
    if !errs.is_empty() {
        return Err(Diagnostics(errs));
    }
    Ok(LocatedStructure {
        cuts,
        milestones,
        verses,
    })
}

/// The title and headings as cuts in text order; each must quote whole lines, and no two
/// may overlap.
fn locate_cuts(
    spec: &Spec,
    probe: &Text,
    flat: &Flat,
    cache: &mut FindCache,
    errs: &mut Vec<Diagnostic>,
) -> Vec<Cut> {
    let mut cuts = vec![];
    let titles = spec.structure.title.iter().map(|q| (q, BlockKind::Title));
    let headings = spec
        .headings
        .iter()
        .map(|h| (&h.quote, BlockKind::Heading(h.level)));
    for (quote, kind) in titles.chain(headings) {
        let span = quote.at.span();
        match probe.find_cached(spec, quote, cache) {
            Ok(range) if flat.whole_lines(&range) => cuts.push(Cut { range, kind, span }),
            Ok(range) => {
                let what = if kind == BlockKind::Title {
                    "the title must quote whole lines of the base text"
                } else {
                    "a heading must quote a whole line of the base text"
                };
                errs.push(spec.error(span, what).with_label(
                    &probe.file,
                    probe.source_range(&range),
                    "this is only part of a line",
                ))
            }
            Err(e) => errs.extend(e.0.into_iter().map(|d| {
                if kind == BlockKind::Title && d.message.starts_with("ambiguous") {
                    d.with_note(
                        "the title takes them in a table: `title = { at = \"…\", occurrence = 2 }`",
                    )
                } else {
                    d
                }
            })),
        }
    }
    cuts.sort_by_key(|c| c.range.start);
    for pair in cuts.windows(2) {
        if pair[0].range.end > pair[1].range.start {
            errs.push(spec.error(
                pair[1].span.clone(),
                "this heading overlaps the title or another heading",
            ));
        }
    }
    cuts
}

/// The flat text's groups split at the title and headings (`doc`: the flat text, whose lines
/// are joined by a space, or by nothing between CJK characters).
fn segments(doc: &str, groups: &[Block], cuts: &[Cut]) -> Vec<Segment> {
    let space_before = |i: usize| i > 0 && doc.as_bytes()[i - 1] == b' ';
    let space_at = |i: usize| doc.as_bytes().get(i) == Some(&b' ');
    let mut out = vec![];
    let segment = |range, kind| Segment {
        range,
        kind,
        joins_previous: false,
    };
    for g in groups {
        let mut at = g.range.start;
        for cut in cuts
            .iter()
            .filter(|c| c.range.start >= g.range.start && c.range.end <= g.range.end)
        {
            if cut.range.start > at {
                // Minus the joining space.
                let end = cut.range.start - usize::from(space_before(cut.range.start));
                out.push(segment(at..end, BlockKind::Paragraph));
            }
            out.push(segment(cut.range.clone(), cut.kind));
            at = (cut.range.end + usize::from(space_at(cut.range.end))).min(g.range.end);
        }
        if at < g.range.end {
            out.push(segment(at..g.range.end, BlockKind::Paragraph));
        }
    }
    out
}

/// A milestone with `join = true` at the start of a paragraph that follows a paragraph
/// joins the two: the blank lines at the source's page break are not a paragraph break.
/// Without it a blank line is a paragraph break, wherever a page break falls.
fn join_at_milestones(
    spec: &Spec,
    segments: &mut [Segment],
    milestones: &[MilestonePos],
) -> Result<()> {
    for m in milestones {
        if segments.iter().all(|s| !s.range.contains(&m.pos)) {
            return Err(spec
                .error(m.span.clone(), "a milestone must fall inside the text")
                .into());
        }
        if !m.join {
            continue;
        }
        match segments.iter().position(|s| s.range.start == m.pos) {
            Some(i)
                if i > 0
                    && segments[i].kind == BlockKind::Paragraph
                    && segments[i - 1].kind == BlockKind::Paragraph =>
            {
                segments[i].joins_previous = true;
            }
            _ => {
                return Err(spec
                    .error(
                        m.span.clone(),
                        "`join = true`, but this page break does not fall between two paragraphs",
                    )
                    .with_note("`join` is for a page break at a blank line of the source that is no paragraph break: quote the first words after the blank lines, where a paragraph follows a paragraph; or remove `join`")
                    .into());
            }
        }
    }
    Ok(())
}

/// The model rebuilt from the segments, with the milestones moved to their new offsets.
fn assemble(
    file: &SourceFile,
    flat: &Flat,
    segments: &[Segment],
    milestones: Vec<MilestonePos>,
) -> Text {
    let mut doc = String::with_capacity(flat.doc.len());
    let mut src = Vec::with_capacity(flat.src.len());
    let mut blocks: Vec<Block> = vec![];
    // Each segment's start in the new document.
    let mut starts = Vec::with_capacity(segments.len());
    for seg in segments {
        if !doc.is_empty() {
            let s = src.last().copied().unwrap_or(0);
            doc.push(if seg.joins_previous { ' ' } else { '\n' });
            src.push(s);
        }
        let start = doc.len();
        starts.push(start);
        doc.push_str(&flat.doc[seg.range.clone()]);
        src.extend_from_slice(&flat.src[seg.range.clone()]);
        match blocks.last_mut() {
            Some(b) if seg.joins_previous => b.range.end = doc.len(),
            _ => blocks.push(Block {
                kind: seg.kind,
                range: start..doc.len(),
                line_starts: flat
                    .line_starts
                    .iter()
                    .filter(|&&l| l > seg.range.start && l < seg.range.end)
                    .map(|l| l - seg.range.start + start)
                    .collect(),
            }),
        }
    }
    let milestones = milestones
        .into_iter()
        .filter_map(|m| {
            let i = segments.iter().position(|s| s.range.contains(&m.pos))?;
            let pos = m.pos - segments[i].range.start + starts[i];
            Some(MilestonePos { pos, ..m })
        })
        .collect();
    Text {
        file: file.clone(),
        doc,
        src,
        blocks,
        milestones,
        sha256: String::new(),
    }
}

/// Blank-line separated groups of the flat text, as provisional paragraph blocks.
fn groups(doc: &str) -> Vec<Block> {
    let mut out = vec![];
    let mut start = 0;
    for (i, c) in doc.char_indices() {
        if c == '\n' {
            out.push(Block {
                kind: BlockKind::Paragraph,
                range: start..i,
                line_starts: vec![],
            });
            start = i + 1;
        }
    }
    if start < doc.len() {
        out.push(Block {
            kind: BlockKind::Paragraph,
            range: start..doc.len(),
            line_starts: vec![],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Flat, WordIndex, find_in, first_word};

    #[test]
    fn each_cjk_character_is_a_word_and_a_line_break_between_two_is_no_space() {
        assert_eq!(find_in("不亦說乎", "說"), vec![6..9]);
        assert_eq!(find_in("見ABC說", "ABC"), vec![3..6]);
        assert!(find_in("見ABCD說", "ABC").is_empty());
        assert_eq!(first_word("說乎 x"), "說");
        assert_eq!(first_word("ABC說"), "ABC");
        assert_eq!(WordIndex::new("不亦說乎").starts("說"), &[6]);
        let flat = Flat::new("子曰：學而\n時習之\nand\nmore\n\n新\n", 0);
        assert_eq!(flat.doc, "子曰：學而時習之 and more\n新");
        // Each model byte still maps to its source byte.
        assert_eq!(flat.src.len(), flat.doc.len());
        assert_eq!(flat.src[15], 16, "時 stands after the line break");
    }

    #[test]
    fn matches_are_word_bounded_and_may_overlap() {
        assert_eq!(find_in("och och och", "och och"), vec![0..7, 4..11]);
        assert_eq!(find_in("dock och", "och"), vec![5..8]);
        assert_eq!(find_in("3-5 juli", "3-5"), vec![0..3]);
        assert!(find_in("likgiltigheten", "likgiltighet").is_empty());
    }
}
