//! `!agree`: accept the community rules (an approved candidate is admitted).

use crate::commands::{CommandFile, CommandSpec, Context, Scope, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Agree {}

impl CommandFile for Agree {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "agree",
        usage: ("agree", "agree"),
        summary: ("コミュニティのルールに同意します", "accept the community rules"),
        role: Role::Anyone,
        scope: Scope::SpaceRoomsAndDirect,
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        crate::referral::agree(&cx.req, &cx.services.referral)
    }
}
