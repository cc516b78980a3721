//! Chat commands: a grammar, a table of who may run what where, and one
//! module per command family.
//!
//! Every command declares the role it needs and the room purposes it is
//! allowed in. `dispatch` checks both, in one place, before any handler runs,
//! so a handler never has to remember to check permissions.

pub mod dispatch;
pub mod grammar;
mod help;
mod ping;

use crate::config::layout::Layout;
use crate::config::purpose::Purpose;
use crate::i18n::Locale;
use crate::roles::Role;

pub use dispatch::dispatch;

/// Where a command may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Any room of the community Space.
    AnySpaceRoom,
    /// Only rooms with one of these purposes.
    Purposes(&'static [Purpose]),
}

impl Scope {
    pub fn allows(self, purpose: Purpose) -> bool {
        match self {
            Scope::AnySpaceRoom => true,
            Scope::Purposes(list) => list.contains(&purpose),
        }
    }
}

/// A command's declaration.
pub struct CommandSpec {
    pub name: &'static str,
    /// Usage without the prefix, per locale.
    pub usage: (&'static str, &'static str),
    pub summary: (&'static str, &'static str),
    pub role: Role,
    pub scope: Scope,
}

impl CommandSpec {
    pub fn usage(&self, locale: Locale, prefix: &str) -> String {
        format!("{prefix}{}", locale.pick(self.usage.0, self.usage.1))
    }

    pub fn summary(&self, locale: Locale) -> &'static str {
        locale.pick(self.summary.0, self.summary.1)
    }
}

/// Every command, in the order `!help` lists them.
pub static SPECS: &[CommandSpec] = &[
    CommandSpec {
        name: "help",
        usage: ("help [コマンド名]", "help [command]"),
        summary: ("この部屋で使えるコマンドを表示します", "show the commands you can use in this room"),
        role: Role::Anyone,
        scope: Scope::AnySpaceRoom,
    },
    CommandSpec {
        name: "ping",
        usage: ("ping", "ping"),
        summary: ("ボットが動いているか確認します", "check that the bot is running"),
        role: Role::Anyone,
        scope: Scope::AnySpaceRoom,
    },
];

pub fn spec(name: &str) -> Option<&'static CommandSpec> {
    SPECS.iter().find(|s| s.name == name)
}

/// Everything a handler may know about the command it runs.
pub struct Invocation<'a> {
    pub sender: &'a str,
    pub role: Role,
    pub room_id: &'a str,
    pub purpose: Purpose,
    pub event_id: &'a str,
    pub encrypted: bool,
    pub locale: Locale,
    pub prefix: &'a str,
    pub layout: &'a Layout,
}
