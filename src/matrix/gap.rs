//! Filling the gap a `limited` sync timeline leaves.
//!
//! After downtime, a sync gives only the last few events of each room and
//! says the timeline is `limited`. The events before them were sent to the
//! bot too: it pages back with `/messages` from the timeline's `prev_batch`
//! until it reaches an event it already handled, the start of the room, or
//! the bounds below, and keeps what it found in the inbox, oldest first and
//! before the newer events of the same sync. A
//! gap larger than the bounds is reported once to the moderators room, so
//! nobody waits for an answer that will not come.

use super::queue::keep_read_back;
use crate::pipeline::inbox::Inbox;
use crate::store::Store;
use matrix_sdk::room::MessagesOptions;
use matrix_sdk::ruma::{OwnedRoomId, OwnedUserId};
use matrix_sdk::sync::SyncResponse;
use matrix_sdk::{Client, Room};

/// At most this many events are read back per room and gap.
pub const MAX_EVENTS: usize = 1000;
/// Events older than this are not read back.
pub const MAX_AGE_MS: u64 = 7 * 24 * 3_600_000;
/// Events per `/messages` page.
const PAGE: u32 = 100;

/// A gap that was not filled to its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfilled {
    pub room_id: OwnedRoomId,
    pub read: usize,
}

/// Reads back every limited timeline of `response`; returns the gaps that
/// were larger than the bounds.
pub async fn fill(
    client: &Client,
    inbox: &Inbox,
    store: &Store,
    response: &SyncResponse,
    now_ms: u64,
) -> Vec<Unfilled> {
    let Some(own) = client.user_id().map(|u| u.to_owned()) else { return Vec::new() };
    let mut unfilled = Vec::new();
    for (room_id, update) in &response.rooms.joined {
        let (true, Some(prev_batch)) = (update.timeline.limited, update.timeline.prev_batch.clone()) else {
            continue;
        };
        let Some(room) = client.get_room(room_id) else { continue };
        match read_back(&room, &own, inbox, store, prev_batch, now_ms).await {
            Ok(None) => {}
            Ok(Some(read)) => unfilled.push(Unfilled { room_id: room_id.clone(), read }),
            Err(e) => tracing::warn!(room = %room_id, error = %e, "cannot read back a gap in the timeline"),
        }
    }
    unfilled
}

/// Pages back from `from`; `Some(n)` if the bounds cut the gap after `n` events.
async fn read_back(
    room: &Room,
    own: &OwnedUserId,
    inbox: &Inbox,
    store: &Store,
    from: String,
    now_ms: u64,
) -> Result<Option<usize>, matrix_sdk::Error> {
    let mut found = Vec::new();
    let mut from = Some(from);
    let mut reached = false;
    while let Some(token) = from.take() {
        let mut opts = MessagesOptions::backward();
        opts.from = Some(token);
        opts.limit = PAGE.into();
        let page = room.messages(opts).await?;
        for ev in page.chunk {
            let handled = ev.event_id().is_some_and(|id| store.processed_events.contains(id.as_str()).unwrap_or(false));
            let too_old = ev.timestamp.is_some_and(|ts| now_ms.saturating_sub(u64::from(ts.get())) > MAX_AGE_MS);
            if handled || too_old {
                reached = true;
                break;
            }
            found.push(ev);
            if found.len() >= MAX_EVENTS {
                break;
            }
        }
        if reached || found.len() >= MAX_EVENTS {
            break;
        }
        // No `end`: the start of the room.
        match page.end {
            Some(end) => from = Some(end),
            None => reached = true,
        }
    }
    tracing::info!(room = %room.room_id(), read = found.len(), complete = reached, "read back a gap in the timeline");
    for ev in found.iter().rev() {
        keep_read_back(inbox, room, own, ev);
    }
    Ok((!reached).then_some(found.len()))
}
