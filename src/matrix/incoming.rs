//! Events from the inbox as the worker takes them: a message with its
//! attachment, a late-decrypted message, and the invitations the bot answers.

use crate::commands::{self};
use crate::pipeline::inbox::Queued;
use matrix_sdk::ruma::events::room::MediaSource;
use matrix_sdk::ruma::events::room::member::{MembershipState, StrippedRoomMemberEvent};
use matrix_sdk::ruma::events::room::message::FileMessageEventContent;
use matrix_sdk::ruma::events::{AnySyncMessageLikeEvent, AnySyncTimelineEvent};
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedUserId, RoomId};
use matrix_sdk::{Client, Room};

/// A text message that may be a command.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub room_id: OwnedRoomId,
    pub event_id: OwnedEventId,
    pub sender: OwnedUserId,
    pub body: String,
    pub encrypted: bool,
    /// The event this message replies to.
    pub reply_to: Option<OwnedEventId>,
    /// When the sync handler saw it, to time the bot's own share of a round trip.
    pub received: std::time::Instant,
    /// A file message: where to download it (decrypted by matrix-sdk).
    pub attachment: Option<Attachment>,
    /// A command that came typed rather than as text (a 👍 on a referral
    /// card is a vouch); `body` is then empty.
    pub typed: Option<commands::Command>,
}

/// An attached file, not yet downloaded.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub source: MediaSource,
    pub name: String,
    pub mime: Option<String>,
    pub size: Option<u64>,
}

impl Attachment {
    pub(super) fn of(file: &FileMessageEventContent) -> Attachment {
        Attachment {
            source: file.source.clone(),
            name: file.filename.clone().unwrap_or_else(|| file.body.clone()),
            mime: file.info.as_ref().and_then(|i| i.mimetype.clone()),
            size: file.info.as_ref().and_then(|i| i.size).map(u64::from),
        }
    }
}

/// A message decrypted after sync (its key came late), as the worker takes it.
pub(super) fn incoming_decrypted(
    ev: &matrix_sdk::deserialized_responses::TimelineEvent,
    room_id: &RoomId,
) -> Option<Incoming> {
    use matrix_sdk::ruma::events::SyncMessageLikeEvent;
    match ev.raw().deserialize().ok()? {
        AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(SyncMessageLikeEvent::Original(m))) => {
            let q = super::queue::message(&m)?;
            Incoming::from_queued(room_id.as_str(), m.event_id.as_str(), m.sender.as_str(), true, q)
        }
        _ => None,
    }
}

impl Incoming {
    /// A message from the inbox; `None` if it is not a message or its IDs are bad.
    pub fn from_queued(room_id: &str, event_id: &str, sender: &str, encrypted: bool, q: Queued) -> Option<Incoming> {
        let Queued::Message { body, reply_to, attachment } = q else { return None };
        let attachment = match attachment {
            Some(a) => Some(Attachment {
                source: serde_json::from_value(a.source).ok()?,
                name: a.name,
                mime: a.mime,
                size: a.size,
            }),
            None => None,
        };
        Some(Incoming {
            room_id: OwnedRoomId::try_from(room_id).ok()?,
            event_id: OwnedEventId::try_from(event_id).ok()?,
            sender: OwnedUserId::try_from(sender).ok()?,
            body,
            encrypted,
            reply_to: match reply_to {
                Some(r) => Some(OwnedEventId::try_from(r.as_str()).ok()?),
                None => None,
            },
            received: std::time::Instant::now(),
            attachment,
            typed: None,
        })
    }
}

/// Older clients put a quote of the replied-to message before a reply's
/// text (`> <@a:x> text` lines, then a blank line); the command follows it.
pub fn strip_reply_fallback(body: &str) -> &str {
    if !body.starts_with("> ") {
        return body;
    }
    let mut rest = body;
    while let Some(line_end) = rest.find('\n') {
        let line = &rest[..line_end];
        if line.starts_with('>') {
            rest = &rest[line_end + 1..];
        } else {
            break;
        }
    }
    rest.trim_start_matches('\n')
}

/// Joins direct chats that members of the Space open with the bot; declines
/// invitations from anyone else (the bot only serves the community).
pub fn install_invites(client: &Client, space_id: OwnedRoomId) {
    client.add_event_handler(move |ev: StrippedRoomMemberEvent, room: Room, client: Client| {
        let space_id = space_id.clone();
        async move {
            if Some(ev.state_key.as_ref()) != client.user_id() || ev.content.membership != MembershipState::Invite {
                return;
            }
            let member = match client.get_room(&space_id) {
                Some(space) => space.get_member_no_sync(&ev.sender).await.ok().flatten(),
                None => None,
            };
            let from_member = member.is_some_and(|m| *m.membership() == MembershipState::Join);
            let direct = ev.content.is_direct == Some(true);
            let result = if from_member && direct { room.join().await } else { room.leave().await };
            match result {
                Ok(()) => {
                    tracing::info!(room = %room.room_id(), joined = from_member && direct, "answered an invitation")
                }
                Err(e) => tracing::warn!(room = %room.room_id(), error = %e, "cannot answer an invitation"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::strip_reply_fallback;

    #[test]
    fn reply_fallbacks_are_removed() {
        assert_eq!(strip_reply_fallback("> <@a:x> hello\n> more\n\n!report -- spam"), "!report -- spam");
        assert_eq!(strip_reply_fallback("!report -- spam"), "!report -- spam");
        assert_eq!(strip_reply_fallback("> quote only"), "> quote only");
    }
}
