//! Prose files named by the spec (editorial principles): CommonMark turned into Typst markup.
//!
//! Editors write Markdown, so the parsing is left to `pulldown-cmark`, a CommonMark
//! implementation, rather than to a home-made subset that would disagree with every preview
//! the editor uses. Headings, paragraphs, emphasis, lists, links, block quotes, code and line
//! breaks become calls of Typst functions (`heading`, `list`, `enum`, `link`, `quote`, `raw`);
//! every run of text enters the markup as a string literal ([`lit`]), so a prose file cannot
//! run Typst code, and `#`, `$`, `<`, `@` or `//` print as typed. Inline HTML prints as text.
//!
//! The editor's straight quotation marks become typographic ones in the edition's language
//! (`crate::quotes`), decided over the text of a whole block, so a mark next to emphasis or a
//! link is read in its context; code keeps its marks.

use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

use crate::markup::{lit, lit_str};
use crate::quotes::{self, Edit, Style};
use crate::spec::Spec;

/// The principles for the front matter: the prose file `src` (if any) as markup, followed by
/// what the spec itself implies the principles must say (a silent normalisation of the base
/// text's quotation marks). `None` when there is nothing to print.
/// Its cross-references (`{{ref:name}}`) take the document's slots from `first_slot` on;
/// their names are pushed to `refs` in slot order.
pub(crate) fn principles(
    spec: &Spec,
    src: Option<&str>,
    first_slot: usize,
    refs: &mut Vec<String>,
) -> Option<String> {
    let lang = spec.edition.language.get_ref();
    let style = spec
        .edition
        .typographic_quotes
        .unwrap_or(true)
        .then(|| quotes::style(lang));
    let mut out = src.map(|s| markdown_with_refs(s, style, first_slot, refs));
    if spec.text.typographic_quotes {
        let out = out.get_or_insert_with(|| {
            format!(
                "#heading(level: 1, outlined: true)[{}]\n",
                lit(principles_title(lang))
            )
        });
        out.push_str(&lit(quote_normalisation(lang)));
        out.push_str("#parbreak()\n");
    }
    out
}

/// The heading of principles that consist only of what the spec implies.
fn principles_title(lang: &str) -> &'static str {
    match primary(lang) {
        "sv" => "Utgivningsprinciper",
        "de" => "Editionsprinzipien",
        "fr" => "Principes d\u{2019}édition",
        _ => "Editorial principles",
    }
}

/// The sentence that declares `[text] typographic-quotes`.
pub(crate) fn quote_normalisation(lang: &str) -> &'static str {
    match primary(lang) {
        "sv" => {
            "Grundtextens raka citattecken och apostrofer återges som typografiska \
             (tyst normalisering)."
        }
        "de" => {
            "Gerade Anführungszeichen und Apostrophe des Grundtextes werden als typographische \
             wiedergegeben (stillschweigende Normalisierung)."
        }
        "fr" => {
            "Les guillemets et apostrophes droits du texte de base sont imprimés sous leur \
             forme typographique (normalisation tacite)."
        }
        _ => {
            "Straight quotation marks and apostrophes of the base text are printed as \
             typographic ones (silent normalisation)."
        }
    }
}

fn primary(lang: &str) -> &str {
    lang.split(['-', '_']).next().unwrap_or("")
}

/// Typst markup for a CommonMark document; `quotes`: the marks to print for straight ones.
#[cfg(test)]
pub(crate) fn markdown(src: &str, quotes: Option<Style>) -> String {
    markdown_with_refs(src, quotes, 0, &mut vec![])
}

/// [`markdown`], with each cross-reference of the text as the document's slot
/// `first_slot + k` (its name pushed to `refs`).
fn markdown_with_refs(
    src: &str,
    quotes: Option<Style>,
    first_slot: usize,
    refs: &mut Vec<String>,
) -> String {
    let events: Vec<Event> = Parser::new_ext(src, Options::empty()).collect();
    let texts = quoted_texts(&events, quotes);
    let mut out = String::new();
    let mut code_block: Option<String> = None;
    for (event, text) in events.iter().zip(texts) {
        if let Some(code) = &mut code_block {
            match event {
                Event::End(TagEnd::CodeBlock) => {
                    // Line by line: a string literal holds no line break (`lit_str`).
                    let code = code_block.take().unwrap_or_default();
                    let lines: Vec<String> = code.lines().map(lit_str).collect();
                    let lines = lines.join(", ");
                    out.push_str(&format!("#raw(block: true, ({lines},).join(\"\\n\"))\n"));
                }
                Event::Text(t) => code.push_str(t),
                _ => {}
            }
            continue;
        }
        match event {
            // Fenced or indented alike: no syntax colouring, so the language tag is unused.
            Event::Start(Tag::CodeBlock(_)) => code_block = Some(String::new()),
            Event::Start(tag) => out.push_str(&open(tag)),
            Event::End(tag) => out.push_str(close(*tag)),
            Event::Text(_) => {
                for piece in crate::xref::split(&text.unwrap_or_default()) {
                    match piece {
                        crate::xref::Piece::Text(t) => out.push_str(&lit(&t)),
                        crate::xref::Piece::Ref(name) => {
                            let slot = first_slot + refs.len();
                            out.push('#');
                            out.push_str(&crate::markup::xref_markup(slot));
                            refs.push(name);
                        }
                    }
                }
            }
            Event::Code(c) => out.push_str(&format!("#raw({})", lit_str(c))),
            Event::Html(h) | Event::InlineHtml(h) => out.push_str(&lit(h)),
            Event::SoftBreak => out.push_str(&lit(" ")),
            Event::HardBreak => out.push_str("#linebreak()"),
            Event::Rule => out.push_str("#line(length: 100%)\n"),
            _ => {}
        }
    }
    out
}

/// The markup that opens a block or an inline span.
fn open(tag: &Tag) -> String {
    match tag {
        Tag::Heading { level, .. } => {
            format!(
                "#heading(level: {}, outlined: false)[",
                heading_level(*level)
            )
        }
        Tag::BlockQuote(_) => "#quote(block: true)[".into(),
        Tag::List(None) => "#list(".into(),
        Tag::List(Some(start)) => format!("#enum(start: {start}, "),
        Tag::Item => "[".into(),
        Tag::Emphasis => "#emph[".into(),
        Tag::Strong => "#strong[".into(),
        Tag::Link {
            link_type,
            dest_url,
            ..
        } => {
            let url = match link_type {
                LinkType::Email => format!("mailto:{dest_url}"),
                _ => dest_url.to_string(),
            };
            format!("#link({})[", lit_str(&url))
        }
        // An image prints its description; paragraphs need no opening.
        _ => String::new(),
    }
}

/// The markup that closes what [`open`] opened.
fn close(tag: TagEnd) -> &'static str {
    match tag {
        TagEnd::Paragraph => "#parbreak()\n",
        TagEnd::Heading(_) => "]\n",
        TagEnd::BlockQuote(_) => "]\n",
        TagEnd::List(_) => ")\n",
        TagEnd::Item => "], ",
        TagEnd::Emphasis | TagEnd::Strong | TagEnd::Link => "]",
        _ => "",
    }
}

fn heading_level(level: HeadingLevel) -> usize {
    level as usize
}

/// The text of each `Text` event (outside code blocks) with its quotation marks made
/// typographic; `None` for other events. The marks are decided over the text as read, with
/// block boundaries as line breaks and inline code as an opaque character.
fn quoted_texts(events: &[Event], quotes: Option<Style>) -> Vec<Option<String>> {
    let mut flat = String::new();
    let mut spans: Vec<Option<std::ops::Range<usize>>> = Vec::with_capacity(events.len());
    let mut in_code_block = false;
    for event in events {
        let mut span = None;
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Text(t) if !in_code_block => {
                span = Some(flat.len()..flat.len() + t.len());
                flat.push_str(t);
            }
            Event::Code(_) | Event::InlineHtml(_) => flat.push('\u{fffc}'),
            Event::SoftBreak | Event::HardBreak => flat.push(' '),
            Event::Start(tag) if is_block(tag) => flat.push('\n'),
            Event::End(tag) if !is_inline_end(*tag) => flat.push('\n'),
            _ => {}
        }
        spans.push(span);
    }
    let edits = quotes.map(|s| quotes::edits(&flat, s)).unwrap_or_default();
    spans
        .into_iter()
        .map(|span| span.map(|r| apply_within(&flat, &edits, r)))
        .collect()
}

fn is_block(tag: &Tag) -> bool {
    !matches!(
        tag,
        Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } | Tag::Image { .. }
    )
}

fn is_inline_end(tag: TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link | TagEnd::Image
    )
}

/// `flat[range]` with the edits applied that fall in it (an edit that begins before the
/// range only removes what it covers there).
fn apply_within(flat: &str, edits: &[Edit], range: std::ops::Range<usize>) -> String {
    let mut out = String::with_capacity(range.len() + 8);
    let mut at = range.start;
    let first = edits.partition_point(|e| e.range.end <= range.start);
    for e in edits[first..]
        .iter()
        .take_while(|e| e.range.start < range.end)
    {
        let start = e.range.start.max(range.start);
        out.push_str(&flat[at..start]);
        if e.range.start >= range.start {
            out.push_str(e.text);
        }
        at = e.range.end.min(range.end);
    }
    out.push_str(&flat[at..range.end]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(s: &str) -> String {
        markdown(s, None)
    }

    #[test]
    fn headings_paragraphs_emphasis() {
        let m = md("# Title\n\nSome *it* and **bold** #x $y$.\nMore.\n\n## Sub\n");
        assert!(
            m.contains("#heading(level: 1, outlined: false)[#\"Title\"]"),
            "{m}"
        );
        assert!(m.contains("#emph[#\"it\"]"));
        assert!(m.contains("#strong[#\"bold\"]"));
        assert!(
            m.contains("#\" #x $y$.\"#\" \"#\"More.\"#parbreak()"),
            "{m}"
        );
        assert!(m.contains("#heading(level: 2"));
    }

    #[test]
    fn lists_nest() {
        let m = md("- a\n- b\n  1. x\n  2. y\n\n3. three\n");
        assert_eq!(
            m,
            "#list([#\"a\"], [#\"b\"#enum(start: 1, [#\"x\"], [#\"y\"], )\n], )\n\
             #enum(start: 3, [#\"three\"], )\n"
        );
    }

    #[test]
    fn links_quotes_code_breaks() {
        let m = md("See [the *site*](https://example.org/a\"b).\n\n> quoted\n\n`#x` and  \nnext");
        assert!(
            m.contains("#link(\"https://example.org/a\\\"b\")[#\"the \"#emph[#\"site\"]]"),
            "{m}"
        );
        assert!(
            m.contains("#quote(block: true)[#\"quoted\"#parbreak()\n]"),
            "{m}"
        );
        assert!(m.contains("#raw(\"#x\")"));
        assert!(m.contains("#linebreak()"));
        let m = md("```\nlet \"x\" = 1;\ny\n```\n");
        assert_eq!(
            m,
            "#raw(block: true, (\"let \\\"x\\\" = 1;\", \"y\",).join(\"\\n\"))\n"
        );
    }

    #[test]
    fn markup_characters_stay_text() {
        let m = md("a * b [c] \\q <lbl> @ref // c /* d */ #set text(red)");
        assert_eq!(
            m,
            "#\"a * b \"#\"[\"#\"c\"#\"]\"#\" \\\\q \"#\"<lbl>\"#\" @ref // c /\"#\"*\"#\" d \"\
             #\"*\"#\"/ #set text(red)\"#parbreak()\n"
        );
    }

    #[test]
    fn quotes_are_decided_across_emphasis() {
        let sv = Some(quotes::style("sv"));
        let m = markdown("Han sa \"*nej*\" och 'ja'. Don't `\"code\"`.", sv);
        assert!(
            m.contains("#\"Han sa ”\"#emph[#\"nej\"]#\"” och ’ja’. Don’t \""),
            "{m}"
        );
        assert!(
            m.contains("#raw(\"\\\"code\\\"\")"),
            "code keeps its marks: {m}"
        );
        let en = Some(quotes::style("en"));
        let m = markdown("# \"Title\"\n\n\"Para\"", en);
        assert!(m.contains("[#\"“Title”\"]"), "{m}");
        assert!(m.contains("#\"“Para”\""), "{m}");
    }
}
