//! The appservice HTTP API: hs_token checks, idempotent transactions, health, metrics.

use crate::block_on;
use crate::support::bot::Bot;
use crate::support::synapse::Synapse;
use libtest_mimic::Failed;
use serde_json::json;

pub fn hs_token_is_checked_and_transactions_are_idempotent(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let bot = Bot::start(&slot)?;
    let reg: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(slot.dir.join("registration.yaml"))?)?;
    let hs_token = reg["hs_token"].as_str().unwrap().to_string();
    block_on(async {
        let http = reqwest::Client::new();
        let base = slot.as_url();
        let txn = |id: &str| format!("{base}/_matrix/app/v1/transactions/{id}");
        let body = json!({"events": [{"type": "m.room.message", "event_id": "$x", "room_id": "!r:localhost", "sender": "@a:localhost", "content": {}}]});

        let r = http.put(txn("t1")).json(&body).send().await?;
        assert_eq!(r.status(), 401, "missing token");
        assert_eq!(r.json::<serde_json::Value>().await?["errcode"], "M_UNAUTHORIZED");
        let r = http.put(txn("t1")).bearer_auth("wrong").json(&body).send().await?;
        assert_eq!(r.status(), 403, "wrong token");
        assert_eq!(r.json::<serde_json::Value>().await?["errcode"], "M_FORBIDDEN");
        let r = http.put(txn("t1")).bearer_auth(reg["as_token"].as_str().unwrap()).json(&body).send().await?;
        assert_eq!(r.status(), 403, "the as_token is not the hs_token");

        let metrics = || async { http.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap() };
        let count = |text: &str, name: &str| -> u64 {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{name} ")))
                .and_then(|v| v.parse().ok())
                .unwrap_or(u64::MAX)
        };
        let before = metrics().await;
        for _ in 0..3 {
            let r = http.put(txn("fedisec-test-t1")).bearer_auth(&hs_token).json(&body).send().await?;
            assert_eq!(r.status(), 200);
            assert_eq!(r.json::<serde_json::Value>().await?, json!({}));
        }
        let after = metrics().await;
        let name = "fedisec_appservice_transactions_duplicate_total";
        assert_eq!(count(&after, name) - count(&before, name), 2, "a retried transaction is recognised");
        let r = http.put(txn("t2")).bearer_auth(&hs_token).body("not json").send().await?;
        assert_eq!(r.status(), 400);

        let r = http.post(format!("{base}/_matrix/app/v1/ping")).bearer_auth(&hs_token).json(&json!({})).send().await?;
        assert_eq!(r.status(), 200);
        let r = http.post(format!("{base}/_matrix/app/v1/ping")).json(&json!({})).send().await?;
        assert_eq!(r.status(), 401);
        let r =
            http.get(format!("{base}/_matrix/app/v1/users/{}", slot.bot_user())).bearer_auth(&hs_token).send().await?;
        assert_eq!(r.status(), 200);
        let r = http.get(format!("{base}/_matrix/app/v1/rooms/%23x:localhost")).bearer_auth(&hs_token).send().await?;
        assert_eq!(r.status(), 404);

        let health: serde_json::Value = http.get(format!("{base}/health")).send().await?.json().await?;
        assert_eq!(health["status"], "ok");
        assert!(health["space"].as_str().unwrap().starts_with('!'));
        assert!(after.contains("fedisec_ready 1"), "{after}");
        // Synapse itself reached the API at start (MSC2659 ping) and pushes transactions.
        assert!(bot.log().contains("homeserver reached the appservice API"), "{}", bot.log());
        assert!(count(&after, "fedisec_appservice_transactions_total") >= 1, "{after}");
        Ok(())
    })
}
