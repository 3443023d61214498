//! Stage 2 — the base text as a model.
//!
//! `source.txt` is evidence and is never edited; this module reads it exactly as received,
//! checks its sha256 against the spec, and builds the *reading model*: blocks (title,
//! headings, paragraphs) whose text is the source's with hard line breaks joined and runs of
//! spaces collapsed. Every byte of the model maps back to the byte of `source.txt` it came
//! from ([`Text::source_offset`]), so any diagnostic or export can point at the evidence.
//!
//! The spec's structure (title, headings, witness page breaks) is applied here through
//! quotations; [`Text::find`] is the one quotation matcher, used again by `anchor` for
//! apparatus entries and margin notes.
//!
//! Input policy (documented in the README): a UTF-8 BOM is skipped, CRLF and CR line ends are
//! accepted, tabs and no-break spaces count as spaces; NUL and other control characters are
//! refused with their position, as is invalid UTF-8 (with its byte offset) and an empty text.

use std::ops::Range;

use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Diagnostics, Result, SourceFile};
use crate::spec::{Quote, Spec};

/// The largest base text accepted (16 MiB): a volume of several thousand pages.
pub const MAX_SOURCE_BYTES: u64 = 16 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Title,
    Heading(u8),
    Paragraph,
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

/// Matches of quotations already searched, and an index of word starts (see
/// [`Text::find_cached`]).
#[derive(Debug, Default)]
pub struct FindCache {
    found: std::collections::HashMap<String, Vec<Match>>,
    /// Byte offsets of every word (maximal alphanumeric run) of the text, by the word.
    words: Option<std::collections::HashMap<String, Vec<usize>>>,
}

impl FindCache {
    fn words(&mut self, doc: &str) -> &std::collections::HashMap<String, Vec<usize>> {
        self.words.get_or_insert_with(|| {
            let mut m: std::collections::HashMap<String, Vec<usize>> =
                std::collections::HashMap::new();
            let mut start: Option<usize> = None;
            for (i, c) in doc.char_indices().chain(std::iter::once((doc.len(), ' '))) {
                match (c.is_alphanumeric(), start) {
                    (true, None) => start = Some(i),
                    (false, Some(s)) => {
                        m.entry(doc[s..i].to_string()).or_default().push(s);
                        start = None;
                    }
                    _ => {}
                }
            }
            m
        })
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
                        "the base text is {:.1} MiB; apparat accepts at most {} MiB",
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
        if let Some(pinned) = &spec.text.sha256
            && !pinned.get_ref().eq_ignore_ascii_case(&sha)
        {
            return Err(spec
                .error(pinned.span(), "the base text does not match its pinned sha256")
                .with_note(format!("pinned in the spec: {}", pinned.get_ref()))
                .with_note(format!("{}: {sha}", path.display()))
                .with_note("the base text is evidence and is never edited; if a new transcription was received on purpose, pin its hash")
                .into());
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let at = e.valid_up_to();
                let lossy = String::from_utf8_lossy(bytes).into_owned();
                let file = SourceFile::new(path, lossy);
                // Map the byte offset into the lossy text (same up to `at`).
                return Err(Diagnostic::error(format!(
                    "the base text is not valid UTF-8 (invalid byte 0x{:02x} at byte offset {at})",
                    bytes[at]
                ))
                .at(&file, at..at + 1)
                .into());
            }
        };
        let file = SourceFile::new(path, text);
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        let bom = text.len() - body.len();
        for (i, c) in body.char_indices() {
            if c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}') {
                return Err(Diagnostic::error(format!(
                    "the base text contains the control character U+{:04X} at byte offset {}",
                    c as u32,
                    i + bom
                ))
                .at(&file, i + bom..i + bom + c.len_utf8())
                .with_note("control characters other than tab, form feed and line ends are refused: they are invisible in print")
                .into());
            }
        }
        if body.trim().is_empty() {
            return Err(Diagnostic::error("the base text is empty")
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
    pub fn source_range(&self, r: &Range<usize>) -> Range<usize> {
        let s = self.source_offset(r.start);
        let e = if r.end > r.start {
            self.source_offset(r.end - 1) + 1
        } else {
            s
        };
        let e = ceil_boundary(&self.file.text, e.max(s));
        s..e
    }

    /// Index of the block holding model offset `pos`.
    pub fn block_at(&self, pos: usize) -> Option<usize> {
        let i = self.blocks.partition_point(|b| b.range.end <= pos);
        (i < self.blocks.len() && self.blocks[i].range.contains(&pos)).then_some(i)
    }

    /// All matches of a quotation (word-bounded, whitespace-normalised), before the
    /// occurrence/context filters. `within` limits the search to one block kind.
    pub fn find_all(&self, quote: &str) -> Vec<Match> {
        find_in(&self.doc, quote)
    }

    /// Resolve a quotation to exactly one range, or a located diagnostic in the spec naming
    /// the candidates (with their lines in `source.txt`).
    pub fn find(&self, spec: &Spec, q: &Quote) -> Result<Match> {
        self.find_cached(spec, q, &mut FindCache::default())
    }

    /// [`Text::find`] with a cache of the matches of each distinct quotation, for resolving
    /// many anchors (the same short words are quoted again and again).
    pub fn find_cached(&self, spec: &Spec, q: &Quote, cache: &mut FindCache) -> Result<Match> {
        let quote = normalize(q.at.get_ref());
        let mut found = match cache.found.get(&quote) {
            Some(f) => f.clone(),
            None => {
                let first: String = quote.chars().take_while(|c| c.is_alphanumeric()).collect();
                let mut f = if first.is_empty() {
                    find_in(&self.doc, &quote)
                } else {
                    // Word-bounded matches start where the doc has the quotation's first word.
                    let doc = &self.doc;
                    let last_word = word_char(quote.chars().next_back());
                    cache
                        .words(doc)
                        .get(&first)
                        .map(|ps| {
                            ps.iter()
                                .filter(|&&p| doc[p..].starts_with(quote.as_str()))
                                .filter(|&&p| {
                                    !(last_word && word_char(doc[p + quote.len()..].chars().next()))
                                })
                                .map(|&p| p..p + quote.len())
                                .collect()
                        })
                        .unwrap_or_default()
                };
                f.retain(|m| self.block_at(m.start) == self.block_at(m.end.saturating_sub(1)));
                cache.found.insert(quote.clone(), f.clone());
                f
            }
        };
        let all = found.len();
        if let Some(b) = &q.before {
            let want = normalize(b.get_ref());
            found.retain(|m| self.doc[..m.start].trim_end().ends_with(want.as_str()));
        }
        if let Some(a) = &q.after {
            let want = normalize(a.get_ref());
            found.retain(|m| self.doc[m.end..].trim_start().starts_with(want.as_str()));
        }
        if let Some(o) = &q.occurrence {
            let n = *o.get_ref() as usize;
            if n == 0 || n > found.len() {
                return Err(spec
                    .error(
                        o.span(),
                        format!(
                            "occurrence {n} of `{quote}` does not exist: it occurs {} time(s)",
                            found.len()
                        ),
                    )
                    .into());
            }
            return Ok(found[n - 1].clone());
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => {
                let mut d = spec.error(
                    q.at.span(),
                    format!("quotation not found in the base text: `{quote}`"),
                );
                if all > 0 {
                    d = d.with_note(format!(
                        "`{quote}` occurs {all} time(s), but not with the given context"
                    ));
                } else if find_in(&self.doc.to_lowercase(), &quote.to_lowercase()).len() == 1 {
                    d = d.with_note("it occurs with different capitalisation");
                } else if let Some(near) = self.nearest(&quote) {
                    d = d.with_note(format!("nearest text: `{near}`"));
                }
                if find_in_raw(&self.doc, &quote).is_some() {
                    d = d.with_note("it occurs inside a longer word or across a heading; quote whole words of one block");
                }
                Err(d.into())
            }
            n => {
                let mut d = spec
                    .error(
                        q.at.span(),
                        format!("ambiguous quotation: `{quote}` occurs {n} times"),
                    )
                    .with_note(
                        "add `occurrence = N`, or `before`/`after` with the neighbouring words",
                    );
                for (i, m) in found.iter().enumerate().take(8) {
                    let (line, _) = self.file.line_col(self.source_offset(m.start));
                    d = d.with_label(
                        &self.file,
                        self.source_range(m),
                        format!("occurrence {} (source line {line})", i + 1),
                    );
                }
                Err(d.into())
            }
        }
    }

    /// The words of the text that share the longest prefix with `quote` (for "not found").
    fn nearest(&self, quote: &str) -> Option<String> {
        let words: Vec<&str> = quote.split(' ').collect();
        for k in (1..words.len()).rev() {
            let prefix = words[..k].join(" ");
            if let Some(m) = find_in(&self.doc, &prefix).first() {
                let end = self.doc[m.start..]
                    .char_indices()
                    .filter(|(_, c)| *c == ' ' || *c == '\n')
                    .nth(words.len() - 1)
                    .map_or(self.doc.len(), |(i, _)| m.start + i);
                return Some(self.doc[m.start..end].to_string());
            }
        }
        None
    }
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

/// Every word-bounded match of `quote` in `doc`, overlapping ones included (`och och` in
/// `och och och` occurs twice): the one matching rule of quotations. Public so that tools
/// generating specs (the stress generator) count occurrences exactly as apparat does.
pub fn find_in(doc: &str, quote: &str) -> Vec<Match> {
    let mut out = vec![];
    if quote.is_empty() {
        return out;
    }
    let first_word = word_char(quote.chars().next());
    let last_word = word_char(quote.chars().next_back());
    let mut from = 0;
    while let Some(k) = doc[from..].find(quote) {
        let i = from + k;
        let before = doc[..i].chars().next_back();
        let after = doc[i + quote.len()..].chars().next();
        if !(first_word && word_char(before) || last_word && word_char(after)) {
            out.push(i..i + quote.len());
        }
        from = i + doc[i..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

fn find_in_raw(doc: &str, quote: &str) -> Option<usize> {
    let alt = doc.replace('\n', " ");
    alt.find(quote)
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
}

impl Flat {
    fn new(text: &str, base: usize) -> Flat {
        let mut doc = String::with_capacity(text.len());
        let mut src: Vec<u32> = Vec::with_capacity(text.len());
        let mut line_starts = vec![];
        let mut line_ends = vec![];
        let mut pending_group_break = false;
        let mut off = 0usize;
        for raw_line in text.split_inclusive('\n') {
            let line_off = off;
            off += raw_line.len();
            let line = raw_line.trim_end_matches(['\n', '\r']);
            // A lone CR also ends a line.
            for (k, part) in line.split('\r').enumerate() {
                let part_off = line_off
                    + line[..]
                        .split('\r')
                        .take(k)
                        .map(|p| p.len() + 1)
                        .sum::<usize>();
                let mut words = part.char_indices();
                let mut started = false;
                let mut space_at: Option<usize> = None;
                let is_blank = part.chars().all(is_space);
                if is_blank {
                    if !doc.is_empty() {
                        pending_group_break = true;
                    }
                    continue;
                }
                for (i, c) in words.by_ref() {
                    if is_space(c) {
                        if started && space_at.is_none() {
                            space_at = Some(i);
                        }
                        continue;
                    }
                    if !started {
                        // First character of the line.
                        if !doc.is_empty() {
                            let sep = if pending_group_break { '\n' } else { ' ' };
                            let s = src.last().copied().unwrap_or(0);
                            doc.push(sep);
                            src.push(s);
                        }
                        pending_group_break = false;
                        line_starts.push(doc.len());
                        started = true;
                    } else if let Some(sp) = space_at.take() {
                        doc.push(' ');
                        src.push((base + part_off + sp) as u32);
                    }
                    let at = (base + part_off + i) as u32;
                    doc.push(c);
                    for _ in 0..c.len_utf8() {
                        src.push(at);
                    }
                }
                line_ends.push(doc.len());
            }
        }
        Flat {
            doc,
            src,
            line_starts,
            line_ends,
        }
    }
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
    // One matcher cache for all structural quotations (its word index is built once).
    let mut cache = FindCache::default();
    let mut errs = vec![];
    // Structural cuts: (range, kind).
    let mut cuts: Vec<(Range<usize>, BlockKind, Range<usize>)> = vec![];
    let whole_lines = |r: &Range<usize>| -> bool {
        flat.line_starts.binary_search(&r.start).is_ok()
            && flat.line_ends.binary_search(&r.end).is_ok()
    };
    if let Some(t) = &spec.structure.title {
        let q = Quote {
            at: t.clone(),
            occurrence: None,
            before: None,
            after: None,
        };
        match probe.find_cached(spec, &q, &mut cache) {
            Ok(r) if whole_lines(&r) => cuts.push((r, BlockKind::Title, t.span())),
            Ok(_) => errs.push(spec.error(
                t.span(),
                "the title must quote whole lines of the base text",
            )),
            Err(e) => errs.extend(e.0),
        }
    }
    for h in &spec.headings {
        match probe.find_cached(spec, &h.quote, &mut cache) {
            Ok(r) if whole_lines(&r) => {
                cuts.push((r, BlockKind::Heading(h.level), h.quote.at.span()))
            }
            Ok(r) => errs.push(
                spec.error(
                    h.quote.at.span(),
                    "a heading must quote a whole line of the base text",
                )
                .with_label(
                    file,
                    probe.source_range(&r),
                    "this is only part of a line",
                ),
            ),
            Err(e) => errs.extend(e.0),
        }
    }
    cuts.sort_by_key(|c| c.0.start);
    for w in cuts.windows(2) {
        if w[0].0.end > w[1].0.start {
            errs.push(spec.error(
                w[1].2.clone(),
                "this heading overlaps the title or another heading",
            ));
        }
    }
    let mut miles = vec![];
    for m in &spec.milestones {
        match probe.find_cached(spec, &m.quote, &mut cache) {
            Ok(r) => miles.push((
                r.start,
                m.witness.get_ref().clone(),
                m.n.clone(),
                m.quote.at.span(),
            )),
            Err(e) => errs.extend(e.0),
        }
    }
    if !errs.is_empty() {
        return Err(Diagnostics(errs));
    }

    // Segment the flat text: groups split at cuts.
    let mut segs: Vec<(Range<usize>, BlockKind)> = vec![];
    for g in &probe.blocks {
        let mut at = g.range.start;
        for (r, kind, _) in cuts
            .iter()
            .filter(|c| c.0.start >= g.range.start && c.0.end <= g.range.end)
        {
            if r.start > at {
                segs.push((at..r.start - 1, BlockKind::Paragraph)); // minus the joining space
            }
            segs.push((r.clone(), *kind));
            at = (r.end + 1).min(g.range.end);
        }
        if at < g.range.end {
            segs.push((at..g.range.end, BlockKind::Paragraph));
        }
    }
    // Milestones at the start of a paragraph that follows a paragraph join the two:
    // the source's page break is not a paragraph break.
    let mut joined_with_prev = vec![false; segs.len()];
    for (pos, _, _, span) in &miles {
        if let Some(i) = segs.iter().position(|s| s.0.start == *pos)
            && i > 0
            && segs[i].1 == BlockKind::Paragraph
            && segs[i - 1].1 == BlockKind::Paragraph
        {
            joined_with_prev[i] = true;
        } else if segs.iter().all(|s| !s.0.contains(pos)) {
            return Err(spec
                .error(span.clone(), "a milestone must fall inside the text")
                .into());
        }
    }

    // Rebuild the document from segments.
    let mut doc = String::with_capacity(flat.doc.len());
    let mut src = Vec::with_capacity(flat.src.len());
    let mut blocks: Vec<Block> = vec![];
    let mut remap: Vec<(Range<usize>, usize)> = vec![]; // flat range → new start
    for (i, (r, kind)) in segs.iter().enumerate() {
        if !doc.is_empty() {
            let s = src.last().copied().unwrap_or(0);
            doc.push(if joined_with_prev[i] { ' ' } else { '\n' });
            src.push(s);
        }
        let start = doc.len();
        remap.push((r.clone(), start));
        doc.push_str(&flat.doc[r.clone()]);
        src.extend_from_slice(&flat.src[r.clone()]);
        let line_starts = flat
            .line_starts
            .iter()
            .filter(|&&l| l > r.start && l < r.end)
            .map(|l| l - r.start + start)
            .collect();
        if joined_with_prev[i] {
            let b = blocks.last_mut().expect("a joined segment follows a block");
            b.range.end = doc.len();
        } else {
            blocks.push(Block {
                kind: *kind,
                range: start..doc.len(),
                line_starts,
            });
        }
    }
    let milestones = miles
        .into_iter()
        .filter_map(|(pos, witness, n, span)| {
            remap
                .iter()
                .find(|(r, _)| r.contains(&pos))
                .map(|(r, s)| MilestonePos {
                    pos: pos - r.start + s,
                    witness,
                    n,
                    span,
                })
        })
        .collect();
    Ok(Text {
        file: file.clone(),
        doc,
        src,
        blocks,
        milestones,
        sha256: String::new(),
    })
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
    use super::find_in;

    #[test]
    fn matches_are_word_bounded_and_may_overlap() {
        assert_eq!(find_in("och och och", "och och"), vec![0..7, 4..11]);
        assert_eq!(find_in("dock och", "och"), vec![5..8]);
        assert_eq!(find_in("3-5 juli", "3-5"), vec![0..3]);
        assert!(find_in("likgiltigheten", "likgiltighet").is_empty());
    }
}
