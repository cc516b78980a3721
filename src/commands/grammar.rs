//! From a message body to a typed command: quote-aware splitting, then clap.
//!
//! clap's `multicall` mode treats the first word as the command, exactly like
//! a chat command. clap's own (English) error text is never shown to people:
//! errors are mapped to a few kinds that `dispatch` renders in their language.

use clap::Parser;
use clap::error::{ContextKind, ErrorKind};

/// Every chat command. One variant per command; each command family's module
/// handles its variant.
#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(multicall = true, disable_help_flag = true, disable_help_subcommand = true, disable_version_flag = true)]
pub enum Command {
    /// List the commands the sender may use in this room, or explain one.
    Help { command: Option<String> },
    /// Check that the bot is alive.
    Ping,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Help { .. } => "help",
            Command::Ping => "ping",
        }
    }
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
}

/// Parses `body` if it starts with `prefix`; `None` for ordinary messages.
pub fn parse(body: &str, prefix: &str) -> Option<Result<Command, ParseError>> {
    let rest = body.trim_start().strip_prefix(prefix)?;
    // "!" alone, or "! foo", or "!!" are chat, not commands.
    if !rest.starts_with(|c: char| c.is_alphanumeric()) {
        return None;
    }
    // Only the first line is the command; further lines are content that
    // commands taking text read separately.
    let line = rest.lines().next().unwrap_or_default();
    let Some(words) = shlex::split(line) else {
        return Some(Err(ParseError::Quotes));
    };
    let name = words.first().cloned().unwrap_or_default().to_lowercase();
    let mut argv = words;
    if let Some(first) = argv.first_mut() {
        *first = name.clone();
    }
    Some(Command::try_parse_from(argv).map_err(|e| match e.kind() {
        ErrorKind::InvalidSubcommand | ErrorKind::UnknownArgument if !is_known(&name) => ParseError::Unknown { name },
        _ => ParseError::Usage { name, detail: e.get(ContextKind::InvalidArg).map(|v| v.to_string()) },
    }))
}

fn is_known(name: &str) -> bool {
    super::SPECS.iter().any(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_messages_are_not_commands() {
        for body in ["hello", "", "!", "! ping", "!!", "  text !ping"] {
            assert_eq!(parse(body, "!"), None, "{body:?}");
        }
    }

    #[test]
    fn commands_parse() {
        assert_eq!(parse("!ping", "!"), Some(Ok(Command::Ping)));
        assert_eq!(parse("  !PING  ", "!"), Some(Ok(Command::Ping)));
        assert_eq!(parse("!help ping", "!"), Some(Ok(Command::Help { command: Some("ping".into()) })));
        assert_eq!(parse("!help \"ping\"", "!"), Some(Ok(Command::Help { command: Some("ping".into()) })));
        assert_eq!(parse(".ping", "."), Some(Ok(Command::Ping)));
        assert_eq!(parse("!ping\nsecond line", "!"), Some(Ok(Command::Ping)));
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
    }

    #[test]
    fn hostile_input_never_panics() {
        for body in ["!\u{0}", "!ping \u{202e}", "!help --", "!help -h", "!help --help", "!ping --version", "!a\"b'c"] {
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
                Some(Ok(Command::Ping)) => prop_assert!(name.eq_ignore_ascii_case("ping")),
                Some(Ok(Command::Help { .. })) => prop_assert!(name.eq_ignore_ascii_case("help")),
                Some(Err(_)) => {}
                None => prop_assert!(false, "a body starting with !<alnum> is a command"),
            }
        }
    }
}
