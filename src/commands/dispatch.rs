//! The one place where a command's role and room are checked before it runs.

use super::grammar::{self, ParseError, Parsed};
use super::{At, Command, CommandSpec, Context, Services, messages, spec};
use crate::effects::Effect;
use crate::moderation;
use crate::roles::Role;
use crate::service::{Failure, Handled, Request};
use matrix_sdk::ruma::UserId;

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
pub fn dispatch(cx: &Context<'_>, body: &str) -> Option<Dispatched> {
    Some(dispatch_parsed(cx, grammar::parse(body, cx.req.prefix)?))
}

/// Handles a command that came typed, not as text (a 👍 on a referral card
/// is a vouch): the same role and room checks, the same answer.
pub fn dispatch_typed(cx: &Context<'_>, command: Command) -> Dispatched {
    dispatch_parsed(cx, Ok(Parsed { command, text: None }))
}

fn dispatch_parsed(cx: &Context<'_>, parsed: Result<Parsed, ParseError>) -> Dispatched {
    let req = &cx.req;
    let (locale, prefix) = (req.locale, req.prefix);
    let usage = |name: &str| spec(name).map(|s| s.usage(locale, prefix)).unwrap_or_default();
    let (command, outcome, handled) = match parsed {
        Err(ParseError::Quotes) => (None, Outcome::Invalid, Handled::reply(messages::unbalanced_quotes(locale))),
        Err(ParseError::Unknown { name }) => {
            (None, Outcome::Invalid, Handled::reply(messages::unknown_command(locale, prefix, &name)))
        }
        Err(ParseError::Usage { name, detail }) => {
            let detail = detail.unwrap_or_else(|| locale.pick("引数", "arguments").to_string());
            let reply = messages::bad_usage(locale, &usage(&name), &detail);
            (spec(&name).map(|s| s.name), Outcome::Invalid, Handled::reply(reply))
        }
        Err(ParseError::BadArg { name, error }) => {
            let mut reply = error.reply(locale);
            let hint = messages::usage_line(locale, &usage(&name));
            reply.plain = format!("{}\n{}", reply.plain, hint.plain);
            reply.html = format!("{}{}", reply.html, hint.html);
            (spec(&name).map(|s| s.name), Outcome::Invalid, Handled::reply(reply))
        }
        Err(ParseError::MissingText { name }) => {
            let reply = messages::missing_text(locale, &usage(&name));
            (spec(&name).map(|s| s.name), Outcome::Invalid, Handled::reply(reply))
        }
        Ok(p) => {
            let (outcome, handled) = checked(cx, &p);
            (Some(p.command.name()), outcome, handled)
        }
    };
    let effects = answered(req, handled);
    Dispatched { command, outcome, effects }
}

/// A handler's effects, then its reply to the sender. The answer comes last:
/// when a moderator reads "done", it is done.
pub fn answered(req: &Request<'_>, handled: Handled) -> Vec<Effect> {
    let mut effects = handled.effects;
    if let Some(reply) = handled.reply {
        effects.push(Effect::Reply {
            room_id: req.room_id.to_string(),
            in_reply_to: req.event_id.to_string(),
            mention: Some(req.sender.to_string()),
            reply,
            provenance: req.provenance(),
            txn_id: req.txn("reply"),
        });
    }
    effects
}

fn checked(cx: &Context<'_>, p: &Parsed) -> (Outcome, Handled) {
    let s = p.command.spec_in(cx.req.purpose);
    if let Err(refused) = admit(&cx.req, cx.services, s) {
        return (Outcome::Refused, refused);
    }
    match p.command.run(cx, p.text.as_deref()) {
        Ok(h) => (Outcome::Ran, h),
        Err(Failure::Refused(reply)) => (Outcome::Refused, Handled::reply(reply)),
        Err(Failure::Store(e)) => {
            tracing::error!(error = %e, command = s.name, "state error while handling a command");
            (Outcome::Failed, Handled::reply(messages::internal_error(cx.req.locale)))
        }
    }
}

/// The role and room check every command passes before it runs, also for
/// what reaches a command without being typed as one (a log pasted in the
/// log-share room is a `!log`). The refusal is the answer to send.
pub fn admit(req: &Request<'_>, services: &Services<'_>, s: &CommandSpec) -> Result<(), Handled> {
    // The role first: someone who may not use a command anyway need not
    // learn where it works, and their attempt is what goes on the record.
    if req.role < s.role {
        let role = messages::role_name(req.locale, s.role);
        let mut handled = Handled::reply(messages::not_permitted(req.locale, req.prefix, s.name, role));
        // Attempts at moderator commands are on the record.
        if s.role >= Role::Moderator {
            match moderation::refused(req, &services.moderation, s.name) {
                Ok(post) => handled.effects.extend(post),
                Err(e) => tracing::error!(error = %e, "cannot record a refused command"),
            }
        }
        return Err(handled);
    }
    if !s.scope.allows(req.purpose) {
        let rooms: Vec<String> =
            services.layout.rooms().filter(|r| s.scope.allows(Some(r.purpose))).map(|r| r.name.clone()).collect();
        return Err(Handled::reply(messages::wrong_room(req.locale, req.prefix, s.name, &rooms)));
    }
    Ok(())
}

/// What the edge must look up before dispatching `body`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    /// The message a command points at: room (ID or alias) and event ID.
    pub event: Option<(String, String)>,
    /// The user whose role a command needs to know.
    pub user: Option<String>,
    /// The replied-to shared log, decrypted (for `!log`).
    pub shared_log: Option<(String, String)>,
}

impl Wanted {
    /// The role of `user` (from the Space's room state).
    pub fn role_of(user: &UserId) -> Wanted {
        Wanted { user: Some(user.to_string()), ..Wanted::default() }
    }
}

pub fn wanted(body: &str, prefix: &str, room_id: &str, reply_to: Option<&str>) -> Wanted {
    match grammar::parse(body, prefix) {
        Some(Ok(p)) => p.command.wanted(&At { room_id, reply_to }),
        _ => Wanted::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testkit::{Kit, LOUNGE, Msg};
    use crate::i18n::{Locale, Reply};

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

    #[test]
    fn a_pasted_log_is_admitted_as_a_log_command() {
        let kit = Kit::new();
        let services = kit.services();
        let share = |role, room| {
            let m = Msg::new("@eve:x", role, room, "$log", "```\nlog\n```");
            admit(&kit.request(&m), &services, crate::commands::logs::share_spec())
        };
        assert!(share(Role::Member, crate::commands::testkit::LOG).is_ok());
        let outsider = share(Role::Anyone, crate::commands::testkit::LOG).expect_err("not a member");
        assert!(outsider.reply.is_some_and(|r| r.plain.contains("!log を使うにはメンバーの権限")));
        let elsewhere = share(Role::Member, LOUNGE).expect_err("not the log-share room");
        assert!(elsewhere.reply.is_some_and(|r| r.plain.contains("この部屋では使えません")));
    }
}
