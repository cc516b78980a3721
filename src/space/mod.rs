//! The community Space, built from the layout and kept in line with it.
//!
//! Sans-I/O: `desired` says what each room should look like, `plan` compares
//! that with what the homeserver reports and lists the changes. The Matrix edge
//! (`matrix::space_sync`) reads the state, creates rooms parents-first, and
//! sends the changes.

pub mod desired;
pub mod directory;
pub mod messages;
pub mod plan;

use desired::{Deployment, Node};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The body of a `POST /createRoom` for a node, with every state event it
/// should start with — except links to children, which do not exist yet.
pub fn create_request(node: &Node, dep: &Deployment, ids: &BTreeMap<String, String>, space_key: &str) -> Value {
    let initial_state: Vec<Value> = desired::state(node, dep, ids, space_key)
        .into_iter()
        // Name and topic go in as state too: createRoom's `topic` parameter adds
        // fields (`m.topic`) the plan would then see as a difference.
        .filter(|w| !matches!(w.event_type, "m.space.child" | "m.room.canonical_alias"))
        .map(|w| json!({ "type": w.event_type, "state_key": w.state_key, "content": w.content }))
        .collect();
    let mut body = json!({
        "preset": "private_chat",
        "visibility": "private",
        "room_version": dep.room_version,
        "room_alias_name": node.alias,
        "initial_state": initial_state,
        "power_level_content_override": desired::power_levels(node, dep, &dep.room_version, true),
    });
    if node.kind != crate::store::NodeKind::Room {
        body["creation_content"] = json!({ "type": "m.space" });
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::layout::{DEFAULT_LAYOUT, Layout};
    use std::path::Path;

    #[test]
    fn log_share_is_created_encrypted_and_spaces_are_spaces() {
        let layout = Layout::parse(Path::new("r"), DEFAULT_LAYOUT, "f_", &|_| true, "").unwrap();
        let dep =
            Deployment { server_name: "hs".into(), bot: "@bot:hs".into(), admins: vec![], room_version: "12".into() };
        let nodes = desired::nodes(&layout);
        let ids =
            BTreeMap::from([("space".to_string(), "!s:hs".to_string()), ("incident".to_string(), "!i:hs".to_string())]);
        let log = nodes.iter().find(|n| n.key == "log-share").unwrap();
        let body = create_request(log, &dep, &ids, "space");
        let types: Vec<_> =
            body["initial_state"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert!(types.contains(&"m.room.encryption"));
        assert!(types.contains(&"m.space.parent"));
        assert!(types.contains(&"m.room.name") && types.contains(&"m.room.topic"));
        assert_eq!(body["room_alias_name"], "f_log-share");
        assert!(body.get("creation_content").is_none());
        let space = create_request(&nodes[0], &dep, &ids, "space");
        assert_eq!(space["creation_content"]["type"], "m.space");
        assert!(space["power_level_content_override"]["users"].get("@bot:hs").is_none());
    }
}
