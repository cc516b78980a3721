//! The Space as the rest of the bot sees it: which room is which.
//!
//! Built from the rooms recorded in sled and the current layout, once the
//! Space is in line with `rooms.toml`. Domain services use it to address the
//! moderators room, to apply a sanction to every room of the Space, and to
//! resolve an alias in a permalink without asking the homeserver.

use crate::config::layout::Layout;
use crate::config::purpose::Purpose;
use crate::store::{Store, StoreError};
use std::collections::{BTreeMap, HashMap};

/// One room (or Space node) the bot manages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomInfo {
    pub key: String,
    pub purpose: Option<Purpose>,
    pub name: String,
    pub encrypted: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// Room ID → room, for every node of the current layout (Space,
    /// categories and rooms).
    rooms: BTreeMap<String, RoomInfo>,
    by_purpose: HashMap<Purpose, String>,
    /// Full alias (`#s_lounge:example.org`) → room ID.
    by_alias: HashMap<String, String>,
    space_id: String,
}

impl Directory {
    pub fn build(store: &Store, layout: &Layout, server_name: &str) -> Result<Directory, StoreError> {
        let mut dir = Directory::default();
        for (key, record) in store.rooms.entries()? {
            let info = if key == layout.space.key {
                dir.space_id = record.room_id.clone();
                RoomInfo { key: key.clone(), purpose: None, name: layout.space.name.clone(), encrypted: false }
            } else if let Some(c) = layout.categories.iter().find(|c| c.key == key) {
                RoomInfo { key: key.clone(), purpose: None, name: c.name.clone(), encrypted: false }
            } else if let Some(r) = layout.room(&key) {
                dir.by_purpose.entry(r.purpose).or_insert_with(|| record.room_id.clone());
                RoomInfo { key: key.clone(), purpose: Some(r.purpose), name: r.name.clone(), encrypted: r.encrypted }
            } else {
                // Dropped from the layout: no longer served.
                continue;
            };
            dir.by_alias.insert(format!("#{}:{server_name}", record.alias), record.room_id.clone());
            dir.rooms.insert(record.room_id, info);
        }
        Ok(dir)
    }

    /// A directory over explicit rooms, for tests of domain services.
    pub fn from_rooms(space_id: &str, rooms: &[(&str, Purpose, bool)]) -> Directory {
        let mut dir = Directory { space_id: space_id.to_string(), ..Default::default() };
        dir.rooms.insert(
            space_id.to_string(),
            RoomInfo { key: "space".into(), purpose: None, name: "Space".into(), encrypted: false },
        );
        for &(id, purpose, encrypted) in rooms {
            dir.by_purpose.insert(purpose, id.to_string());
            dir.rooms.insert(
                id.to_string(),
                RoomInfo {
                    key: purpose.as_str().into(),
                    purpose: Some(purpose),
                    name: purpose.as_str().into(),
                    encrypted,
                },
            );
        }
        dir
    }

    pub fn space_id(&self) -> &str {
        &self.space_id
    }

    pub fn room(&self, room_id: &str) -> Option<&RoomInfo> {
        self.rooms.get(room_id)
    }

    /// The room with a purpose, if the layout has one.
    pub fn room_for(&self, purpose: Purpose) -> Option<&str> {
        self.by_purpose.get(&purpose).map(String::as_str)
    }

    /// Every room and Space node, e.g. for Space-wide sanctions.
    pub fn all_rooms(&self) -> impl Iterator<Item = &str> {
        self.rooms.keys().map(String::as_str)
    }

    /// A room ID from a room ID or an alias of a managed room.
    pub fn resolve(&self, id_or_alias: &str) -> Option<String> {
        if id_or_alias.starts_with('#') {
            self.by_alias.get(id_or_alias).cloned()
        } else {
            Some(id_or_alias.to_string())
        }
    }

    /// Room ID → purpose, for rooms that have one.
    pub fn purpose_of(&self, room_id: &str) -> Option<Purpose> {
        self.rooms.get(room_id).and_then(|r| r.purpose)
    }

    pub fn contains(&self, room_id: &str) -> bool {
        self.rooms.contains_key(room_id)
    }
}
