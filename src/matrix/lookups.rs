//! What only the homeserver can tell before a command runs: the sender's
//! role from the Space's state, a message a command points at, and a log a
//! `!log` reply refers to.

use super::incoming::{Attachment, Incoming, strip_reply_fallback};
use super::intake::Worker;
use super::unreadable::key_from_backup;
use crate::commands::{self, Lookups};
use crate::logs;
use crate::roles::{self, Role, SenderFacts};
use crate::service::Referenced;
use matrix_sdk::deserialized_responses::{TimelineEventKind, UnableToDecryptReason};
use matrix_sdk::ruma::events::room::member::MembershipState;
use matrix_sdk::ruma::events::room::message::MessageType;
use matrix_sdk::ruma::events::room::power_levels::UserPowerLevel;
use matrix_sdk::ruma::events::{AnySyncMessageLikeEvent, AnySyncTimelineEvent};
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedUserId, UserId};

impl Worker {
    /// What the command needs from the homeserver before it can run: the
    /// message it points at and the role of the user it names.
    pub(super) async fn lookups(&self, msg: &Incoming) -> Lookups {
        let wanted = commands::wanted(
            &msg.body,
            &self.setup.config.command_prefix,
            msg.room_id.as_str(),
            msg.reply_to.as_ref().map(|e| e.as_str()),
        );
        let mut lookups = Lookups::default();
        if let Some((room, event_id)) = wanted.event
            && let Some(room_id) = self.directory.resolve(&room)
        {
            match self.api.event(&room_id, &event_id).await {
                Ok(Some(ev)) => {
                    let clear_text = ev["type"] == "m.room.message";
                    lookups.event = ev["sender"].as_str().map(|sender| Referenced {
                        room_id: room_id.clone(),
                        event_id: event_id.clone(),
                        sender: sender.to_string(),
                        body: ev["content"]["body"].as_str().filter(|_| clear_text).map(str::to_string),
                    });
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(room = %room_id, error = %e, "cannot fetch a referenced event"),
            }
        }
        if let Some((_, event_id)) = wanted.shared_log {
            lookups.shared_log = Some(self.shared_log(&msg.room_id, &event_id).await);
        }
        if let Some(user) = wanted.user.and_then(|u| UserId::parse(u).ok()) {
            let role: Role = roles::resolve(self.sender_facts(&user).await);
            lookups.user_role = Some(role);
        }
        lookups
    }

    /// Role facts from the Space's room state as synced.
    pub(super) async fn sender_facts(&self, sender: &OwnedUserId) -> SenderFacts {
        let is_config_admin = self.setup.config.admins.contains(sender);
        let member = match self.client.get_room(&self.space_id) {
            Some(space) => space.get_member_no_sync(sender).await.ok().flatten(),
            None => None,
        };
        let (joined_space, space_power_level) = match member {
            Some(m) => (
                *m.membership() == MembershipState::Join,
                match m.power_level() {
                    UserPowerLevel::Infinite => i64::MAX,
                    UserPowerLevel::Int(i) => i.into(),
                    _ => 0,
                },
            ),
            None => (false, 0),
        };
        SenderFacts { is_config_admin, joined_space, space_power_level }
    }
    /// The log in a message of the log-share room, for `!log` replies to it.
    pub(super) async fn shared_log(&self, room_id: &OwnedRoomId, event_id: &str) -> Result<Vec<u8>, String> {
        let locale = self.setup.config.locale;
        let not_log = || crate::logs::messages::log_not_a_share(locale);
        let room = self.client.get_room(room_id).ok_or_else(not_log)?;
        let id = OwnedEventId::try_from(event_id).map_err(|_| not_log())?;
        let mut event = room.event(&id, None).await.map_err(|_| not_log())?;
        if let TimelineEventKind::UnableToDecrypt { utd_info, .. } = &event.kind
            && utd_info.reason.is_missing_room_key()
            && let Some(session_id) = utd_info.session_id.clone()
            // An older share whose key this device never received (e.g. a
            // crypto store rebuilt from the backup): look in the backup.
            && key_from_backup(&self.client, room_id, &session_id).await
        {
            event = room.event(&id, None).await.map_err(|_| not_log())?;
        }
        // A device that is new (its store rebuilt) may not know the sharer's
        // devices yet, and then cannot trust the key: look them up, try again.
        // A room key imported from the backup before those devices were
        // known keeps "unknown device" until it is imported again.
        for _ in 0..10 {
            let TimelineEventKind::UnableToDecrypt { utd_info, .. } = &event.kind else { break };
            if !matches!(utd_info.reason, UnableToDecryptReason::SenderIdentityNotTrusted(_)) {
                break;
            }
            let session_id = utd_info.session_id.clone();
            if let Ok(Some(sender)) = event.raw().get_field::<OwnedUserId>("sender") {
                let _ = self.client.encryption().request_user_identity(&sender).await;
            }
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            if let Some(session_id) = session_id {
                key_from_backup(&self.client, room_id, &session_id).await;
            }
            event = room.event(&id, None).await.map_err(|_| not_log())?;
        }
        let Ok(AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(m))) = event.raw().deserialize()
        else {
            return Err(not_log());
        };
        let Some(m) = m.as_original() else { return Err(not_log()) };
        match &m.content.msgtype {
            MessageType::File(file) => self.download(&Attachment::of(file)).await,
            MessageType::Text(text) => {
                let body = strip_reply_fallback(&text.body);
                match logs::extract::from_text(body, &self.setup.config.command_prefix) {
                    Some(Ok(share)) => Ok(share.log.into_bytes()),
                    _ => Ok(body.as_bytes().to_vec()),
                }
            }
            _ => Err(not_log()),
        }
    }
}
