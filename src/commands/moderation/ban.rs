//! `!ban @user [duration] [--case n] -- reason`: ban a user from every room
//! and publish it in the policy room, optionally for a time.

use crate::commands::args::{Span, User};
use crate::commands::{At, Wanted};
use crate::commands::{CommandFile, CommandSpec, Context, MODERATORS, TextRule};
use crate::moderation::sanction::Kind;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Ban {
    pub user: User,
    pub duration: Option<Span>,
    #[arg(long)]
    pub case: Option<u64>,
}

impl CommandFile for Ban {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "ban",
        usage: ("ban @ユーザー [期間] [--case 番号] -- 理由", "ban @user [duration] [--case number] -- reason"),
        summary: (
            "スペースの全ルームからBANし、BANリストに公開します(期間指定可)",
            "ban a user from every room of the Space and publish it in the policy room, optionally for a time",
        ),
        role: Role::Moderator,
        scope: MODERATORS,
        text: TextRule::Required,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        let for_ms = self.duration.map(|d| d.0);
        super::sanction(cx, Kind::Ban, &self.user, for_ms, self.case, text)
    }

    fn wanted(&self, _at: &At<'_>) -> Wanted {
        Wanted::role_of(&self.user)
    }
}
