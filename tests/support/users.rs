//! Community members as real matrix-sdk clients (with E2EE) on the test Synapse.
//!
//! They behave as Element does in its default mode since 2026 (MSC4153,
//! "exclude insecure devices"): each bootstraps its own cross-signing at
//! registration, shares room keys only with devices their owner signed
//! (`IdentityBasedStrategy`), and refuses to decrypt devices their owner did
//! not sign (`CrossSignedOrLegacy`). A bot without a cross-signed device gets
//! no keys from them and cannot be read by them.

use matrix_sdk::config::SyncSettings;
use matrix_sdk::deserialized_responses::TimelineEventKind;
use matrix_sdk::event_handler::RawEvent;
use matrix_sdk::ruma::api::client::account::register::v3::Request as RegisterRequest;
use matrix_sdk::ruma::api::client::uiaa::{AuthData, Dummy};
use matrix_sdk::ruma::events::room::encrypted::OriginalSyncRoomEncryptedEvent;
use matrix_sdk::ruma::events::room::message::{
    MessageType, OriginalSyncRoomMessageEvent, Relation, RoomMessageEventContent,
};
use matrix_sdk::ruma::events::{AnySyncMessageLikeEvent, AnySyncTimelineEvent, SyncMessageLikeEvent};
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, RoomAliasId, RoomId};
use matrix_sdk::{Client, Room};
use std::time::Duration;
use tokio::sync::mpsc;

/// A message as a member's client saw it (decrypted if it was encrypted).
#[derive(Debug, Clone)]
pub struct Seen {
    pub room_id: OwnedRoomId,
    pub event_id: OwnedEventId,
    pub sender: String,
    pub is_notice: bool,
    pub body: String,
    pub html: Option<String>,
    pub in_reply_to: Option<OwnedEventId>,
    /// The thread root, for messages in a thread.
    pub thread_root: Option<OwnedEventId>,
    /// A file message: where to download it.
    pub file: Option<matrix_sdk::ruma::events::room::MediaSource>,
}

/// How a member's client shares room keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// Element's default: devices signed by their owner.
    Element,
    /// Element's "Never send encrypted messages to unverified sessions":
    /// only devices this member verified.
    VerifiedOnly,
}

pub struct Member {
    pub client: Client,
    pub user_id: String,
    rx: mpsc::UnboundedReceiver<Seen>,
    /// Messages received while waiting for something else, kept for later waits.
    backlog: Vec<Seen>,
    sync: tokio::task::JoinHandle<()>,
}

/// What a member's client shows of a message.
fn seen(ev: &OriginalSyncRoomMessageEvent, room: &Room) -> Option<Seen> {
    let mut file = None;
    let (is_notice, body, html) = match &ev.content.msgtype {
        MessageType::Notice(n) => (true, n.body.clone(), n.formatted.as_ref().map(|f| f.body.clone())),
        MessageType::Text(t) => (false, t.body.clone(), t.formatted.as_ref().map(|f| f.body.clone())),
        MessageType::File(f) => {
            file = Some(f.source.clone());
            (false, f.filename.clone().unwrap_or_else(|| f.body.clone()), None)
        }
        _ => return None,
    };
    let in_reply_to = match &ev.content.relates_to {
        Some(Relation::Reply(r)) => Some(r.in_reply_to.event_id.clone()),
        _ => None,
    };
    let thread_root = match &ev.content.relates_to {
        Some(Relation::Thread(t)) => Some(t.event_id.clone()),
        _ => None,
    };
    Some(Seen {
        room_id: room.room_id().to_owned(),
        event_id: ev.event_id.clone(),
        sender: ev.sender.to_string(),
        is_notice,
        body,
        html,
        in_reply_to,
        thread_root,
        file,
    })
}

impl Member {
    /// Registers `localpart` (open registration on the test server), logs in,
    /// and starts syncing in the background.
    pub async fn register(homeserver: &str, localpart: &str) -> Member {
        Member::register_sharing(homeserver, localpart, Sharing::Element).await
    }

    /// Registers a member whose client shares room keys as `sharing` says.
    pub async fn register_sharing(homeserver: &str, localpart: &str, sharing: Sharing) -> Member {
        use matrix_sdk_crypto::{CollectStrategy, DecryptionSettings, TrustRequirement};
        let client = Client::builder()
            .homeserver_url(homeserver)
            .with_room_key_recipient_strategy(match sharing {
                Sharing::Element => CollectStrategy::IdentityBasedStrategy,
                Sharing::VerifiedOnly => CollectStrategy::OnlyTrustedDevices,
            })
            .with_decryption_settings(DecryptionSettings {
                sender_device_trust_requirement: TrustRequirement::CrossSignedOrLegacy,
            })
            .build()
            .await
            .expect("client builds");
        let mut req = RegisterRequest::new();
        req.username = Some(localpart.to_string());
        req.password = Some(format!("{localpart}-password-123"));
        req.initial_device_display_name = Some(format!("{localpart} test device"));
        req.auth = Some(AuthData::Dummy(Dummy::new()));
        client.matrix_auth().register(req).await.unwrap_or_else(|e| panic!("register {localpart}: {e}"));
        let user_id = client.user_id().expect("logged in").to_string();
        let (tx, rx) = mpsc::unbounded_channel();
        {
            let tx = tx.clone();
            client.add_event_handler(move |ev: OriginalSyncRoomMessageEvent, room: Room| {
                let tx = tx.clone();
                async move {
                    if let Some(seen) = seen(&ev, &room) {
                        let _ = tx.send(seen);
                    }
                }
            });
        }
        // Like Element, a message that could not be decrypted at once is tried
        // again as keys and device lists arrive (here: for up to a minute).
        client.add_event_handler(move |ev: OriginalSyncRoomEncryptedEvent, raw: RawEvent, room: Room| {
            let tx = tx.clone();
            async move {
                let raw: Raw<OriginalSyncRoomEncryptedEvent> = Raw::from_json(raw.0);
                tokio::spawn(async move {
                    let _ = room.client().encryption().request_user_identity(&ev.sender).await;
                    for _ in 0..120 {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        let Ok(decrypted) = room.decrypt_event(&raw, None).await else { continue };
                        if matches!(decrypted.kind, TimelineEventKind::UnableToDecrypt { .. }) {
                            continue;
                        }
                        if let Ok(AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(
                            SyncMessageLikeEvent::Original(m),
                        ))) = decrypted.raw().deserialize()
                            && let Some(seen) = seen(&m, &room)
                        {
                            let _ = tx.send(seen);
                        }
                        return;
                    }
                });
            }
        });
        client.sync_once(SyncSettings::default()).await.expect("first sync");
        // As Element does for a new account: its own cross-signing (Synapse
        // takes the first upload without interactive auth, MSC3967).
        client
            .encryption()
            .bootstrap_cross_signing(None)
            .await
            .unwrap_or_else(|e| panic!("cross-signing for {localpart}: {e}"));
        let c = client.clone();
        // Like the bot: a plain sync_once loop, without the pause matrix-sdk's
        // `sync()` adds after quick syncs, so timings measure the homeserver.
        let sync = tokio::spawn(async move {
            loop {
                if c.sync_once(SyncSettings::default().timeout(Duration::from_secs(5))).await.is_err() {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
        Member { client, user_id, rx, backlog: Vec::new(), sync }
    }

    pub async fn resolve(&self, alias: &str) -> OwnedRoomId {
        let alias = RoomAliasId::parse(alias).expect("valid alias");
        self.client.resolve_room_alias(&alias).await.unwrap_or_else(|e| panic!("resolve {alias}: {e}")).room_id
    }

    /// Accepts a pending invite (waiting for it to arrive by sync).
    pub async fn accept_invite(&self, room_id: &RoomId) -> Room {
        for _ in 0..300 {
            if let Some(room) = self.client.get_room(room_id) {
                if room.state() == matrix_sdk::RoomState::Invited {
                    room.join().await.unwrap_or_else(|e| panic!("join {room_id}: {e}"));
                    return self.joined(room_id).await;
                }
                if room.state() == matrix_sdk::RoomState::Joined {
                    return room;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} was never invited to {room_id}", self.user_id)
    }

    /// Joins a room (restricted join via Space membership) and waits until
    /// the client has it as joined.
    pub async fn join(&self, room_id: &RoomId) -> Room {
        self.client.join_room_by_id(room_id).await.unwrap_or_else(|e| panic!("{} join {room_id}: {e}", self.user_id));
        self.joined(room_id).await
    }

    async fn joined(&self, room_id: &RoomId) -> Room {
        for _ in 0..300 {
            if let Some(room) = self.client.get_room(room_id)
                && room.state() == matrix_sdk::RoomState::Joined
            {
                return room;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} never saw itself joined to {room_id}", self.user_id)
    }

    pub async fn send_text(&self, room: &Room, text: &str) -> OwnedEventId {
        room.send(RoomMessageEventContent::text_plain(text))
            .await
            .unwrap_or_else(|e| panic!("send: {e}"))
            .response
            .event_id
    }

    /// Sends a text message as a reply to `to`.
    pub async fn send_reply(&self, room: &Room, to: &OwnedEventId, text: &str) -> OwnedEventId {
        use matrix_sdk::ruma::events::relation::{InReplyTo, Reply};
        let mut content = RoomMessageEventContent::text_plain(text);
        content.relates_to = Some(Relation::Reply(Reply::new(InReplyTo::new(to.clone()))));
        room.send(content).await.unwrap_or_else(|e| panic!("send reply: {e}")).response.event_id
    }

    /// Sends a text message; the homeserver's refusal is returned, not a panic.
    pub async fn try_send_text(&self, room: &Room, text: &str) -> Result<OwnedEventId, String> {
        room.send(RoomMessageEventContent::text_plain(text))
            .await
            .map(|r| r.response.event_id)
            .map_err(|e| e.to_string())
    }

    /// Invites `user` to a room.
    pub async fn invite(&self, room: &Room, user: &str) {
        let user = matrix_sdk::ruma::UserId::parse(user).expect("valid user id");
        room.invite_user_by_id(&user).await.unwrap_or_else(|e| panic!("invite {user}: {e}"));
    }

    /// Waits for an invitation to a room not in `known`, joins it, and
    /// returns it (e.g. the direct chat the bot opens).
    pub async fn accept_new_invite(&self, known: &[OwnedRoomId]) -> Room {
        for _ in 0..600 {
            if let Some(room) =
                self.client.invited_rooms().into_iter().find(|r| !known.iter().any(|k| k == r.room_id()))
            {
                let id = room.room_id().to_owned();
                room.join().await.unwrap_or_else(|e| panic!("join {id}: {e}"));
                return self.joined(&id).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} got no new invitation", self.user_id)
    }

    /// Waits for a message matching `pred`; others are kept for later waits.
    pub async fn wait_for(&mut self, what: &str, timeout: Duration, pred: impl Fn(&Seen) -> bool) -> Seen {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i);
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(seen)) if pred(&seen) => return seen,
                Ok(Some(seen)) => self.backlog.push(seen),
                Ok(None) => panic!("{}: message stream ended while waiting for {what}", self.user_id),
                Err(_) => panic!("{}: timed out after {timeout:?} waiting for {what}", self.user_id),
            }
        }
    }

    /// Waits for the bot's reply to `event`.
    pub async fn reply_to(&mut self, event: &OwnedEventId, bot: &str) -> Seen {
        self.reply_to_named(event, bot, "a command").await
    }

    /// Waits for the bot's reply to `event`, naming the step for failure messages.
    pub async fn reply_to_named(&mut self, event: &OwnedEventId, bot: &str, step: &str) -> Seen {
        let ev = event.clone();
        let bot = bot.to_string();
        self.wait_for(&format!("the bot's reply to {event} ({step})"), Duration::from_secs(90), move |s| {
            s.sender == bot && s.in_reply_to.as_ref() == Some(&ev)
        })
        .await
    }

    /// Every message received so far that matches `pred`, without waiting.
    pub fn drain(&mut self, pred: impl Fn(&Seen) -> bool) -> Vec<Seen> {
        while let Ok(seen) = self.rx.try_recv() {
            self.backlog.push(seen);
        }
        let (matching, rest) = std::mem::take(&mut self.backlog).into_iter().partition(|s| pred(s));
        self.backlog = rest;
        matching
    }

    /// The raw state of a room, as the homeserver has it.
    pub async fn state(&self, room_id: &RoomId) -> Vec<serde_json::Value> {
        use matrix_sdk::ruma::api::client::state::get_state_events::v3::Request;
        let resp = self
            .client
            .send(Request::new(room_id.to_owned()))
            .await
            .unwrap_or_else(|e| panic!("state of {room_id}: {e}"));
        resp.room_state.iter().filter_map(|raw| serde_json::from_str(raw.json().get()).ok()).collect()
    }

    /// The event as stored on the homeserver (still encrypted if it was).
    pub async fn raw_event(&self, room_id: &RoomId, event_id: &OwnedEventId) -> serde_json::Value {
        use matrix_sdk::ruma::api::client::room::get_room_event::v3::Request;
        let resp = self
            .client
            .send(Request::new(room_id.to_owned(), event_id.clone()))
            .await
            .unwrap_or_else(|e| panic!("event {event_id}: {e}"));
        serde_json::from_str(resp.event.json().get()).unwrap_or_default()
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.sync.abort();
    }
}

/// The content of the state event `(type, state_key)` in a state dump.
pub fn state_content<'a>(
    state: &'a [serde_json::Value],
    event_type: &str,
    state_key: &str,
) -> Option<&'a serde_json::Value> {
    state.iter().find(|e| e["type"] == event_type && e["state_key"] == state_key).map(|e| &e["content"])
}
