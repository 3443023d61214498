//! Hyphenation points of apparatus words.
//!
//! The apparatus is justified over line breaks apparat chooses itself (Typst sets each line
//! as planned, with `hyphenate: false`), so Typst's hyphenation never reaches it: a long word
//! that does not fit would leave wide spaces on the line before. Here the words of readings
//! and notes are split where the edition's language allows (hypher, the hyphenator Typst
//! itself uses), each split a *head* (the syllables before the break and a hyphen) and a
//! *tail* — two tokens the galley pass measures like any other, so the line breaker knows
//! their widths and the final markup prints exactly the pieces it planned.
//!
//! Only words of readings and notes are split: never sigla, line references, labels or
//! lemmata, never a word of fewer than [`MIN_LETTERS`] letters, never a word holding
//! anything but letters (a number, a compound already hyphenated, a cross-reference).

use crate::markup::{self, Atom, Token};
use crate::spec::Spec;

use super::galley::Measurements;

/// Words shorter than this (in letters) are never hyphenated.
pub(crate) const MIN_LETTERS: usize = 6;

/// Letters a hyphenated word keeps at least before and after the break (TeX's
/// `\lefthyphenmin`, `\righthyphenmin`); a language's own bounds may ask for more.
const LEFT_MIN: usize = 2;
const RIGHT_MIN: usize = 3;

/// The hyphen printed at a broken word's end.
pub(crate) const HYPHEN: char = '-';

/// The template functions whose words may be hyphenated: readings and notes.
const HYPHENATED: [&str; 2] = ["app-text", "app-note"];

/// One way to break a word across two lines.
#[derive(Debug, Clone)]
pub(crate) struct Split {
    /// The word's beginning and the hyphen, ending the first line.
    pub head: Token,
    /// The rest of the word, beginning the next line.
    pub tail: Token,
}

/// A split with the measured widths of its pieces.
#[derive(Debug, Clone)]
pub(crate) struct MeasuredSplit {
    pub split: Split,
    pub head_width: f64,
    pub tail_width: f64,
}

/// Splits words in the edition's language.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hyphenator {
    /// None where hypher has no patterns for the language: nothing is hyphenated.
    lang: Option<hypher::Lang>,
}

impl Hyphenator {
    pub(crate) fn new(spec: &Spec) -> Hyphenator {
        Hyphenator::for_language(spec.edition.language.get_ref())
    }

    /// For an ISO 639-1 code (`sv`, `la`); none for a code hypher does not know.
    pub(crate) fn for_language(code: &str) -> Hyphenator {
        let lang = match code.to_ascii_lowercase().as_bytes() {
            &[a, b] => hypher::Lang::from_iso([a, b]),
            // Ancient Greek by the modern Greek patterns (the syllables divide alike).
            b"grc" => hypher::Lang::from_iso(*b"el"),
            _ => None,
        };
        Hyphenator { lang }
    }

    /// Every way to break `token` across two lines, first break first; none for a token
    /// that is not a single word of a reading or note, or is too short. A long list of
    /// sigla breaks between sigla (see [`sigla_splits`]).
    pub(crate) fn splits(&self, token: &[Atom]) -> Vec<Split> {
        let sigla = sigla_splits(token);
        if !sigla.is_empty() {
            return sigla;
        }
        let (Some(lang), [Atom::Text(f, word)]) = (self.lang, token) else {
            return vec![];
        };
        if !HYPHENATED.contains(f) {
            return vec![];
        }
        let Some((before, core, after)) = letters(word) else {
            return vec![];
        };
        if core.chars().count() < MIN_LETTERS {
            return vec![];
        }
        let (left, right) = lang.bounds();
        // The patterns know the round s only: a long s (ſ) is hyphenated as one, and the
        // breaks are carried back by character count.
        let plain = core.replace('ſ', "s");
        let syllables =
            hypher::hyphenate_bounded(&plain, lang, left.max(LEFT_MIN), right.max(RIGHT_MIN));
        let lengths: Vec<usize> = syllables.map(|s| s.chars().count()).collect();
        let mut out = vec![];
        let mut at = before.len();
        let mut chars = core.chars();
        for (k, n) in lengths.iter().enumerate() {
            at += chars.by_ref().take(*n).map(char::len_utf8).sum::<usize>();
            if k + 1 == lengths.len() {
                break;
            }
            let head = format!("{}{HYPHEN}", &word[..at]);
            let tail = &word[at..];
            debug_assert!(tail.len() > after.len());
            out.push(Split {
                head: vec![Atom::Text(f, head)].into(),
                tail: vec![Atom::Text(f, tail.to_string())].into(),
            });
        }
        out
    }

    /// The splits of `token` with their pieces' widths, as the galley pass measured them
    /// (a split measured by no pass is left out).
    pub(crate) fn measured(&self, token: &[Atom], m: &Measurements) -> Vec<MeasuredSplit> {
        // Sigla are divided only where their list takes more than half the measure.
        if long_sigla(token) && m.token_width(token) <= m.metrics.text_width / 2.0 {
            return vec![];
        }
        self.splits(token)
            .into_iter()
            .map(|split| MeasuredSplit {
                head_width: m.token_width(&split.head),
                tail_width: m.token_width(&split.tail),
                split,
            })
            .filter(|s| s.head_width > 0.0 && s.tail_width > 0.0)
            .collect()
    }

    /// The markup the galley pass measures for `token`'s splits: each head and tail.
    pub(crate) fn requests(&self, token: &[Atom]) -> impl Iterator<Item = String> {
        self.splits(token).into_iter().flat_map(|s| {
            [
                markup::token_measure(&s.head),
                markup::token_measure(&s.tail),
            ]
        })
    }
}

/// Sigla lists this long may break between two sigla (no hyphen): a reading of many
/// witnesses, or the lemma's witnesses in a positive series, wider than the measure would
/// otherwise run into the margin.
const SIGLA_BREAK_MIN: usize = 8;

/// Whether a token begins with a list of at least [`SIGLA_BREAK_MIN`] sigla.
pub(crate) fn long_sigla(token: &[Atom]) -> bool {
    matches!(token.first(), Some(Atom::Sigla(list)) if list.len() >= SIGLA_BREAK_MIN)
}

/// The breaks of a token that begins with a long list of sigla ([`long_sigla`]): between
/// any two of them, what follows the list going with its tail.
fn sigla_splits(token: &[Atom]) -> Vec<Split> {
    let Some((Atom::Sigla(list), rest)) = token.split_first().filter(|_| long_sigla(token)) else {
        return vec![];
    };
    (1..list.len())
        .map(|k| Split {
            head: vec![Atom::Sigla(list[..k].to_vec())].into(),
            tail: std::iter::once(Atom::Sigla(list[k..].to_vec()))
                .chain(rest.iter().cloned())
                .collect::<Vec<_>>()
                .into(),
        })
        .collect()
}

/// Whether a token ends a line with a hyphen (the head of a split).
pub(crate) fn ends_in_hyphen(token: &[Atom]) -> bool {
    matches!(token, [Atom::Text(_, s)] if s.ends_with(HYPHEN))
}

/// A word as punctuation before, letters, punctuation after (`(Wort),` → `(`, `Wort`, `),`);
/// none where the middle holds anything but letters.
fn letters(word: &str) -> Option<(&str, &str, &str)> {
    let start = word.find(char::is_alphabetic)?;
    let end = word
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphabetic())
        .map(|(i, c)| i + c.len_utf8())?;
    let core = &word[start..end];
    core.chars()
        .all(char::is_alphabetic)
        .then(|| (&word[..start], core, &word[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(f: &'static str, w: &str) -> Vec<Atom> {
        vec![Atom::Text(f, w.to_string())]
    }

    fn pieces(splits: &[Split]) -> Vec<(String, String)> {
        let text = |t: &Token| match &t[..] {
            [Atom::Text(_, s)] => s.clone(),
            _ => panic!("a split piece is one text atom"),
        };
        splits
            .iter()
            .map(|s| (text(&s.head), text(&s.tail)))
            .collect()
    }

    #[test]
    fn words_of_notes_and_readings_split_at_the_languages_hyphenation_points() {
        let sv = Hyphenator::for_language("sv");
        let got = pieces(&sv.splits(&word("app-note", "organisationerna,")));
        assert!(!got.is_empty());
        for (head, tail) in &got {
            assert!(head.ends_with('-'), "{head}");
            assert_eq!(
                format!("{}{tail}", head.trim_end_matches('-')),
                "organisationerna,"
            );
            // At least two letters before the break and three after.
            assert!(head.chars().count() > 2 && tail.trim_end_matches(',').chars().count() >= 3);
        }
        let la = Hyphenator::for_language("la");
        assert!(!la.splits(&word("app-text", "(Helvetiorum)")).is_empty());
    }

    #[test]
    fn a_long_s_hyphenates_as_a_round_one_and_ancient_greek_as_greek() {
        let de = Hyphenator::for_language("de");
        let long = pieces(&de.splits(&word("app-note", "Geſellſchaft")));
        let round = pieces(&de.splits(&word("app-note", "Gesellschaft")));
        assert!(!long.is_empty());
        assert_eq!(long.len(), round.len());
        for ((lh, lt), (rh, rt)) in long.iter().zip(&round) {
            assert_eq!(lh.replace('ſ', "s"), *rh);
            assert_eq!(lt.replace('ſ', "s"), *rt);
        }
        let grc = Hyphenator::for_language("grc");
        assert!(!grc.splits(&word("app-note", "ἀκατασκεύαστος")).is_empty());
    }

    #[test]
    fn short_words_numbers_lemmata_sigla_and_unknown_languages_are_never_split() {
        let sv = Hyphenator::for_language("sv");
        assert!(sv.splits(&word("app-note", "alla,")).is_empty());
        assert!(sv.splits(&word("app-note", "1917-1918")).is_empty());
        assert!(sv.splits(&word("app-note", "sovjet-ryska")).is_empty());
        assert!(sv.splits(&word("app-lemma", "organisationerna")).is_empty());
        assert!(
            sv.splits(&[Atom::Sigla(vec!["Abcdefgh".into()])])
                .is_empty()
        );
        let two = [
            Atom::Text("app-text", "organisationerna".into()),
            Atom::Call("app-text", "\";\"".into()),
        ];
        assert!(sv.splits(&two).is_empty());
        assert!(
            Hyphenator::for_language("grc")
                .splits(&word("app-note", "organisationerna"))
                .is_empty()
        );
    }
}
