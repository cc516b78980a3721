//! `!object <n> -- reason`: an objection, seen by the moderators only; the
//! command itself is redacted from the referrals room.

use crate::commands::{CommandFile, CommandSpec, Context, REFERRALS, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Object {
    pub number: u64,
}

impl CommandFile for Object {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "object",
        usage: ("object <番号> -- 理由", "object <number> -- reason"),
        summary: ("紹介に異議を伝えます(モデレーターにだけ届きます)", "object to a referral (only moderators see it)"),
        role: Role::Member,
        scope: REFERRALS,
        text: TextRule::Required,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        crate::referral::object(&cx.req, &cx.services.referral, self.number, text.unwrap_or_default())
    }
}
