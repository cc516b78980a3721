//! `!redact <message link> [-- reason]`: remove a message in a Space room.

use crate::commands::args::Link;
use crate::commands::{CommandFile, CommandSpec, Context, MODERATORS, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Redact {
    pub link: Link,
}

impl CommandFile for Redact {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "redact",
        usage: ("redact <メッセージのリンク> [-- 理由]", "redact <message link> [-- reason]"),
        summary: ("メッセージを削除します", "remove a message"),
        role: Role::Moderator,
        scope: MODERATORS,
        text: TextRule::Optional,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        crate::moderation::redact(&cx.req, &cx.services.moderation, &self.link.0, text)
    }
}
