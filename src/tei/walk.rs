//! Reading the text of a TEI edition: blocks of normalised text with the entries, notes and
//! page breaks that stand in them, at offsets of their block.
//!
//! The walk follows the *base reading* of every `app` — the `lem`, or the reading of the
//! chosen witness, or (for an editor's `lem` with no witness) the base witness's `rdg` — so
//! the text it collects is one witness's, and every other reading becomes a reading of the
//! entry. Whitespace is normalised as the text model does it, so the offsets found here are
//! the offsets apparat finds again in the written `source.txt`.

use std::collections::HashMap;
use std::ops::Range;

use roxmltree::Node;

use super::report::Report;
use super::wits::Witnesses;
use crate::spec::SignKind;
use crate::text::{BlockKind, Verse};

/// A block of text being read or read.
#[derive(Debug, Clone)]
pub(super) struct Block {
    pub kind: BlockKind,
    pub text: String,
    /// Offsets where a line of the title begins (`lb` in the title).
    pub line_starts: Vec<usize>,
    /// Byte offset of the block's element in the TEI file.
    pub at: usize,
}

/// One reading of an imported entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Reading {
    Var { wit: Vec<String>, text: String },
    Om { wit: Vec<String> },
    Add { wit: Vec<String>, text: String },
    Transp { wit: Vec<String>, text: String },
    Conj { by: String, text: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Body {
    Emend {
        text: String,
        readings: Vec<Reading>,
    },
    Readings(Vec<Reading>),
    Note(String),
    /// An editorial sign (`lem type="sign"` holding `supplied`, `surplus`, `sic` or `gap`).
    Sign {
        kind: SignKind,
        text: Option<String>,
        resp: Option<String>,
        readings: Vec<Reading>,
    },
    /// Where a witness's lacuna begins (`lacunaStart` in its reading) or where it resumes
    /// (`lacunaEnd`; `words`: how many of the words before it the lacuna's `to` quotes, its
    /// `n`, else one).
    Lacuna {
        witness: String,
        resumes: bool,
        words: usize,
    },
}

/// An index entry (`<index indexName="…" spanTo="#…"><term>…</term></index>`): the words
/// from where it stands to its `spanTo` anchor (none: the word after it), under a headword
/// and optionally a sub-entry (a nested `index`).
#[derive(Debug, Clone)]
pub(super) struct IndexEntry {
    pub block: usize,
    pub range: Range<usize>,
    /// Its `indexName` (empty: none given).
    pub index: String,
    pub headword: String,
    pub sub: Option<String>,
    /// The headword's `sortKey`.
    pub sort: Option<String>,
}

/// An `<index>` as read, before its `spanTo` is resolved.
struct IndexMark {
    block: usize,
    pos: usize,
    end: Option<String>,
    entry: IndexEntry,
    at: usize,
}

/// An entry at a range of a block.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub series: String,
    pub block: usize,
    /// The block where the range ends (attached by anchors, a lemma may cross blocks: its
    /// `range.end` is an offset of this block).
    pub end_block: usize,
    pub range: Range<usize>,
    pub body: Body,
    /// Byte offset in the TEI file (for the report).
    pub at: usize,
    /// An empty range anchors on the word after it (a note at an `anchor` before its
    /// words), not the word before (a footnote after them).
    pub forward: bool,
    /// The label cross-references cite it by (a note's `n`).
    pub label: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Margin {
    pub block: usize,
    pub range: Range<usize>,
    pub text: String,
}

#[derive(Debug, Clone)]
pub(super) struct Milestone {
    pub block: usize,
    pub pos: usize,
    pub witness: String,
    pub n: String,
    pub at: usize,
}

/// Where an `xml:id` stands: a point (an `anchor`) or the range of an element's text.
#[derive(Debug, Clone)]
enum Place {
    Point(usize, usize),
    Span(usize, Range<usize>),
}

/// A note whose words are known only once the whole text is read (a `target`, or the words
/// beside it).
#[derive(Debug, Clone)]
struct PendingNote {
    margin: bool,
    series: String,
    text: String,
    target: Option<(String, Option<String>)>,
    block: usize,
    pos: usize,
    at: usize,
    /// `n`: the label cross-references cite the note by.
    label: Option<String>,
}

/// An `app` attached by anchors (`from`, `to`), read once every anchor is known.
struct PendingApp<'a, 'input> {
    node: Node<'a, 'input>,
    series: String,
}

/// Which reading of an `app` the text follows.
#[derive(Debug, Clone)]
pub(super) enum Mode {
    /// The `lem`; an editor's `lem` (no witness) over a reading of `base` is an emendation.
    Lemma { base: String },
    /// The reading of this witness (the `lem` where no reading names it).
    Witness(String),
}

impl Mode {
    fn base(&self) -> &str {
        match self {
            Mode::Lemma { base } | Mode::Witness(base) => base,
        }
    }
}

/// What the walk found.
#[derive(Default)]
pub(super) struct Walked {
    pub blocks: Vec<Block>,
    pub entries: Vec<Entry>,
    pub margins: Vec<Margin>,
    pub milestones: Vec<Milestone>,
    /// Sections of the reference system (`<milestone unit="section">`): their places and
    /// numbers (the `witness` is empty).
    pub sections: Vec<Milestone>,
    /// Index entries (`<index>` with its `term`s), where their words stand.
    pub index_entries: Vec<IndexEntry>,
    /// Indexes declared in the back matter (`divGen type="index"`): (id, title).
    pub indexes: Vec<(String, String)>,
    /// A facing translation (`div type="translation"` in the back matter): its language and
    /// its text with the translator's notes, walked on their own.
    pub translation: Option<(String, Box<Walked>)>,
    /// Every `anchor` of the text by its `xml:id`: (block, offset).
    pub anchor_points: HashMap<String, (usize, usize)>,
    /// The alignment's links (`linkGrp type="alignment"`): an anchor in this text and one
    /// in the translation, by id.
    pub align_links: Vec<(String, String)>,
    /// Series seen: id → (title, kind: "critical" | "commentary" | "sources").
    pub series: Vec<(String, String, String)>,
    /// Critical series whose apparatus is positive (`divGen rend="positive"`).
    pub positive: Vec<String>,
}

pub(super) struct Walker<'w, 'a, 'input> {
    pub wits: &'w mut Witnesses,
    pub report: &'w mut Report,
    mode: Mode,
    out: Walked,
    current: Option<Block>,
    pending_space: bool,
    /// Points waiting for the next block (page breaks and anchors between blocks).
    waiting: Vec<Waiting<'a, 'input>>,
    /// Index entries read, their ends not yet resolved.
    index_marks: Vec<IndexMark>,
    ids: HashMap<String, Place>,
    notes: Vec<PendingNote>,
    apps: Vec<PendingApp<'a, 'input>>,
    /// Depth of `div`s, for heading levels.
    depth: u8,
    /// Inside a title or heading: entries cannot be kept there.
    in_heading: bool,
    /// The next verse begins a poem, a stanza.
    poem: bool,
    stanza: bool,
}

enum Waiting<'a, 'input> {
    PageBreak(Node<'a, 'input>),
    Section(Node<'a, 'input>),
    Anchor(String),
}

/// The local name of an element.
pub(super) fn name<'a>(n: &Node<'a, '_>) -> &'a str {
    n.tag_name().name()
}

pub(super) fn xml_id<'a>(n: &Node<'a, '_>) -> Option<&'a str> {
    n.attribute((roxmltree::NS_XML_URI, "id"))
}

/// The targets of a pointer attribute (`#a #b` → `a`, `b`).
pub(super) fn pointers(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split_whitespace()
        .map(|t| t.trim_start_matches('#').to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whether the text model counts `c` as a space (the one rule: `text::normalize`).
fn is_space(c: char) -> bool {
    if c.is_ascii() {
        return matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}');
    }
    let mut buf = [0u8; 4];
    crate::text::normalize(c.encode_utf8(&mut buf)).is_empty()
}

/// Chinese and Japanese characters and punctuation: scripts written without spaces, where
/// whitespace in the XML only breaks its lines.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FDF}' | '\u{3000}'..='\u{303F}' | '\u{3040}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FFEF}' | '\u{20000}'..='\u{3FFFF}')
}

/// Elements read as their text: their markup says how the text looks or what it is, which
/// apparat's base text does not record.
const AS_TEXT: &[&str] = &[
    "hi",
    "emph",
    "supplied",
    "unclear",
    "surplus",
    "add",
    "foreign",
    "term",
    "name",
    "persName",
    "placeName",
    "orgName",
    "geogName",
    "rs",
    "date",
    "num",
    "measure",
    "title",
    "q",
    "quote",
    "said",
    "mentioned",
    "soCalled",
    "distinct",
    "seg",
    "w",
    "pc",
    "c",
    "g",
    "ref",
    "ptr",
    "abbr",
    "expan",
    "sic",
    "corr",
    "orig",
    "reg",
    "ex",
    "am",
    "damage",
    "restore",
    "subst",
    "mod",
    "cit",
    "bibl",
    "time",
    "roleName",
    "forename",
    "surname",
    "s",
    "phr",
    "cl",
    "m",
    "choice",
    "l",
    "lg",
    "label",
    "item",
    "list",
    "p",
    "ab",
    "speaker",
    "stage",
    "sp",
    "ident",
    "gloss",
    "desc",
    "span",
];

/// Elements whose markup is worth a note when read as text only.
const MARKUP_NOTED: &[&str] = &["hi", "supplied", "unclear", "surplus", "add", "damage"];

/// Elements with content that is not part of the text at all.
const NOT_TEXT: &[&str] = &[
    "figure",
    "graphic",
    "fw",
    "table",
    "formula",
    "facsimile",
    "media",
    "interpGrp",
    "interp",
    "join",
    "link",
    "linkGrp",
    "alt",
    "altGrp",
    "certainty",
    "precision",
    "respons",
    "spanGrp",
    "index",
    "metamark",
    "handShift",
    "cb",
    "witStart",
    "witEnd",
    "lacunaStart",
    "lacunaEnd",
];

impl<'w, 'a, 'input> Walker<'w, 'a, 'input> {
    pub(super) fn new(wits: &'w mut Witnesses, report: &'w mut Report, mode: Mode) -> Self {
        Walker {
            wits,
            report,
            mode,
            out: Walked::default(),
            current: None,
            pending_space: false,
            waiting: vec![],
            index_marks: vec![],
            ids: HashMap::new(),
            notes: vec![],
            apps: vec![],
            depth: 0,
            in_heading: false,
            poem: false,
            stanza: false,
        }
    }

    pub(super) fn declare_series(&mut self, id: &str, title: &str, kind: &str) {
        if !self.out.series.iter().any(|(i, _, _)| i == id) {
            self.out
                .series
                .push((id.to_string(), title.to_string(), kind.to_string()));
        }
    }

    fn series_kind(&self, id: &str) -> Option<&str> {
        let found = self.out.series.iter().find(|(i, _, _)| i == id);
        found.map(|(_, _, k)| k.as_str())
    }

    // ---- Blocks ---------------------------------------------------------------------------

    /// The title page's title (`docTitle`/`titlePart`): the title block, its `lb`s its lines.
    pub(super) fn title(&mut self, node: Node<'a, 'input>) {
        self.in_heading = true;
        self.begin(BlockKind::Title, &node);
        let parts: Vec<_> = node
            .descendants()
            .filter(|d| d.is_element() && name(d) == "titlePart")
            .collect();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                self.line_break();
            }
            self.inline(*part);
        }
        if parts.is_empty() {
            self.inline(node);
        }
        self.end();
        self.in_heading = false;
    }

    /// A facing translation's `div`: its `head type="title"` is the title, the rest its text.
    pub(super) fn translation(&mut self, div: Node<'a, 'input>) {
        for child in div.children().filter(|c| c.is_element()) {
            if name(&child) == "head" && child.attribute("type") == Some("title") {
                self.title(child);
            } else {
                self.block(child);
            }
        }
    }

    /// A container of blocks (`body`, `div`, `group` …).
    pub(super) fn blocks(&mut self, node: Node<'a, 'input>) {
        for child in node.children() {
            if child.is_text() {
                // Text between blocks: a paragraph of its own, continued by the inline
                // elements that follow it.
                self.push_text(child.text().unwrap_or_default());
                continue;
            }
            if !child.is_element() {
                continue;
            }
            self.block(child);
        }
    }

    fn block(&mut self, child: Node<'a, 'input>) {
        let at = child.range().start;
        match name(&child) {
            "div" | "div1" | "div2" | "div3" | "div4" | "div5" | "div6" | "div7" => {
                self.depth += 1;
                self.blocks(child);
                self.depth -= 1;
            }
            "head" => {
                self.in_heading = true;
                let level = self.depth.clamp(1, 6);
                self.begin(BlockKind::Heading(level), &child);
                self.inline(child);
                self.end();
                self.in_heading = false;
            }
            "pb" => self.waiting.push(Waiting::PageBreak(child)),
            "anchor" => {
                if let Some(id) = xml_id(&child) {
                    self.waiting.push(Waiting::Anchor(id.to_string()));
                }
            }
            "milestone" if is_page_milestone(&child) => {
                self.waiting.push(Waiting::PageBreak(child))
            }
            "milestone" if is_section_milestone(&child) => {
                self.waiting.push(Waiting::Section(child))
            }
            "note" => self.block_note(child),
            "lg" => self.verse_group(child),
            "l" => self.verse(child),
            "lb" | "cb" | "milestone" => {}
            // Inline elements between blocks (a collation of `app`s straight in the body):
            // they continue the paragraph in progress.
            "app" | "w" | "seg" | "choice" | "hi" | "name" | "persName" | "placeName"
                if !has_block_children(&child) =>
            {
                if self.current.is_none() {
                    self.begin(BlockKind::Paragraph, &child);
                }
                self.inline_element(child);
            }
            "app" => {
                self.report.skipped(
                    "an `app` around whole paragraphs",
                    "keeps its lemma's text; its readings are not kept",
                    at,
                );
                let base = self.base_part(child);
                match base {
                    Some(b) => self.blocks(b.node),
                    None => self.blocks(child),
                }
            }
            "group" | "text" | "body" | "floatingText" | "front" | "back" => self.blocks(child),
            n if NOT_TEXT.contains(&n) || n == "witDetail" || n == "listBibl" => {
                self.report.skipped(
                    &format!("`<{n}>`"),
                    "is not part of the text and is not kept",
                    at,
                )
            }
            _ if has_block_children(&child) => self.blocks(child),
            _ => self.paragraph(child),
        }
    }

    /// A group of verses (`lg`): a stanza where it holds verses, a poem where it stands
    /// outside another `lg` and is a poem or follows what is not verse.
    fn verse_group(&mut self, node: Node<'a, 'input>) {
        let nested = node.parent_element().is_some_and(|p| name(&p) == "lg");
        let after_verse = self
            .out
            .blocks
            .last()
            .is_some_and(|b| matches!(b.kind, BlockKind::Verse(_)))
            && self.current.is_none();
        if !nested && (node.attribute("type") == Some("poem") || !after_verse) {
            self.poem = true;
        }
        if node.children().any(|c| c.is_element() && name(&c) == "l") {
            self.stanza = true;
        }
        self.blocks(node);
    }

    /// A verse (`l`): a block of its own; `rend="indent(N)"` its indentation in spaces.
    fn verse(&mut self, node: Node<'a, 'input>) {
        let indent = node
            .attribute("rend")
            .and_then(|r| r.strip_prefix("indent(")?.strip_suffix(')')?.parse().ok())
            .unwrap_or(0);
        let after_verse = self
            .out
            .blocks
            .last()
            .is_some_and(|b| matches!(b.kind, BlockKind::Verse(_)));
        let poem = std::mem::take(&mut self.poem) || !after_verse;
        let stanza = std::mem::take(&mut self.stanza) || poem;
        let kind = BlockKind::Verse(Verse {
            indent,
            stanza,
            poem,
            ends_poem: false,
        });
        self.begin(kind, &node);
        self.inline(node);
        self.end();
    }

    fn paragraph(&mut self, node: Node<'a, 'input>) {
        self.begin(BlockKind::Paragraph, &node);
        if node.is_text() {
            self.push_text(node.text().unwrap_or_default());
        } else {
            self.inline(node);
        }
        self.end();
    }

    /// A note between blocks: on the last words of the block before (or the first of the
    /// next when none precedes).
    fn block_note(&mut self, node: Node<'a, 'input>) {
        let block = self.out.blocks.len().saturating_sub(1);
        let pos = self.out.blocks.last().map_or(0, |b| b.text.len());
        self.note_at(node, block, pos);
    }

    fn begin(&mut self, kind: BlockKind, node: &Node) {
        self.end();
        self.current = Some(Block {
            kind,
            text: String::new(),
            line_starts: vec![],
            at: node.range().start,
        });
        self.pending_space = false;
        for w in std::mem::take(&mut self.waiting) {
            match w {
                Waiting::PageBreak(pb) => self.page_break(pb),
                Waiting::Section(m) => self.section(m),
                Waiting::Anchor(id) => {
                    let block = self.out.blocks.len();
                    self.ids.insert(id, Place::Point(block, 0));
                }
            }
        }
    }

    /// Close the block in progress (dropped when it holds no text).
    fn end(&mut self) {
        if let Some(b) = self.current.take() {
            if b.text.is_empty() {
                self.report.skipped(
                    "an empty block",
                    "is not kept (a base text has no empty paragraphs)",
                    b.at,
                );
                let block = self.out.blocks.len();
                self.out.entries.retain(|e| e.block != block);
                self.out.margins.retain(|m| m.block != block);
                self.out.milestones.retain(|m| m.block != block);
                self.out.sections.retain(|m| m.block != block);
                self.index_marks.retain(|m| m.block != block);
                self.notes.retain(|n| n.block != block);
                return;
            }
            self.out.blocks.push(b);
        }
    }

    // ---- Text -----------------------------------------------------------------------------

    fn block_index(&self) -> usize {
        self.out.blocks.len()
    }

    /// Where the next character will stand.
    fn mark(&self) -> usize {
        let text = self.current.as_ref().map_or("", |b| b.text.as_str());
        // After a Chinese or Japanese character no space will be written before another.
        let after_cjk = text.chars().next_back().is_some_and(is_cjk);
        if self.pending_space && !text.is_empty() && !after_cjk {
            text.len() + 1
        } else {
            text.len()
        }
    }

    /// Where the text written so far ends.
    fn end_pos(&self) -> usize {
        self.current.as_ref().map_or(0, |b| b.text.len())
    }

    fn push_text(&mut self, s: &str) {
        if self.current.is_none() {
            if s.chars().all(is_space) {
                return;
            }
            self.current = Some(Block {
                kind: BlockKind::Paragraph,
                text: String::new(),
                line_starts: vec![],
                at: 0,
            });
        }
        let mut pending = self.pending_space;
        let Some(block) = self.current.as_mut() else {
            return;
        };
        for c in s.chars() {
            if is_space(c) {
                pending = true;
            } else {
                let after_cjk = block.text.chars().next_back().is_some_and(is_cjk);
                if pending && !block.text.is_empty() && !(after_cjk && is_cjk(c)) {
                    block.text.push(' ');
                }
                pending = false;
                block.text.push(c);
            }
        }
        self.pending_space = pending;
    }

    fn line_break(&mut self) {
        self.pending_space = true;
        let pos = self.mark();
        if let Some(b) = self.current.as_mut()
            && b.kind == BlockKind::Title
        {
            b.line_starts.push(pos);
        }
    }

    /// The children of `node` into the block in progress.
    fn inline(&mut self, node: Node<'a, 'input>) {
        for child in node.children() {
            if child.is_text() {
                self.push_text(child.text().unwrap_or_default());
            } else if child.is_element() {
                self.inline_element(child);
            }
        }
    }

    fn inline_element(&mut self, el: Node<'a, 'input>) {
        let at = el.range().start;
        let start = self.mark();
        match name(&el) {
            "app" => self.app(el),
            "index" => self.index(el),
            "note" => {
                let (block, pos) = (self.block_index(), self.end_pos());
                self.note_at(el, block, pos);
            }
            "pb" => self.page_break(el),
            "milestone" if is_page_milestone(&el) => self.page_break(el),
            "milestone" if is_section_milestone(&el) => self.section(el),
            "lb" => {
                if el.attribute("break") != Some("no") {
                    self.line_break();
                }
            }
            "anchor" => {}
            "space" => self.push_text(" "),
            "w" => {
                // A word: spaces around it, whether the XML has them or not.
                self.pending_space = true;
                self.inline(el);
                self.pending_space = true;
            }
            "choice" => self.choice(el),
            "gap" => {
                self.report.plain("`<gap>`", "is printed as `[…]`", at);
                self.push_text(" […] ");
            }
            "del" => {
                self.report
                    .skipped("`<del>`", "(deleted text) is not part of the base text", at)
            }
            "witDetail" => self.report.skipped("`<witDetail>`", "is not kept", at),
            "lem" | "rdg" | "rdgGrp" => {
                self.report.plain(
                    &format!("`<{}>` outside an `app`", name(&el)),
                    "is read as text",
                    at,
                );
                self.inline(el);
            }
            n if NOT_TEXT.contains(&n) => self.report.skipped(
                &format!("`<{n}>`"),
                "is not part of the text and is not kept",
                at,
            ),
            n => {
                if MARKUP_NOTED.contains(&n) {
                    self.report.plain(
                        &format!("`<{n}>`"),
                        "is kept as its text (the markup is not)",
                        at,
                    );
                } else if !AS_TEXT.contains(&n) {
                    self.report.plain(
                        &format!("`<{n}>`"),
                        "is not known to the import and is kept as its text",
                        at,
                    );
                }
                self.inline(el);
            }
        }
        if let Some(id) = xml_id(&el) {
            let block = self.block_index();
            let place = if name(&el) == "anchor" {
                Place::Point(block, start)
            } else {
                Place::Span(block, start..self.end_pos().max(start))
            };
            self.ids.insert(id.to_string(), place);
        }
    }

    /// `choice`: the editor's side (`corr`, `reg`, `expan`), else the first child.
    fn choice(&mut self, el: Node<'a, 'input>) {
        let children: Vec<_> = el.children().filter(|c| c.is_element()).collect();
        let preferred = ["corr", "reg", "expan"];
        let chosen = preferred
            .iter()
            .find_map(|p| children.iter().find(|c| name(c) == *p))
            .or(children.first());
        if let Some(c) = chosen {
            if children.len() > 1 {
                self.report.plain(
                    "`<choice>`",
                    &format!("keeps its `<{}>`; the other side is not kept", name(c)),
                    el.range().start,
                );
            }
            self.inline(*c);
        }
    }

    fn page_break(&mut self, pb: Node<'a, 'input>) {
        let at = pb.range().start;
        let witness = match self.page_break_witness(&pb) {
            Some(w) => w,
            None => self.mode.base().to_string(),
        };
        let n = pb.attribute("n").unwrap_or_default().to_string();
        let (block, pos) = (self.block_index(), self.mark());
        if self.current.is_none() {
            self.waiting.push(Waiting::PageBreak(pb));
            return;
        }
        self.out.milestones.push(Milestone {
            block,
            pos,
            witness,
            n,
            at,
        });
    }

    /// An index entry where its words begin; its end is resolved when every id is known.
    fn index(&mut self, el: Node<'a, 'input>) {
        let at = el.range().start;
        fn term<'a, 'input>(n: &Node<'a, 'input>) -> Option<Node<'a, 'input>> {
            n.children().find(|c| c.is_element() && name(c) == "term")
        }
        let Some(headword) = term(&el) else {
            self.report
                .skipped("an `<index>` without a `<term>`", "is not kept", at);
            return;
        };
        let words = |t: &Node| crate::text::normalize(&super::wits::text_of(t));
        let sub = el
            .children()
            .find(|c| c.is_element() && name(c) == "index")
            .and_then(|i| term(&i))
            .map(|t| words(&t));
        let entry = IndexEntry {
            block: self.block_index(),
            range: 0..0,
            index: el.attribute("indexName").unwrap_or_default().to_string(),
            headword: words(&headword),
            sub,
            sort: headword.attribute("sortKey").map(str::to_string),
        };
        self.index_marks.push(IndexMark {
            block: entry.block,
            pos: self.mark(),
            end: el
                .attribute("spanTo")
                .map(|s| s.trim_start_matches('#').to_string()),
            entry,
            at,
        });
    }

    /// The index entries with their words: to the `spanTo` anchor in the same block, or
    /// (without one) the word after the `index`.
    fn place_index_entries(&mut self) {
        for m in std::mem::take(&mut self.index_marks) {
            let end = match m.end.as_deref().map(|id| self.ids.get(id)) {
                None => m.pos,
                Some(Some(Place::Point(b, p))) if *b == m.block && *p >= m.pos => *p,
                Some(_) => {
                    self.report.skipped(
                        "an `<index>` whose `spanTo` is not an anchor after it in its block",
                        "is not kept",
                        m.at,
                    );
                    continue;
                }
            };
            let mut entry = m.entry;
            entry.range = m.pos..end;
            self.out.index_entries.push(entry);
        }
    }

    /// A section of the reference system begins: `<milestone unit="section" n="3"/>`.
    fn section(&mut self, m: Node<'a, 'input>) {
        let at = m.range().start;
        let n = m.attribute("n").unwrap_or_default().trim().to_string();
        if n.is_empty() {
            self.report
                .skipped("a section milestone without `n`", "is not kept", at);
            return;
        }
        if self.current.is_none() {
            self.waiting.push(Waiting::Section(m));
            return;
        }
        let (block, pos) = (self.block_index(), self.mark());
        self.out.sections.push(Milestone {
            block,
            pos,
            witness: String::new(),
            n,
            at,
        });
    }

    fn page_break_witness(&mut self, pb: &Node) -> Option<String> {
        let at = pb.range().start;
        if let Some(r) = pointers(pb.attribute("edRef")).first() {
            return self.wits.siglum_of(r, at, self.report);
        }
        let ed = pointers(pb.attribute("ed")).into_iter().next()?;
        self.wits.siglum_of(&ed, at, self.report)
    }

    // ---- Notes ----------------------------------------------------------------------------

    fn note_at(&mut self, node: Node<'a, 'input>, block: usize, pos: usize) {
        let place = node.attribute("place").unwrap_or_default();
        let margin = place.starts_with("margin") || place == "left" || place == "right";
        let text = plain_text(node, &self.mode, self.wits, self.report);
        if text.is_empty() {
            self.report
                .skipped("an empty `<note>`", "is not kept", node.range().start);
            return;
        }
        let series = match node.attribute("type") {
            Some(t) if self.series_kind(t).is_some_and(|k| k != "critical") => t.to_string(),
            _ => "commentary".to_string(),
        };
        let target = pointers(node.attribute("target")).into_iter().next();
        let end = pointers(node.attribute("targetEnd")).into_iter().next();
        self.notes.push(PendingNote {
            margin,
            series,
            text,
            target: target.map(|t| (t, end)),
            block,
            pos,
            at: node.range().start,
            label: None,
        });
    }

    /// Notes of a back-matter `div` of notes (`type="commentary"`, `n` the series).
    pub(super) fn back_notes(&mut self, div: Node<'a, 'input>, series: &str) {
        for note in div
            .descendants()
            .filter(|d| d.is_element() && name(d) == "note")
        {
            let text = plain_text(note, &self.mode, self.wits, self.report);
            let target = pointers(note.attribute("target")).into_iter().next();
            let Some(target) = target else {
                self.report.skipped(
                    "a `<note>` of the back matter without `target`",
                    "is not kept",
                    note.range().start,
                );
                continue;
            };
            let end = pointers(note.attribute("targetEnd")).into_iter().next();
            self.notes.push(PendingNote {
                margin: false,
                series: series.to_string(),
                text,
                target: Some((target, end)),
                block: 0,
                pos: 0,
                at: note.range().start,
                label: note.attribute("n").map(str::to_string),
            });
        }
    }

    /// `app`s attached by anchors (`from`/`to`), in a `listApp` or anywhere.
    pub(super) fn detached_app(&mut self, app: Node<'a, 'input>) {
        let series = self.app_series(&app);
        self.apps.push(PendingApp { node: app, series });
    }

    // ---- Apparatus entries ----------------------------------------------------------------

    fn app_series(&self, app: &Node) -> String {
        match app.attribute("type") {
            Some(t) if self.series_kind(t) == Some("critical") => t.to_string(),
            _ => "critical".to_string(),
        }
    }

    fn app(&mut self, app: Node<'a, 'input>) {
        if app.has_attribute("from") {
            self.detached_app(app);
            return;
        }
        let at = app.range().start;
        let parts = parts(app, self.wits, self.report);
        let Some(base) = choose_base(&parts, &self.mode) else {
            self.report
                .skipped("an `<app>` without readings", "is not kept", at);
            return;
        };
        let start = self.mark();
        match sign(&parts[base.index], self.wits) {
            Some(sign) => self.sign_lemma(parts[base.index].node, &sign),
            None => self.inline(parts[base.index].node),
        }
        // An empty base reading stands where the text ends (before a pending space).
        let end = self.end_pos();
        let start = start.min(end);
        let block = self.block_index();
        let ids = std::iter::once(app).chain(parts.iter().map(|p| p.node));
        for id in ids.filter_map(|n| xml_id(&n)) {
            self.ids
                .insert(id.to_string(), Place::Span(block, start..end));
        }
        for child in app.children().filter(|c| c.is_element()) {
            match name(&child) {
                "note" => {
                    let block = self.block_index();
                    self.note_at(child, block, end);
                }
                "witDetail" if detail_state(&child).is_none() => {
                    self.report
                        .skipped("`<witDetail>`", "is not kept", child.range().start)
                }
                _ => {}
            }
        }
        if self.in_heading {
            self.report.skipped(
                "an `<app>` in a title or heading",
                "keeps its base reading; its readings are not kept",
                at,
            );
            return;
        }
        let lemma = self.current.as_ref().map_or("", |b| &b.text)[start..end].to_string();
        let series = self.app_series(&app);
        if let Some(body) = self.entry_body(&parts, &base, &lemma, at) {
            self.out.entries.push(Entry {
                series,
                block: self.block_index(),
                end_block: self.block_index(),
                range: start..end,
                body,
                at,
                forward: false,
                label: None,
            });
        }
    }

    /// A lemma with an editorial sign: its words, without the words supplied or the gap
    /// marked (a deletion's or crux's words are the base text's).
    fn sign_lemma(&mut self, lem: Node<'a, 'input>, sign: &Sign<'a, 'input>) {
        for child in lem.children() {
            if child.is_text() {
                self.push_text(child.text().unwrap_or_default());
            } else if child == sign.node {
                if matches!(sign.kind, SignKind::Deletion | SignKind::Crux) {
                    self.inline(child);
                }
            } else if child.is_element() {
                self.inline_element(child);
            }
        }
    }

    /// What an `app` records: a lacuna, an editorial sign with the other readings, or the
    /// readings (`None` when none differs).
    fn entry_body(&mut self, parts: &[Part], base: &Base, lemma: &str, at: usize) -> Option<Body> {
        // A lacuna's record stands alone beside the lemma; among other readings, a
        // `lacunaStart`/`lacunaEnd` is reported and the readings kept.
        match lacuna(parts) {
            Some(lacuna) if parts.len() == 2 => return Some(lacuna),
            Some(_) => self.report.plain(
                "a `lacunaStart` or `lacunaEnd` among other readings",
                "is not kept as a lacuna (the readings are)",
                at,
            ),
            None => {}
        }
        let Some(sign) = sign(&parts[base.index], self.wits) else {
            return body(parts, base, lemma, &self.mode, self.wits, self.report, at);
        };
        let others = parts.len() > 1;
        let readings = others
            .then(|| body(parts, base, lemma, &self.mode, self.wits, self.report, at))
            .flatten();
        let readings = match readings {
            Some(Body::Readings(rs)) => rs,
            _ => vec![],
        };
        Some(Body::Sign {
            kind: sign.kind,
            text: sign.text,
            resp: sign.resp,
            readings,
        })
    }

    /// The reading the text follows, for `app`s around blocks.
    fn base_part(&mut self, app: Node<'a, 'input>) -> Option<Part<'a, 'input>> {
        let parts = parts(app, self.wits, self.report);
        let base = choose_base(&parts, &self.mode)?;
        parts.into_iter().nth(base.index)
    }

    // ---- Finishing ------------------------------------------------------------------------

    /// Everything read, with the notes and detached entries placed.
    pub(super) fn finish(mut self) -> Walked {
        self.end();
        for w in std::mem::take(&mut self.waiting) {
            match w {
                Waiting::PageBreak(pb) => self.report.skipped(
                    "a `<pb>` after the last words",
                    "is not kept",
                    pb.range().start,
                ),
                Waiting::Section(m) => self.report.skipped(
                    "a section milestone after the last words",
                    "is not kept",
                    m.range().start,
                ),
                Waiting::Anchor(_) => {}
            }
        }
        for app in std::mem::take(&mut self.apps) {
            self.place_detached(app);
        }
        for note in std::mem::take(&mut self.notes) {
            self.place_note(note);
        }
        self.place_index_entries();
        self.out.anchor_points = self
            .ids
            .iter()
            .filter_map(|(id, place)| match place {
                Place::Point(b, p) => Some((id.clone(), (*b, *p))),
                Place::Span(..) => None,
            })
            .collect();
        self.out
    }

    /// Where a target (with its end) begins and ends: its first block, its last, and the
    /// range from an offset of the first to an offset of the last.
    fn resolve_across(
        &self,
        target: &str,
        end: Option<&str>,
    ) -> Option<(usize, usize, Range<usize>)> {
        let (block, range) = match self.ids.get(target)? {
            Place::Point(b, p) => (*b, *p..*p),
            Place::Span(b, r) => (*b, r.clone()),
        };
        let Some(end) = end else {
            return Some((block, block, range));
        };
        let (end_block, end_pos) = match self.ids.get(end)? {
            Place::Point(b, p) => (*b, *p),
            Place::Span(b, r) => (*b, r.end),
        };
        let ordered = end_block > block || (end_block == block && end_pos >= range.start);
        let in_text = end_block < self.out.blocks.len();
        (ordered && in_text).then_some((block, end_block, range.start..end_pos))
    }

    /// The words of a range from block `block` to block `end_block`, blocks joined by a
    /// space.
    fn text_across(&self, block: usize, end_block: usize, range: &Range<usize>) -> String {
        if block == end_block {
            return self.out.blocks[block].text[range.clone()].to_string();
        }
        let blocks = &self.out.blocks;
        let mut out = blocks[block].text[range.start..].to_string();
        for b in &blocks[block + 1..end_block] {
            out.push(' ');
            out.push_str(&b.text);
        }
        out.push(' ');
        out.push_str(&blocks[end_block].text[..range.end]);
        out
    }

    fn place_detached(&mut self, app: PendingApp<'a, 'input>) {
        let at = app.node.range().start;
        let from = pointers(app.node.attribute("from"));
        let to = pointers(app.node.attribute("to"));
        let found = from
            .first()
            .and_then(|f| self.resolve_across(f, to.first().map(String::as_str)));
        let Some((block, end_block, range)) = found else {
            self.report.skipped(
                "an `<app>` whose `from`/`to` point at no anchors of the text",
                "is not kept",
                at,
            );
            return;
        };
        let parts = parts(app.node, self.wits, self.report);
        let Some(base) = choose_base(&parts, &self.mode) else {
            return;
        };
        let range = if block == end_block {
            trim_range(&self.out.blocks[block].text, range)
        } else {
            range
        };
        let lemma = self.text_across(block, end_block, &range);
        if let Some(body) = self.entry_body(&parts, &base, &lemma, at) {
            self.out.entries.push(Entry {
                series: app.series,
                block,
                end_block,
                range,
                body,
                at,
                forward: false,
                label: None,
            });
        }
    }

    fn place_note(&mut self, note: PendingNote) {
        let to_point = note.target.as_ref().is_some_and(|(t, end)| {
            end.is_none() && matches!(self.ids.get(t), Some(Place::Point(..)))
        });
        let (block, end_block, range) = match &note.target {
            Some((t, end)) => match self.resolve_across(t, end.as_deref()) {
                Some(found) => found,
                None => {
                    self.report.skipped(
                        "a `<note>` whose `target` is not in the text",
                        "is not kept",
                        note.at,
                    );
                    return;
                }
            },
            None => (note.block, note.block, note.pos..note.pos),
        };
        let Some(b) = self.out.blocks.get(block) else {
            self.report
                .skipped("a `<note>` outside the text", "is not kept", note.at);
            return;
        };
        let range = if block == end_block {
            trim_range(&b.text, range)
        } else {
            range
        };
        if note.margin && block != end_block {
            self.report.skipped(
                "a margin `<note>` on words across blocks",
                "is not kept",
                note.at,
            );
        } else if note.margin {
            self.out.margins.push(Margin {
                block,
                range,
                text: note.text,
            });
        } else {
            let title = if note.series == "commentary" {
                "Commentary"
            } else {
                &note.series
            };
            let title = title.to_string();
            self.declare_series(&note.series, &title, "commentary");
            self.out.entries.push(Entry {
                series: note.series,
                block,
                end_block,
                range,
                body: Body::Note(note.text),
                at: note.at,
                forward: to_point,
                label: note.label,
            });
        }
    }
}

fn is_section_milestone(n: &Node) -> bool {
    n.attribute("unit") == Some("section")
}

fn is_page_milestone(n: &Node) -> bool {
    matches!(
        n.attribute("unit"),
        Some("page" | "folio" | "leaf" | "fol" | "p")
    )
}

fn has_block_children(n: &Node) -> bool {
    const BLOCKS: &[&str] = &[
        "p",
        "ab",
        "div",
        "head",
        "lg",
        "sp",
        "list",
        "table",
        "div1",
        "div2",
        "div3",
        "floatingText",
        "quote",
    ];
    n.children().any(|c| {
        c.is_element()
            && BLOCKS.contains(&name(&c))
            && (name(&c) != "quote" || has_block_children(&c))
    })
}

/// The largest character boundary of `text` at or before `pos`.
pub(super) fn floor_boundary(text: &str, pos: usize) -> usize {
    let mut pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

/// `range` inside `text`, on character boundaries, without spaces at its ends.
pub(super) fn trim_range(text: &str, range: Range<usize>) -> Range<usize> {
    let end = floor_boundary(text, range.end);
    let start = floor_boundary(text, range.start.min(end));
    let s = &text[start..end];
    let lead = s.len() - s.trim_start_matches(' ').len();
    let trail = s.len() - s.trim_end_matches(' ').len();
    if lead == s.len() {
        return start..start;
    }
    start + lead..end - trail
}

// ---- Readings -------------------------------------------------------------------------------

/// A `lem` or `rdg` of an `app` (those of its `rdgGrp`s included).
#[derive(Clone)]
pub(super) struct Part<'a, 'input> {
    node: Node<'a, 'input>,
    index: usize,
    lem: bool,
    wits: Vec<String>,
    kind: String,
    resp: Vec<String>,
}

fn parts<'a, 'input>(
    app: Node<'a, 'input>,
    wits: &mut Witnesses,
    report: &mut Report,
) -> Vec<Part<'a, 'input>> {
    let mut out = vec![];
    collect_parts(app, wits, report, &mut out);
    out
}

fn collect_parts<'a, 'input>(
    node: Node<'a, 'input>,
    wits: &mut Witnesses,
    report: &mut Report,
    out: &mut Vec<Part<'a, 'input>>,
) {
    for child in node.children().filter(|c| c.is_element()) {
        match name(&child) {
            "lem" | "rdg" => {
                let at = child.range().start;
                let sigla = pointers(child.attribute("wit"))
                    .iter()
                    .flat_map(|w| wits.expand(w, at, report))
                    .collect();
                out.push(Part {
                    node: child,
                    index: out.len(),
                    lem: name(&child) == "lem",
                    wits: sigla,
                    kind: child.attribute("type").unwrap_or_default().to_string(),
                    resp: pointers(child.attribute("resp").or(child.attribute("source"))),
                });
            }
            "rdgGrp" => collect_parts(child, wits, report, out),
            _ => {}
        }
    }
    for detail in node
        .children()
        .filter(|c| c.is_element() && name(c) == "witDetail")
    {
        cite_states(&detail, wits, out);
    }
}

/// The state a `witDetail` gives its witnesses in a reading: `ac` (`type =
/// "ante-correctionem"`), `pc` (`post-correctionem`), or the hand `n` (`type="hand"`).
pub(super) fn detail_state(detail: &Node) -> Option<String> {
    match detail.attribute("type")? {
        "ante-correctionem" => Some("ac".into()),
        "post-correctionem" => Some("pc".into()),
        "hand" => detail.attribute("n").map(str::to_string),
        _ => None,
    }
}

/// A `witDetail` of a correction state or hand: the reading it targets cites its witnesses
/// so (`A` → `A^ac`).
fn cite_states(detail: &Node, wits: &Witnesses, parts: &mut [Part]) {
    let Some(state) = detail_state(detail) else {
        return;
    };
    let targets = pointers(detail.attribute("target"));
    let sigla: Vec<String> = pointers(detail.attribute("wit"))
        .iter()
        .filter_map(|w| wits.siglum(w))
        .collect();
    for part in parts
        .iter_mut()
        .filter(|p| xml_id(&p.node).is_some_and(|id| targets.iter().any(|t| t == id)))
    {
        for w in part.wits.iter_mut().filter(|w| sigla.contains(w)) {
            *w = format!("{w}^{state}");
        }
    }
}

/// An editorial sign of a lemma (`lem type="sign"`): its kind, the element that says so
/// (`supplied`, `surplus`, `sic`, `gap`), the words supplied, and who proposed it.
struct Sign<'a, 'input> {
    kind: SignKind,
    node: Node<'a, 'input>,
    text: Option<String>,
    resp: Option<String>,
}

fn sign<'a, 'input>(lem: &Part<'a, 'input>, wits: &Witnesses) -> Option<Sign<'a, 'input>> {
    if !lem.lem || lem.kind != "sign" {
        return None;
    }
    lem.node
        .children()
        .filter(|c| c.is_element())
        .find_map(|c| {
            let kind = match name(&c) {
                "supplied" => SignKind::Supplement,
                "surplus" => SignKind::Deletion,
                "sic" => SignKind::Crux,
                "gap" => SignKind::Lacuna,
                _ => return None,
            };
            let text = (kind == SignKind::Supplement)
                .then(|| crate::text::normalize(&super::wits::text_of(&c)));
            let resp = pointers(c.attribute("resp"))
                .first()
                .map(|r| wits.person(r));
            Some(Sign {
                kind,
                node: c,
                text,
                resp,
            })
        })
}

/// A witness's lacuna recorded by an `app`: a reading holding `lacunaStart` (the lacuna
/// begins at the lemma) or `lacunaEnd` (the witness resumes there).
fn lacuna(parts: &[Part]) -> Option<Body> {
    parts.iter().find_map(|p| {
        let marker = p
            .node
            .descendants()
            .find(|d| d.is_element() && matches!(name(d), "lacunaStart" | "lacunaEnd"))?;
        let words = marker.attribute("n").and_then(|n| n.parse().ok());
        Some(Body::Lacuna {
            witness: p.wits.first()?.clone(),
            resumes: name(&marker) == "lacunaEnd",
            words: words.filter(|&n| n > 0).unwrap_or(1),
        })
    })
}

/// The index of the base reading and whether the `app` is an emendation (an editor's `lem`
/// over the base witness's reading).
struct Base {
    index: usize,
    emendation: bool,
}

fn editorial(p: &Part) -> bool {
    p.lem
        && (p.wits.is_empty()
            || matches!(p.kind.as_str(), "emendation" | "conjecture" | "correction"))
}

fn empty(p: &Part) -> bool {
    super::wits::text_of(&p.node).trim().is_empty()
}

fn choose_base(parts: &[Part], mode: &Mode) -> Option<Base> {
    let lem = parts.iter().position(|p| p.lem);
    let of_base = parts
        .iter()
        .position(|p| p.wits.iter().any(|w| w == mode.base()));
    let base = match mode {
        Mode::Lemma { .. } => match (lem, of_base) {
            // An editor's empty lemma (a deletion) is no emendation: apparat omits words
            // with a reading.
            (Some(l), Some(b)) if editorial(&parts[l]) && !parts[b].lem && !empty(&parts[l]) => {
                Base {
                    index: b,
                    emendation: true,
                }
            }
            (Some(l), _) => Base {
                index: l,
                emendation: false,
            },
            (None, _) => Base {
                index: of_base.or(if parts.is_empty() { None } else { Some(0) })?,
                emendation: false,
            },
        },
        Mode::Witness(_) => Base {
            index: of_base
                .or(lem)
                .or(if parts.is_empty() { None } else { Some(0) })?,
            emendation: false,
        },
    };
    Some(base)
}

/// The entry's body: the readings other than the base (and, for an emendation, the
/// editor's text). `None` when no reading differs.
fn body(
    parts: &[Part],
    base: &Base,
    lemma: &str,
    mode: &Mode,
    wits: &mut Witnesses,
    report: &mut Report,
    at: usize,
) -> Option<Body> {
    let mut readings = vec![];
    let base_part = &parts[base.index];
    // Witnesses that agree with the base witness in its reading.
    let others: Vec<String> = base_part
        .wits
        .iter()
        .filter(|w| *w != mode.base())
        .cloned()
        .collect();
    let mut emend_text = None;
    for p in parts {
        if p.index == base.index {
            continue;
        }
        let text = plain_text(p.node, mode, wits, report);
        if base.emendation && editorial(p) {
            emend_text = Some(text);
            continue;
        }
        match reading(p, text, lemma, wits, report) {
            Some(r) => readings.push(r),
            None => report.skipped(
                "a reading without witnesses",
                "is not kept",
                p.node.range().start,
            ),
        }
    }
    if let Some(text) = emend_text {
        if !others.is_empty() {
            readings.insert(
                0,
                Reading::Var {
                    wit: others,
                    text: lemma.to_string(),
                },
            );
        }
        return Some(Body::Emend { text, readings });
    }
    if readings.is_empty() {
        report.plain(
            "an `<app>` whose readings all agree with the base text",
            "has no entry",
            at,
        );
        return None;
    }
    Some(Body::Readings(readings))
}

fn reading(
    p: &Part,
    text: String,
    lemma: &str,
    wits: &mut Witnesses,
    _report: &mut Report,
) -> Option<Reading> {
    let wit = p.wits.clone();
    let conjecture = p.kind == "conjecture" || (wit.is_empty() && (p.lem || !p.resp.is_empty()));
    if conjecture {
        let by = p
            .resp
            .first()
            .map(|r| wits.person(r))
            .unwrap_or_else(|| "edd.".to_string());
        return Some(Reading::Conj { by, text });
    }
    if wit.is_empty() {
        return None;
    }
    Some(match p.kind.as_str() {
        "transposition" => Reading::Transp { wit, text },
        "addition" if added(&text, lemma).is_some() => Reading::Add {
            text: added(&text, lemma).unwrap_or_default().to_string(),
            wit,
        },
        _ if text.is_empty() => Reading::Om { wit },
        _ => Reading::Var { wit, text },
    })
}

/// The words an addition adds after the lemma (`lemma added words`).
fn added<'t>(text: &'t str, lemma: &str) -> Option<&'t str> {
    text.strip_prefix(lemma)?.strip_prefix(' ')
}

/// The text of an element as a reading or note reads it: whitespace normalised, `choice`
/// on its editor's side, nested `app`s on their base reading, notes and deletions left out.
pub(super) fn plain_text(
    node: Node,
    mode: &Mode,
    wits: &mut Witnesses,
    report: &mut Report,
) -> String {
    let mut out = String::new();
    plain_into(node, mode, wits, report, &mut out);
    crate::text::normalize(&out)
}

fn plain_into(
    node: Node,
    mode: &Mode,
    wits: &mut Witnesses,
    report: &mut Report,
    out: &mut String,
) {
    for child in node.children() {
        if child.is_text() {
            out.push_str(child.text().unwrap_or_default());
            continue;
        }
        if !child.is_element() {
            continue;
        }
        match name(&child) {
            "note" | "del" | "witDetail" | "pb" | "cb" | "milestone" | "anchor" | "fw"
            | "index" => {}
            "lb" if child.attribute("break") == Some("no") => {}
            "lb" | "space" => out.push(' '),
            "w" => {
                out.push(' ');
                plain_into(child, mode, wits, report, out);
                out.push(' ');
            }
            "gap" => out.push_str(" […] "),
            "app" => {
                let parts = parts(child, wits, report);
                if let Some(b) = choose_base(&parts, mode) {
                    plain_into(parts[b.index].node, mode, wits, report, out);
                }
            }
            "choice" => {
                let children: Vec<_> = child.children().filter(|c| c.is_element()).collect();
                let chosen = ["corr", "reg", "expan"]
                    .iter()
                    .find_map(|p| children.iter().find(|c| name(c) == *p))
                    .or(children.first());
                if let Some(c) = chosen {
                    plain_into(*c, mode, wits, report, out);
                }
            }
            _ => plain_into(child, mode, wits, report, out),
        }
    }
}
