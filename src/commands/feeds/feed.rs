//! `!feed add|list|remove|pause|resume|test`: moderators manage the
//! vulnerability and news feeds.

use crate::commands::args::Span;
use crate::commands::{CommandFile, CommandSpec, Context, MODERATORS, TextRule};
use crate::feeds::commands::{self as service, NewFeed};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Feed {
    #[command(subcommand)]
    pub verb: Verb,
}

/// `!feed` subcommands.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum Verb {
    /// Poll a new feed.
    Add {
        url: String,
        /// `vuln-info` (the default) or `news`.
        #[arg(long)]
        room: Option<String>,
        #[arg(long)]
        every: Option<Span>,
        #[arg(long)]
        backfill: Option<usize>,
    },
    /// Every feed with its state.
    List,
    /// Stop polling a feed added with `!feed add`.
    Remove {
        id: String,
    },
    Pause {
        id: String,
    },
    Resume {
        id: String,
    },
    /// Fetch once and show what would be posted.
    Test {
        url: String,
        #[arg(long)]
        room: Option<String>,
    },
}

impl CommandFile for Feed {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "feed",
        usage: (
            "feed add <URL> [--room vuln-info|news] [--every 30m] [--backfill N] | list | remove <id> | pause <id> | resume <id> | test <URL>",
            "feed add <URL> [--room vuln-info|news] [--every 30m] [--backfill N] | list | remove <id> | pause <id> | resume <id> | test <URL>",
        ),
        summary: ("脆弱性情報・ニュースのフィードを管理します", "manage the vulnerability and news feeds"),
        role: Role::Moderator,
        scope: MODERATORS,
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        let (req, svc) = (&cx.req, &cx.services.feeds);
        match &self.verb {
            Verb::Add { url, room, every, backfill } => {
                let new = NewFeed { url, room: room.as_deref(), every_ms: every.map(|s| s.0), backfill: *backfill };
                service::add(req, svc, new)
            }
            Verb::List => service::list(req, svc),
            Verb::Remove { id } => service::remove(req, svc, id),
            Verb::Pause { id } => service::set_paused(req, svc, id, true),
            Verb::Resume { id } => service::set_paused(req, svc, id, false),
            Verb::Test { url, room } => service::test(req, url, room.as_deref()),
        }
    }
}
