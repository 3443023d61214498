//! The [`Plan`] as Typst markup: the final document, with every line break and page break
//! forced, built from markup's vocabulary (escaped text, blocks, apparatus tokens).
//!
//! Every body page is an explicit `page(header: running-head(…))` carrying its folio and
//! current section, so no body page uses introspection and Typst lays the document out in
//! one pass (a second pass would also hold a second document in memory).

use std::fmt::Write as _;

use crate::markup::{self, Front, Printed, SetToken, Writer};
use crate::spec::Spec;
use crate::text::BlockKind;

use super::compose::{FacingPlan, LineNumber, Page, PlacedNote, Plan};

/// Markup of the final document. `facing`: the translation's spec and printed text, whose
/// pages (`plan.facing`) stand between the original's; the spans of its text are recorded in
/// `Writer::facing_spans`, apart from the original's.
pub fn final_doc(
    spec: &Spec,
    p: &Printed,
    front: &Front,
    template: &str,
    plan: &Plan,
    facing: Option<(&Spec, &Printed)>,
) -> Writer {
    let mut w = Writer::new();
    w.bracket_turnovers = spec.layout.turnovers == crate::spec::Turnovers::Bracket;
    markup::preamble(&mut w, spec, false, template);
    // The cross-references, from the plan (the notes name their slots).
    w.out.push_str(&super::xref::definition(
        &super::xref::resolve(p, plan),
        spec.reference.by_section(),
    ));
    for (path, desc, mime) in &front.attachments {
        let _ = writeln!(
            w.out,
            "#pdf.attach({}, description: {}, mime-type: {}, relationship: \"source\")",
            markup::lit_str(path),
            markup::lit_str(desc),
            markup::lit_str(mime)
        );
    }
    // The how-to-cite's example cites the first body page and its first numbered line.
    let cite_at = plan.pages.first().map(|page| {
        let line = page.numbers.first().map_or(1, |n| n.number);
        (page.number, line)
    });
    markup::front_matter(&mut w, spec, front, cite_at);
    // Every line break is forced (hyphens included): finding hyphenation points again would
    // only cost time.
    w.out.push_str("#set text(hyphenate: false)\n");
    let mut prev_para = false;
    match (&plan.facing, facing) {
        (Some(fp), Some((tspec, tp))) => {
            facing_pages(&mut w, (spec, p), (tspec, tp), plan, fp);
        }
        _ => {
            for page in &plan.pages {
                body_page(&mut w, spec, p, page, plan, &mut prev_para, None);
            }
        }
    }
    for series in &plan.endnotes {
        w.out.push('#');
        if markup::series_call(&mut w, spec, series.series, "endnotes") {
            for entry in series.tokens.chunk_by(|a, b| a.entry == b.entry) {
                w.out.push('(');
                markup::write_tokens(&mut w, entry, &plan.emit);
                w.out.push_str("), ");
            }
        } else {
            markup::write_tokens(&mut w, &series.tokens, &plan.emit);
        }
        w.out.push_str("))\n");
    }
    // The indexes, after the text and the endnotes.
    w.out.push_str(&super::index::markup(spec, p, plan));
    w
}

/// The pages of original and translation in the order of their folios, with the blank
/// pages before them (or, in columns, each page holding both). The translation's text is set
/// in its language and written apart (see [`write_apart`]).
fn facing_pages(
    w: &mut Writer,
    original: (&Spec, &Printed),
    translation: (&Spec, &Printed),
    plan: &Plan,
    fp: &FacingPlan,
) {
    for _ in &fp.blank {
        w.out.push_str("#page(header: none)[]\n");
    }
    if let Some(original_left) = fp.columns {
        column_pages(w, original, translation, plan, fp, original_left);
        return;
    }
    let (mut prev_o, mut prev_t) = (false, false);
    let lang = translation.0.edition.language.get_ref();
    let mut set_translation = |w: &mut Writer, page: &Page| {
        write_apart(w, |tw| {
            let (tspec, tp) = translation;
            body_page(tw, tspec, tp, page, plan, &mut prev_t, Some(lang));
        });
    };
    let mut trans = fp.pages.iter().peekable();
    for page in &plan.pages {
        while let Some(t) = trans.next_if(|t| t.number < page.number) {
            set_translation(w, t);
        }
        body_page(w, original.0, original.1, page, plan, &mut prev_o, None);
    }
    for t in trans {
        set_translation(w, t);
    }
}

/// Original and translation side by side on each page (`layout = "columns"`); the
/// original's column is the left one where `original_left`.
fn column_pages(
    w: &mut Writer,
    original: (&Spec, &Printed),
    translation: (&Spec, &Printed),
    plan: &Plan,
    fp: &FacingPlan,
    original_left: bool,
) {
    let (mut prev_o, mut prev_t) = (false, false);
    let lang = markup::lit_str(translation.0.edition.language.get_ref());
    for (page, tpage) in plan.pages.iter().zip(&fp.pages) {
        page_head(w, original.1, page);
        w.out.push_str("#facing-columns(");
        for left in [true, false] {
            w.out.push('[');
            if left == original_left {
                pieces(w, original.1, page, &mut prev_o);
            } else {
                write_apart(w, |tw| {
                    let _ = writeln!(tw.out, "#set text(lang: {lang})");
                    pieces(tw, translation.1, tpage, &mut prev_t);
                });
            }
            w.out.push_str("], ");
        }
        w.out.push_str(")\n");
        apparatus(w, original.0, page, plan);
        furniture(w, &[], &page.notes, page.number % 2 == 1, plan);
        section_numbers(w, page);
        for (numbers, right) in [
            (&page.numbers, !original_left),
            (&tpage.numbers, original_left),
        ] {
            w.out.push_str("#column-numbers(");
            line_numbers(w, numbers);
            let _ = writeln!(w.out, ", {right})");
        }
        w.out.push_str("]\n");
    }
}

/// A facing translation's part of the document, written by `f` into a writer of its own and
/// appended: its spans and apparatus tokens go to `facing_spans` and `facing_entries`, apart
/// from the original's (they index another printed text).
fn write_apart(w: &mut Writer, f: impl FnOnce(&mut Writer)) {
    let mut tw = Writer::new();
    tw.bracket_turnovers = w.bracket_turnovers;
    f(&mut tw);
    let offset = w.out.len();
    w.out.push_str(&tw.out);
    w.facing_spans.literals.extend(
        tw.spans
            .literals
            .iter()
            .map(|&(typ, printed, len)| (typ + offset, printed, len)),
    );
    w.facing_entries.extend(
        tw.entries
            .iter()
            .map(|(r, entry)| (r.start + offset..r.end + offset, *entry)),
    );
}

/// Line numbers as the template takes them: `((number, y), …)`.
fn line_numbers(w: &mut Writer, numbers: &[LineNumber]) {
    w.out.push('(');
    for n in numbers {
        let _ = write!(w.out, "({}, {:.3}), ", n.number, n.y);
    }
    w.out.push(')');
}

/// One body page: its running head, text, apparatus and margin furniture. `prev_para`:
/// whether the block before was a paragraph (a paragraph after one is indented). `lang`: a
/// facing translation's page is set in its language (shaping, quotation marks).
fn body_page(
    w: &mut Writer,
    spec: &Spec,
    p: &Printed,
    page: &Page,
    plan: &Plan,
    prev_para: &mut bool,
    lang: Option<&str>,
) {
    page_head(w, p, page);
    if let Some(lang) = lang {
        let _ = writeln!(w.out, "#set text(lang: {})", markup::lit_str(lang));
    }
    pieces(w, p, page, prev_para);
    apparatus(w, spec, page, plan);
    furniture(w, &page.numbers, &page.notes, page.number % 2 == 1, plan);
    section_numbers(w, page);
    w.out.push_str("]\n");
}

/// The numbers of the sections beginning on the page, in the inner margin:
/// `#section-numbers(((n, y), …), recto)`.
fn section_numbers(w: &mut Writer, page: &Page) {
    if page.section_marks.is_empty() {
        return;
    }
    w.out.push_str("#section-numbers((");
    for m in &page.section_marks {
        let _ = write!(w.out, "({}, {:.3}), ", markup::lit_str(&m.n), m.y);
    }
    let _ = writeln!(w.out, "), {})", page.number % 2 == 1);
}

/// Opens a body page: `#page(header: running-head(…))[`.
fn page_head(w: &mut Writer, p: &Printed, page: &Page) {
    let section = page.section.as_ref().map_or("none".to_string(), |r| {
        format!("[{}]", markup::lit(&p.doc[r.clone()]))
    });
    let sections = page.sections.as_ref().map_or(String::new(), |s| {
        format!(", sections: {}", markup::lit_str(s))
    });
    let _ = writeln!(
        w.out,
        "// page {n}\n#page(header: running-head(config, {n}, {section}, opening: {opening}{sections}))[",
        n = page.number,
        opening = page.opening,
    );
}

/// The text of a page, block by block.
fn pieces(w: &mut Writer, p: &Printed, page: &Page, prev_para: &mut bool) {
    for piece in &page.pieces {
        let b = &p.blocks[piece.block];
        let para = b.kind == BlockKind::Paragraph;
        let indent = para && *prev_para && !piece.continued;
        let lines = &piece.lines;
        let range = lines.first().map_or(b.range.start, |l| l.range.start)
            ..lines.last().map_or(b.range.end, |l| l.range.end);
        markup::block(w, p, b, range, Some(lines), indent, piece.continues);
        *prev_para = para;
    }
}

/// Line numbers and margin notes: `page-furniture(numbers, notes, recto, note-width)`.
fn furniture(
    w: &mut Writer,
    numbers: &[LineNumber],
    notes: &[PlacedNote],
    recto: bool,
    plan: &Plan,
) {
    w.out.push_str("#page-furniture(");
    line_numbers(w, numbers);
    w.out.push_str(", (");
    for note in notes {
        let _ = write!(w.out, "({:.3}, {}), ", note.y, note.body);
    }
    let _ = writeln!(w.out, "), {recto}, {:.3})", plan.note_width);
}

/// The apparatus blocks at the foot of a page. A line that needs more than its tokens is
/// a dictionary (see the template's `app-line`): `continued` (it continues a note from the
/// page before), `ends` (the continued note ends on it: a ragged break, the page's own
/// entries follow) and `continues` (the block's last line: its note continues on the next
/// page, so it is justified and may carry the template's `app-continued` mark).
fn apparatus(w: &mut Writer, spec: &Spec, page: &Page, plan: &Plan) {
    if page.apparatus.is_empty() {
        return;
    }
    w.out.push_str("#apparatus((");
    for block in &page.apparatus {
        let last = block.lines.len() - 1;
        let line = |w: &mut Writer, k: usize, l: &[SetToken]| {
            let flags = [
                (k == 0 && block.carried > 0, "continued"),
                (k + 1 == block.carried && k < last, "ends"),
                (k == last && block.continues, "continues"),
            ];
            let dict = flags.iter().any(|(on, _)| *on);
            w.out.push_str(if dict { "(tokens: (" } else { "(" });
            markup::write_tokens(w, l, &plan.emit);
            w.out.push(')');
            for (on, name) in flags {
                if on {
                    let _ = write!(w.out, ", {name}: true");
                }
            }
            w.out.push_str(if dict { "), " } else { ", " });
        };
        if markup::series_call(w, spec, block.series, "app-series") {
            // Lines grouped by entry: an entry begins a line of its own.
            let same_entry = |a: &Vec<SetToken>, b: &Vec<SetToken>| {
                a.last().map(|t| t.entry) == b.first().map(|t| t.entry)
            };
            let mut k = 0;
            for group in block.lines.chunk_by(same_entry) {
                w.out.push('(');
                for l in group {
                    line(w, k, l);
                    k += 1;
                }
                w.out.push_str("), ");
            }
        } else {
            for (k, l) in block.lines.iter().enumerate() {
                line(w, k, l);
            }
        }
        w.out.push_str(")), ");
    }
    w.out.push_str("))\n");
}
