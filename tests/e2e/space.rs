//! The Space from rooms.toml: built on first start, unchanged by a second,
//! edited by editing the file, and previewed by `fedisec space plan`.

use crate::block_on;
use crate::support::bot::{Bot, cli};
use crate::support::synapse::{Slot, Synapse};
use crate::support::users::{Member, state_content};
use libtest_mimic::Failed;
use matrix_sdk::ruma::OwnedRoomId;
use serde_json::{Value, json};

/// Reads state with the appservice token acting as the bot, as an operator's tool would.
pub struct Inspector {
    http: reqwest::Client,
    base: String,
    token: String,
    bot: String,
}

impl Inspector {
    pub fn new(hs: &Synapse, slot: &Slot) -> Inspector {
        let reg: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(slot.dir.join("registration.yaml")).unwrap()).unwrap();
        Inspector {
            http: reqwest::Client::new(),
            base: hs.url.clone(),
            token: reg["as_token"].as_str().unwrap().to_string(),
            bot: slot.bot_user(),
        }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let resp = self
            .http
            .get(format!("{}{path}?user_id={}", self.base, self.bot.replace('@', "%40").replace(':', "%3A")))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn resolve(&self, alias: &str) -> Option<String> {
        let (status, v) = self.get(&format!("/_matrix/client/v3/directory/room/{}", alias.replace('#', "%23"))).await;
        (status == 200).then(|| v["room_id"].as_str().unwrap().to_string())
    }

    pub async fn state(&self, room_id: &str) -> Vec<Value> {
        let (status, v) = self.get(&format!("/_matrix/client/v3/rooms/{room_id}/state")).await;
        assert_eq!(status, 200, "state of {room_id}: {v}");
        v.as_array().cloned().unwrap_or_default()
    }
}

fn children(state: &[Value]) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = state
        .iter()
        .filter(|e| e["type"] == "m.space.child" && e["content"].as_object().is_some_and(|o| !o.is_empty()))
        .map(|e| (e["state_key"].as_str().unwrap().to_string(), e["content"].clone()))
        .collect();
    out.sort_by(|a, b| a.1["order"].as_str().cmp(&b.1["order"].as_str()));
    out
}

pub fn built_from_rooms_toml_and_idempotent(hs: &Synapse) -> Result<(), Failed> {
    let slot = hs.take_slot();
    let bot = Bot::start(&slot)?;
    block_on(async {
        let ins = Inspector::new(hs, &slot);
        let layout = fedisec::config::layout::Layout::parse(
            std::path::Path::new("rooms.toml"),
            fedisec::config::layout::DEFAULT_LAYOUT,
            &slot.alias_prefix,
            &|_| true,
            "",
        )
        .unwrap();
        let space_id = ins.resolve(&slot.alias("space")).await.expect("the Space has its alias");
        let space = ins.state(&space_id).await;
        assert_eq!(state_content(&space, "m.room.create", "").unwrap()["type"], "m.space");
        assert_eq!(state_content(&space, "m.room.name", "").unwrap()["name"], "Fediverseセキュリティ情報共有");
        assert_eq!(state_content(&space, "m.room.join_rules", "").unwrap()["join_rule"], "invite");
        assert_eq!(state_content(&space, "m.room.power_levels", "").unwrap()["users"][&slot.admin], 50);
        assert_eq!(state_content(&space, "m.room.member", &slot.admin).unwrap()["membership"], "invite");

        // Categories are sub-spaces, in layout order, linked both ways.
        let cats = children(&space);
        assert_eq!(cats.len(), 5);
        let mut room_ids: Vec<(String, String)> = Vec::new();
        for ((cat_id, link), cat) in cats.iter().zip(&layout.categories) {
            assert_eq!(link["via"], json!(["localhost"]));
            let cat_state = ins.state(cat_id).await;
            assert_eq!(state_content(&cat_state, "m.room.name", "").unwrap()["name"], cat.name.as_str());
            assert_eq!(state_content(&cat_state, "m.room.create", "").unwrap()["type"], "m.space");
            assert_eq!(state_content(&cat_state, "m.space.parent", &space_id).unwrap()["canonical"], true);
            let rooms = children(&cat_state);
            assert_eq!(rooms.len(), cat.rooms.len(), "rooms of {}", cat.key);
            for ((room_id, _), spec) in rooms.iter().zip(&cat.rooms) {
                let st = ins.state(room_id).await;
                assert_eq!(state_content(&st, "m.room.name", "").unwrap()["name"], spec.name.as_str(), "{}", spec.key);
                assert_eq!(state_content(&st, "m.space.parent", cat_id).unwrap()["canonical"], true);
                assert_eq!(
                    state_content(&st, "m.room.canonical_alias", "").unwrap()["alias"],
                    slot.alias(&spec.key).as_str()
                );
                let rules = state_content(&st, "m.room.join_rules", "").unwrap();
                let pl = state_content(&st, "m.room.power_levels", "").unwrap();
                if spec.invite_only {
                    assert_eq!(rules["join_rule"], "invite", "{}", spec.key);
                    assert_eq!(state_content(&st, "m.room.member", &slot.admin).unwrap()["membership"], "invite");
                } else {
                    assert_eq!(
                        rules,
                        &json!({"join_rule": "restricted", "allow": [{"type": "m.room_membership", "room_id": space_id}]}),
                        "{}",
                        spec.key
                    );
                }
                let read_only = ["announcements", "policy", "vuln-info", "alerts"].contains(&spec.key.as_str());
                assert_eq!(pl["events_default"], if read_only { 50 } else { 0 }, "{}", spec.key);
                assert_eq!(pl["users"][&slot.admin], 50);
                assert!(pl["users"].get(slot.bot_user()).is_none(), "room v12: the bot is creator, not listed");
                assert_eq!(state_content(&st, "m.room.create", "").unwrap()["room_version"], "12");
                if spec.key == "log-share" {
                    assert_eq!(state_content(&st, "m.room.encryption", "").unwrap()["algorithm"], "m.megolm.v1.aes-sha2");
                    assert_eq!(state_content(&st, "m.room.history_visibility", "").unwrap()["history_visibility"], "joined");
                } else {
                    assert!(state_content(&st, "m.room.encryption", "").is_none(), "{}", spec.key);
                }
                room_ids.push((spec.key.clone(), room_id.clone()));
            }
        }

        // Members get in through the Space; outsiders do not; read-only holds.
        let admin = Member::register(&hs.url, &format!("admin{}", slot.index)).await;
        let space_room: OwnedRoomId = space_id.as_str().try_into().unwrap();
        admin.accept_invite(&space_room).await;
        let lounge: OwnedRoomId = ins.resolve(&slot.alias("lounge")).await.unwrap().as_str().try_into().unwrap();
        admin.join(&lounge).await;
        let member = Member::register(&hs.url, &format!("member{}", slot.index)).await;
        let space_admin_room = admin.client.get_room(&space_room).unwrap();
        space_admin_room.invite_user_by_id(member.client.user_id().unwrap()).await?;
        member.accept_invite(&space_room).await;
        let vuln: OwnedRoomId = ins.resolve(&slot.alias("vuln-info")).await.unwrap().as_str().try_into().unwrap();
        let vuln_room = member.join(&vuln).await;
        let denied = vuln_room.send(matrix_sdk::ruma::events::room::message::RoomMessageEventContent::text_plain("x")).await;
        assert!(denied.is_err(), "members cannot post in the read-only vuln-info room");
        let stranger = Member::register(&hs.url, &format!("stranger{}", slot.index)).await;
        assert!(stranger.client.join_room_by_id(&lounge).await.is_err(), "non-members cannot join Space rooms");
        assert!(stranger.client.join_room_by_id(&space_room).await.is_err(), "the Space is invite-only");
        Ok::<_, Failed>(room_ids)
    })
    .and_then(|room_ids| {
        bot.stop();
        // Nothing to do on an unchanged layout.
        let out = cli(&["space", "plan"], &slot.config);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("変更はありません"), "{text}");

        // Rename a room, change a topic, add a room: plan lists exactly that.
        let rooms_path = slot.dir.join("rooms.toml");
        let edited = fedisec::config::layout::DEFAULT_LAYOUT
            .replace("name = \"談話室\"", "name = \"雑談\"")
            .replace("topic = \"セキュリティニュースのフィードが流れます。\"", "topic = \"ニュース\"")
            + "\n[[category.room]]\nkey = \"tools\"\npurpose = \"general\"\nname = \"ツール\"\n";
        std::fs::write(&rooms_path, edited)?;
        let out = cli(&["space", "plan"], &slot.config);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains("4 件の変更があります"), "{text}");
        assert!(text.contains(&format!("+ 作成 ルーム \"ツール\" #{}tools:localhost", slot.alias_prefix)), "{text}");
        assert!(text.contains("~ lounge: m.room.name = {\"name\":\"雑談\"}"), "{text}");
        assert!(text.contains("~ news: m.room.topic"), "{text}");
        assert!(text.contains("~ other: m.space.child [<new room tools>]"), "{text}");

        let bot = Bot::start(&slot)?;
        block_on(async {
            let ins = Inspector::new(hs, &slot);
            let lounge = ins.resolve(&slot.alias("lounge")).await.unwrap();
            let before = room_ids.iter().find(|(k, _)| k == "lounge").unwrap();
            assert_eq!(lounge, before.1, "renaming keeps the room");
            assert_eq!(state_content(&ins.state(&lounge).await, "m.room.name", "").unwrap()["name"], "雑談");
            let other = ins.resolve(&slot.alias("other")).await.unwrap();
            let tools = ins.resolve(&slot.alias("tools")).await.expect("new room created");
            let kids: Vec<String> = children(&ins.state(&other).await).into_iter().map(|(id, _)| id).collect();
            assert_eq!(kids.len(), 4);
            assert_eq!(kids.last(), Some(&tools));
            for (key, id) in &room_ids {
                assert_eq!(ins.resolve(&slot.alias(key)).await.as_ref(), Some(id), "no duplicate for {key}");
            }
        });
        bot.stop();
        let out = cli(&["space", "plan"], &slot.config);
        assert!(String::from_utf8_lossy(&out.stdout).contains("変更はありません"));

        // The export holds the rooms and an audit entry per creation.
        let out = cli(&["export"], &slot.config);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let json: Value = serde_json::from_slice(&out.stdout)?;
        assert_eq!(json["schema_version"], 1);
        assert_eq!(json["rooms"].as_object().unwrap().len(), 22);
        assert_eq!(json["rooms"]["log-share"]["purpose"], "log-share");
        let audit = json["audit"].as_array().unwrap();
        let creations = audit.iter().filter(|e| e["action"] == "space.room.create").count();
        assert_eq!(creations, 22);
        let seqs: Vec<u64> = audit.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "audit is in order");
        assert!(audit.iter().any(|e| e["action"] == "space.invite" && e["target"].as_str().unwrap().ends_with(&slot.admin)));
        Ok(())
    })
}
