//! `!mute @user [duration] [--case n] -- reason`: silence a user in every
//! room of the Space, optionally for a time.

use crate::commands::args::{Span, User};
use crate::commands::{At, Wanted};
use crate::commands::{CommandFile, CommandSpec, Context, MODERATORS, TextRule};
use crate::moderation::sanction::Kind;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Mute {
    pub user: User,
    pub duration: Option<Span>,
    #[arg(long)]
    pub case: Option<u64>,
}

impl CommandFile for Mute {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "mute",
        usage: ("mute @ユーザー [30m|2h|7d] [--case 番号] -- 理由", "mute @user [30m|2h|7d] [--case number] -- reason"),
        summary: (
            "スペースの全ルームで発言できなくします(期間指定可)",
            "silence a user in every room of the Space, optionally for a time",
        ),
        role: Role::Moderator,
        scope: MODERATORS,
        text: TextRule::Required,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        let for_ms = self.duration.map(|d| d.0);
        super::sanction(cx, Kind::Mute, &self.user, for_ms, self.case, text)
    }

    fn wanted(&self, _at: &At<'_>) -> Wanted {
        Wanted::role_of(&self.user)
    }
}
