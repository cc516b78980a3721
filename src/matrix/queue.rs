//! Timeline events into the inbox, as typed input for the worker.
//!
//! The sync handlers (and the gap filler, for events a `limited` timeline
//! left out) turn each event the bot acts on into a `Queued` entry and write
//! it to the inbox. Nothing is decided here.

use crate::pipeline::inbox::{Inbox, Phase, Queued, StoredAttachment};
use matrix_sdk::deserialized_responses::{TimelineEvent, TimelineEventKind};
use matrix_sdk::event_handler::RawEvent;
use matrix_sdk::ruma::events::reaction::OriginalSyncReactionEvent;
use matrix_sdk::ruma::events::room::encrypted::{EncryptedEventScheme, OriginalSyncRoomEncryptedEvent};
use matrix_sdk::ruma::events::room::message::{MessageType, OriginalSyncRoomMessageEvent, Relation};
use matrix_sdk::ruma::events::{AnySyncMessageLikeEvent, AnySyncTimelineEvent, SyncMessageLikeEvent};
use matrix_sdk::ruma::{OwnedUserId, RoomId};
use matrix_sdk::{Client, Room};

/// A text or file message as the inbox keeps it; `None` for anything else
/// (edits are not new commands).
pub fn message(ev: &OriginalSyncRoomMessageEvent) -> Option<Queued> {
    if matches!(ev.content.relates_to, Some(Relation::Replacement(_))) {
        return None;
    }
    let (text_body, attachment) = match &ev.content.msgtype {
        MessageType::Text(text) => (text.body.clone(), None),
        MessageType::File(file) => (
            file.caption().unwrap_or_default().to_string(),
            Some(StoredAttachment {
                source: serde_json::to_value(&file.source).ok()?,
                name: file.filename.clone().unwrap_or_else(|| file.body.clone()),
                mime: file.info.as_ref().and_then(|i| i.mimetype.clone()),
                size: file.info.as_ref().and_then(|i| i.size).map(u64::from),
            }),
        ),
        _ => return None,
    };
    let reply_to = match &ev.content.relates_to {
        Some(Relation::Reply(r)) => Some(r.in_reply_to.event_id.to_string()),
        Some(Relation::Thread(t)) if !t.is_falling_back => t.in_reply_to.as_ref().map(|r| r.event_id.to_string()),
        _ => None,
    };
    let body = match reply_to {
        Some(_) => super::incoming::strip_reply_fallback(&text_body).to_string(),
        None => text_body,
    };
    Some(Queued::Message { body, reply_to, attachment })
}

/// A 👍 as the inbox keeps it (a referral card counts it as a vouch).
pub fn reaction(ev: &OriginalSyncReactionEvent) -> Option<Queued> {
    ev.content
        .relates_to
        .key
        .starts_with('👍')
        .then(|| Queued::Reaction { target: ev.content.relates_to.event_id.to_string() })
}

/// An event matrix-sdk could not decrypt, kept as its ciphertext.
pub fn undecryptable(ev: &OriginalSyncRoomEncryptedEvent, raw: &str) -> Queued {
    let session_id = match &ev.content.scheme {
        EncryptedEventScheme::MegolmV1AesSha2(m) => m.session_id.clone(),
        _ => String::new(),
    };
    Queued::Undecryptable { session_id, raw: raw.to_string() }
}

/// Writes one event to the inbox. The worker is woken by the sync loop once
/// the inbox is flushed.
fn keep(inbox: &Inbox, phase: Phase, room: &RoomId, event_id: &str, sender: &str, encrypted: bool, q: &Queued) {
    if let Err(e) = inbox.push(phase, room.as_str(), event_id, sender, encrypted, q) {
        tracing::error!(room = %room, event = %event_id, error = %e, "cannot keep an event in the inbox");
    }
}

/// A timeline event read back from `/messages` over a gap, kept as the sync
/// handlers would have kept it.
pub fn keep_read_back(inbox: &Inbox, room: &Room, own: &OwnedUserId, ev: &TimelineEvent) {
    let encrypted = room.encryption_state().is_encrypted();
    if let TimelineEventKind::UnableToDecrypt { event, .. } = &ev.kind {
        if let Ok(enc) = event.deserialize_as_unchecked::<OriginalSyncRoomEncryptedEvent>()
            && enc.sender != *own
        {
            let q = undecryptable(&enc, event.json().get());
            keep(inbox, Phase::ReadBack, room.room_id(), enc.event_id.as_str(), enc.sender.as_str(), true, &q);
        }
        return;
    }
    let Ok(AnySyncTimelineEvent::MessageLike(any)) = ev.raw().deserialize() else { return };
    let (id, sender, q) = match any {
        AnySyncMessageLikeEvent::RoomMessage(SyncMessageLikeEvent::Original(m)) => {
            (m.event_id.clone(), m.sender.clone(), message(&m))
        }
        AnySyncMessageLikeEvent::Reaction(SyncMessageLikeEvent::Original(r)) => {
            (r.event_id.clone(), r.sender.clone(), reaction(&r))
        }
        _ => return,
    };
    if let Some(q) = q
        && sender != *own
    {
        keep(inbox, Phase::ReadBack, room.room_id(), id.as_str(), sender.as_str(), encrypted, &q);
    }
}

/// Installs the sync handlers: each message, 👍 and undecryptable event from
/// someone else goes to the inbox before the sync that brought it returns.
pub fn install(client: &Client, inbox: Inbox) {
    let own = client.user_id().map(|u| u.to_owned());
    {
        let (inbox, own) = (inbox.clone(), own.clone());
        client.add_event_handler(move |ev: OriginalSyncReactionEvent, room: Room| {
            let (inbox, own) = (inbox.clone(), own.clone());
            async move {
                if Some(&ev.sender) == own.as_ref() {
                    return;
                }
                if let Some(q) = reaction(&ev) {
                    let encrypted = room.encryption_state().is_encrypted();
                    let (id, sender) = (ev.event_id.as_str(), ev.sender.as_str());
                    keep(&inbox, Phase::Timeline, room.room_id(), id, sender, encrypted, &q);
                }
            }
        });
    }
    {
        let (inbox, own) = (inbox.clone(), own.clone());
        client.add_event_handler(move |ev: OriginalSyncRoomMessageEvent, room: Room| {
            let (inbox, own) = (inbox.clone(), own.clone());
            async move {
                if Some(&ev.sender) == own.as_ref() {
                    return;
                }
                if let Some(q) = message(&ev) {
                    let encrypted = room.encryption_state().is_encrypted();
                    let (id, sender) = (ev.event_id.as_str(), ev.sender.as_str());
                    keep(&inbox, Phase::Timeline, room.room_id(), id, sender, encrypted, &q);
                }
            }
        });
    }
    // An event still encrypted after sync is one matrix-sdk could not decrypt.
    client.add_event_handler(move |ev: OriginalSyncRoomEncryptedEvent, raw: RawEvent, room: Room| {
        let (inbox, own) = (inbox.clone(), own.clone());
        async move {
            if Some(&ev.sender) == own.as_ref() {
                return;
            }
            let q = undecryptable(&ev, raw.get());
            keep(&inbox, Phase::Timeline, room.room_id(), ev.event_id.as_str(), ev.sender.as_str(), true, &q);
        }
    });
}
