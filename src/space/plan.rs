//! The difference between the Space as it is and as the layout wants it.
//!
//! `plan` is a pure function: observed room state in, a list of changes out.
//! `fedisec space plan` prints the list; `apply` executes it. Running it on a
//! Space that already matches yields nothing, which is what makes repeated
//! starts change nothing.

use super::desired::{self, Deployment, Node, StateWant};
use crate::config::layout::Layout;
use crate::i18n::Locale;
use crate::store::NodeKind;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A room as read from the homeserver.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedRoom {
    pub room_id: String,
    pub room_version: String,
    pub creator: String,
    /// (event type, state key) → content.
    pub state: BTreeMap<(String, String), Value>,
}

impl ObservedRoom {
    /// Builds the view from the events of `GET /rooms/{id}/state`.
    pub fn from_events(room_id: &str, events: &[Value]) -> ObservedRoom {
        let mut room = ObservedRoom { room_id: room_id.to_string(), ..Default::default() };
        for ev in events {
            let (Some(t), Some(k)) = (ev["type"].as_str(), ev["state_key"].as_str()) else {
                continue;
            };
            let content = ev.get("content").cloned().unwrap_or(Value::Null);
            if t == "m.room.create" {
                room.room_version = content["room_version"].as_str().unwrap_or("1").to_string();
                room.creator = ev["sender"].as_str().unwrap_or_default().to_string();
            }
            room.state.insert((t.to_string(), k.to_string()), content);
        }
        room
    }

    pub fn get(&self, event_type: &str, state_key: &str) -> Option<&Value> {
        self.state.get(&(event_type.to_string(), state_key.to_string()))
    }

    pub fn membership(&self, user: &str) -> Option<&str> {
        self.get("m.room.member", user).and_then(|c| c["membership"].as_str())
    }
}

/// The Space as observed: layout key → room, plus every room ID the bot has
/// ever managed (so links to rooms dropped from the layout can be removed).
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub rooms: BTreeMap<String, ObservedRoom>,
    pub managed_ids: BTreeSet<String>,
}

impl Observed {
    /// Layout key → room ID, for the rooms that exist.
    pub fn ids(&self) -> BTreeMap<String, String> {
        self.rooms.iter().map(|(k, r)| (k.clone(), r.room_id.clone())).collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Create { key: String, kind: NodeKind, name: String, alias: String },
    SetState { key: String, event_type: String, state_key: String, content: Value },
    Invite { key: String, user: String },
}

impl Change {
    /// One line for `fedisec space plan`.
    pub fn describe(&self, locale: Locale, server_name: &str) -> String {
        match self {
            Change::Create { kind, name, alias, .. } => {
                let what = match kind {
                    NodeKind::Space => locale.pick("スペース", "space"),
                    NodeKind::Category => locale.pick("カテゴリ(サブスペース)", "category sub-space"),
                    NodeKind::Room => locale.pick("ルーム", "room"),
                };
                format!("+ {} {what} \"{name}\" #{alias}:{server_name}", locale.pick("作成", "create"))
            }
            Change::SetState { key, event_type, state_key, content } => {
                let target = if state_key.is_empty() { String::new() } else { format!(" [{state_key}]") };
                format!("~ {key}: {event_type}{target} = {content}")
            }
            Change::Invite { key, user } => {
                format!("> {key}: {} {user}", locale.pick("招待", "invite"))
            }
        }
    }
}

/// Everything needed to get from `observed` to the layout.
pub fn plan(layout: &Layout, dep: &Deployment, observed: &Observed) -> Vec<Change> {
    let nodes = desired::nodes(layout);
    let ids = observed.ids();
    let mut creates = Vec::new();
    let mut sets = Vec::new();
    let mut invites = Vec::new();
    for node in &nodes {
        let wants = desired::state(node, dep, &ids, &layout.space.key);
        match observed.rooms.get(&node.key) {
            None => {
                creates.push(Change::Create {
                    key: node.key.clone(),
                    kind: node.kind,
                    name: node.name.clone(),
                    alias: node.alias.clone(),
                });
                // Children are linked after they exist.
                for want in wants.into_iter().filter(|w| w.event_type == "m.space.child") {
                    sets.push(set(node, want));
                }
            }
            Some(room) => {
                for want in wants {
                    if needs(room, &want) {
                        sets.push(set(node, want));
                    }
                }
                let pl = desired::power_levels(node, dep, &room.room_version, room.creator == dep.bot);
                let current = room.get("m.room.power_levels", "").cloned().unwrap_or(Value::Null);
                if let Some(content) = merge_power_levels(&current, &pl) {
                    sets.push(Change::SetState {
                        key: node.key.clone(),
                        event_type: "m.room.power_levels".into(),
                        state_key: String::new(),
                        content,
                    });
                }
                sets.extend(stale_links(node, room, &ids, observed));
            }
        }
        if node.kind == NodeKind::Space || node.invite_only {
            let room = observed.rooms.get(&node.key);
            for admin in &dep.admins {
                if room.and_then(|r| r.membership(admin)).is_none() {
                    invites.push(Change::Invite { key: node.key.clone(), user: admin.clone() });
                }
            }
        }
    }
    creates.into_iter().chain(sets).chain(invites).collect()
}

fn set(node: &Node, want: StateWant) -> Change {
    Change::SetState {
        key: node.key.clone(),
        event_type: want.event_type.to_string(),
        state_key: want.state_key,
        content: want.content,
    }
}

fn needs(room: &ObservedRoom, want: &StateWant) -> bool {
    match room.get(want.event_type, &want.state_key) {
        // Encryption cannot be turned off or changed once on; presence is enough.
        Some(_) if want.event_type == "m.room.encryption" => false,
        Some(current) => current != &want.content,
        None => true,
    }
}

/// Space links to rooms the bot manages that this node should no longer have:
/// a room dropped from the layout, or moved to another category.
fn stale_links(node: &Node, room: &ObservedRoom, ids: &BTreeMap<String, String>, observed: &Observed) -> Vec<Change> {
    let wanted_children: BTreeSet<&String> = node.children.iter().filter_map(|k| ids.get(k)).collect();
    let wanted_parent = node.parent.as_ref().and_then(|k| ids.get(k));
    room.state
        .iter()
        .filter(|((t, k), content)| {
            let live = content.as_object().is_some_and(|o| !o.is_empty());
            let managed = observed.managed_ids.contains(k);
            live && managed
                && ((t == "m.space.child" && !wanted_children.contains(k))
                    || (t == "m.space.parent" && Some(k) != wanted_parent))
        })
        .map(|((t, k), _)| Change::SetState {
            key: node.key.clone(),
            event_type: t.clone(),
            state_key: k.clone(),
            content: Value::Object(Map::new()),
        })
        .collect()
}

const PL_SCALARS: [&str; 8] =
    ["users_default", "events_default", "state_default", "ban", "kick", "redact", "invite", "notifications"];

/// The power levels to send, or `None` if `current` already grants what
/// `wanted` asks. Levels the bot does not manage, and users it does not list,
/// are kept; listed users are raised, never lowered (a moderator promoted by
/// hand stays promoted; a sanctioned user is not touched).
pub fn merge_power_levels(current: &Value, wanted: &Value) -> Option<Value> {
    let mut merged = current.as_object().cloned().unwrap_or_default();
    for key in PL_SCALARS {
        if key == "notifications" {
            let notif = merged.entry("notifications").or_insert_with(|| Value::Object(Map::new()));
            if let (Some(n), Some(room)) = (notif.as_object_mut(), wanted["notifications"].get("room")) {
                n.insert("room".into(), room.clone());
            }
        } else if let Some(v) = wanted.get(key) {
            merged.insert(key.into(), v.clone());
        }
    }
    for field in ["events", "users"] {
        let entry = merged.entry(field).or_insert_with(|| Value::Object(Map::new()));
        let Some(map) = entry.as_object_mut() else {
            continue;
        };
        for (k, v) in wanted[field].as_object().into_iter().flatten() {
            let keep_higher = field == "users" && map.get(k).and_then(Value::as_i64) >= v.as_i64();
            if !keep_higher {
                map.insert(k.clone(), v.clone());
            }
        }
    }
    let merged = Value::Object(merged);
    (&merged != current).then_some(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::layout::DEFAULT_LAYOUT;
    use serde_json::json;
    use std::path::Path;

    fn layout(text: &str) -> Layout {
        Layout::parse(Path::new("r"), text, "f_", &|_| true, "").unwrap()
    }

    fn dep() -> Deployment {
        Deployment {
            server_name: "hs".into(),
            bot: "@bot:hs".into(),
            admins: vec!["@admin:hs".into()],
            room_version: "12".into(),
        }
    }

    /// Simulates a homeserver that applied `changes` faithfully.
    fn apply(layout: &Layout, observed: &mut Observed, changes: &[Change]) {
        let mut n = observed.rooms.len();
        for c in changes {
            if let Change::Create { key, .. } = c {
                n += 1;
                let id = format!("!{key}{n}:hs");
                observed.managed_ids.insert(id.clone());
                observed.rooms.insert(
                    key.clone(),
                    ObservedRoom {
                        room_id: id,
                        room_version: "12".into(),
                        creator: "@bot:hs".into(),
                        ..Default::default()
                    },
                );
            }
        }
        // Initial state as `apply` sends it, with the IDs now known.
        let ids = observed.ids();
        for node in desired::nodes(layout) {
            let created = changes.iter().any(|c| matches!(c, Change::Create { key, .. } if *key == node.key));
            let room = observed.rooms.get_mut(&node.key).unwrap();
            if created {
                for w in desired::state(&node, &dep(), &ids, &layout.space.key) {
                    if w.event_type != "m.space.child" {
                        room.state.insert((w.event_type.into(), w.state_key), w.content);
                    }
                }
                let pl = desired::power_levels(&node, &dep(), "12", true);
                room.state.insert(("m.room.power_levels".into(), String::new()), pl);
            }
        }
        for c in changes {
            match c {
                Change::SetState { key, event_type, state_key, content } => {
                    let sk = state_key
                        .strip_prefix("<new room ")
                        .map_or(state_key.clone(), |k| ids[k.trim_end_matches('>')].clone());
                    observed.rooms.get_mut(key).unwrap().state.insert((event_type.clone(), sk), content.clone());
                }
                Change::Invite { key, user } => {
                    observed
                        .rooms
                        .get_mut(key)
                        .unwrap()
                        .state
                        .insert(("m.room.member".into(), user.clone()), json!({"membership": "invite"}));
                }
                Change::Create { .. } => {}
            }
        }
    }

    #[test]
    fn empty_server_gets_the_whole_space_then_nothing() {
        let layout = layout(DEFAULT_LAYOUT);
        let mut observed = Observed::default();
        let first = plan(&layout, &dep(), &observed);
        let creates = first.iter().filter(|c| matches!(c, Change::Create { .. })).count();
        // The founding channel list (14 rooms) plus the policy room.
        assert_eq!(creates, 1 + 5 + 15);
        let invites: Vec<_> = first
            .iter()
            .filter_map(|c| match c {
                Change::Invite { key, .. } => Some(key.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(invites, ["space", "welcome", "moderators"]);
        apply(&layout, &mut observed, &first);
        let second = plan(&layout, &dep(), &observed);
        assert_eq!(second, vec![], "a matching Space needs no change");
    }

    #[test]
    fn rename_and_new_room_touch_only_what_changed() {
        let mut observed = Observed::default();
        let before = layout(DEFAULT_LAYOUT);
        let changes = plan(&before, &dep(), &observed);
        apply(&before, &mut observed, &changes);

        let text = DEFAULT_LAYOUT.replace("name = \"談話室\"", "name = \"雑談\"")
            + "\n[[category.room]]\nkey = \"tools\"\npurpose = \"general\"\nname = \"ツール\"\n";
        let after = layout(&text);
        let changes = plan(&after, &dep(), &observed);
        assert_eq!(
            changes,
            vec![
                Change::Create {
                    key: "tools".into(),
                    kind: NodeKind::Room,
                    name: "ツール".into(),
                    alias: "f_tools".into()
                },
                Change::SetState {
                    key: "other".into(),
                    event_type: "m.space.child".into(),
                    state_key: "<new room tools>".into(),
                    content: json!({"via": ["hs"], "order": "04", "suggested": true}),
                },
                Change::SetState {
                    key: "lounge".into(),
                    event_type: "m.room.name".into(),
                    state_key: String::new(),
                    content: json!({"name": "雑談"}),
                },
            ]
        );
    }

    #[test]
    fn dropped_room_is_detached_not_deleted() {
        let mut observed = Observed::default();
        let before = layout(DEFAULT_LAYOUT);
        let changes = plan(&before, &dep(), &observed);
        apply(&before, &mut observed, &changes);
        let lounge_id = observed.rooms["lounge"].room_id.clone();
        // The lounge is the last room of the default layout.
        let cut = DEFAULT_LAYOUT.find("[[category.room]]\nkey = \"lounge\"").unwrap();
        let text = &DEFAULT_LAYOUT[..cut];
        let after = layout(text);
        observed.rooms.remove("lounge");
        let changes = plan(&after, &dep(), &observed);
        assert_eq!(
            changes,
            vec![Change::SetState {
                key: "other".into(),
                event_type: "m.space.child".into(),
                state_key: lounge_id,
                content: json!({}),
            }]
        );
    }

    #[test]
    fn power_levels_merge_keeps_others_and_never_demotes() {
        let current = json!({
            "users": {"@mod:hs": 75, "@muted:hs": -1, "@admin:hs": 100},
            "events": {"m.custom": 10},
            "events_default": 0,
            "extra": true
        });
        let wanted = json!({
            "users": {"@admin:hs": 50, "@bot:hs": 100},
            "events": {"m.room.name": 50},
            "events_default": 50,
            "notifications": {"room": 50}
        });
        let merged = merge_power_levels(&current, &wanted).unwrap();
        assert_eq!(merged["users"], json!({"@mod:hs": 75, "@muted:hs": -1, "@admin:hs": 100, "@bot:hs": 100}));
        assert_eq!(merged["events"], json!({"m.custom": 10, "m.room.name": 50}));
        assert_eq!(merged["events_default"], 50);
        assert_eq!(merged["extra"], true);
        assert_eq!(merge_power_levels(&merged, &wanted), None);
    }

    #[test]
    fn creator_is_kept_out_of_users_in_v12_only() {
        let node = &desired::nodes(&layout(DEFAULT_LAYOUT))[0];
        let v12 = desired::power_levels(node, &dep(), "12", true);
        assert!(v12["users"].get("@bot:hs").is_none());
        let v10 = desired::power_levels(node, &dep(), "10", true);
        assert_eq!(v10["users"]["@bot:hs"], 100);
    }

    #[test]
    fn read_only_and_encrypted_rooms() {
        let layout = layout(DEFAULT_LAYOUT);
        let nodes = desired::nodes(&layout);
        let vuln = nodes.iter().find(|n| n.key == "vuln-info").unwrap();
        assert_eq!(desired::power_levels(vuln, &dep(), "12", true)["events_default"], 50);
        let log = nodes.iter().find(|n| n.key == "log-share").unwrap();
        let ids = BTreeMap::from([("space".to_string(), "!s:hs".to_string())]);
        let state = desired::state(log, &dep(), &ids, "space");
        let get = |t: &str| state.iter().find(|w| w.event_type == t).map(|w| w.content.clone());
        assert_eq!(get("m.room.encryption"), Some(json!({"algorithm": "m.megolm.v1.aes-sha2"})));
        assert_eq!(get("m.room.history_visibility"), Some(json!({"history_visibility": "joined"})));
        assert_eq!(
            get("m.room.join_rules"),
            Some(json!({"join_rule": "restricted", "allow": [{"type": "m.room_membership", "room_id": "!s:hs"}]}))
        );
        let mods = nodes.iter().find(|n| n.key == "moderators").unwrap();
        let state = desired::state(mods, &dep(), &ids, "space");
        assert_eq!(
            state.iter().find(|w| w.event_type == "m.room.join_rules").unwrap().content,
            json!({"join_rule": "invite"})
        );
    }
}
