//! From a message body to a typed command: quote-aware splitting, then clap.
//!
//! The command word picks the spec, and the spec's [`TextRule`] says where
//! the free text starts; the arguments before it go to clap (`multicall`:
//! the first word is the command). clap's own (English) error text is never
//! shown to people: errors are mapped to a few kinds that `dispatch` renders
//! in their language, and a typed argument that does not parse keeps its
//! own [`ArgError`].

use super::args::ArgError;
use super::{Command, TextRule, spec};
use clap::Parser;
use clap::error::{ContextKind, ErrorKind};

/// A parsed command and its free text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub command: Command,
    /// What followed ` -- ` (or, for `announce`, the command word), trimmed;
    /// `None` when absent or empty.
    pub text: Option<String>,
}

/// Why a message that looked like a command could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Unclosed quotes.
    Quotes,
    /// No command of that name.
    Unknown { name: String },
    /// A known command with arguments that do not fit; `detail` is the
    /// offending argument where clap names one.
    Usage { name: String, detail: Option<String> },
    /// A command that needs a reason or text got none.
    MissingText { name: String },
    /// A typed argument (a user ID, a duration, a label…) did not parse.
    BadArg { name: String, error: ArgError },
}

/// Parses `body` if it starts with `prefix`; `None` for ordinary messages.
pub fn parse(body: &str, prefix: &str) -> Option<Result<Parsed, ParseError>> {
    let rest = body.trim_start().strip_prefix(prefix)?;
    // "!" alone, or "! foo", or "!!" are chat, not commands.
    if !rest.starts_with(|c: char| c.is_alphanumeric()) {
        return None;
    }
    let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let name = rest[..word_end].to_lowercase();
    let rule = spec(&name).map_or(TextRule::None, |s| s.text);
    let (args, text) = match rule {
        TextRule::Rest | TextRule::OptionalRest => (&rest[..word_end], Some(&rest[word_end..])),
        TextRule::None => (rest.lines().next().unwrap_or_default(), None),
        TextRule::Optional | TextRule::Required => split_text(rest),
    };
    let text = text.map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    let Some(words) = shlex::split(args) else {
        return Some(Err(ParseError::Quotes));
    };
    let mut argv = words;
    if let Some(first) = argv.first_mut() {
        *first = name.clone();
    }
    let command = match Command::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            let typed = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<ArgError>()).cloned();
            return Some(Err(match (e.kind(), typed) {
                (ErrorKind::InvalidSubcommand | ErrorKind::UnknownArgument, _) if spec(&name).is_none() => {
                    ParseError::Unknown { name }
                }
                (ErrorKind::ValueValidation, Some(error)) => ParseError::BadArg { name, error },
                _ => ParseError::Usage { name, detail: e.get(ContextKind::InvalidArg).map(|v| v.to_string()) },
            }));
        }
    };
    if text.is_none() && matches!(rule, TextRule::Required | TextRule::Rest) {
        return Some(Err(ParseError::MissingText { name }));
    }
    Some(Ok(Parsed { command, text }))
}

/// Splits `rest` at the first ` -- ` (a `--` word): arguments from the first
/// line before it, verbatim text (any number of lines) after it.
fn split_text(rest: &str) -> (&str, Option<&str>) {
    let first_line_end = rest.find('\n').unwrap_or(rest.len());
    let mut from = 0;
    while let Some(i) = rest[from..].find("--").map(|i| i + from) {
        let before_ok = i == 0 || rest[..i].ends_with(char::is_whitespace);
        let after = &rest[i + 2..];
        let after_ok = after.is_empty() || after.starts_with(char::is_whitespace);
        if before_ok && after_ok {
            return (&rest[..i.min(first_line_end)], Some(after));
        }
        from = i + 2;
    }
    (&rest[..first_line_end], None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::moderation::Moderation;

    fn name(body: &str) -> Option<&'static str> {
        parse(body, "!").map(|r| r.map(|p| p.command.name()).unwrap_or_else(|e| panic!("{body:?}: {e:?}")))
    }

    fn cmd(body: &str) -> Command {
        parse(body, "!").and_then(|r| r.ok()).map(|p| p.command).unwrap_or_else(|| panic!("{body:?} parses"))
    }

    fn text(body: &str) -> Option<String> {
        parse(body, "!").and_then(|r| r.ok()).and_then(|p| p.text)
    }

    #[test]
    fn ordinary_messages_are_not_commands() {
        for body in ["hello", "", "!", "! ping", "!!", "  text !ping"] {
            assert_eq!(parse(body, "!"), None, "{body:?}");
        }
    }

    #[test]
    fn commands_parse_into_typed_arguments() {
        assert_eq!(name("!ping"), Some("ping"));
        assert_eq!(name("  !PING  "), Some("ping"));
        assert_eq!(name("!help \"ping\""), Some("help"));
        assert_eq!(parse(".ping", ".").map(|r| r.map(|p| p.command.name())), Some(Ok("ping")));
        assert_eq!(name("!ping\nsecond line"), Some("ping"));
        assert_eq!(name("!cases open"), Some("cases"));
        let Command::Moderation(Moderation::Mute(m)) = cmd("!mute @u:x 2h -- spam") else { panic!("a mute") };
        assert_eq!((m.user.as_str(), m.duration.map(|d| d.0), m.case), ("@u:x", Some(7_200_000), None));
        let Command::Moderation(Moderation::Ban(b)) = cmd("!ban @u:x 7d --case 3 -- r") else { panic!("a ban") };
        assert_eq!((b.duration.map(|d| d.0), b.case), (Some(7 * 86_400_000), Some(3)));
    }

    #[test]
    fn free_text_is_verbatim_after_the_separator() {
        assert_eq!(text("!ban @u:x -- it's \"spam\" -- really"), Some("it's \"spam\" -- really".into()));
        assert_eq!(text("!report --\n二行目\n三行目"), Some("二行目\n三行目".into()));
        assert_eq!(name("!report -- 理由"), Some("report"));
        assert_eq!(text("!announce 明日 メンテナンス\n詳細は後ほど"), Some("明日 メンテナンス\n詳細は後ほど".into()));
        assert_eq!(name("!announce it's done"), Some("announce"));
        assert_eq!(text("!unban @u:x"), None);
        // "--" inside a word is not the separator.
        let link = "!report https://matrix.to/#/!r:x/$a--b -- r";
        assert_eq!(text(link), Some("r".into()));
    }

    #[test]
    fn errors_are_classified() {
        assert_eq!(parse("!pong", "!"), Some(Err(ParseError::Unknown { name: "pong".into() })));
        assert_eq!(parse("!help \"ping", "!"), Some(Err(ParseError::Quotes)));
        assert_eq!(
            parse("!ping extra", "!"),
            Some(Err(ParseError::Usage { name: "ping".into(), detail: Some("extra".into()) }))
        );
        assert!(matches!(parse("!help a b", "!"), Some(Err(ParseError::Usage { .. }))));
        assert_eq!(parse("!ban @u:x", "!"), Some(Err(ParseError::MissingText { name: "ban".into() })));
        assert_eq!(parse("!ban @u:x --  ", "!"), Some(Err(ParseError::MissingText { name: "ban".into() })));
        assert_eq!(parse("!announce", "!"), Some(Err(ParseError::MissingText { name: "announce".into() })));
        assert!(matches!(parse("!case seven", "!"), Some(Err(ParseError::Usage { .. }))));
    }

    #[test]
    fn a_typed_argument_that_does_not_parse_says_which() {
        assert_eq!(
            parse("!ban alice -- spam", "!"),
            Some(Err(ParseError::BadArg { name: "ban".into(), error: ArgError::User("alice".into()) }))
        );
        assert_eq!(
            parse("!mute @u:x soon -- r", "!"),
            Some(Err(ParseError::BadArg { name: "mute".into(), error: ArgError::Duration("soon".into()) }))
        );
        assert_eq!(
            parse("!iocs export --tlp purple", "!"),
            Some(Err(ParseError::BadArg { name: "iocs".into(), error: ArgError::Tlp("purple".into()) }))
        );
    }

    #[test]
    fn hostile_input_never_panics() {
        for body in [
            "!\u{0}",
            "!ping \u{202e}",
            "!help --",
            "!help -h",
            "!help --help",
            "!ping --version",
            "!a\"b'c",
            "!ban --",
            "!report ----",
        ] {
            let _ = parse(body, "!");
        }
        let long = format!("!help {}", "x".repeat(100_000));
        assert!(parse(&long, "!").is_some());
    }
}

/// Property tests standing in for a fuzzer (cargo-fuzz needs a nightly toolchain):
/// any message body, however hostile, parses or is refused without a panic.
#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn any_body_is_handled(body in "\\PC{0,200}") {
            let _ = parse(&body, "!");
        }

        #[test]
        fn any_command_like_body_is_handled(name in "[a-zA-Z0-9]{1,12}", rest in "[ -~\"'\\\\]{0,80}") {
            let body = format!("!{name} {rest}");
            match parse(&body, "!") {
                Some(Ok(p)) => prop_assert!(name.eq_ignore_ascii_case(p.command.name())),
                Some(Err(_)) => {}
                None => prop_assert!(false, "a body starting with !<alnum> is a command"),
            }
        }
    }
}
