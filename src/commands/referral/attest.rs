//! `!attest <n>`: the referrer attests the four membership conditions.

use crate::commands::{CommandFile, CommandSpec, Context, REFERRALS, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Attest {
    pub number: u64,
}

impl CommandFile for Attest {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "attest",
        usage: ("attest <番号>", "attest <number>"),
        summary: (
            "紹介者として候補者が4つの参加条件を満たすことを確認します",
            "as the referrer, attest the four membership conditions",
        ),
        role: Role::Member,
        scope: REFERRALS,
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        crate::referral::attest(&cx.req, &cx.services.referral, self.number)
    }
}
