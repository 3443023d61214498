//! Verse in the reading model: each source line of a passage of verse becomes a block of
//! its own, so the line break the transcriber typed is kept where prose joins lines; its
//! leading spaces become the verse's indentation; a blank line begins a stanza.
//!
//! The base text is untouched: a verse block is a source line's text (spaces collapsed, as
//! in prose), and everything the layout needs to know — indentation, stanza and poem
//! beginnings — rides on the block's kind.

use std::ops::Range;

use super::{BlockKind, FindCache, Flat, Segment, Text};
use crate::diag::Diagnostic;
use crate::spec::{Quote, Spec};

/// What a verse block carries besides its text.
///
/// Drama will add speakers as blocks of their own before the verse (or passage) they
/// introduce, quoted like headings, so that a verse stays exactly one source line and its
/// number does not depend on whether a speaker precedes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verse {
    /// Indentation in spaces: the source line's leading spaces (a tab counts as four), or
    /// the spec's indentation for the verse's position in its stanza.
    pub indent: u16,
    /// The first verse of a stanza: a blank line (or the start of the verse) precedes it.
    pub stanza: bool,
    /// The first verse of a poem: prose, a heading or the start of the text precedes it, or
    /// another passage of verse ends before it.
    pub poem: bool,
    /// The last verse of a poem that prose follows.
    pub ends_poem: bool,
}

/// A passage of verse located in the flat text: whole source lines.
pub(super) struct Passage {
    range: Range<usize>,
    indents: Option<Vec<u16>>,
}

/// The passages of verse: the whole text where `[text] verse = true`, else every
/// `[[verse]]` from the line holding its `from` to the line holding its `to`.
pub(super) fn locate(
    spec: &Spec,
    probe: &Text,
    flat: &Flat,
    cache: &mut FindCache,
    errs: &mut Vec<Diagnostic>,
) -> Vec<Passage> {
    let mut out: Vec<(Passage, Range<usize>)> = vec![];
    if spec.text.verse {
        let indents = spec
            .text
            .verse_indents
            .as_ref()
            .map(|i| i.get_ref().clone());
        let range = 0..flat.doc.len();
        out.push((Passage { range, indents }, 0..0));
    }
    for v in &spec.verses {
        let (Some(from), Some(to)) = (
            find(spec, probe, &v.from, cache, errs),
            find(spec, probe, &v.to, cache, errs),
        ) else {
            continue;
        };
        let first = line_of(flat, from.start);
        let last = line_of(flat, to.end.saturating_sub(1).max(to.start));
        if last < first {
            errs.push(
                spec.error(v.to.at.span(), "this verse passage ends before it begins")
                    .with_note("`from` quotes words of its first verse, `to` words of its last"),
            );
            continue;
        }
        let range = flat.line_starts[first]..flat.line_ends[last];
        let span = v.from.at.span();
        out.push((
            Passage {
                range,
                indents: v.indents.clone(),
            },
            span,
        ));
    }
    out.sort_by_key(|(p, _)| p.range.start);
    for pair in out.windows(2) {
        if pair[0].0.range.end > pair[1].0.range.start {
            let what = if spec.text.verse {
                "`[text] verse = true` makes all the text verse: this passage is part of it"
            } else {
                "this verse passage overlaps another"
            };
            errs.push(spec.error(pair[1].1.clone(), what));
        }
    }
    out.into_iter().map(|(p, _)| p).collect()
}

fn find(
    spec: &Spec,
    probe: &Text,
    q: &Quote,
    cache: &mut FindCache,
    errs: &mut Vec<Diagnostic>,
) -> Option<Range<usize>> {
    probe
        .find_cached(spec, q, cache)
        .map_err(|e| errs.extend(e.0))
        .ok()
}

/// Index of the source line holding flat offset `pos`.
fn line_of(flat: &Flat, pos: usize) -> usize {
    flat.line_starts
        .partition_point(|&s| s <= pos)
        .saturating_sub(1)
}

/// The segments with every paragraph part inside a passage of verse split into verses.
pub(super) fn split(flat: &Flat, segments: Vec<Segment>, passages: &[Passage]) -> Vec<Segment> {
    if passages.is_empty() {
        return segments;
    }
    let mut out = Splitter {
        flat,
        out: vec![],
        last_passage: None,
        position: 0,
    };
    for seg in segments {
        if seg.kind != BlockKind::Paragraph {
            out.push(seg.range, seg.kind, seg.joins_previous);
            continue;
        }
        let mut at = seg.range.start;
        for (k, passage) in passages.iter().enumerate() {
            let a = passage.range.start.max(seg.range.start);
            let b = passage.range.end.min(seg.range.end);
            if a >= b {
                continue;
            }
            if a > at {
                // Prose before the verse, minus the space that joined it.
                out.push(
                    at..a - 1,
                    BlockKind::Paragraph,
                    seg.joins_previous && at == seg.range.start,
                );
            }
            out.verses(a..b, k, passage);
            at = (b + 1).min(seg.range.end);
        }
        if at < seg.range.end {
            let joins = seg.joins_previous && at == seg.range.start;
            out.push(at..seg.range.end, BlockKind::Paragraph, joins);
        }
    }
    out.out
}

/// The segments being split, with what a verse needs to know of those before it.
struct Splitter<'a> {
    flat: &'a Flat,
    out: Vec<Segment>,
    /// The passage of the last segment, if it is a verse.
    last_passage: Option<usize>,
    /// The last verse's position in its stanza.
    position: usize,
}

impl Splitter<'_> {
    fn push(&mut self, range: Range<usize>, kind: BlockKind, joins_previous: bool) {
        if let (Some(last), BlockKind::Paragraph) = (self.out.last_mut(), kind)
            && let BlockKind::Verse(v) = &mut last.kind
        {
            v.ends_poem = true;
        }
        self.last_passage = None;
        self.out.push(Segment {
            range,
            kind,
            joins_previous,
        });
    }

    /// One verse per source line of `range` (whole lines of passage `k`).
    fn verses(&mut self, range: Range<usize>, k: usize, passage: &Passage) {
        let flat = self.flat;
        let first = flat.line_starts.partition_point(|&s| s < range.start);
        let last = flat.line_starts.partition_point(|&s| s < range.end);
        for line in first..last {
            let start = flat.line_starts[line];
            let poem = self.last_passage != Some(k);
            // A line after a blank line: `Flat` joined it to the line before with `\n`.
            let stanza = poem || start == 0 || flat.doc.as_bytes()[start - 1] == b'\n';
            self.position = if stanza { 0 } else { self.position + 1 };
            let indent = match &passage.indents {
                Some(list) if !list.is_empty() => list[self.position % list.len()],
                _ => flat.line_indents[line],
            };
            let verse = Verse {
                indent,
                stanza,
                poem,
                ends_poem: false,
            };
            self.out.push(Segment {
                range: start..flat.line_ends[line].min(range.end),
                kind: BlockKind::Verse(verse),
                joins_previous: false,
            });
            self.last_passage = Some(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::BlockKind;

    fn model(text_table: &str, rest: &str, source: &str) -> crate::diag::Result<Text> {
        let toml = format!(
            "[edition]\ntitle = \"T\"\neditors = [\"E\"]\nversion = \"1\"\ndate = 2026-01-01\n\
             [text]\nfile = \"source.txt\"\nbase = \"A\"\n{text_table}\n\
             [[witness]]\nsiglum = \"A\"\ndescription = \"a\"\n{rest}"
        );
        let dir = std::path::Path::new("/nonexistent");
        let spec = Spec::parse(dir, &dir.join("edition.toml"), &toml)?;
        Text::from_bytes(&spec, &dir.join("source.txt"), source.as_bytes())
    }

    fn verses(t: &Text) -> Vec<(String, Verse)> {
        t.blocks
            .iter()
            .filter_map(|b| match b.kind {
                BlockKind::Verse(v) => Some((t.doc[b.range.clone()].to_string(), v)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn each_line_of_verse_is_a_verse_with_its_indentation_and_stanza() {
        let source = "One  line\n  two\n\n\tthree\nfour\n";
        let t = model("verse = true", "", source).unwrap();
        let got = verses(&t);
        let texts: Vec<&str> = got.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(texts, ["One line", "two", "three", "four"]);
        let forms: Vec<(u16, bool, bool)> = got
            .iter()
            .map(|(_, v)| (v.indent, v.stanza, v.poem))
            .collect();
        assert_eq!(
            forms,
            [
                (0, true, true),
                (2, false, false),
                (4, true, false),
                (0, false, false)
            ]
        );
        // The model maps back to the source byte for byte.
        let three = t.doc.find("three").unwrap();
        assert_eq!(&source[t.source_offset(three)..][..5], "three");
        // Indentation by position in the stanza, where the spec gives it.
        let t = model("verse = true\nverse-indents = [1, 3]", "", source).unwrap();
        let indents: Vec<u16> = verses(&t).iter().map(|(_, v)| v.indent).collect();
        assert_eq!(indents, [1, 3, 1, 3]);
    }

    #[test]
    fn a_passage_of_verse_splits_its_paragraph_and_prose_goes_on() {
        let source = "Prose before\nthe song:\nSing a verse\n  and another\nProse after.\n";
        let rest = "[[verse]]\nfrom = \"a verse\"\nto = \"another\"\n";
        let t = model("", rest, source).unwrap();
        let blocks: Vec<(&str, bool)> = t
            .blocks
            .iter()
            .map(|b| {
                let verse = matches!(b.kind, BlockKind::Verse(_));
                (&t.doc[b.range.clone()], verse)
            })
            .collect();
        assert_eq!(
            blocks,
            [
                ("Prose before the song:", false),
                ("Sing a verse", true),
                ("and another", true),
                ("Prose after.", false),
            ]
        );
        assert!(verses(&t)[1].1.ends_poem);
        let backwards = "[[verse]]\nfrom = \"another\"\nto = \"a verse\"\n";
        let err = model("", backwards, source).err().unwrap().to_string();
        assert!(
            err.contains("this verse passage ends before it begins"),
            "{err}"
        );
    }
}
