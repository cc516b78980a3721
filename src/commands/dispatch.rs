//! The one place where a command's role and room are checked before it runs.

use super::grammar::{self, Command, ParseError};
use super::{Invocation, help, ping, spec};
use crate::effects::{Effect, Provenance, txn_id};
use crate::i18n::{self, Reply};

/// How handling a message went, for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The command ran.
    Ran,
    /// Known command, but not here or not for this sender.
    Refused,
    /// Could not be parsed.
    Invalid,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ran => "ran",
            Outcome::Refused => "refused",
            Outcome::Invalid => "invalid",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatched {
    pub command: Option<&'static str>,
    pub outcome: Outcome,
    pub effects: Vec<Effect>,
}

/// Handles a message body; `None` when it is not a command.
pub fn dispatch(inv: &Invocation<'_>, body: &str) -> Option<Dispatched> {
    let parsed = grammar::parse(body, inv.prefix)?;
    let (command, outcome, reply) = match parsed {
        Err(ParseError::Quotes) => (None, Outcome::Invalid, i18n::unbalanced_quotes(inv.locale)),
        Err(ParseError::Unknown { name }) => {
            (None, Outcome::Invalid, i18n::unknown_command(inv.locale, inv.prefix, &name))
        }
        Err(ParseError::Usage { name, detail }) => {
            let s = spec(&name);
            let usage = s.map(|s| s.usage(inv.locale, inv.prefix)).unwrap_or_default();
            let detail = detail.unwrap_or_else(|| inv.locale.pick("引数", "arguments").to_string());
            (s.map(|s| s.name), Outcome::Invalid, i18n::bad_usage(inv.locale, &usage, &detail))
        }
        Ok(cmd) => {
            let (outcome, reply) = checked(inv, &cmd);
            (spec(cmd.name()).map(|s| s.name), outcome, reply)
        }
    };
    let effect = Effect::Reply {
        room_id: inv.room_id.to_string(),
        in_reply_to: inv.event_id.to_string(),
        mention: Some(inv.sender.to_string()),
        reply,
        provenance: Provenance { source_room: inv.room_id.to_string(), source_encrypted: inv.encrypted },
        txn_id: txn_id(inv.event_id, 0),
    };
    Some(Dispatched { command, outcome, effects: vec![effect] })
}

fn checked(inv: &Invocation<'_>, cmd: &Command) -> (Outcome, Reply) {
    let Some(s) = spec(cmd.name()) else {
        return (Outcome::Invalid, i18n::unknown_command(inv.locale, inv.prefix, cmd.name()));
    };
    if !s.scope.allows(inv.purpose) {
        let rooms: Vec<String> =
            inv.layout.rooms().filter(|r| s.scope.allows(r.purpose)).map(|r| r.name.clone()).collect();
        return (Outcome::Refused, i18n::wrong_room(inv.locale, inv.prefix, s.name, &rooms));
    }
    if inv.role < s.role {
        let role = i18n::role_name(inv.locale, s.role);
        return (Outcome::Refused, i18n::not_permitted(inv.locale, inv.prefix, s.name, role));
    }
    let reply = match cmd {
        Command::Help { command } => help::run(inv, command.as_deref()),
        Command::Ping => ping::run(inv),
    };
    (Outcome::Ran, reply)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::layout::{DEFAULT_LAYOUT, Layout};
    use crate::config::purpose::Purpose;
    use crate::i18n::Locale;
    use crate::roles::Role;
    use std::path::Path;

    fn layout() -> Layout {
        Layout::parse(Path::new("r"), DEFAULT_LAYOUT, "f_", &|_| true, "").unwrap()
    }

    fn run(body: &str, role: Role, locale: Locale, encrypted: bool) -> Option<Dispatched> {
        let layout = layout();
        let inv = Invocation {
            sender: "@alice:x",
            role,
            room_id: "!room:x",
            purpose: Purpose::Lounge,
            event_id: "$ev",
            encrypted,
            locale,
            prefix: "!",
            layout: &layout,
        };
        dispatch(&inv, body)
    }

    fn reply_of(d: &Dispatched) -> &Reply {
        match &d.effects[0] {
            Effect::Reply { reply, .. } => reply,
        }
    }

    #[test]
    fn ping_replies_to_the_command_as_notice_effect() {
        let d = run("!ping", Role::Member, Locale::Ja, false).unwrap();
        assert_eq!(d.outcome, Outcome::Ran);
        assert_eq!(d.command, Some("ping"));
        match &d.effects[0] {
            Effect::Reply { room_id, in_reply_to, mention, reply, txn_id: t, .. } => {
                assert_eq!(room_id, "!room:x");
                assert_eq!(in_reply_to, "$ev");
                assert_eq!(mention.as_deref(), Some("@alice:x"));
                assert!(reply.plain.contains("pong"));
                assert_eq!(t, &txn_id("$ev", 0));
            }
        }
    }

    #[test]
    fn replies_carry_the_rooms_encryption_as_provenance() {
        let d = run("!ping", Role::Member, Locale::Ja, true).unwrap();
        assert!(d.effects[0].provenance().source_encrypted);
    }

    #[test]
    fn unknown_command_is_explained_in_japanese_and_english() {
        let ja = run("!frobnicate", Role::Member, Locale::Ja, false).unwrap();
        assert_eq!(ja.outcome, Outcome::Invalid);
        assert!(reply_of(&ja).plain.contains("「!frobnicate」というコマンドはありません"), "{:?}", reply_of(&ja));
        assert!(reply_of(&ja).plain.contains("!help"));
        let en = run("!frobnicate", Role::Member, Locale::En, false).unwrap();
        assert!(reply_of(&en).plain.contains("There is no command \"!frobnicate\""));
    }

    #[test]
    fn malformed_command_gets_its_usage() {
        let d = run("!help a b", Role::Member, Locale::Ja, false).unwrap();
        assert_eq!(d.outcome, Outcome::Invalid);
        assert!(reply_of(&d).plain.contains("使い方: !help [コマンド名]"), "{:?}", reply_of(&d));
        assert!(reply_of(&d).plain.contains('b'));
    }

    #[test]
    fn help_lists_what_the_sender_may_use() {
        let d = run("!help", Role::Anyone, Locale::En, false).unwrap();
        let r = reply_of(&d);
        assert!(r.plain.contains("!ping — check that the bot is running"), "{}", r.plain);
        assert!(r.html.contains("<code>!help [command]</code>"), "{}", r.html);
        let one = run("!help ping", Role::Anyone, Locale::Ja, false).unwrap();
        assert!(reply_of(&one).plain.contains("!ping — ボットが動いているか確認します"));
    }

    #[test]
    fn plain_chat_is_ignored() {
        assert_eq!(run("こんにちは", Role::Member, Locale::Ja, false), None);
    }
}
