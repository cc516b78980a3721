//! Effects: what domain services ask the edge to do, as plain data.
//!
//! Services never touch the network. They return effects, each with where its
//! content came from (provenance) and a deterministic transaction ID, and the one
//! executor carries them out. The provenance is what the egress guard checks.

use crate::i18n::Reply;
use sha2::{Digest, Sha256};

/// Where an effect's content was derived from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub source_room: String,
    /// The source room is end-to-end encrypted: nothing derived from it may
    /// leave to an unencrypted room, to disk in plaintext, or to the logs.
    pub source_encrypted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
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
}

impl Effect {
    pub fn target_room(&self) -> &str {
        match self {
            Effect::Reply { room_id, .. } => room_id,
        }
    }

    pub fn provenance(&self) -> &Provenance {
        match self {
            Effect::Reply { provenance, .. } => provenance,
        }
    }
}

/// A transaction ID that is the same every time the same event produces its
/// `index`-th effect, so a send retried after a crash is deduplicated by the
/// homeserver instead of posted twice.
pub fn txn_id(cause: &str, index: usize) -> String {
    let digest = Sha256::digest(format!("{cause}\u{0}{index}").as_bytes());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txn_ids_are_deterministic_and_distinct() {
        assert_eq!(txn_id("$e", 0), txn_id("$e", 0));
        assert_ne!(txn_id("$e", 0), txn_id("$e", 1));
        assert_ne!(txn_id("$e", 0), txn_id("$f", 0));
        assert!(txn_id("$e", 0).len() < 64);
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
