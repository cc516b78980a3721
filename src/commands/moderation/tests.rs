//! Handler-level tests: commands in, effects and records out, over a
//! temporary store (the end-to-end tests run the same paths on Synapse).

use crate::commands::testkit::{Kit, LOG, LOUNGE, MODS, Msg, POLICY};
use crate::commands::{Lookups, dispatch::Outcome};
use crate::effects::{Effect, MemberAction};
use crate::moderation::case::Cases;
use crate::moderation::sanction::{Kind, Sanctions};
use crate::roles::Role;
use crate::service::Referenced;

fn referenced(room: &str, body: Option<&str>) -> Lookups {
    Lookups {
        event: Some(Referenced {
            room_id: room.into(),
            event_id: "$spam".into(),
            sender: "@bob:x".into(),
            body: body.map(str::to_string),
        }),
        user_role: None,
        shared_log: None,
    }
}

fn notices_in<'a>(effects: &'a [Effect], room: &str) -> Vec<&'a str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notice { room_id, reply, .. } if room_id == room => Some(reply.plain.as_str()),
            _ => None,
        })
        .collect()
}

fn answer(effects: &[Effect]) -> &str {
    match effects.last() {
        Some(Effect::Reply { reply, .. }) => &reply.plain,
        other => panic!("no answer: {other:?}"),
    }
}

#[test]
fn a_public_report_is_redacted_confirmed_privately_and_posted_with_quote() {
    let kit = Kit::new();
    let mut m = Msg::new("@alice:x", Role::Member, LOUNGE, "$cmd", "!report -- 宣伝です");
    m.reply_to = Some("$spam");
    m.lookups = referenced(LOUNGE, Some("buy followers"));
    let d = kit.send(&m).unwrap();
    assert_eq!(d.outcome, Outcome::Ran);
    assert!(d.effects.iter().any(|e| matches!(e, Effect::Redact { room_id, event_id, reason: None, .. } if room_id == LOUNGE && event_id == "$cmd")));
    assert!(d.effects.iter().any(|e| matches!(e, Effect::Direct { user, .. } if user == "@alice:x")));
    assert!(!d.effects.iter().any(|e| matches!(e, Effect::Reply { .. })), "nothing is said in the public room");
    let posts = notices_in(&d.effects, MODS);
    assert_eq!(posts.len(), 1);
    assert!(
        posts[0].contains("ケース #1") && posts[0].contains("@bob:x") && posts[0].contains("buy followers"),
        "{}",
        posts[0]
    );
    assert!(posts[0].contains("宣伝です"));
    // Handled again after a crash: the same case, no second report.
    let again = kit.send(&m).unwrap();
    assert_eq!(Cases::open(&kit.store).unwrap().get(1).unwrap().unwrap().reports.len(), 1);
    assert_eq!(notices_in(&again.effects, MODS), posts);
    assert_eq!(kit.store.audit.entries().unwrap().len(), 1);
}

#[test]
fn a_report_from_the_encrypted_room_is_sealed_and_not_quoted() {
    let kit = Kit::new();
    let mut m = Msg::new("@alice:x", Role::Member, LOG, "$cmd", "!report -- 秘密の理由");
    m.reply_to = Some("$spam");
    // Even if the edge handed over text, an encrypted room's text is not quoted.
    m.lookups = referenced(LOG, Some("decrypted log line"));
    let d = kit.send(&m).unwrap();
    let post = notices_in(&d.effects, MODS)[0];
    assert!(!post.contains("秘密の理由") && !post.contains("decrypted log line"), "{post}");
    assert!(post.contains("封印"), "{post}");
    let export = kit.store.export().unwrap().to_string();
    assert!(!export.contains("秘密の理由"), "no plaintext on disk");
    assert!(kit.store.audit.entries().unwrap()[0].reason.is_none());
    // A moderator reads it only in an encrypted room (the DM with the bot).
    let in_mods = kit.send(&Msg::new("@mod:x", Role::Moderator, MODS, "$c2", "!case 1")).unwrap();
    assert!(!answer(&in_mods.effects).contains("秘密の理由"));
    let in_dm = kit.send(&Msg::new("@mod:x", Role::Moderator, "!dm-mod:x", "$c3", "!case 1")).unwrap();
    assert!(answer(&in_dm.effects).contains("秘密の理由"), "{}", answer(&in_dm.effects));
}

#[test]
fn report_errors_are_explained() {
    let kit = Kit::new();
    let cases = [
        ("!report -- x", None, "報告の対象が分かりません"),
        ("!report alice -- x", None, "ユーザーID"),
        ("!report https://matrix.to/#/!elsewhere:y/$e -- x", None, "スペースの部屋ではありません"),
        ("!report https://matrix.to/#/!lounge:x/$gone -- x", None, "見つかりません"),
        ("!report @alice:x -- x", None, "自分自身"),
    ];
    for (body, reply_to, expected) in cases {
        let mut m = Msg::new("@alice:x", Role::Member, LOUNGE, "$cmd", body);
        m.reply_to = reply_to;
        let d = kit.send(&m).unwrap();
        // An argument that does not parse is refused before the handler, with the usage.
        let bad_arg = answer(&d.effects).contains("使い方");
        assert_eq!(d.outcome, if bad_arg { Outcome::Invalid } else { Outcome::Refused }, "{body}");
        assert!(answer(&d.effects).contains(expected), "{body}: {}", answer(&d.effects));
    }
}

#[test]
fn a_ban_covers_every_room_links_the_open_case_and_is_published() {
    let kit = Kit::new();
    let mut r = Msg::new("@alice:x", Role::Member, LOUNGE, "$r", "!report @bob:x -- spam");
    r.lookups = Lookups::default();
    kit.send(&r).unwrap();
    let mut ban = Msg::new("@mod:x", Role::Moderator, MODS, "$ban", "!ban @bob:x 7d -- 宣伝");
    ban.lookups.user_role = Some(Role::Member);
    let d = kit.send(&ban).unwrap();
    let rooms = kit.directory.all_rooms().count();
    let bans = d.effects.iter().filter(|e| matches!(e, Effect::Membership { action: MemberAction::Ban, .. })).count();
    assert_eq!(bans, rooms);
    assert!(
        d.effects.iter().any(|e| matches!(e, Effect::PolicyRule { room_id, active: true, .. } if room_id == POLICY))
    );
    assert!(answer(&d.effects).contains("ケース #1"), "{}", answer(&d.effects));
    let s = Sanctions::open(&kit.store).unwrap().active("@bob:x", Kind::Ban).unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].until_ms, Some(kit.now_ms + 7 * 24 * 3600 * 1000));
    assert_eq!(Cases::open(&kit.store).unwrap().get(1).unwrap().unwrap().sanctions, vec![s[0].key.clone()]);
    // Unban withdraws the rule and lifts the record.
    let unban = kit.send(&Msg::new("@mod:x", Role::Moderator, MODS, "$unban", "!unban @bob:x")).unwrap();
    assert!(unban.effects.iter().any(|e| matches!(e, Effect::PolicyRule { active: false, .. })));
    assert!(Sanctions::open(&kit.store).unwrap().active("@bob:x", Kind::Ban).unwrap().is_empty());
}

#[test]
fn moderators_admins_the_bot_and_nonsense_are_refused() {
    let kit = Kit::new();
    for (body, role, expected) in [
        ("!ban @other-mod:x -- x", Some(Role::Moderator), "制裁の対象にできません"),
        ("!mute @admin:x -- x", Some(Role::Admin), "制裁の対象にできません"),
        ("!kick @bot:x -- x", None, "ボット自身"),
        ("!warn @mod:x -- x", None, "ボット自身"),
        ("!mute @u:x forever -- x", Some(Role::Member), "期間"),
        ("!ban bob -- x", None, "ユーザーIDではありません"),
        ("!ban @u:x --case 9 -- x", Some(Role::Member), "ケース #9 はありません"),
        ("!resolve 3 -- x", None, "ケース #3 はありません"),
        ("!redact nonsense", None, "リンクではありません"),
        ("!audit yesterday", None, "ケース番号でもありません"),
    ] {
        let mut m = Msg::new("@mod:x", Role::Moderator, MODS, "$e", body);
        m.lookups.user_role = role;
        let d = kit.send(&m).unwrap();
        // An argument that does not parse is refused before the handler, with the usage.
        let bad_arg = answer(&d.effects).contains("使い方");
        assert_eq!(d.outcome, if bad_arg { Outcome::Invalid } else { Outcome::Refused }, "{body}");
        assert!(answer(&d.effects).contains(expected), "{body}: {}", answer(&d.effects));
    }
    assert!(Sanctions::open(&kit.store).unwrap().all().unwrap().is_empty());
}

#[test]
fn a_members_attempt_is_refused_recorded_and_posted() {
    let kit = Kit::new();
    let d = kit.send(&Msg::new("@eve:x", Role::Member, LOUNGE, "$e", "!ban @bob:x -- x")).unwrap();
    assert_eq!(d.outcome, Outcome::Refused);
    assert!(answer(&d.effects).contains("モデレーターの権限が必要です"));
    let posts = notices_in(&d.effects, MODS);
    assert!(posts[0].contains("@eve:x command.refused → !ban"), "{}", posts[0]);
    let entries = kit.store.audit.entries().unwrap();
    assert_eq!((entries[0].actor.as_str(), entries[0].action.as_str()), ("@eve:x", "command.refused"));
    // Refusals of member commands in the wrong room are not moderation events.
    let d = kit.send(&Msg::new("@mod:x", Role::Moderator, LOUNGE, "$f", "!cases")).unwrap();
    assert!(answer(&d.effects).contains("この部屋では使えません"));
    assert_eq!(kit.store.audit.entries().unwrap().len(), 1);
}

#[test]
fn cases_are_assigned_closed_once_and_listed() {
    let kit = Kit::new();
    kit.send(&Msg::new("@alice:x", Role::Member, LOUNGE, "$r", "!report @bob:x -- spam")).unwrap();
    let mut assign = Msg::new("@mod:x", Role::Moderator, MODS, "$a", "!assign 1 @member:x");
    assign.lookups.user_role = Some(Role::Member);
    assert!(answer(&kit.send(&assign).unwrap().effects).contains("モデレーターではない"));
    let d = kit.send(&Msg::new("@mod:x", Role::Moderator, MODS, "$b", "!assign 1")).unwrap();
    assert!(answer(&d.effects).contains("担当者を @mod:x"));
    let list = kit.send(&Msg::new("@mod:x", Role::Moderator, MODS, "$c", "!cases")).unwrap();
    assert!(answer(&list.effects).contains("#1 [対応中] @bob:x"), "{}", answer(&list.effects));
    let d = kit.send(&Msg::new("@mod:x", Role::Moderator, MODS, "$d", "!dismiss 1 -- 誤解でした")).unwrap();
    assert!(answer(&d.effects).contains("対応不要"));
    let again = kit.send(&Msg::new("@mod:x", Role::Moderator, MODS, "$e", "!resolve 1 -- x")).unwrap();
    assert!(answer(&again.effects).contains("すでに閉じています"));
    let open = kit.send(&Msg::new("@mod:x", Role::Moderator, MODS, "$f", "!cases")).unwrap();
    assert!(answer(&open.effects).contains("該当するケースはありません"));
    let audit = kit.send(&Msg::new("@mod:x", Role::Moderator, MODS, "$g", "!audit 1")).unwrap();
    let text = answer(&audit.effects);
    assert!(text.contains("case.dismiss") && text.contains("case.assign") && text.contains("report.open"), "{text}");
}

#[test]
fn announcements_carry_the_moderators_name() {
    let kit = Kit::new();
    let d = kit
        .send(&Msg::new("@mod:x", Role::Moderator, MODS, "$a", "!announce 明日はメンテナンスです\n詳細は追って"))
        .unwrap();
    let posts = notices_in(&d.effects, crate::commands::testkit::NEWS);
    assert_eq!(posts, ["📢 お知らせ(@mod:x より)\n\n明日はメンテナンスです\n詳細は追って"]);
}
