//! The one place effects are carried out against the homeserver.
//!
//! It enforces the egress rule (nothing derived from an encrypted room goes to
//! an unencrypted one, and state events and redaction reasons count as
//! unencrypted whatever the room), sends with the effect's deterministic
//! transaction ID (so a retry after a crash is deduplicated by the
//! homeserver), and retries transient failures with backoff. Messages go
//! through matrix-sdk (which encrypts them where needed); state changes go
//! through the appservice API. It logs room and event IDs, never content.

use super::as_api::{ApiError, AsApi};
use crate::effects::{Effect, EgressRefusal, MemberAction, egress_check};
use crate::i18n::Reply as Text;
use crate::metrics::Metrics;
use crate::moderation::power;
use crate::store::{Store, StoreError, Tree};
use matrix_sdk::attachment::AttachmentConfig;
use matrix_sdk::room::reply::EnforceThread;
use matrix_sdk::ruma::events::Mentions;
use matrix_sdk::ruma::events::relation::{InReplyTo, Reply, Thread};
use matrix_sdk::ruma::events::room::message::{AddMentions, ReplyWithinThread};
use matrix_sdk::ruma::events::room::message::{Relation, RoomMessageEventContent};
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedTransactionId, OwnedUserId};
use matrix_sdk::{Client, Room, RoomMemberships, RoomState};
use serde_json::json;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("the bot is not in room {0}")]
    UnknownRoom(String),
    #[error("malformed identifier in effect: {0}")]
    BadId(String),
    #[error(transparent)]
    Egress(#[from] EgressRefusal),
    #[error("homeserver: {reason}")]
    Send { reason: String, transient: bool },
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot open a direct chat with {user}: {reason}")]
    Direct { user: String, reason: String, transient: bool },
}

impl ExecError {
    /// Whether trying again later may work: the homeserver was unreachable,
    /// overloaded or rate-limiting. A refusal (4xx), a bad ID or the egress
    /// guard is final.
    pub fn is_transient(&self) -> bool {
        match self {
            ExecError::Send { transient, .. } | ExecError::Direct { transient, .. } => *transient,
            ExecError::Api(ApiError::Http { .. }) => true,
            ExecError::Api(ApiError::Matrix { status, .. }) => *status == 429 || *status >= 500,
            ExecError::UnknownRoom(_) | ExecError::BadId(_) | ExecError::Egress(_) | ExecError::Store(_) => false,
        }
    }

    fn sdk(e: matrix_sdk::Error) -> ExecError {
        ExecError::Send { transient: sdk_transient(&e), reason: e.to_string() }
    }
}

/// matrix-sdk errors worth a retry: no answer from the homeserver, or 5xx/429.
fn sdk_transient(e: &matrix_sdk::Error) -> bool {
    match e.as_client_api_error() {
        Some(api) => {
            let status = api.status_code.as_u16();
            status == 429 || status >= 500
        }
        None => matches!(e, matrix_sdk::Error::Http(_)),
    }
}

#[derive(Clone)]
pub struct Executor {
    client: Client,
    api: AsApi,
    metrics: Arc<Metrics>,
    /// User ID → the bot's direct chat with them.
    direct_rooms: Tree<String>,
    /// Remembered key (e.g. `card:3`) → event ID of a message the bot sent.
    sent_events: Tree<String>,
    /// Event ID → remembered key, to recognise reactions to those messages.
    sent_index: Tree<String>,
}

impl Executor {
    pub fn new(client: Client, api: AsApi, store: &Store, metrics: Arc<Metrics>) -> Result<Executor, StoreError> {
        Ok(Executor {
            client,
            api,
            metrics,
            direct_rooms: store.tree("direct_rooms")?,
            sent_events: store.tree("sent_events")?,
            sent_index: store.tree("sent_index")?,
        })
    }

    /// The key a message the bot sent was remembered under, if any.
    pub fn remembered_as(&self, event_id: &str) -> Result<Option<String>, StoreError> {
        self.sent_index.get(event_id)
    }

    pub async fn execute(&self, effect: &Effect) -> Result<(), ExecError> {
        let result = self.try_execute(effect).await;
        match &result {
            Ok(()) => Metrics::inc(&self.metrics.effects_sent),
            Err(ExecError::Egress(_)) => Metrics::inc(&self.metrics.egress_refused),
            // Counted by the drainer: as a retry, or as failed for good.
            Err(_) => {}
        }
        result
    }

    fn room(&self, room_id: &str) -> Result<Room, ExecError> {
        let id = OwnedRoomId::try_from(room_id).map_err(|e| ExecError::BadId(e.to_string()))?;
        self.client.get_room(&id).ok_or_else(|| ExecError::UnknownRoom(room_id.to_string()))
    }

    /// The egress rule for content that reaches `room_id` readable by the
    /// server (`in_clear`) or end-to-end encrypted.
    fn guard(&self, effect: &Effect, room_id: &str, encrypted_in_transit: bool) -> Result<(), ExecError> {
        if let Some(p) = effect.provenance() {
            egress_check(p, room_id, encrypted_in_transit)?;
        }
        Ok(())
    }

    async fn try_execute(&self, effect: &Effect) -> Result<(), ExecError> {
        match effect {
            Effect::Reply { room_id, in_reply_to, mention, reply, txn_id, .. } => {
                let room = self.room(room_id)?;
                self.guard(effect, room_id, room.encryption_state().is_encrypted())?;
                let event_id =
                    OwnedEventId::try_from(in_reply_to.as_str()).map_err(|e| ExecError::BadId(e.to_string()))?;
                let mut content = notice(reply);
                content.relates_to = Some(Relation::Reply(Reply::new(InReplyTo::new(event_id))));
                if let Some(user) = mention.as_deref().and_then(|u| OwnedUserId::try_from(u).ok()) {
                    content.mentions = Some(Mentions::with_user_ids([user]));
                }
                send(&room, content, txn_id).await.map(|_| ())
            }
            Effect::Notice { room_id, mentions, reply, txn_id, thread, remember, .. } => {
                let room = self.room(room_id)?;
                self.guard(effect, room_id, room.encryption_state().is_encrypted())?;
                let mut content = notice(reply);
                let users: Vec<OwnedUserId> =
                    mentions.iter().filter_map(|u| OwnedUserId::try_from(u.as_str()).ok()).collect();
                content.mentions = Some(Mentions::with_user_ids(users));
                if let Some(root) = thread.as_deref().map(|k| self.sent_events.get(k)).transpose()?.flatten()
                    && let Ok(root) = OwnedEventId::try_from(root.as_str())
                {
                    content.relates_to = Some(Relation::Thread(Thread::plain(root.clone(), root)));
                }
                let event_id = send(&room, content, txn_id).await?;
                if let Some(key) = remember {
                    self.sent_events.insert(key, &event_id.to_string())?;
                    self.sent_index.insert(event_id.as_str(), key)?;
                }
                Ok(())
            }
            Effect::Threaded { room_id, root, reply, txn_id, .. } => {
                let room = self.room(room_id)?;
                self.guard(effect, room_id, room.encryption_state().is_encrypted())?;
                let root = OwnedEventId::try_from(root.as_str()).map_err(|e| ExecError::BadId(e.to_string()))?;
                let mut content = notice(reply);
                content.relates_to = Some(Relation::Thread(Thread::plain(root.clone(), root)));
                send(&room, content, txn_id).await.map(|_| ())
            }
            Effect::File { room_id, root, name, mime, data, txn_id, .. } => {
                let room = self.room(room_id)?;
                self.guard(effect, room_id, room.encryption_state().is_encrypted())?;
                let root = OwnedEventId::try_from(root.as_str()).map_err(|e| ExecError::BadId(e.to_string()))?;
                let mime: mime::Mime = mime.parse().unwrap_or(mime::TEXT_PLAIN);
                let config = AttachmentConfig::new().txn_id(OwnedTransactionId::from(txn_id.as_str())).reply(Some(
                    matrix_sdk::room::reply::Reply {
                        event_id: root,
                        enforce_thread: EnforceThread::Threaded(ReplyWithinThread::No),
                        add_mentions: AddMentions::No,
                    },
                ));
                room.send_attachment(name.as_str(), &mime, data.clone(), config).await.map_err(ExecError::sdk)?;
                Ok(())
            }
            Effect::Invite { room_id, user } => {
                let current = self.api.membership_of(room_id, user).await?;
                if !matches!(current.as_deref(), Some("join" | "invite")) {
                    self.api.invite(room_id, user).await?;
                }
                Ok(())
            }
            // Requests: carried out by the drainer, which puts the result in the inbox.
            Effect::CheckEvidence { .. } | Effect::FeedTest { .. } => Ok(()),
            Effect::Direct { user, reply, txn_id, .. } => {
                let room = self.direct_room(user).await?;
                self.guard(effect, room.room_id().as_str(), room.encryption_state().is_encrypted())?;
                send(&room, notice(reply), txn_id).await.map(|_| ())
            }
            Effect::Redact { room_id, event_id, reason, txn_id, .. } => {
                // Redaction reasons are readable by the server and every member.
                self.guard(effect, room_id, false)?;
                let room = self.room(room_id)?;
                let event_id =
                    OwnedEventId::try_from(event_id.as_str()).map_err(|e| ExecError::BadId(e.to_string()))?;
                room.redact(&event_id, reason.as_deref(), Some(OwnedTransactionId::from(txn_id.as_str())))
                    .await
                    .map_err(|e| ExecError::sdk(e.into()))?;
                Ok(())
            }
            Effect::Membership { room_id, user, action, reason, .. } => {
                self.guard(effect, room_id, false)?;
                let current = self.api.membership_of(room_id, user).await?;
                let needed = match action {
                    MemberAction::Kick => matches!(current.as_deref(), Some("join" | "invite" | "knock")),
                    MemberAction::Ban => current.as_deref() != Some("ban"),
                    MemberAction::Unban => current.as_deref() == Some("ban"),
                };
                if needed {
                    let verb = match action {
                        MemberAction::Kick => "kick",
                        MemberAction::Ban => "ban",
                        MemberAction::Unban => "unban",
                    };
                    self.api.membership(room_id, verb, user, reason.as_deref()).await?;
                }
                Ok(())
            }
            Effect::Voice { room_id, user, muted } => {
                let Some(levels) = self.api.state_event(room_id, "m.room.power_levels", "").await? else {
                    return Ok(());
                };
                let next = if *muted { power::mute(&levels, user) } else { power::unmute(&levels, user) };
                if let Some(next) = next {
                    self.api.put_state(room_id, "m.room.power_levels", "", &next).await?;
                }
                Ok(())
            }
            Effect::PolicyRule { room_id, entity, reason, active, .. } => {
                self.guard(effect, room_id, false)?;
                // An empty content withdraws the rule (how policy lists unban).
                let content = if *active {
                    json!({ "entity": entity, "recommendation": "m.ban", "reason": reason })
                } else {
                    json!({})
                };
                self.api.put_state(room_id, "m.policy.rule.user", &format!("rule:{entity}"), &content).await?;
                Ok(())
            }
        }
    }

    /// The bot's direct chat with `user`: the one it opened before if the
    /// user is still in it (or invited), else a new encrypted one.
    async fn direct_room(&self, user: &str) -> Result<Room, ExecError> {
        let user_id = OwnedUserId::try_from(user).map_err(|e| ExecError::BadId(e.to_string()))?;
        if let Some(id) = self.direct_rooms.get(user)?
            && let Ok(room) = self.room(&id)
            && room.state() == RoomState::Joined
        {
            let members = room.members(RoomMemberships::ACTIVE).await.unwrap_or_default();
            if members.iter().any(|m| m.user_id() == user_id) {
                return Ok(room);
            }
        }
        let err = |e: matrix_sdk::Error| ExecError::Direct {
            user: user.to_string(),
            transient: sdk_transient(&e),
            reason: e.to_string(),
        };
        let room = self.client.create_dm(&user_id).await.map_err(err)?;
        // Room keys are shared with members the store knows; make sure the
        // invited user is among them before the first encrypted send.
        room.sync_members().await.map_err(err)?;
        self.direct_rooms.insert(user, &room.room_id().to_string())?;
        tracing::info!(room = %room.room_id(), "opened a direct chat");
        Ok(room)
    }
}

fn notice(reply: &Text) -> RoomMessageEventContent {
    RoomMessageEventContent::notice_html(reply.plain.clone(), reply.html.clone())
}

/// One attempt: the outbox's drainer retries transient failures with the
/// same transaction ID, which the homeserver deduplicates.
async fn send(room: &Room, content: RoomMessageEventContent, txn_id: &str) -> Result<OwnedEventId, ExecError> {
    let txn: OwnedTransactionId = txn_id.into();
    match room.send(content).with_transaction_id(txn).await {
        Ok(r) => Ok(r.response.event_id),
        Err(e) => Err(ExecError::sdk(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(status: u16) -> ExecError {
        ExecError::Api(ApiError::Matrix {
            method: reqwest::Method::PUT,
            path: "/x".into(),
            status,
            errcode: "M_X".into(),
            message: String::new(),
        })
    }

    #[test]
    fn only_an_absent_or_overloaded_homeserver_is_worth_a_retry() {
        assert!(matrix(502).is_transient());
        assert!(matrix(429).is_transient());
        assert!(!matrix(403).is_transient(), "a refusal is final");
        assert!(!matrix(404).is_transient());
        assert!(ExecError::Send { reason: "connection refused".into(), transient: true }.is_transient());
        assert!(!ExecError::UnknownRoom("!r:x".into()).is_transient());
        let egress = EgressRefusal::EncryptedToUnencrypted { target: "!r:x".into() };
        assert!(!ExecError::Egress(egress).is_transient());
    }
}
