//! `!unban @user [-- reason]`: lift a ban (one set by hand too).

use crate::commands::args::User;
use crate::commands::{CommandFile, CommandSpec, Context, MODERATORS, TextRule};
use crate::moderation::sanction::Kind;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Unban {
    pub user: User,
}

impl CommandFile for Unban {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "unban",
        usage: ("unban @ユーザー [-- 理由]", "unban @user [-- reason]"),
        summary: ("BANを解除します", "lift a ban"),
        role: Role::Moderator,
        scope: MODERATORS,
        text: TextRule::Optional,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        crate::moderation::lift(&cx.req, &cx.services.moderation, Kind::Ban, &self.user, text)
    }
}
