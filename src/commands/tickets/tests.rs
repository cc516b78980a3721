//! Tickets through the dispatcher, in memory.

use crate::commands::Lookups;
use crate::commands::dispatch::Outcome;
use crate::commands::testkit::{ALERTS, ICONSULT, Kit, LOUNGE, MODS, Msg, VCONSULT, VINFO};
use crate::config::purpose::Purpose;
use crate::effects::Effect;
use crate::moderation::Recorder;
use crate::roles::Role;
use crate::service::Referenced;
use crate::space::directory::Directory;
use crate::tickets::record::{State, Tickets};

fn answer(kit: &Kit, sender: &str, role: Role, room: &str, event: &str, body: &str) -> (String, Vec<Effect>) {
    let d = kit.send(&Msg::new(sender, role, room, event, body)).expect("a command");
    let text = match d.effects.last() {
        Some(Effect::Reply { reply, .. }) => reply.plain.clone(),
        other => panic!("no answer: {other:?}"),
    };
    (text, d.effects)
}

fn posts_in<'a>(effects: &'a [Effect], room: &str) -> Vec<&'a str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notice { room_id, reply, .. } if room_id == room => Some(reply.plain.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn members_confirm_and_the_summary_is_published_once() {
    let kit = Kit::new();
    let (a, e) =
        answer(&kit, "@alice:x", Role::Member, VCONSULT, "$t1", "!track Mastodon 4.3.1 の CVE-2025-1234 は本当?");
    assert!(a.contains("#1"), "{a}");
    let card = posts_in(&e, VCONSULT);
    assert!(card[0].contains("チケット #1") && card[0].contains("48 時間"), "{card:?}");
    // The opener cannot confirm; bob counts 1/2; a second !confirm by bob is refused.
    assert!(answer(&kit, "@alice:x", Role::Member, VCONSULT, "$c0", "!confirm 1").0.contains("自分で起票"));
    let (b, e) = answer(&kit, "@bob:x", Role::Member, VCONSULT, "$c1", "!confirm 1");
    assert!(b.contains("1/2") && posts_in(&e, VINFO).is_empty(), "{b}");
    assert!(answer(&kit, "@bob:x", Role::Member, VCONSULT, "$c2", "!confirm 1").0.contains("すでに"));
    let (c, e) = answer(&kit, "@carol:x", Role::Member, VCONSULT, "$c3", "!confirm 1");
    assert!(c.contains("掲載しました"), "{c}");
    let published = posts_in(&e, VINFO);
    assert_eq!(published.len(), 1);
    assert!(published[0].contains("CVE-2025-1234") && published[0].contains("@bob:x, @carol:x"), "{}", published[0]);
    assert!(published[0].contains("https://matrix.to/#/!vconsult:x/$t1"), "back-link: {}", published[0]);
    let t = Tickets::open(&kit.store).unwrap().get(1).unwrap().unwrap();
    assert_eq!((t.state, t.published_in.as_deref()), (State::Confirmed, Some(VINFO)));
    // Nothing publishes twice.
    assert!(answer(&kit, "@dave:x", Role::Member, VCONSULT, "$c4", "!confirm 1").0.contains("confirmed"));
    // Audited.
    let actions: Vec<String> = kit.store.audit.entries().unwrap().into_iter().map(|e| e.action).collect();
    for a in ["ticket.open", "ticket.confirm", "ticket.publish"] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited: {actions:?}");
    }
}

#[test]
fn a_moderator_confirms_an_incident_into_alerts() {
    let kit = Kit::new();
    answer(&kit, "@alice:x", Role::Member, ICONSULT, "$t", "!track 大規模なスパム攻撃");
    let (m, e) = answer(&kit, "@mod:x", Role::Moderator, ICONSULT, "$c", "!confirm 1");
    assert!(m.contains("掲載"), "{m}");
    assert_eq!(posts_in(&e, ALERTS).len(), 1);
}

#[test]
fn states_rooms_and_roles_are_checked() {
    let kit = Kit::new();
    answer(&kit, "@alice:x", Role::Member, VCONSULT, "$t", "!track 調査");
    let (r, _) = answer(&kit, "@bob:x", Role::Member, VCONSULT, "$s1", "!ticket 1 closed");
    assert!(r.contains("open から closed にはできません") && r.contains("investigating"), "{r}");
    let (r, e) = answer(&kit, "@bob:x", Role::Member, VCONSULT, "$s2", "!ticket 1 investigating -- 再現を試みます");
    assert!(r.contains("investigating"), "{r}");
    assert!(posts_in(&e, VCONSULT)[0].contains("再現を試みます"));
    assert!(answer(&kit, "@bob:x", Role::Member, VCONSULT, "$s3", "!ticket 1 confirmed").0.contains("!confirm 1"));
    assert!(answer(&kit, "@bob:x", Role::Member, VCONSULT, "$s4", "!ticket 9 closed").0.contains("#9"));
    // Wrong room, non-member.
    let (r, _) = answer(&kit, "@bob:x", Role::Member, LOUNGE, "$w", "!track x");
    assert!(r.contains("track"), "{r}");
    let (r, _) = answer(&kit, "@guest:x", Role::Anyone, VCONSULT, "$g", "!track x");
    assert!(r.contains("メンバー"), "{r}");
    // In vuln-info, !track needs a reply.
    assert!(answer(&kit, "@mod:x", Role::Moderator, VINFO, "$v", "!track").0.contains("返信"));
    // !assign here is the ticket's; in the moderators room it is still a case's.
    let mut m = Msg::new("@bob:x", Role::Member, VCONSULT, "$a", "!assign 1 @carol:x");
    m.lookups = Lookups { user_role: Some(Role::Member), ..Lookups::default() };
    let d = kit.send(&m).unwrap();
    assert!(matches!(d.effects.last(), Some(Effect::Reply { reply, .. }) if reply.plain.contains("@carol:x")));
    assert!(answer(&kit, "@mod:x", Role::Moderator, MODS, "$a2", "!assign 1").0.contains("ケース"));
}

#[test]
fn tracking_a_feed_item_opens_the_ticket_in_the_consultation_room() {
    let kit = Kit::new();
    let mut m = Msg::new("@mod:x", Role::Moderator, VINFO, "$t", "!track");
    m.reply_to = Some("$feed");
    m.lookups.event = Some(Referenced {
        room_id: VINFO.into(),
        event_id: "$feed".into(),
        sender: "@bot:x".into(),
        body: Some("🟥 Critical 9.8 Synapse: CVE-2024-31208\nmore".into()),
    });
    let d = kit.send(&m).unwrap();
    let card = posts_in(&d.effects, VCONSULT);
    assert!(card[0].contains("Synapse: CVE-2024-31208") && card[0].contains("$feed"), "{card:?}");
}

#[test]
fn encrypted_tickets_are_not_published_to_unencrypted_rooms() {
    let mut kit = Kit::new();
    kit.directory = Directory::from_rooms(
        "!space:x",
        &[
            (MODS, Purpose::Moderators, false),
            (VCONSULT, Purpose::VulnConsult, true),
            (VINFO, Purpose::VulnInfo, false),
        ],
    );
    answer(&kit, "@alice:x", Role::Member, VCONSULT, "$t", "!track secret");
    let (r, e) = answer(&kit, "@mod:x", Role::Moderator, VCONSULT, "$c", "!confirm 1");
    assert!(r.contains("暗号化"), "{r}");
    assert!(posts_in(&e, VINFO).is_empty());
    assert_eq!(Tickets::open(&kit.store).unwrap().get(1).unwrap().unwrap().state, State::Open);
}

#[test]
fn one_reminder_after_the_acknowledgement_time_and_none_once_acknowledged() {
    let kit = Kit::new();
    answer(&kit, "@alice:x", Role::Member, VCONSULT, "$t1", "!track 一つ目");
    answer(&kit, "@alice:x", Role::Member, VCONSULT, "$t2", "!track 二つ目");
    answer(&kit, "@bob:x", Role::Member, VCONSULT, "$s", "!ticket 2 investigating");
    let ack = kit.tickets.ack_within_ms;
    let rec = |now_ms| Recorder { store: &kit.store, dir: &kit.directory, locale: kit.locale, now_ms };
    assert!(crate::tickets::due(&rec(kit.now_ms + ack - 1), ack).unwrap().is_empty());
    let due = crate::tickets::due(&rec(kit.now_ms + ack), ack).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].0, 1);
    assert!(posts_in(&due[0].1, MODS)[0].contains("#1"));
    // Not posted yet (a crash): due again; once recorded, never again.
    assert_eq!(crate::tickets::due(&rec(kit.now_ms + ack + 5), ack).unwrap().len(), 1);
    crate::tickets::reminded(&rec(kit.now_ms + ack + 5), 1, "@bot:x").unwrap();
    assert!(crate::tickets::due(&rec(kit.now_ms + 10 * ack), ack).unwrap().is_empty());
    // The list marks it overdue.
    let mut late = Kit::new();
    late.store = kit.store.clone();
    late.now_ms = kit.now_ms + ack + 1;
    let (l, _) = answer(&late, "@alice:x", Role::Member, VCONSULT, "$l", "!tickets");
    assert!(l.contains("#1") && l.contains("⏰") && !l.lines().any(|x| x.contains("#2") && x.contains("⏰")), "{l}");
}

// `!ticket <n> note`
#[test]
fn a_note_is_kept_posted_in_the_thread_and_replay_safe() {
    let kit = Kit::new();
    kit.handle(&Msg::new("@a:x", Role::Member, VCONSULT, "$t", "!track 調査中")).unwrap();
    let d = kit.assert_replay_safe(&Msg::new("@b:x", Role::Member, VCONSULT, "$n", "!ticket 1 note -- 影響なしを確認"));
    assert_eq!(d.outcome, Outcome::Ran);
    let thread = d.effects.iter().find_map(|e| match e {
        Effect::Notice { reply, thread: Some(k), .. } if k.starts_with("ticket") => Some(reply.plain.clone()),
        _ => None,
    });
    assert!(thread.is_some_and(|p| p.contains("📝 #1") && p.contains("影響なしを確認")), "{:?}", d.effects);
    let t = Tickets::open(&kit.store).unwrap().get(1).unwrap().unwrap();
    assert_eq!(t.state, State::Open, "a note does not move the ticket");
    assert_eq!(t.history.last().and_then(|s| s.note.as_deref()), Some("影響なしを確認"));
    assert!(t.watchers.iter().any(|w| w == "@b:x"));
}

#[test]
fn a_note_needs_text() {
    let kit = Kit::new();
    kit.handle(&Msg::new("@a:x", Role::Member, VCONSULT, "$t", "!track 調査中")).unwrap();
    let d = kit.handle(&Msg::new("@b:x", Role::Member, VCONSULT, "$n", "!ticket 1 note")).unwrap();
    assert_eq!(d.outcome, Outcome::Refused);
    assert!(
        matches!(d.effects.last(), Some(Effect::Reply { reply, .. }) if reply.plain.contains("メモの本文がありません"))
    );
}
