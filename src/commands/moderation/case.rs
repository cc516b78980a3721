//! `!case <n>`: one case in full (sealed reasons only in an encrypted room).

use crate::commands::{CommandFile, CommandSpec, Context, Scope, TextRule};
use crate::config::purpose::Purpose;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Case {
    pub number: u64,
}

impl CommandFile for Case {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "case",
        usage: ("case <番号>", "case <number>"),
        summary: (
            "ケースの詳細を表示します(暗号化された部屋からの報告理由はボットとのDMでのみ表示)",
            "show a case (reasons reported from encrypted rooms are shown only in your DM with the bot)",
        ),
        role: Role::Moderator,
        scope: Scope::PurposesAndDirect(&[Purpose::Moderators]),
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        crate::moderation::case(&cx.req, &cx.services.moderation, self.number)
    }
}
