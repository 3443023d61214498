//! Stage 1 — the spec: `edition.toml` parsed and validated into an [`Spec`].
//!
//! The spec is written by hand, so every value that can be wrong keeps its byte span in the
//! TOML file (`toml::Spanned`), and every check here reports a located diagnostic. Unknown
//! keys are rejected (`deny_unknown_fields`): a typo must not silently drop a decision.
//! One run reports every error of the spec at once, sorted by position: `read` deserializes
//! each table on its own, and there is one validator per table (`check_*`), each adding to
//! the same list rather than stopping at the first problem.
//! This stage knows nothing of the base text; quotations are resolved by `anchor`.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{Diagnostic, Diagnostics, Result, SourceFile};

mod index;
mod read;
pub(crate) use read::refused as refused_char;
mod sections;
mod translation;
mod verse;

pub use index::{Index, IndexEntry};
pub use sections::{Cite, ReferenceSystem, Section, SectionNumbers, next_number};
pub use translation::{Align, Side, Translation, TranslationLayout};
pub use verse::VersePassage;

/// The parsed spec, with the file it came from (for diagnostics).
#[derive(Debug, Clone)]
pub struct Spec {
    pub file: SourceFile,
    pub dir: PathBuf,
    pub edition: Edition,
    pub text: TextSpec,
    pub witnesses: Vec<Witness>,
    pub structure: Structure,
    pub headings: Vec<Heading>,
    pub milestones: Vec<Milestone>,
    /// `[[verse]]`: passages of verse in a text of prose (see `[text] verse` for all of it).
    pub verses: Vec<VersePassage>,
    pub layout: Layout,
    pub series: Vec<Series>,
    pub entries: Vec<Entry>,
    pub margins: Vec<Margin>,
    /// Stretches of the text a witness lacks; each recorded by two entries of `entries`.
    pub lacunae: Vec<Lacuna>,
    /// Labels that cross-references (`{{ref:name}}`) name: on entries, margin notes and
    /// `[[label]]` quotations.
    pub labels: Vec<Label>,
    /// `[translation]`: a translation printed facing the original.
    pub translation: Option<Translation>,
    /// `[[align]]`: where aligned chunks of original and translation start.
    pub alignments: Vec<Align>,
    /// `[[index]]`: the indexes printed after the text.
    pub indexes: Vec<Index>,
    /// `[[index-entry]]`: what they list, in spec order.
    pub index_entries: Vec<IndexEntry>,
    /// `[reference]`: how the edition is cited (page and line, or section and line).
    pub reference: ReferenceSystem,
    /// `[[section]]`: the text's own divisions, in spec order.
    pub sections: Vec<Section>,
    /// Warnings and notes about the spec (never errors): the build reports them with its own.
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Edition {
    pub title: String,
    /// The title's lines on the title page, where they should break by sense rather than
    /// by width (joined by spaces they read the title).
    pub title_lines: Option<Spanned<Vec<String>>>,
    pub subtitle: Option<String>,
    pub short_title: Option<String>,
    pub editors: Vec<String>,
    #[serde(default = "default_language")]
    pub language: Spanned<String>,
    pub version: String,
    pub date: Spanned<toml::value::Datetime>,
    pub license: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub description: Option<String>,
    pub publisher: Option<String>,
    pub place: Option<String>,
    pub doi: Option<String>,
    pub principles: Option<Spanned<String>>,
    /// The author(s) of the edited work (not the editors), e.g. "John Keats".
    #[serde(default)]
    pub authors: Vec<String>,
    /// The work's own title, where the edition's title differs (a translation, a title
    /// supplied by the editors).
    pub original_title: Option<String>,
    /// When the work was written or issued, as free text ("1917", "c. 1820").
    pub original_date: Option<String>,
    /// Straight quotation marks in the editor's own words (notes, margin notes, principles,
    /// the title page) print as the language's typographic ones; default on.
    pub typographic_quotes: Option<bool>,
}

fn default_language() -> Spanned<String> {
    Spanned::new(0..0, "en".into())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextSpec {
    pub file: Spanned<String>,
    pub sha256: Option<Spanned<String>>,
    pub base: Spanned<String>,
    /// Straight quotation marks of the base text print as typographic ones (the printed
    /// text only; `source.txt` is never changed); default off.
    #[serde(default, rename = "typographic-quotes")]
    pub typographic_quotes: bool,
    /// The whole text is verse: each source line a verse, blank lines between stanzas.
    #[serde(default)]
    pub verse: bool,
    /// The indentation (in spaces) of each verse by its position in the stanza, repeating;
    /// replaces the source's leading spaces where `verse = true`.
    #[serde(default, rename = "verse-indents")]
    pub verse_indents: Option<Spanned<Vec<u16>>>,
    /// This is a translation's text (`[translation]`), not the base text: for messages.
    #[serde(skip)]
    pub translation: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Witness {
    pub siglum: Spanned<String>,
    /// Required of a witness; a group may go without (the conspectus lists its members).
    pub description: Option<String>,
    /// A group (a family, a hyparchetype) names the witnesses it stands for: the apparatus
    /// prints its siglum where all of them read alike.
    #[serde(default)]
    pub members: Vec<Spanned<String>>,
    /// The hands a reading may cite (`A^1`, `A^2`).
    #[serde(default)]
    pub hands: Vec<Spanned<String>>,
}

impl Witness {
    pub fn is_group(&self) -> bool {
        !self.members.is_empty()
    }
}

/// A witness as a reading cites it: `A`, `A^ac` (before correction), `A^pc` (after
/// correction), `A^1` (a hand the witness declares).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Citation {
    pub siglum: String,
    pub state: Option<State>,
}

/// A correction state or a hand of a witness.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum State {
    AnteCorrectionem,
    PostCorrectionem,
    Hand(String),
}

impl Citation {
    /// A citation as typed: the siglum, then `^` and a state or hand, if any.
    pub fn parse(typed: &str) -> Citation {
        let (siglum, state) = match typed.split_once('^') {
            Some((s, "ac")) => (s, Some(State::AnteCorrectionem)),
            Some((s, "pc")) => (s, Some(State::PostCorrectionem)),
            Some((s, hand)) => (s, Some(State::Hand(hand.to_string()))),
            None => (typed, None),
        };
        Citation {
            siglum: siglum.to_string(),
            state,
        }
    }

    /// As typed (`A^pc`): the form the apparatus atoms carry.
    pub fn typed(&self) -> String {
        match &self.state {
            None => self.siglum.clone(),
            Some(State::AnteCorrectionem) => format!("{}^ac", self.siglum),
            Some(State::PostCorrectionem) => format!("{}^pc", self.siglum),
            Some(State::Hand(h)) => format!("{}^{h}", self.siglum),
        }
    }
}

/// A stretch of the text a witness lacks, from the first words it lacks to the last.
#[derive(Debug, Clone)]
pub struct Lacuna {
    pub witness: String,
    /// The entries (indices into `Spec::entries`) recording where it begins and where the
    /// witness resumes.
    pub from_entry: usize,
    pub to_entry: usize,
    /// Span of the `[[lacuna]]` table.
    pub span: Range<usize>,
}

/// A quotation of the base text (stand-off anchor).
#[derive(Debug, Clone)]
pub struct Quote {
    pub at: Spanned<String>,
    pub occurrence: Option<Spanned<u32>>,
    pub before: Option<Spanned<String>>,
    pub after: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Structure {
    /// `title = "…"`, or a table like every quotation: `{ at = "…", occurrence = 2 }`.
    #[serde(default, deserialize_with = "title_quote")]
    pub title: Option<Quote>,
}

/// The title's quotation as written: a plain string, or a quotation table.
enum TitleForm {
    Plain(String),
    Table(RawTitle),
}

impl<'de> Deserialize<'de> for TitleForm {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Form;
        impl<'de> serde::de::Visitor<'de> for Form {
            type Value = TitleForm;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a quotation: a string, or a table with `at` (and `occurrence`, `before`, `after`)")
            }
            fn visit_str<E>(self, s: &str) -> std::result::Result<TitleForm, E> {
                Ok(TitleForm::Plain(s.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<TitleForm, A::Error> {
                RawTitle::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(TitleForm::Table)
            }
        }
        d.deserialize_any(Form)
    }
}

fn title_quote<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Quote>, D::Error> {
    let form = Spanned::<TitleForm>::deserialize(d)?;
    let span = form.span();
    Ok(Some(match form.into_inner() {
        TitleForm::Plain(at) => Quote {
            at: Spanned::new(span, at),
            occurrence: None,
            before: None,
            after: None,
        },
        TitleForm::Table(raw) => raw.quote(),
    }))
}

#[derive(Debug, Clone)]
pub struct Heading {
    pub quote: Quote,
    pub level: u8,
}

fn one() -> Spanned<u8> {
    Spanned::new(0..0, 1)
}

#[derive(Debug, Clone)]
pub struct Milestone {
    pub quote: Quote,
    pub witness: Spanned<String>,
    pub n: String,
    /// The blank lines at this page break are no paragraph break (`join = true`): the
    /// paragraph before continues. A page break never decides that on its own.
    pub join: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Restart {
    Page,
    Document,
    /// At every heading.
    Section,
    /// At every heading, where verse begins and where prose resumes after verse.
    Poem,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineNumbers {
    #[serde(default = "five")]
    pub every: Spanned<i64>,
    /// Where the count starts again (the span is empty where the spec does not say).
    #[serde(default = "restart_page")]
    pub restart: Spanned<Restart>,
}

fn five() -> Spanned<i64> {
    Spanned::new(0..0, 5)
}
fn restart_page() -> Spanned<Restart> {
    Spanned::new(0..0, Restart::Page)
}

impl Default for LineNumbers {
    fn default() -> Self {
        Self {
            every: five(),
            restart: restart_page(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Layout {
    #[serde(default = "a5")]
    pub paper: Spanned<String>,
    pub template: Option<Spanned<String>>,
    #[serde(default)]
    pub line_numbers: LineNumbers,
    /// Body font size in points (the template's default when absent).
    pub font_size: Option<Spanned<f64>>,
    /// The sign printed in the text at a witness's page break (default `|`).
    pub milestone_sign: Option<String>,
    /// The editorial signs printed in the text (defaults: ⟨…⟩, […], †…†, ***).
    #[serde(default)]
    pub signs: Signs,
    /// The body font family (the template's default when absent).
    pub font: Option<Spanned<String>>,
    /// A custom paper size in millimetres (`paper = "custom"`): page width and height.
    pub width: Option<Spanned<f64>>,
    pub height: Option<Spanned<f64>>,
    /// PDF standards the output must conform to (`a-2b`, `a-3b`, `ua-1` …).
    #[serde(default)]
    pub pdf_standards: Vec<Spanned<String>>,
    /// Page margins in millimetres; those not given are the template's for the paper.
    pub margins: Option<Spanned<Margins>>,
    /// Break paragraph lines inside long words that cannot be hyphenated (identifiers,
    /// numbers, URLs) where they would run into the margin.
    #[serde(default)]
    pub emergency_breaks: bool,
    /// The least share of the text block a page gives to text when notes continue from
    /// page to page (`min-text`, 0–1; default 0.25).
    pub min_text: Option<Spanned<f64>>,
    /// The order of the series at the foot of a page: `conventional` (testimonia, then the
    /// critical apparatus, then commentary, as OCT, Teubner and Sources Chrétiennes print
    /// them; the default) or `spec` (the order of the `[[series]]` tables).
    #[serde(default)]
    pub series_order: SeriesOrder,
    /// The fewest verses of a stanza a page break leaves at the foot or the head of a page
    /// (default 2; 1 lets a single verse stand alone).
    pub stanza_keep: Option<Spanned<i64>>,
    /// The most consecutive body lines that may end in a hyphen (default 2, as OCT sets;
    /// 0: no limit).
    pub hyphen_limit: Option<Spanned<i64>>,
    /// How a verse too long for the measure turns over: hanging (default) or flush right
    /// after a bracket.
    #[serde(default)]
    pub turnovers: Turnovers,
    /// Headings of this level and above (1 the highest) begin a new page, as chapters do.
    pub heading_new_page: Option<Spanned<i64>>,
}

/// See [`Layout::turnovers`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Turnovers {
    /// The turnover hangs under the verse, indented by the template's `verse-hang`.
    #[default]
    Hang,
    /// The turnover stands flush right after an opening bracket (`[`), as many editions of
    /// poetry set it.
    Bracket,
}

/// See [`Layout::series_order`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeriesOrder {
    #[default]
    Conventional,
    Spec,
}

impl SeriesKind {
    /// The rank of a series of this kind at the foot of a page in the conventional order.
    pub fn conventional_rank(self) -> u8 {
        match self {
            SeriesKind::Sources => 0,
            SeriesKind::Critical => 1,
            SeriesKind::Commentary => 2,
        }
    }
}

/// Page margins in millimetres (`inner` at the binding; `outer` holds line numbers and
/// margin notes).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Margins {
    pub inner: Option<Spanned<f64>>,
    pub outer: Option<Spanned<f64>>,
    pub top: Option<Spanned<f64>>,
    pub bottom: Option<Spanned<f64>>,
}

impl Margins {
    /// The margins given: (name, millimetres, span).
    pub fn given(&self) -> Vec<(&'static str, f64, Range<usize>)> {
        [
            ("inner", &self.inner),
            ("outer", &self.outer),
            ("top", &self.top),
            ("bottom", &self.bottom),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, *v.get_ref(), v.span())))
        .collect()
    }
}

/// The editorial signs of the printed text, each pair opening and closing the words it
/// marks: `[layout] signs = { supplement = ["<", ">"] }`; those not given keep their default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signs {
    pub supplement: Option<(String, String)>,
    pub deletion: Option<(String, String)>,
    pub crux: Option<(String, String)>,
    pub lacuna: Option<String>,
}

impl Signs {
    /// The opening and closing sign of `kind` (a lacuna's sign is its opening; it closes
    /// with nothing).
    pub fn of(&self, kind: SignKind) -> (&str, &str) {
        fn pair<'a>(
            given: &'a Option<(String, String)>,
            default: (&'a str, &'a str),
        ) -> (&'a str, &'a str) {
            given
                .as_ref()
                .map_or(default, |(a, b)| (a.as_str(), b.as_str()))
        }
        match kind {
            SignKind::Supplement => pair(&self.supplement, ("⟨", "⟩")),
            SignKind::Deletion => pair(&self.deletion, ("[", "]")),
            SignKind::Crux => pair(&self.crux, ("†", "†")),
            SignKind::Lacuna => (self.lacuna.as_deref().unwrap_or("***"), ""),
        }
    }
}

fn a5() -> Spanned<String> {
    Spanned::new(0..0, "a5".into())
}

impl Layout {
    /// `hyphen-limit`, 2 where not given; 0 means no limit.
    pub fn hyphen_limit(&self) -> usize {
        self.hyphen_limit
            .as_ref()
            .map_or(2, |l| (*l.get_ref()).clamp(0, 10) as usize)
    }
}

impl Default for Layout {
    fn default() -> Self {
        Self {
            paper: a5(),
            template: None,
            line_numbers: LineNumbers::default(),
            font_size: None,
            milestone_sign: None,
            signs: Signs::default(),
            pdf_standards: vec![],
            font: None,
            width: None,
            height: None,
            margins: None,
            emergency_breaks: false,
            min_text: None,
            series_order: SeriesOrder::default(),
            stanza_keep: None,
            hyphen_limit: None,
            turnovers: Turnovers::default(),
            heading_new_page: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeriesKind {
    Critical,
    Commentary,
    Sources,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    Foot,
    End,
}

/// How a series sets its entries: run in as one paragraph (`|` between entries of a line,
/// `‖` before a new line number), or each entry on a line of its own, its number first and
/// its continuation lines indented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Arrangement {
    #[default]
    RunIn,
    OnePerLine,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Series {
    pub id: Spanned<String>,
    pub title: String,
    pub kind: SeriesKind,
    #[serde(default = "foot")]
    pub placement: Placement,
    #[serde(default)]
    pub arrangement: Arrangement,
    /// Whether a block of this series may continue at the foot of the next page (`split`,
    /// default true); unsplit, a page ends before notes that do not fit.
    #[serde(default = "yes")]
    pub split: bool,
    /// A positive apparatus: each lemma followed by the witnesses that read it (computed:
    /// the witnesses extant there and not cited for another reading).
    #[serde(default)]
    pub positive: bool,
    /// The text the series annotates: the original (default) or a facing translation
    /// (`of = "translation"`: the translator's notes, at the foot of the translation's
    /// pages, their entries quoting the translation).
    #[serde(default)]
    pub of: SeriesText,
}

/// See [`Series::of`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeriesText {
    #[default]
    Original,
    Translation,
}

fn yes() -> bool {
    true
}

fn foot() -> Placement {
    Placement::Foot
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadingType {
    Var,
    Om,
    Add,
    Transp,
    Conj,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    #[serde(default)]
    pub wit: Vec<Spanned<String>>,
    #[serde(rename = "type")]
    pub kind: Option<Spanned<ReadingType>>,
    pub text: Option<String>,
    pub by: Option<String>,
}

/// A reading as written, every value with its span (for the checks); becomes a [`Reading`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReading {
    #[serde(default)]
    wit: Vec<Spanned<String>>,
    #[serde(rename = "type")]
    kind: Option<Spanned<ReadingType>>,
    text: Option<Spanned<String>>,
    by: Option<Spanned<String>>,
}

impl RawReading {
    fn kind(&self) -> ReadingType {
        self.kind
            .as_ref()
            .map_or(ReadingType::Var, |k| *k.get_ref())
    }

    fn reading(&self) -> Reading {
        Reading {
            wit: self.wit.clone(),
            kind: self.kind.clone(),
            text: self.text.as_ref().map(|t| t.get_ref().clone()),
            by: self.by.as_ref().map(|b| b.get_ref().clone()),
        }
    }
}

/// A table anchored by quotation: `at`, `occurrence`, `before`, `after` plus its own fields.
/// (serde's `flatten` would lose the spans, so the four keys are spelled out by a macro.)
macro_rules! quoted {
    ($name:ident { $( $(#[$m:meta])* $f:ident : $t:ty ),* $(,)? }) => {
        #[derive(Debug, Clone, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $name {
            at: Spanned<String>,
            occurrence: Option<Spanned<u32>>,
            before: Option<Spanned<String>>,
            after: Option<Spanned<String>>,
            $( $(#[$m])* $f: $t ),*
        }
        impl $name {
            fn quote(&self) -> Quote {
                Quote {
                    at: self.at.clone(),
                    occurrence: self.occurrence.clone(),
                    before: self.before.clone(),
                    after: self.after.clone(),
                }
            }
        }
    };
}

quoted!(RawEntry {
    series: Spanned<String>,
    emend: Option<Spanned<String>>,
    sign: Option<Spanned<SignKind>>,
    text: Option<Spanned<String>>,
    resp: Option<Spanned<String>>,
    #[serde(default)]
    readings: Vec<Spanned<RawReading>>,
    note: Option<Spanned<String>>,
    label: Option<Spanned<String>>,
});
quoted!(RawHeading {
    #[serde(default = "one")]
    level: Spanned<u8>,
});
quoted!(RawMilestone {
    witness: Spanned<String>,
    n: String,
    #[serde(default)]
    join: bool,
});
quoted!(RawMargin {
    text: Spanned<String>,
    label: Option<Spanned<String>>,
});
quoted!(RawLabel { id: Spanned<String> });
quoted!(RawIndexEntry {
    index: Option<Spanned<String>>,
    headword: Option<Spanned<String>>,
    sub: Option<Spanned<String>>,
    sort: Option<Spanned<String>>,
    all: Option<Spanned<bool>>,
});
quoted!(RawTitle {});
quoted!(RawSection {
    n: Option<Spanned<String>>,
});

/// A `[[lacuna]]` as written: `from` and `to` are quotations (a string or a table).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLacuna {
    witness: Spanned<String>,
    #[serde(deserialize_with = "title_quote")]
    from: Option<Quote>,
    #[serde(deserialize_with = "title_quote")]
    to: Option<Quote>,
    series: Option<Spanned<String>>,
}

/// An editorial sign in the text: what the editor did to the text the witnesses give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignKind {
    /// Words no witness has, supplied after the quoted ones: ⟨…⟩.
    Supplement,
    /// Words the witnesses have that the editor deletes: […].
    Deletion,
    /// A passage the editor cannot heal: †…†.
    Crux,
    /// A gap the editor marks after the quoted words: ***.
    Lacuna,
}

impl SignKind {
    /// The name in the spec and the template (`app-label`).
    pub fn name(self) -> &'static str {
        match self {
            SignKind::Supplement => "supplement",
            SignKind::Deletion => "deletion",
            SignKind::Crux => "crux",
            SignKind::Lacuna => "lacuna",
        }
    }
}

/// What an entry says about its lemma.
#[derive(Debug, Clone)]
pub enum EntryBody {
    /// The printed text differs from the base: `new] corr.; old BASE`, then other readings.
    Emend {
        text: String,
        readings: Vec<Reading>,
    },
    /// Readings of other witnesses (a variant, omission, addition, transposition, conjecture).
    Readings(Vec<Reading>),
    /// An explanatory note (commentary, sources).
    Note(String),
    /// An editorial sign printed in the text (a supplement with its words), who proposed
    /// it, and readings of witnesses.
    Sign {
        kind: SignKind,
        text: Option<String>,
        resp: Option<String>,
        readings: Vec<Reading>,
    },
    /// A record of a witness's lacuna: where it begins (`deest A`), or where the witness
    /// resumes (`rursus adest A`).
    Lacuna { witness: String, resumes: bool },
}

#[derive(Debug, Clone)]
pub struct Entry {
    /// Index in the spec's `[[entry]]` list (stable id).
    pub id: usize,
    pub series: usize,
    pub quote: Quote,
    pub body: EntryBody,
    /// Span of the whole `[[entry]]` table (for diagnostics).
    pub span: Range<usize>,
}

/// A name a cross-reference can cite, and what it names.
#[derive(Debug, Clone)]
pub struct Label {
    pub name: Spanned<String>,
    pub target: LabelTarget,
}

/// What a label is anchored on: the lemma of an entry, the words a margin note hangs on, or
/// a quotation of its own (`[[label]]`).
#[derive(Debug, Clone)]
pub enum LabelTarget {
    /// Index into `Spec::entries`.
    Entry(usize),
    /// Index into `Spec::margins`.
    Margin(usize),
    Quote(Quote),
}

#[derive(Debug, Clone)]
pub struct Margin {
    pub quote: Quote,
    pub text: String,
}

/// The top-level tables of a spec.
const TABLES: &[&str] = &[
    "edition",
    "text",
    "witness",
    "structure",
    "heading",
    "milestone",
    "verse",
    "layout",
    "series",
    "entry",
    "margin",
    "lacuna",
    "label",
    "translation",
    "align",
    "index",
    "index-entry",
    "reference",
    "section",
];

/// Paper names the default template knows (Typst's names).
pub const PAPERS: &[&str] = &[
    "a3",
    "a4",
    "a5",
    "a6",
    "b4",
    "b5",
    "b6",
    "c5",
    "us-letter",
    "us-legal",
    "us-executive",
    "us-statement",
    "us-trade",
    "us-digest",
    "us-business-card",
    "presentation-16-9",
];

impl Spec {
    /// Read and validate `edition.toml` in `dir`.
    pub fn load(dir: &Path) -> Result<Spec> {
        let path = dir.join("edition.toml");
        if path.exists() && !path.is_file() {
            return Err(Diagnostic::error(format!(
                "`{}` is not a regular file (a folder, a pipe or a device)",
                path.display()
            ))
            .into());
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| crate::diag::io_error("cannot read the spec", &path, &e))?;
        Self::parse(dir, &path, &text)
    }

    /// Parse and validate spec text (the path is only used in diagnostics). Every error of
    /// the spec is reported, sorted by position.
    pub fn parse(dir: &Path, path: &Path, text: &str) -> Result<Spec> {
        let file = SourceFile::new(path, text);
        let mut doc = read::Document::parse(&file, text).map_err(Diagnostics)?;
        let t = Tables::read(&mut doc);
        let mut c = Checks {
            file,
            errors: std::mem::take(&mut doc.errors),
            warnings: vec![],
        };
        if let Some(e) = &t.edition {
            check_edition(e, &mut c);
        }
        let sigla = check_witnesses(&t.witnesses, &mut c);
        if let Some(text) = &t.text {
            check_text(text, &sigla, &mut c);
        }
        if let Some(s) = &t.structure {
            check_structure(s, &mut c);
        }
        let headings = check_headings(&t.headings.items, &mut c);
        let milestones = check_milestones(&t.milestones.items, &sigla, &mut c);
        let verses = verse::check_verses(&t.verses.items, &mut c);
        if let Some(l) = &t.layout {
            check_layout(l, &mut c);
        }
        let series_ids = check_series(&t.series, &mut c);
        let base = t.text.as_ref().map(|text| text.base.get_ref().as_str());
        let mut entries = check_entries(&t.entries.items, &series_ids, &sigla, base, &mut c);
        let margins = check_margins(&t.margins.items, &mut c);
        let lacunae = check_lacunae(&t.lacunae.items, &series_ids, &sigla, &mut entries, &mut c);
        let labels = check_labels(&t, &entries, &mut c);
        let trans = translation::check_translation(t.translation.as_ref(), t.text.as_ref(), &mut c);
        let alignments =
            translation::check_aligns(&t.aligns.items, t.translation.is_some(), &mut c);
        translation::check_translation_series(
            trans.as_ref(),
            &t.series.items,
            &entries,
            &labels,
            &mut c,
        );
        let (indexes, index_entries) = index::check_indexes(&t.indexes, &t.index_entries, &mut c);
        let sections = sections::check_sections(&t.sections, &mut c);
        let reference = t.reference.clone().unwrap_or_default();
        let mut layout = t.layout.clone().unwrap_or_default();
        sections::check_reference(&reference, &layout.line_numbers.restart, &mut c);
        if *reference.cite.get_ref() == Cite::Section
            && layout.line_numbers.restart.span().is_empty()
        {
            // Cited by section and line: the lines are counted from each section.
            layout.line_numbers.restart = Spanned::new(0..0, Restart::Section);
        }

        let (Some(edition), Some(text), true) = (t.edition, t.text, c.errors.is_empty()) else {
            c.errors
                .sort_by_key(|d| d.location.as_ref().map(|l| l.span.start));
            return Err(Diagnostics(c.errors));
        };
        Ok(Spec {
            file: c.file,
            dir: dir.to_path_buf(),
            edition,
            text,
            witnesses: t
                .witnesses
                .items
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            structure: t.structure.unwrap_or_default(),
            headings,
            milestones,
            verses,
            layout,
            series: t
                .series
                .items
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            entries,
            margins,
            lacunae,
            labels,
            translation: trans,
            alignments,
            indexes,
            index_entries,
            reference,
            sections,
            warnings: c.warnings,
        })
    }

    /// The note for a build whose base text is not pinned by `sha256` in `[text]` (`None` when
    /// it is): `sha256` is the base text's actual hash, ready to paste.
    pub fn unpinned_note(&self, sha256: &str) -> Option<Diagnostic> {
        if self.text.sha256.is_some() {
            return None;
        }
        Some(
            Diagnostic::note(format!(
                "the base text is not pinned: add `sha256 = \"{sha256}\"` to [text]"
            ))
            .at(&self.file, self.text.file.span())
            .with_note("with the hash pinned, a changed base text is an error, not a new edition"),
        )
    }

    /// The spec's date as (year, month, day).
    pub fn date(&self) -> (i32, u8, u8) {
        let d = self
            .edition
            .date
            .get_ref()
            .date
            .unwrap_or(toml::value::Date {
                year: 1970,
                month: 1,
                day: 1,
            });
        (d.year as i32, d.month, d.day)
    }

    /// The diagnostic for a problem at a span of this spec.
    pub fn error(&self, span: Range<usize>, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(msg).at(&self.file, span)
    }
}

pub fn kind_name(k: ReadingType) -> &'static str {
    match k {
        ReadingType::Var => "var",
        ReadingType::Om => "om",
        ReadingType::Add => "add",
        ReadingType::Transp => "transp",
        ReadingType::Conj => "conj",
    }
}

/// The spec's tables as read: `None` when absent or unreadable; of an array of tables, the
/// elements that read.
struct Tables {
    edition: Option<Edition>,
    text: Option<TextSpec>,
    witnesses: read::Listed<Witness>,
    structure: Option<Structure>,
    headings: read::Listed<RawHeading>,
    milestones: read::Listed<RawMilestone>,
    verses: read::Listed<verse::RawVerse>,
    layout: Option<Layout>,
    series: read::Listed<Series>,
    entries: read::Listed<RawEntry>,
    margins: read::Listed<RawMargin>,
    lacunae: read::Listed<RawLacuna>,
    labels: read::Listed<RawLabel>,
    translation: Option<translation::RawTranslation>,
    aligns: read::Listed<translation::RawAlign>,
    indexes: read::Listed<index::RawIndex>,
    index_entries: read::Listed<RawIndexEntry>,
    reference: Option<ReferenceSystem>,
    sections: read::Listed<RawSection>,
}

impl Tables {
    fn read(doc: &mut read::Document) -> Tables {
        doc.check_keys(TABLES);
        doc.check_strings();
        Tables {
            edition: doc.table("edition", true),
            text: doc.table("text", true),
            witnesses: doc.array("witness"),
            structure: doc.table("structure", false),
            headings: doc.array("heading"),
            milestones: doc.array("milestone"),
            verses: doc.array("verse"),
            layout: doc.table("layout", false),
            series: doc.array("series"),
            entries: doc.array("entry"),
            margins: doc.array("margin"),
            lacunae: doc.array("lacuna"),
            labels: doc.array("label"),
            translation: doc.table("translation", false),
            aligns: doc.array("align"),
            indexes: doc.array("index"),
            index_entries: doc.array("index-entry"),
            reference: doc.table("reference", false),
            sections: doc.array("section"),
        }
    }
}

// ---- Validators: one per table, each adding located errors to one list ----------------------

/// The errors (and warnings) found so far, all in the spec file.
struct Checks {
    file: SourceFile,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Checks {
    fn diag(&self, span: Range<usize>, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(msg).at(&self.file, span)
    }

    fn error(&mut self, span: Range<usize>, msg: impl Into<String>) {
        self.errors.push(self.diag(span, msg));
    }
}

/// The declared sigla with their spans; `complete` when every `[[witness]]` read cleanly (only
/// then is an unknown siglum surely undeclared).
struct Sigla {
    spans: HashMap<String, Range<usize>>,
    complete: bool,
    /// Each group's members.
    groups: HashMap<String, Vec<String>>,
    /// Each witness's declared hands.
    hands: HashMap<String, Vec<String>>,
}

impl Sigla {
    /// A citation in a reading: a declared siglum; a hand the witness declares; no hand or
    /// correction state on a group.
    fn check_citation(&self, typed: &Spanned<String>, c: &mut Checks) {
        let cited = Citation::parse(typed.get_ref());
        let span = typed.span();
        self.check(&Spanned::new(span.clone(), cited.siglum.clone()), c);
        let Some(state) = &cited.state else { return };
        if self.groups.contains_key(&cited.siglum) {
            c.error(
                span,
                format!(
                    "`{}` is a group: a hand or correction belongs to one of its members (`{}`)",
                    typed.get_ref(),
                    self.groups[&cited.siglum].join("`, `")
                ),
            );
            return;
        }
        let State::Hand(hand) = state else { return };
        let declared = self.hands.get(&cited.siglum).cloned().unwrap_or_default();
        if self.spans.contains_key(&cited.siglum) && !declared.contains(hand) {
            let d = c
                .diag(
                    span,
                    format!("witness `{}` has no hand `{hand}`", cited.siglum),
                )
                .with_note(if declared.is_empty() {
                    format!(
                        "declare its hands in its [[witness]] table: `hands = [\"1\", \"2\"]`; `{}^ac` and `{}^pc` cite it before and after correction",
                        cited.siglum, cited.siglum
                    )
                } else {
                    format!("its hands: {}", declared.join(", "))
                });
            c.errors.push(d);
        }
    }

    /// The group among `cited` (typed sigla) that has `member`, if any.
    fn group_of<'a>(&'a self, member: &str, cited: &'a [Spanned<String>]) -> Option<&'a str> {
        cited.iter().map(|w| w.get_ref().as_str()).find(|g| {
            self.groups
                .get(*g)
                .is_some_and(|m| m.iter().any(|m| m == member))
        })
    }

    fn check(&self, s: &Spanned<String>, c: &mut Checks) {
        if !self.complete || self.spans.contains_key(s.get_ref().as_str()) {
            return;
        }
        let mut names: Vec<_> = self.spans.keys().map(String::as_str).collect();
        names.sort();
        let d = c
            .diag(s.span(), format!("undeclared siglum `{}`", s.get_ref()))
            .with_note(format!("declared witnesses: {}", names.join(", ")))
            .with_note("declare it with a [[witness]] table");
        c.errors.push(d);
    }
}

/// The declared series: id → (index, kind); `complete` as for [`Sigla`].
struct SeriesIds {
    ids: HashMap<String, (usize, SeriesKind)>,
    complete: bool,
}

/// `[edition]`: a language Typst knows the shape of, a calendar date.
/// The warning for a language Typst has no hyphenation patterns for (patterns exist for
/// two-letter codes only), where its script is hyphenated at all.
fn no_hyphenation(lang: &str) -> Option<String> {
    let lower = lang.to_ascii_lowercase();
    // Scripts set without hyphenation: CJK, the South-East Asian ones, Arabic, Hebrew.
    const UNHYPHENATED: &[&str] = &[
        "zh", "ja", "ko", "th", "lo", "km", "my", "bo", "ar", "fa", "ur", "he", "yi", "ps", "ug",
        "sd", "ckb", "hbo", "arc", "syr", "syc", "lzh", "yue", "cmn",
    ];
    let known = match lower.as_bytes() {
        &[a, b] => hypher::Lang::from_iso([a, b]).is_some(),
        _ => false,
    };
    if known
        || UNHYPHENATED.contains(&lower.as_str())
        || !lower.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let instead = match lower.as_str() {
        "grc" => " (Ancient Greek divides as `el` does)",
        "lat" => " (`la` has patterns)",
        "deu" | "ger" | "gmh" | "goh" => " (`de` has patterns)",
        "eng" | "enm" | "ang" => " (`en` has patterns)",
        "fra" | "fre" | "fro" | "frm" => " (`fr` has patterns)",
        _ => "",
    };
    Some(format!(
        "no hyphenation patterns for language `{lang}`: the text is set without hyphenation, so justified lines may be loose{instead}"
    ))
}

fn check_edition(e: &Edition, c: &mut Checks) {
    let lang = e.language.get_ref();
    if !(2..=3).contains(&lang.len()) || !lang.chars().all(|ch| ch.is_ascii_alphabetic()) {
        c.error(
            e.language.span(),
            format!(
                "language `{lang}` is not a two- or three-letter ISO 639 code (`sv`, `en`, `deu` …)"
            ),
        );
    }
    if e.date.get_ref().date.is_none() {
        c.error(
            e.date.span(),
            "the date needs a calendar day (`date = 2026-11-27`), not only a time",
        );
    }
    if let Some(w) = no_hyphenation(lang) {
        c.warnings
            .push(Diagnostic::warning(w).at(&c.file, e.language.span()));
    }
    if let Some(lines) = &e.title_lines {
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let joined = words(&lines.get_ref().join(" "));
        if joined != words(&e.title) {
            c.error(
                lines.span(),
                format!(
                    "the title's lines read `{joined}`, but the title is `{}`: they must give the title's words, broken into lines",
                    words(&e.title)
                ),
            );
        }
    }
}

/// `[text]`: a well-formed pinned hash, a declared base witness.
fn check_text(t: &TextSpec, sigla: &Sigla, c: &mut Checks) {
    if let Some(sha) = &t.sha256 {
        check_sha256(sha, c);
    }
    sigla.check(&t.base, c);
    if let Some(indents) = &t.verse_indents {
        verse::check_indents(indents, c);
    }
}

/// A pinned hash: 64 hexadecimal digits.
fn check_sha256(sha: &Spanned<String>, c: &mut Checks) {
    let hex = sha.get_ref();
    if hex.len() != 64 || !hex.chars().all(|ch| ch.is_ascii_hexdigit()) {
        c.error(
            sha.span(),
            format!(
                "sha256 must be 64 hexadecimal digits, not `{hex}` ({} characters)",
                hex.chars().count()
            ),
        );
    }
}

/// `[[witness]]`: sigla non-empty and unique.
fn check_witnesses(witnesses: &read::Listed<Witness>, c: &mut Checks) -> Sigla {
    let mut sigla = Sigla {
        spans: HashMap::new(),
        complete: witnesses.complete,
        groups: HashMap::new(),
        hands: HashMap::new(),
    };
    for w in &witnesses.items {
        let siglum = &w.get_ref().siglum;
        let s = siglum.get_ref();
        if s.trim().is_empty() {
            c.error(siglum.span(), "a witness siglum is empty");
        } else if let Some(bad) = s.chars().find(|&ch| ch == '^' || ch.is_whitespace()) {
            let what = if bad == '^' { "`^`" } else { "a space" };
            c.errors.push(
                c.diag(siglum.span(), format!("the siglum `{s}` holds {what}"))
                    .with_note("`^` joins a siglum to a correction state or hand where it is cited (`A^ac`, `A^2`); a space would print as two sigla"),
            );
        }
        if let Some(first) = sigla.spans.get(s) {
            let d = c
                .diag(siglum.span(), format!("duplicate siglum `{s}`"))
                .with_label(&c.file, first.clone(), "first declared here");
            c.errors.push(d);
        } else {
            sigla.spans.insert(s.clone(), siglum.span());
        }
        let w = w.get_ref();
        if w.is_group() {
            let members = w.members.iter().map(|m| m.get_ref().clone()).collect();
            sigla.groups.insert(s.clone(), members);
        } else {
            let hands = w.hands.iter().map(|h| h.get_ref().clone()).collect();
            sigla.hands.insert(s.clone(), hands);
        }
    }
    for w in witnesses.items.iter().map(Spanned::get_ref) {
        check_witness(w, &sigla, c);
    }
    sigla
}

/// One `[[witness]]`: a description (a group may go without); a group's members declared
/// witnesses, not groups, each once, at least two; hands only on a witness.
fn check_witness(w: &Witness, sigla: &Sigla, c: &mut Checks) {
    if !w.is_group() {
        if w.description.is_none() {
            c.error(
                w.siglum.span(),
                format!(
                    "witness `{}` needs a `description` (only a group, with `members`, may go without)",
                    w.siglum.get_ref()
                ),
            );
        }
        return;
    }
    if let Some(h) = w.hands.first() {
        c.error(
            h.span(),
            "a group has no hands: declare them on its members",
        );
    }
    if w.members.len() < 2 {
        c.error(w.members[0].span(), "a group needs two or more members");
    }
    let mut seen: Vec<&str> = vec![];
    for m in &w.members {
        let name = m.get_ref().as_str();
        sigla.check(m, c);
        if sigla.groups.contains_key(name) {
            c.error(
                m.span(),
                format!("`{name}` is a group: a group's members are witnesses, not groups"),
            );
        }
        if seen.contains(&name) {
            c.error(m.span(), format!("`{name}` is named twice in this group"));
        }
        seen.push(name);
    }
}

/// `[structure]`: a non-empty title quotation.
fn check_structure(s: &Structure, c: &mut Checks) {
    let Some(t) = &s.title else { return };
    if t.at.get_ref().trim().is_empty() {
        c.error(t.at.span(), "empty title quotation");
    }
    if let Some(o) = &t.occurrence
        && *o.get_ref() == 0
    {
        c.error(o.span(), "occurrence counts from 1");
    }
}

/// Any anchor: words to quote, an occurrence counted from 1.
fn check_quote(q: &Quote, c: &mut Checks) {
    if q.at.get_ref().trim().is_empty() {
        c.error(
            q.at.span(),
            "empty quotation: an anchor needs the words it marks",
        );
    }
    if let Some(o) = &q.occurrence
        && *o.get_ref() == 0
    {
        c.error(o.span(), "occurrence counts from 1");
    }
}

/// `[[heading]]`: levels 1–6.
fn check_headings(raw: &[Spanned<RawHeading>], c: &mut Checks) -> Vec<Heading> {
    let mut headings = vec![];
    for h in raw.iter().map(Spanned::get_ref) {
        let quote = h.quote();
        check_quote(&quote, c);
        let level = *h.level.get_ref();
        if !(1..=6).contains(&level) {
            // An absent level is 1, so a bad one was written: point at it.
            c.error(h.level.span(), format!("heading level {level} is not 1–6"));
        }
        headings.push(Heading { quote, level });
    }
    headings
}

/// `[[milestone]]`: a declared witness.
fn check_milestones(
    raw: &[Spanned<RawMilestone>],
    sigla: &Sigla,
    c: &mut Checks,
) -> Vec<Milestone> {
    let mut milestones = vec![];
    for m in raw.iter().map(Spanned::get_ref) {
        let quote = m.quote();
        check_quote(&quote, c);
        sigla.check(&m.witness, c);
        milestones.push(Milestone {
            quote,
            witness: m.witness.clone(),
            n: m.n.clone(),
            join: m.join,
        });
    }
    milestones
}

/// `[layout]`: line numbering, paper, margins, font size, PDF standards.
fn check_layout(l: &Layout, c: &mut Checks) {
    let every = &l.line_numbers.every;
    if *every.get_ref() <= 0 {
        c.error(
            every.span(),
            format!(
                "line-numbers.every must be a positive whole number, not {}",
                every.get_ref()
            ),
        );
    }
    check_paper(l, c);
    if let Some(level) = &l.heading_new_page
        && !(1..=6).contains(level.get_ref())
    {
        c.error(
            level.span(),
            format!(
                "heading-new-page {} is out of range: a heading level, 1–6",
                level.get_ref()
            ),
        );
    }
    for (name, mm, span) in l.margins.iter().flat_map(|m| m.get_ref().given()) {
        if !(0.0..=200.0).contains(&mm) {
            c.error(
                span,
                format!("margin {name} {mm} mm is out of range (0–200 mm)"),
            );
        }
    }
    if let Some(fs) = &l.font_size
        && !(4.0..=72.0).contains(fs.get_ref())
    {
        c.error(
            fs.span(),
            format!("font-size {} pt is out of range (4–72)", fs.get_ref()),
        );
    }
    if let Some(mt) = &l.min_text
        && !(0.0..=1.0).contains(mt.get_ref())
    {
        c.error(
            mt.span(),
            format!(
                "min-text {} is out of range (0–1, a share of the text block)",
                mt.get_ref()
            ),
        );
    }
    if let Some(limit) = &l.hyphen_limit
        && !(0..=10).contains(limit.get_ref())
    {
        c.error(
            limit.span(),
            format!(
                "hyphen-limit must be 0 (no limit) to 10 consecutive hyphenated lines, not {}",
                limit.get_ref()
            ),
        );
    }
    if let Some(keep) = &l.stanza_keep {
        verse::check_stanza_keep(keep, c);
    }
    for st in &l.pdf_standards {
        if PdfStandard::from_name(st.get_ref()).is_none() {
            let d = c
                .diag(
                    st.span(),
                    format!("unknown PDF standard `{}`", st.get_ref()),
                )
                .with_note(format!("known: {}", PdfStandard::names().join(", ")));
            c.errors.push(d);
        }
    }
}

/// The paper: a known name, or `custom` with a width and height in range. A width or height
/// beside a named paper is ignored, and said so.
fn check_paper(l: &Layout, c: &mut Checks) {
    let paper = l.paper.get_ref();
    let sizes = [("width", &l.width), ("height", &l.height)];
    if paper == "custom" {
        for (name, v) in sizes {
            match v {
                None => c.error(
                    l.paper.span(),
                    format!("a custom paper needs `{name}` (in millimetres)"),
                ),
                Some(x) if !(50.0..=1500.0).contains(x.get_ref()) => c.error(
                    x.span(),
                    format!("{name} {} mm is out of range (50–1500 mm)", x.get_ref()),
                ),
                _ => {}
            }
        }
        return;
    }
    if !PAPERS.contains(&paper.as_str()) {
        let d = c
            .diag(l.paper.span(), format!("unknown paper size `{paper}`"))
            .with_note(format!(
                "known sizes: {}, or `custom` with `width` and `height` in mm",
                PAPERS.join(", ")
            ));
        c.errors.push(d);
    }
    for (name, v) in sizes {
        if let Some(x) = v {
            let w = Diagnostic::warning(format!(
                "`{name}` is ignored: the paper is `{paper}` (a size of your own is `paper = \"custom\"`)"
            ))
            .at(&c.file, x.span());
            c.warnings.push(w);
        }
    }
}

/// `[[series]]`: unique ids.
fn check_series(series: &read::Listed<Series>, c: &mut Checks) -> SeriesIds {
    let mut ids = SeriesIds {
        ids: HashMap::new(),
        complete: series.complete,
    };
    for (i, s) in series.items.iter().map(Spanned::get_ref).enumerate() {
        let id = s.id.get_ref();
        if ids.ids.contains_key(id) {
            c.error(s.id.span(), format!("duplicate series id `{id}`"));
        } else {
            ids.ids.insert(id.clone(), (i, s.kind));
        }
    }
    ids
}

/// `[[entry]]`: a declared series, content the series' kind holds, sound readings.
fn check_entries(
    raw: &[Spanned<RawEntry>],
    series: &SeriesIds,
    sigla: &Sigla,
    base: Option<&str>,
    c: &mut Checks,
) -> Vec<Entry> {
    let mut entries = vec![];
    for (id, e) in raw.iter().enumerate() {
        let span = e.span();
        let e = e.get_ref();
        let quote = e.quote();
        check_quote(&quote, c);
        for r in &e.readings {
            check_reading(r, &quote, sigla, c);
        }
        check_slips(e, &quote, sigla, base, c);
        let Some(&(index, kind)) = series.ids.get(e.series.get_ref().as_str()) else {
            if series.complete {
                let mut ids: Vec<_> = series.ids.keys().map(String::as_str).collect();
                ids.sort();
                let d = c
                    .diag(
                        e.series.span(),
                        format!("undeclared series `{}`", e.series.get_ref()),
                    )
                    .with_note(format!("declared series: {}", ids.join(", ")));
                c.errors.push(d);
            }
            continue;
        };
        if !holds(kind, e, c) {
            continue;
        }
        if let Some(body) = entry_body(e, span.clone(), c) {
            entries.push(Entry {
                id,
                series: index,
                quote,
                body,
                span,
            });
        }
    }
    entries
}

fn series_kind_name(k: SeriesKind) -> &'static str {
    match k {
        SeriesKind::Critical => "critical",
        SeriesKind::Commentary => "commentary",
        SeriesKind::Sources => "sources",
    }
}

/// Whether the entry holds what its series' kind prints: a critical series readings and
/// emendations, a commentary or sources series notes. Reports each misplaced key.
fn holds(kind: SeriesKind, e: &RawEntry, c: &mut Checks) -> bool {
    let before = c.errors.len();
    if kind == SeriesKind::Critical {
        if let Some(n) = &e.note {
            c.error(
                n.span(),
                "a critical series holds readings and emendations; a `note` belongs in a commentary or sources series (`kind = \"commentary\"`)",
            );
        }
        return c.errors.len() == before;
    }
    let name = series_kind_name(kind);
    if let Some(t) = &e.sign {
        c.error(
            t.span(),
            format!("a {name} series holds notes; an editorial `sign` belongs in a critical series (`kind = \"critical\"`)"),
        );
    }
    if let Some(t) = &e.emend {
        c.error(
            t.span(),
            format!("a {name} series holds notes; `emend` belongs in a critical series (`kind = \"critical\"`)"),
        );
    }
    if let Some(r) = e.readings.first() {
        c.error(
            r.span(),
            format!("a {name} series holds notes; `readings` belong in a critical series (`kind = \"critical\"`)"),
        );
    }
    c.errors.len() == before
}

/// What the entry says: an emendation (with readings), readings, or a note — one of them.
fn entry_body(e: &RawEntry, span: Range<usize>, c: &mut Checks) -> Option<EntryBody> {
    let readings: Vec<Reading> = e.readings.iter().map(|r| r.get_ref().reading()).collect();
    if let Some(sign) = &e.sign {
        return sign_body(e, *sign.get_ref(), readings, span, c);
    }
    if let Some(t) = &e.text {
        c.error(
            t.span(),
            "`text` names the words of a supplement (`sign = \"supplement\"`); a witness's words go in `readings`",
        );
    }
    if let Some(r) = &e.resp {
        c.error(
            r.span(),
            "`resp` names who proposed an editorial sign (`sign = …`); a conjecture's author is its `by`",
        );
    }
    match (&e.emend, readings.is_empty(), &e.note) {
        (Some(t), _, None) => {
            if t.get_ref().is_empty() {
                c.error(
                    t.span(),
                    "`emend` is empty (to delete words, omit them with a reading)",
                );
            }
            Some(EntryBody::Emend {
                text: t.get_ref().clone(),
                readings,
            })
        }
        (None, false, None) => Some(EntryBody::Readings(readings)),
        (None, true, Some(n)) => {
            if n.get_ref().trim().is_empty() {
                c.error(n.span(), "`note` is empty: a note needs its words");
            }
            Some(EntryBody::Note(n.get_ref().clone()))
        }
        (None, true, None) => {
            c.error(span, "an entry needs `emend`, `readings` or `note`");
            None
        }
        _ => {
            c.error(
                span,
                "an entry has either `note` or `emend`/`readings`, not both",
            );
            None
        }
    }
}

/// An entry with an editorial `sign`: no `emend` or `note` beside it; `text` for a
/// supplement (the words supplied) and for nothing else.
fn sign_body(
    e: &RawEntry,
    kind: SignKind,
    readings: Vec<Reading>,
    span: Range<usize>,
    c: &mut Checks,
) -> Option<EntryBody> {
    if e.emend.is_some() || e.note.is_some() {
        c.error(
            span,
            "an entry has one of `sign`, `emend` and `note`: a sign is the editor's change of the text",
        );
        return None;
    }
    let sign_span = e.sign.as_ref().map_or(span, |s| s.span());
    let text = e.text.as_ref().map(|t| t.get_ref().trim().to_string());
    match (kind, &text) {
        (SignKind::Supplement, None) => c.error(
            sign_span,
            "a supplement needs `text`, the words the editor supplies after the quoted ones",
        ),
        (SignKind::Supplement, Some(t)) if t.is_empty() => c.error(
            e.text.as_ref().map_or(sign_span, |t| t.span()),
            "a supplement's `text` is empty",
        ),
        (SignKind::Supplement, _) | (_, None) => {}
        (_, Some(_)) => c.error(
            e.text.as_ref().map_or(sign_span, |t| t.span()),
            format!(
                "a {} has no `text`: it marks the quoted words (only a supplement adds words)",
                kind.name()
            ),
        ),
    }
    Some(EntryBody::Sign {
        kind,
        text,
        resp: e.resp.as_ref().map(|r| r.get_ref().clone()),
        readings,
    })
}

/// Whitespace collapsed, for comparing what was typed.
fn collapsed(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Slips that are not errors, but almost always mistakes (warnings): a variant that is the
/// lemma itself, a witness cited twice in one entry, a group cited beside its member, the
/// base witness cited for a reading its own text does not have.
fn check_slips(e: &RawEntry, quote: &Quote, sigla: &Sigla, base: Option<&str>, c: &mut Checks) {
    let lemma = collapsed(quote.at.get_ref());
    let mut cited: Vec<(&Spanned<String>, usize)> = vec![];
    let mut warn = |d: Diagnostic| c.warnings.push(d);
    // The base text is the base witness's: outside an emendation (or an editorial sign),
    // the witness itself (not a hand, not a state before or after correction), or a group
    // holding it, cannot read otherwise.
    let plain_base = |typed: &str| {
        let cited = Citation::parse(typed);
        let base = base?;
        if cited.state.is_some() {
            return None;
        }
        if cited.siglum == base {
            return Some(String::new());
        }
        let mut seen = vec![cited.siglum.clone()];
        let mut at = 0;
        while at < seen.len() {
            if let Some(members) = sigla.groups.get(&seen[at]) {
                if members.iter().any(|m| m == base) {
                    return Some(format!(" (a member of `{}`)", cited.siglum));
                }
                for m in members {
                    if !seen.contains(m) {
                        seen.push(m.clone());
                    }
                }
            }
            at += 1;
        }
        None
    };
    for (i, r) in e.readings.iter().map(Spanned::get_ref).enumerate() {
        if e.emend.is_none() && e.sign.is_none() {
            for w in &r.wit {
                if let (Some(how), Some(base)) = (plain_base(w.get_ref()), base) {
                    warn(
                        Diagnostic::warning(format!(
                            "the base witness `{base}`{how} is cited for a reading that differs from the base text, which is its own"
                        ))
                        .at(&c.file, w.span())
                        .with_note(format!("cite `{base}^ac`, `{base}^pc` or a hand where the witness itself differs; where the printed text departs from `{base}`, make the entry an emendation (`emend`)")),
                    );
                }
            }
        }
        if let (ReadingType::Var, Some(t)) = (r.kind(), &r.text)
            && collapsed(t.get_ref()) == lemma
        {
            warn(
                Diagnostic::warning(format!("this reading is the lemma itself: `{lemma}`"))
                    .at(&c.file, t.span())
                    .with_note("a variant records words that differ from the lemma; a witness that reads the lemma is not cited (a positive series names it by itself)"),
            );
        }
        for w in &r.wit {
            let name = w.get_ref();
            let earlier = |f: &&(&Spanned<String>, usize)| f.0.get_ref() == name;
            if let Some((first, _)) = cited.iter().find(earlier) {
                warn(
                    Diagnostic::warning(format!("witness `{name}` is cited twice in this entry"))
                        .at(&c.file, w.span())
                        .with_label(&c.file, first.span(), "cited here first"),
                );
            } else if let Some((other, _)) = cited.iter().find(|(o, k)| {
                *k != i && {
                    let pair = [(*o).clone(), w.clone()];
                    sigla.group_of(o.get_ref(), &pair).is_some()
                        || sigla.group_of(name, &pair).is_some()
                }
            }) {
                warn(
                    Diagnostic::warning(format!(
                        "`{name}` and `{}` are a group and its member, cited for two readings of one entry",
                        other.get_ref()
                    ))
                    .at(&c.file, w.span())
                    .with_label(&c.file, other.span(), "cited here")
                    .with_note("a group stands for all its members: one of them cannot read otherwise"),
                );
            }
            cited.push((w, i));
        }
    }
}

/// `[[lacuna]]`: a declared witness (not a group), two quotations, a critical series to be
/// recorded in (`series`, else the first critical series). Each lacuna becomes two entries:
/// where it begins and where the witness resumes.
fn check_lacunae(
    raw: &[Spanned<RawLacuna>],
    series: &SeriesIds,
    sigla: &Sigla,
    entries: &mut Vec<Entry>,
    c: &mut Checks,
) -> Vec<Lacuna> {
    let mut lacunae = vec![];
    for l in raw {
        let span = l.span();
        let l = l.get_ref();
        let witness = l.witness.get_ref();
        sigla.check(&l.witness, c);
        if sigla.groups.contains_key(witness) {
            c.error(
                l.witness.span(),
                format!("`{witness}` is a group: a lacuna belongs to one witness (a group is absent where all its members are)"),
            );
        }
        let Some(index) = lacuna_series(l, series, c) else {
            continue;
        };
        let (Some(from), Some(to)) = (&l.from, &l.to) else {
            continue;
        };
        check_quote(from, c);
        check_quote(to, c);
        let mut record = |quote: &Quote, resumes: bool| {
            entries.push(Entry {
                id: entries.len(),
                series: index,
                quote: quote.clone(),
                body: EntryBody::Lacuna {
                    witness: witness.clone(),
                    resumes,
                },
                span: span.clone(),
            });
            entries.len() - 1
        };
        let from_entry = record(from, false);
        let to_entry = record(to, true);
        lacunae.push(Lacuna {
            witness: witness.clone(),
            from_entry,
            to_entry,
            span,
        });
    }
    lacunae
}

/// The critical series a lacuna is recorded in.
fn lacuna_series(l: &RawLacuna, series: &SeriesIds, c: &mut Checks) -> Option<usize> {
    let Some(named) = &l.series else {
        let first = series
            .ids
            .values()
            .filter(|(_, k)| *k == SeriesKind::Critical)
            .map(|(i, _)| *i)
            .min();
        if first.is_none() && series.complete {
            c.error(
                l.witness.span(),
                "a lacuna is recorded in the apparatus, but there is no critical series: declare one (`kind = \"critical\"`)",
            );
        }
        return first;
    };
    match series.ids.get(named.get_ref().as_str()) {
        Some(&(i, SeriesKind::Critical)) => Some(i),
        Some(&(_, kind)) => {
            c.error(
                named.span(),
                format!(
                    "a lacuna is recorded in a critical series, not in the {} series `{}`",
                    series_kind_name(kind),
                    named.get_ref()
                ),
            );
            None
        }
        None => {
            if series.complete {
                c.error(
                    named.span(),
                    format!("undeclared series `{}`", named.get_ref()),
                );
            }
            None
        }
    }
}

/// One reading: declared witnesses, and only what its type prints. A table of rules, one
/// per reading type — kept together so the whole policy reads in one place.
///
/// | type     | `text`                  | `wit`     | `by`      |
/// |----------|-------------------------|-----------|-----------|
/// | `var`    | required                | required  | forbidden |
/// | `om`     | forbidden               | required  | forbidden |
/// | `add`    | required                | required  | forbidden |
/// | `transp` | optional (new order)    | required  | forbidden |
/// | `conj`   | required                | forbidden | required  |
///
/// A transposition also needs a lemma of two or more words.
fn check_reading(r: &Spanned<RawReading>, lemma: &Quote, sigla: &Sigla, c: &mut Checks) {
    let span = r.span();
    let r = r.get_ref();
    for w in &r.wit {
        sigla.check_citation(w, c);
        if let Some(group) = sigla.group_of(w.get_ref(), &r.wit) {
            let d = c
                .diag(
                    w.span(),
                    format!(
                        "`{}` is cited beside its group `{group}` in one reading",
                        w.get_ref()
                    ),
                )
                .with_note(format!(
                    "`{group}` already stands for `{}`; cite the group or its members",
                    w.get_ref()
                ));
            c.errors.push(d);
        }
    }
    let kind = r.kind();
    let name = kind_name(kind);
    let kind_span = r.kind.as_ref().map_or(span.clone(), |k| k.span());
    let needs_text = matches!(
        kind,
        ReadingType::Var | ReadingType::Add | ReadingType::Conj
    );
    if needs_text
        && r.text
            .as_ref()
            .is_none_or(|t| t.get_ref().trim().is_empty())
    {
        c.error(span.clone(), format!("a `{name}` reading needs `text`"));
    }
    if let (ReadingType::Om, Some(t)) = (kind, &r.text) {
        c.error(
            t.span(),
            "an omission has no `text`: `om.` says the witness lacks the lemma (for other words, use `type = \"var\"`)",
        );
    }
    if kind == ReadingType::Transp && lemma.at.get_ref().split_whitespace().count() < 2 {
        c.error(
            kind_span,
            format!(
                "a transposition needs a lemma of two or more words, not `{}`",
                lemma.at.get_ref().trim()
            ),
        );
    }
    if kind == ReadingType::Conj {
        check_conjecture(r, span, c);
        return;
    }
    if let Some(b) = &r.by {
        c.error(
            b.span(),
            format!("`by` names who proposed a conjecture; a `{name}` reading is a witness's (its sigla go in `wit`)"),
        );
    }
    if r.wit.is_empty() {
        c.error(span, "a reading needs `wit`, the sigla of its witnesses");
    }
}

/// A conjecture: the editor's (or a scholar's), so `by` and no `wit`.
fn check_conjecture(r: &RawReading, span: Range<usize>, c: &mut Checks) {
    if r.by.is_none() {
        c.error(span, "a conjecture needs `by` (who proposed it)");
    }
    if let Some(w) = r.wit.first() {
        c.error(
            w.span(),
            "a conjecture is an editor's proposal, not a witness's reading: remove `wit` (`by` names who proposed it)",
        );
    }
}

/// The labels of entries, margin notes and `[[label]]` tables (each name once), and every
/// cross-reference of a note or margin note naming one of them.
fn check_labels(t: &Tables, entries: &[Entry], c: &mut Checks) -> Vec<Label> {
    let mut labels: Vec<Label> = vec![];
    let mut add = |name: &Spanned<String>, target: LabelTarget, c: &mut Checks| {
        let n = name.get_ref();
        if n.is_empty() || !n.chars().all(crate::xref::name_char) {
            c.error(
                name.span(),
                format!("label `{n}`: a label's name is letters, digits and `-_.:`"),
            );
        } else if let Some(first) = labels.iter().find(|l| l.name.get_ref() == n) {
            let (line, _) = c.file.line_col(first.name.span().start);
            let d = c
                .diag(name.span(), format!("duplicate label `{n}`"))
                .with_note(format!("`{n}` is already the label on line {line}"));
            c.errors.push(d);
        } else {
            labels.push(Label {
                name: name.clone(),
                target,
            });
        }
    };
    for (id, e) in t.entries.items.iter().enumerate() {
        let (Some(name), Some(k)) = (&e.get_ref().label, entries.iter().position(|x| x.id == id))
        else {
            continue;
        };
        add(name, LabelTarget::Entry(k), c);
    }
    for (k, m) in t.margins.items.iter().enumerate() {
        if let Some(name) = &m.get_ref().label {
            add(name, LabelTarget::Margin(k), c);
        }
    }
    for l in t.labels.items.iter().map(Spanned::get_ref) {
        let quote = l.quote();
        check_quote(&quote, c);
        add(&l.id, LabelTarget::Quote(quote), c);
    }
    let notes = t
        .entries
        .items
        .iter()
        .filter_map(|e| e.get_ref().note.as_ref());
    let margins = t.margins.items.iter().map(|m| &m.get_ref().text);
    for text in notes.chain(margins) {
        check_references(text, &labels, c);
    }
    labels
}

/// Each `{{ref:name}}` of `text` names a declared label.
fn check_references(text: &Spanned<String>, labels: &[Label], c: &mut Checks) {
    for (_, name) in crate::xref::references(text.get_ref()) {
        if labels.iter().any(|l| l.name.get_ref() == name) {
            continue;
        }
        // Where the reference stands in the file: found in the string's source (exact
        // unless escapes come before it), else the whole string.
        let span = text.span();
        let written = format!("{}{name}}}}}", crate::xref::OPEN);
        let at_in_source = c.file.text[span.clone()]
            .find(&written)
            .map_or(span.clone(), |k| {
                span.start + k..span.start + k + written.len()
            });
        let mut names: Vec<&str> = labels.iter().map(|l| l.name.get_ref().as_str()).collect();
        names.sort_unstable();
        let known = if names.is_empty() {
            "no label is declared: add `label = \"…\"` to an entry or margin note, or a `[[label]]`"
                .to_string()
        } else {
            format!("declared labels: {}", names.join(", "))
        };
        let d = c
            .diag(at_in_source, format!("unknown label `{name}`"))
            .with_note(known);
        c.errors.push(d);
    }
}

/// `[[margin]]`: a quotation to hang the note on.
fn check_margins(raw: &[Spanned<RawMargin>], c: &mut Checks) -> Vec<Margin> {
    let mut margins = vec![];
    for m in raw.iter().map(Spanned::get_ref) {
        let quote = m.quote();
        check_quote(&quote, c);
        if m.text.get_ref().trim().is_empty() {
            c.error(m.text.span(), "the margin note's `text` is empty");
        }
        margins.push(Margin {
            quote,
            text: m.text.get_ref().clone(),
        });
    }
    margins
}

/// A PDF version or standard Typst can write, named as Typst names it (`a-2b`, `ua-1`, `1.7`).
/// The command line (`--pdf-standard`) and the spec (`[layout] pdf-standards`) both accept
/// exactly these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum PdfStandard {
    /// PDF 1.4.
    #[value(name = "1.4")]
    V1_4,
    /// PDF 1.5.
    #[value(name = "1.5")]
    V1_5,
    /// PDF 1.6.
    #[value(name = "1.6")]
    V1_6,
    /// PDF 1.7.
    #[value(name = "1.7")]
    V1_7,
    /// PDF 2.0.
    #[value(name = "2.0")]
    V2_0,
    /// PDF/A-1b (no attachments).
    #[value(name = "a-1b")]
    A1b,
    /// PDF/A-1a (no attachments).
    #[value(name = "a-1a")]
    A1a,
    /// PDF/A-2b (no attachments).
    #[value(name = "a-2b")]
    A2b,
    /// PDF/A-2u (no attachments).
    #[value(name = "a-2u")]
    A2u,
    /// PDF/A-2a (no attachments).
    #[value(name = "a-2a")]
    A2a,
    /// PDF/A-3b.
    #[value(name = "a-3b")]
    A3b,
    /// PDF/A-3u.
    #[value(name = "a-3u")]
    A3u,
    /// PDF/A-3a.
    #[value(name = "a-3a")]
    A3a,
    /// PDF/A-4 (no attachments).
    #[value(name = "a-4")]
    A4,
    /// PDF/A-4f.
    #[value(name = "a-4f")]
    A4f,
    /// PDF/A-4e.
    #[value(name = "a-4e")]
    A4e,
    /// PDF/UA-1.
    #[value(name = "ua-1")]
    Ua1,
}

impl PdfStandard {
    /// The standard named `name` (Typst's spelling), if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        <Self as clap::ValueEnum>::from_str(name, false).ok()
    }

    /// Its name as Typst spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::V1_4 => "1.4",
            Self::V1_5 => "1.5",
            Self::V1_6 => "1.6",
            Self::V1_7 => "1.7",
            Self::V2_0 => "2.0",
            Self::A1b => "a-1b",
            Self::A1a => "a-1a",
            Self::A2b => "a-2b",
            Self::A2u => "a-2u",
            Self::A2a => "a-2a",
            Self::A3b => "a-3b",
            Self::A3u => "a-3u",
            Self::A3a => "a-3a",
            Self::A4 => "a-4",
            Self::A4f => "a-4f",
            Self::A4e => "a-4e",
            Self::Ua1 => "ua-1",
        }
    }

    /// The names of all standards, in order.
    pub fn names() -> Vec<&'static str> {
        <Self as clap::ValueEnum>::value_variants()
            .iter()
            .map(|s| s.name())
            .collect()
    }

    /// Whether the standard forbids embedded files (PDF/A-1, PDF/A-2, plain PDF/A-4).
    pub fn forbids_attachments(self) -> bool {
        matches!(
            self,
            Self::A1b | Self::A1a | Self::A2b | Self::A2u | Self::A2a | Self::A4
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid spec: witnesses A and B, a critical series `k` and a commentary series `n`.
    const BASE: &str = r#"[edition]
title = "T"
editors = ["E"]
version = "1"
date = 2026-01-01

[text]
file = "source.txt"
base = "A"

[[witness]]
siglum = "A"
description = "a"

[[witness]]
siglum = "B"
description = "b"

[[series]]
id = "k"
title = "K"
kind = "critical"

[[series]]
id = "n"
title = "N"
kind = "commentary"
"#;

    fn parse(spec: &str) -> Result<Spec> {
        Spec::parse(Path::new("."), Path::new("edition.toml"), spec)
    }

    /// The errors of `BASE` with `more` appended: (line, message), in the order reported.
    fn errors(more: &str) -> Vec<(usize, String)> {
        errors_of(&format!("{BASE}{more}"))
    }

    fn errors_of(spec: &str) -> Vec<(usize, String)> {
        let Err(Diagnostics(ds)) = parse(spec) else {
            panic!("the spec was accepted:\n{spec}");
        };
        ds.iter()
            .map(|d| (d.position().map_or(0, |p| p.1), d.message.clone()))
            .collect()
    }

    /// The one error of `BASE` + `more`: its line and message.
    fn error(more: &str) -> (usize, String) {
        let es = errors(more);
        assert_eq!(es.len(), 1, "{es:#?}");
        es.into_iter().next().unwrap()
    }

    /// The line of `BASE` + `more` where `needle` first occurs (1-based).
    fn line_of(more: &str, needle: &str) -> usize {
        let s = format!("{BASE}{more}");
        s[..s.find(needle).expect("needle in spec")]
            .matches('\n')
            .count()
            + 1
    }

    #[test]
    fn the_base_spec_is_valid_and_quiet() {
        let spec = parse(BASE).unwrap();
        assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
        assert_eq!(spec.series.len(), 2);
    }

    #[test]
    fn unknown_keys_in_two_tables_are_all_reported_in_order() {
        let spec = BASE
            .replace("base = \"A\"", "base = \"A\"\nfavourite = 3")
            .replace(
                "kind = \"commentary\"",
                "kind = \"commentary\"\ncolour = \"red\"",
            );
        let more = "\n[layout]\npaper = \"a5\"\nshade = 1\n";
        let es = errors_of(&format!("{spec}{more}"));
        let msgs: Vec<&str> = es.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(es.len(), 3, "{es:#?}");
        assert!(
            msgs[0].starts_with(
                "invalid spec: unknown field `favourite`, expected one of `file`, `sha256`, `base`"
            ),
            "{msgs:?}"
        );
        assert!(
            msgs[1].starts_with("invalid spec: unknown field `colour`"),
            "{msgs:?}"
        );
        assert!(
            msgs[2].starts_with("invalid spec: unknown field `shade`"),
            "{msgs:?}"
        );
        assert!(es.windows(2).all(|w| w[0].0 < w[1].0), "sorted: {es:?}");
        assert_eq!(es[0].0, 10);
    }

    #[test]
    fn two_unknown_keys_and_a_wrong_type_in_one_table_are_all_reported() {
        let spec = BASE.replace("version = \"1\"", "version = 1\nfavourite = 3\ncolour = 4");
        let es = errors_of(&spec);
        let msgs: Vec<&str> = es.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(es.len(), 3, "{es:#?}");
        assert!(
            msgs[0].contains("invalid type: integer `1`, expected a string"),
            "{msgs:?}"
        );
        assert!(msgs[1].contains("unknown field `favourite`"), "{msgs:?}");
        assert!(msgs[2].contains("unknown field `colour`"), "{msgs:?}");
        assert!(
            !msgs.iter().any(|m| m.contains("missing field")),
            "{msgs:?}"
        );
        assert_eq!(es.iter().map(|e| e.0).collect::<Vec<_>>(), [4, 5, 6]);
    }

    #[test]
    fn unknown_keys_in_nested_tables_and_readings_are_reported() {
        let es = errors(
            "\n[layout]\nmargins = { inner = 10, middle = 3 }\n\n[[entry]]\nseries = \"k\"\nat = \"x y\"\nreadings = [{ wit = [\"B\"], text = \"z\", witness = \"B\" }]\n",
        );
        let msgs: Vec<&str> = es.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(es.len(), 2, "{es:#?}");
        assert!(msgs[0].contains("unknown field `middle`"), "{msgs:?}");
        assert!(msgs[1].contains("unknown field `witness`"), "{msgs:?}");
    }

    #[test]
    fn an_unknown_table_and_a_missing_one_are_reported() {
        let spec = BASE.replace(
            "[text]\nfile = \"source.txt\"\nbase = \"A\"\n",
            "[txt]\nfile = \"s\"\n",
        );
        let es = errors_of(&spec);
        let msgs: Vec<&str> = es.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(es.len(), 2, "{es:#?}");
        assert_eq!(msgs[0], "invalid spec: missing field `text`");
        assert!(
            msgs[1].starts_with(
                "invalid spec: unknown field `txt`, expected one of `edition`, `text`"
            ),
            "{msgs:?}"
        );
        assert_eq!(es[1].0, 7);
    }

    #[test]
    fn a_syntax_error_stops_reading() {
        let es = errors_of(&BASE.replace("version = \"1\"", "version = \"1"));
        assert_eq!(es[0].0, 4);
        assert!(es[0].1.starts_with("invalid spec: "), "{es:?}");
    }

    #[test]
    fn validation_errors_of_different_tables_come_together_in_order() {
        let spec = BASE.replace("siglum = \"B\"", "siglum = \"A\"");
        let more =
            "\n[layout]\nfont-size = 100\n\n[[entry]]\nseries = \"kk\"\nat = \"x\"\nnote = \"n\"\n";
        let es = errors_of(&format!("{spec}{more}"));
        let msgs: Vec<&str> = es.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "duplicate siglum `A`",
                "font-size 100 pt is out of range (4–72)",
                "undeclared series `kk`"
            ]
        );
        assert_eq!(es[0].0, 16);
        assert_eq!(es[1].0, 30);
        assert_eq!(es[2].0, 33);
    }

    #[test]
    fn font_size_is_located_and_kept() {
        let more = "\n[layout]\nfont-size = 2.5\n";
        assert_eq!(
            error(more),
            (
                line_of(more, "font-size"),
                "font-size 2.5 pt is out of range (4–72)".into()
            )
        );
        let spec = parse(&format!("{BASE}\n[layout]\nfont-size = 10.5\n")).unwrap();
        assert_eq!(spec.layout.font_size.map(|f| *f.get_ref()), Some(10.5));
    }

    #[test]
    fn an_omission_has_no_text() {
        let more = "\n[[entry]]\nseries = \"k\"\nat = \"x\"\nreadings = [{ wit = [\"B\"], type = \"om\", text = \"y\" }]\n";
        let (line, msg) = error(more);
        assert_eq!(line, line_of(more, "readings"));
        assert!(msg.starts_with("an omission has no `text`"), "{msg}");
    }

    #[test]
    fn a_conjecture_has_no_witnesses() {
        let more = "\n[[entry]]\nseries = \"k\"\nat = \"x\"\nreadings = [{ wit = [\"B\"], type = \"conj\", text = \"y\", by = \"Ed.\" }]\n";
        let (line, msg) = error(more);
        assert_eq!(line, line_of(more, "readings"));
        assert!(
            msg.starts_with("a conjecture is an editor's proposal, not a witness's reading"),
            "{msg}"
        );
    }

    #[test]
    fn by_belongs_to_conjectures_only() {
        let more = "\n[[entry]]\nseries = \"k\"\nat = \"x\"\nreadings = [{ wit = [\"B\"], text = \"y\", by = \"Ed.\" }]\n";
        assert!(
            error(more)
                .1
                .starts_with("`by` names who proposed a conjecture; a `var` reading")
        );
    }

    #[test]
    fn a_transposition_needs_two_words() {
        let more = "\n[[entry]]\nseries = \"k\"\nat = \"x\"\nreadings = [{ wit = [\"B\"], type = \"transp\" }]\n";
        assert!(
            error(more)
                .1
                .starts_with("a transposition needs a lemma of two or more words")
        );
        let ok = "\n[[entry]]\nseries = \"k\"\nat = \"x y\"\nreadings = [{ wit = [\"B\"], type = \"transp\", text = \"y x\" }]\n";
        parse(&format!("{BASE}{ok}")).unwrap();
    }

    #[test]
    fn a_critical_series_holds_no_notes() {
        let more = "\n[[entry]]\nseries = \"k\"\nat = \"x\"\nnote = \"n\"\n";
        let (line, msg) = error(more);
        assert_eq!(line, line_of(more, "note ="));
        assert!(
            msg.starts_with(
                "a critical series holds readings and emendations; a `note` belongs in a commentary"
            ),
            "{msg}"
        );
    }

    #[test]
    fn a_commentary_series_holds_no_readings_or_emendations() {
        let more = "\n[[entry]]\nseries = \"n\"\nat = \"x\"\nemend = \"y\"\nreadings = [{ wit = [\"B\"], text = \"z\" }]\n";
        let es = errors(more);
        assert_eq!(
            es,
            [
                (line_of(more, "emend"), "a commentary series holds notes; `emend` belongs in a critical series (`kind = \"critical\"`)".into()),
                (line_of(more, "readings"), "a commentary series holds notes; `readings` belong in a critical series (`kind = \"critical\"`)".into()),
            ]
        );
    }

    #[test]
    fn sigla_are_not_called_undeclared_when_a_witness_did_not_read() {
        let spec = BASE.replace("description = \"b\"", "description = \"b\"\nshelfmark = 3");
        let more = "\n[[entry]]\nseries = \"k\"\nat = \"x\"\nreadings = [{ wit = [\"B\"], text = \"z\" }]\n";
        let es = errors_of(&format!("{spec}{more}"));
        assert_eq!(es.len(), 1, "{es:#?}");
        assert!(es[0].1.contains("unknown field `shelfmark`"));
    }

    #[test]
    fn edition_and_text_values_are_checked() {
        let spec = BASE
            .replace(
                "date = 2026-01-01",
                "date = 12:00:00\nlanguage = \"swedish\"",
            )
            .replace("base = \"A\"", "base = \"A\"\nsha256 = \"abc\"");
        let es = errors_of(&spec);
        let msgs: Vec<&str> = es.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "the date needs a calendar day (`date = 2026-11-27`), not only a time",
                "language `swedish` is not a two- or three-letter ISO 639 code (`sv`, `en`, `deu` …)",
                "sha256 must be 64 hexadecimal digits, not `abc` (3 characters)",
            ]
        );
    }

    #[test]
    fn a_heading_level_is_located_at_the_level() {
        let more = "\n[[heading]]\nat = \"T\"\nlevel = 9\n";
        assert_eq!(
            error(more),
            (line_of(more, "level"), "heading level 9 is not 1–6".into())
        );
    }

    #[test]
    fn a_width_beside_a_named_paper_is_a_warning() {
        let spec = parse(&format!("{BASE}\n[layout]\npaper = \"a4\"\nwidth = 170\n")).unwrap();
        assert_eq!(spec.warnings.len(), 1);
        assert_eq!(spec.warnings[0].severity, crate::diag::Severity::Warning);
        assert!(spec.warnings[0].message.starts_with("`width` is ignored"));
    }

    #[test]
    fn an_unpinned_base_text_is_a_note_with_the_hash() {
        let spec = parse(BASE).unwrap();
        let note = spec.unpinned_note("ab12").expect("a note");
        assert_eq!(note.severity, crate::diag::Severity::Note);
        assert_eq!(
            note.message,
            "the base text is not pinned: add `sha256 = \"ab12\"` to [text]"
        );
        assert_eq!(note.position().map(|p| p.1), Some(8));
        let pinned = BASE.replace(
            "base = \"A\"",
            &format!("base = \"A\"\nsha256 = \"{}\"", "0".repeat(64)),
        );
        assert!(parse(&pinned).unwrap().unpinned_note("ab12").is_none());
    }
}
