//! `!iocs export [--tlp X] [--format F]`: the hostile sources whose TLP allows
//! it (TLP:GREEN by default), as a file.

use crate::commands::args::{Format, Label};
use crate::commands::{CommandFile, CommandSpec, Context, LOG_SHARE, TextRule};
use crate::logs::export::ExportFormat;
use crate::logs::tlp::Tlp;
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Iocs {
    #[command(subcommand)]
    pub verb: Verb,
}

/// `!iocs` subcommands.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum Verb {
    /// Indicators whose TLP allows it, as a file.
    Export {
        #[arg(long)]
        tlp: Option<Label>,
        #[arg(long)]
        format: Option<Format>,
    },
}

impl CommandFile for Iocs {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "iocs",
        usage: (
            "iocs export [--tlp green] [--format nginx|csv|json]",
            "iocs export [--tlp green] [--format nginx|csv|json]",
        ),
        summary: (
            "共有された攻撃元を、TLP が許す範囲でファイルに書き出します",
            "export shared hostile sources that their TLP allows, as a file",
        ),
        role: Role::Member,
        scope: LOG_SHARE,
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        let Verb::Export { tlp, format } = self.verb;
        let ceiling = tlp.map_or(Tlp::Green, |l| l.0);
        let format = format.map_or(ExportFormat::Nginx, |f| f.0);
        crate::logs::commands::export(&cx.req, &cx.services.logs, ceiling, format)
    }
}
