//! Why a quotation has no match, said as precisely as the text allows.
//!
//! Matching stays exact (case, punctuation, word boundaries): a quotation is evidence of
//! what the editor read. But a typed quotation usually differs from the text in a way a
//! reader cannot see — a typographic apostrophe, a capital — or it crosses a paragraph
//! break, or lies inside a longer word, or its `before`/`after` is wrong. Each case gets its
//! own note, and every "not found" shows the nearest text of the base text.
//!
//! Speed: the word index of the text is built once; a failed quotation looks at the offsets
//! of its rarest word (or of the few most similar words of the vocabulary) and at one
//! substring scan (`memchr`), never at every window of the text.

use std::ops::Range;

use super::{Context, FindCache, Match, Text, WordIndex, normalize};
use crate::diag::Diagnostic;
use crate::spec::{Quote, Spec};
use crate::text::BlockKind;

/// At most this many offsets of one word are tried as the start of a similar window.
const WINDOWS_PER_WORD: usize = 200;
/// At most this many occurrences are described when a `before`/`after` does not fit.
const OCCURRENCES_SHOWN: usize = 4;
/// At most this many differences are spelled out for a near match.
const DIFFERENCES_SHOWN: usize = 3;

/// Characters a reader may not tell apart, folded to one: case, apostrophes (the Greek
/// koronis and psili too), quotation marks, dashes, the long s, and white space (block
/// breaks included).
fn fold(c: char) -> char {
    match c {
        '’' | '‘' | '\'' | 'ʼ' | '′' | '᾽' | '᾿' => '\'',
        'ſ' => 's',
        '“' | '”' | '„' | '"' | '«' | '»' | '‚' | '″' => '"',
        '-' | '–' | '—' | '‐' | '‑' | '−' => '-',
        '\n' => ' ',
        c if super::is_space(c) => ' ',
        c => c.to_lowercase().next().unwrap_or(c),
    }
}

fn folded(s: &str) -> String {
    s.chars().map(fold).collect()
}

/// A place where the text and the typed quotation differ under folding.
#[derive(Debug, PartialEq)]
struct Difference {
    text: String,
    typed: String,
}

impl Text {
    /// The error for a quotation without a match: its context does not fit, or what the
    /// text has instead, and the nearest text.
    pub(super) fn not_found(
        &self,
        spec: &Spec,
        q: &Quote,
        quote: &str,
        all: &[Match],
        cache: &mut FindCache,
    ) -> Diagnostic {
        if !all.is_empty() {
            return self.context_does_not_fit(spec, q, quote, all);
        }
        let d = spec.error(
            q.at.span(),
            format!("quotation not found in the base text: `{quote}`"),
        );
        let index = cache.words(&self.doc);
        if let Some(m) = self.across_blocks(index, quote) {
            let (note, pieces) = self.describe_crossing(&m);
            return d
                .with_note(format!(
                    "nearest text: {pieces} (source line {})",
                    self.source_line(m.start)
                ))
                .with_note(note);
        }
        if let Some(m) = self.inside_longer_word(quote) {
            return d
                .with_note(format!(
                    "nearest text: `{}` (source line {})",
                    &self.doc[m.clone()],
                    self.source_line(m.start)
                ))
                .with_note(
                    "the quotation occurs only inside a longer word; a quotation matches whole words",
                );
        }
        self.with_nearest(d, index, quote)
    }

    /// The note on the nearest text: a match under folding (with what differs), or the most
    /// similar window of the text.
    fn with_nearest(&self, d: Diagnostic, index: &WordIndex, quote: &str) -> Diagnostic {
        if let Some(m) = self.folded_match(index, quote) {
            let differences = differences(&self.doc[m.clone()], quote);
            return d
                .with_note(format!(
                    "nearest text: `{}` (source line {})",
                    &self.doc[m.clone()],
                    self.source_line(m.start)
                ))
                .with_note(describe_differences(&differences));
        }
        match self.most_similar(index, quote) {
            Some(m) => d.with_note(format!(
                "nearest text: `{}` (source line {})",
                &self.doc[m.clone()],
                self.source_line(m.start)
            )),
            None => d.with_note(
                "nearest text: none (no word of the quotation is near a word of the text)",
            ),
        }
    }

    /// The error for a quotation that occurs, but never with its `before`/`after`: what
    /// actually precedes or follows each occurrence.
    fn context_does_not_fit(
        &self,
        spec: &Spec,
        q: &Quote,
        quote: &str,
        all: &[Match],
    ) -> Diagnostic {
        let context = Context::of(q);
        let before_fits = all.iter().any(|m| context.fits_before(&self.doc, m));
        let after_fits = all.iter().any(|m| context.fits_after(&self.doc, m));
        let n = all.len();
        let (span, message) = match (&q.before, &q.after) {
            (Some(b), _) if !before_fits => (
                b.span(),
                format!(
                    "`{quote}` occurs {n} time(s), but never after `{}`",
                    normalize(b.get_ref())
                ),
            ),
            (_, Some(a)) if !after_fits => (
                a.span(),
                format!(
                    "`{quote}` occurs {n} time(s), but never before `{}`",
                    normalize(a.get_ref())
                ),
            ),
            _ => (
                q.at.span(),
                format!(
                    "`{quote}` occurs {n} time(s), but never with both the given `before` and `after`"
                ),
            ),
        };
        self.describe_context(spec.error(span, message), &context, all)
    }

    /// What precedes and follows the first occurrences, compared with the `before`/`after`
    /// given (and what differs, when one of them matches under folding).
    fn describe_context(&self, mut d: Diagnostic, context: &Context, all: &[Match]) -> Diagnostic {
        let mut near = None;
        for (i, m) in all.iter().enumerate().take(OCCURRENCES_SHOWN) {
            let mut said = vec![];
            if let Some(b) = &context.before {
                let has = last_words(&self.doc[..m.start], b.split(' ').count());
                near = near.or((folded(&has) == folded(b)).then(|| differences(&has, b)));
                said.push(format!("follows `{has}`"));
            }
            if let Some(a) = &context.after {
                let has = first_words(&self.doc[m.end..], a.split(' ').count());
                near = near.or((folded(&has) == folded(a)).then(|| differences(&has, a)));
                said.push(format!("is followed by `{has}`"));
            }
            d = d.with_note(format!(
                "occurrence {} (source line {}) {}",
                i + 1,
                self.source_line(m.start),
                said.join(" and ")
            ));
        }
        if all.len() > OCCURRENCES_SHOWN {
            d = d.with_note(format!(
                "… and {} more occurrence(s)",
                all.len() - OCCURRENCES_SHOWN
            ));
        }
        match near {
            Some(differences) => d.with_note(describe_differences(&differences)),
            None => d,
        }
    }

    /// An exact, word-bounded match that crosses a block break (the quotation's space stands
    /// for the break).
    fn across_blocks(&self, index: &WordIndex, quote: &str) -> Option<Match> {
        let same = |text: char, typed: char| text == typed || text == '\n' && typed == ' ';
        self.candidate_starts(index, quote)
            .into_iter()
            .filter_map(|start| match_at(&self.doc, start, quote, same))
            .find(|m| self.doc[m.clone()].contains('\n'))
    }

    /// What a crossing match crosses (the note), and its pieces block by block.
    fn describe_crossing(&self, m: &Match) -> (String, String) {
        let pieces: Vec<String> = self.doc[m.clone()]
            .split('\n')
            .map(|p| format!("`{p}`"))
            .collect();
        let first = self.block_at(m.start);
        let last = self.block_at(m.end - 1);
        let crossed: Vec<usize> = match (first, last) {
            (Some(f), Some(l)) => (f..=l).collect(),
            _ => vec![],
        };
        let kinds: Vec<BlockKind> = crossed.iter().map(|&b| self.blocks[b].kind).collect();
        let what = if kinds.contains(&BlockKind::Title) {
            "the end of the title".to_string()
        } else if let Some(&b) = crossed
            .iter()
            .find(|&&b| matches!(self.blocks[b].kind, BlockKind::Heading(_)))
        {
            format!(
                "the boundary of the heading `{}`",
                &self.doc[self.blocks[b].range.clone()]
            )
        } else if kinds.iter().any(|k| matches!(k, BlockKind::Verse(_))) {
            "the end of a verse (in verse each source line is a verse of its own)".to_string()
        } else {
            "a paragraph break (a blank line in source.txt)".to_string()
        };
        (
            format!(
                "the quotation occurs only across {what}; a quotation lies within one block (title, heading or paragraph)"
            ),
            pieces.join(" ¶ "),
        )
    }

    /// The whole words around the first place where `quote` occurs inside a longer word.
    fn inside_longer_word(&self, quote: &str) -> Option<Match> {
        // One scan of the text per failed quotation, at memory speed.
        let at = memchr::memmem::find(self.doc.as_bytes(), quote.as_bytes())?;
        let mut start = at;
        while let Some(c) = self.doc[..start]
            .chars()
            .next_back()
            .filter(|c| c.is_alphanumeric())
        {
            start -= c.len_utf8();
        }
        let mut end = at + quote.len();
        while let Some(c) = self.doc[end..]
            .chars()
            .next()
            .filter(|c| c.is_alphanumeric())
        {
            end += c.len_utf8();
        }
        Some(start..end)
    }

    /// The first word-bounded match of `quote` under folding.
    fn folded_match(&self, index: &WordIndex, quote: &str) -> Option<Match> {
        // A block break is not folded here: a quotation across blocks is diagnosed apart.
        let same = |text: char, typed: char| text != '\n' && fold(text) == fold(typed);
        self.candidate_starts(index, quote)
            .into_iter()
            .find_map(|start| match_at(&self.doc, start, quote, same))
    }

    /// Offsets where `quote` could start: where its rarest word stands (in any
    /// capitalisation), moved back over the characters the quotation has before that word.
    /// Every matcher here compares character by character, so the count of characters fits.
    fn candidate_starts(&self, index: &WordIndex, quote: &str) -> Vec<usize> {
        let Some(word) = quote_words(quote)
            .into_iter()
            .min_by_key(|w| index.starts(&w.text).len())
        else {
            return vec![];
        };
        index
            .starts(&word.text)
            .iter()
            .filter_map(|&p| back_chars(&self.doc, p, word.chars_before))
            .collect()
    }

    /// The window of the text (as many words as the quotation) most similar to it, among the
    /// windows around the quotation's words — or, when no word of the quotation is in the
    /// text, around the words of the text most like its longest word.
    fn most_similar(&self, index: &WordIndex, quote: &str) -> Option<Match> {
        let tokens = quote.split(' ').count();
        let words = quote_words(quote);
        let mut anchors: Vec<(usize, usize)> = vec![]; // (offset of a word, its token in the quote)
        for w in &words {
            let starts = index.starts(&w.text);
            anchors.extend(starts.iter().take(WINDOWS_PER_WORD).map(|&p| (p, w.token)));
        }
        if anchors.is_empty() {
            let longest = words.iter().max_by_key(|w| w.text.chars().count())?;
            for similar in index.similar_words(&longest.text, 3) {
                let starts = index.starts(similar);
                anchors.extend(
                    starts
                        .iter()
                        .take(WINDOWS_PER_WORD)
                        .map(|&p| (p, longest.token)),
                );
            }
        }
        let typed = folded(quote);
        let mut windows: Vec<Range<usize>> = anchors
            .into_iter()
            .map(|(p, token)| window(&self.doc, p, token, tokens))
            .collect();
        windows.sort_by_key(|w| w.start);
        windows.dedup();
        windows
            .into_iter()
            .map(|w| {
                let score = strsim::normalized_levenshtein(&folded(&self.doc[w.clone()]), &typed);
                (w, score)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.start.cmp(&a.0.start)))
            .map(|(w, _)| w)
    }
}

impl WordIndex {
    /// The `count` words of the text most similar to `word` (folded), best first.
    fn similar_words(&self, word: &str, count: usize) -> Vec<&str> {
        let typed = folded(word);
        let length = typed.chars().count();
        let mut scored: Vec<(&str, f64)> = self
            .by_lowercase
            .keys()
            .filter(|k| k.chars().count().abs_diff(length) <= length / 2 + 1)
            .map(|k| (k.as_str(), strsim::normalized_levenshtein(k, &typed)))
            .filter(|(_, score)| *score > 0.0)
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        scored.into_iter().take(count).map(|(k, _)| k).collect()
    }
}

/// A word (maximal alphanumeric run) of a quotation.
struct QuoteWord {
    text: String,
    /// Characters of the quotation before it.
    chars_before: usize,
    /// Index of the space-separated token holding it.
    token: usize,
}

fn quote_words(quote: &str) -> Vec<QuoteWord> {
    let mut out = vec![];
    let mut token = 0;
    let mut current: Option<QuoteWord> = None;
    for (k, c) in quote.chars().enumerate() {
        if c.is_alphanumeric() {
            current
                .get_or_insert_with(|| QuoteWord {
                    text: String::new(),
                    chars_before: k,
                    token,
                })
                .text
                .push(c);
            continue;
        }
        out.extend(current.take());
        if c == ' ' {
            token += 1;
        }
    }
    out.extend(current);
    out
}

/// The offset `count` characters before `pos`, if there are as many.
fn back_chars(doc: &str, pos: usize, count: usize) -> Option<usize> {
    if count == 0 {
        return Some(pos);
    }
    doc[..pos]
        .char_indices()
        .rev()
        .nth(count - 1)
        .map(|(i, _)| i)
}

/// The word-bounded match of `quote` at `start`, comparing characters with `same(text, typed)`.
pub(super) fn match_at(
    doc: &str,
    start: usize,
    quote: &str,
    same: impl Fn(char, char) -> bool,
) -> Option<Match> {
    let mut text = doc[start..].char_indices();
    for typed in quote.chars() {
        let (_, c) = text.next()?;
        if !same(c, typed) {
            return None;
        }
    }
    let end = text.next().map_or(doc.len(), |(i, _)| start + i);
    let bounded_start = !super::one_word(doc[..start].chars().next_back(), quote.chars().next());
    let bounded_end = !super::one_word(quote.chars().next_back(), doc[end..].chars().next());
    (bounded_start && bounded_end).then_some(start..end)
}

/// The `count` space-separated tokens of the text starting `back` tokens before the token
/// holding `pos`, within its block.
fn window(doc: &str, pos: usize, back: usize, count: usize) -> Range<usize> {
    let bytes = doc.as_bytes();
    let in_token = |i: usize| bytes[i] != b' ' && bytes[i] != b'\n';
    let mut start = pos;
    while start > 0 && in_token(start - 1) {
        start -= 1;
    }
    for _ in 0..back {
        if start == 0 || bytes[start - 1] == b'\n' {
            break;
        }
        start -= 1;
        while start > 0 && in_token(start - 1) {
            start -= 1;
        }
    }
    let mut end = start;
    for k in 0..count {
        if k > 0 {
            if end >= bytes.len() || bytes[end] != b' ' {
                break;
            }
            end += 1;
        }
        while end < bytes.len() && in_token(end) {
            end += 1;
        }
    }
    start..end
}

/// The last `count` words of `before`.
fn last_words(before: &str, count: usize) -> String {
    let mut words: Vec<&str> = before
        .rsplit([' ', '\n'])
        .filter(|w| !w.is_empty())
        .take(count)
        .collect();
    words.reverse();
    words.join(" ")
}

/// The first `count` words of `after`.
fn first_words(after: &str, count: usize) -> String {
    let words: Vec<&str> = after
        .split([' ', '\n'])
        .filter(|w| !w.is_empty())
        .take(count)
        .collect();
    words.join(" ")
}

/// Where `text` and `typed` (equal under folding, so of as many characters) differ: whole
/// words where only the case differs, single characters otherwise; each difference once.
fn differences(text: &str, typed: &str) -> Vec<Difference> {
    let text: Vec<char> = text.chars().collect();
    let typed: Vec<char> = typed.chars().collect();
    let mut out: Vec<Difference> = vec![];
    let mut i = 0;
    while i < text.len().min(typed.len()) {
        if text[i] == typed[i] {
            i += 1;
            continue;
        }
        let range = if text[i].is_alphanumeric() {
            let start = (0..i)
                .rev()
                .take_while(|&k| text[k].is_alphanumeric())
                .last()
                .unwrap_or(i);
            let end = (i..text.len())
                .take_while(|&k| text[k].is_alphanumeric())
                .last()
                .map_or(i + 1, |k| k + 1);
            start..end
        } else {
            i..i + 1
        };
        let difference = Difference {
            text: text[range.clone()].iter().collect(),
            typed: typed[range.clone()].iter().collect(),
        };
        if !out.contains(&difference) {
            out.push(difference);
        }
        i = range.end;
    }
    out
}

fn describe_differences(differences: &[Difference]) -> String {
    let mut said: Vec<String> = differences
        .iter()
        .take(DIFFERENCES_SHOWN)
        .map(|d| format!("`{}` where you typed `{}`", d.text, d.typed))
        .collect();
    if differences.len() > DIFFERENCES_SHOWN {
        said.push(format!("{} more", differences.len() - DIFFERENCES_SHOWN));
    }
    format!("the text has {}", said.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_whole_words_for_case_and_characters_for_punctuation() {
        let d = differences("The squirrel's granary", "the squirrel’s granary");
        assert_eq!(
            describe_differences(&d),
            "the text has `The` where you typed `the`, `'` where you typed `’`"
        );
    }

    #[test]
    fn a_long_s_and_a_greek_koronis_are_named() {
        let d = differences("Wiſſenſchaft δι᾽ ἣν", "Wissenschaft δι’ ἣν");
        let said = describe_differences(&d);
        assert!(
            said.contains("`Wiſſenſchaft` where you typed `Wissenschaft`"),
            "{said}"
        );
        assert!(said.contains("`᾽` where you typed `’`"), "{said}");
    }

    #[test]
    fn windows_stay_in_their_block() {
        let doc = "one two three\nfour five six";
        assert_eq!(&doc[window(doc, 8, 1, 3)], "two three");
        assert_eq!(&doc[window(doc, 19, 1, 2)], "four five");
    }

    #[test]
    fn quote_words_know_their_token_and_offset() {
        let w = quote_words("“Ja, sade han");
        assert_eq!(w[0].text, "Ja");
        assert_eq!((w[0].chars_before, w[0].token), (1, 0));
        assert_eq!((w[2].text.as_str(), w[2].token), ("han", 2));
    }
}
