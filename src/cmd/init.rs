//! `apparat init`: a small edition that builds (see the library's `init`), and the command
//! that builds it, quoted for the shell.

use std::borrow::Cow;
use std::process::ExitCode;

use crate::args::{InitArgs, ReportArgs};
use crate::cmd::{finish, note};

/// `apparat init [--verse] DIR`.
pub fn init(report: &ReportArgs, args: &InitArgs) -> ExitCode {
    let create = if args.verse {
        apparat::init::init_verse
    } else {
        apparat::init::init
    };
    let outcome = create(&args.dir).map(|()| {
        let dir = args.dir.to_string_lossy();
        note(
            report,
            &format!(
                "created {dir}: build it with `apparat build {}`",
                shell_quote(&dir)
            ),
        );
    });
    finish(report, outcome)
}

/// `word` as one word for a POSIX shell: unchanged when it is made of characters no shell
/// treats specially, else in single quotes (a `'` inside written `'\''`).
fn shell_quote(word: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./,:=+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(format!("'{}'", word.replace('\'', r"'\''")))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn words_are_quoted_only_where_a_shell_would_split_or_expand_them() {
        assert_eq!(shell_quote("my-edition/v1.2"), "my-edition/v1.2");
        assert_eq!(shell_quote("with space"), "'with space'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
        assert_eq!(shell_quote("~x"), "'~x'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("Sammanträde"), "'Sammanträde'");
    }
}
