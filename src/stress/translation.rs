//! The stress edition's facing translation: a second pseudo-text, block for block with the
//! original (its title, a heading for each heading, a paragraph for each paragraph), each
//! paragraph of a different length — 0.5 to 1.7 times its original's words — so that the
//! spreads must wait for one side or the other. Written in English-like words, hard-wrapped
//! as a transcription is, with its own generator (the original does not change with it).

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::{GeneratedText, Rng, capitalize, toml_string};

/// English function words, drawn more often than the rest.
const SHORT: &[&str] = &[
    "the", "of", "and", "to", "in", "that", "it", "was", "for", "on", "as", "with", "by", "at",
    "this", "from", "not", "but", "all", "we", "they", "which", "their", "be", "had", "have",
];

/// The rest: no word here is a heading's (`Section`).
const WORDS: &[&str] = &[
    "committee",
    "congress",
    "soviets",
    "uprising",
    "resolution",
    "majority",
    "peasants",
    "workers",
    "garrison",
    "delegates",
    "question",
    "government",
    "assembly",
    "organization",
    "preparation",
    "situation",
    "revolution",
    "proposal",
    "movement",
    "decision",
    "insurrection",
    "railwaymen",
    "provinces",
    "comrades",
    "declared",
    "considered",
    "demanded",
    "proposed",
    "immediately",
    "political",
    "technical",
    "international",
    "decisive",
    "military",
    "armed",
    "central",
    "regional",
    "necessary",
    "impossible",
    "power",
    "land",
    "peace",
    "bread",
    "front",
    "city",
    "troops",
    "vote",
    "report",
    "minutes",
    "session",
    "meeting",
    "party",
    "press",
];

/// The first line of the title, and the second.
pub(super) const TITLE: [&str; 2] = [
    "A stress edition of an invented record",
    "of the congress of soviets 1917",
];

/// `translation.txt` and the spec's `[translation]` tables for it.
pub(super) struct GeneratedTranslation {
    pub source: String,
    pub spec: String,
}

/// The translation of `text` (deterministic in `seed`).
pub(super) fn write(seed: u64, text: &GeneratedText) -> GeneratedTranslation {
    let mut rng = Rng::new(seed ^ 0x7472_616e_736c_6174);
    let mut source = format!("{}\n{}\n", TITLE[0], TITLE[1]);
    let mut headings = vec![];
    // The original's blocks in order: headings and paragraphs by where they start.
    let mut blocks: Vec<(usize, Option<usize>)> = text
        .headings
        .iter()
        .map(|h| (h.start, None))
        .chain(
            text.paragraphs
                .iter()
                .map(|p| (p.words.first().map_or(0, |w| w.start), Some(p.words.len()))),
        )
        .collect();
    blocks.sort_by_key(|b| b.0);
    for (_, words) in blocks {
        source.push('\n');
        match words {
            None => {
                let n = headings.len() + 1;
                let heading = format!("{n}. Section {n}");
                source.push_str(&heading);
                source.push('\n');
                headings.push(heading);
            }
            Some(n) => {
                let target = (n * rng.range(50, 170) / 100).max(3);
                let mut tokens = vec![];
                while tokens.len() < target {
                    tokens.extend(sentence(&mut rng));
                }
                super::wrap_source(&mut rng, &tokens, &mut source);
            }
        }
    }
    let sha = crate::text::hex(&Sha256::digest(source.as_bytes()));
    let mut spec = String::from("\n[translation]\n");
    let _ = writeln!(spec, "file = {}", toml_string("translation.txt"));
    let _ = writeln!(spec, "sha256 = {}", toml_string(&sha));
    let _ = writeln!(spec, "language = {}", toml_string("en"));
    let _ = writeln!(
        spec,
        "title = {}",
        toml_string(&format!("{} {}", TITLE[0], TITLE[1]))
    );
    for h in &headings {
        let _ = writeln!(spec, "\n[[translation.heading]]\nat = {}", toml_string(h));
    }
    GeneratedTranslation { source, spec }
}

/// A sentence of 5–20 words, capitalised, with a comma now and then.
fn sentence(rng: &mut Rng) -> Vec<String> {
    let count = rng.range(5, 20);
    (0..count)
        .map(|i| {
            let w = if rng.chance(45) {
                rng.pick(SHORT)
            } else {
                rng.pick(WORDS)
            };
            let mut word = if i == 0 { capitalize(w) } else { w.to_string() };
            if i + 1 == count {
                word.push('.');
            } else if i >= 2 && i + 3 < count && rng.chance(10) {
                word.push(',');
            }
            word
        })
        .collect()
}
