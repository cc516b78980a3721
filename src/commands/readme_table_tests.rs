//! The README's command table is the members' reference: it must name every
//! command the bot has, and each with the role its spec requires.

use super::moderation::TICKET_ASSIGN;
use super::{spec, specs};
use crate::roles::Role;

const README: &str = include_str!("../../README.md");

/// The rows of the "Chat commands" table: (commands named, who).
fn rows() -> Vec<(Vec<String>, String)> {
    let section = README.split("\n## Chat commands\n").nth(1).expect("the README has a Chat commands section");
    let section = section.split("\n## ").next().unwrap_or_default();
    section
        .lines()
        .filter(|l| l.starts_with("| `!"))
        .map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            let names = cells[0]
                .split("`!")
                .skip(1)
                .map(|rest| rest.chars().take_while(|c| c.is_ascii_lowercase()).collect::<String>())
                .collect();
            (names, cells.get(1).copied().unwrap_or_default().to_string())
        })
        .collect()
}

fn role_of(who: &str) -> Role {
    if who.starts_with("anyone") || who.starts_with("an accepted candidate") {
        Role::Anyone
    } else if who.starts_with("members") {
        Role::Member
    } else if who.starts_with("moderators") {
        Role::Moderator
    } else if who.starts_with("admins") {
        Role::Admin
    } else {
        panic!("the README names an unknown role: {who}")
    }
}

#[test]
fn every_row_names_real_commands_with_their_roles() {
    let rows = rows();
    assert!(rows.len() > 10, "the table was found");
    for (names, who) in &rows {
        let role = role_of(who);
        for name in names {
            let s = spec(name).unwrap_or_else(|| panic!("the README names !{name}, which does not exist"));
            // `!assign` is a moderator's in the moderators room, a member's for tickets.
            let ok = s.role == role || (name == "assign" && TICKET_ASSIGN.role == role);
            assert!(ok, "!{name}: the README says {who}, the spec says {:?}", s.role);
        }
    }
}

#[test]
fn every_command_is_in_the_table() {
    let named: Vec<String> = rows().into_iter().flat_map(|(n, _)| n).collect();
    for s in specs() {
        assert!(named.iter().any(|n| n == s.name), "!{} is missing from the README's command table", s.name);
    }
}
