//! `!feed` handlers over a temporary store.

use crate::commands::dispatch::Outcome;
use crate::commands::testkit::{Kit, LOUNGE, MODS, Msg};
use crate::effects::Effect;
use crate::feeds::registry::{Origin, Registry};
use crate::roles::Role;

fn answer(effects: &[Effect]) -> String {
    match effects.last() {
        Some(Effect::Reply { reply, .. }) => reply.plain.clone(),
        other => panic!("no answer: {other:?}"),
    }
}

#[test]
fn moderators_add_pause_list_and_remove_feeds_on_the_record() {
    let kit = Kit::new();
    let send = |event: &str, body: &str| kit.send(&Msg::new("@mod:x", Role::Moderator, MODS, event, body)).unwrap();
    let d = send("$a", "!feed add https://example.org/feed.xml --room news --every 2h");
    assert_eq!(d.outcome, Outcome::Ran, "{}", answer(&d.effects));
    assert!(answer(&d.effects).contains("120 分ごと"), "{}", answer(&d.effects));
    let reg = Registry::open(&kit.store).unwrap();
    let feed = reg.all().unwrap().remove(0);
    assert_eq!(feed.origin, Origin::Command { by: "@mod:x".into() });
    assert!(!feed.spec.filter, "news is not filtered by default");
    let id = feed.spec.id.clone();
    assert!(answer(&send("$dup", "!feed add https://example.org/feed.xml").effects).contains("登録済み"));
    assert!(
        answer(&send("$fast", "!feed add https://example.org/other.xml --every 5s").effects).contains("every ≥ 1m")
    );
    assert!(answer(&send("$bad", "!feed add ftp://example.org/x").effects).contains("http(s) URL"));
    assert!(answer(&send("$room", "!feed add https://e.org/x --room lounge").effects).contains("vuln-info"));
    send("$p", &format!("!feed pause {id}"));
    assert!(reg.get(&id).unwrap().unwrap().paused);
    assert!(answer(&send("$l", "!feed list").effects).contains("⏸ 停止中"));
    send("$r", &format!("!feed remove {id}"));
    assert!(reg.get(&id).unwrap().is_none());
    assert!(answer(&send("$r2", &format!("!feed remove {id}")).effects).contains("ありません"));
    let actions: Vec<String> = kit.store.audit.entries().unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["feed.add", "feed.pause", "feed.remove"]);
    let test = send("$t", "!feed test https://example.org/feed.xml");
    assert!(matches!(test.effects.as_slice(), [Effect::FeedTest { .. }]), "a test posts nothing itself");
    let member = kit.send(&Msg::new("@eve:x", Role::Member, LOUNGE, "$m", "!feed list")).unwrap();
    assert_eq!(member.outcome, Outcome::Refused);
}

#[test]
fn config_feeds_cannot_be_removed_only_paused() {
    let kit = Kit::new();
    let spec =
        crate::feeds::FeedSpec::from_parts("https://jvn.example/rss", Some("JVN"), None, None, None, None).unwrap();
    Registry::open(&kit.store).unwrap().sync_config(std::slice::from_ref(&spec), 0).unwrap();
    let d = kit.send(&Msg::new("@mod:x", Role::Moderator, MODS, "$r", &format!("!feed remove {}", spec.id))).unwrap();
    assert!(answer(&d.effects).contains("設定ファイル"));
}
