//! Sealed text: what came from an end-to-end encrypted room is stored encrypted.
//!
//! Invariant: nothing derived from an encrypted room is written to disk in
//! plaintext. A report sent from the encrypted log-share room or from an
//! encrypted DM carries a reason the moderators need later, so it is kept
//! sealed with ChaCha20-Poly1305 under a key generated once and kept in a 0600
//! file in the data directory (beside matrix-sdk's store passphrase), and only
//! opened to answer in an encrypted room.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A piece of text as stored: plain when it came from an unencrypted room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Text {
    Plain(String),
    Sealed { nonce: String, data: String },
}

impl Text {
    pub fn is_sealed(&self) -> bool {
        matches!(self, Text::Sealed { .. })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("cannot read or write the sealing key {path}: {reason}")]
    Key { path: String, reason: String },
    #[error("a sealed text cannot be opened (wrong key or damaged data)")]
    Open,
}

/// A 32-byte key kept hex-encoded in a 0600 file, generated on first use.
pub fn private_key(path: &Path) -> Result<[u8; 32], SealError> {
    let err = |reason: String| SealError::Key { path: path.display().to_string(), reason };
    let hex_key = match std::fs::read_to_string(path) {
        Ok(k) => k.trim().to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let k = crate::registration::random_token();
            crate::matrix::session::write_private(path, k.as_bytes()).map_err(|e| err(e.to_string()))?;
            k
        }
        Err(e) => return Err(err(e.to_string())),
    };
    let bytes = hex::decode(&hex_key).map_err(|e| err(e.to_string()))?;
    bytes.try_into().map_err(|_| err("the key is not 32 bytes".into()))
}

#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl Sealer {
    /// Loads the key from `data_dir/seal.key`, creating it on first use.
    pub fn load_or_create(data_dir: &Path) -> Result<Sealer, SealError> {
        Ok(Sealer::from_key(private_key(&data_dir.join("seal.key"))?))
    }

    pub fn from_key(key: [u8; 32]) -> Sealer {
        Sealer { cipher: ChaCha20Poly1305::new(Key::from_slice(&key)) }
    }

    /// A sealer with a fresh random key, for tests and temporary stores.
    pub fn random() -> Sealer {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).unwrap_or_else(|e| panic!("OS random source failed: {e}"));
        Sealer::from_key(key)
    }

    /// Stores `text` as it may be stored: sealed if it came from an encrypted room.
    pub fn keep(&self, text: &str, from_encrypted: bool) -> Text {
        if !from_encrypted {
            return Text::Plain(text.to_string());
        }
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).unwrap_or_else(|e| panic!("OS random source failed: {e}"));
        // Encryption with a valid key and nonce cannot fail for in-memory data.
        let data = self.cipher.encrypt(Nonce::from_slice(&nonce), text.as_bytes()).unwrap_or_default();
        Text::Sealed { nonce: hex::encode(nonce), data: hex::encode(data) }
    }

    /// The text, opened if sealed.
    pub fn open(&self, text: &Text) -> Result<String, SealError> {
        match text {
            Text::Plain(s) => Ok(s.clone()),
            Text::Sealed { nonce, data } => {
                let nonce = hex::decode(nonce).map_err(|_| SealError::Open)?;
                let data = hex::decode(data).map_err(|_| SealError::Open)?;
                if nonce.len() != 12 {
                    return Err(SealError::Open);
                }
                let plain =
                    self.cipher.decrypt(Nonce::from_slice(&nonce), data.as_ref()).map_err(|_| SealError::Open)?;
                String::from_utf8(plain).map_err(|_| SealError::Open)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_room_text_is_sealed_and_opens_with_the_same_key_only() {
        let s = Sealer::random();
        let sealed = s.keep("秘密の理由", true);
        let json = serde_json::to_string(&sealed).unwrap();
        assert!(!json.contains("秘密"), "{json}");
        assert_eq!(s.open(&sealed).unwrap(), "秘密の理由");
        assert!(matches!(Sealer::random().open(&sealed), Err(SealError::Open)));
        assert_eq!(s.keep("plain", false), Text::Plain("plain".into()));
    }

    #[test]
    fn key_is_created_once_and_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sealed = Sealer::load_or_create(dir.path()).unwrap().keep("x", true);
        let mode = std::fs::metadata(dir.path().join("seal.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(Sealer::load_or_create(dir.path()).unwrap().open(&sealed).unwrap(), "x");
    }
}
