//! `!reject <n> -- reason`: a moderator turns a referral down.

use crate::commands::{CommandFile, CommandSpec, Context, REFERRALS_AND_MODERATORS, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Reject {
    pub number: u64,
}

impl CommandFile for Reject {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "reject",
        usage: ("reject <番号> -- 理由", "reject <number> -- reason"),
        summary: ("紹介を見送ります", "turn a referral down"),
        role: Role::Moderator,
        scope: REFERRALS_AND_MODERATORS,
        text: TextRule::Required,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        crate::referral::reject_cmd(&cx.req, &cx.services.referral, self.number, text.unwrap_or_default())
    }
}
