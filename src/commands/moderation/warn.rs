//! `!warn @user [--case n] -- reason`: a private warning, on the record.

use crate::commands::args::User;
use crate::commands::{At, Wanted};
use crate::commands::{CommandFile, CommandSpec, Context, MODERATORS, TextRule};
use crate::moderation::sanction::Kind;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Warn {
    pub user: User,
    #[arg(long)]
    pub case: Option<u64>,
}

impl CommandFile for Warn {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "warn",
        usage: ("warn @ユーザー [--case 番号] -- 理由", "warn @user [--case number] -- reason"),
        summary: ("ユーザーに個別に警告を送ります", "warn a user privately"),
        role: Role::Moderator,
        scope: MODERATORS,
        text: TextRule::Required,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        let for_ms = None;
        super::sanction(cx, Kind::Warn, &self.user, for_ms, self.case, text)
    }

    fn wanted(&self, _at: &At<'_>) -> Wanted {
        Wanted::role_of(&self.user)
    }
}
