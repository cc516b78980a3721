//! `!confirm <n>`: a moderator's confirmation publishes a ticket; members'
//! count until enough (besides the opener) have confirmed.

use crate::commands::{CONSULT, CommandFile, CommandSpec, Context, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Confirm {
    pub number: u64,
}

impl CommandFile for Confirm {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "confirm",
        usage: ("confirm <番号>", "confirm <number>"),
        summary: (
            "チケットを確認します。モデレーター、または起票者以外のメンバーの規定人数で確認済みの部屋に掲載されます",
            "confirm a ticket; a moderator, or enough members besides the opener, publish it to the confirmed room",
        ),
        role: Role::Member,
        scope: CONSULT,
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        crate::tickets::confirm(&cx.req, &cx.services.tickets, self.number)
    }
}
