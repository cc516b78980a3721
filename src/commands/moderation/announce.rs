//! `!announce <text>`: post to the announcements room in the moderator's name.

use crate::commands::{CommandFile, CommandSpec, Context, MODERATORS, TextRule};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Announce {}

impl CommandFile for Announce {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "announce",
        usage: ("announce <本文>", "announce <text>"),
        summary: ("お知らせルームにあなたの名前で投稿します", "post to the announcements room in your name"),
        role: Role::Moderator,
        scope: MODERATORS,
        text: TextRule::Rest,
    };

    fn run(&self, cx: &Context<'_>, text: Option<&str>) -> Result<Handled, Failure> {
        crate::moderation::announce(&cx.req, &cx.services.moderation, text.unwrap_or_default())
    }
}
