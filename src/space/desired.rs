//! The state every room of the Space should have, computed from the layout.
//!
//! Pure functions of the layout, the config and the room IDs known so far. For a
//! room not created yet, its ID is a placeholder; `plan` shows it and `apply`
//! creates rooms parents-first so the real ID is known when a child needs it.

use crate::config::layout::Layout;
use crate::roles::{BOT_LEVEL, MODERATOR_LEVEL};
use crate::store::NodeKind;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Facts about the deployment the desired state depends on.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub server_name: String,
    pub bot: String,
    pub admins: Vec<String>,
    pub room_version: String,
}

/// One node of the Space tree: the Space, a category sub-space, or a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub key: String,
    pub kind: NodeKind,
    pub name: String,
    pub topic: Option<String>,
    pub alias: String,
    pub parent: Option<String>,
    pub children: Vec<String>,
    pub invite_only: bool,
    pub read_only: bool,
    pub encrypted: bool,
    pub purpose: Option<crate::config::purpose::Purpose>,
}

/// The Space, then each category followed by its rooms: parents before children.
pub fn nodes(layout: &Layout) -> Vec<Node> {
    let space = &layout.space;
    let mut out = vec![Node {
        key: space.key.clone(),
        kind: NodeKind::Space,
        name: space.name.clone(),
        topic: space.topic.clone(),
        alias: space.alias.clone(),
        parent: None,
        children: layout.categories.iter().map(|c| c.key.clone()).collect(),
        // Referral-only: people enter the Space by invitation.
        invite_only: true,
        read_only: false,
        encrypted: false,
        purpose: None,
    }];
    for cat in &layout.categories {
        out.push(Node {
            key: cat.key.clone(),
            kind: NodeKind::Category,
            name: cat.name.clone(),
            topic: cat.topic.clone(),
            alias: cat.alias.clone(),
            parent: Some(space.key.clone()),
            children: cat.rooms.iter().map(|r| r.key.clone()).collect(),
            invite_only: false,
            read_only: false,
            encrypted: false,
            purpose: None,
        });
        for room in &cat.rooms {
            out.push(Node {
                key: room.key.clone(),
                kind: NodeKind::Room,
                name: room.name.clone(),
                topic: room.topic.clone(),
                alias: room.alias.clone(),
                parent: Some(cat.key.clone()),
                children: vec![],
                invite_only: room.invite_only,
                read_only: room.read_only,
                encrypted: room.encrypted,
                purpose: Some(room.purpose),
            });
        }
    }
    out
}

/// A state event the bot wants in a room.
#[derive(Debug, Clone, PartialEq)]
pub struct StateWant {
    pub event_type: &'static str,
    pub state_key: String,
    pub content: Value,
}

/// Whether the room version gives creators unbounded power (MSC4289, room
/// version 12 and later): then the creator must not be listed in `users`.
pub fn creator_has_infinite_power(room_version: &str) -> bool {
    !matches!(room_version, "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "10" | "11")
}

/// Power levels for a node; `bot_is_creator` and the room version decide
/// whether the bot appears in `users`.
pub fn power_levels(node: &Node, dep: &Deployment, room_version: &str, bot_is_creator: bool) -> Value {
    let mut users = serde_json::Map::new();
    if !(bot_is_creator && creator_has_infinite_power(room_version)) {
        users.insert(dep.bot.clone(), json!(BOT_LEVEL));
    }
    for admin in &dep.admins {
        users.insert(admin.clone(), json!(MODERATOR_LEVEL));
    }
    let events_default = if node.read_only { MODERATOR_LEVEL } else { 0 };
    json!({
        "users": users,
        "users_default": 0,
        "events_default": events_default,
        "state_default": MODERATOR_LEVEL,
        "ban": MODERATOR_LEVEL,
        "kick": MODERATOR_LEVEL,
        "redact": MODERATOR_LEVEL,
        // Referral-only: members do not invite directly; referrals go through the bot.
        "invite": MODERATOR_LEVEL,
        "events": {
            "m.room.name": MODERATOR_LEVEL,
            "m.room.topic": MODERATOR_LEVEL,
            "m.room.avatar": MODERATOR_LEVEL,
            "m.room.canonical_alias": MODERATOR_LEVEL,
            "m.room.pinned_events": MODERATOR_LEVEL,
            "m.room.power_levels": BOT_LEVEL,
            "m.room.history_visibility": BOT_LEVEL,
            "m.room.join_rules": BOT_LEVEL,
            "m.room.encryption": BOT_LEVEL,
            "m.room.server_acl": BOT_LEVEL,
            "m.room.tombstone": BOT_LEVEL,
            "m.space.child": BOT_LEVEL,
            "m.space.parent": BOT_LEVEL,
            // Members may react even in read-only rooms (acknowledgements, votes).
            "m.reaction": 0,
            "m.room.redaction": 0,
        },
        "notifications": { "room": MODERATOR_LEVEL },
    })
}

/// The state events (other than power levels) a node should have. `ids` maps
/// layout keys to room IDs (or placeholders for rooms not created yet).
pub fn state(node: &Node, dep: &Deployment, ids: &BTreeMap<String, String>, space_key: &str) -> Vec<StateWant> {
    let id = |key: &str| ids.get(key).cloned().unwrap_or_else(|| format!("<new room {key}>"));
    let via = json!([dep.server_name]);
    let mut out =
        vec![StateWant { event_type: "m.room.name", state_key: String::new(), content: json!({ "name": node.name }) }];
    if let Some(topic) = &node.topic {
        out.push(StateWant {
            event_type: "m.room.topic",
            state_key: String::new(),
            content: json!({ "topic": topic }),
        });
    }
    out.push(StateWant {
        event_type: "m.room.canonical_alias",
        state_key: String::new(),
        content: json!({ "alias": format!("#{}:{}", node.alias, dep.server_name) }),
    });
    let join_rules = if node.invite_only {
        json!({ "join_rule": "invite" })
    } else {
        json!({ "join_rule": "restricted", "allow": [{ "type": "m.room_membership", "room_id": id(space_key) }] })
    };
    out.push(StateWant { event_type: "m.room.join_rules", state_key: String::new(), content: join_rules });
    let history = if node.encrypted { "joined" } else { "shared" };
    out.push(StateWant {
        event_type: "m.room.history_visibility",
        state_key: String::new(),
        content: json!({ "history_visibility": history }),
    });
    out.push(StateWant {
        event_type: "m.room.guest_access",
        state_key: String::new(),
        content: json!({ "guest_access": "forbidden" }),
    });
    if node.encrypted {
        out.push(StateWant {
            event_type: "m.room.encryption",
            state_key: String::new(),
            content: json!({ "algorithm": "m.megolm.v1.aes-sha2" }),
        });
    }
    if let Some(parent) = &node.parent {
        out.push(StateWant {
            event_type: "m.space.parent",
            state_key: id(parent),
            content: json!({ "via": via, "canonical": true }),
        });
    }
    for (i, child) in node.children.iter().enumerate() {
        out.push(StateWant {
            event_type: "m.space.child",
            state_key: id(child),
            content: json!({ "via": via, "order": format!("{:02}", i + 1), "suggested": true }),
        });
    }
    out
}
