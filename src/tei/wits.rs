//! The witnesses of a TEI edition and the people its `resp` pointers name.
//!
//! A witness's siglum is its `abbr` (`type="siglum"` first), else its `n`, else its `xml:id`;
//! pointers (`wit="#A #B"`) name ids, and an id of a `listWit` stands for its witnesses. A
//! `listWit` with a siglum of its own (`<head><abbr type="siglum">`) is a group: a witness
//! whose members are the witnesses it declares (or names by `copyOf`). A `handNote` with `n`
//! and `corresp` pointing at a witness declares a hand of it. A pointer to nothing declared
//! becomes a witness of its own, reported, so no reading loses its witnesses.

use std::collections::HashMap;

use roxmltree::{Document, Node};

use super::report::Report;
use super::walk::{name, xml_id};

#[derive(Default)]
pub(super) struct Witnesses {
    /// (siglum, description), in the order declared.
    pub list: Vec<(String, String)>,
    /// id or siglum → sigla.
    refs: HashMap<String, Vec<String>>,
    /// id → the text of the element (people of `resp`).
    people: HashMap<String, String>,
    /// A group's siglum → its members.
    pub members: HashMap<String, Vec<String>>,
    /// A witness's siglum → its hands.
    pub hands: HashMap<String, Vec<String>>,
}

impl Witnesses {
    pub(super) fn read(doc: &Document) -> Witnesses {
        let mut w = Witnesses::default();
        for node in doc.descendants().filter(|n| n.is_element()) {
            match name(&node) {
                "witness" => w.witness(&node),
                "editor" | "name" | "persName" | "respStmt" | "author" | "person" | "bibl" => {
                    if let Some(id) = xml_id(&node) {
                        let text = crate::text::normalize(&text_of(&node));
                        w.people.insert(id.to_string(), text);
                    }
                }
                _ => {}
            }
        }
        let lists: Vec<Node> = doc
            .descendants()
            .filter(|n| n.is_element() && name(n) == "listWit")
            .collect();
        // Innermost groups first (a group may be a member of another), declared in the
        // order of the document.
        let plain = w.list.len();
        let mut groups: Vec<(usize, (String, String))> = vec![];
        for node in lists.iter().rev() {
            w.group(node);
            if let Some(declared) = w.list.get(plain + groups.len()) {
                groups.push((node.range().start, declared.clone()));
            }
        }
        groups.sort_by_key(|(at, _)| *at);
        w.list.truncate(plain);
        w.list.extend(groups.into_iter().map(|(_, g)| g));
        for node in lists {
            if let Some(id) = xml_id(&node).filter(|id| !w.refs.contains_key(*id)) {
                let members: Vec<String> = node
                    .descendants()
                    .filter(|d| d.is_element() && name(d) == "witness")
                    .filter_map(|d| xml_id(&d).and_then(|i| w.refs.get(i)).cloned())
                    .flatten()
                    .collect();
                w.refs.insert(id.to_string(), members);
            }
        }
        for note in doc
            .descendants()
            .filter(|n| n.is_element() && name(n) == "handNote")
        {
            let hand = note.attribute("n");
            let of = super::walk::pointers(note.attribute("corresp"));
            let siglum = of.first().and_then(|p| w.siglum(p));
            if let (Some(hand), Some(siglum)) = (hand, siglum) {
                w.hands.entry(siglum).or_default().push(hand.to_string());
            }
        }
        w
    }

    /// A `listWit` with a siglum in its `head` (and an `xml:id`): a group.
    fn group(&mut self, node: &Node) {
        let head = node
            .children()
            .find(|c| c.is_element() && name(c) == "head");
        let abbr = head.and_then(|h| h.children().find(|c| c.is_element() && name(c) == "abbr"));
        let (Some(id), Some(abbr)) = (xml_id(node), abbr) else {
            return;
        };
        let siglum = crate::text::normalize(&text_of(&abbr));
        if siglum.is_empty() || self.list.iter().any(|(s, _)| *s == siglum) {
            return;
        }
        let mut members = vec![];
        for c in node.children().filter(|c| c.is_element()) {
            let pointer = match name(&c) {
                "witness" => c
                    .attribute("copyOf")
                    .map(|p| p.trim_start_matches('#'))
                    .or_else(|| xml_id(&c)),
                "listWit" => xml_id(&c),
                _ => None,
            };
            if let Some(m) = pointer.and_then(|p| self.siglum(p)) {
                members.push(m);
            }
        }
        let description = node
            .children()
            .find(|c| c.is_element() && name(c) == "desc")
            .map(|d| crate::text::normalize(&text_of(&d)))
            .unwrap_or_default();
        self.refs.insert(id.to_string(), vec![siglum.clone()]);
        self.refs.insert(siglum.clone(), vec![siglum.clone()]);
        self.members.insert(siglum.clone(), members);
        self.list.push((siglum, description));
    }

    fn witness(&mut self, node: &Node) {
        let abbr = node
            .children()
            .filter(|c| c.is_element() && name(c) == "abbr")
            .min_by_key(|c| c.attribute("type") != Some("siglum"));
        // A witness whose whole text is short is its siglum (`<witness xml:id="w1">【宋】</witness>`).
        let short = Some(crate::text::normalize(&text_of(node)))
            .filter(|t| !t.is_empty() && t.chars().count() <= 8 && !t.contains(' '));
        let siglum = abbr
            .map(|a| crate::text::normalize(&text_of(&a)))
            .filter(|s| !s.is_empty())
            .or_else(|| node.attribute("n").map(str::to_string))
            .or(short)
            .or_else(|| xml_id(node).map(str::to_string));
        let Some(siglum) = siglum else { return };
        if self.list.iter().any(|(s, _)| *s == siglum) {
            return;
        }
        let mut description = String::new();
        for c in node.children() {
            if c.is_element() && name(&c) == "abbr" && Some(c) == abbr {
                continue;
            }
            if c.is_element() && name(&c) == "witness" {
                continue;
            }
            description.push_str(&text_of(&c));
            description.push(' ');
        }
        let description = crate::text::normalize(&description);
        let description = if description.is_empty() {
            siglum.clone()
        } else {
            description
        };
        if let Some(id) = xml_id(node) {
            self.refs.insert(id.to_string(), vec![siglum.clone()]);
        }
        self.refs.insert(siglum.clone(), vec![siglum.clone()]);
        self.list.push((siglum, description));
    }

    /// The sigla a `wit` pointer stands for; an unknown one is declared.
    pub(super) fn expand(&mut self, pointer: &str, at: usize, report: &mut Report) -> Vec<String> {
        if let Some(s) = self.refs.get(pointer) {
            return s.clone();
        }
        report.plain(
            "a witness pointer to no declared `<witness>`",
            "is declared as a witness of its own (its pointer is its siglum)",
            at,
        );
        self.declare(
            pointer,
            "Declared by the readings of the imported TEI file.",
        );
        vec![pointer.to_string()]
    }

    /// The one siglum of a pointer (a page break's witness).
    pub(super) fn siglum_of(
        &mut self,
        pointer: &str,
        at: usize,
        report: &mut Report,
    ) -> Option<String> {
        self.expand(pointer, at, report).into_iter().next()
    }

    pub(super) fn declare(&mut self, siglum: &str, description: &str) {
        if !self.list.iter().any(|(s, _)| s == siglum) {
            self.list
                .push((siglum.to_string(), description.to_string()));
            self.refs
                .insert(siglum.to_string(), vec![siglum.to_string()]);
        }
    }

    /// Whether a siglum (or id) names a witness.
    pub(super) fn siglum(&self, pointer: &str) -> Option<String> {
        self.refs.get(pointer).and_then(|s| s.first().cloned())
    }

    /// The name a `resp` (or `source`) pointer stands for: the text of the element it
    /// points at where that is a name, else the pointer itself.
    pub(super) fn person(&self, pointer: &str) -> String {
        self.people
            .get(pointer)
            .filter(|n| !n.is_empty() && n.chars().count() <= 40)
            .cloned()
            .unwrap_or_else(|| pointer.to_string())
    }
}

/// All text under a node, as written.
pub(super) fn text_of(node: &Node) -> String {
    if node.is_text() {
        return node.text().unwrap_or_default().to_string();
    }
    node.descendants()
        .filter(|d| d.is_text())
        .map(|d| d.text().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("")
}
