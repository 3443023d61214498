//! An edition folder from a TEI critical edition: `source.txt`, `edition.toml` and, where the
//! header has them, `principles.md`.
//!
//! The text is read once (`walk.rs`) into blocks of normalised text with entries at offsets
//! of their block; here every entry becomes a quotation of the text written — widened to
//! whole words, with `occurrence` where the words occur more than once, counted by the one
//! matching rule of apparat (`text::find_in`) — so the folder builds as it is. Whatever
//! cannot be kept is reported (`report.rs`), never a reason to stop; only a file that is not
//! XML, not TEI, or has no apparatus is an error.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;

use roxmltree::{Document, Node};
use sha2::{Digest, Sha256};

use super::report::Report;
use super::walk::{self, Block, Body, Entry, Mode, Reading, Walked, Walker, name};
use super::wits::{Witnesses, text_of};
use crate::diag::{Diagnostic, Result, SourceFile};
use crate::text::BlockKind;

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The witness (siglum or `xml:id`) whose text becomes the base text; default: the
    /// lemmata.
    pub base: Option<String>,
}

/// What an import wrote and what it could not keep.
#[derive(Debug, Clone, Default)]
pub struct Import {
    /// One per kind of element not kept (warnings) or kept as its text only (notes).
    pub warnings: Vec<Diagnostic>,
    pub witnesses: usize,
    pub blocks: usize,
    pub entries: usize,
    pub margins: usize,
    pub milestones: usize,
    /// The siglum of the base text.
    pub base: String,
}

impl Import {
    /// One line saying what was written.
    pub fn summary(&self) -> String {
        format!(
            "imported {} witnesses, {} blocks, {} entries, {} margin notes, {} page breaks (base text: {})",
            self.witnesses, self.blocks, self.entries, self.margins, self.milestones, self.base
        )
    }
}

pub(super) fn import(file: &Path, dir: &Path, options: &ImportOptions) -> Result<Import> {
    crate::paths::new_folder(dir)?;
    let text = std::fs::read_to_string(file)
        .map_err(|e| crate::diag::io_error("cannot read the TEI file", file, &e))?;
    let src = SourceFile::new(file, text.as_str());
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = Document::parse_with_options(&text, opts).map_err(|e| xml_error(&src, &text, &e))?;
    check_depth(&doc, &src)?;
    let tei = tei_element(&doc, &src)?;
    let Some(text_el) = child(&tei, "text") else {
        return Err(located(&src, &tei, "the TEI document has no `<text>`").into());
    };
    if !text_el
        .descendants()
        .any(|d| d.is_element() && name(&d) == "app")
    {
        return Err(located(&src, &text_el, "the TEI text has no critical apparatus (no `<app>`)")
            .with_note("apparat imports critical editions: `<app>` with `<lem>` and `<rdg>` (parallel segmentation)")
            .into());
    }
    let mut report = Report::default();
    let mut wits = Witnesses::read(&doc);
    let mode = mode(&doc, &mut wits, options, &src)?;
    let walked = walk_text(&text_el, &mut wits, &mut report, &mode);
    let edition = assemble(walked, &mut report);
    let header = Header::read(&tei, &src, &mut report);
    let base = mode_base(&mode);
    let spec = spec_toml(&header, &edition, &wits, &base);
    let written = write_folder(dir, &edition.source, &spec, header.principles.as_deref());
    written?;
    if let Some((_, t)) = &edition.translation {
        crate::export::write_atomic(&dir.join(TRANSLATION_FILE), t.source.as_bytes())?;
    }
    Ok(Import {
        warnings: report.diagnostics(&src),
        witnesses: wits.list.len(),
        blocks: edition.blocks.len(),
        entries: edition.entries.len(),
        margins: edition.margins.len(),
        milestones: edition.milestones.len(),
        base,
    })
}

fn xml_error(src: &SourceFile, text: &str, e: &roxmltree::Error) -> Diagnostic {
    let pos = e.pos();
    let line_start: usize = text
        .split_inclusive('\n')
        .take(pos.row.saturating_sub(1) as usize)
        .map(str::len)
        .sum();
    let col: usize = text[line_start..]
        .chars()
        .take(pos.col.saturating_sub(1) as usize)
        .map(char::len_utf8)
        .sum();
    let at = (line_start + col).min(text.len());
    let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
    Diagnostic::error(format!("malformed XML: {e}")).at(src, at..end)
}

/// Elements nested deeper than any edition needs are refused before the walk (which
/// recurses) would run out of stack.
const MAX_DEPTH: usize = 1_000;

fn check_depth(doc: &Document, src: &SourceFile) -> Result<()> {
    // Each node's depth from its parent's (nodes come in document order, parents first).
    let mut depth: Vec<usize> = vec![0; doc.descendants().count()];
    for n in doc.descendants() {
        let d = n.parent().map_or(0, |p| depth[p.id().get() as usize] + 1);
        depth[n.id().get() as usize] = d;
        if d > MAX_DEPTH {
            return Err(located(
                src,
                &n,
                &format!("elements are nested more than {MAX_DEPTH} deep here"),
            )
            .into());
        }
    }
    Ok(())
}

fn located(src: &SourceFile, node: &Node, msg: &str) -> Diagnostic {
    let start = node.range().start;
    let end = (start + 1 + name(node).len()).min(src.text.len());
    Diagnostic::error(msg).at(src, start..end)
}

fn child<'a, 'input>(node: &Node<'a, 'input>, local: &str) -> Option<Node<'a, 'input>> {
    node.children().find(|c| c.is_element() && name(c) == local)
}

fn descendants<'a, 'input>(
    node: &Node<'a, 'input>,
    local: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.descendants()
        .filter(move |d| d.is_element() && name(d) == local)
}

/// The `TEI` element (the first of a `teiCorpus`).
fn tei_element<'a, 'input>(
    doc: &'a Document<'input>,
    src: &SourceFile,
) -> Result<Node<'a, 'input>> {
    let root = doc.root_element();
    match name(&root) {
        "TEI" => Ok(root),
        "teiCorpus" => descendants(&root, "TEI")
            .next()
            .ok_or_else(|| located(src, &root, "the `teiCorpus` holds no `TEI` document").into()),
        other => Err(located(
            src,
            &root,
            &format!("not a TEI document: the root element is `<{other}>`, not `<TEI>`"),
        )
        .into()),
    }
}

/// The reading the text follows: `--base`, or the lemmata with the witness most often in a
/// `lem`'s `wit` as the base siglum.
fn mode(
    doc: &Document,
    wits: &mut Witnesses,
    options: &ImportOptions,
    src: &SourceFile,
) -> Result<Mode> {
    if let Some(b) = &options.base {
        return match wits.siglum(b) {
            Some(s) => Ok(Mode::Witness(s)),
            None => {
                let declared: Vec<_> = wits.list.iter().map(|(s, _)| s.as_str()).collect();
                Err(
                    Diagnostic::error(format!("no witness `{b}` in `{}`", src.path.display()))
                        .with_note(format!("declared witnesses: {}", declared.join(", ")))
                        .into(),
                )
            }
        };
    }
    let mut counts: Vec<(String, usize)> = wits.list.iter().map(|(s, _)| (s.clone(), 0)).collect();
    for lem in doc
        .descendants()
        .filter(|d| d.is_element() && name(d) == "lem")
    {
        for p in walk::pointers(lem.attribute("wit")) {
            let Some(s) = wits.siglum(&p) else { continue };
            match counts.iter_mut().find(|(c, _)| *c == s) {
                Some(c) => c.1 += 1,
                None => counts.push((s, 1)),
            }
        }
    }
    // The most frequent; of equals, the first declared.
    let best = counts
        .iter()
        .rev()
        .filter(|(_, n)| *n > 0)
        .max_by_key(|(_, n)| *n)
        .map(|(s, _)| s.clone());
    let base = match best {
        Some(s) => s,
        None => {
            wits.declare("Ed", "The lemmata of the imported TEI edition.");
            "Ed".to_string()
        }
    };
    Ok(Mode::Lemma { base })
}

fn mode_base(mode: &Mode) -> String {
    match mode {
        Mode::Lemma { base } | Mode::Witness(base) => base.clone(),
    }
}

/// The text: series declared in the back matter first, then the title page's title, the
/// body, and the back matter's notes and detached entries.
fn walk_text(text: &Node, wits: &mut Witnesses, report: &mut Report, mode: &Mode) -> Walked {
    let mut walker = Walker::new(wits, report, mode.clone());
    let back = child(text, "back");
    let mut positive = vec![];
    let mut indexes = vec![];
    // The series of a facing translation's notes: (div, id, title, kind).
    let mut translators = vec![];
    for el in back
        .iter()
        .flat_map(|b| b.descendants().filter(|d| d.is_element()))
    {
        let series = el.attribute("n").unwrap_or_default();
        let title = child(&el, "head")
            .map(|h| crate::text::normalize(&text_of(&h)))
            .unwrap_or_default();
        match (name(&el), el.attribute("type")) {
            ("divGen", Some("apparatus")) if !series.is_empty() => {
                walker.declare_series(series, &title, "critical");
                let rend = el.attribute("rend").unwrap_or_default();
                if rend.split_whitespace().any(|r| r == "positive") {
                    positive.push(series.to_string());
                }
            }
            ("div", Some(kind @ ("commentary" | "sources"))) if !series.is_empty() => {
                if is_translators(&el) {
                    translators.push((el, series, title, kind));
                } else {
                    walker.declare_series(series, &title, kind)
                }
            }
            ("divGen", Some("index")) if !series.is_empty() => {
                indexes.push((series.to_string(), title));
            }
            _ => {}
        }
    }
    if let Some(front) = child(text, "front") {
        if let Some(title) = descendants(&front, "docTitle").next() {
            walker.title(title);
        }
        let other = front.descendants().filter(|d| d.is_element()).find(|d| {
            !matches!(
                name(d),
                "front" | "titlePage" | "docTitle" | "titlePart" | "lb"
            ) && !d
                .ancestors()
                .any(|a| a.is_element() && name(&a) == "titlePart")
        });
        if let Some(other) = other {
            walker.report.skipped(
                "the front matter besides the title",
                "is not kept",
                other.range().start,
            );
        }
    }
    for el in text.children().filter(|c| c.is_element()) {
        match name(&el) {
            "body" | "group" => walker.blocks(el),
            "front" | "back" => {}
            n => walker.report.skipped(
                &format!("`<{n}>` in `<text>`"),
                "is not part of the text and is not kept",
                el.range().start,
            ),
        }
    }
    if let Some(back) = back {
        back_matter(&mut walker, &back);
    }
    let mut walked = walker.finish();
    walked.positive = positive;
    walked.indexes = indexes;
    let translation = back
        .iter()
        .flat_map(|b| b.children())
        .find(|c| c.is_element() && name(c) == "div" && c.attribute("type") == Some("translation"));
    if let Some(div) = translation {
        let mut tw = Walker::new(wits, report, mode.clone());
        for (_, id, title, kind) in &translators {
            tw.declare_series(id, title, kind);
        }
        tw.translation(div);
        for (notes, id, _, _) in &translators {
            tw.back_notes(*notes, id);
        }
        let lang = div
            .attribute((roxmltree::NS_XML_URI, "lang"))
            .unwrap_or("en")
            .to_string();
        walked.translation = Some((lang, Box::new(tw.finish())));
        walked.align_links = align_links(back.as_ref());
    }
    walked
}

/// The links of a `linkGrp type="alignment"`: (original's anchor, translation's anchor).
fn align_links(back: Option<&Node>) -> Vec<(String, String)> {
    let groups = back.into_iter().flat_map(|b| descendants(b, "linkGrp"));
    groups
        .filter(|g| g.attribute("type") == Some("alignment"))
        .flat_map(|g| descendants(&g, "link").collect::<Vec<_>>())
        .filter_map(|l| {
            let mut t = walk::pointers(l.attribute("target")).into_iter();
            Some((t.next()?, t.next()?))
        })
        .collect()
}

/// The words after an `anchor` (by id) of a walked text (its model `doc` and block
/// `starts`), quoted.
fn after_anchor(walked: &Walked, (doc, starts): &(String, Vec<usize>), id: &str) -> Option<Quoted> {
    let &(block, pos) = walked.anchor_points.get(id)?;
    let text = &walked.blocks.get(block)?.text;
    let range = widen_empty(text, pos..pos, true)?;
    let range = to_words(text, range).0;
    quote(doc, starts[block] + range.start..starts[block] + range.end)
}

/// A `div` of notes on a facing translation (`subtype="translation"`).
fn is_translators(div: &Node) -> bool {
    div.attribute("subtype") == Some("translation")
}

fn back_matter<'a, 'input>(walker: &mut Walker<'_, 'a, 'input>, back: &Node<'a, 'input>) {
    for el in back.children().filter(|c| c.is_element()) {
        match (name(&el), el.attribute("type")) {
            ("divGen", _) => {}
            // Walked on their own, and the alignment's links read (see `walk_text`).
            ("div", Some("translation" | "alignment")) => {}
            ("div", Some("commentary" | "sources")) if is_translators(&el) => {}
            ("div", Some("commentary" | "sources")) => {
                let series = el.attribute("n").unwrap_or("commentary").to_string();
                walker.back_notes(el, &series);
            }
            ("div" | "listApp", _) if descendants(&el, "app").next().is_some() => {
                for app in descendants(&el, "app").filter(|a| a.has_attribute("from")) {
                    walker.detached_app(app);
                }
            }
            ("div", kind) if descendants(&el, "note").any(|n| n.has_attribute("target")) => {
                let series = el.attribute("n").or(kind).unwrap_or("notes").to_string();
                let title = child(&el, "head").map(|h| crate::text::normalize(&text_of(&h)));
                walker.declare_series(&series, title.as_deref().unwrap_or(&series), "commentary");
                walker.back_notes(el, &series);
            }
            (n, _) => walker.report.skipped(
                &format!("`<{n}>` of the back matter"),
                "is not kept",
                el.range().start,
            ),
        }
    }
}

// ---- From blocks and offsets to quotations ---------------------------------------------------

/// A quotation of the written text.
struct Quoted {
    at: String,
    occurrence: Option<usize>,
}

struct QuotedEntry {
    series: String,
    quote: Quoted,
    body: Body,
    label: Option<String>,
}

/// A `[[lacuna]]`: where a witness's lacuna begins and the last words it lacks.
struct QuotedLacuna {
    witness: String,
    series: String,
    from: Quoted,
    to: Quoted,
}

struct Assembled {
    source: String,
    blocks: Vec<Block>,
    title: Option<Quoted>,
    headings: Vec<(Quoted, u8)>,
    milestones: Vec<(Quoted, String, String)>,
    /// `[[section]]`s: the words each begins with, and its number.
    sections: Vec<(Quoted, String)>,
    /// `[[index]]`: (id, title), and the `[[index-entry]]`s with their quotations.
    indexes: Vec<(String, String)>,
    index_entries: Vec<(Quoted, walk::IndexEntry)>,
    /// A facing translation: its language and its text, notes and structure.
    translation: Option<(String, Box<Assembled>)>,
    /// `[[align]]` pairs: (original, translation).
    aligns: Vec<(Quoted, Quoted)>,
    entries: Vec<QuotedEntry>,
    lacunae: Vec<QuotedLacuna>,
    margins: Vec<(Quoted, String)>,
    series: Vec<(String, String, String)>,
    positive: Vec<String>,
    /// Passages of verse (first and last verse), or `None` for all the text.
    verse: Option<Vec<(Quoted, Quoted)>>,
}

/// The text model's document (blocks joined by `\n`) with each block's start.
fn model_doc(blocks: &[Block]) -> (String, Vec<usize>) {
    let mut doc = String::new();
    let mut starts = vec![];
    for b in blocks {
        if !doc.is_empty() {
            doc.push('\n');
        }
        starts.push(doc.len());
        doc.push_str(&b.text);
    }
    (doc, starts)
}

fn quote(doc: &str, range: Range<usize>) -> Option<Quoted> {
    let at = &doc[range.clone()];
    let matches = crate::text::find_in(doc, at);
    let i = matches.iter().position(|m| m.start == range.start)?;
    Some(Quoted {
        // A break between blocks is a space of the quotation.
        at: at.replace('\n', " "),
        occurrence: (matches.len() > 1).then_some(i + 1),
    })
}

fn assemble(mut walked: Walked, report: &mut Report) -> Assembled {
    // The `[[align]]` pairs: the words after their anchors in both texts.
    let aligns = match &walked.translation {
        Some((_, t)) if !walked.align_links.is_empty() => {
            let (od, td) = (model_doc(&walked.blocks), model_doc(&t.blocks));
            let quoted = |(o, tr): &(String, String)| {
                Some((after_anchor(&walked, &od, o)?, after_anchor(t, &td, tr)?))
            };
            walked.align_links.iter().filter_map(quoted).collect()
        }
        _ => vec![],
    };
    let translation = walked
        .translation
        .take()
        .map(|(lang, w)| (lang, Box::new(assemble(*w, report))));
    let (doc, starts) = model_doc(&walked.blocks);
    let blocks = &walked.blocks;
    let whole = |i: usize| quote(&doc, starts[i]..starts[i] + blocks[i].text.len());
    let title = blocks
        .first()
        .filter(|b| b.kind == BlockKind::Title)
        .and_then(|_| whole(0));
    let headings = blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| match b.kind {
            BlockKind::Heading(level) => whole(i).map(|q| (q, level)),
            _ => None,
        })
        .collect();
    let milestones = points(
        &walked.milestones,
        &walked,
        &doc,
        &starts,
        report,
        "a `<pb>`",
    )
    .into_iter()
    .map(|(q, m)| (q, m.witness.clone(), m.n.clone()))
    .collect();
    let sections = points(
        &walked.sections,
        &walked,
        &doc,
        &starts,
        report,
        "a section milestone",
    )
    .into_iter()
    .map(|(q, m)| (q, m.n.clone()))
    .collect();
    let (entries, lacunae) = entries(&walked, &doc, &starts, report);
    let index_entries = walked
        .index_entries
        .iter()
        .filter_map(|e| {
            let text = &blocks[e.block].text;
            let range = widen_empty(text, walk::trim_range(text, e.range.clone()), true)?;
            let range = to_words(text, range).0;
            let q = quote(
                &doc,
                starts[e.block] + range.start..starts[e.block] + range.end,
            )?;
            Some((q, e.clone()))
        })
        .collect();
    let verse = verse_passages(blocks, &doc, &starts);
    let margins = walked
        .margins
        .iter()
        .filter_map(|m| {
            let text = &blocks[m.block].text;
            let range = widen_empty(text, walk::trim_range(text, m.range.clone()), true)?;
            let range = to_words(&blocks[m.block].text, range).0;
            let g = starts[m.block] + range.start..starts[m.block] + range.end;
            Some((quote(&doc, g)?, m.text.clone()))
        })
        .collect();
    Assembled {
        source: source(blocks),
        blocks: walked.blocks.clone(),
        title,
        headings,
        milestones,
        sections,
        indexes: walked.indexes.clone(),
        index_entries,
        translation,
        aligns,
        entries,
        lacunae,
        margins,
        series: walked.series.clone(),
        positive: walked.positive.clone(),
        verse,
    }
}

/// `source.txt`: a paragraph a line, the title's lines as they were, a verse a line (its
/// indentation as leading spaces), blank lines between blocks and between stanzas.
fn source(blocks: &[Block]) -> String {
    let mut source = String::new();
    let mut verse_before = false;
    for b in blocks {
        let mut line = b.text.clone();
        for &ls in b.line_starts.iter().rev() {
            if ls > 0 && ls < line.len() && line.as_bytes()[ls - 1] == b' ' {
                line.replace_range(ls - 1..ls, "\n");
            }
        }
        match b.kind {
            BlockKind::Verse(v) => {
                if verse_before && !v.stanza && !v.poem {
                    source.pop();
                }
                let indent = " ".repeat(usize::from(v.indent));
                let _ = write!(source, "{indent}{line}\n\n");
            }
            _ => {
                let _ = write!(source, "{line}\n\n");
            }
        }
        verse_before = matches!(b.kind, BlockKind::Verse(_));
    }
    source.truncate(source.trim_end().len());
    source.push('\n');
    source
}

/// The poems as passages of verse (quotations of their first and last verse); `None` when
/// the whole text (title and headings aside) is verse.
fn verse_passages(blocks: &[Block], doc: &str, starts: &[usize]) -> Option<Vec<(Quoted, Quoted)>> {
    let numbered: Vec<usize> = (0..blocks.len())
        .filter(|&i| blocks[i].kind.is_numbered())
        .collect();
    let verse = |i: &usize| matches!(blocks[*i].kind, BlockKind::Verse(_));
    if !numbered.is_empty() && numbered.iter().all(verse) {
        return None;
    }
    let whole = |i: usize| quote(doc, starts[i]..starts[i] + blocks[i].text.len());
    let mut out = vec![];
    let mut i = 0;
    while i < blocks.len() {
        let BlockKind::Verse(_) = blocks[i].kind else {
            i += 1;
            continue;
        };
        let first = i;
        i += 1;
        while i < blocks.len() && matches!(blocks[i].kind, BlockKind::Verse(v) if !v.poem) {
            i += 1;
        }
        if let (Some(from), Some(to)) = (whole(first), whole(i - 1)) {
            out.push((from, to));
        }
    }
    Some(out)
}

/// Page breaks (and section milestones: `what`) as quotations of the words after them (one
/// at a paragraph's start keeps the paragraph break: a milestone joins paragraphs only where
/// it says `join = true`).
fn points<'m>(
    milestones: &'m [walk::Milestone],
    walked: &Walked,
    doc: &str,
    starts: &[usize],
    report: &mut Report,
    what: &str,
) -> Vec<(Quoted, &'m walk::Milestone)> {
    let blocks = &walked.blocks;
    let mut out = vec![];
    for m in milestones {
        let text = &blocks[m.block].text;
        let mut pos = walk::floor_boundary(text, m.pos);
        if text[pos..].starts_with(' ') {
            pos += 1;
        }
        // A quotation starts at a word's start: a break inside a word (or, in a script
        // without spaces, inside a run of characters) moves to its start.
        let pos = to_words(text, pos..pos).0.start;
        let end = widen_empty(text, pos..pos, true).map_or(pos, |w| w.end);
        if end <= pos {
            let skipped = format!("{what} after the last word of a block");
            report.skipped(&skipped, "is not kept", m.at);
            continue;
        }
        if let Some(q) = quote(doc, starts[m.block] + pos..starts[m.block] + end) {
            out.push((q, m));
        }
    }
    out
}

fn entries(
    walked: &Walked,
    doc: &str,
    starts: &[usize],
    report: &mut Report,
) -> (Vec<QuotedEntry>, Vec<QuotedLacuna>) {
    let mut placed: Vec<(Entry, Range<usize>)> = vec![];
    for e in &walked.entries {
        let block = &walked.blocks[e.block];
        if e.end_block != e.block {
            // Across blocks (attached by anchors): as the anchors stand.
            let global = starts[e.block] + e.range.start..starts[e.end_block] + e.range.end;
            placed.push((e.clone(), global));
            continue;
        }
        if !block.kind.is_numbered() {
            report.skipped("an entry in a title or heading", "is not kept", e.at);
            continue;
        }
        let Some((range, body)) = fit_to_words(
            &block.text,
            walk::trim_range(&block.text, e.range.clone()),
            &e.body,
            e.forward,
        ) else {
            report.skipped("an entry without words to anchor on", "is not kept", e.at);
            continue;
        };
        let global = starts[e.block] + range.start..starts[e.block] + range.end;
        let mut entry = e.clone();
        entry.body = body;
        placed.push((entry, global));
    }
    separate_emendations(&mut placed, report);
    let lacunae = lacunae(&mut placed, walked, doc, starts, report);
    let entries = placed
        .into_iter()
        .filter_map(|(e, g)| match quote(doc, g) {
            Some(quote) => Some(QuotedEntry {
                series: e.series,
                quote,
                body: e.body,
                label: e.label,
            }),
            None => {
                report.skipped("an entry whose words cannot be quoted", "is not kept", e.at);
                None
            }
        })
        .collect();
    (entries, lacunae)
}

/// The lacunae, from the records of where each begins and where its witness resumes (taken
/// out of `placed`): `from` the words of the first record, `to` the last word before the
/// second (the last word of the text when the witness never resumes).
fn lacunae(
    placed: &mut Vec<(Entry, Range<usize>)>,
    walked: &Walked,
    doc: &str,
    starts: &[usize],
    report: &mut Report,
) -> Vec<QuotedLacuna> {
    let (mut records, rest): (Vec<_>, Vec<_>) = std::mem::take(placed)
        .into_iter()
        .partition(|(e, _)| matches!(e.body, Body::Lacuna { .. }));
    *placed = rest;
    records.sort_by_key(|(_, g)| g.start);
    let mut out = vec![];
    let mut open: Vec<(String, String, Range<usize>)> = vec![];
    let close = |open: (String, String, Range<usize>), end: usize, words, out: &mut Vec<_>| {
        let (witness, series, from) = open;
        let to = words_before(&walked.blocks, doc, starts, end, words);
        if let (Some(from), Some(to)) = (quote(doc, from), to.and_then(|t| quote(doc, t))) {
            out.push(QuotedLacuna {
                witness,
                series,
                from,
                to,
            });
        }
    };
    for (e, g) in records {
        let Body::Lacuna {
            witness,
            resumes,
            words,
        } = &e.body
        else {
            continue;
        };
        let begun = open.iter().position(|(w, _, _)| w == witness);
        match (resumes, begun) {
            (false, None) => open.push((witness.clone(), e.series.clone(), g)),
            (true, Some(i)) => close(open.remove(i), g.start, *words, &mut out),
            (false, Some(_)) | (true, None) => report.skipped(
                "a `lacunaStart` or `lacunaEnd` without its other end",
                "is not kept",
                e.at,
            ),
        }
    }
    for o in open {
        close(o, doc.len(), 1, &mut out);
    }
    out
}

/// The last `words` words before `pos` in the last paragraph or verse before it (fewer
/// where it begins sooner).
fn words_before(
    blocks: &[Block],
    doc: &str,
    starts: &[usize],
    pos: usize,
    words: usize,
) -> Option<Range<usize>> {
    (0..blocks.len()).rev().find_map(|i| {
        if starts[i] >= pos || !blocks[i].kind.is_numbered() {
            return None;
        }
        let end = pos.min(starts[i] + blocks[i].text.len());
        let head = doc[starts[i]..end].trim_end();
        let mut start = head.len();
        for _ in 0..words {
            start = head[..start].trim_end().rfind(' ').map_or(0, |k| k + 1);
        }
        (!head.is_empty()).then(|| starts[i] + start..starts[i] + head.len())
    })
}

/// Two emendations may not overlap (the printed text can follow only one): an inner one
/// becomes a conjecture of the editors.
fn separate_emendations(placed: &mut [(Entry, Range<usize>)], report: &mut Report) {
    let emends: Vec<Range<usize>> = placed
        .iter()
        .filter(|(e, _)| matches!(e.body, Body::Emend { .. }))
        .map(|(_, g)| g.clone())
        .collect();
    for (e, g) in placed.iter_mut() {
        let Body::Emend { text, readings } = &e.body else {
            continue;
        };
        let overlapped = emends.iter().any(|o| {
            o != g && o.start < g.end && g.start < o.end && (o.end - o.start) >= (g.end - g.start)
        });
        if overlapped {
            report.plain(
                "an emendation inside another",
                "is kept as a conjecture of the editors",
                e.at,
            );
            let mut rs = vec![Reading::Conj {
                by: "edd.".into(),
                text: text.clone(),
            }];
            rs.extend(readings.iter().cloned());
            e.body = Body::Readings(rs);
        }
    }
}

/// The entry's range widened to whole words (an empty lemma takes the word before), its
/// readings widened alike.
fn fit_to_words(
    text: &str,
    range: Range<usize>,
    body: &Body,
    forward: bool,
) -> Option<(Range<usize>, Body)> {
    if range.is_empty() {
        let forward = forward || (matches!(body, Body::Note(_)) && range.start == 0);
        let word = to_words(text, widen_empty(text, range.clone(), forward)?).0;
        let before = word.end <= range.start;
        let w = &text[word.clone()];
        let body = match body {
            Body::Note(n) => Body::Note(n.clone()),
            Body::Emend { text: t, readings } => Body::Emend {
                text: if before {
                    format!("{w} {t}")
                } else {
                    format!("{t} {w}")
                },
                readings: readings
                    .iter()
                    .filter_map(|r| empty_lemma_reading(r, w, before))
                    .collect(),
            },
            Body::Readings(rs) => {
                let rs: Vec<Reading> = rs
                    .iter()
                    .filter_map(|r| empty_lemma_reading(r, w, before))
                    .collect();
                if rs.is_empty() {
                    return None;
                }
                Body::Readings(rs)
            }
            other @ (Body::Sign { .. } | Body::Lacuna { .. }) => other.clone(),
        };
        return Some((word, body));
    }
    let (wide, prefix, suffix) = to_words(text, range);
    let wrap = |t: &str| format!("{prefix}{t}{suffix}");
    let reading = |r: &Reading| match r {
        Reading::Var { wit, text } => Reading::Var {
            wit: wit.clone(),
            text: wrap(text),
        },
        Reading::Om { wit } if !(prefix.is_empty() && suffix.is_empty()) => Reading::Var {
            wit: wit.clone(),
            text: wrap(""),
        },
        Reading::Conj { by, text } => Reading::Conj {
            by: by.clone(),
            text: wrap(text),
        },
        other => other.clone(),
    };
    let body = match body {
        Body::Note(n) => Body::Note(n.clone()),
        Body::Emend { text, readings } => Body::Emend {
            text: wrap(text),
            readings: readings.iter().map(reading).collect(),
        },
        Body::Readings(rs) => Body::Readings(rs.iter().map(reading).collect()),
        Body::Sign {
            kind,
            text,
            resp,
            readings,
        } => Body::Sign {
            kind: *kind,
            text: text.clone(),
            resp: resp.clone(),
            readings: readings.iter().map(reading).collect(),
        },
        Body::Lacuna { .. } => body.clone(),
    };
    Some((wide, body))
}

/// A reading of an empty lemma, anchored on the word `word` before (or after) it.
fn empty_lemma_reading(r: &Reading, word: &str, before: bool) -> Option<Reading> {
    Some(match r {
        // Witnesses that lack the words too agree with the text.
        Reading::Var { text, .. } | Reading::Add { text, .. } if text.is_empty() => return None,
        Reading::Var { wit, text } | Reading::Add { wit, text } if before => Reading::Add {
            wit: wit.clone(),
            text: text.clone(),
        },
        Reading::Var { wit, text } | Reading::Add { wit, text } => Reading::Var {
            wit: wit.clone(),
            text: format!("{text} {word}"),
        },
        Reading::Om { .. } => return None,
        Reading::Transp { .. } => return None,
        Reading::Conj { by, text } if before => Reading::Conj {
            by: by.clone(),
            text: format!("{word} {text}"),
        },
        Reading::Conj { by, text } => Reading::Conj {
            by: by.clone(),
            text: format!("{text} {word}"),
        },
    })
}

/// The word before an empty range (after it when `forward`, or when none precedes).
fn widen_empty(text: &str, range: Range<usize>, forward: bool) -> Option<Range<usize>> {
    if !range.is_empty() {
        return Some(range);
    }
    let pos = range.start.min(text.len());
    let alnum = |c: char| c.is_alphanumeric();
    let sign = |c: char| c != ' ' && !c.is_alphanumeric();
    // Back over signs, then over a word (a word of letters, or the signs alone); forward
    // the same way. Scripts without spaces stop at their punctuation, not a space.
    let before = || {
        let head = text[..pos].trim_end_matches(' ');
        let start = head.trim_end_matches(sign).trim_end_matches(alnum).len();
        (start < head.len()).then_some(start..head.len())
    };
    let after = || {
        let rest = &text[pos..];
        let start = pos + rest.len() - rest.trim_start_matches(' ').len();
        let tail = text[start..]
            .trim_start_matches(sign)
            .trim_start_matches(alnum);
        let end = text.len() - tail.len();
        (end > start).then_some(start..end)
    };
    if forward {
        after().or_else(before)
    } else {
        before().or_else(after)
    }
}

/// `range` widened to word boundaries (apparat's quotations match whole words), with the
/// characters added before and after it.
fn to_words(text: &str, range: Range<usize>) -> (Range<usize>, String, String) {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let (mut start, mut end) = (range.start, range.end);
    while word(text[..start].chars().next_back()) && word(text[start..].chars().next()) {
        start -= text[..start].chars().next_back().map_or(1, char::len_utf8);
    }
    while word(text[end..].chars().next()) && word(text[..end].chars().next_back()) {
        end += text[end..].chars().next().map_or(1, char::len_utf8);
    }
    let prefix = text[start..range.start].to_string();
    let suffix = text[range.end..end].to_string();
    (start..end, prefix, suffix)
}

// ---- The header ------------------------------------------------------------------------------

#[derive(Default)]
struct Header {
    title: String,
    subtitle: Option<String>,
    short_title: Option<String>,
    editors: Vec<String>,
    authors: Vec<String>,
    language: String,
    version: String,
    date: String,
    license: Option<String>,
    publisher: Option<String>,
    place: Option<String>,
    doi: Option<String>,
    keywords: Vec<String>,
    description: Option<String>,
    original_title: Option<String>,
    original_date: Option<String>,
    principles: Option<String>,
    /// `[layout] line-numbers` as TOML, from the `rendition` apparat writes.
    line_numbers: Option<String>,
    /// A `citeStructure` of section milestones: the edition is cited by section and line.
    cite_by_section: bool,
}

fn text_norm(n: &Node) -> String {
    crate::text::normalize(&text_of(n))
}

impl Header {
    fn read(tei: &Node, src: &SourceFile, report: &mut Report) -> Header {
        let mut h = Header::default();
        let header = child(tei, "teiHeader");
        let find = |parent: &'static str, local: &'static str| -> Vec<Node> {
            header
                .iter()
                .flat_map(|hd| descendants(hd, local))
                .filter(|n| n.parent_element().is_some_and(|p| name(&p) == parent))
                .collect()
        };
        let typed = |nodes: &[Node], t: &str| {
            nodes
                .iter()
                .find(|n| n.attribute("type") == Some(t))
                .map(text_norm)
        };
        let titles = find("titleStmt", "title");
        h.title = typed(&titles, "main")
            .or_else(|| titles.first().map(text_norm))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| {
                src.path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
        h.subtitle = typed(&titles, "sub");
        h.short_title = typed(&titles, "short");
        h.editors = find("titleStmt", "editor").iter().map(text_norm).collect();
        if h.editors.is_empty() {
            h.editors = find("titleStmt", "respStmt")
                .iter()
                .filter(|r| !child(r, "resp").is_some_and(|x| text_norm(&x).contains("conjecture")))
                .flat_map(|r| {
                    r.children()
                        .filter(|c| c.is_element() && name(c) != "resp")
                        .map(|c| text_norm(&c))
                })
                .collect();
        }
        h.editors.retain(|e| !e.is_empty());
        if h.editors.is_empty() {
            h.editors.push("Unknown editor".into());
        }
        h.authors = find("titleStmt", "author")
            .iter()
            .map(text_norm)
            .filter(|a| !a.is_empty())
            .collect();
        h.language = language(tei, &find("langUsage", "language"), report);
        let edition = find("editionStmt", "edition");
        h.version = edition
            .first()
            .map(|e| {
                e.attribute("n")
                    .map(str::to_string)
                    .unwrap_or_else(|| text_norm(e).trim_start_matches("Version ").to_string())
            })
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "1.0".into());
        let pub_date = find("publicationStmt", "date");
        h.date = pub_date
            .first()
            .and_then(|d| iso_date(d.attribute("when").unwrap_or(&text_norm(d))))
            .unwrap_or_else(today);
        h.license = find("availability", "licence").first().map(|l| {
            let t = text_norm(l);
            if t.is_empty() {
                l.attribute("target").unwrap_or_default().to_string()
            } else {
                t
            }
        });
        h.publisher = find("publicationStmt", "publisher").first().map(text_norm);
        h.place = find("publicationStmt", "pubPlace").first().map(text_norm);
        h.doi = find("publicationStmt", "idno")
            .iter()
            .find(|i| i.attribute("type") == Some("DOI"))
            .map(text_norm);
        h.keywords = find("keywords", "term").iter().map(text_norm).collect();
        h.description = find("profileDesc", "abstract")
            .first()
            .map(text_norm)
            .filter(|d| !d.is_empty());
        let work = find("sourceDesc", "bibl")
            .into_iter()
            .find(|b| b.attribute("type") == Some("work"));
        h.original_title = work.and_then(|w| child(&w, "title")).map(|t| text_norm(&t));
        h.original_date = work.and_then(|w| child(&w, "date")).map(|t| text_norm(&t));
        h.principles = principles(&find("editorialDecl", "p"));
        h.line_numbers = find("tagsDecl", "rendition")
            .iter()
            .find(|r| walk::xml_id(r) == Some("line-numbers"))
            .and_then(|r| line_numbers(r.attribute("n")?));
        h.cite_by_section = find("refsDecl", "citeStructure")
            .iter()
            .any(|c| c.attribute("unit") == Some("section"));
        h
    }
}

/// `every(5) restart(poem)` as `{ every = 5, restart = "poem" }`.
fn line_numbers(n: &str) -> Option<String> {
    let value = |key: &str| {
        n.split_whitespace()
            .find_map(|t| t.strip_prefix(key)?.strip_prefix('(')?.strip_suffix(')'))
    };
    let every: u32 = value("every")?.parse().ok()?;
    let restart = value("restart")?;
    let known = ["page", "document", "section", "poem"].contains(&restart);
    known.then(|| format!("{{ every = {every}, restart = \"{restart}\" }}"))
}

/// The editorial declaration's paragraphs as Markdown (apparat's own sentence left out).
fn principles(paragraphs: &[Node]) -> Option<String> {
    let mut out = String::new();
    for p in paragraphs
        .iter()
        .filter(|p| p.attribute("n") != Some("base"))
    {
        let text = text_norm(p);
        if text.is_empty() {
            continue;
        }
        // Markdown's signs in the text are text.
        let escaped: String = text
            .chars()
            .flat_map(|c| {
                let special = matches!(
                    c,
                    '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '<' | '>' | '|'
                );
                special
                    .then_some('\\')
                    .into_iter()
                    .chain(std::iter::once(c))
            })
            .collect();
        if p.attribute("rend") == Some("heading") {
            let _ = write!(out, "## {escaped}\n\n");
        } else {
            let _ = write!(out, "{escaped}\n\n");
        }
    }
    (!out.is_empty()).then_some(out)
}

fn language(tei: &Node, usage: &[Node], report: &mut Report) -> String {
    let text_lang = child(tei, "text").and_then(|t| t.attribute((roxmltree::NS_XML_URI, "lang")));
    let tag = tei
        .attribute((roxmltree::NS_XML_URI, "lang"))
        .or(text_lang)
        .or_else(|| usage.first().and_then(|l| l.attribute("ident")))
        .unwrap_or("en");
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic()) {
        primary
    } else {
        report.skipped(
            &format!("the language `{tag}`"),
            "is no ISO 639 code; the edition says `en`",
            tei.range().start,
        );
        "en".into()
    }
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (at the start of `s`) as a TOML date.
fn iso_date(s: &str) -> Option<String> {
    let s = s.trim();
    let digits = |r: Range<usize>| {
        s.get(r)
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string)
    };
    let year = digits(0..4)?;
    let month = (s.get(4..5) == Some("-"))
        .then(|| digits(5..7))
        .flatten()
        .unwrap_or_else(|| "01".into());
    let day = (s.get(7..8) == Some("-"))
        .then(|| digits(8..10))
        .flatten()
        .unwrap_or_else(|| "01".into());
    Some(format!("{year}-{month}-{day}"))
}

fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    chrono::DateTime::from_timestamp(secs, 0)
        .map_or_else(|| "1970-01-01".into(), |d| d.format("%Y-%m-%d").to_string())
}

// ---- Writing ---------------------------------------------------------------------------------

/// A TOML string (quotes and escapes as TOML needs them).
fn s(v: &str) -> String {
    toml::Value::String(v.to_string()).to_string()
}

fn list(vs: &[String]) -> String {
    format!(
        "[{}]",
        vs.iter().map(|v| s(v)).collect::<Vec<_>>().join(", ")
    )
}

fn quote_keys(q: &Quoted) -> String {
    let mut out = format!("at = {}\n", s(&q.at));
    if let Some(n) = q.occurrence {
        let _ = writeln!(out, "occurrence = {n}");
    }
    out
}

fn spec_toml(h: &Header, e: &Assembled, wits: &Witnesses, base: &str) -> String {
    let mut out = String::from("# Imported from TEI by `apparat import tei`.\n\n[edition]\n");
    let _ = writeln!(out, "title = {}", s(&h.title));
    let optional = [("subtitle", &h.subtitle), ("short-title", &h.short_title)];
    for (k, v) in optional {
        if let Some(v) = v {
            let _ = writeln!(out, "{k} = {}", s(v));
        }
    }
    let _ = writeln!(out, "editors = {}", list(&h.editors));
    if !h.authors.is_empty() {
        let _ = writeln!(out, "authors = {}", list(&h.authors));
    }
    let _ = writeln!(
        out,
        "language = {}\nversion = {}\ndate = {}",
        s(&h.language),
        s(&h.version),
        h.date
    );
    let more = [
        ("license", &h.license),
        ("publisher", &h.publisher),
        ("place", &h.place),
        ("doi", &h.doi),
        ("description", &h.description),
        ("original-title", &h.original_title),
        ("original-date", &h.original_date),
    ];
    for (k, v) in more {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            let _ = writeln!(out, "{k} = {}", s(v));
        }
    }
    if !h.keywords.is_empty() {
        let _ = writeln!(out, "keywords = {}", list(&h.keywords));
    }
    if h.principles.is_some() {
        out.push_str("principles = \"principles.md\"\n");
    }
    let sha = crate::text::hex(&Sha256::digest(e.source.as_bytes()));
    let _ = write!(
        out,
        "\n[text]\nfile = \"source.txt\"\nsha256 = \"{sha}\"\nbase = {}\n",
        s(base)
    );
    if e.verse.is_none() {
        out.push_str("verse = true\n");
    }
    for (siglum, description) in &wits.list {
        let _ = write!(out, "\n[[witness]]\nsiglum = {}\n", s(siglum));
        if !description.is_empty() {
            let _ = writeln!(out, "description = {}", s(description));
        }
        for (key, map) in [("members", &wits.members), ("hands", &wits.hands)] {
            if let Some(vs) = map.get(siglum) {
                let _ = writeln!(out, "{key} = {}", list(vs));
            }
        }
    }
    for l in &e.lacunae {
        let _ = write!(
            out,
            "\n[[lacuna]]\nwitness = {}\nfrom = {}\nto = {}\nseries = {}\n",
            s(&l.witness),
            inline_quote(&l.from),
            inline_quote(&l.to),
            s(&l.series)
        );
    }
    structure_toml(&mut out, e);
    if let Some(numbers) = &h.line_numbers {
        let _ = write!(out, "\n[layout]\nline-numbers = {numbers}\n");
    }
    if h.cite_by_section {
        out.push_str("\n[reference]\ncite = \"section\"\n");
    }
    if let Some((lang, t)) = &e.translation {
        translation_toml(&mut out, lang, t);
    }
    for (o, t) in &e.aligns {
        let _ = write!(
            out,
            "\n[[align]]\noriginal = {}\ntranslation = {}\n",
            inline_quote(o),
            inline_quote(t)
        );
    }
    entries_toml(&mut out, e, None);
    out
}

/// A quotation as a TOML value: a string, or a table with `occurrence`.
fn inline_quote(q: &Quoted) -> String {
    match q.occurrence {
        Some(n) => format!("{{ at = {}, occurrence = {n} }}", s(&q.at)),
        None => s(&q.at),
    }
}

fn structure_toml(out: &mut String, e: &Assembled) {
    if let Some(t) = &e.title {
        let _ = write!(out, "\n[structure]\ntitle = {{ at = {}", s(&t.at));
        if let Some(n) = t.occurrence {
            let _ = write!(out, ", occurrence = {n}");
        }
        out.push_str(" }\n");
    }
    for (q, level) in &e.headings {
        let _ = write!(out, "\n[[heading]]\n{}level = {level}\n", quote_keys(q));
    }
    for (from, to) in e.verse.iter().flatten() {
        let _ = write!(
            out,
            "\n[[verse]]\nfrom = {}\nto = {}\n",
            inline_quote(from),
            inline_quote(to)
        );
    }
    for (q, witness, n) in &e.milestones {
        let _ = write!(
            out,
            "\n[[milestone]]\n{}witness = {}\nn = {}\n",
            quote_keys(q),
            s(witness),
            s(n)
        );
    }
    for (q, n) in &e.sections {
        let _ = write!(out, "\n[[section]]\n{}n = {}\n", quote_keys(q), s(n));
    }
    index_toml(out, e);
}

/// `[[index]]` and `[[index-entry]]`: the indexes declared in the back matter and those
/// the entries name (an entry naming none goes to the first).
fn index_toml(out: &mut String, e: &Assembled) {
    let mut indexes = e.indexes.clone();
    for (_, entry) in &e.index_entries {
        if !entry.index.is_empty() && !indexes.iter().any(|(id, _)| *id == entry.index) {
            indexes.push((entry.index.clone(), entry.index.clone()));
        }
    }
    if indexes.is_empty() && !e.index_entries.is_empty() {
        indexes.push(("index".into(), "Index".into()));
    }
    for (id, title) in &indexes {
        let _ = write!(out, "\n[[index]]\nid = {}\ntitle = {}\n", s(id), s(title));
    }
    for (q, entry) in &e.index_entries {
        let index = if entry.index.is_empty() {
            &indexes[0].0
        } else {
            &entry.index
        };
        let _ = write!(
            out,
            "\n[[index-entry]]\n{}index = {}\nheadword = {}\n",
            quote_keys(q),
            s(index),
            s(&entry.headword)
        );
        if let Some(sub) = &entry.sub {
            let _ = writeln!(out, "sub = {}", s(sub));
        }
        if let Some(sort) = &entry.sort {
            let _ = writeln!(out, "sort = {}", s(sort));
        }
    }
}

/// `[translation]` with its title and headings, and the translator's series and notes.
fn translation_toml(out: &mut String, lang: &str, t: &Assembled) {
    let _ = write!(
        out,
        "\n[translation]\nfile = \"{TRANSLATION_FILE}\"\nlanguage = {}\n",
        s(lang)
    );
    if let Some(title) = &t.title {
        let _ = writeln!(out, "title = {}", inline_quote(title));
    }
    // A translation is verse or prose as a whole.
    if t.verse.is_none() {
        out.push_str("verse = true\n");
    }
    for (q, level) in &t.headings {
        let _ = write!(
            out,
            "\n[[translation.heading]]\n{}level = {level}\n",
            quote_keys(q)
        );
    }
    // Its series annotate the translation.
    entries_toml(out, t, Some("translation"));
}

/// The file a facing translation is written to.
const TRANSLATION_FILE: &str = "translation.txt";

/// The series (`of`: the text they annotate, where not the original) and their entries.
fn entries_toml(out: &mut String, e: &Assembled, of: Option<&str>) {
    let mut series: Vec<(String, String, String)> = e.series.clone();
    for entry in &e.entries {
        if !series.iter().any(|(id, _, _)| *id == entry.series) {
            let (title, kind) = match &entry.body {
                Body::Note(_) => ("Commentary", "commentary"),
                _ => ("Critical apparatus", "critical"),
            };
            series.push((entry.series.clone(), title.into(), kind.into()));
        }
    }
    for (id, title, kind) in &series {
        let title = if title.is_empty() { id } else { title };
        let _ = write!(
            out,
            "\n[[series]]\nid = {}\ntitle = {}\nkind = \"{kind}\"\n",
            s(id),
            s(title)
        );
        if e.positive.contains(id) {
            out.push_str("positive = true\n");
        }
        if let Some(of) = of {
            let _ = writeln!(out, "of = {}", s(of));
        }
    }
    for entry in &e.entries {
        let _ = write!(
            out,
            "\n[[entry]]\nseries = {}\n{}",
            s(&entry.series),
            quote_keys(&entry.quote)
        );
        match &entry.body {
            Body::Note(n) => {
                if let Some(label) = &entry.label {
                    let _ = writeln!(out, "label = {}", s(label));
                }
                let _ = writeln!(out, "note = {}", s(n));
            }
            Body::Emend { text, readings } => {
                let _ = writeln!(out, "emend = {}", s(text));
                readings_toml(out, readings);
            }
            Body::Readings(rs) => readings_toml(out, rs),
            Body::Sign {
                kind,
                text,
                resp,
                readings,
            } => {
                let _ = writeln!(out, "sign = \"{}\"", kind.name());
                for (k, v) in [("text", text), ("resp", resp)] {
                    if let Some(v) = v {
                        let _ = writeln!(out, "{k} = {}", s(v));
                    }
                }
                readings_toml(out, readings);
            }
            // Written as `[[lacuna]]` tables.
            Body::Lacuna { .. } => {}
        }
    }
    for (q, text) in &e.margins {
        let _ = write!(out, "\n[[margin]]\n{}text = {}\n", quote_keys(q), s(text));
    }
}

fn readings_toml(out: &mut String, readings: &[Reading]) {
    if readings.is_empty() {
        return;
    }
    let one = |r: &Reading| match r {
        Reading::Var { wit, text } => format!("{{ wit = {}, text = {} }}", list(wit), s(text)),
        Reading::Om { wit } => format!("{{ wit = {}, type = \"om\" }}", list(wit)),
        Reading::Add { wit, text } => format!(
            "{{ wit = {}, type = \"add\", text = {} }}",
            list(wit),
            s(text)
        ),
        Reading::Transp { wit, text } if text.is_empty() => {
            format!("{{ wit = {}, type = \"transp\" }}", list(wit))
        }
        Reading::Transp { wit, text } => format!(
            "{{ wit = {}, type = \"transp\", text = {} }}",
            list(wit),
            s(text)
        ),
        Reading::Conj { by, text } => {
            format!("{{ type = \"conj\", by = {}, text = {} }}", s(by), s(text))
        }
    };
    let _ = writeln!(
        out,
        "readings = [{}]",
        readings.iter().map(one).collect::<Vec<_>>().join(", ")
    );
}

fn write_folder(dir: &Path, source: &str, spec: &str, principles: Option<&str>) -> Result<()> {
    crate::export::write_atomic(&dir.join("source.txt"), source.as_bytes())?;
    if let Some(p) = principles {
        crate::export::write_atomic(&dir.join("principles.md"), p.as_bytes())?;
    }
    crate::export::write_atomic(&dir.join("edition.toml"), spec.as_bytes())
}
