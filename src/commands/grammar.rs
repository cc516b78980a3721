//! From a message body to a typed command: quote-aware splitting, then clap.
//!
//! clap's `multicall` mode treats the first word as the command, exactly like
//! a chat command. clap's own (English) error text is never shown to people:
//! errors are mapped to a few kinds that `dispatch` renders in their language.

use clap::Parser;
use clap::error::{ContextKind, ErrorKind};

/// Every chat command. One variant per command; each command family's module
/// handles its variant. Free text (a reason, a note, an announcement) is not
/// part of the clap grammar: it follows ` -- ` and is passed on verbatim, so
/// quotes and apostrophes in prose never break parsing.
#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(multicall = true, disable_help_flag = true, disable_help_subcommand = true, disable_version_flag = true)]
pub enum Command {
    /// List the commands the sender may use in this room, or explain one.
    Help { command: Option<String> },
    /// Check that the bot is alive.
    Ping,
    /// Report a message (reply, or permalink) or a user to the moderators.
    Report { target: Option<String> },
    /// List moderation cases.
    Cases { filter: Option<CaseFilter> },
    /// Show one case.
    Case { number: u64 },
    /// Assign a case to a moderator (the sender by default).
    Assign { number: u64, moderator: Option<String> },
    /// Close a case with a note.
    Resolve { number: u64 },
    /// Close a case as unfounded, with a note.
    Dismiss { number: u64 },
    /// Warn a user privately.
    Warn {
        user: String,
        #[arg(long)]
        case: Option<u64>,
    },
    /// Take away a user's voice in every room, optionally for a time.
    Mute {
        user: String,
        duration: Option<String>,
        #[arg(long)]
        case: Option<u64>,
    },
    /// Give a muted user their voice back.
    Unmute { user: String },
    /// Remove a user from every room.
    Kick {
        user: String,
        #[arg(long)]
        case: Option<u64>,
    },
    /// Ban a user from every room, optionally for a time.
    Ban {
        user: String,
        duration: Option<String>,
        #[arg(long)]
        case: Option<u64>,
    },
    /// Lift a ban.
    Unban { user: String },
    /// Remove a message.
    Redact { link: String },
    /// Post to the announcements room.
    Announce,
    /// Read the audit log.
    Audit { filter: Option<String> },
    /// Propose a candidate: their Matrix ID and a Fediverse account or instance URL.
    Refer { candidate: String, url: String },
    /// The referrer confirms the four membership conditions.
    Attest { number: u64 },
    /// Support a referral.
    Vouch { number: u64 },
    /// Object to a referral (to the moderators only).
    Object { number: u64 },
    /// Accept a referral (moderators).
    Approve { number: u64 },
    /// Turn a referral down (moderators).
    Reject { number: u64 },
    /// Accept the community rules.
    Agree,
    /// Who referred a member, who vouched, which rules they accepted.
    Whois { user: String },
    /// Referrals in progress.
    Referrals,
    /// Log sharing: re-label a shared log (`--tlp`), or `sanitize` it.
    Log {
        #[command(subcommand)]
        action: Option<LogAction>,
        #[arg(long)]
        tlp: Option<String>,
    },
    /// Indicators shared in the log-share room.
    Iocs {
        #[command(subcommand)]
        action: IocsAction,
    },
    /// Open a ticket (a title, or as a reply to a message).
    Track,
    /// Move a ticket to another state, or add a note to it.
    Ticket { number: u64, action: TicketAction },
    /// List tickets.
    Tickets { filter: Option<TicketFilter> },
    /// Confirm a ticket (publishes it when enough members or a moderator confirm).
    Confirm { number: u64 },
    /// Manage the vulnerability and news feeds.
    Feed {
        #[command(subcommand)]
        action: FeedAction,
    },
}

/// What `!ticket <n>` does: a state to move to, or `note`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TicketAction {
    Open,
    Investigating,
    Confirmed,
    Dismissed,
    Closed,
    /// Adds the text after ` -- ` to the ticket, state unchanged.
    Note,
}

impl TicketAction {
    /// The state to move to; `None` for a note.
    pub fn state(self) -> Option<crate::tickets::record::State> {
        use crate::tickets::record::State;
        match self {
            TicketAction::Open => Some(State::Open),
            TicketAction::Investigating => Some(State::Investigating),
            TicketAction::Confirmed => Some(State::Confirmed),
            TicketAction::Dismissed => Some(State::Dismissed),
            TicketAction::Closed => Some(State::Closed),
            TicketAction::Note => None,
        }
    }
}

/// `!log` subcommands.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum LogAction {
    /// A copy of the replied-to log without secrets and local identifiers.
    Sanitize,
}

/// `!iocs` subcommands.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum IocsAction {
    /// Indicators whose TLP allows it, as a file.
    Export {
        #[arg(long)]
        tlp: Option<String>,
        #[arg(long)]
        format: Option<String>,
    },
}

/// `!feed` subcommands.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum FeedAction {
    /// Poll a new feed.
    Add {
        url: String,
        #[arg(long)]
        room: Option<String>,
        #[arg(long)]
        every: Option<String>,
        #[arg(long)]
        backfill: Option<usize>,
    },
    /// Every feed with its state.
    List,
    /// Stop polling a feed added with `!feed add`.
    Remove {
        id: String,
    },
    Pause {
        id: String,
    },
    Resume {
        id: String,
    },
    /// Fetch once and show what would be posted.
    Test {
        url: String,
        #[arg(long)]
        room: Option<String>,
    },
}

/// Which tickets `!tickets` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TicketFilter {
    Open,
    All,
    Mine,
}

/// Which cases `!cases` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CaseFilter {
    Open,
    All,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Help { .. } => "help",
            Command::Ping => "ping",
            Command::Report { .. } => "report",
            Command::Cases { .. } => "cases",
            Command::Case { .. } => "case",
            Command::Assign { .. } => "assign",
            Command::Resolve { .. } => "resolve",
            Command::Dismiss { .. } => "dismiss",
            Command::Warn { .. } => "warn",
            Command::Mute { .. } => "mute",
            Command::Unmute { .. } => "unmute",
            Command::Kick { .. } => "kick",
            Command::Ban { .. } => "ban",
            Command::Unban { .. } => "unban",
            Command::Redact { .. } => "redact",
            Command::Announce => "announce",
            Command::Audit { .. } => "audit",
            Command::Refer { .. } => "refer",
            Command::Attest { .. } => "attest",
            Command::Vouch { .. } => "vouch",
            Command::Object { .. } => "object",
            Command::Approve { .. } => "approve",
            Command::Reject { .. } => "reject",
            Command::Agree => "agree",
            Command::Whois { .. } => "whois",
            Command::Referrals => "referrals",
            Command::Feed { .. } => "feed",
            Command::Log { .. } => "log",
            Command::Track => "track",
            Command::Ticket { .. } => "ticket",
            Command::Tickets { .. } => "tickets",
            Command::Confirm { .. } => "confirm",
            Command::Iocs { .. } => "iocs",
        }
    }
}

/// A parsed command and its free text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub command: Command,
    /// What followed ` -- ` (or, for `announce`, the command word), trimmed;
    /// `None` when absent or empty.
    pub text: Option<String>,
}

/// Whether a command needs free text, and how it is introduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextRule {
    None,
    /// Optional text after ` -- `.
    Optional,
    /// Required text after ` -- `.
    Required,
    /// Everything after the command word is the text (required).
    Rest,
    /// Everything after the command word is the text, if any.
    OptionalRest,
}

fn text_rule(name: &str) -> TextRule {
    match name {
        "report" | "resolve" | "dismiss" | "warn" | "mute" | "kick" | "ban" | "refer" | "object" | "reject" => {
            TextRule::Required
        }
        "unmute" | "unban" | "redact" | "approve" | "ticket" => TextRule::Optional,
        "track" => TextRule::OptionalRest,
        "announce" => TextRule::Rest,
        _ => TextRule::None,
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
    /// A command that needs a reason or text got none.
    MissingText { name: String },
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
    let rule = text_rule(&name);
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
            return Some(Err(match e.kind() {
                ErrorKind::InvalidSubcommand | ErrorKind::UnknownArgument if !is_known(&name) => {
                    ParseError::Unknown { name }
                }
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

fn is_known(name: &str) -> bool {
    super::SPECS.iter().any(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(body: &str) -> Option<Command> {
        parse(body, "!").map(|r| r.map(|p| p.command).unwrap_or_else(|e| panic!("{body:?}: {e:?}")))
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
    fn commands_parse() {
        assert_eq!(cmd("!ping"), Some(Command::Ping));
        assert_eq!(cmd("  !PING  "), Some(Command::Ping));
        assert_eq!(cmd("!help ping"), Some(Command::Help { command: Some("ping".into()) }));
        assert_eq!(cmd("!help \"ping\""), Some(Command::Help { command: Some("ping".into()) }));
        assert_eq!(parse(".ping", ".").map(|r| r.map(|p| p.command)), Some(Ok(Command::Ping)));
        assert_eq!(cmd("!ping\nsecond line"), Some(Command::Ping));
        assert_eq!(cmd("!cases open"), Some(Command::Cases { filter: Some(CaseFilter::Open) }));
        assert_eq!(
            cmd("!mute @u:x 2h -- spam"),
            Some(Command::Mute { user: "@u:x".into(), duration: Some("2h".into()), case: None })
        );
    }

    #[test]
    fn free_text_is_verbatim_after_the_separator() {
        assert_eq!(text("!ban @u:x -- it's \"spam\" -- really"), Some("it's \"spam\" -- really".into()));
        assert_eq!(text("!report --\n二行目\n三行目"), Some("二行目\n三行目".into()));
        assert_eq!(cmd("!report -- 理由"), Some(Command::Report { target: None }));
        assert_eq!(text("!announce 明日 メンテナンス\n詳細は後ほど"), Some("明日 メンテナンス\n詳細は後ほど".into()));
        assert_eq!(cmd("!announce it's done"), Some(Command::Announce));
        assert_eq!(text("!unban @u:x"), None);
        assert_eq!(
            cmd("!ban @u:x 7d --case 3 -- r"),
            Some(Command::Ban { user: "@u:x".into(), duration: Some("7d".into()), case: Some(3) })
        );
        // "--" inside a word is not the separator.
        assert_eq!(cmd("!report https://x/a--b -- r"), Some(Command::Report { target: Some("https://x/a--b".into()) }));
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
