//! `!referrals`: referrals in progress and where each stands.

use crate::commands::{CommandFile, CommandSpec, Context, REFERRALS_AND_MODERATORS, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Referrals {}

impl CommandFile for Referrals {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "referrals",
        usage: ("referrals", "referrals"),
        summary: ("進行中の紹介とその状況", "referrals in progress and where they stand"),
        role: Role::Member,
        scope: REFERRALS_AND_MODERATORS,
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        crate::referral::list(&cx.req, &cx.services.referral)
    }
}
