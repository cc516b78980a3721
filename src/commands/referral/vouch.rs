//! `!vouch <n>`: support a referral (a 👍 on its card is the same command).

use crate::commands::{CommandFile, CommandSpec, Context, REFERRALS, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Vouch {
    pub number: u64,
}

impl CommandFile for Vouch {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "vouch",
        usage: ("vouch <番号>", "vouch <number>"),
        summary: ("紹介を推薦します(カードに 👍 でも可)", "vouch for a referral (or 👍 on its card)"),
        role: Role::Member,
        scope: REFERRALS,
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        crate::referral::vouch(&cx.req, &cx.services.referral, self.number)
    }
}
