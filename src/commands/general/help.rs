//! `!help [command]`: the commands this sender may use in this room, or one
//! command's usage.

use crate::commands::messages::{self, HelpLine};
use crate::commands::{CommandFile, CommandSpec, Context, Scope, TextRule, spec, specs};
use crate::roles::Role;
use crate::service::{Failure, Handled};

#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Help {
    /// The command to explain (with or without the prefix).
    pub command: Option<String>,
}

impl CommandFile for Help {
    const SPEC: &'static CommandSpec = &CommandSpec {
        name: "help",
        usage: ("help [コマンド名]", "help [command]"),
        summary: ("この部屋で使えるコマンドを表示します", "show the commands you can use in this room"),
        role: Role::Anyone,
        scope: Scope::SpaceRoomsAndDirect,
        text: TextRule::None,
    };

    fn run(&self, cx: &Context<'_>, _text: Option<&str>) -> Result<Handled, Failure> {
        let req = &cx.req;
        if let Some(name) = &self.command {
            let name = name.trim_start_matches(req.prefix).to_lowercase();
            return Ok(Handled::reply(match spec(&name) {
                Some(s) => {
                    let usage = s.usage(req.locale, req.prefix);
                    messages::help(req.locale, &[HelpLine { usage: &usage, summary: s.summary(req.locale) }])
                }
                None => messages::unknown_command(req.locale, req.prefix, &name),
            }));
        }
        let usable: Vec<(String, &str)> = specs()
            .filter(|s| req.role >= s.role && s.scope.allows(req.purpose))
            .map(|s| (s.usage(req.locale, req.prefix), s.summary(req.locale)))
            .collect();
        let lines: Vec<HelpLine<'_>> = usable.iter().map(|(u, s)| HelpLine { usage: u, summary: s }).collect();
        Ok(Handled::reply(messages::help(req.locale, &lines)))
    }
}
