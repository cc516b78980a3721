//! The share service and the `!log` / `!iocs` commands, end to end in memory.

use crate::commands::testkit::{Kit, LOG, LOUNGE, Msg};
use crate::effects::Effect;
use crate::logs::commands::text_share;
use crate::logs::share::Ctx;
use crate::roles::Role;

const CANARY_TOKEN: &str = "CANARYTOKEN9f3a1c";
const CANARY_HANDLE: &str = "canaryuser";

fn access_log(ip: &str) -> String {
    format!(
        "```\n\
         {ip} - - [14/Aug/2019:04:38:35 +0300] \"GET /wp-login.php HTTP/1.1\" 200 1338 \"-\" \"Mozilla/5.0\"\n\
         {ip} - - [14/Aug/2019:04:38:36 +0300] \"POST /wp-login.php HTTP/1.1\" 200 1721 \"-\" \"Mozilla/5.0\"\n\
         192.168.1.20 - - [14/Aug/2019:04:39:00 +0300] \"GET /@{CANARY_HANDLE}?access_token={CANARY_TOKEN} HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0\"\n\
         ```\nTLP:AMBER"
    )
}

fn ctx(kit: &Kit) -> Ctx<'_> {
    Ctx {
        store: &kit.store,
        sealer: &kit.sealer,
        keyed: &kit.keyed,
        settings: &kit.logs,
        locale: kit.locale,
        now_ms: kit.now_ms,
    }
}

fn summary_text(effects: &[Effect]) -> String {
    match effects {
        [Effect::Threaded { reply, provenance, room_id, .. }] => {
            assert!(provenance.source_encrypted);
            assert_eq!(room_id, LOG);
            reply.plain.clone()
        }
        other => panic!("expected one threaded summary: {other:?}"),
    }
}

#[test]
fn share_summary_sightings_and_red() {
    let kit = Kit::new();
    let first =
        summary_text(&text_share(&ctx(&kit), "@alice:x", LOG, "$a", &access_log("203.0.113.5"), "!").unwrap().unwrap());
    assert!(first.contains("203.0.113[.]5"), "{first}");
    assert!(first.contains("WordPress"), "{first}");
    assert!(first.contains("TLP:AMBER"), "{first}");
    assert!(!first.contains("として扱います"), "the label was given");
    assert!(!first.contains(CANARY_HANDLE) && !first.contains(CANARY_TOKEN), "{first}");
    assert!(first.contains("報告はありません"), "{first}");
    // bob sees alice's sighting.
    let second =
        summary_text(&text_share(&ctx(&kit), "@bob:x", LOG, "$b", &access_log("203.0.113.5"), "!").unwrap().unwrap());
    assert!(second.contains("203.0.113[.]5 — 過去7日 1 / 過去30日 1"), "{second}");
    // carol shares another address at TLP:RED: nothing is kept...
    let before = kit.store.export().unwrap();
    let red = access_log("198.51.100.77").replace("TLP:AMBER", "TLP:RED");
    let third = summary_text(&text_share(&ctx(&kit), "@carol:x", LOG, "$c", &red, "!").unwrap().unwrap());
    assert!(third.contains("何も保存していません"), "{third}");
    assert_eq!(kit.store.export().unwrap(), before, "TLP:RED changed the store");
    // ...so dave's share of the same address finds no other server.
    let fourth = summary_text(
        &text_share(&ctx(&kit), "@dave:x", LOG, "$d", &access_log("198.51.100.77"), "!").unwrap().unwrap(),
    );
    assert!(fourth.contains("報告はありません"), "{fourth}");
    // Nothing in the store names an address, the token or the handle.
    let dump = serde_json::to_string(&kit.store.export().unwrap()).unwrap();
    for secret in ["203.0.113", "198.51.100", CANARY_TOKEN, CANARY_HANDLE] {
        assert!(!dump.contains(secret), "{secret} in the store");
    }
}

#[test]
fn unlabelled_share_is_amber_and_says_so() {
    let kit = Kit::new();
    let body = access_log("203.0.113.9").replace("TLP:AMBER", "");
    let text = summary_text(&text_share(&ctx(&kit), "@alice:x", LOG, "$a", &body, "!").unwrap().unwrap());
    assert!(text.contains("ラベルがないため TLP:AMBER として扱います"), "{text}");
    assert!(text_share(&ctx(&kit), "@alice:x", LOG, "$b", "ただの雑談です", "!").is_none());
    let bad = text_share(&ctx(&kit), "@alice:x", LOG, "$c", "!log --tlp purple\n1.2.3.4 x", "!").unwrap().unwrap();
    assert!(summary_text(&bad).contains("purple"));
}

fn reply_to_share<'a>(body: &'a str, log: &str) -> Msg<'a> {
    let mut m = Msg::new("@alice:x", Role::Member, LOG, "$cmd", body);
    m.reply_to = Some("$share");
    m.lookups.shared_log = Some(Ok(log.as_bytes().to_vec()));
    m
}

#[test]
fn sanitize_returns_an_encrypted_file_without_secrets() {
    let kit = Kit::new();
    let log = access_log("203.0.113.5");
    let d = kit.send(&reply_to_share("!log sanitize", &log)).unwrap();
    let Some(Effect::File { data, room_id, root, provenance, .. }) = d.effects.first() else {
        panic!("{:?}", d.effects)
    };
    assert_eq!((room_id.as_str(), root.as_str()), (LOG, "$share"));
    assert!(provenance.source_encrypted);
    let text = String::from_utf8(data.clone()).unwrap();
    assert!(!text.contains(CANARY_TOKEN) && !text.contains(CANARY_HANDLE), "{text}");
    assert!(!text.contains("192.168.1.20"), "local address left: {text}");
    assert!(text.contains("203.0.113.5"), "attackers stay: {text}");
    let Some(Effect::Reply { reply, .. }) = d.effects.last() else { panic!() };
    assert!(reply.plain.contains("秘密情報 1 件"), "{}", reply.plain);
}

#[test]
fn log_command_needs_a_reply_and_a_valid_label() {
    let kit = Kit::new();
    let d = kit.send(&Msg::new("@alice:x", Role::Member, LOG, "$c", "!log sanitize")).unwrap();
    let Some(Effect::Reply { reply, .. }) = d.effects.last() else { panic!() };
    assert!(reply.plain.contains("返信して"), "{}", reply.plain);
    let d = kit.send(&reply_to_share("!log --tlp purple", "x")).unwrap();
    let Some(Effect::Reply { reply, .. }) = d.effects.last() else { panic!() };
    assert!(reply.plain.contains("purple"));
    // A relabel re-analyses the replied-to log.
    let d = kit.send(&reply_to_share("!log --tlp green", &access_log("203.0.113.5"))).unwrap();
    assert!(summary_text(&d.effects).contains("TLP:GREEN"));
    // Only in the log-share room.
    let d = kit.send(&Msg::new("@alice:x", Role::Member, LOUNGE, "$l", "!iocs export")).unwrap();
    let Some(Effect::Reply { reply, .. }) = d.effects.last() else { panic!() };
    assert!(reply.plain.contains("iocs"), "{}", reply.plain);
    assert!(!d.effects.iter().any(|e| matches!(e, Effect::File { .. })));
}

#[test]
fn export_follows_tlp() {
    let kit = Kit::new();
    let green = access_log("203.0.113.5").replace("TLP:AMBER", "TLP:GREEN");
    text_share(&ctx(&kit), "@alice:x", LOG, "$a", &green, "!").unwrap().unwrap();
    text_share(&ctx(&kit), "@bob:x", LOG, "$b", &access_log("198.51.100.7"), "!").unwrap().unwrap();
    let file = |body: &str| -> String {
        let d = kit.send(&Msg::new("@carol:x", Role::Member, LOG, "$e", body)).unwrap();
        match d.effects.first() {
            Some(Effect::File { data, .. }) => String::from_utf8(data.clone()).unwrap(),
            other => panic!("{other:?}"),
        }
    };
    let nginx = file("!iocs export --tlp green");
    assert!(nginx.contains("deny 203.0.113.5;"), "{nginx}");
    assert!(!nginx.contains("198.51.100.7"), "AMBER left at GREEN: {nginx}");
    let csv = file("!iocs export --tlp amber --format csv");
    assert!(csv.contains("203.0.113.5,ip-src,TLP:GREEN") && csv.contains("198.51.100.7,ip-src,TLP:AMBER"), "{csv}");
    let d = kit.send(&Msg::new("@carol:x", Role::Member, LOG, "$f", "!iocs export --format xml")).unwrap();
    let Some(Effect::Reply { reply, .. }) = d.effects.last() else { panic!() };
    assert!(reply.plain.contains("xml"));
}
