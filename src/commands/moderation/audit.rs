//! `!audit [@user | case number]`: the newest audit entries.

use crate::commands::args::Audited;
use crate::commands::{CommandFile, CommandSpec, Context, MODERATORS, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Audit {
    pub filter: Option<Audited>,
}

impl CommandFile for Audit {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "audit",
        usage: ("audit [@ユーザー | ケース番号]", "audit [@user | case number]"),
        summary: ("監査ログを表示します", "read the audit log"),
        role: Role::Moderator,
        scope: MODERATORS,
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        crate::moderation::audit(&cx.req, &cx.services.moderation, self.filter.as_ref().map(|a| &a.0))
    }
}
