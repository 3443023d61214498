//! Right-to-left editions, read back from the PDF: pointed Hebrew set in a font that shifts
//! its marks (DejaVu Sans, whose dagesh and vowel points Typst sets as text of their own a
//! little above or below the line) builds, every line where it was planned; and in the
//! apparatus, set right to left, each line reference, separator and siglum stands on its
//! entry's side — a run of Greek words keeps its own order.
mod common;

use std::path::{Path, PathBuf};

use common::edition;
use common::pdf::{Line, Word};

const DEJAVU: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

const SOURCE: &str = "בְּרֵאשִׁית בָּרָא אֱלֹהִים אֵת הַשָּׁמַיִם וְאֵת הָאָרֶץ. וְהָאָרֶץ הָיְתָה\n\
תֹהוּ וָבֹהוּ וְחֹשֶׁךְ עַל־פְּנֵי תְהוֹם וְרוּחַ אֱלֹהִים מְרַחֶפֶת עַל־פְּנֵי הַמָּיִם.\n\
וַיֹּאמֶר אֱלֹהִים יְהִי אוֹר וַיְהִי־אוֹר. וַיַּרְא אֱלֹהִים אֶת־הָאוֹר כִּי־טוֹב\n\
וַיַּבְדֵּל אֱלֹהִים בֵּין הָאוֹר וּבֵין הַחֹשֶׁךְ. וַיִּקְרָא אֱלֹהִים לָאוֹר יוֹם\n\
וְלַחֹשֶׁךְ קָרָא לָיְלָה וַיְהִי־עֶרֶב וַיְהִי־בֹקֶר יוֹם אֶחָד.\n";

fn edition(name: &str) -> PathBuf {
    let dir = edition::scratch(name).join("edition");
    std::fs::create_dir_all(dir.join("fonts")).unwrap();
    std::fs::copy(DEJAVU, dir.join("fonts/DejaVuSans.ttf")).unwrap();
    std::fs::write(dir.join("source.txt"), SOURCE).unwrap();
    std::fs::write(
        dir.join("edition.toml"),
        r#"[edition]
title = "בראשית"
editors = ["E"]
language = "he"
version = "1.0"
license = "CC0-1.0"
date = 2026-01-01

[text]
file = "source.txt"
base = "L"

[[witness]]
siglum = "L"
description = "Leningrad"

[[witness]]
siglum = "G"
description = "Septuagint"

[[witness]]
siglum = "Sam"
description = "Samaritan"

[layout]
paper = "a5"
font = "DejaVu Sans"

[[series]]
id = "critical"
title = "Critical apparatus"
kind = "critical"

[[entry]]
series = "critical"
at = "תֹהוּ וָבֹהוּ"
readings = [{ text = "ἀόρατος καὶ ἀκατασκεύαστος", wit = ["G"] }]

[[entry]]
series = "critical"
at = "וַיְהִי־אוֹר"
readings = [{ text = "ויהי כן", wit = ["Sam"] }]
"#,
    )
    .unwrap();
    dir
}

fn word<'a>(line: &'a Line, text: &str) -> &'a Word {
    line.words
        .iter()
        .find(|w| w.text == text)
        .unwrap_or_else(|| panic!("`{text}` not in `{}`", line.text()))
}

#[test]
fn pointed_hebrew_in_a_font_that_shifts_its_marks_sets_right_to_left() {
    if !Path::new(DEJAVU).exists() {
        panic!("{DEJAVU} is missing: install fonts-dejavu-core (.ci/run does)");
    }
    let dir = edition("scripts-hebrew");
    let built = edition::build(&dir, &edition::scratch("scripts-hebrew-out"));
    let body = built.pages.last().unwrap();
    // The apparatus line: `2 תהו ובהו] ἀόρατος καὶ ἀκατασκεύαστος G ‖ 3 ויהי־אור] ויהי כן Sam`,
    // read right to left.
    let line = body
        .lines
        .iter()
        .find(|l| l.words.iter().any(|w| w.text == "ἀόρατος"))
        .expect("the apparatus line with the Greek reading");
    let (a, b, c) = (
        word(line, "ἀόρατος"),
        word(line, "καὶ"),
        word(line, "ἀκατασκεύαστος"),
    );
    assert!(
        a.x0 < b.x0 && b.x0 < c.x0,
        "the Greek reading keeps its own order: {}",
        line.text()
    );
    let g = word(line, "G");
    let sep = word(line, "‖");
    let sam = word(line, "Sam");
    // Right to left: the reading, its siglum, the separator, then the next entry.
    assert!(
        g.x1 <= a.x0 + 0.5,
        "G stands after (left of) its reading: {}",
        line.text()
    );
    assert!(sep.x1 <= g.x0 + 0.5, "‖ stands after G: {}", line.text());
    assert!(
        sam.x1 <= sep.x0,
        "the next entry follows the separator: {}",
        line.text()
    );
}
