//! Messages the bot could not decrypt: tried again as keys arrive (a late
//! to-device message, the key backup, a sender's cross-signing looked up
//! again), and, if they stay unreadable, the sender told why, once.

use super::incoming::incoming_decrypted;
use super::intake::{Step, Work, Worker};
use crate::effects::Effect;
use crate::pipeline::outbox::Cause;
use crate::undecryptable::{self, Pending, Reason};
use matrix_sdk::Client;
use matrix_sdk::deserialized_responses::{TimelineEventKind, UnableToDecryptReason, WithheldCode};
use matrix_sdk::ruma::events::room::encrypted::OriginalSyncRoomEncryptedEvent;
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedUserId, RoomId, UserId};
use std::time::Duration;

/// How long a message whose key is missing waits (for a late to-device
/// message or the key backup) before its sender is told.
const KEY_GRACE: Duration = Duration::from_secs(5);

impl Worker {
    /// A message sync could not decrypt. Tried once more (the key may have
    /// come since, and matrix-sdk asks the key backup); still unreadable, it
    /// waits for its key, and its sender is told why (after `KEY_GRACE` if
    /// the key may yet come).
    pub(super) async fn undecryptable(
        &self,
        room_id: OwnedRoomId,
        event_id: OwnedEventId,
        sender: OwnedUserId,
        session_id: String,
        raw: Raw<OriginalSyncRoomEncryptedEvent>,
    ) -> Step {
        if self.store.processed_events.contains(event_id.as_str()).unwrap_or(true)
            || self.served(&room_id).await.is_none()
        {
            return Step::default();
        }
        let Some(room) = self.client.get_room(&room_id) else { return Step::default() };
        let reason = match room.decrypt_event(&raw, None).await {
            Ok(ev) => match &ev.kind {
                TimelineEventKind::UnableToDecrypt { utd_info, .. } => reason_of(&utd_info.reason),
                _ => {
                    return match incoming_decrypted(&ev, &room_id) {
                        Some(msg) => self.handle(msg).await,
                        None => Step::default(),
                    };
                }
            },
            Err(e) => {
                tracing::warn!(room = %room_id, event = %event_id, error = %e, "cannot decrypt a message");
                Reason::Broken
            }
        };
        self.metrics.undecryptable(reason.label());
        tracing::info!(room = %room_id, event = %event_id, reason = reason.label(), "a message could not be decrypted");
        let pending = Pending {
            room_id: room_id.to_string(),
            sender: sender.to_string(),
            session_id,
            since_ms: self.clock.now_ms(),
            reason,
        };
        if let Err(e) = self.undecryptable.add(event_id.as_str(), &pending) {
            tracing::error!(error = %e, "cannot record an undecryptable message");
        }
        if reason.may_resolve() {
            if reason == Reason::SenderNotTrusted {
                self.refresh_keys_of(&sender);
            } else {
                self.fetch_from_backup(&room_id, &pending.session_id);
            }
            let tx = self.tx.clone();
            tokio::spawn(async move {
                tokio::time::sleep(KEY_GRACE).await;
                let _ = tx.send(Work::StillUndecryptable { event_id: event_id.to_string() });
            });
            Step::default()
        } else {
            self.tell_undecryptable(event_id.as_str())
        }
    }

    /// Looks for a missing room key in the key backup, in the background; a
    /// key found there arrives like any other (`Work::KeysArrived`).
    pub(super) fn fetch_from_backup(&self, room_id: &RoomId, session_id: &str) {
        let (client, room_id, session_id) = (self.client.clone(), room_id.to_owned(), session_id.to_string());
        tokio::spawn(async move { key_from_backup(&client, &room_id, &session_id).await });
    }

    /// Asks the homeserver for a sender's devices and identity again, in the
    /// background: a device just looked up may turn out to be cross-signed.
    pub(super) fn refresh_keys_of(&self, sender: &UserId) {
        let (client, sender) = (self.client.clone(), sender.to_owned());
        tokio::spawn(async move {
            if let Err(e) = client.encryption().request_user_identity(&sender).await {
                tracing::warn!(error = %e, "cannot look up a sender's keys");
            }
        });
    }

    /// After the wait: one more try (the sender's keys or the room key may
    /// have come meanwhile), else the sender is told.
    pub(super) async fn still_undecryptable(&self, event_id: &str) {
        let Ok(Some(p)) = self.undecryptable.get(event_id) else { return };
        let step = match self.try_again(event_id, &p).await {
            Some(step) => step,
            None => self.tell_undecryptable(event_id),
        };
        self.commit(step, None);
    }

    /// Decrypts a pending event again; if that worked, what handling it
    /// comes to.
    pub(super) async fn try_again(&self, event_id: &str, p: &Pending) -> Option<Step> {
        let (Ok(room_id), Ok(id)) = (OwnedRoomId::try_from(p.room_id.as_str()), OwnedEventId::try_from(event_id))
        else {
            let _ = self.undecryptable.done(event_id);
            return None;
        };
        let room = self.client.get_room(&room_id)?;
        let ev = match room.event(&id, None).await {
            Ok(ev) => ev,
            Err(e) => {
                tracing::warn!(room = %room_id, event = %event_id, error = %e, "cannot fetch an undecryptable message");
                return None;
            }
        };
        if matches!(ev.kind, TimelineEventKind::UnableToDecrypt { .. }) {
            return None;
        }
        if let Err(e) = self.undecryptable.done(event_id) {
            tracing::error!(error = %e, "cannot record a decrypted message");
        }
        tracing::info!(room = %room_id, event = %event_id, "a message was decrypted on a later try");
        Some(match incoming_decrypted(&ev, &room_id) {
            Some(msg) => self.handle(msg).await,
            None => Step::default(),
        })
    }

    /// Tells the sender of a message that is still unreadable, once per
    /// sender per run, without any content.
    pub(super) fn tell_undecryptable(&self, event_id: &str) -> Step {
        let Ok(Some(p)) = self.undecryptable.get(event_id) else { return Step::default() };
        if !self.undecryptable.first_for(&p.sender) {
            return Step::default();
        }
        let bot = self.setup.config.bot_user_id();
        let effect = Effect::Reply {
            room_id: p.room_id.clone(),
            in_reply_to: event_id.to_string(),
            mention: Some(p.sender.clone()),
            reply: crate::matrix::messages::undecryptable(self.setup.config.locale, bot.as_str(), p.reason),
            provenance: crate::effects::Provenance { source_room: p.room_id.clone(), source_encrypted: true },
            txn_id: crate::effects::txn_id(event_id, "undecryptable"),
        };
        Step::effects(Cause::event(&p.room_id, event_id, &p.sender), vec![effect])
    }

    /// Room keys arrived: the messages that waited for them are handled now, once.
    pub(super) async fn keys_arrived(&self, sessions: Option<Vec<(String, String)>>) {
        let waiting = match &sessions {
            Some(s) => self.undecryptable.waiting_for(s),
            None => self.undecryptable.all(),
        };
        let waiting = match waiting {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the messages waiting for keys");
                return;
            }
        };
        for (event_id, p) in waiting {
            let step = self.try_again(&event_id, &p).await;
            let decrypted = step.is_some();
            if let Some(step) = step {
                self.commit(step, None);
            }
            if !decrypted
                && sessions.is_none()
                && p.reason.may_resolve()
                && let Ok(room_id) = OwnedRoomId::try_from(p.room_id.as_str())
            {
                self.fetch_from_backup(&room_id, &p.session_id);
            }
        }
    }
}

/// Downloads one room key from the key backup; true if it was there.
pub(super) async fn key_from_backup(client: &Client, room_id: &RoomId, session_id: &str) -> bool {
    let backups = client.encryption().backups();
    if session_id.is_empty() || !backups.are_enabled().await {
        return false;
    }
    match backups.download_room_key(room_id, session_id).await {
        Ok(found) => {
            tracing::debug!(room = %room_id, found, "looked for a room key in the backup");
            found
        }
        Err(e) => {
            tracing::warn!(room = %room_id, error = %e, "cannot read the key backup");
            false
        }
    }
}

/// Why matrix-sdk could not decrypt, in the bot's terms.
fn reason_of(r: &UnableToDecryptReason) -> Reason {
    use undecryptable::Withheld;
    match r {
        UnableToDecryptReason::MissingMegolmSession { withheld_code: None } => Reason::MissingKey,
        UnableToDecryptReason::MissingMegolmSession { withheld_code: Some(code) } => Reason::Withheld(match code {
            WithheldCode::Unverified => Withheld::Unverified,
            WithheldCode::Blacklisted => Withheld::Blacklisted,
            _ => Withheld::Other,
        }),
        UnableToDecryptReason::UnknownMegolmMessageIndex => Reason::UnknownIndex,
        UnableToDecryptReason::SenderIdentityNotTrusted(_) => Reason::SenderNotTrusted,
        _ => Reason::Broken,
    }
}
