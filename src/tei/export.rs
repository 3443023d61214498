//! The TEI P5 document of an edition.
//!
//! The text is the base text's reading model (what `source.txt` says, lines joined), so every
//! quotation of the spec can be found in it again; what the edition prints differently is
//! encoded as TEI does: an emendation is an `app` whose `lem` is the editor's (`resp`,
//! `type="emendation"`) and whose `rdg` is the base witness's text.
//!
//! Entries of different series may cross, which XML elements cannot. Each entry is therefore
//! kept in one of two ways, both TEI's (see the README): *parallel segmentation* — the `app`
//! (or the `seg` a note points at) stands in the text around its lemma — wherever it nests
//! with the elements already placed; where it would cross one, *double-end-point
//! attachment* — two `anchor`s in the text and the `app` (`from`, `to`) or note (`target`,
//! `targetEnd`) in the back matter. Apparatus entries are placed before notes, so they are
//! the ones that stay in the text.

use std::collections::HashMap;
use std::ops::Range;

use super::xml::Xml;
use super::{TEI_NS, is_plain_id};
use crate::Resolved;
use crate::diag::Result;
use crate::spec::{
    Citation, EntryBody, LabelTarget, Reading, ReadingType, SeriesKind, SeriesText, SignKind, Spec,
    State,
};
use crate::text::{BlockKind, normalize};

/// Writes the lemma's base text as an element (`lem` or `rdg`) with attributes.
type BaseText<'a> = dyn Fn(&mut Xml, &str, &[(&str, &str)]) + 'a;

/// What a span of the text carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A critical entry (index into `spec.entries`): an `app`.
    App(usize),
    /// A note's lemma (index into `spec.entries`): a `seg` the note points at.
    Note(usize),
    /// A margin note's words (index into `spec.margins`).
    Margin(usize),
}

impl Target {
    /// The `xml:id` of the seg or first anchor.
    fn id(self, spec: &Spec) -> String {
        match self {
            Target::App(i) | Target::Note(i) => format!("entry-{}", spec.entries[i].id + 1),
            Target::Margin(i) => format!("margin-{}", i + 1),
        }
    }
}

#[derive(Debug, Clone)]
struct Span {
    range: Range<usize>,
    target: Target,
}

/// Something at one position of the text, in the order written when several coincide.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum PointKind {
    AnchorEnd(String),
    LineBreak,
    Milestone(usize),
    /// An `[[align]]` pair begins here (its index): an `anchor` the alignment links.
    Align(usize),
    /// A `[[section]]` begins (index into `spec.sections`).
    Section(usize),
    /// Words an index cites begin (index into `anchors.index`): an `index` spanning to an
    /// anchor where they end.
    Index(usize),
    MarginNote(usize),
    AnchorStart(String),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Point {
    pos: usize,
    kind: PointKind,
}

/// Pointers to the header: witnesses, their hands, editors, the authors of conjectures and
/// editorial signs.
struct Ids {
    witnesses: HashMap<String, String>,
    /// (siglum, hand) → the `xml:id` of its `handNote`.
    hands: HashMap<(String, String), String>,
    editors: Vec<String>,
    conjectures: Vec<(String, String)>,
}

impl Ids {
    fn new(spec: &Spec) -> Ids {
        let reserved = [
            "entry-",
            "margin-",
            "editor-",
            "conj-",
            "wit-",
            "hand-",
            "line-numbers",
        ];
        let witnesses = spec
            .witnesses
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let s = w.siglum.get_ref();
                let plain = is_plain_id(s) && !reserved.iter().any(|r| s.starts_with(r));
                let id = if plain {
                    s.clone()
                } else {
                    format!("wit-{}", i + 1)
                };
                (s.clone(), id)
            })
            .collect();
        let hands = spec
            .witnesses
            .iter()
            .flat_map(|w| {
                w.hands
                    .iter()
                    .map(move |h| (w.siglum.get_ref(), h.get_ref()))
            })
            .enumerate()
            .map(|(i, (s, h))| ((s.clone(), h.clone()), format!("hand-{}", i + 1)))
            .collect();
        let editors = (1..=spec.edition.editors.len())
            .map(|i| format!("editor-{i}"))
            .collect();
        let mut conjectures: Vec<(String, String)> = vec![];
        let all = spec.entries.iter().flat_map(|e| match &e.body {
            EntryBody::Emend { readings, .. }
            | EntryBody::Readings(readings)
            | EntryBody::Sign { readings, .. } => readings.iter(),
            EntryBody::Note(_) | EntryBody::Lacuna { .. } => [].iter(),
        });
        let signs = spec.entries.iter().filter_map(|e| match &e.body {
            EntryBody::Sign { resp, .. } => resp.as_ref(),
            _ => None,
        });
        for by in all.filter_map(|r| r.by.as_ref()).chain(signs) {
            if !conjectures.iter().any(|(b, _)| b == by) {
                conjectures.push((by.clone(), format!("conj-{}", conjectures.len() + 1)));
            }
        }
        Ids {
            witnesses,
            hands,
            editors,
            conjectures,
        }
    }

    /// The `wit` pointers of sigla or citations (`A^ac` points at `A`; its state is a
    /// `witDetail`).
    fn wit(&self, sigla: impl IntoIterator<Item = impl AsRef<str>>) -> String {
        let mut out: Vec<String> = vec![];
        for s in sigla {
            let siglum = Citation::parse(s.as_ref()).siglum;
            let id = format!("#{}", self.witnesses.get(&siglum).map_or(&siglum, |id| id));
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out.join(" ")
    }

    fn editors(&self) -> String {
        self.editors
            .iter()
            .map(|e| format!("#{e}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn conjecture(&self, by: &str) -> String {
        let id = self.conjectures.iter().find(|(b, _)| b == by);
        format!("#{}", id.map_or("conj", |(_, id)| id.as_str()))
    }
}

/// The prose file of the principles (Markdown), if the spec names one.
pub(super) fn principles_source(spec: &Spec) -> Result<Option<String>> {
    let Some(p) = &spec.edition.principles else {
        return Ok(None);
    };
    let path = crate::paths::inside(&spec.dir, p.get_ref()).map_err(|m| spec.error(p.span(), m))?;
    std::fs::read_to_string(&path).map(Some).map_err(|e| {
        spec.error(p.span(), format!("cannot read `{}`: {e}", p.get_ref()))
            .into()
    })
}

/// The TEI document.
pub(super) fn document(r: &Resolved, principles: Option<&str>) -> String {
    let ids = Ids::new(&r.spec);
    let mut x = Xml::new();
    let lang = r.spec.edition.language.get_ref().clone();
    x.block("TEI", &[("xmlns", TEI_NS), ("xml:lang", &lang)]);
    let mut body = Body::new(r, &ids);
    header(&mut x, &r.spec, &ids, principles, !body.detached.is_empty());
    body.text(&mut x);
    x.end_block("TEI");
    x.finish()
}

// ---- The header -----------------------------------------------------------------------------

fn header(x: &mut Xml, spec: &Spec, ids: &Ids, principles: Option<&str>, anchored: bool) {
    x.block("teiHeader", &[]);
    x.block("fileDesc", &[]);
    title_stmt(x, spec, ids);
    x.block("editionStmt", &[]);
    let version = &spec.edition.version;
    x.line_leaf("edition", &[("n", version)], &format!("Version {version}"));
    x.end_block("editionStmt");
    publication_stmt(x, spec);
    source_desc(x, spec, ids);
    x.end_block("fileDesc");
    encoding_desc(x, spec, principles, anchored);
    profile_desc(x, spec, ids);
    x.end_block("teiHeader");
}

fn title_stmt(x: &mut Xml, spec: &Spec, ids: &Ids) {
    let e = &spec.edition;
    x.block("titleStmt", &[]);
    x.line_leaf("title", &[("type", "main")], &e.title);
    if let Some(s) = &e.subtitle {
        x.line_leaf("title", &[("type", "sub")], s);
    }
    if let Some(s) = &e.short_title {
        x.line_leaf("title", &[("type", "short")], s);
    }
    for a in &e.authors {
        x.line_leaf("author", &[], a);
    }
    for (name, id) in e.editors.iter().zip(&ids.editors) {
        x.line_leaf("editor", &[("xml:id", id)], name);
    }
    for (by, id) in &ids.conjectures {
        x.block("respStmt", &[]);
        x.line_leaf("resp", &[], "conjecture");
        x.line_leaf("name", &[("xml:id", id)], by);
        x.end_block("respStmt");
    }
    x.end_block("titleStmt");
}

fn publication_stmt(x: &mut Xml, spec: &Spec) {
    let e = &spec.edition;
    x.block("publicationStmt", &[]);
    match &e.publisher {
        Some(p) => x.line_leaf("publisher", &[], p),
        None => x.line_leaf("authority", &[], &e.editors.join(", ")),
    }
    if let Some(p) = &e.place {
        x.line_leaf("pubPlace", &[], p);
    }
    let (y, m, d) = spec.date();
    let when = format!("{y:04}-{m:02}-{d:02}");
    x.line_leaf("date", &[("when", &when)], &when);
    if let Some(doi) = &e.doi {
        x.line_leaf("idno", &[("type", "DOI")], doi);
    }
    if let Some(l) = &e.license {
        x.block("availability", &[]);
        let target = format!("https://spdx.org/licenses/{l}");
        x.line_leaf("licence", &[("target", &target)], l);
        x.end_block("availability");
    }
    x.end_block("publicationStmt");
}

fn source_desc(x: &mut Xml, spec: &Spec, ids: &Ids) {
    let e = &spec.edition;
    x.block("sourceDesc", &[]);
    if e.original_title.is_some() || e.original_date.is_some() || !e.authors.is_empty() {
        x.block("bibl", &[("type", "work")]);
        for a in &e.authors {
            x.line_leaf("author", &[], a);
        }
        if let Some(t) = &e.original_title {
            x.line_leaf("title", &[], t);
        }
        if let Some(d) = &e.original_date {
            x.line_leaf("date", &[], d);
        }
        x.end_block("bibl");
    }
    x.block("listWit", &[]);
    // A group is a nested `listWit` (its siglum in `head`) declaring its members; a member
    // of an earlier group, or a group, is a `witness` with `copyOf`.
    let in_group = |s: &String| {
        spec.witnesses
            .iter()
            .any(|g| g.members.iter().any(|m| m.get_ref() == s))
    };
    let mut declared: Vec<&str> = vec![];
    for w in &spec.witnesses {
        let siglum = w.siglum.get_ref();
        if !w.is_group() && in_group(siglum) {
            continue;
        }
        if !w.is_group() {
            witness(x, w, ids);
            continue;
        }
        x.block("listWit", &[("xml:id", &ids.witnesses[siglum])]);
        x.line("head", &[]);
        x.leaf("abbr", &[("type", "siglum")], siglum);
        x.close("head");
        if let Some(d) = &w.description {
            x.line_leaf("desc", &[], d);
        }
        for m in &w.members {
            let m = m.get_ref();
            let member = spec.witnesses.iter().find(|v| v.siglum.get_ref() == m);
            match member {
                Some(v) if !v.is_group() && !declared.contains(&m.as_str()) => {
                    declared.push(m);
                    witness(x, v, ids);
                }
                _ => {
                    let copy = format!("#{}", ids.witnesses.get(m).unwrap_or(m));
                    x.line_empty("witness", &[("copyOf", &copy)]);
                }
            }
        }
        x.end_block("listWit");
    }
    // Members of groups only (not yet declared by a group before them) last.
    for w in spec.witnesses.iter().filter(|w| !w.is_group()) {
        let s = w.siglum.get_ref();
        if in_group(s) && !declared.contains(&s.as_str()) {
            witness(x, w, ids);
        }
    }
    x.end_block("listWit");
    x.end_block("sourceDesc");
}

fn witness(x: &mut Xml, w: &crate::spec::Witness, ids: &Ids) {
    let siglum = w.siglum.get_ref();
    x.line("witness", &[("xml:id", &ids.witnesses[siglum])]);
    x.leaf("abbr", &[("type", "siglum")], siglum);
    if let Some(d) = &w.description {
        x.text(" ");
        x.text(d);
    }
    x.close("witness");
}

/// The declared hands of the witnesses: a `handNote` each (`n` the hand, `corresp` its
/// witness).
fn hand_notes(x: &mut Xml, spec: &Spec, ids: &Ids) {
    if ids.hands.is_empty() {
        return;
    }
    x.block("handNotes", &[]);
    for w in &spec.witnesses {
        let siglum = w.siglum.get_ref();
        for h in &w.hands {
            let id = &ids.hands[&(siglum.clone(), h.get_ref().clone())];
            let corresp = format!("#{}", ids.witnesses[siglum]);
            let attrs = [
                ("xml:id", id.as_str()),
                ("n", h.get_ref()),
                ("corresp", &corresp),
            ];
            x.line_leaf(
                "handNote",
                &attrs,
                &format!("Hand {} of {siglum}", h.get_ref()),
            );
        }
    }
    x.end_block("handNotes");
}

fn encoding_desc(x: &mut Xml, spec: &Spec, principles: Option<&str>, anchored: bool) {
    x.block("encodingDesc", &[]);
    x.block("editorialDecl", &[]);
    let base = spec.text.base.get_ref();
    x.line_leaf(
        "p",
        &[("n", "base")],
        &format!(
            "The text reproduces witness {base}; where the editors emend it, the emended text is the lemma (type \"emendation\") and the reading of {base} is given beside it. Entries are encoded by parallel segmentation where they nest, and by double-end-point attachment (anchors in the text, the entry in the back matter) where they cross another."
        ),
    );
    if let Some(src) = principles {
        markdown(x, src);
    }
    x.end_block("editorialDecl");
    line_numbers(x, spec);
    reference_system(x, spec);
    let method = [
        ("method", "parallel-segmentation"),
        ("location", "internal"),
    ];
    x.line_empty("variantEncoding", &method);
    if anchored {
        let method = [("method", "double-end-point"), ("location", "internal")];
        x.line_empty("variantEncoding", &method);
    }
    x.end_block("encodingDesc");
}

/// How the edition is cited where it is cited by section and line: a `citeStructure` of
/// the section milestones (`<milestone unit="section" n="3"/>`) and the lines.
fn reference_system(x: &mut Xml, spec: &Spec) {
    if !spec.reference.by_section() {
        return;
    }
    x.block("refsDecl", &[]);
    let attrs = [
        ("unit", "section"),
        ("match", "//milestone[@unit='section']"),
        ("use", "@n"),
    ];
    x.line_empty("citeStructure", &attrs);
    x.end_block("refsDecl");
}

/// How the edition numbers its lines, which TEI does not record otherwise: a `rendition`
/// (`n="every(5) restart(poem)"`, and the same in words).
fn line_numbers(x: &mut Xml, spec: &Spec) {
    use crate::spec::Restart;
    let numbers = &spec.layout.line_numbers;
    let every = numbers.every.get_ref();
    let (restart, words) = match numbers.restart.get_ref() {
        Restart::Page => ("page", "on every page"),
        Restart::Document => ("document", "through the document"),
        Restart::Section => ("section", "anew in every section"),
        Restart::Poem => ("poem", "anew in every section and poem"),
    };
    let n = format!("every({every}) restart({restart})");
    x.block("tagsDecl", &[]);
    let attrs = [("xml:id", "line-numbers"), ("scheme", "free"), ("n", &n)];
    let text = format!("Lines (verses in verse) are numbered every {every}, counted {words}.");
    x.line_leaf("rendition", &attrs, &text);
    x.end_block("tagsDecl");
}

fn profile_desc(x: &mut Xml, spec: &Spec, ids: &Ids) {
    let e = &spec.edition;
    x.block("profileDesc", &[]);
    if let Some(d) = &e.description {
        x.block("abstract", &[]);
        x.line_leaf("p", &[], d);
        x.end_block("abstract");
    }
    x.block("langUsage", &[]);
    let lang = e.language.get_ref();
    x.line_leaf("language", &[("ident", lang)], lang);
    x.end_block("langUsage");
    hand_notes(x, spec, ids);
    if !e.keywords.is_empty() {
        x.block("textClass", &[]);
        x.block("keywords", &[]);
        for k in &e.keywords {
            x.line_leaf("term", &[], k);
        }
        x.end_block("keywords");
        x.end_block("textClass");
    }
    x.end_block("profileDesc");
}

/// The principles (CommonMark) as paragraphs: each block of text one `p` (headings
/// `rend="heading"`, list items `rend="item"`), emphasis as `hi`, links as `ref`, code as `code`.
fn markdown(x: &mut Xml, src: &str) {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut depth = 0usize;
    for event in Parser::new(src) {
        match event {
            Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::Item | Tag::CodeBlock(_))
                if depth > 0 =>
            {
                depth += 1;
                x.text(" ");
            }
            Event::Start(
                tag @ (Tag::Paragraph | Tag::Heading { .. } | Tag::Item | Tag::CodeBlock(_)),
            ) => {
                depth = 1;
                let rend = match tag {
                    Tag::Heading { .. } => Some("heading"),
                    Tag::Item => Some("item"),
                    Tag::CodeBlock(_) => Some("code"),
                    _ => None,
                };
                x.line(
                    "p",
                    &rend.map(|r| ("rend", r)).into_iter().collect::<Vec<_>>(),
                );
            }
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock,
            ) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    x.close("p");
                }
            }
            Event::Start(Tag::Emphasis) if depth > 0 => x.open("hi", &[("rend", "italic")]),
            Event::Start(Tag::Strong) if depth > 0 => x.open("hi", &[("rend", "bold")]),
            Event::End(TagEnd::Emphasis | TagEnd::Strong) if depth > 0 => x.close("hi"),
            Event::Start(Tag::Link { dest_url, .. }) if depth > 0 => {
                x.open("ref", &[("target", &dest_url)])
            }
            Event::End(TagEnd::Link) if depth > 0 => x.close("ref"),
            Event::Code(c) if depth > 0 => x.leaf("code", &[], &c),
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) if depth > 0 => x.text(&t),
            Event::SoftBreak | Event::HardBreak if depth > 0 => x.text(" "),
            _ => {}
        }
    }
}

// ---- The text -------------------------------------------------------------------------------

/// The text with its entries: which spans stand in the text (`inline`, nested, in writing
/// order) and which are attached by anchors (`detached`), and the points between words.
struct Body<'a> {
    r: &'a Resolved,
    ids: &'a Ids,
    inline: Vec<Span>,
    detached: Vec<Span>,
    points: Vec<Point>,
}

impl<'a> Body<'a> {
    fn new(r: &'a Resolved, ids: &'a Ids) -> Body<'a> {
        let spec = &r.spec;
        let mut spans: Vec<Span> = r
            .anchors
            .lemmata
            .iter()
            .map(|l| Span {
                range: l.range.clone(),
                target: match spec.entries[l.entry].body {
                    EntryBody::Note(_) => Target::Note(l.entry),
                    _ => Target::App(l.entry),
                },
            })
            .collect();
        spans.extend(r.anchors.margins.iter().map(|m| Span {
            range: m.range.clone(),
            target: Target::Margin(m.margin),
        }));
        // Apparatus entries first: they are the ones kept in the text.
        spans.sort_by_key(|s| (!matches!(s.target, Target::App(_)), s.range.start));
        // A lemma across paragraphs (or verses) cannot stand in one: it is attached by
        // anchors, as one that crosses another.
        let text = &r.text;
        let (across, spans): (Vec<Span>, Vec<Span>) = spans.into_iter().partition(|s| {
            let last = s.range.end.saturating_sub(1).max(s.range.start);
            text.block_at(s.range.start) != text.block_at(last)
        });
        let (inline, mut detached) = split_nesting(spans);
        detached.extend(across);
        let points = points(r, &detached);
        Body {
            r,
            ids,
            inline,
            detached,
            points,
        }
    }

    fn text(&mut self, x: &mut Xml) {
        let blocks = &self.r.text.blocks;
        x.block("text", &[]);
        let mut first = 0;
        if let Some(b) = blocks.first().filter(|b| b.kind == BlockKind::Title) {
            x.block("front", &[]);
            x.block("titlePage", &[]);
            x.block("docTitle", &[]);
            x.line("titlePart", &[("type", "main")]);
            self.block_content(x, b.range.clone());
            x.close("titlePart");
            x.end_block("docTitle");
            x.end_block("titlePage");
            x.end_block("front");
            first = 1;
        }
        x.block("body", &[]);
        self.body_blocks(x, first);
        x.end_block("body");
        self.back(x);
        x.end_block("text");
    }

    /// The blocks as `div`s (one per heading, nested by level), `head`s and `p`s; verses as
    /// `l` (`rend="indent(N)"`: N spaces) in an `lg type="stanza"` per stanza, in an `lg
    /// type="poem"` per poem.
    fn body_blocks(&mut self, x: &mut Xml, first: usize) {
        let blocks = self.r.text.blocks.clone();
        let mut open: Vec<u8> = vec![];
        // Open `lg`s: poem, stanza.
        let mut groups = 0;
        for b in &blocks[first..] {
            verse_groups(x, b.kind, &mut groups);
            match b.kind {
                BlockKind::Heading(level) => {
                    while open.last().is_some_and(|&l| l >= level) {
                        open.pop();
                        x.end_block("div");
                    }
                    open.push(level);
                    x.block("div", &[]);
                    x.line("head", &[]);
                    self.block_content(x, b.range.clone());
                    x.close("head");
                }
                BlockKind::Paragraph => {
                    x.line("p", &[]);
                    self.block_content(x, b.range.clone());
                    x.close("p");
                }
                BlockKind::Verse(v) => {
                    let rend = format!("indent({})", v.indent);
                    let attrs: &[(&str, &str)] = if v.indent > 0 {
                        &[("rend", &rend)]
                    } else {
                        &[]
                    };
                    x.line("l", attrs);
                    self.block_content(x, b.range.clone());
                    x.close("l");
                }
                BlockKind::Title => {
                    x.line("ab", &[("type", "title")]);
                    self.block_content(x, b.range.clone());
                    x.close("ab");
                }
            }
        }
        for _ in 0..groups {
            x.end_block("lg");
        }
        for _ in open {
            x.end_block("div");
        }
    }

    /// A block's text with the spans and points inside it.
    fn block_content(&self, x: &mut Xml, range: Range<usize>) {
        let spans = within(&self.inline, &range);
        let lo = self.points.partition_point(|p| p.pos < range.start);
        let hi = self.points.partition_point(|p| p.pos <= range.end);
        self.content(x, range, spans, &self.points[lo..hi]);
    }

    /// The text of `range`, with `spans` (nested, in writing order, all inside `range`) and
    /// `points` (sorted, inside `range`).
    fn content(&self, x: &mut Xml, range: Range<usize>, spans: &[Span], points: &[Point]) {
        let mut at = range.start;
        let mut i = 0;
        let mut p = 0;
        while i < spans.len() {
            let s = &spans[i];
            let end = i
                + 1
                + spans[i + 1..]
                    .iter()
                    .take_while(|t| t.range.start < s.range.end)
                    .count();
            let before = p + points[p..]
                .iter()
                .take_while(|q| q.pos <= s.range.start)
                .count();
            self.text_with_points(x, at..s.range.start, &points[p..before]);
            let inside = before
                + points[before..]
                    .iter()
                    .take_while(|q| q.pos < s.range.end)
                    .count();
            self.span(x, s, &spans[i + 1..end], &points[before..inside]);
            (at, i, p) = (s.range.end, end, inside);
        }
        self.text_with_points(x, at..range.end, &points[p..]);
    }

    fn text_with_points(&self, x: &mut Xml, range: Range<usize>, points: &[Point]) {
        let doc = &self.r.text.doc;
        let mut at = range.start;
        for p in points {
            x.text(&doc[at..p.pos]);
            at = p.pos;
            self.point(x, p);
        }
        x.text(&doc[at..range.end]);
    }

    fn point(&self, x: &mut Xml, p: &Point) {
        let spec = &self.r.spec;
        match &p.kind {
            PointKind::AnchorStart(id) | PointKind::AnchorEnd(id) => {
                x.empty("anchor", &[("xml:id", id)])
            }
            PointKind::LineBreak => x.empty("lb", &[]),
            PointKind::Milestone(m) => {
                let m = &self.r.text.milestones[*m];
                let ed_ref = self.ids.wit([&m.witness]);
                let mut attrs = vec![("edRef", ed_ref.as_str()), ("n", m.n.as_str())];
                if !m.witness.contains(char::is_whitespace) {
                    attrs.insert(0, ("ed", m.witness.as_str()));
                }
                x.empty("pb", &attrs);
            }
            PointKind::Section(k) => {
                let n = spec.sections[*k].n.as_str();
                x.empty("milestone", &[("unit", "section"), ("n", n)]);
            }
            PointKind::Index(k) => self.index(x, *k),
            PointKind::Align(k) => {
                let side = if spec.text.translation { "t" } else { "o" };
                x.empty("anchor", &[("xml:id", &format!("align-{k}-{side}"))]);
            }
            PointKind::MarginNote(i) => {
                let target = Target::Margin(*i).id(spec);
                let (t, end) = self.targets(Target::Margin(*i), &target);
                let mut attrs = vec![("place", "margin"), ("target", t.as_str())];
                if let Some(end) = &end {
                    attrs.push(("targetEnd", end.as_str()));
                }
                x.leaf("note", &attrs, &spec.margins[*i].text);
            }
        }
    }

    /// An index entry where its words begin: `<index indexName="nominum"
    /// spanTo="#index-3-end">`, its headword as a `term` (with its `sortKey`), a sub-entry as
    /// a nested `index`.
    fn index(&self, x: &mut Xml, k: usize) {
        let spec = &self.r.spec;
        let e = &spec.index_entries[self.r.anchors.index[k].entry];
        let name = spec.indexes[e.index].id.get_ref();
        let to = format!("#index-{k}-end");
        x.open("index", &[("indexName", name), ("spanTo", &to)]);
        match &e.sort {
            Some(sort) => x.leaf("term", &[("sortKey", sort)], &e.headword),
            None => x.leaf("term", &[], &e.headword),
        }
        if let Some(sub) = &e.sub {
            x.open("index", &[]);
            x.leaf("term", &[], sub);
            x.close("index");
        }
        x.close("index");
    }

    /// `target` (and `targetEnd` when attached by anchors) of a note on `t`.
    fn targets(&self, t: Target, id: &str) -> (String, Option<String>) {
        let anchored = self.detached.iter().any(|s| s.target == t);
        (format!("#{id}"), anchored.then(|| format!("#{id}-end")))
    }

    fn span(&self, x: &mut Xml, s: &Span, inner: &[Span], points: &[Point]) {
        match s.target {
            Target::App(e) => self.app(x, e, s.range.clone(), Some((inner, points))),
            Target::Note(_) | Target::Margin(_) => {
                x.open("seg", &[("xml:id", &s.target.id(&self.r.spec))]);
                self.content(x, s.range.clone(), inner, points);
                x.close("seg");
            }
        }
    }

    /// An `app`: in the text (`inner` holds what stands inside its lemma) or, attached by
    /// anchors, in the back matter with its lemma's words only.
    fn app(
        &self,
        x: &mut Xml,
        entry: usize,
        range: Range<usize>,
        inner: Option<(&[Span], &[Point])>,
    ) {
        let spec = &self.r.spec;
        let e = &spec.entries[entry];
        let series = spec.series[e.series].id.get_ref().clone();
        // A lemma across blocks: the break is a space.
        let plain = self.r.text.doc[range.clone()].replace('\n', " ");
        let base = self.ids.wit([spec.text.base.get_ref()]);
        let id = Target::App(entry).id(spec);
        let (from, to) = (format!("#{id}"), format!("#{id}-end"));
        let mut attrs = vec![("type", series.as_str())];
        if inner.is_none() {
            attrs.extend([("from", from.as_str()), ("to", to.as_str())]);
            x.line("app", &attrs);
        } else {
            x.open("app", &attrs);
        }
        let base_text = |x: &mut Xml, name: &str, attrs: &[(&str, &str)]| match inner {
            Some((spans, points)) => {
                x.open(name, attrs);
                self.content(x, range.clone(), spans, points);
                x.close(name);
            }
            None => x.leaf(name, attrs, &plain),
        };
        let readings = match &e.body {
            EntryBody::Emend { text, readings } => {
                let editors = self.ids.editors();
                let mut lem = vec![("type", "emendation")];
                if !editors.is_empty() {
                    lem.push(("resp", editors.as_str()));
                }
                x.leaf("lem", &lem, &normalize(text));
                base_text(x, "rdg", &[("wit", base.as_str())]);
                readings.as_slice()
            }
            EntryBody::Readings(readings) => {
                base_text(x, "lem", &[("wit", base.as_str())]);
                readings.as_slice()
            }
            EntryBody::Sign {
                kind,
                text,
                resp,
                readings,
            } => {
                x.open("lem", &[("wit", base.as_str()), ("type", "sign")]);
                self.sign(x, *kind, text.as_deref(), resp.as_deref(), &base_text);
                x.close("lem");
                readings.as_slice()
            }
            EntryBody::Lacuna { witness, resumes } => {
                base_text(x, "lem", &[("wit", base.as_str())]);
                self.lacuna_record(x, entry, witness, *resumes, &plain);
                &[]
            }
            EntryBody::Note(_) => &[],
        };
        for (k, r) in readings.iter().enumerate() {
            self.reading(x, r, &plain, &format!("{id}-r{}", k + 1));
        }
        x.close("app");
    }

    /// A sign's lemma (`base_text`) with TEI's element for it: `supplied` (the words
    /// supplied after the lemma), `surplus` or `sic` around it, `gap` after it.
    fn sign(
        &self,
        x: &mut Xml,
        kind: SignKind,
        text: Option<&str>,
        resp: Option<&str>,
        base_text: &BaseText,
    ) {
        let resp = resp.map(|r| self.ids.conjecture(r));
        let mut sign = vec![];
        if let Some(r) = &resp {
            sign.push(("resp", r.as_str()));
        }
        let wrap = |x: &mut Xml, name: &str, sign: &[(&str, &str)]| {
            x.open(name, sign);
            base_text(x, "seg", &[]);
            x.close(name);
        };
        match kind {
            SignKind::Deletion => wrap(x, "surplus", &sign),
            SignKind::Crux => wrap(x, "sic", &sign),
            SignKind::Supplement => {
                base_text(x, "seg", &[]);
                x.text(" ");
                x.leaf("supplied", &sign, &normalize(text.unwrap_or("")));
            }
            SignKind::Lacuna => {
                base_text(x, "seg", &[]);
                sign.push(("reason", "lacuna"));
                x.empty("gap", &sign);
            }
        }
    }

    /// The reading of a witness whose lacuna begins at the lemma (`lacunaStart`) or who
    /// resumes there (`lacunaEnd`, `n` the number of words the spec's `to` quotes, then the
    /// lemma's words, which the witness has again).
    fn lacuna_record(&self, x: &mut Xml, entry: usize, witness: &str, resumes: bool, lemma: &str) {
        let spec = &self.r.spec;
        let wit = self.ids.wit([witness]);
        if resumes {
            let to = spec.lacunae.iter().find(|l| l.to_entry == entry);
            let words = to.map_or(1, |l| {
                let quote = spec.entries[l.to_entry].quote.at.get_ref();
                quote.split_whitespace().count()
            });
            x.open("rdg", &[("wit", &wit), ("type", "lacuna-end")]);
            x.empty("lacunaEnd", &[("wit", &wit), ("n", &words.to_string())]);
            x.text(lemma);
        } else {
            x.open("rdg", &[("wit", &wit), ("type", "lacuna-start")]);
            x.empty("lacunaStart", &[("wit", &wit)]);
        }
        x.close("rdg");
    }

    /// A reading (`xml:id` `id`), then a `witDetail` for each witness it cites by a
    /// correction state or a hand.
    fn reading(&self, x: &mut Xml, r: &Reading, lemma: &str, id: &str) {
        let wit = self.ids.wit(r.wit.iter().map(|w| w.get_ref()));
        let text = r.text.as_deref().map(normalize).unwrap_or_default();
        let detailed = r.wit.iter().any(|w| w.get_ref().contains('^'));
        let mut attrs = vec![];
        if detailed {
            attrs.push(("xml:id", id));
        }
        match r.kind.as_ref().map_or(ReadingType::Var, |k| *k.get_ref()) {
            ReadingType::Var => {
                attrs.insert(0, ("wit", &wit));
                x.leaf("rdg", &attrs, &text)
            }
            ReadingType::Om => {
                attrs.insert(0, ("wit", &wit));
                x.empty("rdg", &attrs)
            }
            ReadingType::Add => {
                attrs.splice(0..0, [("wit", wit.as_str()), ("type", "addition")]);
                x.leaf("rdg", &attrs, &format!("{lemma} {text}"))
            }
            ReadingType::Transp => {
                attrs.splice(0..0, [("wit", wit.as_str()), ("type", "transposition")]);
                x.leaf("rdg", &attrs, &text)
            }
            ReadingType::Conj => {
                let by = self.ids.conjecture(r.by.as_deref().unwrap_or_default());
                x.leaf("rdg", &[("resp", &by), ("type", "conjecture")], &text)
            }
        }
        if detailed {
            self.wit_details(x, r, id);
        }
    }

    /// `<witDetail wit="#A" target="#reading" type="ante-correctionem">` for `A^ac`
    /// (`post-correctionem` for `A^pc`; `type="hand" n="1"` with `corresp` at its
    /// `handNote` for `A^1`).
    fn wit_details(&self, x: &mut Xml, r: &Reading, id: &str) {
        let target = format!("#{id}");
        for w in &r.wit {
            let c = Citation::parse(w.get_ref());
            let Some(state) = &c.state else { continue };
            let wit = self.ids.wit([&c.siglum]);
            let mut attrs = vec![("wit", wit.as_str()), ("target", target.as_str())];
            let hand_ref;
            match state {
                State::AnteCorrectionem => attrs.push(("type", "ante-correctionem")),
                State::PostCorrectionem => attrs.push(("type", "post-correctionem")),
                State::Hand(h) => {
                    attrs.extend([("type", "hand"), ("n", h.as_str())]);
                    if let Some(hid) = self.ids.hands.get(&(c.siglum.clone(), h.clone())) {
                        hand_ref = format!("#{hid}");
                        attrs.push(("corresp", &hand_ref));
                    }
                }
            }
            x.leaf("witDetail", &attrs, w.get_ref());
        }
    }

    /// A facing translation, after the original's apparatus: a `div type="translation"` in
    /// its language (its title as the `head`, its headings as nested `div`s, paragraphs and
    /// verses as in the body), then the translator's notes, a `div` per series with
    /// `subtype="translation"` whose notes point into it.
    fn translation(&self, x: &mut Xml, tr: &Resolved) {
        let lang = tr.spec.edition.language.get_ref();
        x.block("div", &[("type", "translation"), ("xml:lang", lang)]);
        let mut body = Body::new(tr, self.ids);
        let mut first = 0;
        if let Some(b) = tr
            .text
            .blocks
            .first()
            .filter(|b| b.kind == BlockKind::Title)
        {
            x.line("head", &[("type", "title")]);
            body.block_content(x, b.range.clone());
            x.close("head");
            first = 1;
        }
        body.body_blocks(x, first);
        x.end_block("div");
        for (i, series) in tr.spec.series.iter().enumerate() {
            if series.of == SeriesText::Translation {
                body.notes(x, i, Some("translation"));
            }
        }
    }

    /// The `div` of a commentary or sources series' notes (`subtype`: the text it
    /// annotates, where not the original).
    fn notes(&self, x: &mut Xml, i: usize, subtype: Option<&str>) {
        let spec = &self.r.spec;
        let series = &spec.series[i];
        let kind = if series.kind == SeriesKind::Sources {
            "sources"
        } else {
            "commentary"
        };
        let id = series.id.get_ref();
        let mut div = vec![("type", kind), ("n", id.as_str())];
        if let Some(s) = subtype {
            div.push(("subtype", s));
        }
        x.block("div", &div);
        x.line_leaf("head", &[], &series.title);
        for l in self
            .r
            .anchors
            .lemmata
            .iter()
            .filter(|l| spec.entries[l.entry].series == i)
        {
            if let EntryBody::Note(text) = &spec.entries[l.entry].body {
                let t = Target::Note(l.entry);
                let (target, end) = self.targets(t, &t.id(spec));
                let mut attrs = vec![("type", kind), ("target", target.as_str())];
                if let Some(end) = &end {
                    attrs.push(("targetEnd", end.as_str()));
                }
                // The label cross-references (`{{ref:…}}`, kept in the text) cite.
                let label = spec
                    .labels
                    .iter()
                    .find(|lb| matches!(lb.target, LabelTarget::Entry(e) if e == l.entry));
                if let Some(lb) = label {
                    attrs.push(("n", lb.name.get_ref().as_str()));
                }
                x.line_leaf("note", &attrs, text);
            }
        }
        x.end_block("div");
    }

    /// The back matter: one `divGen` per critical series (its apparatus), one `div` of notes
    /// per commentary or sources series, and the entries attached by anchors.
    fn back(&self, x: &mut Xml) {
        let spec = &self.r.spec;
        x.block("back", &[]);
        // Each index where it is printed, after the text: its id and title.
        for index in &spec.indexes {
            x.block("divGen", &[("type", "index"), ("n", index.id.get_ref())]);
            x.line_leaf("head", &[], &index.title);
            x.end_block("divGen");
        }
        for (i, series) in spec.series.iter().enumerate() {
            let id = series.id.get_ref();
            if series.kind == SeriesKind::Critical {
                let mut attrs = vec![("type", "apparatus"), ("n", id.as_str())];
                if series.positive {
                    // A positive apparatus names the lemma's witnesses: a rendition.
                    attrs.push(("rend", "positive"));
                }
                x.block("divGen", &attrs);
                x.line_leaf("head", &[], &series.title);
                x.end_block("divGen");
                continue;
            }
            // A translator's series goes with the translation.
            if series.of != SeriesText::Translation {
                self.notes(x, i, None);
            }
        }
        if let Some(tr) = &self.r.translation {
            self.translation(x, tr);
        }
        // The `[[align]]` pairs: each links its anchors in both texts.
        if !self.r.align_points.is_empty() {
            x.block("div", &[("type", "alignment")]);
            x.block("linkGrp", &[("type", "alignment")]);
            for k in 0..self.r.align_points.len() {
                let target = format!("#align-{k}-o #align-{k}-t");
                x.line_empty("link", &[("target", &target)]);
            }
            x.end_block("linkGrp");
            x.end_block("div");
        }
        let apps: Vec<&Span> = self
            .detached
            .iter()
            .filter(|s| matches!(s.target, Target::App(_)))
            .collect();
        if !apps.is_empty() {
            x.block("div", &[("type", "apparatus")]);
            x.block("listApp", &[]);
            for s in apps {
                if let Target::App(e) = s.target {
                    self.app(x, e, s.range.clone(), None);
                }
            }
            x.end_block("listApp");
            x.end_block("div");
        }
        x.end_block("back");
    }
}

/// Close and open the `lg`s (`groups` of them open: poem, stanza) before a block of `kind`.
fn verse_groups(x: &mut Xml, kind: BlockKind, groups: &mut usize) {
    let (poem, stanza) = match kind {
        BlockKind::Verse(v) => (v.poem, v.stanza || v.poem),
        _ => (true, true),
    };
    let close = if poem {
        *groups
    } else {
        (*groups).min(usize::from(stanza))
    };
    for _ in 0..close {
        x.end_block("lg");
    }
    *groups -= close;
    if let BlockKind::Verse(_) = kind {
        for (begins, group) in [(poem, "poem"), (stanza, "stanza")] {
            if begins {
                x.block("lg", &[("type", group)]);
                *groups += 1;
            }
        }
    }
}

/// Split spans (in order of precedence) into those that nest with every span kept before them
/// — returned in writing order: by start, longer first — and those that would cross one.
fn split_nesting(spans: Vec<Span>) -> (Vec<Span>, Vec<Span>) {
    let mut inline: Vec<Span> = vec![];
    let mut detached = vec![];
    for s in spans {
        let crosses = |k: &Span| {
            let (a, b) = (&k.range, &s.range);
            (a.start < b.start && b.start < a.end && a.end < b.end)
                || (b.start < a.start && a.start < b.end && b.end < a.end)
        };
        if inline.iter().any(crosses) {
            detached.push(s);
        } else {
            inline.push(s);
        }
    }
    inline.sort_by_key(|s| {
        (
            s.range.start,
            std::cmp::Reverse(s.range.end),
            !matches!(s.target, Target::App(_)),
        )
    });
    (inline, detached)
}

/// The spans of `spans` (in writing order) that lie inside `range`.
fn within<'s>(spans: &'s [Span], range: &Range<usize>) -> &'s [Span] {
    let lo = spans.partition_point(|s| s.range.start < range.start);
    let hi = spans.partition_point(|s| s.range.start < range.end);
    &spans[lo..hi]
}

/// Every point of the text, sorted: milestones, margin notes, the title's line breaks, and
/// the anchors of the detached spans.
fn points(r: &Resolved, detached: &[Span]) -> Vec<Point> {
    let spec = &r.spec;
    let mut points: Vec<Point> = r
        .text
        .milestones
        .iter()
        .enumerate()
        .map(|(i, m)| Point {
            pos: m.pos,
            kind: PointKind::Milestone(i),
        })
        .collect();
    points.extend(
        r.anchors
            .sections
            .iter()
            .enumerate()
            .map(|(k, &pos)| Point {
                pos,
                kind: PointKind::Section(k),
            }),
    );
    points.extend(r.align_points.iter().enumerate().map(|(k, &pos)| Point {
        pos,
        kind: PointKind::Align(k),
    }));
    for (k, a) in r.anchors.index.iter().enumerate() {
        points.push(Point {
            pos: a.range.start,
            kind: PointKind::Index(k),
        });
        points.push(Point {
            pos: a.range.end,
            kind: PointKind::AnchorEnd(format!("index-{k}-end")),
        });
    }
    points.extend(r.anchors.margins.iter().map(|m| Point {
        pos: m.range.start,
        kind: PointKind::MarginNote(m.margin),
    }));
    for b in r.text.blocks.iter().filter(|b| b.kind == BlockKind::Title) {
        let starts = b
            .line_starts
            .iter()
            .filter(|&&l| l > b.range.start && l < b.range.end);
        points.extend(starts.map(|&pos| Point {
            pos,
            kind: PointKind::LineBreak,
        }));
    }
    for s in detached {
        let id = s.target.id(spec);
        points.push(Point {
            pos: s.range.start,
            kind: PointKind::AnchorStart(id.clone()),
        });
        points.push(Point {
            pos: s.range.end,
            kind: PointKind::AnchorEnd(format!("{id}-end")),
        });
    }
    points.sort();
    points
}
