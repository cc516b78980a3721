//! Handler-level tests of the referral process over a temporary store.

use crate::commands::testkit::{Kit, MODS, Msg, REFS, WELCOME};
use crate::commands::{Lookups, dispatch::Outcome};
use crate::effects::Effect;
use crate::referral::record::{Admission, Referrals, State};
use crate::roles::Role;

const HOUR: u64 = 3_600_000;

fn answer(effects: &[Effect]) -> String {
    match effects.last() {
        Some(Effect::Reply { reply, .. }) => reply.plain.clone(),
        other => panic!("no answer: {other:?}"),
    }
}

fn notes(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notice { reply, .. } => Some(reply.plain.clone()),
            _ => None,
        })
        .collect()
}

fn candidate_lookup(role: Option<Role>) -> Lookups {
    Lookups { event: None, user_role: role, shared_log: None }
}

fn refer(kit: &Kit, sender: &str, event: &str, body: &str) -> crate::commands::dispatch::Dispatched {
    let mut m = Msg::new(sender, Role::Member, REFS, event, body);
    m.lookups = candidate_lookup(Some(Role::Anyone));
    kit.send(&m).unwrap()
}

#[test]
fn a_referral_goes_from_card_to_admission() {
    let mut kit = Kit::new();
    let d = refer(&kit, "@alice:x", "$r", "!refer @dave:y https://m.example/@dave -- 信頼できる管理者");
    assert_eq!(d.outcome, Outcome::Ran);
    let card = notes(&d.effects);
    assert!(
        card[0].contains("📨 紹介 #1: @dave:y") && card[0].contains("☐ 日本語での意思疎通が可能である"),
        "{}",
        card[0]
    );
    assert!(card[0].contains("メンバー 2 人以上の推薦"), "the rule is on the card: {}", card[0]);
    assert!(
        d.effects
            .iter()
            .any(|e| matches!(e, Effect::CheckEvidence { referral: 1, url } if url == "https://m.example/@dave"))
    );
    assert!(d.effects.iter().any(|e| matches!(e, Effect::Notice { remember: Some(k), .. } if k == "card:1")));

    kit.send(&Msg::new("@alice:x", Role::Member, REFS, "$a", "!attest 1")).unwrap();
    let v1 = kit.send(&Msg::new("@bob:x", Role::Member, REFS, "$v1", "!vouch 1")).unwrap();
    assert!(notes(&v1.effects)[0].contains("(1/2)"));
    let v2 = kit.send(&Msg::new("@carol:x", Role::Member, REFS, "$v2", "!vouch 1")).unwrap();
    assert!(!v2.effects.iter().any(|e| matches!(e, Effect::Invite { .. })), "not before the discussion time");

    kit.now_ms += 25 * HOUR;
    let rec =
        crate::moderation::Recorder { store: &kit.store, dir: &kit.directory, locale: kit.locale, now_ms: kit.now_ms };
    let due = crate::referral::due(rec, &kit.referrals.rule, &kit.rules, "!", "@bot:x").unwrap();
    assert!(
        due.iter().any(|e| matches!(e, Effect::Invite { room_id, user } if room_id == WELCOME && user == "@dave:y"))
    );
    assert!(notes(&due).iter().any(|n| n.contains("ルール(版") && n.contains("rules v1")));
    let again = crate::referral::due(
        crate::moderation::Recorder { store: &kit.store, dir: &kit.directory, locale: kit.locale, now_ms: kit.now_ms },
        &kit.referrals.rule,
        &kit.rules,
        "!",
        "@bot:x",
    )
    .unwrap();
    assert!(again.is_empty(), "accepted once");

    let agree = kit.send(&Msg::new("@dave:y", Role::Anyone, WELCOME, "$ag", "!agree")).unwrap();
    assert!(answer(&agree.effects).contains("同意を記録しました"));
    let invites: Vec<&str> = agree
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Invite { room_id, .. } => Some(room_id.as_str()),
            _ => None,
        })
        .collect();
    assert!(invites.contains(&"!space:x") && invites.contains(&REFS) && !invites.contains(&MODS), "{invites:?}");
    let refs = Referrals::open(&kit.store).unwrap();
    assert_eq!(refs.get(1).unwrap().unwrap().state, State::Admitted);
    let adm = refs.admission("@dave:y").unwrap().unwrap();
    assert_eq!((adm.referrer.as_str(), adm.vouchers.len()), ("@alice:x", 2));
    assert_eq!(refs.agreement("@dave:y").unwrap().unwrap().version, kit.rules.version);

    let mut whois = Msg::new("@bob:x", Role::Member, REFS, "$w", "!whois @dave:y");
    whois.lookups = Lookups::default();
    let w = answer(&kit.send(&whois).unwrap().effects);
    assert!(w.contains("紹介者 @alice:x") && w.contains("@bob:x, @carol:x") && w.contains("(最新)"), "{w}");
}

#[test]
fn every_refusal_is_explained() {
    let kit = Kit::new();
    refer(&kit, "@alice:x", "$r1", "!refer @dave:y https://m.example -- x");
    let cases: [(&str, &str, Option<Role>, &str); 6] = [
        ("@alice:x", "!refer @alice:x https://m.example -- x", Some(Role::Member), "自分自身"),
        ("@alice:x", "!refer @bob:x https://m.example -- x", Some(Role::Member), "すでにメンバー"),
        ("@carol:x", "!refer @dave:y https://m.example -- x", Some(Role::Anyone), "進行中の紹介 #1"),
        ("@alice:x", "!refer dave https://m.example -- x", None, "ユーザーIDではありません"),
        ("@alice:x", "!refer @erin:y notaurl -- x", Some(Role::Anyone), "URL ではありません"),
        ("@alice:x", "!vouch 1", None, "自分が紹介した人は推薦できません"),
    ];
    for (sender, body, role, expected) in cases {
        let mut m = Msg::new(sender, Role::Member, REFS, "$x", body);
        m.lookups = candidate_lookup(role);
        let d = kit.send(&m).unwrap();
        // An argument that does not parse is refused before the handler, with the usage.
        let bad_arg = answer(&d.effects).contains("使い方");
        assert_eq!(d.outcome, if bad_arg { Outcome::Invalid } else { Outcome::Refused }, "{body}");
        assert!(answer(&d.effects).contains(expected), "{body}: {}", answer(&d.effects));
    }
    kit.send(&Msg::new("@bob:x", Role::Member, REFS, "$v", "!vouch 1")).unwrap();
    let twice = kit.send(&Msg::new("@bob:x", Role::Member, REFS, "$v2", "!vouch 1")).unwrap();
    assert!(answer(&twice.effects).contains("すでに推薦"));
    let stranger = kit.send(&Msg::new("@eve:y", Role::Anyone, REFS, "$s", "!refer @f:y https://m -- x")).unwrap();
    assert!(answer(&stranger.effects).contains("メンバーの権限"));
    let not_invited = kit.send(&Msg::new("@eve:y", Role::Anyone, WELCOME, "$ag", "!agree")).unwrap();
    assert!(answer(&not_invited.effects).contains("承認済みの紹介はありません"));
}

#[test]
fn probation_and_quota_limit_referrers() {
    let kit = Kit::new();
    let refs = Referrals::open(&kit.store).unwrap();
    let adm = Admission {
        user: "@new:x".into(),
        referral: 9,
        referrer: "@a:x".into(),
        vouchers: vec![],
        admitted_ms: kit.now_ms - HOUR,
    };
    let agr = crate::referral::record::Agreement { user: "@new:x".into(), version: "v".into(), at_ms: 0 };
    refs.admit(&crate::referral::record::Referral::new(9, "@new:x", "@a:x", "u", "r", 0, "$old"), &adm, &agr).unwrap();
    let d = refer(&kit, "@new:x", "$p", "!refer @c1:y https://m -- x");
    assert!(answer(&d.effects).contains("試用期間"), "{}", answer(&d.effects));
    for i in 0..3 {
        let d = refer(&kit, "@alice:x", &format!("$q{i}"), &format!("!refer @c{i}:y https://m -- x"));
        assert_eq!(d.outcome, Outcome::Ran);
    }
    let d = refer(&kit, "@alice:x", "$q3", "!refer @c3:y https://m -- x");
    assert!(answer(&d.effects).contains("3 人まで"), "{}", answer(&d.effects));
}

#[test]
fn objections_go_to_moderators_and_block_until_a_moderator_decides() {
    let mut kit = Kit::new();
    refer(&kit, "@alice:x", "$r", "!refer @dave:y https://m -- x");
    kit.send(&Msg::new("@alice:x", Role::Member, REFS, "$a", "!attest 1")).unwrap();
    let o = kit.send(&Msg::new("@eve:x", Role::Member, REFS, "$o", "!object 1 -- 別サーバーでスパム行為")).unwrap();
    assert!(o.effects.iter().any(|e| matches!(e, Effect::Redact { event_id, .. } if event_id == "$o")));
    let posts: Vec<String> = o
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notice { room_id, reply, .. } if room_id == MODS => Some(reply.plain.clone()),
            Effect::Notice { room_id, .. } if room_id == REFS => panic!("nothing on the public card"),
            _ => None,
        })
        .collect();
    assert!(posts[0].contains("別サーバーでスパム行為"));
    kit.send(&Msg::new("@bob:x", Role::Member, REFS, "$v1", "!vouch 1")).unwrap();
    kit.send(&Msg::new("@carol:x", Role::Member, REFS, "$v2", "!vouch 1")).unwrap();
    kit.now_ms += 25 * HOUR;
    let rec =
        crate::moderation::Recorder { store: &kit.store, dir: &kit.directory, locale: kit.locale, now_ms: kit.now_ms };
    assert!(crate::referral::due(rec, &kit.referrals.rule, &kit.rules, "!", "@bot:x").unwrap().is_empty());
    let member = kit.send(&Msg::new("@bob:x", Role::Member, REFS, "$ap0", "!approve 1")).unwrap();
    assert_eq!(member.outcome, Outcome::Refused);
    let r = kit.send(&Msg::new("@mod:x", Role::Moderator, MODS, "$rej", "!reject 1 -- 異議を確認しました")).unwrap();
    assert!(answer(&r.effects).contains("見送りました"));
    assert_eq!(Referrals::open(&kit.store).unwrap().get(1).unwrap().unwrap().state, State::Rejected);
    let actions: Vec<String> = kit.store.audit.entries().unwrap().into_iter().map(|e| e.action).collect();
    assert!(
        actions.contains(&"referral.object".to_string()) && actions.contains(&"referral.reject".to_string()),
        "{actions:?}"
    );
}

#[test]
fn undecided_referrals_expire_and_unanswered_invitations_lapse() {
    let mut kit = Kit::new();
    refer(&kit, "@alice:x", "$r1", "!refer @dave:y https://m -- x");
    refer(&kit, "@bob:x", "$r2", "!refer @erin:y https://m -- x");
    kit.send(&Msg::new("@mod:x", Role::Moderator, MODS, "$ap", "!approve 2 -- 面識あり")).unwrap();
    kit.now_ms += 15 * 24 * HOUR;
    let rec =
        crate::moderation::Recorder { store: &kit.store, dir: &kit.directory, locale: kit.locale, now_ms: kit.now_ms };
    let effects = crate::referral::due(rec, &kit.referrals.rule, &kit.rules, "!", "@bot:x").unwrap();
    let refs = Referrals::open(&kit.store).unwrap();
    assert_eq!(refs.get(1).unwrap().unwrap().state, State::Expired);
    assert_eq!(refs.get(2).unwrap().unwrap().state, State::Lapsed);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Membership { room_id, user, .. } if room_id == WELCOME && user == "@erin:y"))
    );
    let lapsed = kit.send(&Msg::new("@erin:y", Role::Anyone, WELCOME, "$late", "!agree")).unwrap();
    assert!(answer(&lapsed.effects).contains("承認済みの紹介はありません"));
}

#[test]
fn removing_a_member_shows_moderators_whom_they_referred() {
    let kit = Kit::new();
    let refs = Referrals::open(&kit.store).unwrap();
    let mut r = crate::referral::record::Referral::new(1, "@dave:y", "@alice:x", "u", "r", 0, "$r");
    r.state = State::Admitted;
    let adm = Admission {
        user: "@dave:y".into(),
        referral: 1,
        referrer: "@alice:x".into(),
        vouchers: vec![],
        admitted_ms: 0,
    };
    let agr = crate::referral::record::Agreement { user: "@dave:y".into(), version: "v".into(), at_ms: 0 };
    refs.admit(&r, &adm, &agr).unwrap();
    let mut ban = Msg::new("@mod:x", Role::Moderator, MODS, "$b", "!ban @alice:x -- x");
    ban.lookups = candidate_lookup(Some(Role::Member));
    let d = kit.send(&ban).unwrap();
    assert!(
        notes(&d.effects).iter().any(|n| n.contains("@alice:x が紹介して参加した人: @dave:y")),
        "{:?}",
        notes(&d.effects)
    );
    let mut warn = Msg::new("@mod:x", Role::Moderator, MODS, "$w", "!warn @alice:x -- x");
    warn.lookups = candidate_lookup(Some(Role::Member));
    assert!(!notes(&kit.send(&warn).unwrap().effects).iter().any(|n| n.contains("紹介して参加した人")));
}
