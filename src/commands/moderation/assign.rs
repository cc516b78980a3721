//! `!assign <n> [@someone]`: one word, two meanings by room. In the
//! moderators room it assigns a case to a moderator; in a consultation room
//! it assigns a ticket to a member. Either way the sender by default.

use crate::commands::args::User;
use crate::commands::{At, CONSULT, CommandFile, CommandSpec, Context, MODERATORS, TextRule, Wanted};
use crate::config::purpose::Purpose;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Assign {
    pub number: u64,
    /// Who takes it; none: the sender.
    pub who: Option<User>,
}

/// `!assign` in a consultation room: a ticket, for any member.
pub const TICKET_ASSIGN: &CommandSpec = &CommandSpec {
    name: "assign",
    usage: ("assign <番号> [@メンバー]", "assign <number> [@member]"),
    summary: ("チケットの担当者を決めます(省略時は自分)", "assign a ticket (to yourself by default)"),
    role: Role::Member,
    scope: CONSULT,
    text: TextRule::None,
};

fn for_ticket(purpose: Option<Purpose>) -> bool {
    matches!(purpose, Some(Purpose::VulnConsult | Purpose::IncidentConsult))
}

impl CommandFile for Assign {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "assign",
        usage: ("assign <番号> [@モデレーター]", "assign <number> [@moderator]"),
        summary: ("ケースの担当者を決めます(省略時は自分)", "assign a case (to yourself by default)"),
        role: Role::Moderator,
        scope: MODERATORS,
        text: TextRule::None,
    };

    fn spec_in(&self, purpose: Option<Purpose>) -> &'static CommandSpec {
        if for_ticket(purpose) { TICKET_ASSIGN } else { Self::SPEC }
    }

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        let who = self.who.as_ref().map(|u| &*u.0);
        let role = cx.lookups.user_role;
        if for_ticket(cx.req.purpose) {
            crate::tickets::assign(&cx.req, &cx.services.tickets, self.number, who, role)
        } else {
            crate::moderation::assign(&cx.req, &cx.services.moderation, self.number, who, role)
        }
    }

    fn wanted(&self, _at: &At<'_>) -> Wanted {
        self.who.as_ref().map(|u| Wanted::role_of(u)).unwrap_or_default()
    }
}
