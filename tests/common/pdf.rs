//! Test support: read a PDF back with poppler's `pdftotext` (Debian package
//! `poppler-utils`).
//!
//! [`read_pdf`] runs `pdftotext -bbox-layout` and parses the XHTML it writes
//! into pages of [`Word`]s with bounding boxes (points, origin top-left, as
//! pdftotext reports them). Visual [`Line`]s are built here from the words
//! (vertical centres within [`LINE_TOLERANCE`] pt, sorted by x), *not* taken
//! from pdftotext's own `<line>`/`<block>` grouping, which merges columns
//! unpredictably. A visual line therefore spans all columns; use
//! [`lines_in`] to get the lines of one column.
#![allow(dead_code)]

use std::borrow::Borrow;
use std::io::ErrorKind;
use std::path::Path;
use std::process::Command;

/// Two words belong to the same visual line when their vertical centres are
/// at most this many points apart.
pub const LINE_TOLERANCE: f64 = 2.0;

/// One word as reported by `pdftotext -bbox-layout`.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Word {
    /// Horizontal centre.
    pub fn cx(&self) -> f64 {
        (self.x0 + self.x1) / 2.0
    }
    /// Vertical centre.
    pub fn cy(&self) -> f64 {
        (self.y0 + self.y1) / 2.0
    }
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }
}

/// A visual line: words whose vertical centres lie within the tolerance,
/// sorted left to right. The box is the union of the words' boxes.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub words: Vec<Word>,
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Line {
    /// Build a line from words (sorts them by x0 and computes the box).
    pub fn from_words(mut words: Vec<Word>) -> Line {
        assert!(!words.is_empty(), "a Line needs at least one word");
        words.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        let x0 = words.iter().map(|w| w.x0).fold(f64::INFINITY, f64::min);
        let y0 = words.iter().map(|w| w.y0).fold(f64::INFINITY, f64::min);
        let x1 = words.iter().map(|w| w.x1).fold(f64::NEG_INFINITY, f64::max);
        let y1 = words.iter().map(|w| w.y1).fold(f64::NEG_INFINITY, f64::max);
        Line {
            words,
            x0,
            y0,
            x1,
            y1,
        }
    }
    /// The words joined by single spaces.
    pub fn text(&self) -> String {
        self.texts().join(" ")
    }
    /// The words' texts, left to right.
    pub fn texts(&self) -> Vec<&str> {
        self.words.iter().map(|w| w.text.as_str()).collect()
    }
    /// Vertical centre of the line box.
    pub fn cy(&self) -> f64 {
        (self.y0 + self.y1) / 2.0
    }
}

/// One page of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// 1-based page number.
    pub number: usize,
    pub width: f64,
    pub height: f64,
    /// Words in the order pdftotext emitted them.
    pub words: Vec<Word>,
    /// Visual lines, top to bottom.
    pub lines: Vec<Line>,
}

impl Page {
    /// All lines' texts joined with '\n' (top to bottom, left to right).
    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(Line::text)
            .collect::<Vec<_>>()
            .join("\n")
    }
    /// First word (in pdftotext order) whose text equals `text`.
    pub fn find(&self, text: &str) -> Option<&Word> {
        self.words.iter().find(|w| w.text == text)
    }
    /// All words whose text equals `text`.
    pub fn find_all(&self, text: &str) -> Vec<&Word> {
        self.words.iter().filter(|w| w.text == text).collect()
    }
    /// All words whose text contains `needle`.
    pub fn find_containing(&self, needle: &str) -> Vec<&Word> {
        self.words
            .iter()
            .filter(|w| w.text.contains(needle))
            .collect()
    }
    /// First visual line (top to bottom) that has a word equal to `text`.
    pub fn line_with(&self, text: &str) -> Option<&Line> {
        self.lines
            .iter()
            .find(|l| l.words.iter().any(|w| w.text == text))
    }
}

/// Run `pdftotext -bbox-layout` on `path` and parse the result.
///
/// Panics with a clear message if pdftotext is not installed or fails.
pub fn read_pdf(path: &Path) -> Vec<Page> {
    let xml = run_pdftotext(&["-bbox-layout", "-enc", "UTF-8"], path);
    parse_bbox_xhtml(&xml)
}

/// Plain text of the whole document: `pdftotext -enc UTF-8 <file> -`.
/// Pages are separated by form feeds ('\x0c'), as pdftotext writes them.
pub fn plain_text(path: &Path) -> String {
    run_pdftotext(&["-enc", "UTF-8"], path)
}

fn run_pdftotext(args: &[&str], path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(args)
        .arg(path)
        .arg("-")
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) if e.kind() == ErrorKind::NotFound => panic!(
            "`pdftotext` not found on PATH; install poppler-utils \
             (e.g. `apt-get install -y poppler-utils`) to run the PDF read-back tests"
        ),
        Err(e) => panic!("failed to run `pdftotext` on {}: {e}", path.display()),
    };
    if !out.status.success() {
        panic!(
            "`pdftotext {} {} -` failed ({}): {}",
            args.join(" "),
            path.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Parse the XHTML written by `pdftotext -bbox-layout`: `<page width= height=>`
/// and `<word xMin= yMin= xMax= yMax=>text</word>`; everything else (flow,
/// block, line, head, ...) is ignored. Lines are rebuilt with [`group_lines`].
pub fn parse_bbox_xhtml(xml: &str) -> Vec<Page> {
    let mut pages: Vec<Page> = Vec::new();
    let mut rest = xml;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        // Comments / doctype / processing instructions.
        if let Some(r) = rest.strip_prefix("!--") {
            rest = match r.find("-->") {
                Some(i) => &r[i + 3..],
                None => "",
            };
            continue;
        }
        let gt = rest.find('>').unwrap_or_else(|| {
            panic!(
                "pdftotext output: unterminated tag near {:?}",
                snippet(rest)
            )
        });
        let tag = &rest[..gt];
        rest = &rest[gt + 1..];
        if tag.starts_with('!') || tag.starts_with('?') || tag.starts_with('/') {
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
        let (name, attr_src) = tag.split_at(name_end);
        match name {
            "page" => {
                let attrs = parse_attrs(attr_src);
                pages.push(Page {
                    number: pages.len() + 1,
                    width: num_attr(&attrs, "width", tag),
                    height: num_attr(&attrs, "height", tag),
                    words: Vec::new(),
                    lines: Vec::new(),
                });
            }
            "word" => {
                let attrs = parse_attrs(attr_src);
                let text = if self_closing {
                    String::new()
                } else {
                    let end = rest.find("</word>").unwrap_or_else(|| {
                        panic!(
                            "pdftotext output: <word> without </word> near {:?}",
                            snippet(rest)
                        )
                    });
                    let raw = &rest[..end];
                    rest = &rest[end + "</word>".len()..];
                    decode_entities(raw)
                };
                let word = Word {
                    text,
                    x0: num_attr(&attrs, "xMin", tag),
                    y0: num_attr(&attrs, "yMin", tag),
                    x1: num_attr(&attrs, "xMax", tag),
                    y1: num_attr(&attrs, "yMax", tag),
                };
                pages
                    .last_mut()
                    .expect("pdftotext output: <word> outside of <page>")
                    .words
                    .push(word);
            }
            _ => {}
        }
    }
    for page in &mut pages {
        page.lines = group_lines(&page.words);
    }
    pages
}

fn snippet(s: &str) -> &str {
    match s.char_indices().nth(80) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// `key="value"` / `key='value'` pairs (values entity-decoded).
fn parse_attrs(src: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut s = src.trim_start();
    while !s.is_empty() {
        let Some(eq) = s.find('=') else { break };
        let key = s[..eq].trim().to_string();
        let after = s[eq + 1..].trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            // Unquoted value (not valid XML, but be lenient).
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            out.push((key, decode_entities(&after[..end])));
            s = after[end..].trim_start();
            continue;
        };
        let body = &after[1..];
        let end = body.find(quote).unwrap_or(body.len());
        out.push((key, decode_entities(&body[..end])));
        s = body.get(end + 1..).unwrap_or("").trim_start();
    }
    out
}

fn num_attr(attrs: &[(String, String)], key: &str, tag: &str) -> f64 {
    let v = attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("pdftotext output: attribute {key} missing in <{tag}>"));
    v.trim().parse().unwrap_or_else(|_| {
        panic!("pdftotext output: attribute {key}={v:?} is not a number in <{tag}>")
    })
}

/// Decode the XML entities `&amp; &lt; &gt; &quot; &apos;` and numeric
/// entities `&#NNN;` / `&#xHHH;`. Unknown or malformed entities are kept
/// verbatim.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&semi| semi <= 12).and_then(|semi| {
            let ent = &rest[1..semi];
            let ch = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let code = if let Some(hex) =
                        ent.strip_prefix("#x").or_else(|| ent.strip_prefix("#X"))
                    {
                        u32::from_str_radix(hex, 16).ok()
                    } else if let Some(dec) = ent.strip_prefix('#') {
                        dec.parse::<u32>().ok()
                    } else {
                        None
                    };
                    code.and_then(char::from_u32)
                }
            };
            ch.map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Group words into visual lines with the default [`LINE_TOLERANCE`].
pub fn group_lines(words: &[Word]) -> Vec<Line> {
    group_lines_with(words, LINE_TOLERANCE)
}

/// Group words into visual lines: words are taken in order of vertical
/// centre, and a word joins the current line if its centre is at most `tol`
/// points below the line's topmost centre (so no line spans more than `tol`).
/// Each line's words are sorted by x; lines are returned top to bottom.
pub fn group_lines_with(words: &[Word], tol: f64) -> Vec<Line> {
    let mut sorted: Vec<&Word> = words.iter().collect();
    sorted.sort_by(|a, b| a.cy().total_cmp(&b.cy()).then(a.x0.total_cmp(&b.x0)));
    let mut groups: Vec<(f64, Vec<Word>)> = Vec::new();
    for w in sorted {
        match groups.last_mut() {
            Some((top, ws)) if w.cy() - *top <= tol => ws.push(w.clone()),
            _ => groups.push((w.cy(), vec![w.clone()])),
        }
    }
    groups
        .into_iter()
        .map(|(_, ws)| Line::from_words(ws))
        .collect()
}

/// Words whose horizontal centre lies in `[x0, x1]`, in pdftotext order.
pub fn words_in(page: &Page, x0: f64, x1: f64) -> Vec<&Word> {
    page.words
        .iter()
        .filter(|w| (x0..=x1).contains(&w.cx()))
        .collect()
}

/// Words whose centre lies in the rectangle `[x0, x1] × [y0, y1]`
/// (top-left origin), in pdftotext order.
pub fn words_in_rect(page: &Page, x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<&Word> {
    page.words
        .iter()
        .filter(|w| (x0..=x1).contains(&w.cx()) && (y0..=y1).contains(&w.cy()))
        .collect()
}

/// Visual lines of one column: the page's words whose horizontal centre
/// lies in `[x0, x1]`, grouped into lines (top to bottom).
pub fn lines_in(page: &Page, x0: f64, x1: f64) -> Vec<Line> {
    let ws: Vec<Word> = words_in(page, x0, x1).into_iter().cloned().collect();
    group_lines(&ws)
}

/// Visual lines whose centre lies within `[y0, y1]` (e.g. a footnote area).
pub fn lines_between(page: &Page, y0: f64, y1: f64) -> Vec<&Line> {
    page.lines
        .iter()
        .filter(|l| (y0..=y1).contains(&l.cy()))
        .collect()
}

/// Characters treated as a line-end hyphen by [`dehyphenate`]:
/// hyphen-minus, soft hyphen (U+00AD) and hyphen (U+2010).
pub const HYPHENS: [char; 3] = ['-', '\u{00AD}', '\u{2010}'];

/// The words of `lines` in reading order (line by line, left to right),
/// with hyphenation at line ends undone: see [`dehyphenate`].
/// Accepts `&[&Line]` as well as `&[Line]`.
pub fn reading_words<L: Borrow<Line>>(lines: &[L]) -> Vec<String> {
    let per_line: Vec<Vec<String>> = lines
        .iter()
        .map(|l| l.borrow().words.iter().map(|w| w.text.clone()).collect())
        .collect();
    dehyphenate(&per_line)
}

/// Concatenate per-line word lists into one word list. When the last word of
/// a line ends in one of [`HYPHENS`] (and has something before the hyphen),
/// the hyphen is removed and the word is joined with the first word of the
/// next non-empty line. Chains (`"ex-" / "tra-" / "ordinary"`) are joined
/// through. A hyphen on the very last line is kept.
pub fn dehyphenate<S: AsRef<str>>(lines: &[Vec<S>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // Prefix carried over from a hyphenated line end.
    let mut carry: Option<String> = None;
    for line in lines.iter().filter(|l| !l.is_empty()) {
        let n = line.len();
        for (i, w) in line.iter().enumerate() {
            let mut w = w.as_ref().to_string();
            if let Some(prefix) = carry.take() {
                w = prefix + &w;
            }
            if i + 1 == n
                && let Some(stem) = strip_hyphen(&w)
            {
                carry = Some(stem.to_string());
                continue;
            }
            out.push(w);
        }
    }
    if let Some(prefix) = carry {
        // Hyphen at the very end: nothing to join with; restore it.
        let last = lines.iter().rev().find(|l| !l.is_empty()).unwrap();
        let orig = last.last().unwrap().as_ref();
        let hyphen = orig.chars().last().unwrap();
        out.push(prefix + &hyphen.to_string());
    }
    out
}

/// The stem of a word that ends with a line-end hyphen, if it does.
pub fn strip_hyphen(w: &str) -> Option<&str> {
    let last = w.chars().last()?;
    if !HYPHENS.contains(&last) {
        return None;
    }
    let stem = &w[..w.len() - last.len_utf8()];
    // A lone dash, or a word ending in two hyphens, is not hyphenation.
    match stem.chars().last() {
        Some(c) if !HYPHENS.contains(&c) => Some(stem),
        _ => None,
    }
}

// ---- Link annotations ----------------------------------------------------------------------

/// A link annotation to a place in the document, read from the PDF's own objects (Typst
/// writes them uncompressed: `N 0 obj <</Type/Annot/Subtype/Link/Rect[…]/Dest M 0 R …>>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The page it stands on (1-based).
    pub page: usize,
    /// Its rectangle, points from the page's top-left: (x0, y0, x1, y1).
    pub rect: (f64, f64, f64, f64),
    /// The page it goes to (1-based) and the height it shows there (points from the top).
    pub to_page: usize,
    pub to_y: f64,
}

/// The body of PDF object `n` (`n 0 obj … endobj`).
fn object<'a>(pdf: &'a str, n: &str) -> Option<&'a str> {
    let head = format!("\n{n} 0 obj\n");
    let i = pdf.find(&head)? + head.len();
    Some(&pdf[i..i + pdf[i..].find("endobj")?])
}

/// The numbers of the objects an array of references `[a 0 R b 0 R …]` names, from the `[`.
fn references(array: &str) -> Vec<&str> {
    let body = &array[1..array.find(']').unwrap_or(array.len())];
    body.split(" 0 R")
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect()
}

/// The numbers after `key` in `dict` (`/MediaBox[0 0 w h]`, `/Rect[…]`).
fn numbers(dict: &str, key: &str) -> Vec<f64> {
    let Some(i) = dict.find(key) else {
        return vec![];
    };
    let rest = &dict[i + key.len()..];
    rest[..rest.find(']').unwrap_or(rest.len())]
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect()
}

/// Every link annotation of the PDF that goes to a place in it (`/Dest`), page by page.
pub fn links(pdf: &[u8]) -> Vec<Link> {
    let text = String::from_utf8_lossy(pdf);
    let tree = text.find("/Type/Pages").expect("a page tree");
    let kids_at = tree + text[tree..].find("/Kids").unwrap() + "/Kids".len();
    let kids = references(&text[kids_at..]);
    let mut out = vec![];
    for (k, kid) in kids.iter().enumerate() {
        let page = object(&text, kid).expect("a page object");
        let height = numbers(page, "/MediaBox[")[3];
        let Some(at) = page.find("/Annots") else {
            continue;
        };
        for annot in references(&page[at + "/Annots".len()..]) {
            let a = object(&text, annot).unwrap_or("");
            let Some(d) = a.find("/Dest ") else { continue };
            if !a.contains("/Subtype/Link") {
                continue;
            }
            let dest_obj = a[d + "/Dest ".len()..].split(' ').next().unwrap();
            // `[P 0 R/XYZ x y z]`
            let dest = object(&text, dest_obj).expect("a destination").trim();
            let Some((to, rest)) = dest.trim_start_matches('[').split_once(" 0 R/XYZ ") else {
                continue;
            };
            let to_height = numbers(object(&text, to).unwrap(), "/MediaBox[")[3];
            let y: f64 = rest.split_whitespace().nth(1).unwrap().parse().unwrap();
            let r = numbers(a, "/Rect[");
            out.push(Link {
                page: k + 1,
                rect: (r[0], height - r[3], r[2], height - r[1]),
                to_page: kids.iter().position(|kid| *kid == to).unwrap() + 1,
                to_y: to_height - y,
            });
        }
    }
    out
}
