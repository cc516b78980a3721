//! `!unmute @user [-- reason]`: lift a mute.

use crate::commands::args::User;
use crate::commands::{CommandFile, CommandSpec, Context, MODERATORS, TextRule};
use crate::moderation::sanction::Kind;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Unmute {
    pub user: User,
}

impl CommandFile for Unmute {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "unmute",
        usage: ("unmute @ユーザー [-- 理由]", "unmute @user [-- reason]"),
        summary: ("ミュートを解除します", "lift a mute"),
        role: Role::Moderator,
        scope: MODERATORS,
        text: TextRule::Optional,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        crate::moderation::lift(&cx.req, &cx.services.moderation, Kind::Mute, &self.user, text)
    }
}
