//! `!help`: the commands this sender may use in this room, or one command's usage.

use super::{Invocation, SPECS, spec};
use crate::i18n::{self, HelpLine, Reply};

pub fn run(inv: &Invocation<'_>, command: Option<&str>) -> Reply {
    if let Some(name) = command {
        let name = name.trim_start_matches(inv.prefix).to_lowercase();
        return match spec(&name) {
            Some(s) => {
                let usage = s.usage(inv.locale, inv.prefix);
                i18n::help(inv.locale, &[HelpLine { usage: &usage, summary: s.summary(inv.locale) }])
            }
            None => i18n::unknown_command(inv.locale, inv.prefix, &name),
        };
    }
    let usable: Vec<(String, &str)> = SPECS
        .iter()
        .filter(|s| inv.role >= s.role && s.scope.allows(inv.purpose))
        .map(|s| (s.usage(inv.locale, inv.prefix), s.summary(inv.locale)))
        .collect();
    let lines: Vec<HelpLine<'_>> = usable.iter().map(|(u, s)| HelpLine { usage: u, summary: s }).collect();
    i18n::help(inv.locale, &lines)
}
