//! `!approve <n> [-- reason]`: a moderator accepts a referral (settling objections).

use crate::commands::{CommandFile, CommandSpec, Context, REFERRALS_AND_MODERATORS, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Approve {
    pub number: u64,
}

impl CommandFile for Approve {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "approve",
        usage: ("approve <番号> [-- 理由]", "approve <number> [-- reason]"),
        summary: ("紹介を承認します(異議があっても判断として確定)", "accept a referral (settles objections)"),
        role: Role::Moderator,
        scope: REFERRALS_AND_MODERATORS,
        text: TextRule::Optional,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        crate::referral::approve_cmd(&cx.req, &cx.services.referral, self.number, text)
    }
}
