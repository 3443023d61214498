//! Stage 5 — typeset: compile markup in the sandboxed World and read the result back.
//!
//! Reading back is the point: apparat never trusts its own idea of where text landed. Every
//! glyph of the laid-out document is visited once ([`glyphs`]) with its page, position and
//! the source span Typst attached to it; spans of the main file are resolved through one
//! table built per compile ([`SpanIndex`]) — a per-glyph tree search would be quadratic.

use std::ops::Range;

use typst::World;
use typst::foundations::{Label, Value};
use typst::introspection::Introspector as _;
use typst::layout::{Frame, FrameItem, Point, Transform};
use typst::syntax::{Source, Span, SyntaxKind, SyntaxNode};
use typst_layout::PagedDocument;

use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use crate::world::EditionWorld;

/// One glyph as laid out.
#[derive(Debug, Clone)]
pub struct GlyphPos {
    /// 0-based page index.
    pub page: usize,
    /// Left edge of the glyph, pt from the page's left edge.
    pub x: f64,
    /// Advance width, pt.
    pub width: f64,
    /// Baseline, pt from the page's top edge.
    pub y: f64,
    /// Cap height of the glyph's font at its size (the line's top edge above the baseline).
    pub cap: f64,
    pub span: Span,
    pub offset: u16,
    /// The first character the glyph shows (`'\0'` for none).
    pub first: char,
    /// Bytes of text the glyph shows (more than one character for a ligature: `ffi`).
    pub text_len: usize,
    /// The glyph's index in its font: 0 is the font's empty box (`.notdef`), which Typst
    /// prints for a character the font lacks.
    pub id: u16,
}

impl GlyphPos {
    /// How far from its line's baseline a glyph may stand: Typst sets a glyph that the font
    /// shifts up or down (a mark positioned over its base, a cursive join) as text of its
    /// own at the shifted height, so its `y` is not the baseline. Lines lie further apart.
    pub fn fuzz(&self) -> f64 {
        (0.6 * self.cap).max(0.5)
    }
}

/// Calls `f` with every glyph of the given pages, in frame order. A visitor rather than a
/// list: a long edition has hundreds of thousands of glyphs, and the readers need each once.
pub fn for_each_glyph(
    doc: &PagedDocument,
    pages: std::ops::Range<usize>,
    mut f: impl FnMut(&GlyphPos),
) {
    for (i, page) in doc.pages().iter().enumerate() {
        if pages.contains(&i) {
            walk(&page.frame, Transform::identity(), i, &mut f);
        }
    }
}

fn walk(frame: &Frame, ts: Transform, page: usize, out: &mut impl FnMut(&GlyphPos)) {
    for (pos, item) in frame.items() {
        match item {
            FrameItem::Group(g) => {
                let inner = ts
                    .pre_concat(Transform::translate(pos.x, pos.y))
                    .pre_concat(g.transform);
                walk(&g.frame, inner, page, out);
            }
            FrameItem::Text(t) => {
                let cap = t.font.metrics().cap_height.at(t.size).to_pt();
                let mut x = pos.x;
                for g in &t.glyphs {
                    let adv = g.x_advance.at(t.size);
                    let p = Point::new(x + g.x_offset.at(t.size), pos.y).transform(ts);
                    let r = g.range();
                    out(&GlyphPos {
                        page,
                        x: p.x.to_pt(),
                        width: adv.to_pt(),
                        y: p.y.to_pt(),
                        cap,
                        span: g.span.0,
                        offset: g.span.1,
                        first: t
                            .text
                            .get(r.clone())
                            .and_then(|s| s.chars().next())
                            .unwrap_or('\0'),
                        text_len: r.len(),
                        id: g.id,
                    });
                    x += adv;
                }
            }
            _ => {}
        }
    }
}

/// Byte ranges of the main source's string literals, by span.
///
/// A table sorted by span, searched by bisection: Typst numbers a file's nodes in tree
/// order (a parent before its children, siblings from left to right), so the walk meets
/// the literals in the order of their spans and the table needs no hashing and no sort.
pub(crate) struct SpanIndex {
    spans: Vec<Span>,
    ranges: Vec<Range<usize>>,
}

impl SpanIndex {
    pub fn new(source: &Source) -> Self {
        let mut index = SpanIndex {
            spans: vec![],
            ranges: vec![],
        };
        // Only string literals: all text apparat emits enters the markup as literals, so no
        // other node's span is ever looked up.
        fn visit(node: &SyntaxNode, offset: usize, index: &mut SpanIndex) {
            if node.kind() == SyntaxKind::Str {
                index.spans.push(node.span());
                index.ranges.push(offset..offset + node.len());
                return;
            }
            let mut at = offset;
            for child in node.children() {
                visit(child, at, index);
                at += child.len();
            }
        }
        visit(source.root(), 0, &mut index);
        if !index.spans.is_sorted_by_key(|s| s.into_raw()) {
            // Not in Typst 0.15; should a later numbering differ, the table is sorted.
            let mut pairs: Vec<_> = index.spans.into_iter().zip(index.ranges).collect();
            pairs.sort_by_key(|(s, _)| s.into_raw());
            (index.spans, index.ranges) = pairs.into_iter().unzip();
        }
        index
    }

    pub fn range(&self, span: Span) -> Option<Range<usize>> {
        let i = self
            .spans
            .binary_search_by_key(&span.into_raw(), |s| s.into_raw())
            .ok()?;
        Some(self.ranges[i].clone())
    }
}

/// The value of the metadata element with the given label.
pub fn metadata(doc: &PagedDocument, label: &str) -> Option<Value> {
    let label = Label::new(typst::utils::PicoStr::intern(label))?;
    let content = doc.introspector().query_label(label).ok()?;
    content.get_by_name("value").ok()
}

/// Compile the world's main file; Typst's errors become diagnostics located in the markup
/// or the template.
pub fn compile(world: &EditionWorld) -> Result<(PagedDocument, Vec<Diagnostic>), Diagnostics> {
    let (result, warnings) = crate::world::compile(world);
    let warn = warnings.iter().map(|d| to_diag(world, d, false)).collect();
    match result {
        Ok(doc) => Ok((doc, warn)),
        Err(errs) => Err(Diagnostics(
            errs.iter().map(|d| to_diag(world, d, true)).collect(),
        )),
    }
}

fn to_diag(world: &EditionWorld, d: &typst::diag::SourceDiagnostic, error: bool) -> Diagnostic {
    let msg = format!("typst: {}", d.message);
    let mut out = if error {
        Diagnostic::error(msg)
    } else {
        Diagnostic::warning(msg)
    };
    let span = d.span;
    if let Some(id) = span.id()
        && let Ok(src) = world.source(id)
        && let Some(r) = typst::WorldExt::range(world, span)
    {
        let name = world.display_path(id);
        out = out.at(&SourceFile::new(name, src.text().to_string()), r);
    }
    // A forked template that lost a function apparat calls: say which, and with what.
    if let Some(name) = d.message.strip_prefix("unknown variable: ")
        && let Some((_, params)) = crate::markup::TEMPLATE_CONTRACT
            .iter()
            .find(|(f, _)| *f == name)
    {
        return out.with_note(format!(
            "the template does not define `{name}({})`, which apparat calls: keep every function its header lists (`apparat template` prints the bundled template)",
            params.join(", ")
        ));
    }
    for h in &d.hints {
        out = out.with_note(format!("hint: {}", h.v));
    }
    out
}
