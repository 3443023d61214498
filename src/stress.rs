//! A deterministic stress edition: pseudo-Swedish prose of a chosen length with a dense
//! two-series apparatus, for load tests and benchmarks (`apparat stress`, `apparat bench`).
//!
//! Everything derives from one seed through a small xorshift generator, so the same
//! `(pages, seed)` always writes byte-identical files. The generator keeps its own model of
//! the normalised text (title, headings and paragraphs joined by `\n`, words by one space —
//! what `text` builds from the source) and resolves every quotation against it with the same
//! matching rule as the program, adding `occurrence = N` whenever the quoted words occur more
//! than once.

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

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
/// Apparatus entries per page (both series).
const ENTRIES_PER_PAGE: f64 = 7.5;
/// Share of entries in the critical series.
const CRITICAL_SHARE: u64 = 60;

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

fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A sentence of `lo..=hi` words, capitalised, with commas and a final stop.
fn sentence(rng: &mut Rng, lo: usize, hi: usize) -> Vec<String> {
    let n = rng.range(lo, hi);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut w = if i == 0 {
            capitalize(rng.word())
        } else {
            rng.word().to_string()
        };
        if i + 1 == n {
            w.push(if rng.chance(6) { '?' } else { '.' });
        } else if i >= 2 && i + 3 < n && rng.chance(9) {
            w.push(if rng.chance(10) { ';' } else { ',' });
        }
        out.push(w);
    }
    out
}

/// One word of a paragraph in the normalised document.
#[derive(Clone, Copy)]
struct Word {
    /// Byte range of the word without trailing punctuation.
    start: usize,
    end: usize,
}

struct Para {
    words: Vec<Word>,
}

/// A TOML basic string (quoted and escaped by the toml crate).
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Word-bounded matches of `quote` in `doc`: the program's own rule.
fn find_in(doc: &str, quote: &str) -> Vec<usize> {
    crate::text::find_in(doc, quote)
        .into_iter()
        .map(|m| m.start)
        .collect()
}

/// `occurrence` for the quotation `doc[start..end]`: `Ok(None)` if unique, `Ok(Some(n))`
/// if it occurs more than once, `Err(())` if the matcher could not reach this position.
fn occurrence(doc: &str, start: usize, end: usize) -> Result<Option<usize>, ()> {
    let hits = find_in(doc, &doc[start..end]);
    match hits.iter().position(|&h| h == start) {
        Some(_) if hits.len() == 1 => Ok(None),
        Some(i) => Ok(Some(i + 1)),
        None => Err(()),
    }
}

/// Write `dir/edition.toml` and `dir/source.txt`: about `pages` A5 pages of body text with
/// about 7.5 apparatus entries per page, deterministic in `seed`.
pub fn generate(dir: &Path, pages: usize, seed: u64) -> std::io::Result<Summary> {
    let pages = pages.max(1);
    let mut rng = Rng::new(seed);

    // ---- Text: source lines and the normalised model side by side ------------------------
    let mut src = String::new();
    let mut doc = String::new();
    src.push_str(TITLE[0]);
    src.push_str("  \n");
    src.push_str(TITLE[1]);
    src.push_str(" \n");
    let title = format!("{} {}", TITLE[0], TITLE[1]);
    doc.push_str(&title);

    let body_target = pages * CHARS_PER_PAGE;
    let heading_every = 3 * CHARS_PER_PAGE;
    let mut body = 0usize;
    let mut since_heading = heading_every; // a heading before the first paragraph
    let mut headings: Vec<String> = vec![];
    let mut paras: Vec<Para> = vec![];
    while body < body_target {
        if since_heading >= heading_every {
            let n = headings.len() + 1;
            let h = format!("{n}. Avsnitt {n}");
            src.push('\n');
            src.push_str(&h);
            src.push_str(if rng.chance(30) { " \n" } else { "\n" });
            doc.push('\n');
            doc.push_str(&h);
            headings.push(h);
            since_heading = 0;
        }
        // A paragraph of 4–14 sentences.
        let mut tokens: Vec<String> = vec![];
        for _ in 0..rng.range(4, 14) {
            tokens.extend(sentence(&mut rng, 5, 20));
        }
        doc.push('\n');
        let mut words = Vec::with_capacity(tokens.len());
        let para_start = doc.len();
        for (i, t) in tokens.iter().enumerate() {
            if i > 0 {
                doc.push(' ');
            }
            let start = doc.len();
            let core = t.trim_end_matches([',', '.', ';', '?']);
            doc.push_str(t);
            words.push(Word {
                start,
                end: start + core.len(),
            });
        }
        let chars = doc[para_start..].chars().count();
        body += chars;
        since_heading += chars;
        paras.push(Para { words });
        // Hard-wrapped source at about 75 characters, some lines with trailing spaces.
        src.push('\n');
        let mut line = String::new();
        let mut width = rng.range(68, 80);
        for t in &tokens {
            if !line.is_empty() && line.chars().count() + 1 + t.chars().count() > width {
                src.push_str(&line);
                if rng.chance(35) {
                    src.push_str(if rng.chance(20) { "  " } else { " " });
                }
                src.push('\n');
                line.clear();
                width = rng.range(68, 80);
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(t);
        }
        src.push_str(&line);
        src.push_str(if rng.chance(35) { " \n" } else { "\n" });
    }

    // ---- Entries -----------------------------------------------------------------------------
    // Walk the paragraphs' words; each entry starts a random gap after the previous one
    // (sometimes only a few words: clusters on one line), each series keeps its lemmata
    // disjoint (and so the emendations, all critical, never overlap).
    let target = ((pages as f64) * ENTRIES_PER_PAGE).ceil() as usize;
    let total_words: usize = paras.iter().map(|p| p.words.len()).sum();
    let mean_gap = (total_words / target.max(1)).max(2);
    let mut entries = String::new();
    let (mut n_crit, mut n_comm) = (0usize, 0usize);
    for (pi, p) in paras.iter().enumerate() {
        // Per series: the first word index a new lemma may start at.
        let mut free = [0usize; 2];
        let mut at = if pi == 0 { 0 } else { rng.range(0, mean_gap) };
        while at < p.words.len() {
            let mut series = usize::from(!rng.chance(CRITICAL_SHARE)); // 0 critical, 1 commentary
            if at < free[series] {
                series = 1 - series;
            }
            if at < free[series] {
                at = free[series];
                continue;
            }
            let len = if rng.chance(8) {
                rng.range(6, 12)
            } else {
                rng.range(1, 3)
            };
            let last = (at + len - 1).min(p.words.len() - 1);
            let (start, end) = (p.words[at].start, p.words[last].end);
            let Ok(occ) = occurrence(&doc, start, end) else {
                at += 1;
                continue;
            };
            let lemma = &doc[start..end];
            let n_words = last - at + 1;
            entries.push_str("\n[[entry]]\n");
            let _ = writeln!(
                entries,
                "series = {}",
                q(if series == 0 {
                    "critical"
                } else {
                    "commentary"
                })
            );
            let _ = writeln!(entries, "at = {}", q(lemma));
            if let Some(n) = occ {
                let _ = writeln!(entries, "occurrence = {n}");
            }
            if series == 0 {
                critical_body(&mut rng, &mut entries, lemma, n_words);
                n_crit += 1;
            } else {
                let n = rng.range(5, 40);
                let note: Vec<String> = sentence(&mut rng, n, n);
                let _ = writeln!(entries, "note = {}", q(&note.join(" ")));
                n_comm += 1;
            }
            free[series] = last + 1;
            // Next entry: clustered (1–4 words on) or a random gap.
            at += if rng.chance(25) {
                rng.range(1, 4)
            } else {
                rng.range(1, 2 * mean_gap)
            };
        }
    }

    // ---- Spec --------------------------------------------------------------------------------
    let sha = crate::text::hex(&Sha256::digest(src.as_bytes()));
    let mut spec = String::new();
    let _ = writeln!(
        spec,
        "# Generated by `apparat stress` (pages = {pages}, seed = {seed}). Do not edit.\n"
    );
    spec.push_str("[edition]\n");
    let _ = writeln!(spec, "title = {}", q("Stressutgåva"));
    let _ = writeln!(spec, "subtitle = {}", q("Ett syntetiskt belastningsprov"));
    let _ = writeln!(spec, "editors = [{}]", q("Apparat-redaktionen"));
    let _ = writeln!(spec, "language = {}", q("sv"));
    let _ = writeln!(spec, "version = {}", q("0.0.0"));
    spec.push_str("date = 2026-11-27\n");
    let _ = writeln!(spec, "license = {}", q("CC0-1.0"));
    spec.push_str("\n[text]\n");
    let _ = writeln!(spec, "file = {}", q("source.txt"));
    let _ = writeln!(spec, "sha256 = {}", q(&sha));
    let _ = writeln!(spec, "base = {}", q("A"));
    for (siglum, desc) in [
        (
            "A",
            "Grundtext: ett maskinellt framställt textutdrag med hårda radbrytningar.",
        ),
        ("B", "Ett påhittat vittne med avvikande läsarter."),
        ("C", "Ett andra påhittat vittne."),
    ] {
        spec.push_str("\n[[witness]]\n");
        let _ = writeln!(spec, "siglum = {}", q(siglum));
        let _ = writeln!(spec, "description = {}", q(desc));
    }
    spec.push_str("\n[structure]\n");
    let _ = writeln!(spec, "title = {}", q(&title));
    for h in &headings {
        spec.push_str("\n[[heading]]\n");
        let _ = writeln!(spec, "at = {}", q(h));
        let hs = doc.find(&format!("\n{h}")).map_or(0, |i| i + 1);
        if let Ok(Some(n)) = occurrence(&doc, hs, hs + h.len()) {
            let _ = writeln!(spec, "occurrence = {n}");
        }
    }
    spec.push_str("\n[layout]\n");
    let _ = writeln!(spec, "paper = {}", q("a5"));
    for (id, title, kind) in [
        ("critical", "Textkritisk apparat", "critical"),
        ("commentary", "Kommentar", "commentary"),
    ] {
        spec.push_str("\n[[series]]\n");
        let _ = writeln!(spec, "id = {}", q(id));
        let _ = writeln!(spec, "title = {}", q(title));
        let _ = writeln!(spec, "kind = {}", q(kind));
        let _ = writeln!(spec, "placement = {}", q("foot"));
    }
    spec.push_str(&entries);

    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("source.txt"), &src)?;
    std::fs::write(dir.join("edition.toml"), &spec)?;
    Ok(Summary {
        entries: n_crit + n_comm,
        critical: n_crit,
        commentary: n_comm,
        paragraphs: paras.len(),
        headings: headings.len(),
    })
}

/// The body of a critical entry: an emendation or readings of B and C.
fn critical_body(rng: &mut Rng, out: &mut String, lemma: &str, n_words: usize) {
    let wit = |rng: &mut Rng| -> &'static str {
        match rng.range(0, 3) {
            0 => "[\"B\", \"C\"]",
            1 | 2 => "[\"B\"]",
            _ => "[\"C\"]",
        }
    };
    let roll = rng.range(0, 99);
    if n_words == 1 && roll < 12 && lemma.to_uppercase() != lemma {
        let _ = writeln!(out, "emend = {}", q(&lemma.to_uppercase()));
        if rng.chance(30) {
            let _ = writeln!(
                out,
                "readings = [{{ wit = {}, text = {} }}]",
                wit(rng),
                q(rng.word())
            );
        }
        return;
    }
    let mut readings: Vec<String> = vec![];
    let n = if rng.chance(20) { 2 } else { 1 };
    for _ in 0..n {
        let r = rng.range(0, 99);
        let words: Vec<&str> = lemma.split(' ').collect();
        let reading = if r < 45 {
            let k = rng.range(1, 3);
            let text: Vec<&str> = (0..k).map(|_| rng.word()).collect();
            format!("{{ wit = {}, text = {} }}", wit(rng), q(&text.join(" ")))
        } else if r < 65 {
            format!("{{ wit = {}, type = \"om\" }}", wit(rng))
        } else if r < 80 {
            let text = format!("{} {}", lemma, rng.word());
            format!(
                "{{ wit = {}, type = \"add\", text = {} }}",
                wit(rng),
                q(&text)
            )
        } else if r < 90 && words.len() >= 2 {
            let mut rev = words.clone();
            rev.reverse();
            format!(
                "{{ wit = {}, type = \"transp\", text = {} }}",
                wit(rng),
                q(&rev.join(" "))
            )
        } else {
            format!(
                "{{ type = \"conj\", by = \"Stress\", text = {} }}",
                q(rng.word())
            )
        };
        readings.push(reading);
    }
    let _ = writeln!(out, "readings = [{}]", readings.join(", "));
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
}
