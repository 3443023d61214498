//! A deterministic stress edition: pseudo-Swedish prose of a chosen length with a dense
//! two-series apparatus, for load tests and benchmarks (`apparat stress`, `apparat bench`).
//!
//! Everything derives from one seed through a small xorshift generator, so the same
//! [`StressOptions`] always write byte-identical files. The generator keeps its own model of
//! the normalised text (title, headings and paragraphs joined by `\n`, words by one space —
//! what `text` builds from the source) and resolves every quotation against it with the same
//! matching rule as the program (`text::find_in`), adding `occurrence = N` whenever the quoted
//! words occur more than once.
//!
//! Each step is one pass, so that a 3,000-page edition takes about fifteen times as long as a
//! 200-page one: write the text, plan the entries, find the matches of all quotations in one
//! walk over the text ([`OccurrenceIndex`]), write the spec.
//!
//! The prose edition has an index of names: words of every other paragraph listed under
//! headwords (Swedish names, so that å, ä and ö sort after z), some under sub-entries, some
//! twice a line or so apart, so that references merge into ranges, on one page or across a
//! page break. Its own generator, seeded from the same seed, leaves the text and the
//! apparatus as they were without it.
//!
//! With [`StressOptions::long_notes`] the edition is commentary-heavy and some notes run to
//! hundreds of words, to load the page make-up with notes near the height of a page.
//!
//! [`generate_verse`] writes a long poem instead (`apparat stress --verse`): cantos of stanzas,
//! one verse a source line (even verses indented), some verses too long for the line, so
//! that they turn over; the entries fall on verses and turnovers alike. In the model each
//! verse is a block, as `text` makes it.

mod translation;

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

/// What a stress edition should be like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StressOptions {
    /// Pages of body text to aim for (at least one).
    pub pages: usize,
    /// Seed of the text and apparatus generator.
    pub seed: u64,
    /// A commentary-heavy edition with long notes; `None`: the ordinary stress edition.
    pub long_notes: Option<LongNotes>,
    /// A facing translation (`translation.txt`), paragraph for paragraph, each of another
    /// length than its original.
    pub translation: bool,
}

impl Default for StressOptions {
    fn default() -> StressOptions {
        StressOptions {
            pages: 200,
            seed: 1,
            long_notes: None,
            translation: false,
        }
    }
}

/// Long commentary notes: about one commentary note in [`LONG_NOTE_SHARE`] percent, where
/// no other entry is near, runs to between 3/8 of `max_words` and `max_words` words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongNotes {
    /// Words in the longest note.
    pub max_words: usize,
}

impl Default for LongNotes {
    /// Notes as long as fit at the foot of an A5 page of the default template (an apparatus
    /// block does not yet continue on the next page).
    fn default() -> LongNotes {
        LongNotes {
            max_words: LONG_NOTE_WORDS_THAT_FIT,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub entries: usize,
    pub critical: usize,
    pub commentary: usize,
    pub paragraphs: usize,
    pub headings: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} paragraphs, {} headings, {} apparatus entries ({} critical, {} commentary)",
            self.paragraphs, self.headings, self.entries, self.critical, self.commentary
        )
    }
}

/// Body characters planned per page (normalised text). Tuned so that the default template
/// on A5, with the apparatus this generator produces, yields at least `pages` pages.
const CHARS_PER_PAGE: usize = 1680;
/// Verses per A5 page of the verse stress edition (stanza spaces, turnovers and the
/// apparatus take the rest).
const VERSES_PER_PAGE: usize = 16;
/// Apparatus entries per page (both series).
const ENTRIES_PER_PAGE: f64 = 7.5;
/// Share of entries in the critical series, in percent.
const CRITICAL_SHARE: u64 = 60;
/// Share of entries in the critical series of an edition with long notes.
const LONG_NOTES_CRITICAL_SHARE: u64 = 35;
/// Share of the commentary notes, in percent, that are long where a long note may stand.
pub const LONG_NOTE_SHARE: u64 = 20;
/// Words kept free of other lemmata before and after a long note's lemma (more than a line of
/// the default template), so that its apparatus block holds that note alone.
const LONG_NOTE_CLEARANCE: usize = 12;
/// Words from one long note's lemma to the next one's.
const LONG_NOTE_SPACING: usize = 150;
/// The longest note that fits on an A5 page of the default template with its line, with room
/// to spare (notes of about 520 words are the limit today).
const LONG_NOTE_WORDS_THAT_FIT: usize = 400;

const TITLE: [&str; 2] = [
    "Stressutgåva av ett påhittat protokoll",
    "från sovjetkongressens sammanträden 1917",
];

/// Short function words, drawn more often than the rest (as in real prose).
const SHORT: &[&str] = &[
    "och", "att", "i", "på", "som", "det", "en", "ett", "av", "till", "med", "för", "den", "om",
    "är", "var", "har", "inte", "men", "de", "vi", "så", "nu", "från", "under", "efter", "vid",
    "mot", "utan", "eller", "då", "när", "här", "där", "bara", "också", "redan", "alla", "denna",
    "detta", "dessa", "sin", "sitt", "sina", "man", "kan", "ska", "måste", "skulle", "hade",
    "blev", "oss", "dem", "hela", "mycket", "mer", "än", "ju", "dock", "ännu",
];

/// The rest of the vocabulary, with long compounds so that the text hyphenates.
const WORDS: &[&str] = &[
    // long compounds
    "centralkommittén",
    "sovjetkongressen",
    "maktövertagande",
    "bondeupproret",
    "arbetarklassen",
    "soldatdeputerade",
    "revolutionskommittén",
    "järnvägsarbetarna",
    "partikonferensen",
    "regeringsmakten",
    "stadsduman",
    "fabrikskommittéerna",
    "förbundsorganisationerna",
    "arbetarrörelsen",
    "bondedeputerade",
    "garnisonsförsamlingen",
    "provinsorganisationerna",
    "motrevolutionen",
    "tillfälliga",
    "konstituerande",
    "nationalförsamlingen",
    "sammanträdesprotokollet",
    "befolkningsmajoriteten",
    "krigsministeriet",
    "livsmedelsförsörjningen",
    "fredsförhandlingarna",
    "jordbruksfrågan",
    "frontorganisationerna",
    "verkställande",
    "partiledningen",
    "huvudstadsgarnisonen",
    "massorganisationerna",
    "upprorsförberedelserna",
    "statskuppsförsöket",
    "försörjningsläget",
    "mobiliseringsordern",
    "ställningstagande",
    "beslutsamhet",
    "överenskommelse",
    "omständigheterna",
    "proletariatets",
    "sammanslutningarna",
    "utskottsledamöterna",
    "distriktskommittéerna",
    // nouns
    "kamrat",
    "kamraterna",
    "frågan",
    "frågor",
    "upproret",
    "partiet",
    "makten",
    "sovjeterna",
    "massorna",
    "armén",
    "flottan",
    "fronten",
    "staden",
    "landet",
    "folket",
    "bönderna",
    "arbetarna",
    "soldaterna",
    "regeringen",
    "kongressen",
    "mötet",
    "beslutet",
    "förslaget",
    "resolutionen",
    "majoriteten",
    "minoriteten",
    "läget",
    "situationen",
    "tiden",
    "ögonblicket",
    "initiativet",
    "taktiken",
    "uppgiften",
    "organisationen",
    "rapporten",
    "protokollet",
    "diskussionen",
    "röstningen",
    "ledningen",
    "provinsen",
    "huvudstaden",
    "krisen",
    "kriget",
    "freden",
    "jorden",
    "brödet",
    "hungern",
    "striden",
    "segern",
    "nederlaget",
    "kraften",
    "styrkan",
    "stämningen",
    "viljan",
    "linjen",
    "parollen",
    "tidningen",
    "kommittén",
    "delegaterna",
    "ombuden",
    "talaren",
    "ordföranden",
    "sekreteraren",
    "förslag",
    "skäl",
    "svar",
    "krav",
    "mål",
    "steg",
    "dag",
    "natt",
    "vecka",
    "månad",
    "vår",
    "höst",
    "vinter",
    "morgon",
    "kväll",
    "dagar",
    "veckor",
    "punkt",
    "punkten",
    "ordning",
    "dagordningen",
    "uttalande",
    "yttrande",
    "invändning",
    "invändningar",
    "uppfattning",
    "mening",
    "åsikt",
    "bedömning",
    "slutsats",
    "erfarenhet",
    "förhållandena",
    "utvecklingen",
    "rörelsen",
    "kampen",
    "motståndet",
    "trycket",
    "faran",
    // verbs
    "konstaterar",
    "föreslår",
    "anser",
    "menar",
    "framhåller",
    "påpekar",
    "betonar",
    "invänder",
    "svarar",
    "frågar",
    "säger",
    "förklarar",
    "hävdar",
    "understryker",
    "beslutar",
    "antar",
    "förkastar",
    "godkänner",
    "diskuterar",
    "behandlar",
    "kräver",
    "förbereder",
    "genomföra",
    "organisera",
    "samla",
    "vänta",
    "handla",
    "agera",
    "gripa",
    "ta",
    "ge",
    "se",
    "veta",
    "tro",
    "tala",
    "skriva",
    "läsa",
    "rösta",
    "följa",
    "leda",
    "vinna",
    "förlora",
    "hålla",
    "bryta",
    "stödja",
    "försvara",
    "angripa",
    "uppskjuta",
    "avgöra",
    "bedöma",
    "överväga",
    "förutse",
    "undvika",
    "riskera",
    "utnyttja",
    "förbereda",
    "erövra",
    "behålla",
    "försöka",
    "lyckas",
    "misslyckas",
    "börjat",
    "förlorat",
    "vunnit",
    "sagt",
    "gjort",
    "blivit",
    "funnits",
    "kommit",
    "gått",
    // adjectives and adverbs
    "politiska",
    "militära",
    "tekniska",
    "avgörande",
    "nödvändigt",
    "omöjligt",
    "möjligt",
    "farligt",
    "viktigt",
    "stor",
    "stora",
    "liten",
    "små",
    "ny",
    "nya",
    "gamla",
    "hela",
    "allvarligt",
    "tydligt",
    "uppenbart",
    "snabbt",
    "långsamt",
    "genast",
    "senare",
    "tidigare",
    "slutligen",
    "emellertid",
    "visserligen",
    "därför",
    "således",
    "alltså",
    "dessutom",
    "nämligen",
    "kanske",
    "troligen",
    "säkert",
    "aldrig",
    "alltid",
    "ofta",
    "sällan",
    "ibland",
    "fortfarande",
    "faktiskt",
    "verkligen",
    "tillräckligt",
    "beslutsamt",
    "enhälligt",
    "bestämt",
    "försiktigt",
    "öppet",
    "hemligt",
    "gemensamt",
    "samtidigt",
    "internationella",
    "ryska",
    "tyska",
    "europeiska",
    "revolutionära",
    "borgerliga",
    "socialistiska",
    "proletära",
    "väpnade",
    "väpnat",
    "organiserade",
    "beslutsamma",
    "avvaktande",
    "passiva",
    "aktiva",
    "breda",
    "djupa",
    "verklig",
    "verkliga",
    "egen",
    "egna",
    "annan",
    "andra",
    "första",
    "sista",
    "nästa",
    "samma",
    "varje",
    "ingen",
    "inget",
    "några",
    "många",
    "flera",
    "båda",
];

/// A tiny deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // Mix the seed so that small seeds differ in every bit; never zero.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
    /// True with probability `pct` percent.
    fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.range(0, xs.len() - 1)]
    }
    fn word(&mut self) -> &'static str {
        if self.chance(40) {
            self.pick(SHORT)
        } else {
            self.pick(WORDS)
        }
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A sentence of `min..=max` words, capitalised, with commas and a final stop.
fn sentence(rng: &mut Rng, min: usize, max: usize) -> Vec<String> {
    let count = rng.range(min, max);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let mut word = if i == 0 {
            capitalize(rng.word())
        } else {
            rng.word().to_string()
        };
        if i + 1 == count {
            word.push(if rng.chance(6) { '?' } else { '.' });
        } else if i >= 2 && i + 3 < count && rng.chance(9) {
            word.push(if rng.chance(10) { ';' } else { ',' });
        }
        out.push(word);
    }
    out
}

/// A TOML basic string (quoted and escaped by the toml crate).
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

// ---- The base text ---------------------------------------------------------------------------

/// One word of a paragraph in the normalised document: its byte range without trailing
/// punctuation.
#[derive(Debug, Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
}

struct Paragraph {
    words: Vec<Word>,
}

/// A heading: its text and where it starts in the normalised document.
struct Heading {
    text: String,
    start: usize,
}

/// The base text twice: as written to `source.txt` and as the program normalises it.
struct GeneratedText {
    /// `source.txt`: hard-wrapped lines, some with trailing spaces.
    source: String,
    /// The normalised document: title, headings and paragraphs joined by `\n`, words by one
    /// space.
    doc: String,
    /// The title as it stands in `doc` (its two source lines joined).
    title: String,
    headings: Vec<Heading>,
    paragraphs: Vec<Paragraph>,
}

impl GeneratedText {
    /// The text and the model with the title only.
    fn new() -> GeneratedText {
        let title = format!("{} {}", TITLE[0], TITLE[1]);
        GeneratedText {
            source: format!("{}  \n{} \n", TITLE[0], TITLE[1]),
            doc: title.clone(),
            title,
            headings: vec![],
            paragraphs: vec![],
        }
    }

    /// Append the next numbered heading, as a source line (sometimes with a trailing space).
    fn push_heading(&mut self, rng: &mut Rng) {
        let number = self.headings.len() + 1;
        let text = format!("{number}. Avsnitt {number}");
        self.source.push('\n');
        self.source.push_str(&text);
        self.source
            .push_str(if rng.chance(30) { " \n" } else { "\n" });
        self.doc.push('\n');
        let start = self.doc.len();
        self.doc.push_str(&text);
        self.headings.push(Heading { text, start });
    }

    /// Append a paragraph of `tokens` (words with their punctuation) to the model; returns
    /// its length in characters. The source lines are written by [`wrap_source`].
    fn push_paragraph_model(&mut self, tokens: &[String]) -> usize {
        self.doc.push('\n');
        let paragraph_start = self.doc.len();
        let mut words = Vec::with_capacity(tokens.len());
        for (i, token) in tokens.iter().enumerate() {
            if i > 0 {
                self.doc.push(' ');
            }
            let start = self.doc.len();
            let core = token.trim_end_matches([',', '.', ';', '?']);
            self.doc.push_str(token);
            words.push(Word {
                start,
                end: start + core.len(),
            });
        }
        self.paragraphs.push(Paragraph { words });
        self.doc[paragraph_start..].chars().count()
    }
}

/// About `pages` pages of text: paragraphs of 4–14 sentences, a heading every three pages.
fn write_text(rng: &mut Rng, pages: usize) -> GeneratedText {
    let mut text = GeneratedText::new();
    let body_target = pages * CHARS_PER_PAGE;
    let heading_every = 3 * CHARS_PER_PAGE;
    let mut body = 0usize;
    let mut since_heading = heading_every; // a heading before the first paragraph
    while body < body_target {
        if since_heading >= heading_every {
            text.push_heading(rng);
            since_heading = 0;
        }
        let mut tokens: Vec<String> = vec![];
        for _ in 0..rng.range(4, 14) {
            tokens.extend(sentence(rng, 5, 20));
        }
        let chars = text.push_paragraph_model(&tokens);
        body += chars;
        since_heading += chars;
        text.source.push('\n');
        wrap_source(rng, &tokens, &mut text.source);
    }
    text
}

/// About `pages` pages of verse: cantos (a heading every three pages) of stanzas of 4–8
/// verses; each verse one source line, the even ones indented by two spaces; about one verse
/// in eight is too long for the line (18–30 words) and turns over.
fn write_verse(rng: &mut Rng, pages: usize) -> GeneratedText {
    let mut text = GeneratedText::new();
    let target = pages * VERSES_PER_PAGE;
    let canto = 3 * VERSES_PER_PAGE;
    let mut verses = 0usize;
    let mut since_heading = canto; // a heading before the first stanza
    while verses < target {
        if since_heading >= canto {
            text.push_heading(rng);
            since_heading = 0;
        }
        text.source.push('\n');
        let stanza = rng.range(4, 8);
        for k in 0..stanza {
            let tokens = if rng.chance(12) {
                sentence(rng, 18, 30)
            } else {
                sentence(rng, 5, 10)
            };
            text.push_paragraph_model(&tokens);
            if k % 2 == 1 {
                text.source.push_str("  ");
            }
            text.source.push_str(&tokens.join(" "));
            text.source.push('\n');
        }
        verses += stanza;
        since_heading += stanza;
    }
    text
}

/// A paragraph's source lines: hard-wrapped at about 75 characters, some lines with
/// trailing spaces.
fn wrap_source(rng: &mut Rng, tokens: &[String], source: &mut String) {
    let mut line = String::new();
    let mut width = rng.range(68, 80);
    for token in tokens {
        if !line.is_empty() && line.chars().count() + 1 + token.chars().count() > width {
            source.push_str(&line);
            if rng.chance(35) {
                source.push_str(if rng.chance(20) { "  " } else { " " });
            }
            source.push('\n');
            line.clear();
            width = rng.range(68, 80);
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(token);
    }
    source.push_str(&line);
    source.push_str(if rng.chance(35) { " \n" } else { "\n" });
}

// ---- Matching: the program's rule, for many quotations at once ------------------------------

fn is_word_char(c: char) -> bool {
    crate::text::word_char(Some(c))
}

/// Whether `text::find_in(doc, &doc[start..end])` has a match at `start`: the quotation is
/// word-bounded there (as it trivially equals itself).
fn matches_at(doc: &str, start: usize, end: usize) -> bool {
    let quote = &doc[start..end];
    let first_word = quote.chars().next().is_some_and(is_word_char);
    let last_word = quote.chars().next_back().is_some_and(is_word_char);
    let before = doc[..start].chars().next_back().is_some_and(is_word_char);
    let after = doc[end..].chars().next().is_some_and(is_word_char);
    !(quote.is_empty() || first_word && before || last_word && after)
}

/// The byte ranges of the word runs (maximal runs of word characters) of `s`.
fn word_runs(s: &str) -> Vec<std::ops::Range<usize>> {
    let mut runs = vec![];
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(start) = start {
        runs.push(start..s.len());
    }
    runs
}

/// How a quotation is told apart from its other occurrences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occurrence {
    /// It occurs once: no `occurrence` needed.
    Only,
    /// It is the n-th (from 1) of several matches.
    Nth(usize),
}

/// Every match of many quotations in the document, found in one walk over it.
///
/// Under `text::find_in`'s rule a quotation that begins and ends with a word character
/// matches exactly where the document, from the start of one word run to the end of the run
/// `k - 1` runs later, equals it (`k` the quotation's own number of runs): a match must start
/// and end on run boundaries, and holds the same runs as the quotation. So one walk over the
/// document's runs, looking up each stretch of 1…k runs among the wanted quotations, finds
/// the matches of all of them — linear in the text, where asking `find_in` per quotation is
/// quadratic. Quotations that begin or end otherwise go to `find_in` itself.
struct OccurrenceIndex<'a> {
    /// Start offsets of the matches of each quotation, in document order.
    matches: std::collections::HashMap<&'a str, Vec<usize>>,
}

impl<'a> OccurrenceIndex<'a> {
    fn new(doc: &'a str, quotes: impl IntoIterator<Item = &'a str>) -> OccurrenceIndex<'a> {
        let mut matches = std::collections::HashMap::new();
        // wanted_runs[k]: some quotation has k word runs.
        let mut wanted_runs: Vec<bool> = vec![];
        for quote in quotes {
            if matches.contains_key(quote) {
                continue;
            }
            let word_bounded = quote.chars().next().is_some_and(is_word_char)
                && quote.chars().next_back().is_some_and(is_word_char);
            if word_bounded {
                let runs = word_runs(quote).len();
                if wanted_runs.len() <= runs {
                    wanted_runs.resize(runs + 1, false);
                }
                wanted_runs[runs] = true;
                matches.insert(quote, vec![]);
            } else {
                // No stretch of whole runs equals such a quotation: the walk never adds to it.
                let found = crate::text::find_in(doc, quote);
                matches.insert(quote, found.into_iter().map(|m| m.start).collect());
            }
        }
        let runs = word_runs(doc);
        for (first, run) in runs.iter().enumerate() {
            for (count, last) in runs[first..]
                .iter()
                .take(wanted_runs.len().saturating_sub(1))
                .enumerate()
            {
                if !wanted_runs[count + 1] {
                    continue;
                }
                if let Some(starts) = matches.get_mut(&doc[run.start..last.end]) {
                    starts.push(run.start);
                }
            }
        }
        OccurrenceIndex { matches }
    }

    /// The occurrence of the match of `quote` at `start`; `None` if there is none there (or
    /// the quotation was not indexed).
    fn occurrence(&self, quote: &str, start: usize) -> Option<Occurrence> {
        let starts = self.matches.get(quote)?;
        let rank = starts.binary_search(&start).ok()?;
        Some(if starts.len() == 1 {
            Occurrence::Only
        } else {
            Occurrence::Nth(rank + 1)
        })
    }
}

/// `occurrence` for the quotation `doc[start..end]` from `text::find_in` directly (one scan
/// of the document): the reference [`OccurrenceIndex`] agrees with.
fn occurrence_by_scan(doc: &str, start: usize, end: usize) -> Option<Occurrence> {
    let found = crate::text::find_in(doc, &doc[start..end]);
    let rank = found.iter().position(|m| m.start == start)?;
    Some(if found.len() == 1 {
        Occurrence::Only
    } else {
        Occurrence::Nth(rank + 1)
    })
}

// ---- Entries ---------------------------------------------------------------------------------

/// The two apparatus series of the stress edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Series {
    Critical,
    Commentary,
}

impl Series {
    fn id(self) -> &'static str {
        match self {
            Series::Critical => "critical",
            Series::Commentary => "commentary",
        }
    }
    fn index(self) -> usize {
        self as usize
    }
    fn other(self) -> Series {
        match self {
            Series::Critical => Series::Commentary,
            Series::Commentary => Series::Critical,
        }
    }
}

/// An entry chosen, before its `occurrence` is known.
struct PlannedEntry {
    series: Series,
    /// The lemma's byte range in the normalised document.
    start: usize,
    end: usize,
    /// The TOML lines after `at` and `occurrence`: readings, emendation or note.
    body: String,
}

/// Walks the paragraphs choosing lemmata and writing entry bodies.
struct Planner<'a> {
    rng: &'a mut Rng,
    doc: &'a str,
    /// Mean gap between entries, in words.
    mean_gap: usize,
    critical_share: u64,
    long_notes: Option<LongNotes>,
    /// Words of the text before the current paragraph.
    words_before: usize,
    /// Word number (in the whole text) after which the next long note may stand.
    next_long_note: usize,
    entries: Vec<PlannedEntry>,
}

/// Walk the paragraphs' words; each entry starts a random gap after the previous one
/// (sometimes only a few words: clusters on one line), each series keeps its lemmata
/// disjoint (and so the emendations, all critical, never overlap).
fn plan_entries(rng: &mut Rng, text: &GeneratedText, options: &StressOptions) -> Vec<PlannedEntry> {
    let target = ((options.pages.max(1) as f64) * ENTRIES_PER_PAGE).ceil() as usize;
    let total_words: usize = text.paragraphs.iter().map(|p| p.words.len()).sum();
    let mut planner = Planner {
        rng,
        doc: &text.doc,
        mean_gap: (total_words / target.max(1)).max(2),
        critical_share: if options.long_notes.is_some() {
            LONG_NOTES_CRITICAL_SHARE
        } else {
            CRITICAL_SHARE
        },
        long_notes: options.long_notes,
        words_before: 0,
        next_long_note: 0,
        entries: vec![],
    };
    for (index, paragraph) in text.paragraphs.iter().enumerate() {
        let first = if index == 0 {
            0
        } else {
            planner.rng.range(0, planner.mean_gap)
        };
        planner.plan_paragraph(&paragraph.words, first);
        planner.words_before += paragraph.words.len();
    }
    planner.entries
}

impl Planner<'_> {
    /// The entries of one paragraph, the first at word `at`.
    fn plan_paragraph(&mut self, words: &[Word], mut at: usize) {
        // Per series: the first word index a new lemma may start at.
        let mut free = [0usize; 2];
        // The first word after the lemmata planned so far in this paragraph.
        let mut clear_from = 0usize;
        while at < words.len() {
            let mut series = if self.rng.chance(self.critical_share) {
                Series::Critical
            } else {
                Series::Commentary
            };
            if at < free[series.index()] {
                series = series.other();
            }
            if at < free[series.index()] {
                at = free[series.index()];
                continue;
            }
            let length = if self.rng.chance(8) {
                self.rng.range(6, 12)
            } else {
                self.rng.range(1, 3)
            };
            let last = (at + length - 1).min(words.len() - 1);
            let (start, end) = (words[at].start, words[last].end);
            if !matches_at(self.doc, start, end) {
                at += 1;
                continue;
            }
            let long_note = match series {
                Series::Commentary => self.long_note_here(at, clear_from),
                Series::Critical => None,
            };
            let lemma = &self.doc[start..end];
            let body = match (series, long_note) {
                (Series::Critical, _) => critical_body(self.rng, lemma, last - at + 1),
                (Series::Commentary, Some(length)) => note_body(self.rng, length, length),
                (Series::Commentary, None) => note_body(self.rng, 5, 40),
            };
            self.entries.push(PlannedEntry {
                series,
                start,
                end,
                body,
            });
            free[series.index()] = last + 1;
            clear_from = clear_from.max(last + 1);
            // Next entry: clustered (1–4 words on) or a random gap.
            at += if self.rng.chance(25) {
                self.rng.range(1, 4)
            } else {
                self.rng.range(1, 2 * self.mean_gap)
            };
            if long_note.is_some() {
                at = at.max(last + 1 + LONG_NOTE_CLEARANCE);
                self.next_long_note = self.words_before + last + LONG_NOTE_SPACING;
            }
        }
    }

    /// The length in words of a long note on a lemma at word `at`, if one goes there: long
    /// notes stand apart, with no other lemma within [`LONG_NOTE_CLEARANCE`] words (so that
    /// no other entry shares their line) and [`LONG_NOTE_SPACING`] words from the last.
    fn long_note_here(&mut self, at: usize, clear_from: usize) -> Option<usize> {
        let long_notes = self.long_notes?;
        let apart = at >= clear_from + LONG_NOTE_CLEARANCE || clear_from == 0;
        if !apart || self.words_before + at < self.next_long_note {
            return None;
        }
        if !self.rng.chance(LONG_NOTE_SHARE) {
            return None;
        }
        let max = long_notes.max_words.max(1);
        Some(self.rng.range((max * 3 / 8).max(1), max))
    }
}

/// A commentary note of `min..=max` words: one sentence for short notes, several for long
/// ones: the TOML line.
fn note_body(rng: &mut Rng, min: usize, max: usize) -> String {
    let count = rng.range(min, max);
    let mut words: Vec<String> = Vec::with_capacity(count);
    if count <= 40 {
        words = sentence(rng, count, count);
    } else {
        while words.len() < count {
            let left = count - words.len();
            let length = if left < 30 { left } else { rng.range(8, 24) };
            words.extend(sentence(rng, length, length));
        }
    }
    format!("note = {}\n", toml_string(&words.join(" ")))
}

/// The witnesses of a reading: B and C, B (twice as often) or C.
fn witnesses(rng: &mut Rng) -> &'static str {
    match rng.range(0, 3) {
        0 => "[\"B\", \"C\"]",
        1 | 2 => "[\"B\"]",
        _ => "[\"C\"]",
    }
}

/// The TOML lines of a critical entry: an emendation or readings of B and C.
fn critical_body(rng: &mut Rng, lemma: &str, lemma_words: usize) -> String {
    let mut out = String::new();
    let roll = rng.range(0, 99);
    if lemma_words == 1 && roll < 12 && lemma.to_uppercase() != lemma {
        let _ = writeln!(out, "emend = {}", toml_string(&lemma.to_uppercase()));
        if rng.chance(30) {
            let witnesses = witnesses(rng);
            let _ = writeln!(
                out,
                "readings = [{{ wit = {witnesses}, text = {} }}]",
                toml_string(rng.word())
            );
        }
        return out;
    }
    let count = if rng.chance(20) { 2 } else { 1 };
    let mut readings: Vec<String> = (0..count).map(|_| reading(rng, lemma)).collect();
    if let [first, second] = readings.as_mut_slice() {
        *second = without_witnesses_of(first, second);
    }
    let _ = writeln!(out, "readings = [{}]", readings.join(", "));
    out
}

/// The `wit = [...]` list of a reading as an inline TOML table, and where it stands.
fn wit_list(reading: &str) -> Option<(std::ops::Range<usize>, Vec<&str>)> {
    let start = reading.find("wit = [")? + "wit = [".len();
    let end = start + reading[start..].find(']')?;
    let sigla = reading[start..end]
        .split(", ")
        .map(|s| s.trim_matches('"'))
        .collect();
    Some((start..end, sigla))
}

/// `second` citing none of the witnesses of `first` (a witness reads one thing): those of B
/// and C that `first` leaves, else E.
fn without_witnesses_of(first: &str, second: &str) -> String {
    let (Some((_, taken)), Some((range, sigla))) = (wit_list(first), wit_list(second)) else {
        return second.to_string();
    };
    if sigla.iter().all(|s| !taken.contains(s)) {
        return second.to_string();
    }
    let left: Vec<String> = ["B", "C"]
        .iter()
        .filter(|s| !taken.contains(s))
        .map(|s| toml_string(s))
        .collect();
    let list = if left.is_empty() {
        toml_string("E")
    } else {
        left.join(", ")
    };
    format!("{}{list}{}", &second[..range.start], &second[range.end..])
}

/// One reading of a critical entry as an inline TOML table: a variant, an omission, an
/// addition, a transposition or a conjecture.
fn reading(rng: &mut Rng, lemma: &str) -> String {
    let roll = rng.range(0, 99);
    let words: Vec<&str> = lemma.split(' ').collect();
    if roll < 45 {
        let count = rng.range(1, 3);
        let text: Vec<&str> = (0..count).map(|_| rng.word()).collect();
        let witnesses = witnesses(rng);
        format!(
            "{{ wit = {witnesses}, text = {} }}",
            toml_string(&text.join(" "))
        )
    } else if roll < 65 {
        format!("{{ wit = {}, type = \"om\" }}", witnesses(rng))
    } else if roll < 80 {
        let text = format!("{} {}", lemma, rng.word());
        let witnesses = witnesses(rng);
        format!(
            "{{ wit = {witnesses}, type = \"add\", text = {} }}",
            toml_string(&text)
        )
    } else if roll < 90 && words.len() >= 2 {
        let reversed: Vec<&str> = words.iter().rev().copied().collect();
        let witnesses = witnesses(rng);
        format!(
            "{{ wit = {witnesses}, type = \"transp\", text = {} }}",
            toml_string(&reversed.join(" "))
        )
    } else {
        format!(
            "{{ type = \"conj\", by = \"Stress\", text = {} }}",
            toml_string(rng.word())
        )
    }
}

// ---- The spec --------------------------------------------------------------------------------

/// `[edition]`, `[text]` and the witnesses.
fn write_edition_tables(spec: &mut String, options: &StressOptions, source: &str, verse: bool) {
    let sha = crate::text::hex(&Sha256::digest(source.as_bytes()));
    let (pages, seed) = (options.pages.max(1), options.seed);
    let mut long_notes = match options.long_notes {
        Some(long) => format!(", long notes up to {} words", long.max_words),
        None => String::new(),
    };
    if verse {
        long_notes.push_str(", verse");
    }
    let _ = writeln!(
        spec,
        "# Generated by `apparat stress` (pages = {pages}, seed = {seed}{long_notes}). Do not edit.\n"
    );
    spec.push_str("[edition]\n");
    let _ = writeln!(spec, "title = {}", toml_string("Stressutgåva"));
    let _ = writeln!(
        spec,
        "subtitle = {}",
        toml_string("Ett syntetiskt belastningsprov")
    );
    let _ = writeln!(spec, "editors = [{}]", toml_string("Apparat-redaktionen"));
    let _ = writeln!(spec, "language = {}", toml_string("sv"));
    let _ = writeln!(spec, "version = {}", toml_string("0.0.0"));
    spec.push_str("date = 2026-11-27\n");
    let _ = writeln!(spec, "license = {}", toml_string("CC0-1.0"));
    spec.push_str("\n[text]\n");
    let _ = writeln!(spec, "file = {}", toml_string("source.txt"));
    let _ = writeln!(spec, "sha256 = {}", toml_string(&sha));
    let _ = writeln!(spec, "base = {}", toml_string("A"));
    if verse {
        spec.push_str("verse = true\n");
    }
    for (siglum, description) in [
        (
            "A",
            "Grundtext: ett maskinellt framställt textutdrag med hårda radbrytningar.",
        ),
        ("B", "Ett påhittat vittne med avvikande läsarter."),
        ("C", "Ett andra påhittat vittne."),
        ("D", "Ett vittne som bryts av en bit före slutet."),
        ("E", "D:s syskonhandskrift."),
    ] {
        spec.push_str("\n[[witness]]\n");
        let _ = writeln!(spec, "siglum = {}", toml_string(siglum));
        let _ = writeln!(spec, "description = {}", toml_string(description));
    }
    spec.push_str("\n[[witness]]\n");
    let _ = writeln!(spec, "siglum = {}", toml_string(GROUP));
    let _ = writeln!(
        spec,
        "members = [{}, {}]",
        toml_string("D"),
        toml_string("E")
    );
}

/// `occurrence = N` when the quotation at `start..end` is one of several.
fn write_occurrence(
    spec: &mut String,
    index: &OccurrenceIndex,
    doc: &str,
    start: usize,
    end: usize,
) {
    let occurrence = index
        .occurrence(&doc[start..end], start)
        .or_else(|| occurrence_by_scan(doc, start, end));
    if let Some(Occurrence::Nth(n)) = occurrence {
        let _ = writeln!(spec, "occurrence = {n}");
    }
}

/// `[structure]` with the title and the headings, then `[layout]` and the two series.
fn write_structure_and_layout(
    spec: &mut String,
    text: &GeneratedText,
    index: &OccurrenceIndex,
    verse: bool,
) {
    spec.push_str("\n[structure]\n");
    let _ = writeln!(spec, "title = {}", toml_string(&text.title));
    for heading in &text.headings {
        spec.push_str("\n[[heading]]\n");
        let _ = writeln!(spec, "at = {}", toml_string(&heading.text));
        let end = heading.start + heading.text.len();
        write_occurrence(spec, index, &text.doc, heading.start, end);
    }
    spec.push_str("\n[layout]\n");
    let _ = writeln!(spec, "paper = {}", toml_string("a5"));
    if verse {
        // Verses counted per canto.
        spec.push_str("line-numbers = { every = 5, restart = \"section\" }\n");
    }
    for (id, title, kind) in [
        ("critical", "Textkritisk apparat", "critical"),
        ("commentary", "Kommentar", "commentary"),
    ] {
        spec.push_str("\n[[series]]\n");
        let _ = writeln!(spec, "id = {}", toml_string(id));
        let _ = writeln!(spec, "title = {}", toml_string(title));
        let _ = writeln!(spec, "kind = {}", toml_string(kind));
        let _ = writeln!(spec, "placement = {}", toml_string("foot"));
        if id == POSITIVE_SERIES {
            spec.push_str("positive = true\n");
        }
    }
}

/// The `[[entry]]` tables. Every [`GROUP_EVERY`]th critical entry cites the group where it
/// cites B alone and both the group's members are extant (outside the lacuna).
fn write_entries(
    spec: &mut String,
    doc: &str,
    index: &OccurrenceIndex,
    entries: &[PlannedEntry],
    lacuna: Option<&PlannedLacuna>,
) {
    let mut critical = 0;
    for entry in entries {
        if entry.series == Series::Critical {
            critical += 1;
        }
        spec.push_str("\n[[entry]]\n");
        let _ = writeln!(spec, "series = {}", toml_string(entry.series.id()));
        let _ = writeln!(spec, "at = {}", toml_string(&doc[entry.start..entry.end]));
        write_occurrence(spec, index, doc, entry.start, entry.end);
        let group_extant =
            lacuna.is_none_or(|l| entry.end <= l.from.start || entry.start >= l.to.end);
        let only_b = "readings = [{ wit = [\"B\"],";
        if critical % GROUP_EVERY == 1 && group_extant && entry.body.starts_with(only_b) {
            spec.push_str(&entry.body.replacen("[\"B\"]", &format!("[\"{GROUP}\"]"), 1));
        } else {
            spec.push_str(&entry.body);
        }
    }
}

// ---- Witness groups, a lacuna, a positive series ----------------------------------------------

/// The critical series is positive: each lemma followed by its witnesses, computed.
const POSITIVE_SERIES: &str = "critical";
/// The group of D and E, who read only as the group.
const GROUP: &str = "δ";
/// Every this-many-th critical entry that cites B alone cites the group instead.
const GROUP_EVERY: usize = 4;

/// Where D breaks off: from the first word of a paragraph in the text's last tenth to a word
/// in the middle of the paragraph two on (so D resumes inside that paragraph).
struct PlannedLacuna {
    from: Word,
    to: Word,
}

fn plan_lacuna(text: &GeneratedText) -> Option<PlannedLacuna> {
    let n = text.paragraphs.len();
    if n < 4 {
        return None;
    }
    let k = (n * 9 / 10).min(n - 3);
    let last = &text.paragraphs[k + 2].words;
    Some(PlannedLacuna {
        from: *text.paragraphs[k].words.first()?,
        to: last[last.len() / 2],
    })
}

/// A quotation as a TOML value: a string, or a table with its `occurrence`.
fn quote_value(index: &OccurrenceIndex, doc: &str, word: Word) -> String {
    let at = toml_string(&doc[word.start..word.end]);
    let occurrence = index
        .occurrence(&doc[word.start..word.end], word.start)
        .or_else(|| occurrence_by_scan(doc, word.start, word.end));
    match occurrence {
        Some(Occurrence::Nth(n)) => format!("{{ at = {at}, occurrence = {n} }}"),
        _ => at,
    }
}

/// The `[[lacuna]]` table of D.
fn write_lacuna(spec: &mut String, doc: &str, index: &OccurrenceIndex, lacuna: &PlannedLacuna) {
    spec.push_str("\n[[lacuna]]\n");
    let _ = writeln!(spec, "witness = {}", toml_string("D"));
    let _ = writeln!(spec, "from = {}", quote_value(index, doc, lacuna.from));
    let _ = writeln!(spec, "to = {}", quote_value(index, doc, lacuna.to));
}

// ---- An index of names ------------------------------------------------------------------------

/// The index's headwords: Swedish index forms, several beginning with å, ä or ö.
const HEADWORDS: &[&str] = &[
    "Andersson, Lars",
    "Berg, Karin",
    "Dahl, Erik",
    "Ekdahl, Sigrid",
    "Lund",
    "Malmö",
    "Nyström, Olof",
    "Sundberg, Maja",
    "Ystad",
    "Zetterström, Ivar",
    "Åberg, Anna",
    "Åmål",
    "Ängelholm",
    "Öberg, Nils",
    "Örebro",
    "Östlund, Greta",
];
/// Sub-entries some references stand under.
const SUBS: &[&str] = &["brev", "resor", "verk", "släkt"];

/// An index entry chosen: a word of a paragraph, its headword and sub-entry.
struct PlannedIndexEntry {
    word: Word,
    headword: &'static str,
    sub: Option<&'static str>,
}

/// Index entries in every other paragraph: a word under a headword (a third of them under a
/// sub-entry), and a third of them a second word 8–14 words on (most often the next line)
/// under the same one, so that their references merge.
fn plan_index(text: &GeneratedText, seed: u64) -> Vec<PlannedIndexEntry> {
    let mut rng = Rng::new(seed ^ 0x1d3e_c0de);
    let mut out = vec![];
    for paragraph in text.paragraphs.iter().step_by(2) {
        let words = &paragraph.words;
        if words.is_empty() {
            continue;
        }
        let k = rng.range(0, words.len() - 1);
        let headword = rng.pick(HEADWORDS);
        let sub = rng.chance(33).then(|| rng.pick(SUBS));
        out.push(PlannedIndexEntry {
            word: words[k],
            headword,
            sub,
        });
        let next = k + rng.range(8, 14);
        if rng.chance(33) && next < words.len() {
            out.push(PlannedIndexEntry {
                word: words[next],
                headword,
                sub,
            });
        }
    }
    out
}

/// `[[index]]` and its `[[index-entry]]` tables.
fn write_index(
    spec: &mut String,
    doc: &str,
    index: &OccurrenceIndex,
    entries: &[PlannedIndexEntry],
) {
    spec.push_str("\n[[index]]\n");
    let _ = writeln!(spec, "id = {}", toml_string("nominum"));
    let _ = writeln!(spec, "title = {}", toml_string("Personregister"));
    for entry in entries {
        spec.push_str("\n[[index-entry]]\n");
        let Word { start, end } = entry.word;
        let _ = writeln!(spec, "at = {}", toml_string(&doc[start..end]));
        write_occurrence(spec, index, doc, start, end);
        let _ = writeln!(spec, "headword = {}", toml_string(entry.headword));
        if let Some(sub) = entry.sub {
            let _ = writeln!(spec, "sub = {}", toml_string(sub));
        }
    }
}

// ---- The edition -----------------------------------------------------------------------------

/// A generated edition in memory.
struct GeneratedEdition {
    /// `source.txt`.
    source: String,
    /// `edition.toml`.
    spec: String,
    /// `translation.txt`, where asked for.
    translation: Option<String>,
    summary: Summary,
}

/// Text (prose, or verse where `verse`), entries, occurrences, spec: each one pass.
fn generate_edition(options: &StressOptions, verse: bool) -> GeneratedEdition {
    let mut rng = Rng::new(options.seed);
    let text = if verse {
        write_verse(&mut rng, options.pages.max(1))
    } else {
        write_text(&mut rng, options.pages.max(1))
    };
    let entries = plan_entries(&mut rng, &text, options);
    let lacuna = plan_lacuna(&text);
    let index_entries = if verse {
        vec![]
    } else {
        plan_index(&text, options.seed)
    };
    let lacuna_quotes = lacuna
        .iter()
        .flat_map(|l| [l.from, l.to])
        .map(|w| &text.doc[w.start..w.end]);
    let quotes = text
        .headings
        .iter()
        .map(|heading| &text.doc[heading.start..heading.start + heading.text.len()])
        .chain(
            entries
                .iter()
                .map(|entry| &text.doc[entry.start..entry.end]),
        )
        .chain(lacuna_quotes)
        .chain(
            index_entries
                .iter()
                .map(|entry| &text.doc[entry.word.start..entry.word.end]),
        );
    let index = OccurrenceIndex::new(&text.doc, quotes);
    let mut spec = String::new();
    write_edition_tables(&mut spec, options, &text.source, verse);
    write_structure_and_layout(&mut spec, &text, &index, verse);
    write_entries(&mut spec, &text.doc, &index, &entries, lacuna.as_ref());
    if let Some(l) = &lacuna {
        write_lacuna(&mut spec, &text.doc, &index, l);
    }
    if !index_entries.is_empty() {
        write_index(&mut spec, &text.doc, &index, &index_entries);
    }
    let translation = (options.translation && !verse).then(|| {
        let t = translation::write(options.seed, &text);
        spec.push_str(&t.spec);
        t.source
    });
    // The lacuna is recorded by two entries of the critical series.
    let records = if lacuna.is_some() { 2 } else { 0 };
    let critical = records
        + entries
            .iter()
            .filter(|entry| entry.series == Series::Critical)
            .count();
    GeneratedEdition {
        summary: Summary {
            entries: entries.len() + records,
            critical,
            commentary: entries.len() + records - critical,
            paragraphs: text.paragraphs.len(),
            headings: text.headings.len(),
        },
        source: text.source,
        spec,
        translation,
    }
}

/// Write `dir/edition.toml` and `dir/source.txt`: about `pages` A5 pages of body text with
/// about 7.5 apparatus entries per page, deterministic in `seed`.
pub fn generate(dir: &Path, pages: usize, seed: u64) -> std::io::Result<Summary> {
    generate_with(
        dir,
        &StressOptions {
            pages,
            seed,
            ..StressOptions::default()
        },
    )
}

/// [`generate`] with all the options.
pub fn generate_with(dir: &Path, options: &StressOptions) -> std::io::Result<Summary> {
    write_edition(dir, &generate_edition(options, false))
}

/// A verse stress edition: a long poem in cantos, about `options.pages` pages, with the
/// same density of entries (see the module documentation).
pub fn generate_verse(dir: &Path, options: &StressOptions) -> std::io::Result<Summary> {
    write_edition(dir, &generate_edition(options, true))
}

fn write_edition(dir: &Path, edition: &GeneratedEdition) -> std::io::Result<Summary> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("source.txt"), &edition.source)?;
    std::fs::write(dir.join("edition.toml"), &edition.spec)?;
    if let Some(t) = &edition.translation {
        std::fs::write(dir.join("translation.txt"), t)?;
    }
    Ok(edition.summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!(
            "apparat-stress-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ))
    }

    fn options(pages: usize, seed: u64) -> StressOptions {
        StressOptions {
            pages,
            seed,
            long_notes: None,
            translation: false,
        }
    }

    /// The generator's model, its planned entries, and the program's own reading of the files
    /// it writes (spec, text model, anchors).
    struct ReadBack {
        model: GeneratedText,
        planned: Vec<PlannedEntry>,
        spec: crate::spec::Spec,
        text: crate::text::Text,
        anchors: crate::anchor::Anchors,
    }

    fn read_back(name: &str, options: &StressOptions) -> ReadBack {
        let dir = temp(name);
        generate_with(&dir, options).unwrap();
        let mut rng = Rng::new(options.seed);
        let model = write_text(&mut rng, options.pages);
        let planned = plan_entries(&mut rng, &model, options);
        let spec = crate::spec::Spec::load(&dir).unwrap_or_else(|d| panic!("{}", d.render(false)));
        let text = crate::text::Text::load(&spec).unwrap_or_else(|d| panic!("{}", d.render(false)));
        let anchors =
            crate::anchor::resolve(&spec, &text).unwrap_or_else(|d| panic!("{}", d.render(false)));
        let _ = std::fs::remove_dir_all(&dir);
        ReadBack {
            model,
            planned,
            spec,
            text,
            anchors,
        }
    }

    #[test]
    fn deterministic() {
        let (a, b) = (temp("det-a"), temp("det-b"));
        let sa = generate(&a, 3, 7).unwrap();
        let sb = generate(&b, 3, 7).unwrap();
        assert_eq!(sa, sb);
        for f in ["edition.toml", "source.txt"] {
            assert_eq!(
                std::fs::read(a.join(f)).unwrap(),
                std::fs::read(b.join(f)).unwrap()
            );
        }
        let _ = std::fs::remove_dir_all(&a);
        let _ = std::fs::remove_dir_all(&b);
    }

    #[test]
    fn every_anchor_resolves_to_its_planned_lemma() {
        for seed in [1, 2, 3] {
            let r = read_back("anchors", &options(25, seed));
            // The generator's model is the program's normalised text, byte for byte.
            assert!(
                r.text.doc == r.model.doc,
                "seed {seed}: model and text differ"
            );
            // The planned entries, then the two records of the lacuna.
            let records = 2 * r.spec.lacunae.len();
            assert_eq!(r.spec.lacunae.len(), 1);
            assert_eq!(r.spec.entries.len(), r.planned.len() + records);
            assert_eq!(r.anchors.lemmata.len(), r.planned.len() + records);
            let mut with_occurrence = 0;
            for lemma in r
                .anchors
                .lemmata
                .iter()
                .filter(|l| l.entry < r.planned.len())
            {
                let planned = &r.planned[lemma.entry];
                assert_eq!(
                    lemma.range,
                    planned.start..planned.end,
                    "seed {seed}: entry {} resolved elsewhere",
                    lemma.entry
                );
                let quote = &r.spec.entries[lemma.entry].quote;
                let matches = crate::text::find_in(&r.text.doc, quote.at.get_ref()).len();
                // `occurrence` exactly where the quotation is ambiguous.
                assert_eq!(
                    quote.occurrence.is_some(),
                    matches > 1,
                    "entry {}",
                    lemma.entry
                );
                with_occurrence += usize::from(matches > 1);
            }
            assert!(
                with_occurrence > 0 && with_occurrence < r.planned.len(),
                "{with_occurrence} ambiguous"
            );
            assert_eq!(r.spec.headings.len(), r.model.headings.len());
        }
    }

    #[test]
    fn the_index_finds_what_find_in_finds() {
        let doc = "Och och och, och.\n1. Avsnitt 1\n11. Avsnitt 11 och-så (och) å å";
        let quotes = [
            "och och",
            "och",
            "och,",
            "Och och",
            "1. Avsnitt 1",
            "Avsnitt 11",
            "å",
            "(och)",
            ", och",
            "saknas",
        ];
        let index = OccurrenceIndex::new(doc, quotes);
        for quote in quotes {
            let expected: Vec<usize> = crate::text::find_in(doc, quote)
                .into_iter()
                .map(|m| m.start)
                .collect();
            assert_eq!(index.matches[quote], expected, "{quote:?}");
        }
        // And on a generated text, for every quotation the generator writes.
        let mut rng = Rng::new(9);
        let text = write_text(&mut rng, 15);
        let entries = plan_entries(&mut rng, &text, &options(15, 9));
        let quotes: Vec<&str> = entries.iter().map(|e| &text.doc[e.start..e.end]).collect();
        let index = OccurrenceIndex::new(&text.doc, quotes.iter().copied());
        for (entry, quote) in entries.iter().zip(&quotes) {
            assert_eq!(
                index.occurrence(quote, entry.start),
                occurrence_by_scan(&text.doc, entry.start, entry.end),
                "{quote:?}"
            );
        }
    }

    #[test]
    fn a_long_edition_grows_in_proportion() {
        // 1,000 pages: every part of the edition grows with the pages, nothing with their
        // square (the planned counts per page stay those of a short edition).
        let short = generate_edition(&options(100, 4), false);
        let long = generate_edition(&options(1000, 4), false);
        let per_page = |n: usize, pages: usize| n as f64 / pages as f64;
        for (what, a, b) in [
            ("entries", short.summary.entries, long.summary.entries),
            (
                "paragraphs",
                short.summary.paragraphs,
                long.summary.paragraphs,
            ),
            ("headings", short.summary.headings, long.summary.headings),
            ("source bytes", short.source.len(), long.source.len()),
            ("spec bytes", short.spec.len(), long.spec.len()),
        ] {
            let ratio = per_page(b, 1000) / per_page(a, 100);
            assert!(
                (0.9..1.1).contains(&ratio),
                "{what}: {a} at 100 pages, {b} at 1,000"
            );
        }
        assert!(long.summary.entries >= 7500, "{}", long.summary);
        // Short lemmata recur thousands of times and are told apart by `occurrence`.
        let largest = long
            .spec
            .lines()
            .filter_map(|l| l.strip_prefix("occurrence = "))
            .filter_map(|n| n.parse::<usize>().ok())
            .max()
            .unwrap_or(0);
        assert!(largest >= 800, "largest occurrence {largest}");
    }

    #[test]
    fn long_notes_are_long_apart_and_bounded() {
        let long_notes = LongNotes { max_words: 240 };
        let r = read_back(
            "long",
            &StressOptions {
                pages: 40,
                seed: 5,
                long_notes: Some(long_notes),
                translation: false,
            },
        );
        let notes: Vec<usize> = r
            .spec
            .entries
            .iter()
            .filter_map(|e| match &e.body {
                crate::spec::EntryBody::Note(note) => Some(note.split_whitespace().count()),
                _ => None,
            })
            .collect();
        let long = notes.iter().filter(|&&n| n > 40).count();
        assert!(long >= 5, "{long} long notes");
        assert!(notes.iter().all(|&n| n <= long_notes.max_words));
        assert!(notes.iter().any(|&n| n >= long_notes.max_words * 3 / 4));
        // Commentary-heavy.
        assert!(notes.len() * 2 > r.spec.entries.len());
        // No other lemma within the clearance of a long note's lemma.
        let starts: Vec<(usize, usize)> = r
            .anchors
            .lemmata
            .iter()
            .map(|l| (l.range.start, l.range.end))
            .collect();
        for (i, l) in r.anchors.lemmata.iter().enumerate() {
            let words = match &r.spec.entries[l.entry].body {
                crate::spec::EntryBody::Note(note) => note.split_whitespace().count(),
                _ => 0,
            };
            if words <= 40 {
                continue;
            }
            for &(start, end) in starts[..i].iter().chain(&starts[i + 1..]) {
                let gap = if end <= l.range.start {
                    &r.text.doc[end..l.range.start]
                } else if start >= l.range.end {
                    &r.text.doc[l.range.end..start]
                } else {
                    panic!("a lemma overlaps the long note's at {}", l.range.start)
                };
                let separated =
                    gap.contains('\n') || gap.split_whitespace().count() >= LONG_NOTE_CLEARANCE;
                assert!(separated, "a lemma {gap:?} from a long note's");
            }
        }
    }

    #[test]
    fn small_edition_builds() {
        let dir = temp("build");
        let s = generate(&dir, 10, 1).unwrap();
        assert!(s.entries >= 75, "{s}");
        assert!(s.critical > 0 && s.commentary > 0 && s.headings > 0);
        let out = match crate::build(&dir, &Default::default()) {
            Ok(o) => o,
            Err(d) => panic!("{}", d.render(false)),
        };
        assert_eq!(out.entries.len(), s.entries);
        assert!(out.pages >= 10, "{} pages", out.pages);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_small_verse_edition_builds_with_every_entry() {
        let dir = temp("verse-build");
        let s = generate_verse(&dir, &options(6, 2)).unwrap();
        let source = std::fs::read_to_string(dir.join("source.txt")).unwrap();
        assert!(
            source.lines().any(|l| l.starts_with("  ")),
            "even verses indented"
        );
        assert!(
            s.entries >= 40 && s.paragraphs >= 6 * VERSES_PER_PAGE,
            "{s}"
        );
        let out = match crate::build(&dir, &Default::default()) {
            Ok(o) => o,
            Err(d) => panic!("{}", d.render(false)),
        };
        assert_eq!(out.entries.len(), s.entries);
        assert!(out.pages >= 5, "{} pages", out.pages);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_edition_with_the_longest_notes_that_fit_builds() {
        let dir = temp("long-build");
        let options = StressOptions {
            pages: 12,
            seed: 2,
            long_notes: Some(LongNotes::default()),
            translation: false,
        };
        let summary = generate_with(&dir, &options).unwrap();
        let out = match crate::build(&dir, &Default::default()) {
            Ok(o) => o,
            Err(d) => panic!("{}", d.render(false)),
        };
        assert_eq!(out.entries.len(), summary.entries);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
