//! Stage 4 — markup: the Typst source of the edition.
//!
//! Two things are built here. First the *printed text* ([`Printed`]): the reading model with
//! the spec's emendations applied and milestone signs inserted, every byte mapped back to the
//! model (and so to `source.txt`). Second, the Typst source that sets it: every string from
//! the base text or the spec enters the markup as a Typst string literal (`#"…"`), where only
//! `\` and `"` need escaping, so no text can ever be read as markup, code, a label or a
//! comment ([`lit`]). All visual design is in the template; Rust emits calls to its functions.
//!
//! The layout stage drives the emitters: once without page breaks (the *galley*) and once
//! with its pages, lines, apparatus and margin furniture ([`Page`]). [`SpanTable`] records
//! where each printed byte went in the Typst source, so glyphs can be traced back.

use std::fmt::Write as _;
use std::ops::Range;

use crate::anchor::Anchors;
use crate::quotes;
use crate::spec::{
    Arrangement, Citation, EntryBody, Reading, ReadingType, SeriesKind, SignKind, Spec, State,
};
use crate::text::{BlockKind, Text};

/// Marks printed bytes that come from no byte of the base text (milestone signs).
pub(crate) const NO_MODEL: u32 = u32::MAX;

/// The text as printed: the model with emendations applied.
#[derive(Debug, Clone, Default)]
pub struct Printed {
    pub doc: String,
    /// Model byte offset of each printed byte (`NO_MODEL` for inserted signs).
    pub to_model: Vec<u32>,
    pub blocks: Vec<PBlock>,
    /// Apparatus lemmata as printed ranges, in `anchors.lemmata` order.
    pub lemmata: Vec<PLemma>,
    /// Margin notes (spec notes and milestone notes), sorted by position.
    pub notes: Vec<PNote>,
    /// Each witness's lacunae as printed ranges: (siglum, range).
    pub lacunae: Vec<(String, Range<usize>)>,
    /// Where each label of `spec.labels` is printed (the same order).
    pub labels: Vec<Range<usize>>,
    /// Where the words each index entry cites are printed: (index into
    /// `spec.index_entries`, range), in spec order.
    pub index: Vec<(usize, Range<usize>)>,
    /// Every cross-reference of the notes, in the order of their slots in the document's
    /// `xrefs` array (see [`xref_markup`]).
    pub xrefs: Vec<XRef>,
    /// The first slot of each entry's references (index: `spec.entries`).
    pub entry_xrefs: Vec<usize>,
    /// The sections of the text's reference system, in text order: the `[[section]]`s, or
    /// where there are none and the edition is cited by section, its headings.
    pub sections: Vec<PSection>,
    /// The section numbers printed in the text (`[reference] numbers = "inline"`): their
    /// printed ranges (the number, without the no-break space after it), in order.
    pub inline_sections: Vec<Range<usize>>,
}

/// A section of the reference system as printed.
#[derive(Debug, Clone, PartialEq)]
pub struct PSection {
    /// The printed offset it begins at (a heading's section: the heading's first byte).
    pub pos: usize,
    /// Its number as cited (`3`, `1.2`).
    pub n: String,
    /// Its number is printed in the margin beside its first line (a `[[section]]`'s, unless
    /// `[reference] numbers = "none"`; a heading shows its own).
    pub marked: bool,
}

/// One cross-reference as written in a note.
#[derive(Debug, Clone)]
pub struct XRef {
    /// Index into `spec.labels` (and `Printed::labels`).
    pub label: usize,
    /// Where it is printed: in an apparatus entry's note (index into `spec.entries`), or in
    /// a margin note beside printed position `pos`.
    pub from: XRefFrom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XRefFrom {
    Entry(usize),
    Margin {
        pos: usize,
    },
    /// The principles, in the front matter.
    Front,
}

/// What a cross-reference is measured as, before the pages are known: the widest form the
/// template prints (another page, a range, three tabular digits each). The final document
/// prints the real reference, never wider, in the same forced apparatus line.
const XREF_RESERVE: &str = "xref(888, 888, 888, false)";

/// The reserved form of a cross-reference by section and line: the widest section number
/// (figures as `8`, letters as `M`) at line 888, twice.
fn section_reserve(spec: &Spec) -> String {
    let widest = match spec.sections.iter().max_by_key(|s| s.n.chars().count()) {
        Some(s) => {
            s.n.chars()
                .map(|c| match c {
                    '0'..='9' => '8',
                    c if c.is_alphanumeric() => 'M',
                    c => c,
                })
                .collect()
        }
        None => {
            let levels = spec.headings.iter().map(|h| h.level).max().unwrap_or(1);
            let figures = "8".repeat(spec.headings.len().max(1).to_string().len());
            vec![figures; usize::from(levels)].join(".")
        }
    };
    let n = lit_str(&widest);
    format!("section-ref({n}, 888, {n}, 888)")
}

/// The sections of the reference system: the `[[section]]`s where the spec has any, else,
/// where the edition is cited by section, the headings numbered by level (`1`, `1.1`, `2`).
fn sections(
    spec: &Spec,
    anchors: &Anchors,
    blocks: &[PBlock],
    map: &ModelToPrinted,
) -> Vec<PSection> {
    if !spec.sections.is_empty() {
        let marked = spec.reference.numbers == crate::spec::SectionNumbers::Margin;
        return spec
            .sections
            .iter()
            .zip(&anchors.sections)
            .map(|(s, &pos)| PSection {
                pos: map.start(pos),
                n: s.n.clone(),
                marked,
            })
            .collect();
    }
    if !spec.reference.by_section() {
        return vec![];
    }
    let mut counts: Vec<u32> = vec![];
    let mut out = vec![];
    for b in blocks {
        let BlockKind::Heading(level) = b.kind else {
            continue;
        };
        let level = usize::from(level.max(1));
        counts.resize(level, 0);
        counts[level - 1] += 1;
        let n: Vec<String> = counts.iter().map(u32::to_string).collect();
        out.push(PSection {
            pos: b.range.start,
            n: n.join("."),
            marked: false,
        });
    }
    out
}

/// The markup of cross-reference slot `k`: the final document defines `xrefs` from the
/// plan; before it (galley, measurements) the slot is the reserved widest form.
pub(crate) fn xref_markup(k: usize) -> String {
    format!("xrefs.at({})", xref_args(k))
}

fn xref_args(k: usize) -> String {
    format!("{k}, default: xref-reserve")
}

/// The editor's words with their cross-references, as markup: text as literals, each
/// reference as its slot (numbered on from `xrefs.len()`, recorded there).
fn words_with_refs(
    spec: &Spec,
    s: &str,
    from: XRefFrom,
    xrefs: &mut Vec<XRef>,
) -> Vec<crate::xref::Piece> {
    let pieces = crate::xref::split(&quotes::editorial(spec, s));
    for piece in &pieces {
        if let crate::xref::Piece::Ref(name) = piece
            && let Some(label) = spec.labels.iter().position(|l| l.name.get_ref() == name)
        {
            xrefs.push(XRef { label, from });
        }
    }
    pieces
}

#[derive(Debug, Clone)]
pub struct PBlock {
    pub kind: BlockKind,
    pub range: Range<usize>,
    pub line_starts: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct PLemma {
    /// Index into `spec.entries`.
    pub entry: usize,
    pub series: usize,
    pub range: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct PNote {
    /// Printed position the note is beside (the line holding it).
    pub pos: usize,
    /// Typst markup of the note body.
    pub body: String,
    /// What the note is, for messages.
    pub label: String,
    /// Span in edition.toml of the quotation it hangs on.
    pub span: Range<usize>,
}

impl Printed {
    pub fn new(spec: &Spec, text: &Text, anchors: &Anchors) -> Printed {
        let (doc, to_model, map) = apply(text, &edits(spec, text, anchors));
        let blocks: Vec<PBlock> = text
            .blocks
            .iter()
            .map(|b| PBlock {
                kind: b.kind,
                range: map.start(b.range.start)..map.end(b.range.end),
                line_starts: b.line_starts.iter().map(|&l| map.end(l)).collect(),
            })
            .collect();
        let sections = sections(spec, anchors, &blocks, &map);
        let inline_sections = if spec.reference.numbers == crate::spec::SectionNumbers::Inline {
            sections.iter().map(|s| s.pos..s.pos + s.n.len()).collect()
        } else {
            vec![]
        };
        let lemmata = anchors
            .lemmata
            .iter()
            .map(|l| PLemma {
                entry: l.entry,
                series: spec.entries[l.entry].series,
                range: map.start(l.range.start)..map.end(l.range.end),
            })
            .collect();
        let lacunae = anchors
            .lacunae
            .iter()
            .map(|l| {
                let range = map.start(l.range.start)..map.end(l.range.end);
                (l.witness.clone(), range)
            })
            .collect();
        let labels = anchors
            .labels
            .iter()
            .map(|r| map.start(r.start)..map.end(r.end))
            .collect();
        let index = anchors
            .index
            .iter()
            .map(|a| (a.entry, map.start(a.range.start)..map.end(a.range.end)))
            .collect();
        let mut xrefs = vec![];
        let mut entry_xrefs = vec![];
        for (k, e) in spec.entries.iter().enumerate() {
            entry_xrefs.push(xrefs.len());
            if let EntryBody::Note(n) = &e.body {
                words_with_refs(spec, n, XRefFrom::Entry(k), &mut xrefs);
            }
        }
        Printed {
            doc,
            to_model,
            blocks,
            lemmata,
            notes: notes(spec, text, anchors, &map, &mut xrefs),
            lacunae,
            labels,
            index,
            xrefs,
            entry_xrefs,
            sections,
            inline_sections,
        }
    }

    pub(crate) fn block_at(&self, pos: usize) -> Option<usize> {
        crate::text::block_containing(&self.blocks, |b| &b.range, pos)
    }

    /// For each model offset of `sorted` (increasing), the first printed byte at or after
    /// it (inserted signs skipped): where a position of the model is printed.
    pub fn printed_at(&self, sorted: &[usize]) -> Vec<usize> {
        let mut out = Vec::with_capacity(sorted.len());
        let mut wanted = sorted.iter().peekable();
        for (i, &m) in self.to_model.iter().enumerate() {
            if m == NO_MODEL {
                continue;
            }
            while wanted.next_if(|&&w| w <= m as usize).is_some() {
                out.push(i);
            }
        }
        out.resize(sorted.len(), self.doc.len());
        out
    }
}

/// The edits that make the printed text from the model: (model range, replacement) —
/// emendations, typographic quotation marks where asked for, and milestone signs (empty
/// ranges), sorted by position.
fn edits(spec: &Spec, text: &Text, anchors: &Anchors) -> Vec<(Range<usize>, String)> {
    let mut edits: Vec<(Range<usize>, String)> = vec![];
    let typographic = spec
        .text
        .typographic_quotes
        .then(|| quotes::style(spec.edition.language.get_ref()));
    for l in &anchors.lemmata {
        match &spec.entries[l.entry].body {
            EntryBody::Emend { text: t, .. } => {
                let t = crate::text::normalize(t);
                let t = typographic.map_or_else(|| t.clone(), |style| quotes::apply(&t, style));
                edits.push((l.range.clone(), t));
            }
            EntryBody::Sign { kind, text: t, .. } => {
                let signs = spec.layout.signs.of(*kind);
                sign_edits(*kind, signs, t, &l.range, &mut edits)
            }
            _ => {}
        }
    }
    if let Some(style) = typographic {
        quote_edits(text, style, &mut edits);
    }
    if spec.reference.numbers == crate::spec::SectionNumbers::Inline {
        // "3 Gallia est": the number, then a no-break space binding it to the word.
        for (s, &pos) in spec.sections.iter().zip(&anchors.sections) {
            edits.push((pos..pos, format!("{}\u{a0}", s.n)));
        }
    }
    let sign = spec.layout.milestone_sign.as_deref().unwrap_or("|");
    for m in &text.milestones {
        // "denna | synpunkt": the sign, then a no-break space binding it to the next word.
        edits.push((m.pos..m.pos, format!("{sign}\u{a0}")));
    }
    edits.sort_by_key(|e| (e.0.start, e.0.end));
    edits
}

/// The signs an editorial decision prints in the text (`[layout] signs`, by default the
/// Leiden conventions): a deletion […] and a crux †…† around the quoted words, a supplement
/// ⟨…⟩ and a lacuna *** after them. Inserted, so they map to no model byte.
fn sign_edits(
    kind: SignKind,
    (open, close): (&str, &str),
    supplied: &Option<String>,
    r: &Range<usize>,
    edits: &mut Vec<(Range<usize>, String)>,
) {
    let at = |pos: usize, s: &str| (pos..pos, s.to_string());
    match kind {
        SignKind::Deletion | SignKind::Crux => edits.extend([at(r.start, open), at(r.end, close)]),
        SignKind::Supplement => {
            let words = crate::text::normalize(supplied.as_deref().unwrap_or(""));
            edits.push(at(r.end, &format!(" {open}{words}{close}")));
        }
        SignKind::Lacuna => edits.push(at(r.end, &format!(" {open}"))),
    }
}

/// The printed text: the model with `edits` applied; the model offset of each printed byte
/// (`NO_MODEL` for inserted signs); and the map of model offsets to printed ones.
fn apply(text: &Text, edits: &[(Range<usize>, String)]) -> (String, Vec<u32>, ModelToPrinted) {
    let mut doc = String::with_capacity(text.doc.len() + 64);
    let mut to_model: Vec<u32> = Vec::with_capacity(text.doc.len() + 64);
    let mut at = 0usize;
    let mut points: Vec<(usize, usize)> = vec![];
    for (r, rep) in edits {
        copy(&text.doc, at..r.start, &mut doc, &mut to_model);
        points.push((r.start, doc.len()));
        let base = r.start as u32;
        let span = (r.end - r.start).max(1) as u32;
        let reps = rep.len().max(1) as u32;
        for i in 0..rep.len() {
            to_model.push(if r.is_empty() {
                NO_MODEL
            } else {
                base + (i as u32 * span / reps).min(span - 1)
            });
        }
        doc.push_str(rep);
        points.push((r.end, doc.len()));
        at = r.end;
    }
    copy(&text.doc, at..text.doc.len(), &mut doc, &mut to_model);
    (doc, to_model, ModelToPrinted { points })
}

/// Model offsets → printed offsets: (model, printed) at the edges of every edit.
struct ModelToPrinted {
    points: Vec<(usize, usize)>,
}

impl ModelToPrinted {
    /// The printed offset of model offset `m` as the end of a range (after an edit ending or
    /// inserted there).
    fn end(&self, m: usize) -> usize {
        let i = self.points.partition_point(|p| p.0 <= m);
        if i == 0 {
            m
        } else {
            let (pm, pp) = self.points[i - 1];
            pp + (m - pm)
        }
    }

    /// The printed offset of model offset `m` as the start of a range: an edit starting
    /// exactly there (an emendation, an inserted sign) begins the range.
    fn start(&self, m: usize) -> usize {
        let i = self.points.partition_point(|p| p.0 < m);
        match self.points.get(i) {
            Some(&(pm, pp)) if pm == m => pp,
            _ => self.end(m),
        }
    }
}

/// Margin notes (the spec's and the milestones'), at their printed positions, sorted.
fn notes(
    spec: &Spec,
    text: &Text,
    anchors: &Anchors,
    map: &ModelToPrinted,
    xrefs: &mut Vec<XRef>,
) -> Vec<PNote> {
    let mut notes: Vec<PNote> = anchors
        .margins
        .iter()
        .map(|m| PNote {
            pos: map.start(m.range.start),
            body: margin_body(
                spec,
                &spec.margins[m.margin].text,
                map.start(m.range.start),
                xrefs,
            ),
            label: format!("margin note `{}`", spec.margins[m.margin].text),
            span: spec.margins[m.margin].quote.at.span(),
        })
        .collect();
    for m in &text.milestones {
        notes.push(PNote {
            // The sign itself stands at the mapped position of the milestone.
            pos: map.start(m.pos),
            body: format!("milestone-note({}, {})", lit_str(&m.witness), lit_str(&m.n)),
            label: format!("milestone {} {}", m.witness, m.n),
            span: m.span.clone(),
        });
    }
    notes.sort_by_key(|n| n.pos);
    notes
}

/// A margin note's body: its words, and its cross-references as slots.
fn margin_body(spec: &Spec, text: &str, pos: usize, xrefs: &mut Vec<XRef>) -> String {
    let mut body = String::from("[");
    let first = xrefs.len();
    let pieces = words_with_refs(spec, text, XRefFrom::Margin { pos }, xrefs);
    let mut slot = first;
    for piece in pieces {
        match piece {
            crate::xref::Piece::Text(t) => body.push_str(&lit(&t)),
            crate::xref::Piece::Ref(_) => {
                let _ = write!(body, "#{}", xref_markup(slot));
                slot += 1;
            }
        }
    }
    body.push(']');
    body
}

/// `[text] typographic-quotes`: each straight quotation mark of the base text becomes an
/// edit printing the language's mark (the printed text only; the model and `source.txt`
/// keep what the witness has). Marks inside an emendation print what the editor typed
/// there; a mark that would take in a space (French) where a milestone stands keeps to
/// itself, so the milestone's sign keeps its place.
fn quote_edits(text: &Text, style: quotes::Style, edits: &mut Vec<(Range<usize>, String)>) {
    let emended: Vec<Range<usize>> = edits.iter().map(|e| e.0.clone()).collect();
    for q in quotes::edits(&text.doc, style) {
        if emended
            .iter()
            .any(|r| r.start < q.range.end && q.range.start < r.end)
        {
            continue;
        }
        let split = |r: &Range<usize>| {
            text.milestones
                .iter()
                .any(|m| r.start < m.pos && m.pos < r.end)
        };
        if split(&q.range) {
            let mark = text.doc[q.range.clone()]
                .find(['"', '\''])
                .map_or(q.range.start, |i| q.range.start + i);
            edits.push((mark..mark + 1, q.text.trim_matches('\u{202f}').to_string()));
        } else {
            edits.push((q.range, q.text.to_string()));
        }
    }
}

fn copy(src: &str, r: Range<usize>, doc: &mut String, map: &mut Vec<u32>) {
    if r.is_empty() {
        return;
    }
    doc.push_str(&src[r.clone()]);
    map.extend(r.map(|i| i as u32));
}

// ---- The template's contract -----------------------------------------------------------

/// Every template function apparat calls, with its parameters, in the order the template's
/// header lists them. A forked template must define each with these parameters (checked by
/// `tests/template_contract.rs` against the bundled template, its header, and the markup of
/// a build).
pub const TEMPLATE_CONTRACT: &[(&str, &[&str])] = &[
    // Document and pages.
    ("edition", &["config", "body"]),
    (
        "running-head",
        &["config", "p", "section", "opening", "sections"],
    ),
    (
        "front-matter",
        &["config", "conspectus", "principles", "citation"],
    ),
    (
        "page-furniture",
        &["numbers", "notes", "recto", "note-width"],
    ),
    ("section-numbers", &["marks", "recto"]),
    ("section-inline", &["body"]),
    ("milestone-note", &["siglum", "n"]),
    ("column-galley", &["body"]),
    ("facing-columns", &["left", "right"]),
    ("column-numbers", &["numbers", "right"]),
    ("hang-sign", &["body"]),
    ("spaced-capitals", &["body"]),
    ("group-members", &["members"]),
    // The body.
    ("title-block", &["lines"]),
    ("heading-block", &["level", "body"]),
    ("para", &["indent", "body"]),
    (
        "verse-line",
        &["indent", "stanza", "turnover", "last", "body"],
    ),
    ("verse-turnover", &["first"]),
    // The apparatus.
    ("apparatus", &["series"]),
    ("app-series", &["title", "kind", "lines"]),
    ("app-series-per-line", &["title", "kind", "entries"]),
    ("endnotes", &["title", "kind", "toks"]),
    ("endnotes-per-line", &["title", "kind", "entries"]),
    ("app-num", &["n"]),
    ("app-lemma", &["body"]),
    ("app-comment-lemma", &["body"]),
    ("app-close", &[]),
    ("app-ellipsis", &[]),
    ("app-rank", &["n"]),
    ("app-siglum", &["s"]),
    ("app-corr", &["state"]),
    ("app-hand", &["n"]),
    ("app-label", &["kind"]),
    ("app-text", &["body"]),
    ("app-sep", &["kind"]),
    ("app-note", &["body"]),
    // A cross-reference: the page and lines of its label, and whether that is the page the
    // reference is printed on.
    ("xref", &["page", "line", "line-end", "same-page"]),
    // An index after the text: its title and its headwords, sorted; and one reference, the
    // first and last line it cites (`page-end` differs where it runs over a page break).
    ("index", &["title", "entries"]),
    ("index-ref", &["page", "line", "page-end", "line-end"]),
    // A reference by section and line, in cross-references and indexes.
    (
        "section-ref",
        &["section", "line", "section-end", "line-end"],
    ),
    // Measurements read back by the layout stage (apparatus tokens are measured in
    // `app-style`).
    ("app-style", &["body"]),
    ("geometry-metadata", &["config"]),
    ("measure-all", &["config", "toks", "notes"]),
];

// ---- Escaping -----------------------------------------------------------------------------

/// A Typst string literal (with quotes) holding `s` verbatim. Line breaks and control
/// characters are replaced by spaces: they cannot be printed.
pub(crate) fn lit_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` as literal text in markup: `#"…"` (an embedded string expression).
pub(crate) fn lit(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("#{}", lit_str(s))
    }
}

// ---- Emission -----------------------------------------------------------------------------

/// Where printed text went in the Typst source: `(typ_start, printed_start, len)` of each
/// string literal's *content* (after the opening quote), sorted by `typ_start`.
#[derive(Debug, Clone, Default)]
pub struct SpanTable {
    pub literals: Vec<(usize, usize, usize)>,
}

impl SpanTable {
    /// The printed byte for a byte offset inside the value of the literal whose source range
    /// starts at `typ_start` (the `"`), or `None` if no literal starts there.
    pub(crate) fn literal_at(&self, typ_range_start: usize) -> Option<(usize, usize)> {
        let i = self.literals.partition_point(|l| l.0 < typ_range_start);
        self.literals
            .get(i)
            .filter(|l| l.0 == typ_range_start)
            .map(|l| (l.1, l.2))
    }
}

/// A markup writer that records where printed text goes.
pub struct Writer {
    pub out: String,
    pub spans: SpanTable,
    /// The spans of a facing translation's text (its printed offsets, not the original's).
    pub facing_spans: SpanTable,
    /// The apparatus tokens of a facing translation's notes, as `entries`.
    pub facing_entries: Vec<(Range<usize>, usize)>,
    /// Source ranges of apparatus tokens and the entry each belongs to (in source order).
    pub entries: Vec<(Range<usize>, usize)>,
    /// Paragraph text may break inside long words Typst cannot hyphenate (`[layout]
    /// emergency-breaks`; the galley only: the final markup forces the galley's breaks).
    pub emergency_breaks: bool,
    /// Printed ranges (sorted) of words Typst must not hyphenate: the galley's second
    /// setting of paragraphs with too many hyphenated lines in a row.
    pub no_hyphen: Vec<Range<usize>>,
    /// A verse's turnovers stand flush right after a bracket (`[layout] turnovers =
    /// "bracket"`; the final pages only: the galley breaks them as hanging lines).
    pub bracket_turnovers: bool,
}

/// Words of at least this many characters, not all letters, get a break opportunity
/// between every two characters under `emergency-breaks`. Words of letters only are left to
/// hyphenation, which Typst prefers.
const EMERGENCY_WORD: usize = 20;

impl Writer {
    pub(crate) fn new() -> Self {
        Writer {
            out: String::with_capacity(1 << 16),
            spans: SpanTable::default(),
            facing_spans: SpanTable::default(),
            facing_entries: vec![],
            no_hyphen: vec![],
            entries: vec![],
            emergency_breaks: false,
            bracket_turnovers: false,
        }
    }

    /// [`Writer::text`], with a zero-width space (a break opportunity that prints nothing and
    /// maps to no printed byte) between the characters of long words that cannot be
    /// hyphenated.
    fn text_with_breaks(&mut self, p: &Printed, r: Range<usize>) {
        let mut done = r.start;
        let mut word = r.start;
        let doc = &p.doc[..r.end];
        for (i, c) in doc[r.start..]
            .char_indices()
            .map(|(i, c)| (r.start + i, c))
            .chain([(r.end, ' ')])
        {
            if !c.is_whitespace() {
                continue;
            }
            let w = &doc[word..i];
            if w.chars().count() >= EMERGENCY_WORD && !w.chars().all(char::is_alphabetic) {
                self.text(p, done..word);
                for (k, (j, ch)) in w.char_indices().enumerate() {
                    if k > 0 {
                        self.out.push_str("#sym.zws");
                    }
                    self.text(p, word + j..word + j + ch.len_utf8());
                }
                done = i;
            }
            word = i + c.len_utf8();
        }
        self.text(p, done..r.end);
    }

    /// [`Writer::text`], with each run of two or more capitals passed to the template's
    /// `spaced-capitals` (letterspaced in titles and headings); each run is a literal of
    /// its own, so its glyphs keep their printed bytes.
    fn text_spacing_capitals(&mut self, p: &Printed, r: Range<usize>) {
        let s = &p.doc[r.clone()];
        let mut done = r.start;
        let mut run: Option<(usize, usize)> = None; // start, capitals
        let chars = s
            .char_indices()
            .map(|(i, c)| (r.start + i, c))
            .chain([(r.end, ' ')]);
        for (i, c) in chars {
            if c.is_uppercase() {
                let (start, n) = run.unwrap_or((i, 0));
                run = Some((start, n + 1));
                continue;
            }
            if let Some((start, n)) = run.take()
                && n >= 2
            {
                self.text(p, done..start);
                self.out.push_str("#spaced-capitals[");
                self.text(p, start..i);
                self.out.push(']');
                done = i;
            }
        }
        self.text(p, done..r.end);
    }

    /// Emit printed text `p.doc[r]` as string literals (split so that each literal's value
    /// stays far below Typst's 64 KiB span-offset limit); the words of `no_hyphen` in it
    /// are set unhyphenated, the section numbers in it passed to `section-inline`.
    fn text(&mut self, p: &Printed, r: Range<usize>) {
        let numbers = &p.inline_sections;
        let first = numbers.partition_point(|n| n.end <= r.start);
        if numbers.get(first).is_some_and(|n| n.start < r.end) {
            let mut at = r.start;
            for n in numbers[first..].iter().take_while(|n| n.start < r.end) {
                let (start, end) = (n.start.max(at), n.end.min(r.end));
                self.unhyphenated(p, at..start);
                self.out.push_str("#section-inline[");
                self.literals(p, start..end);
                self.out.push(']');
                at = end;
            }
            self.unhyphenated(p, at..r.end);
            return;
        }
        self.unhyphenated(p, r);
    }

    /// [`Writer::text`] without section numbers.
    fn unhyphenated(&mut self, p: &Printed, r: Range<usize>) {
        if self
            .no_hyphen
            .iter()
            .any(|w| w.start < r.end && r.start < w.end)
        {
            let words = std::mem::take(&mut self.no_hyphen);
            let mut at = r.start;
            for w in words.iter().filter(|w| w.start < r.end && r.start < w.end) {
                let (start, end) = (w.start.max(at), w.end.min(r.end));
                self.literals(p, at..start);
                self.out.push_str("#text(hyphenate: false)[");
                self.literals(p, start..end);
                self.out.push(']');
                at = end;
            }
            self.literals(p, at..r.end);
            self.no_hyphen = words;
            return;
        }
        self.literals(p, r);
    }

    /// [`Writer::text`] without unhyphenated words.
    fn literals(&mut self, p: &Printed, r: Range<usize>) {
        let mut start = r.start;
        while start < r.end {
            let mut end = (start + 2048).min(r.end);
            while !p.doc.is_char_boundary(end) {
                end += 1;
            }
            let s = &p.doc[start..end];
            self.out.push('#');
            let typ_start = self.out.len();
            // Glyph offsets inside a string literal count bytes of its *value*, which is
            // `s` byte for byte (the printed text holds no control characters).
            self.spans.literals.push((typ_start, start, end - start));
            self.out.push_str(&lit_str(s));
            start = end;
        }
    }
}

/// Configuration dictionary for the template's `edition()`.
pub(crate) fn config_dict(spec: &Spec, galley: bool) -> String {
    let e = &spec.edition;
    let (y, m, d) = spec.date();
    // The editor's words, with typographic quotation marks (`quotes`).
    let typo = |t: &str| lit_str(&quotes::editorial(spec, t));
    let names =
        |n: &[String]| -> Vec<String> { n.iter().map(|t| quotes::editorial(spec, t)).collect() };
    let mut s = String::from("(\n");
    let _ = writeln!(s, "  title: {},", typo(&e.title));
    if let Some(lines) = &e.title_lines {
        let lines: Vec<String> = lines.get_ref().iter().map(|l| typo(l)).collect();
        let _ = writeln!(s, "  title-lines: ({},),", lines.join(", "));
    }
    if let Some(t) = &e.subtitle {
        let _ = writeln!(s, "  subtitle: {},", typo(t));
    }
    if let Some(t) = &e.short_title {
        let _ = writeln!(s, "  short-title: {},", typo(t));
    }
    let _ = writeln!(s, "  editors: ({}),", list(&names(&e.editors)));
    let _ = writeln!(s, "  authors: ({}),", list(&names(&e.authors)));
    let lang = e.language.get_ref();
    let _ = writeln!(s, "  edited-by: {},", lit_str(crate::cite::edited_by(lang)));
    let _ = writeln!(s, "  keywords: ({}),", list(&e.keywords));
    let _ = writeln!(s, "  lang: {},", lit_str(e.language.get_ref()));
    let _ = writeln!(s, "  version: {},", lit_str(&e.version));
    let _ = writeln!(s, "  date: ({y}, {m}, {d}),");
    for (k, v) in [("license", &e.license), ("doi", &e.doi)] {
        if let Some(v) = v {
            let _ = writeln!(s, "  {k}: {},", lit_str(v));
        }
    }
    for (k, v) in [
        ("description", &e.description),
        ("publisher", &e.publisher),
        ("place", &e.place),
        ("original-title", &e.original_title),
        ("original-date", &e.original_date),
    ] {
        if let Some(v) = v {
            let _ = writeln!(s, "  {k}: {},", typo(v));
        }
    }
    let _ = writeln!(s, "  paper: {},", lit_str(spec.layout.paper.get_ref()));
    if let (Some(w), Some(h)) = (&spec.layout.width, &spec.layout.height) {
        let _ = writeln!(s, "  width: {}mm,", w.get_ref());
        let _ = writeln!(s, "  height: {}mm,", h.get_ref());
    }
    if let Some(f) = &spec.layout.font {
        let _ = writeln!(s, "  font: {},", lit_str(f.get_ref()));
    }
    if let Some(m) = &spec.layout.margins {
        let given: Vec<String> = m
            .get_ref()
            .given()
            .iter()
            .map(|(k, mm, _)| format!("{k}: {mm}mm"))
            .collect();
        if !given.is_empty() {
            let _ = writeln!(s, "  margins: ({}),", given.join(", "));
        }
    }
    if let Some(fs) = &spec.layout.font_size {
        let _ = writeln!(s, "  font-size: {}pt,", fs.get_ref());
    }
    let _ = writeln!(s, "  galley: {galley},");
    s.push(')');
    s
}

fn list(items: &[String]) -> String {
    let mut s: String = items
        .iter()
        .map(|i| lit_str(i))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() == 1 {
        s.push(',');
    }
    s
}

/// Front matter markup (title page, principles, conspectus, how to cite) — prose already
/// converted to markup by the caller.
pub struct Front {
    pub principles: Option<String>,
    /// Files of the edition folder to attach to the PDF: (virtual path, description, MIME type).
    pub attachments: Vec<(String, String, String)>,
}

pub(crate) fn preamble(w: &mut Writer, spec: &Spec, galley: bool, template: &str) {
    let _ = writeln!(
        w.out,
        "// Generated by apparat from {}. Do not edit: edit the spec.",
        lit_str(&spec.edition.title)
    );
    // Relative to out/edition.typ: the template copy the build writes beside it.
    let _ = writeln!(w.out, "#import \"templates/{template}\": *");
    let _ = writeln!(w.out, "#let config = {}", config_dict(spec, galley));
    w.out.push_str("#show: edition.with(config)\n");
    // Cross-references' slots: the final document fills them from the plan; until then
    // each measures as the widest reference.
    w.out.push_str("#let xrefs = ()\n");
    let reserve = if spec.reference.by_section() {
        section_reserve(spec)
    } else {
        XREF_RESERVE.to_string()
    };
    let _ = writeln!(w.out, "#let xref-reserve = {reserve}");
}

/// The front matter. `cite_at`: the page and line the how-to-cite's example cites (the
/// first body page and a line numbered on it), once the pages are known.
pub(crate) fn front_matter(
    w: &mut Writer,
    spec: &Spec,
    front: &Front,
    cite_at: Option<(usize, u32)>,
) {
    let conspectus: Vec<String> = spec
        .witnesses
        .iter()
        .map(|x| {
            let description = x.description.as_deref().unwrap_or("");
            let mut body = lit(&quotes::editorial(spec, description));
            if x.is_group() {
                let members: Vec<String> = x.members.iter().map(|m| m.get_ref().clone()).collect();
                let space = if description.is_empty() { "" } else { " " };
                let _ = write!(body, "{space}#group-members(({}))", list(&members));
            }
            format!("({}, [{body}])", lit_str(x.siglum.get_ref()))
        })
        .collect();
    let mut conspectus = conspectus.join(", ");
    if spec.witnesses.len() == 1 {
        conspectus.push(',');
    }
    let principles = front
        .principles
        .as_deref()
        .map_or("none".to_string(), |p| format!("[{p}]"));
    let citation = citation_markup(spec, cite_at);
    let _ = writeln!(
        w.out,
        "#front-matter(config, ({conspectus}), {principles}, [{citation}])"
    );
    w.out.push_str("#pagebreak(to: \"odd\", weak: true)\n");
}

/// The recommended citation, with an example of citing a line: `cite_at` (page, line), or
/// before the pages are known a stand-in of the same length.
pub(crate) fn citation_markup(spec: &Spec, cite_at: Option<(usize, u32)>) -> String {
    let e = &spec.edition;
    let (y, _, _) = spec.date();
    // The work's authors first, the editors after the title; without authors, the editors.
    let mut c = if e.authors.is_empty() {
        format!("{}: {}", e.editors.join(", "), e.title)
    } else {
        format!("{}: {}", e.authors.join(", "), e.title)
    };
    if let Some(s) = &e.subtitle {
        c.push_str(&format!(". {s}"));
    }
    if !e.authors.is_empty() && !e.editors.is_empty() {
        let by = crate::cite::edited_by(e.language.get_ref());
        let mut by = by.chars();
        let capital: String = by.next().into_iter().flat_map(char::to_uppercase).collect();
        c.push_str(&format!(
            ". {capital}{} {}",
            by.as_str(),
            e.editors.join(", ")
        ));
    }
    c.push_str(&format!(". Version {}", e.version));
    if let Some(p) = &e.place {
        c.push_str(&format!(". {p}"));
    }
    if let Some(p) = &e.publisher {
        c.push_str(&format!(": {p}"));
    }
    c.push_str(&format!(", {y}"));
    if let Some(d) = &e.doi {
        c.push_str(&format!(". DOI {d}"));
    }
    c.push('.');
    let c = quotes::editorial(spec, &c);
    let (page, line) = cite_at.unwrap_or((5, 5));
    let example = if e.language.get_ref() == "sv" {
        format!("s. {page}, r. {line}")
    } else {
        format!("p. {page}, l. {line}")
    };
    format!(
        "{}#parbreak()#emph[{}]{}",
        lit(&c),
        lit(&format!(
            "{}, ",
            quotes::editorial(spec, e.short_title.as_deref().unwrap_or(&e.title))
        )),
        lit(&example)
    )
}

/// One body block as markup. `lines`: the printed ranges of its lines (final pass), with
/// whether each ends in an automatic hyphen; `None` in the galley.
pub(crate) fn block(
    w: &mut Writer,
    p: &Printed,
    b: &PBlock,
    part: Range<usize>,
    lines: Option<&[LineBreak]>,
    indent: bool,
    continues: bool,
) {
    match b.kind {
        BlockKind::Title => {
            let mut starts = vec![b.range.start];
            starts.extend(b.line_starts.iter().copied());
            starts.push(b.range.end + 1);
            w.out.push_str("#title-block((");
            for k in 0..starts.len() - 1 {
                w.out.push('[');
                w.text_spacing_capitals(p, starts[k]..starts[k + 1] - 1);
                w.out.push_str("], ");
            }
            w.out.push_str("))\n");
        }
        BlockKind::Heading(level) => {
            let _ = write!(w.out, "#heading-block({level}, [");
            w.text_spacing_capitals(p, b.range.clone());
            w.out.push_str("])\n");
        }
        BlockKind::Paragraph => {
            let _ = write!(w.out, "#para({indent}, [");
            match lines {
                None if w.emergency_breaks => w.text_with_breaks(p, part),
                None => w.text(p, part),
                Some(lines) => {
                    for (i, l) in lines.iter().enumerate() {
                        w.text(p, l.range.clone());
                        if l.hyphen {
                            w.out.push_str("#\"-\"");
                        }
                        if i + 1 < lines.len() || continues {
                            w.out.push_str("#linebreak(justify: true);");
                        }
                    }
                }
            }
            w.out.push_str("])\n");
        }
        BlockKind::Verse(verse) => verse_block(w, p, b, verse, part, lines, continues),
    }
}

/// One verse: `verse-line(indent, stanza, turnover, last, [text])`. Its lines (final pass)
/// are broken where the galley broke them, unjustified; a piece that begins on a turnover
/// (the verse began on the page before) hangs from its first line and has no stanza space;
/// `last`: the poem ends here and prose follows.
fn verse_block(
    w: &mut Writer,
    p: &Printed,
    b: &PBlock,
    verse: crate::text::Verse,
    part: Range<usize>,
    lines: Option<&[LineBreak]>,
    continues: bool,
) {
    let turnover = part.start > b.range.start;
    let stanza = verse.stanza && !turnover;
    let last = verse.ends_poem && !continues;
    let _ = write!(
        w.out,
        "#verse-line({}, {stanza}, {turnover}, {last}, [",
        verse.indent
    );
    // A witness's page break at the verse's start: its sign hangs into the margin, so the
    // verse keeps its indentation.
    let hang = if turnover {
        0
    } else {
        milestone_at(p, part.start)
    };
    if turnover && w.bracket_turnovers && lines.is_some() {
        w.out.push_str("#verse-turnover(true)");
    }
    if hang > 0 {
        w.out.push_str("#hang-sign[");
        w.text(p, part.start..part.start + hang);
        w.out.push(']');
    }
    let part = part.start + hang..part.end;
    match lines {
        None if w.emergency_breaks => w.text_with_breaks(p, part),
        None => w.text(p, part),
        Some(lines) => {
            for (i, l) in lines.iter().enumerate() {
                let start = if i == 0 {
                    l.range.start + hang
                } else {
                    l.range.start
                };
                w.text(p, start..l.range.end);
                if l.hyphen {
                    w.out.push_str("#\"-\"");
                }
                if i + 1 < lines.len() && w.bracket_turnovers {
                    w.out.push_str("#verse-turnover(false)");
                } else if i + 1 < lines.len() {
                    w.out.push_str("#linebreak();");
                }
            }
        }
    }
    w.out.push_str("])\n");
}

/// The length of a milestone sign printed at `pos` (inserted bytes ending in the no-break
/// space that binds the sign to its word; see `edits`), or 0.
fn milestone_at(p: &Printed, pos: usize) -> usize {
    let inserted = p.to_model[pos..]
        .iter()
        .take_while(|&&m| m == NO_MODEL)
        .count();
    let run = p.doc.get(pos..pos + inserted).unwrap_or_default();
    if run.ends_with('\u{a0}') { inserted } else { 0 }
}

/// A line of the final text: its printed range (without the space at the break).
#[derive(Debug, Clone)]
pub(crate) struct LineBreak {
    pub range: Range<usize>,
    pub hyphen: bool,
}

/// Measurement requests for the galley pass.
pub(crate) struct Measure<'a> {
    /// Apparatus atoms, each measured in apparatus style.
    pub tokens: &'a [String],
    /// Margin note bodies, measured at the margin width.
    pub notes: &'a [String],
}

/// Markup of the measurements apparat needs to compose pages: the text block, every
/// apparatus token and atom, the apparatus height model, margin notes. A document of its own,
/// so that it compiles on another thread while the galley compiles.
///
/// The tokens are measured here, each set alone in the apparatus style (`app-style`, as
/// `app-series` sets them), in one context the style is set around once: wrapping every token
/// in the style of its own would cost a quarter of the measuring. The template's
/// `measure-all` measures the rest (it is passed no tokens).
pub(crate) fn measure_doc(spec: &Spec, template: &str, m: &Measure) -> String {
    let mut w = Writer::new();
    preamble(&mut w, spec, true, template);
    w.out.push_str("#geometry-metadata(config)\n");
    w.out.push_str("#app-style(context {\n  let toks = (\n");
    for t in m.tokens {
        let _ = writeln!(w.out, "    {t},");
    }
    w.out
        .push_str("  )\n  [#metadata(toks.map(t => measure(t).width.pt()))<apparat-widths>]\n})\n");
    // The other measurements, in one context so that they cost one evaluation.
    w.out.push_str("#context {\n  let notes = (\n");
    for n in m.notes {
        let _ = writeln!(w.out, "    {n},");
    }
    w.out
        .push_str("  )\n  [#metadata(measure-all(config, (), notes))<apparat-measure>]\n}\n");
    w.out
}

/// Markup of the text alone in Typst's own page flow: the template's setup and the body
/// blocks, no apparatus, line numbers or forced breaks — what `apparat bench` measures a
/// build against.
pub(crate) fn plain_doc(
    spec: &Spec,
    p: &Printed,
    template: &str,
    facing: Option<(&str, &Printed)>,
) -> String {
    let mut w = Writer::new();
    preamble(&mut w, spec, false, template);
    flow_blocks(&mut w, p, 0..p.blocks.len());
    // A facing translation after it, in its language (what a build of both sets).
    if let Some((lang, tp)) = facing {
        let _ = writeln!(w.out, "#set text(lang: {})", lit_str(lang));
        flow_blocks(&mut w, tp, 0..tp.blocks.len());
    }
    w.out
}

/// Body blocks `blocks` in Typst's own flow, whole (no forced breaks); a paragraph after a
/// paragraph is indented, as in the whole document.
fn flow_blocks(w: &mut Writer, p: &Printed, blocks: Range<usize>) {
    let mut prev_para = blocks.start > 0 && p.blocks[blocks.start - 1].kind == BlockKind::Paragraph;
    for b in &p.blocks[blocks] {
        let para = b.kind == BlockKind::Paragraph;
        block(w, p, b, b.range.clone(), None, para && prev_para, false);
        prev_para = para;
    }
}

/// Markup of the galley, or of one part of it: (for the first part) the front matter on
/// real pages, then the body blocks `blocks` on one page of automatic height. Paragraph
/// indents are decided as in the whole document, so a part lays its blocks out exactly as
/// the whole galley would.
pub(crate) fn galley(
    spec: &Spec,
    p: &Printed,
    front: Option<&Front>,
    template: &str,
    blocks: Range<usize>,
    column: bool,
) -> Writer {
    let mut w = Writer::new();
    w.emergency_breaks = spec.layout.emergency_breaks;
    preamble(&mut w, spec, true, template);
    if let Some(front) = front {
        front_matter(&mut w, spec, front, None);
    }
    w.out.push_str("#set page(height: auto)\n");
    // A text set beside its translation: at the column's width.
    if column {
        w.out.push_str("#show: column-galley\n");
    }
    flow_blocks(&mut w, p, blocks);
    w
}

/// Markup of some paragraphs of the galley set again, alone (each as in the whole
/// galley), with the words `no_hyphen` unhyphenated (see `layout::stacks`).
pub(crate) fn galley_again(
    spec: &Spec,
    p: &Printed,
    template: &str,
    blocks: &[usize],
    no_hyphen: Vec<Range<usize>>,
    column: bool,
) -> Writer {
    let mut w = Writer::new();
    w.emergency_breaks = spec.layout.emergency_breaks;
    w.no_hyphen = no_hyphen;
    preamble(&mut w, spec, true, template);
    w.out.push_str("#set page(height: auto)\n");
    if column {
        w.out.push_str("#show: column-galley\n");
    }
    for &b in blocks {
        let prev_para = b > 0 && p.blocks[b - 1].kind == BlockKind::Paragraph;
        let block = &p.blocks[b];
        let para = block.kind == BlockKind::Paragraph;
        self::block(
            &mut w,
            p,
            block,
            block.range.clone(),
            None,
            para && prev_para,
            false,
        );
    }
    w
}

/// Opens the call of the template function that sets a series, `f(title, kind, (`, or
/// `f-per-line(…` for a one-per-line series; returns whether it is one.
pub(crate) fn series_call(w: &mut Writer, spec: &Spec, series: usize, f: &str) -> bool {
    let s = &spec.series[series];
    let per_line = s.arrangement == Arrangement::OnePerLine;
    let _ = write!(
        w.out,
        "{f}{}({}, {}, (",
        if per_line { "-per-line" } else { "" },
        lit_str(&s.title),
        lit_str(kind_str(s.kind))
    );
    per_line
}

pub(crate) fn kind_str(k: SeriesKind) -> &'static str {
    match k {
        SeriesKind::Critical => "critical",
        SeriesKind::Commentary => "commentary",
        SeriesKind::Sources => "sources",
    }
}

// ---- Apparatus tokens ---------------------------------------------------------------------
//
// An apparatus entry is a sequence of *tokens* (unbreakable: apparat breaks apparatus lines
// only between tokens); a token is a sequence of *atoms*, each one call of a template
// function. The galley pass measures every distinct token (and the atoms of the tokens whose
// width is a sum of parts), so the page builder knows every apparatus line's width.

/// One piece of an apparatus token: a call of a template function.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Atom {
    /// Text of the edition or the spec, passed as content: `f[#"…"]`, so that its glyphs
    /// keep the literal's span and trace back to their entry.
    Text(&'static str, String),
    /// A fixed piece with literal arguments: `app-label("om")`, `app-close()`.
    Call(&'static str, String),
    /// The sigla of a reading, one `app-siglum` each, set as one piece.
    Sigla(Vec<String>),
}

impl Atom {
    /// The atom as a Typst expression; also what measures it (as content: a box around it
    /// would measure the same and cost a second layout).
    pub(crate) fn expr(&self) -> String {
        match self {
            Atom::Text(f, s) => format!("{f}[{}]", lit(s)),
            Atom::Call(f, args) => format!("{f}({args})"),
            Atom::Sigla(wit) => {
                let s: String = wit.iter().map(|w| siglum_markup(w)).collect();
                format!("[{s}]")
            }
        }
    }
}

/// A cited witness as markup: its siglum, then its correction state or hand (`A^pc`,
/// `A^2`), each a template function.
fn siglum_markup(typed: &str) -> String {
    let cited = Citation::parse(typed);
    let siglum = format!("#app-siglum[{}]", lit(&cited.siglum));
    match &cited.state {
        None => siglum,
        Some(State::AnteCorrectionem) => format!("{siglum}#app-corr(\"ac\")"),
        Some(State::PostCorrectionem) => format!("{siglum}#app-corr(\"pc\")"),
        Some(State::Hand(h)) => format!("{siglum}#app-hand({})", lit_str(h)),
    }
}

/// One unbreakable token (shared: the page builder copies tokens often).
pub(crate) type Token = std::sync::Arc<[Atom]>;

/// An apparatus token as set, and the entry (index into `spec.entries`) it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct SetToken {
    pub token: Token,
    pub entry: usize,
}

/// Functions whose text atoms may be merged into one call when the measurements show that
/// this changes no width (see [`Emit`]).
pub(crate) const MERGEABLE: [&str; 4] = ["app-lemma", "app-comment-lemma", "app-text", "app-note"];

/// Whether a token's width is the sum of its atoms' widths rather than measured whole:
/// line references, whose digits vary with the page, and lemmata carrying a rank
/// superscript. In the final document these are set as boxed atoms (boxes neither kern nor
/// shape together, so the sum is exact), unless [`Emit::numbers_additive`] says a line
/// reference may be set as one run.
pub(crate) fn is_composite(t: &[Atom]) -> bool {
    t.len() > 1
        && t.iter()
            .any(|a| matches!(a, Atom::Text("app-num", _) | Atom::Call("app-rank", _)))
}

/// Whether an apparatus line may end after this token: not after a separator or a line
/// reference, which belong with the lemma that follows.
pub(crate) fn may_end_line(t: &[Atom]) -> bool {
    !(is_number(t) || matches!(t, [Atom::Call("app-sep", _)]))
}

/// Whether a token is a word of a lemma before its closing bracket (or the ellipsis of a
/// long one): a short lemma is kept on one line.
pub(crate) fn inside_lemma(t: &[Atom]) -> bool {
    let lemma = |a: &Atom| {
        matches!(
            a,
            Atom::Text("app-lemma" | "app-comment-lemma", _) | Atom::Call("app-ellipsis", _)
        )
    };
    t.first().is_some_and(lemma) && !t.iter().any(|a| matches!(a, Atom::Call("app-close", _)))
}

fn is_number(t: &[Atom]) -> bool {
    !t.is_empty() && t.iter().all(|a| matches!(a, Atom::Text("app-num", _)))
}

/// The markup measured for a whole token: its atoms, as the final document sets a token
/// that is not composite.
pub(crate) fn token_measure(t: &[Atom]) -> String {
    if let [one] = t {
        return one.expr();
    }
    let mut s = String::from("[");
    for a in t {
        s.push('#');
        s.push_str(&a.expr());
    }
    s.push(']');
    s
}

/// What the measurements allow the final markup to simplify. Fewer calls and boxes make
/// the final compile faster and smaller; each simplification is taken only where the
/// galley pass measured that it changes no width.
#[derive(Debug, Clone, Default)]
pub(crate) struct Emit {
    /// Line references may be set as one `app-num` run: no two of their characters kern.
    pub numbers_additive: bool,
    /// Functions of [`MERGEABLE`] whose consecutive words (of one entry, on one line) may be
    /// passed as one text: `f[#"a b"]` measures as `f[#"a"]`, a space, `f[#"b"]`.
    pub merge: Vec<&'static str>,
    /// Line references, separators, brackets, labels and sigla are each set in a box of their
    /// own: where the apparatus holds right-to-left text (or the edition's language is
    /// written so), the Unicode bidirectional algorithm would otherwise join them to the run
    /// of a neighbouring reading and print them on its far side; a box is one neutral unit,
    /// set in the paragraph's direction. Words stay bare, so that a reading of several
    /// words in the other direction reads as one run.
    pub isolate: bool,
}

/// Whether a text holds right-to-left letters (Hebrew, Arabic, Syriac, Thaana, N'Ko and
/// the other scripts of those blocks, their presentation forms).
pub(crate) fn has_rtl(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c as u32,
            0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF)
    })
}

/// Whether the edition's language is written right to left (ISO 639 codes).
pub(crate) fn rtl_language(lang: &str) -> bool {
    let primary = lang
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        primary.as_str(),
        "ar" | "arc"
            | "ckb"
            | "dv"
            | "fa"
            | "he"
            | "hbo"
            | "iw"
            | "ks"
            | "ku"
            | "nqo"
            | "ota"
            | "ps"
            | "sam"
            | "sd"
            | "syc"
            | "syr"
            | "ug"
            | "ur"
            | "yi"
    )
}

/// The markup of a token standing alone in the final document.
fn token_markup_final(t: &[Atom], emit: &Emit) -> String {
    if is_number(t) && (emit.numbers_additive || t.len() == 1) {
        let s: String = t
            .iter()
            .map(|a| match a {
                Atom::Text(_, s) => s.as_str(),
                _ => "",
            })
            .collect();
        let num = Atom::Text("app-num", s).expr();
        return if emit.isolate {
            format!("box({num})")
        } else {
            num
        };
    }
    if is_composite(t) {
        let mut s = String::from("box[");
        for a in t.iter() {
            s.push_str("#box(");
            s.push_str(&a.expr());
            s.push(')');
        }
        s.push(']');
        return s;
    }
    // Where directions mix, what carries no words of the text or the spec (a bracket, a
    // separator, a label, sigla) is one neutral unit; words form runs of their direction.
    let atom = |a: &Atom| match a {
        Atom::Call(..) | Atom::Sigla(_) if emit.isolate => format!("box({})", a.expr()),
        _ => a.expr(),
    };
    if let [one] = t {
        return atom(one);
    }
    let mut s = String::from("[");
    for a in t {
        s.push('#');
        s.push_str(&atom(a));
    }
    s.push(']');
    s
}

/// Writes one apparatus line (or a run of endnotes) as the elements of a Typst array,
/// merging consecutive words of one entry where [`Emit`] allows, and records which entry
/// each element belongs to.
pub(crate) fn write_tokens(w: &mut Writer, toks: &[SetToken], emit: &Emit) {
    let mut i = 0;
    while i < toks.len() {
        let SetToken { token: t, entry } = &toks[i];
        let start = w.out.len();
        match &t[..] {
            [Atom::Text(f, first)] if emit.merge.contains(f) => {
                let mut run = first.clone();
                while let Some(SetToken {
                    token: next,
                    entry: e,
                }) = toks.get(i + 1)
                    && e == entry
                    && let [Atom::Text(g, s)] = &next[..]
                    && g == f
                {
                    run.push(' ');
                    run.push_str(s);
                    i += 1;
                }
                w.out.push_str(&Atom::Text(f, run).expr());
            }
            _ => w.out.push_str(&token_markup_final(t, emit)),
        }
        w.entries.push((start..w.out.len(), *entry));
        w.out.push_str(", ");
        i += 1;
    }
}

fn token(atoms: Vec<Atom>) -> Token {
    atoms.into()
}

fn text_atom(f: &'static str, s: &str) -> Atom {
    Atom::Text(f, s.to_string())
}

/// Atom of a lemma's rank superscript (`och²`).
pub(crate) fn rank_atom(r: usize) -> Atom {
    Atom::Call("app-rank", r.to_string())
}

pub(crate) fn close_atom() -> Atom {
    Atom::Call("app-close", String::new())
}

/// The tokens of one entry after its number: lemma with `]` (in a positive series, the
/// lemma's witnesses before it), then readings. `rank` is the superscript for a lemma
/// occurring more than once on its line.
pub(crate) fn entry_tokens(
    spec: &Spec,
    p: &Printed,
    l: &PLemma,
    rank: Option<usize>,
) -> Vec<Token> {
    let e = &spec.entries[l.entry];
    let witnessing = Witnessing::at(spec, p, &l.range);
    let lemma = lemma_text(spec, p, l);
    let words: Vec<&str> = lemma
        .split([' ', '\u{a0}', '\n'])
        .filter(|w| !w.is_empty())
        .collect();
    // A commentary's lemmata look unlike the critical apparatus's (italic by default).
    let lemma_fn = if spec.series[e.series].kind == SeriesKind::Commentary {
        "app-comment-lemma"
    } else {
        "app-lemma"
    };
    let lemma_atom = |w: &str| text_atom(lemma_fn, w);
    // Long lemmata: first … last.
    let mut toks: Vec<Vec<Atom>> = if words.len() > 4 {
        vec![
            vec![lemma_atom(words[0])],
            vec![Atom::Call("app-ellipsis", String::new())],
            vec![lemma_atom(words[words.len() - 1])],
        ]
    } else {
        words.iter().map(|w| vec![lemma_atom(w)]).collect()
    };
    let lemma_sigla = if spec.series[l.series].positive {
        witnessing.reading_lemma(&e.body)
    } else {
        vec![]
    };
    if let Some(last) = toks.last_mut() {
        if let Some(r) = rank {
            last.push(rank_atom(r));
        }
        if lemma_sigla.is_empty() {
            last.push(close_atom());
        }
    }
    if !lemma_sigla.is_empty() {
        toks.push(vec![Atom::Sigla(lemma_sigla), close_atom()]);
    }
    for (i, mut r) in body_tokens(spec, p, l.entry, &witnessing)
        .into_iter()
        .enumerate()
    {
        if i > 0
            && let Some(last) = toks.last_mut()
        {
            last.push(semicolon_atom());
        }
        toks.append(&mut r);
    }
    toks.into_iter().map(token).collect()
}

/// The lemma as the apparatus prints it: the printed text; of an editorial sign, the words
/// without the sign (of a supplement, the words supplied).
fn lemma_text(spec: &Spec, p: &Printed, l: &PLemma) -> String {
    match &spec.entries[l.entry].body {
        EntryBody::Sign {
            kind: SignKind::Supplement,
            text,
            ..
        } => text.clone().unwrap_or_default(),
        EntryBody::Sign { .. } => p.doc[l.range.clone()]
            .char_indices()
            .filter(|&(i, _)| p.to_model[l.range.start + i] != NO_MODEL)
            .map(|(_, c)| c)
            .collect(),
        _ => p.doc[l.range.clone()].to_string(),
    }
}

/// The groups of tokens after the lemma, one per reading (joined by `;`).
fn body_tokens(
    spec: &Spec,
    p: &Printed,
    entry: usize,
    witnessing: &Witnessing,
) -> Vec<Vec<Vec<Atom>>> {
    let e = &spec.entries[entry];
    let base = spec.text.base.get_ref();
    let mut readings: Vec<Vec<Vec<Atom>>> = vec![];
    let each = |rs: &[Reading]| -> Vec<Vec<Vec<Atom>>> {
        rs.iter().map(|r| reading_tokens(r, witnessing)).collect()
    };
    match &e.body {
        EntryBody::Emend { readings: rs, .. } => {
            let original = crate::text::normalize(e.quote.at.get_ref());
            let mut r = vec![vec![label_atom("corr"), semicolon_atom()]];
            r.extend(word_tokens(&original, "app-text"));
            r.push(vec![Atom::Sigla(vec![base.clone()])]);
            readings.push(r);
            readings.extend(each(rs));
        }
        EntryBody::Readings(rs) => readings.extend(each(rs)),
        EntryBody::Note(n) => readings.push(note_tokens(spec, p, entry, n)),
        EntryBody::Sign {
            kind,
            resp,
            readings: rs,
            ..
        } => {
            let mut r = vec![vec![label_atom(kind.name())]];
            r.extend(word_tokens(resp.as_deref().unwrap_or(""), "app-text"));
            readings.push(r);
            readings.extend(each(rs));
        }
        EntryBody::Lacuna { witness, resumes } => {
            let label = if *resumes { "resumes" } else { "deest" };
            readings.push(vec![
                vec![label_atom(label)],
                vec![Atom::Sigla(vec![witness.clone()])],
            ]);
        }
    }
    readings
}

/// The witnesses at one lemma: those extant there (not in a lacuna), in the order of the
/// conspectus, and the groups that stand for them.
struct Witnessing<'a> {
    spec: &'a Spec,
    extant: Vec<&'a str>,
}

impl<'a> Witnessing<'a> {
    fn at(spec: &'a Spec, p: &Printed, r: &Range<usize>) -> Witnessing<'a> {
        let absent = |s: &str| {
            p.lacunae
                .iter()
                .any(|(w, x)| w == s && x.start < r.end && r.start < x.end)
        };
        let extant = spec
            .witnesses
            .iter()
            .filter(|w| !w.is_group())
            .map(|w| w.siglum.get_ref().as_str())
            .filter(|s| !absent(s))
            .collect();
        Witnessing { spec, extant }
    }

    /// The citations of a reading with each group replaced by its members extant here.
    fn expand(&self, typed: &[toml::Spanned<String>]) -> Vec<Citation> {
        let mut out: Vec<Citation> = vec![];
        for w in typed {
            let cited = Citation::parse(w.get_ref());
            let group = self.spec.witnesses.iter().find(|x| {
                x.is_group() && cited.state.is_none() && *x.siglum.get_ref() == cited.siglum
            });
            let each = match group {
                Some(g) => g
                    .members
                    .iter()
                    .map(|m| m.get_ref().as_str())
                    .filter(|m| self.extant.contains(m))
                    .map(Citation::parse)
                    .collect(),
                None => vec![cited],
            };
            for c in each {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out
    }

    /// Citations as printed: a group's siglum in place of its members where all of them
    /// are extant here and cited (without a hand or correction).
    fn contract(&self, mut cited: Vec<Citation>) -> Vec<String> {
        for g in self.spec.witnesses.iter().filter(|w| w.is_group()) {
            let members: Vec<&str> = g.members.iter().map(|m| m.get_ref().as_str()).collect();
            let plain = |c: &Citation| c.state.is_none() && members.contains(&c.siglum.as_str());
            let all_extant = members.iter().all(|m| self.extant.contains(m));
            if !all_extant || cited.iter().filter(|c| plain(c)).count() < members.len() {
                continue;
            }
            let first = cited.iter().position(plain).unwrap_or(0);
            cited.retain(|c| !plain(c));
            cited.insert(first.min(cited.len()), Citation::parse(g.siglum.get_ref()));
        }
        cited.iter().map(Citation::typed).collect()
    }

    /// The first hand of witness `siglum` other than `hand` (which reads the lemma where
    /// `hand` is cited for another reading).
    fn other_hand(&self, siglum: &str, hand: &str) -> Option<String> {
        let w = self
            .spec
            .witnesses
            .iter()
            .find(|w| w.siglum.get_ref() == siglum)?;
        w.hands
            .iter()
            .map(|h| h.get_ref())
            .find(|h| *h != hand)
            .cloned()
    }

    /// The sigla of a reading, as printed.
    fn sigla(&self, typed: &[toml::Spanned<String>]) -> Vec<String> {
        self.contract(self.expand(typed))
    }

    /// In a positive series, the witnesses that read the lemma: every extant witness not
    /// cited for another reading (one cited only before or after correction reads the
    /// lemma in the other state, one cited by a hand in its other hand, or bare where it
    /// declares no other). None for a supplement (no witness has it), an emendation
    /// or a note.
    fn reading_lemma(&self, body: &EntryBody) -> Vec<String> {
        let rs = match body {
            EntryBody::Readings(rs) => rs,
            EntryBody::Sign { kind, readings, .. } if *kind != SignKind::Supplement => readings,
            _ => return vec![],
        };
        let cited: Vec<Citation> = rs.iter().flat_map(|r| self.expand(&r.wit)).collect();
        let mut lemma = vec![];
        for &w in &self.extant {
            let states: Vec<&Option<State>> = cited
                .iter()
                .filter(|c| c.siglum == w)
                .map(|c| &c.state)
                .collect();
            let state = match states.as_slice() {
                [] => None,
                [Some(State::AnteCorrectionem)] => Some(State::PostCorrectionem),
                [Some(State::PostCorrectionem)] => Some(State::AnteCorrectionem),
                // Its other declared hand; with none declared, the witness's own text (its
                // first hand) reads the lemma: `M … ] … M²`.
                [Some(State::Hand(h))] => self.other_hand(w, h).map(State::Hand),
                _ => continue,
            };
            lemma.push(Citation {
                siglum: w.to_string(),
                state,
            });
        }
        self.contract(lemma)
    }
}

fn semicolon_atom() -> Atom {
    Atom::Call("app-text", "\";\"".into())
}

fn label_atom(k: &str) -> Atom {
    Atom::Call("app-label", format!("\"{k}\""))
}

/// A note's words as `app-note` tokens; a word holding a cross-reference is one token of
/// its text and the reference's slot.
fn note_tokens(spec: &Spec, p: &Printed, entry: usize, n: &str) -> Vec<Vec<Atom>> {
    let mut slot = p.entry_xrefs.get(entry).copied().unwrap_or(0);
    let mut scratch = vec![];
    let pieces = words_with_refs(spec, n, XRefFrom::Entry(entry), &mut scratch);
    let mut toks: Vec<Vec<Atom>> = vec![];
    let mut word: Vec<Atom> = vec![];
    for piece in pieces {
        match piece {
            crate::xref::Piece::Ref(_) => {
                word.push(Atom::Call("xrefs.at", xref_args(slot)));
                slot += 1;
            }
            crate::xref::Piece::Text(t) => {
                let mut parts = t.split(char::is_whitespace).peekable();
                while let Some(part) = parts.next() {
                    if !part.is_empty() {
                        word.push(text_atom("app-note", part));
                    }
                    if parts.peek().is_some() && !word.is_empty() {
                        toks.push(std::mem::take(&mut word));
                    }
                }
            }
        }
    }
    if !word.is_empty() {
        toks.push(word);
    }
    toks
}

fn word_tokens(s: &str, f: &'static str) -> Vec<Vec<Atom>> {
    s.split_whitespace()
        .map(|w| vec![text_atom(f, w)])
        .collect()
}

fn reading_tokens(r: &Reading, witnessing: &Witnessing) -> Vec<Vec<Atom>> {
    let kind = r.kind.as_ref().map_or(ReadingType::Var, |k| *k.get_ref());
    let mut out = r
        .text
        .as_deref()
        .map(|t| word_tokens(t, "app-text"))
        .unwrap_or_default();
    let wit = witnessing.sigla(&r.wit);
    match kind {
        ReadingType::Var => {}
        ReadingType::Om => out.push(vec![label_atom("om")]),
        ReadingType::Add => out.push(vec![label_atom("add")]),
        ReadingType::Transp => out.push(vec![label_atom("transp")]),
        ReadingType::Conj => {
            out.push(vec![label_atom("conj")]);
            out.extend(word_tokens(r.by.as_deref().unwrap_or(""), "app-text"));
        }
    }
    if !wit.is_empty() {
        out.push(vec![Atom::Sigla(wit)]);
    }
    out
}

/// Atoms of the characters of a line reference (`12`, `12–13`, `12–3.4`): one per
/// character, so any number's width is the sum of measured characters.
pub(crate) fn number_atoms(s: &str) -> Token {
    s.chars()
        .map(|c| text_atom("app-num", &c.to_string()))
        .collect::<Vec<_>>()
        .into()
}

/// The characters line references are made of.
pub(crate) const NUMBER_CHARS: &str = "0123456789–.";

/// The characters the line references of this text are made of: figures, `–`, `.` and
/// those of its section numbers (`IV.3`).
pub(crate) fn number_chars(p: &Printed) -> String {
    let mut chars = NUMBER_CHARS.to_string();
    for c in p.sections.iter().flat_map(|s| s.n.chars()) {
        if !chars.contains(c) {
            chars.push(c);
        }
    }
    chars
}

pub(crate) fn sep_token(line: bool) -> Token {
    let kind = if line { "\"line\"" } else { "\"entry\"" };
    token(vec![Atom::Call("app-sep", kind.into())])
}
