//! Replays for every command family: handled again before its commit (a
//! crash in between), a command stages the same changes and effects;
//! handled again after it, it does nothing.

use super::Lookups;
use super::dispatch::Outcome;
use super::testkit::{Kit, LOUNGE, MODS, Msg, REFS, VCONSULT};
use crate::roles::Role;
use crate::service::Referenced;

fn ran(kit: &Kit, m: &Msg<'_>) {
    let d = kit.assert_replay_safe(m);
    assert_eq!(d.outcome, Outcome::Ran, "{}: {:?}", m.body, d.effects.last());
}

fn as_candidate<'a>(mut m: Msg<'a>) -> Msg<'a> {
    m.lookups = Lookups { event: None, user_role: Some(Role::Anyone), shared_log: None };
    m
}

#[test]
fn meta_commands() {
    let kit = Kit::new();
    ran(&kit, &Msg::new("@a:x", Role::Member, LOUNGE, "$p", "!ping"));
    ran(&kit, &Msg::new("@a:x", Role::Member, LOUNGE, "$h", "!help"));
}

#[test]
fn moderation_commands() {
    let kit = Kit::new();
    let mut report = Msg::new("@a:x", Role::Member, LOUNGE, "$r", "!report -- スパムです");
    report.reply_to = Some("$spam");
    report.lookups = Lookups {
        event: Some(Referenced {
            room_id: LOUNGE.into(),
            event_id: "$spam".into(),
            sender: "@spam:y".into(),
            body: Some("buy now".into()),
        }),
        user_role: None,
        shared_log: None,
    };
    ran(&kit, &report);
    ran(&kit, &Msg::new("@m:x", Role::Moderator, MODS, "$w", "!warn @spam:y -- 注意"));
    ran(&kit, &Msg::new("@m:x", Role::Moderator, MODS, "$mu", "!mute @spam:y 2h --case 1 -- 頭を冷やして"));
    ran(&kit, &Msg::new("@m:x", Role::Moderator, MODS, "$un", "!unmute @spam:y"));
    ran(&kit, &Msg::new("@m:x", Role::Moderator, MODS, "$b", "!ban @spam:y --case 1 -- スパム"));
    ran(&kit, &Msg::new("@m:x", Role::Moderator, MODS, "$cs", "!cases"));
}

#[test]
fn referral_commands() {
    let kit = Kit::new();
    ran(
        &kit,
        &as_candidate(Msg::new("@a:x", Role::Member, REFS, "$ref", "!refer @c:y https://c.example -- 信頼できる")),
    );
    ran(&kit, &Msg::new("@a:x", Role::Member, REFS, "$at", "!attest 1"));
    ran(&kit, &Msg::new("@b:x", Role::Member, REFS, "$v", "!vouch 1"));
    ran(&kit, &Msg::new("@d:x", Role::Member, REFS, "$o", "!object 1 -- 知らない人です"));
    ran(&kit, &Msg::new("@m:x", Role::Moderator, MODS, "$ap", "!approve 1 -- 確認済み"));
}

#[test]
fn ticket_commands() {
    let kit = Kit::new();
    ran(&kit, &Msg::new("@a:x", Role::Member, VCONSULT, "$t", "!track Mastodon の CVE-2025-1234 は本当?"));
    ran(&kit, &Msg::new("@b:x", Role::Member, VCONSULT, "$c", "!confirm 1"));
    ran(&kit, &Msg::new("@a:x", Role::Member, VCONSULT, "$ts", "!tickets"));
}

#[test]
fn feed_commands() {
    let kit = Kit::new();
    ran(&kit, &Msg::new("@m:x", Role::Moderator, MODS, "$f", "!feed add https://example.org/feed.xml --room news"));
    ran(&kit, &Msg::new("@m:x", Role::Moderator, MODS, "$fl", "!feed list"));
}

#[test]
fn a_replay_after_commit_is_refused_before_any_handler_runs() {
    let kit = Kit::new();
    let m = Msg::new("@a:x", Role::Member, VCONSULT, "$t", "!track 一度だけ");
    assert!(kit.handle(&m).is_some());
    assert!(kit.handle(&m).is_none());
    let tickets = kit.store.tree::<serde_json::Value>("tickets").unwrap();
    assert_eq!(tickets.len(), 1);
}
