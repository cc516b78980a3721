//! Reads the Space from the homeserver and makes it match the layout.
//!
//! The I/O half of `space`: resolve each node's alias, read its state, create
//! what is missing (parents first, so children can point at them), then send
//! the changes `space::plan` lists. Every room creation and change is
//! recorded in sled and in the audit log.

use super::as_api::{ApiError, AsApi};
use crate::config::Setup;
use crate::space::desired::{self, Deployment};
use crate::space::plan::{self, Change, Observed, ObservedRoom};
use crate::store::{AuditEntry, RoomRecord, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `apply` did.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub created: usize,
    pub changed: usize,
    pub invited: usize,
    pub space_id: String,
    /// Changes that the homeserver refused, with why; the rest were applied.
    pub failed: Vec<String>,
}

pub fn deployment(setup: &Setup) -> Deployment {
    Deployment {
        server_name: setup.config.server_name.to_string(),
        bot: setup.config.bot_user_id().to_string(),
        admins: setup.config.admins.iter().map(|a| a.to_string()).collect(),
        room_version: setup.config.room_version.clone(),
    }
}

/// Reads the current state of every node of the layout.
pub async fn observe(api: &AsApi, setup: &Setup, store: &Store) -> Result<Observed, SyncError> {
    let server = setup.config.server_name.as_str();
    let records = store.rooms.entries()?;
    let mut observed =
        Observed { managed_ids: records.iter().map(|(_, r)| r.room_id.clone()).collect(), ..Default::default() };
    for node in desired::nodes(&setup.layout) {
        let alias = format!("#{}:{server}", node.alias);
        let room_id = match api.resolve_alias(&alias).await? {
            Some(id) => Some(id),
            // The alias was removed by hand: the room we recorded is still ours.
            None => match records.iter().find(|(k, _)| *k == node.key) {
                Some((_, rec)) if api.room_state(&rec.room_id).await.is_ok() => {
                    tracing::warn!(%alias, room_id = %rec.room_id, "alias missing; restoring it");
                    api.put_alias(&alias, &rec.room_id).await?;
                    Some(rec.room_id.clone())
                }
                _ => None,
            },
        };
        if let Some(id) = room_id {
            let events = api.room_state(&id).await?;
            observed.managed_ids.insert(id.clone());
            observed.rooms.insert(node.key.clone(), ObservedRoom::from_events(&id, &events));
        }
    }
    Ok(observed)
}

/// The changes that would be made, without making them.
pub async fn plan(api: &AsApi, setup: &Setup, store: &Store) -> Result<Vec<Change>, SyncError> {
    let observed = observe(api, setup, store).await?;
    Ok(plan::plan(&setup.layout, &deployment(setup), &observed))
}

/// Makes the Space match the layout.
pub async fn apply(api: &AsApi, setup: &Setup, store: &Store, now_ms: u64) -> Result<Report, SyncError> {
    let dep = deployment(setup);
    let space_key = setup.layout.space.key.clone();
    let mut observed = observe(api, setup, store).await?;
    let mut report = Report::default();
    let audit = |action: &str, target: String, reason: &str| {
        store.audit.append(AuditEntry {
            seq: 0,
            at_ms: now_ms,
            actor: dep.bot.clone(),
            action: action.to_string(),
            target: Some(target),
            reason: Some(reason.to_string()),
            case: None,
        })
    };

    for node in desired::nodes(&setup.layout) {
        if observed.rooms.contains_key(&node.key) {
            continue;
        }
        let body = crate::space::create_request(&node, &dep, &observed.ids(), &space_key);
        let room_id = match api.create_room(&body).await {
            Ok(id) => id,
            // A retried create whose first attempt went through: the alias is
            // taken by the room we just made.
            Err(e) if e.errcode() == Some("M_ROOM_IN_USE") => {
                let alias = format!("#{}:{}", node.alias, dep.server_name);
                api.resolve_alias(&alias).await?.ok_or(e)?
            }
            Err(e) => return Err(e.into()),
        };
        tracing::info!(key = %node.key, %room_id, "created room");
        report.created += 1;
        audit("space.room.create", format!("{} {room_id}", node.key), "rooms.toml")?;
        let events = api.room_state(&room_id).await?;
        observed.managed_ids.insert(room_id.clone());
        observed.rooms.insert(node.key.clone(), ObservedRoom::from_events(&room_id, &events));
    }

    // Record every node (new, moved or renamed) before changing state, so a
    // crash part-way leaves sled knowing every room it made.
    for node in desired::nodes(&setup.layout) {
        let Some(room) = observed.rooms.get(&node.key) else {
            continue;
        };
        let record = RoomRecord {
            room_id: room.room_id.clone(),
            kind: node.kind,
            purpose: node.purpose,
            alias: node.alias.clone(),
            parent: node.parent.clone(),
        };
        if store.rooms.get(&node.key)?.as_ref() != Some(&record) {
            store.rooms.insert(&node.key, &record)?;
        }
    }
    // Keys no longer in the layout stay recorded (as managed rooms) so their
    // links can be removed; they are not deleted from the homeserver.

    for change in plan::plan(&setup.layout, &dep, &observed) {
        let result = match &change {
            Change::SetState { key, event_type, state_key, content } => {
                let room_id = &observed.rooms[key].room_id;
                report.changed += 1;
                let r = api.put_state(room_id, event_type, state_key, content).await;
                if r.is_ok() {
                    audit("space.state.set", format!("{key} {event_type} {state_key}"), "rooms.toml")?;
                }
                r
            }
            Change::Invite { key, user } => {
                let room_id = &observed.rooms[key].room_id;
                report.invited += 1;
                let r = api.invite(room_id, user).await;
                if r.is_ok() {
                    audit("space.invite", format!("{key} {user}"), "configured admin")?;
                }
                r
            }
            // Every missing room was created above.
            Change::Create { .. } => Ok(()),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "space change refused");
            report.failed.push(format!("{}: {e}", change.describe(crate::i18n::Locale::En, &dep.server_name)));
        }
    }
    store.flush()?;
    report.space_id = observed.rooms.get(&space_key).map(|r| r.room_id.clone()).unwrap_or_default();
    Ok(report)
}
