//! `!track <title>` (or as a reply): open a ticket. As a reply to a post in a
//! confirmed room, the ticket opens in that room's consultation room.

use crate::commands::{At, Wanted};
use crate::commands::{CommandFile, CommandSpec, Context, TICKET_ROOMS, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Track {}

impl CommandFile for Track {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "track",
        usage: ("track <件名>(またはメッセージへの返信で)", "track <title> (or as a reply to a message)"),
        summary: (
            "相談をチケットにします(確認済みの部屋の投稿への返信なら、対応相談の部屋にチケットを作ります)",
            "open a ticket (as a reply to a post in a confirmed room, the ticket opens in its consultation room)",
        ),
        role: Role::Member,
        scope: TICKET_ROOMS,
        text: TextRule::OptionalRest,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        crate::tickets::track(&cx.req, &cx.services.tickets, text, cx.lookups.event.as_ref())
    }

    fn wanted(&self, at: &At<'_>) -> Wanted {
        Wanted { event: at.reply_to.map(|ev| (at.room_id.to_string(), ev.to_string())), ..Wanted::default() }
    }
}
