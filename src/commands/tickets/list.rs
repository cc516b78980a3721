//! `!tickets [open|all|mine]`: the tickets of this consultation room (or all,
//! in the moderators room).

use crate::commands::{CommandFile, CommandSpec, Context, Scope, TextRule};
use crate::config::purpose::Purpose;
use crate::roles::Role;
use crate::service::{Failure, Handled};
use crate::tickets::Filter;

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Tickets {
    pub filter: Option<Which>,
}

/// Which tickets to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    Open,
    All,
    Mine,
}

impl CommandFile for Tickets {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "tickets",
        usage: ("tickets [open|all|mine]", "tickets [open|all|mine]"),
        summary: ("チケットの一覧(期限切れの未確認には ⏰)", "list tickets (⏰ marks unacknowledged overdue ones)"),
        role: Role::Member,
        scope: Scope::Purposes(&[Purpose::VulnConsult, Purpose::IncidentConsult, Purpose::Moderators]),
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        let filter = match self.filter {
            None | Some(Which::Open) => Filter::Open,
            Some(Which::All) => Filter::All,
            Some(Which::Mine) => Filter::Mine,
        };
        crate::tickets::list(&cx.req, &cx.services.tickets, filter)
    }
}
