//! The one place where a command's role and room are checked before it runs.

use super::grammar::{self, Command, ParseError, Parsed};
use super::{Failure, Handled, Invocation, help, ping, spec};
use crate::config::purpose::Purpose;
use crate::effects::Effect;
use crate::i18n::{self, Reply};
use crate::moderation::{self, case::CaseState, sanction::Kind};
use crate::referral;
use crate::roles::Role;

/// How handling a message went, for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The command ran.
    Ran,
    /// Known command, but not here or not for this sender.
    Refused,
    /// Could not be parsed.
    Invalid,
    /// State could not be read or written.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ran => "ran",
            Outcome::Refused => "refused",
            Outcome::Invalid => "invalid",
            Outcome::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dispatched {
    pub command: Option<&'static str>,
    pub outcome: Outcome,
    pub effects: Vec<Effect>,
}

/// Handles a message body; `None` when it is not a command.
pub fn dispatch(inv: &Invocation<'_>, body: &str) -> Option<Dispatched> {
    Some(dispatch_parsed(inv, grammar::parse(body, inv.prefix)?))
}

/// Handles a command that came typed, not as text (a 👍 on a referral card
/// is a vouch): the same role and room checks, the same answer.
pub fn dispatch_typed(inv: &Invocation<'_>, command: Command) -> Dispatched {
    dispatch_parsed(inv, Ok(Parsed { command, text: None }))
}

fn dispatch_parsed(inv: &Invocation<'_>, parsed: Result<Parsed, ParseError>) -> Dispatched {
    let (command, outcome, handled) = match parsed {
        Err(ParseError::Quotes) => (None, Outcome::Invalid, Handled::reply(i18n::unbalanced_quotes(inv.locale))),
        Err(ParseError::Unknown { name }) => {
            (None, Outcome::Invalid, Handled::reply(i18n::unknown_command(inv.locale, inv.prefix, &name)))
        }
        Err(ParseError::Usage { name, detail }) => {
            let s = spec(&name);
            let usage = s.map(|s| s.usage(inv.locale, inv.prefix)).unwrap_or_default();
            let detail = detail.unwrap_or_else(|| inv.locale.pick("引数", "arguments").to_string());
            (s.map(|s| s.name), Outcome::Invalid, Handled::reply(i18n::bad_usage(inv.locale, &usage, &detail)))
        }
        Err(ParseError::MissingText { name }) => {
            let s = spec(&name);
            let usage = s.map(|s| s.usage(inv.locale, inv.prefix)).unwrap_or_default();
            (
                s.map(|s| s.name),
                Outcome::Invalid,
                Handled::reply(crate::moderation::messages::missing_text(inv.locale, &usage)),
            )
        }
        Ok(p) => {
            let (outcome, handled) = checked(inv, &p);
            (spec(p.command.name()).map(|s| s.name), outcome, handled)
        }
    };
    // The answer comes last: when a moderator reads "done", it is done.
    let mut effects = handled.effects;
    if let Some(reply) = handled.reply {
        effects.push(Effect::Reply {
            room_id: inv.room_id.to_string(),
            in_reply_to: inv.event_id.to_string(),
            mention: Some(inv.sender.to_string()),
            reply,
            provenance: inv.provenance(),
            txn_id: inv.txn("reply"),
        });
    }
    Dispatched { command, outcome, effects }
}

fn checked(inv: &Invocation<'_>, p: &Parsed) -> (Outcome, Handled) {
    let cmd = &p.command;
    let ticket_assign = matches!(cmd, Command::Assign { .. })
        && matches!(inv.purpose, Some(Purpose::VulnConsult | Purpose::IncidentConsult));
    let Some(s) = (if ticket_assign { Some(&super::TICKET_ASSIGN) } else { spec(cmd.name()) }) else {
        return (Outcome::Invalid, Handled::reply(i18n::unknown_command(inv.locale, inv.prefix, cmd.name())));
    };
    // The role first: someone who may not use a command anyway need not
    // learn where it works, and their attempt is what goes on the record.
    if inv.role < s.role {
        let role = i18n::role_name(inv.locale, s.role);
        let mut handled = Handled::reply(i18n::not_permitted(inv.locale, inv.prefix, s.name, role));
        // Attempts at moderator commands are on the record.
        if s.role >= Role::Moderator {
            match moderation::refused(inv, s.name) {
                Ok(post) => handled.effects.extend(post),
                Err(e) => tracing::error!(error = %e, "cannot record a refused command"),
            }
        }
        return (Outcome::Refused, handled);
    }
    if !s.scope.allows(inv.purpose) {
        let rooms: Vec<String> =
            inv.layout.rooms().filter(|r| s.scope.allows(Some(r.purpose))).map(|r| r.name.clone()).collect();
        return (Outcome::Refused, Handled::reply(i18n::wrong_room(inv.locale, inv.prefix, s.name, &rooms)));
    }
    match run(inv, cmd, p.text.as_deref().unwrap_or_default()) {
        Ok(h) => (Outcome::Ran, h),
        Err(Failure::Refused(reply)) => (Outcome::Refused, Handled::reply(reply)),
        Err(Failure::Store(e)) => {
            tracing::error!(error = %e, command = s.name, "state error while handling a command");
            (Outcome::Failed, Handled::reply(crate::moderation::messages::internal_error(inv.locale)))
        }
    }
}

fn run(inv: &Invocation<'_>, cmd: &Command, text: &str) -> Result<Handled, Failure> {
    let reply = |r: Reply| Ok(Handled::reply(r));
    let optional = Some(text).filter(|t| !t.is_empty());
    match cmd {
        Command::Help { command } => reply(help::run(inv, command.as_deref())),
        Command::Ping => reply(ping::run(inv)),
        Command::Report { target } => moderation::report(inv, target.as_deref(), text),
        Command::Cases { filter } => moderation::cases(inv, *filter),
        Command::Case { number } => moderation::case(inv, *number),
        Command::Assign { number, moderator }
            if matches!(inv.purpose, Some(Purpose::VulnConsult | Purpose::IncidentConsult)) =>
        {
            crate::tickets::assign(inv, *number, moderator.as_deref())
        }
        Command::Assign { number, moderator } => moderation::assign(inv, *number, moderator.as_deref()),
        Command::Resolve { number } => moderation::close(inv, *number, CaseState::Resolved, text),
        Command::Dismiss { number } => moderation::close(inv, *number, CaseState::Dismissed, text),
        Command::Warn { user, case } => moderation::sanction(inv, Kind::Warn, user, None, *case, text),
        Command::Mute { user, duration, case } => {
            moderation::sanction(inv, Kind::Mute, user, duration.as_deref(), *case, text)
        }
        Command::Kick { user, case } => moderation::sanction(inv, Kind::Kick, user, None, *case, text),
        Command::Ban { user, duration, case } => {
            moderation::sanction(inv, Kind::Ban, user, duration.as_deref(), *case, text)
        }
        Command::Unmute { user } => moderation::lift(inv, Kind::Mute, user, optional),
        Command::Unban { user } => moderation::lift(inv, Kind::Ban, user, optional),
        Command::Redact { link } => moderation::redact(inv, link, optional),
        Command::Announce => moderation::announce(inv, text),
        Command::Audit { filter } => moderation::audit(inv, filter.as_deref()),
        Command::Refer { candidate, url } => referral::refer(inv, candidate, url, text),
        Command::Attest { number } => referral::attest(inv, *number),
        Command::Vouch { number } => referral::vouch(inv, *number),
        Command::Object { number } => referral::object(inv, *number, text),
        Command::Approve { number } => referral::approve_cmd(inv, *number, optional),
        Command::Reject { number } => referral::reject_cmd(inv, *number, text),
        Command::Agree => referral::agree(inv),
        Command::Whois { user } => referral::whois(inv, user),
        Command::Referrals => referral::list(inv),
        Command::Feed { action } => crate::feeds::commands::run(inv, action),
        Command::Log { action, tlp } => crate::logs::commands::log(inv, action.as_ref(), tlp.as_deref()),
        Command::Iocs { action } => crate::logs::commands::iocs(inv, action),
        Command::Track => crate::tickets::track(inv, optional),
        Command::Ticket { number, action } => match action.state() {
            Some(state) => crate::tickets::ticket(inv, *number, state, optional),
            None => crate::tickets::note(inv, *number, optional),
        },
        Command::Tickets { filter } => crate::tickets::list(inv, *filter),
        Command::Confirm { number } => crate::tickets::confirm(inv, *number),
    }
}

/// What the edge must look up before dispatching `body`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    /// The message a report points at: room (ID or alias) and event ID.
    pub event: Option<(String, String)>,
    /// The user whose role a command needs to know.
    pub user: Option<String>,
    /// The replied-to shared log, decrypted (for `!log`).
    pub shared_log: Option<(String, String)>,
}

pub fn wanted(body: &str, prefix: &str, room_id: &str, reply_to: Option<&str>) -> Wanted {
    use moderation::target::{self, Target};
    let Some(Ok(p)) = grammar::parse(body, prefix) else {
        return Wanted::default();
    };
    match &p.command {
        Command::Report { target: t } => {
            let event = match (t.as_deref().map(target::parse), reply_to) {
                (Some(Some(Target::Message(l))), _) => Some((l.room, l.event_id)),
                (None, Some(ev)) => Some((room_id.to_string(), ev.to_string())),
                _ => None,
            };
            Wanted { event, ..Wanted::default() }
        }
        Command::Track => {
            Wanted { event: reply_to.map(|ev| (room_id.to_string(), ev.to_string())), ..Wanted::default() }
        }
        Command::Log { .. } => {
            Wanted { shared_log: reply_to.map(|ev| (room_id.to_string(), ev.to_string())), ..Wanted::default() }
        }
        Command::Warn { user, .. }
        | Command::Mute { user, .. }
        | Command::Kick { user, .. }
        | Command::Ban { user, .. } => Wanted { user: target::user(user), ..Wanted::default() },
        Command::Assign { moderator: Some(m), .. } => Wanted { user: target::user(m), ..Wanted::default() },
        Command::Refer { candidate, .. } => Wanted { user: target::user(candidate), ..Wanted::default() },
        _ => Wanted::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testkit::{Kit, LOUNGE, Msg};
    use crate::i18n::Locale;

    fn run(body: &str, role: Role, locale: Locale, room: &str) -> Option<Dispatched> {
        let mut kit = Kit::new();
        kit.locale = locale;
        kit.send(&Msg::new("@alice:x", role, room, "$ev", body))
    }

    fn reply_of(d: &Dispatched) -> &Reply {
        match d.effects.last().expect("an answer") {
            Effect::Reply { reply, .. } => reply,
            other => panic!("not a reply: {other:?}"),
        }
    }

    #[test]
    fn ping_replies_to_the_command_as_notice_effect() {
        let d = run("!ping", Role::Member, Locale::Ja, LOUNGE).unwrap();
        assert_eq!(d.outcome, Outcome::Ran);
        assert_eq!(d.command, Some("ping"));
        match &d.effects[0] {
            Effect::Reply { room_id, in_reply_to, mention, reply, txn_id: t, .. } => {
                assert_eq!(room_id, LOUNGE);
                assert_eq!(in_reply_to, "$ev");
                assert_eq!(mention.as_deref(), Some("@alice:x"));
                assert!(reply.plain.contains("pong"));
                assert_eq!(t, &crate::effects::txn_id("$ev", "reply"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn replies_carry_the_rooms_encryption_as_provenance() {
        let d = run("!ping", Role::Member, Locale::Ja, crate::commands::testkit::LOG).unwrap();
        assert!(d.effects[0].provenance().is_some_and(|p| p.source_encrypted));
    }

    #[test]
    fn unknown_command_is_explained_in_japanese_and_english() {
        let ja = run("!frobnicate", Role::Member, Locale::Ja, LOUNGE).unwrap();
        assert_eq!(ja.outcome, Outcome::Invalid);
        assert!(reply_of(&ja).plain.contains("「!frobnicate」というコマンドはありません"), "{:?}", reply_of(&ja));
        assert!(reply_of(&ja).plain.contains("!help"));
        let en = run("!frobnicate", Role::Member, Locale::En, LOUNGE).unwrap();
        assert!(reply_of(&en).plain.contains("There is no command \"!frobnicate\""));
    }

    #[test]
    fn malformed_command_gets_its_usage() {
        let d = run("!help a b", Role::Member, Locale::Ja, LOUNGE).unwrap();
        assert_eq!(d.outcome, Outcome::Invalid);
        assert!(reply_of(&d).plain.contains("使い方: !help [コマンド名]"), "{:?}", reply_of(&d));
        assert!(reply_of(&d).plain.contains('b'));
        let missing = run("!ban @u:x", Role::Moderator, Locale::Ja, LOUNGE).unwrap();
        assert!(reply_of(&missing).plain.contains("「--」の後に"), "{:?}", reply_of(&missing));
    }

    #[test]
    fn help_lists_what_the_sender_may_use() {
        let d = run("!help", Role::Anyone, Locale::En, LOUNGE).unwrap();
        let r = reply_of(&d);
        assert!(r.plain.contains("!ping — check that the bot is running"), "{}", r.plain);
        assert!(r.html.contains("<code>!help [command]</code>"), "{}", r.html);
        assert!(!r.plain.contains("!ban"), "{}", r.plain);
        let one = run("!help ping", Role::Anyone, Locale::Ja, LOUNGE).unwrap();
        assert!(reply_of(&one).plain.contains("!ping — ボットが動いているか確認します"));
    }

    #[test]
    fn plain_chat_is_ignored() {
        assert_eq!(run("こんにちは", Role::Member, Locale::Ja, LOUNGE), None);
    }

    #[test]
    fn wanted_names_what_the_edge_must_fetch() {
        assert_eq!(wanted("!report -- spam", "!", "!r:x", Some("$e")).event, Some(("!r:x".into(), "$e".into())));
        assert_eq!(
            wanted("!report https://matrix.to/#/#l:x/$m -- spam", "!", "!r:x", Some("$e")).event,
            Some(("#l:x".into(), "$m".into()))
        );
        assert_eq!(wanted("!ban @u:x -- r", "!", "!r:x", None).user.as_deref(), Some("@u:x"));
        assert_eq!(wanted("!ping", "!", "!r:x", None), Wanted::default());
    }
}
