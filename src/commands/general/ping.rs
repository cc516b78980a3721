//! `!ping`: the smallest round trip through the whole bot.

use crate::commands::{CommandFile, CommandSpec, Context, Scope, TextRule, messages};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Ping {}

impl CommandFile for Ping {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "ping",
        usage: ("ping", "ping"),
        summary: ("ボットが動いているか確認します", "check that the bot is running"),
        role: Role::Anyone,
        scope: Scope::SpaceRoomsAndDirect,
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        Ok(Handled::reply(messages::pong(cx.req.locale)))
    }
}
