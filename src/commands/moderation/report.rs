//! `!report [@user | message link] -- reason`: a member tells the moderators
//! about a message (by reply or link) or a person; see `moderation::report`.

use crate::commands::args::Pointed;
use crate::commands::{At, Wanted};
use crate::commands::{CommandFile, CommandSpec, Context, Scope, TextRule};
use crate::moderation::target::Target;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Report {
    /// A user or a message link; none: the message this replies to.
    pub target: Option<Pointed>,
}

impl CommandFile for Report {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "report",
        usage: ("report [@ユーザー | メッセージのリンク] -- 理由", "report [@user | message link] -- reason"),
        summary: (
            "メッセージ(返信で指定)やユーザーをモデレーターに報告します。報告者は相手に知らされません",
            "report a message (reply to it) or a user to the moderators; the reported person is not told who reported",
        ),
        role: Role::Member,
        scope: Scope::SpaceRoomsAndDirect,
        text: TextRule::Required,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        let target = self.target.as_ref().map(|p| &p.0);
        let reason = text.unwrap_or_default();
        crate::moderation::report(&cx.req, &cx.services.moderation, target, reason, cx.lookups.event.as_ref())
    }

    fn wanted(&self, at: &At<'_>) -> Wanted {
        let event = match (&self.target, at.reply_to) {
            (Some(Pointed(Target::Message(l))), _) => Some((l.room.clone(), l.event_id.clone())),
            (None, Some(ev)) => Some((at.room_id.to_string(), ev.to_string())),
            _ => None,
        };
        Wanted { event, ..Wanted::default() }
    }
}
