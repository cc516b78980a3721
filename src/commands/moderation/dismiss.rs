//! `!dismiss <n> -- note`: closes a case as unfounded, with a note.

use crate::commands::{CommandFile, CommandSpec, Context, MODERATORS, TextRule};
use crate::moderation::case::CaseState;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Dismiss {
    pub number: u64,
}

impl CommandFile for Dismiss {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "dismiss",
        usage: ("dismiss <番号> -- メモ", "dismiss <number> -- note"),
        summary: ("ケースを対応不要として閉じます", "close a case as unfounded"),
        role: Role::Moderator,
        scope: MODERATORS,
        text: TextRule::Required,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        let note = text.unwrap_or_default();
        crate::moderation::close(&cx.req, &cx.services.moderation, self.number, CaseState::Dismissed, note)
    }
}
