//! Effects: what domain services ask the edge to do, as plain data.
//!
//! Services never touch the network. They return effects, each with where its
//! content came from (provenance) and a deterministic transaction ID, and the one
//! executor carries them out. The provenance is what the egress guard checks.

use crate::i18n::Reply;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where an effect's content was derived from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub source_room: String,
    /// The source room is end-to-end encrypted: nothing derived from it may
    /// leave to an unencrypted room, to disk in plaintext, or to the logs.
    pub source_encrypted: bool,
}

/// What to do with a member of a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberAction {
    Kick,
    Ban,
    Unban,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// An `m.notice` reply to an event.
    Reply {
        room_id: String,
        in_reply_to: String,
        mention: Option<String>,
        reply: Reply,
        provenance: Provenance,
        txn_id: String,
    },
    /// An `m.notice` posted to a room, mentioning `mentions`; in the thread of
    /// the event remembered as `thread` if given; its event ID remembered as
    /// `remember` (e.g. a referral card, so replies and 👍 reactions find it).
    Notice {
        room_id: String,
        mentions: Vec<String>,
        reply: Reply,
        provenance: Provenance,
        txn_id: String,
        thread: Option<String>,
        remember: Option<String>,
    },
    /// An `m.notice` in the thread rooted at `root` (any event in the room).
    Threaded { room_id: String, root: String, reply: Reply, provenance: Provenance, txn_id: String },
    /// A file sent to a room, in the thread rooted at `root`; matrix-sdk
    /// encrypts it (and its name) when the room is encrypted.
    File {
        room_id: String,
        root: String,
        name: String,
        mime: String,
        #[serde(with = "hex_bytes")]
        data: Vec<u8>,
        provenance: Provenance,
        txn_id: String,
    },
    /// Invites a user to a room (nothing to do if they are in it or invited).
    Invite { room_id: String, user: String },
    /// Looks up a referral's evidence URL; the result comes back to the
    /// referral service.
    CheckEvidence { referral: u64, url: String },
    /// Fetches a feed once and answers the command with what would be
    /// posted, posting nothing.
    FeedTest { spec: crate::feeds::FeedSpec, room_id: String, event_id: String },
    /// An `m.notice` in the bot's (encrypted) direct chat with a user, opened
    /// by the executor if there is none yet.
    Direct { user: String, reply: Reply, provenance: Provenance, txn_id: String },
    /// Redacts an event.
    Redact { room_id: String, event_id: String, reason: Option<String>, provenance: Provenance, txn_id: String },
    /// Kicks, bans or unbans a user in one room; a kick where the user is not
    /// in the room is nothing to do.
    Membership { room_id: String, user: String, action: MemberAction, reason: Option<String>, provenance: Provenance },
    /// Takes away (or gives back) a user's voice in one room through power levels.
    Voice { room_id: String, user: String, muted: bool },
    /// Publishes (or withdraws) an `m.policy.rule.user` ban recommendation.
    PolicyRule { room_id: String, entity: String, reason: String, active: bool, provenance: Provenance },
}

impl Effect {
    /// What the effect does, as failure reports name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Effect::Reply { .. }
            | Effect::Notice { .. }
            | Effect::Threaded { .. }
            | Effect::File { .. }
            | Effect::Direct { .. } => "message",
            Effect::Invite { .. } => "invite",
            Effect::CheckEvidence { .. } | Effect::FeedTest { .. } => "lookup",
            Effect::Redact { .. } => "redact",
            Effect::Membership { action: MemberAction::Kick, .. } => "kick",
            Effect::Membership { action: MemberAction::Ban, .. } => "ban",
            Effect::Membership { action: MemberAction::Unban, .. } => "unban",
            Effect::Voice { muted: true, .. } => "mute",
            Effect::Voice { muted: false, .. } => "unmute",
            Effect::PolicyRule { .. } => "policy",
        }
    }

    /// Whether the effect asks for outside data whose result goes back to
    /// the service that asked (through the inbox).
    pub fn is_request(&self) -> bool {
        matches!(self, Effect::CheckEvidence { .. } | Effect::FeedTest { .. })
    }

    /// The room the effect acts in; `None` for a direct chat not yet known.
    pub fn target_room(&self) -> Option<&str> {
        match self {
            Effect::Reply { room_id, .. }
            | Effect::Notice { room_id, .. }
            | Effect::Threaded { room_id, .. }
            | Effect::File { room_id, .. }
            | Effect::Redact { room_id, .. }
            | Effect::Membership { room_id, .. }
            | Effect::Voice { room_id, .. }
            | Effect::PolicyRule { room_id, .. }
            | Effect::Invite { room_id, .. }
            | Effect::FeedTest { room_id, .. } => Some(room_id),
            Effect::Direct { .. } | Effect::CheckEvidence { .. } => None,
        }
    }

    /// Where the effect's content came from; `None` for effects that carry no
    /// content (a power-level change).
    pub fn provenance(&self) -> Option<&Provenance> {
        match self {
            Effect::Reply { provenance, .. }
            | Effect::Notice { provenance, .. }
            | Effect::Threaded { provenance, .. }
            | Effect::File { provenance, .. }
            | Effect::Direct { provenance, .. }
            | Effect::Redact { provenance, .. }
            | Effect::Membership { provenance, .. }
            | Effect::PolicyRule { provenance, .. } => Some(provenance),
            Effect::Voice { .. } | Effect::Invite { .. } | Effect::CheckEvidence { .. } | Effect::FeedTest { .. } => {
                None
            }
        }
    }

    /// Whether the content travels end-to-end encrypted when the target room
    /// is encrypted. Only messages do: state events (membership reasons,
    /// policy rules) and redaction reasons are always readable by the server.
    pub fn is_message(&self) -> bool {
        matches!(
            self,
            Effect::Reply { .. }
                | Effect::Notice { .. }
                | Effect::Threaded { .. }
                | Effect::File { .. }
                | Effect::Direct { .. }
        )
    }
}

impl Provenance {
    /// Content that came from an unencrypted room, or that the bot wrote.
    pub fn clear(room: &str) -> Provenance {
        Provenance { source_room: room.to_string(), source_encrypted: false }
    }
}

/// A transaction ID that is the same every time the same event (the `cause`)
/// produces the effect in `slot`, so a send retried after a crash is
/// deduplicated by the homeserver instead of posted twice.
pub fn txn_id(cause: &str, slot: &str) -> String {
    let digest = Sha256::digest(format!("{cause}\u{0}{slot}").as_bytes());
    format!("fedisec.{}", &hex::encode(digest)[..32])
}

/// Why the egress guard stopped an effect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EgressRefusal {
    #[error("content derived from an encrypted room may not be sent to unencrypted room {target}")]
    EncryptedToUnencrypted { target: String },
}

/// The egress rule: encrypted-derived content goes only to encrypted rooms.
pub fn egress_check(provenance: &Provenance, target_room: &str, target_encrypted: bool) -> Result<(), EgressRefusal> {
    if provenance.source_encrypted && !target_encrypted {
        return Err(EgressRefusal::EncryptedToUnencrypted { target: target_room.to_string() });
    }
    Ok(())
}

/// File contents as hex in the (sealed) outbox, not as a JSON array of numbers.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(data))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txn_ids_are_deterministic_and_distinct() {
        assert_eq!(txn_id("$e", "reply"), txn_id("$e", "reply"));
        assert_ne!(txn_id("$e", "reply"), txn_id("$e", "post"));
        assert_ne!(txn_id("$e", "reply"), txn_id("$f", "reply"));
        assert!(txn_id("$e", "reply").len() < 64);
    }

    #[test]
    fn egress_guard_blocks_encrypted_to_unencrypted_only() {
        let enc = Provenance { source_room: "!log:x".into(), source_encrypted: true };
        let clear = Provenance { source_room: "!lounge:x".into(), source_encrypted: false };
        assert!(egress_check(&enc, "!log:x", true).is_ok());
        assert_eq!(
            egress_check(&enc, "!lounge:x", false),
            Err(EgressRefusal::EncryptedToUnencrypted { target: "!lounge:x".into() })
        );
        assert!(egress_check(&clear, "!log:x", true).is_ok());
        assert!(egress_check(&clear, "!lounge:x", false).is_ok());
    }
}
