//! A thin writer over quick-xml: every text and attribute value is escaped by quick-xml, and
//! characters XML 1.0 cannot carry are dropped, so no string of the edition can break the
//! document. Indentation is written only between structural elements, never inside mixed
//! content (`p`, `head`, `lem` …), where whitespace would be text.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

pub(crate) struct Xml {
    writer: Writer<Vec<u8>>,
    depth: usize,
}

/// Whether XML 1.0 allows the character in a document.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().all(xml_char) {
        s.into()
    } else {
        s.chars()
            .map(|c| if xml_char(c) { c } else { ' ' })
            .collect::<String>()
            .into()
    }
}

impl Xml {
    pub(crate) fn new() -> Xml {
        let mut xml = Xml {
            writer: Writer::new(Vec::new()),
            depth: 0,
        };
        xml.put(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        xml
    }

    /// The document written so far.
    pub(crate) fn finish(mut self) -> String {
        self.raw_newline(0);
        // quick-xml writes what it is given as UTF-8: the bytes are valid.
        String::from_utf8_lossy(&self.writer.into_inner()).into_owned()
    }

    fn put(&mut self, event: Event) {
        // Writing into a Vec cannot fail.
        let _ = self.writer.write_event(event);
    }

    fn start(name: &str, attrs: &[(&str, &str)]) -> BytesStart<'static> {
        let mut start = BytesStart::new(name.to_string());
        for (k, v) in attrs {
            start.push_attribute((*k, clean(v).as_ref()));
        }
        start
    }

    fn raw_newline(&mut self, depth: usize) {
        let indent = format!("\n{}", "  ".repeat(depth));
        self.put(Event::Text(BytesText::from_escaped(indent)));
    }

    /// A start tag inside mixed content.
    pub(crate) fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.put(Event::Start(Self::start(name, attrs)));
    }

    pub(crate) fn close(&mut self, name: &str) {
        self.put(Event::End(BytesEnd::new(name.to_string())));
    }

    /// An empty element inside mixed content.
    pub(crate) fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.put(Event::Empty(Self::start(name, attrs)));
    }

    /// Text (escaped).
    pub(crate) fn text(&mut self, s: &str) {
        if !s.is_empty() {
            self.put(Event::Text(BytesText::new(&clean(s))));
        }
    }

    /// `<name attrs>text</name>` inside mixed content.
    pub(crate) fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        if text.is_empty() {
            self.empty(name, attrs);
        } else {
            self.open(name, attrs);
            self.text(text);
            self.close(name);
        }
    }

    /// A structural element on its own line, holding elements on lines of their own.
    pub(crate) fn block(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.raw_newline(self.depth);
        self.open(name, attrs);
        self.depth += 1;
    }

    pub(crate) fn end_block(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.raw_newline(self.depth);
        self.close(name);
    }

    /// An element on its own line whose content is mixed (closed with [`Xml::close`]).
    pub(crate) fn line(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.raw_newline(self.depth);
        self.open(name, attrs);
    }

    /// `<name attrs>text</name>` on its own line.
    pub(crate) fn line_leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.raw_newline(self.depth);
        self.leaf(name, attrs, text);
    }

    /// An empty element on its own line.
    pub(crate) fn line_empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.raw_newline(self.depth);
        self.empty(name, attrs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped_and_cleaned() {
        let mut x = Xml::new();
        x.leaf("p", &[("n", "a\"<&")], "1 < 2 & </p>\u{1}");
        let out = x.finish();
        assert!(
            out.contains("<p n=\"a&quot;&lt;&amp;\">1 &lt; 2 &amp; &lt;/p&gt; </p>"),
            "{out}"
        );
    }
}
