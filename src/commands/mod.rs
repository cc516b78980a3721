//! Chat commands: one file per command, grouped in families.
//!
//! A command's file holds everything about it: its typed clap arguments
//! (user IDs, durations, TLP labels, numbers — parsed once, with errors in
//! the member's language), its [`CommandSpec`] (who may run it, where, how
//! its free text is introduced, its usage in Japanese and English), what
//! the edge must look up before it runs, and its handler, which calls the
//! family's domain service. A family (`moderation/mod.rs`, …) lists its
//! commands in one `family!` line each and only delegates.
//!
//! `dispatch` checks role and room, in one place, before any handler runs,
//! so a handler never has to remember to check permissions. The layers point
//! one way: commands call the domain services (`moderation`, `referral`,
//! `tickets`, `logs`, `feeds`); those never import this module.

pub mod args;
pub mod dispatch;
mod family;
pub mod feeds;
pub mod general;
pub mod grammar;
pub mod logs;
pub mod messages;
pub mod moderation;
pub mod referral;
pub mod tickets;

#[cfg(test)]
mod readme_table_tests;
#[cfg(test)]
mod replay_tests;
#[cfg(test)]
pub(crate) mod testkit;

use crate::config::layout::Layout;
use crate::config::purpose::Purpose;
use crate::i18n::Locale;
use crate::roles::Role;
use crate::service::{Failure, Handled, Referenced, Request};

pub use dispatch::{Wanted, dispatch, dispatch_typed, wanted};

/// Every chat command, by family. clap's `multicall` mode treats the first
/// word as the command, exactly like a chat command; each family flattens
/// its commands into this one grammar.
#[derive(Debug, Clone, PartialEq, Eq, clap::Parser)]
#[command(multicall = true, disable_help_flag = true, disable_help_subcommand = true, disable_version_flag = true)]
pub enum Command {
    #[command(flatten)]
    General(general::General),
    #[command(flatten)]
    Moderation(moderation::Moderation),
    #[command(flatten)]
    Referral(referral::Referral),
    #[command(flatten)]
    Tickets(tickets::Tickets),
    #[command(flatten)]
    Logs(logs::Logs),
    #[command(flatten)]
    Feeds(feeds::Feeds),
}

impl Command {
    /// The spec that applies to this command in a room of `purpose`.
    pub fn spec_in(&self, purpose: Option<Purpose>) -> &'static CommandSpec {
        match self {
            Command::General(c) => c.spec_in(purpose),
            Command::Moderation(c) => c.spec_in(purpose),
            Command::Referral(c) => c.spec_in(purpose),
            Command::Tickets(c) => c.spec_in(purpose),
            Command::Logs(c) => c.spec_in(purpose),
            Command::Feeds(c) => c.spec_in(purpose),
        }
    }

    pub fn name(&self) -> &'static str {
        self.spec_in(None).name
    }

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        match self {
            Command::General(c) => c.run(cx, text),
            Command::Moderation(c) => c.run(cx, text),
            Command::Referral(c) => c.run(cx, text),
            Command::Tickets(c) => c.run(cx, text),
            Command::Logs(c) => c.run(cx, text),
            Command::Feeds(c) => c.run(cx, text),
        }
    }

    fn wanted(&self, at: &At<'_>) -> Wanted {
        match self {
            Command::General(c) => c.wanted(at),
            Command::Moderation(c) => c.wanted(at),
            Command::Referral(c) => c.wanted(at),
            Command::Tickets(c) => c.wanted(at),
            Command::Logs(c) => c.wanted(at),
            Command::Feeds(c) => c.wanted(at),
        }
    }
}

/// Every command's spec, in the order `!help` lists them.
pub fn specs() -> impl Iterator<Item = &'static CommandSpec> {
    [
        general::General::SPECS,
        moderation::Moderation::SPECS,
        referral::Referral::SPECS,
        tickets::Tickets::SPECS,
        logs::Logs::SPECS,
        feeds::Feeds::SPECS,
    ]
    .into_iter()
    .flatten()
    .copied()
}

pub fn spec(name: &str) -> Option<&'static CommandSpec> {
    specs().find(|s| s.name == name)
}

/// One command's file: its arguments are the struct, the rest is here.
pub trait CommandFile {
    const SPEC: &'static CommandSpec;

    /// Carries the command out; `text` is what followed ` -- ` (or the rest
    /// of the message), present whenever the spec's [`TextRule`] requires it.
    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure>;

    /// What the edge must look up before the command runs.
    fn wanted(&self, _at: &At<'_>) -> Wanted {
        Wanted::default()
    }

    /// The spec in a room of `purpose`; one name means one spec except for
    /// `!assign` (a case in the moderators room, a ticket in a consultation room).
    fn spec_in(&self, _purpose: Option<Purpose>) -> &'static CommandSpec {
        Self::SPEC
    }
}

/// Where a command was typed, for [`CommandFile::wanted`].
pub struct At<'a> {
    pub room_id: &'a str,
    pub reply_to: Option<&'a str>,
}

/// Where a command may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Any room of the community Space.
    AnySpaceRoom,
    /// Any room of the Space, and a direct chat with the bot.
    SpaceRoomsAndDirect,
    /// Only rooms with one of these purposes.
    Purposes(&'static [Purpose]),
    /// Rooms with one of these purposes, and a direct chat with the bot.
    PurposesAndDirect(&'static [Purpose]),
}

impl Scope {
    /// Whether the command may run in a room of `purpose` (`None`: a direct chat).
    pub fn allows(self, purpose: Option<Purpose>) -> bool {
        match (self, purpose) {
            (Scope::AnySpaceRoom, p) => p.is_some(),
            (Scope::SpaceRoomsAndDirect, _) => true,
            (Scope::Purposes(list) | Scope::PurposesAndDirect(list), Some(p)) => list.contains(&p),
            (Scope::Purposes(_), None) => false,
            (Scope::PurposesAndDirect(_), None) => true,
        }
    }
}

/// The moderators room.
pub const MODERATORS: Scope = Scope::Purposes(&[Purpose::Moderators]);
/// The referrals room.
pub const REFERRALS: Scope = Scope::Purposes(&[Purpose::Referrals]);
/// The referrals room and the moderators room.
pub const REFERRALS_AND_MODERATORS: Scope = Scope::Purposes(&[Purpose::Referrals, Purpose::Moderators]);
/// The log-share room.
pub const LOG_SHARE: Scope = Scope::Purposes(&[Purpose::LogShare]);
/// The two consultation rooms, where tickets live.
pub const CONSULT: Scope = Scope::Purposes(&[Purpose::VulnConsult, Purpose::IncidentConsult]);

/// Where tickets are opened: the consultation rooms and the confirmed rooms.
pub const TICKET_ROOMS: Scope =
    Scope::Purposes(&[Purpose::VulnConsult, Purpose::IncidentConsult, Purpose::VulnInfo, Purpose::Alerts]);

/// Whether a command takes free text, and how it is introduced. Free text
/// (a reason, a note, an announcement) is not part of the clap grammar: it
/// is passed on verbatim, so quotes and apostrophes in prose never break
/// parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextRule {
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

/// A command's declaration.
#[derive(Debug)]
pub struct CommandSpec {
    pub name: &'static str,
    /// Usage without the prefix, per locale.
    pub usage: (&'static str, &'static str),
    pub summary: (&'static str, &'static str),
    pub role: Role,
    pub scope: Scope,
    pub text: TextRule,
}

impl CommandSpec {
    pub fn usage(&self, locale: Locale, prefix: &str) -> String {
        format!("{prefix}{}", locale.pick(self.usage.0, self.usage.1))
    }

    pub fn summary(&self, locale: Locale) -> &'static str {
        locale.pick(self.summary.0, self.summary.1)
    }
}

/// What the edge looked up for a command before it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookups {
    /// The message a `!report` or `!track` points at (by reply or permalink).
    pub event: Option<Referenced>,
    /// The role of the user a command names (from the Space's room state).
    pub user_role: Option<Role>,
    /// The log in the message a `!log` command replies to, decrypted and
    /// unpacked by the edge (or why it could not be read).
    pub shared_log: Option<Result<Vec<u8>, String>>,
}

/// The domain services, each with its own settings, as the edge holds them.
#[derive(Clone, Copy)]
pub struct Services<'a> {
    /// The room layout, to name the rooms where a command works.
    pub layout: &'a Layout,
    pub moderation: crate::moderation::Service<'a>,
    pub referral: crate::referral::Service<'a>,
    pub tickets: crate::tickets::Service<'a>,
    pub logs: crate::logs::Service<'a>,
    pub feeds: crate::feeds::commands::Service<'a>,
}

/// What a command's handler gets: the request, the services and what the
/// edge looked up for it.
pub struct Context<'a> {
    pub req: Request<'a>,
    pub services: &'a Services<'a>,
    pub lookups: &'a Lookups,
}
