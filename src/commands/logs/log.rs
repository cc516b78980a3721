//! `!log [--tlp X]` and `!log sanitize`, as a reply to a shared log: relabel
//! it (analysed again under the new label), or get a copy without secrets
//! and local identifiers. The edge decrypts the replied-to log first.

use crate::commands::args::Label;
use crate::commands::{At, Wanted};
use crate::commands::{CommandFile, CommandSpec, Context, LOG_SHARE, TextRule};
use crate::logs::commands::LogAction;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Log {
    #[command(subcommand)]
    pub verb: Option<Verb>,
    #[arg(long)]
    pub tlp: Option<Label>,
}

/// `!log` subcommands.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum Verb {
    /// A copy of the replied-to log without secrets and local identifiers.
    Sanitize,
}

impl CommandFile for Log {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "log",
        usage: (
            "log [--tlp clear|green|amber|amber+strict|red] | log sanitize",
            "log [--tlp clear|green|amber|amber+strict|red] | log sanitize",
        ),
        summary: (
            "ログを共有します(1行目に置き、続けてログかコードブロック)。共有済みのログへの返信で再ラベル、sanitize で秘密とローカル識別子を除いた版を作ります",
            "share a log (first line, then the log or a code block); as a reply to a shared log: relabel it, or `sanitize` it",
        ),
        role: Role::Member,
        scope: LOG_SHARE,
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        let action = match self.verb {
            Some(Verb::Sanitize) => LogAction::Sanitize,
            None => LogAction::Share(self.tlp.map(|l| l.0)),
        };
        crate::logs::commands::log(&cx.req, &cx.services.logs, action, cx.lookups.shared_log.as_ref())
    }

    fn wanted(&self, at: &At<'_>) -> Wanted {
        Wanted { shared_log: at.reply_to.map(|ev| (at.room_id.to_string(), ev.to_string())), ..Wanted::default() }
    }
}
