//! Prose files named by the spec (editorial principles, introduction): a small Markdown
//! subset turned into Typst markup.
//!
//! Supported: `#`/`##`/`###` headings, paragraphs separated by blank lines, `*italic*` and
//! `**bold**`. Everything else is text: every run of text enters the markup as a string
//! literal, so a prose file cannot run Typst code.

use crate::markup::lit;

/// Typst markup for a Markdown-subset document.
pub fn markdown(src: &str) -> String {
    let mut out = String::new();
    let mut para: Vec<&str> = vec![];
    let flush = |para: &mut Vec<&str>, out: &mut String| {
        if !para.is_empty() {
            out.push_str(&inline(&para.join(" ")));
            out.push_str("#parbreak()\n");
            para.clear();
        }
    };
    for line in src.lines() {
        let t = line.trim();
        if t.is_empty() {
            flush(&mut para, &mut out);
        } else if let Some((level, rest)) = heading(t) {
            flush(&mut para, &mut out);
            out.push_str(&format!(
                "#heading(level: {}, outlined: false)[{}]\n",
                level,
                inline(rest)
            ));
        } else {
            para.push(t);
        }
    }
    flush(&mut para, &mut out);
    out
}

fn heading(t: &str) -> Option<(usize, &str)> {
    let level = t.chars().take_while(|&c| c == '#').count();
    (1..=3)
        .contains(&level)
        .then(|| t[level..].strip_prefix(' '))
        .flatten()
        .map(|r| (level, r.trim()))
}

/// Inline emphasis: `**bold**`, `*italic*`; unmatched markers print literally.
fn inline(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("**")
            && let Some(end) = r.find("**")
        {
            out.push_str(&format!("#strong[{}]", lit(&r[..end])));
            rest = &r[end + 2..];
            continue;
        }
        if let Some(r) = rest.strip_prefix('*')
            && let Some(end) = r.find('*')
            && end > 0
        {
            out.push_str(&format!("#emph[{}]", lit(&r[..end])));
            rest = &r[end + 1..];
            continue;
        }
        let next = rest[1..].find('*').map_or(rest.len(), |i| i + 1);
        out.push_str(&lit(&rest[..next]));
        rest = &rest[next..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_paragraphs_emphasis() {
        let m = markdown("# Title\n\nSome *it* and **bold** #x $y$.\nMore.\n\n## Sub\n");
        assert!(m.contains("#heading(level: 1, outlined: false)[#\"Title\"]"));
        assert!(m.contains("#emph[#\"it\"]"));
        assert!(m.contains("#strong[#\"bold\"]"));
        assert!(m.contains("#\" #x $y$. More.\""));
        assert!(m.contains("#heading(level: 2"));
    }
}
