//! `!cases [open|all]`: the moderation cases.

use crate::commands::{CommandFile, CommandSpec, Context, MODERATORS, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Cases {
    pub filter: Option<Which>,
}

/// Which cases to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    Open,
    All,
}

impl CommandFile for Cases {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "cases",
        usage: ("cases [open|all]", "cases [open|all]"),
        summary: ("報告されたケースの一覧", "list moderation cases"),
        role: Role::Moderator,
        scope: MODERATORS,
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        crate::moderation::cases(&cx.req, &cx.services.moderation, self.filter == Some(Which::All))
    }
}
