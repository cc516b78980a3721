//! `!resolve <n> -- note`: closes a case as handled, with a note.

use crate::commands::{CommandFile, CommandSpec, Context, MODERATORS, TextRule};
use crate::moderation::case::CaseState;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Resolve {
    pub number: u64,
}

impl CommandFile for Resolve {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "resolve",
        usage: ("resolve <番号> -- メモ", "resolve <number> -- note"),
        summary: ("ケースを対応済みとして閉じます", "close a case as handled"),
        role: Role::Moderator,
        scope: MODERATORS,
        text: TextRule::Required,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        let note = text.unwrap_or_default();
        crate::moderation::close(&cx.req, &cx.services.moderation, self.number, CaseState::Resolved, note)
    }
}
