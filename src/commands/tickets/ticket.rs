//! `!ticket <n> <state> [-- note]` moves a ticket; `!ticket <n> note -- text`
//! adds a note and leaves the state as it is.

use crate::commands::{CONSULT, CommandFile, CommandSpec, Context, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};
use crate::tickets::record::State;

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Ticket {
    pub number: u64,
    pub action: Action,
}

/// A state to move to, or `note`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Action {
    Open,
    Investigating,
    Confirmed,
    Dismissed,
    Closed,
    /// Adds the text after ` -- `, state unchanged.
    Note,
}

impl CommandFile for Ticket {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "ticket",
        usage: (
            "ticket <番号> open|investigating|dismissed|closed [-- メモ]、ticket <番号> note -- メモ、assign <番号> [@メンバー]",
            "ticket <number> open|investigating|dismissed|closed [-- note], ticket <number> note -- text, assign <number> [@member]",
        ),
        summary: ("チケットの状態を進めるか、メモを追加します", "move a ticket to another state, or add a note to it"),
        role: Role::Member,
        scope: CONSULT,
        text: TextRule::Optional,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        let (req, svc, n) = (&cx.req, &cx.services.tickets, self.number);
        let to = match self.action {
            Action::Open => State::Open,
            Action::Investigating => State::Investigating,
            Action::Confirmed => State::Confirmed,
            Action::Dismissed => State::Dismissed,
            Action::Closed => State::Closed,
            Action::Note => return crate::tickets::note(req, svc, n, text),
        };
        crate::tickets::ticket(req, svc, n, to, text)
    }
}
