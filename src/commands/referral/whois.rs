//! `!whois @user`: who referred and vouched for a member, and which rules
//! version they accepted.

use crate::commands::args::User;
use crate::commands::{CommandFile, CommandSpec, Context, REFERRALS_AND_MODERATORS, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Whois {
    pub user: User,
}

impl CommandFile for Whois {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "whois",
        usage: ("whois @ユーザー", "whois @user"),
        summary: (
            "誰の紹介で誰が推薦したか、どの版のルールに同意したか",
            "who referred and vouched for a member, and which rules they accepted",
        ),
        role: Role::Member,
        scope: REFERRALS_AND_MODERATORS,
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        crate::referral::whois(&cx.req, &cx.services.referral, &self.user)
    }
}
