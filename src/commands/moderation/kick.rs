//! `!kick @user [--case n] -- reason`: remove a user from every room of the Space.

use crate::commands::args::User;
use crate::commands::{At, Wanted};
use crate::commands::{CommandFile, CommandSpec, Context, MODERATORS, TextRule};
use crate::moderation::sanction::Kind;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Kick {
    pub user: User,
    #[arg(long)]
    pub case: Option<u64>,
}

impl CommandFile for Kick {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "kick",
        usage: ("kick @ユーザー [--case 番号] -- 理由", "kick @user [--case number] -- reason"),
        summary: ("スペースの全ルームから退出させます", "remove a user from every room of the Space"),
        role: Role::Moderator,
        scope: MODERATORS,
        text: TextRule::Required,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        let for_ms = None;
        super::sanction(cx, Kind::Kick, &self.user, for_ms, self.case, text)
    }

    fn wanted(&self, _at: &At<'_>) -> Wanted {
        Wanted::role_of(&self.user)
    }
}
