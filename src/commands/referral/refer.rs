//! `!refer @candidate:server <URL> -- why`: propose a candidate; opens the
//! referral card and asks for the evidence lookup.

use crate::commands::args::{User, WebUrl};
use crate::commands::{At, Wanted};
use crate::commands::{CommandFile, CommandSpec, Context, REFERRALS, TextRule};
use crate::referral::Proposal;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Refer {
    pub candidate: User,
    /// Their Fediverse account or instance.
    pub url: WebUrl,
}

impl CommandFile for Refer {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "refer",
        usage: (
            "refer @候補者:サーバー <アカウントかサーバーのURL> -- 紹介理由",
            "refer @candidate:server <account or instance URL> -- why",
        ),
        summary: ("参加候補者を紹介します(紹介カードが作られます)", "propose a candidate (opens a referral card)"),
        role: Role::Member,
        scope: REFERRALS,
        text: TextRule::Required,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        let p = Proposal {
            candidate: &self.candidate,
            url: &self.url.0,
            reason: text.unwrap_or_default(),
            their_role: cx.lookups.user_role,
        };
        crate::referral::refer(&cx.req, &cx.services.referral, p)
    }

    fn wanted(&self, _at: &At<'_>) -> Wanted {
        Wanted::role_of(&self.candidate)
    }
}
