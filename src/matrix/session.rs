//! The bot's own device: appservice login, persisted session, encrypted stores.
//!
//! matrix-rust-sdk has no appservice-transaction crypto, so an E2EE bot on
//! Synapse logs its appservice user in with `m.login.application_service`,
//! keeps that device for life (same device ID, same identity keys), and runs a
//! normal sync. The session (access token) and the passphrase that encrypts
//! the SQLite state and crypto stores live in 0600 files in the data directory.
//!
//! Encryption is set up as Element sets it up in its default mode (MSC4153,
//! "exclude insecure devices"): room keys go only to devices their owner has
//! cross-signed, and senders are trusted only as far as `[encryption]` says.
//! If the crypto store is lost (a deleted file, a new machine), the old device
//! is logged out and a new one logged in: reusing a device ID with new
//! identity keys would make every member's client distrust it. The bot's
//! cross-signing identity then comes back from secret storage (see
//! `identity`), so members see the same, verified bot.

use super::as_api::AsApi;
use crate::config::Config;
use crate::config::DecryptFrom;
use crate::registration::random_token;
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::encryption::{BackupDownloadStrategy, EncryptionSettings};
use matrix_sdk::ruma::{OwnedDeviceId, OwnedUserId};
use matrix_sdk::{Client, SessionMeta, SessionTokens};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("cannot read or write {path}: {source}")]
    File { path: String, source: std::io::Error },
    #[error("appservice login failed: {0}")]
    Login(#[from] super::as_api::ApiError),
    #[error("the session file {0} is damaged; delete it to log in again (the device is kept)")]
    Damaged(String),
    #[error("matrix-sdk: {0}")]
    Sdk(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SavedSession {
    user_id: String,
    device_id: String,
    access_token: String,
}

/// Writes a file only its owner can read.
pub fn write_private(path: &Path, data: &[u8]) -> Result<(), SessionError> {
    use std::os::unix::fs::OpenOptionsExt;
    let err = |source| SessionError::File { path: path.display().to_string(), source };
    let tmp = path.with_extension("tmp");
    let mut f =
        std::fs::OpenOptions::new().create(true).write(true).truncate(true).mode(0o600).open(&tmp).map_err(err)?;
    f.write_all(data).map_err(err)?;
    f.sync_all().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// The passphrase for matrix-sdk's stores, generated on first use.
fn store_passphrase(data_dir: &Path) -> Result<String, SessionError> {
    let path = data_dir.join("store-passphrase");
    match std::fs::read_to_string(&path) {
        Ok(p) if !p.trim().is_empty() => Ok(p.trim().to_string()),
        Ok(_) => Err(SessionError::Damaged(path.display().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let pass = random_token();
            write_private(&path, pass.as_bytes())?;
            Ok(pass)
        }
        Err(source) => Err(SessionError::File { path: path.display().to_string(), source }),
    }
}

/// The file matrix-sdk keeps the device's Olm account and room keys in.
const CRYPTO_STORE_FILE: &str = "matrix-sdk-crypto.sqlite3";

/// The trust matrix-sdk requires of a sender's device before it decrypts.
pub fn trust_requirement(d: DecryptFrom) -> matrix_sdk_crypto::TrustRequirement {
    use matrix_sdk_crypto::TrustRequirement;
    match d {
        DecryptFrom::CrossSignedOrLegacy => TrustRequirement::CrossSignedOrLegacy,
        DecryptFrom::CrossSigned => TrustRequirement::CrossSigned,
        DecryptFrom::Any => TrustRequirement::Untrusted,
    }
}

/// What the start found of the bot's device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStart {
    /// The saved device and its crypto store.
    Restored,
    /// A first login on this data directory.
    New,
    /// The crypto store was gone: the old device was logged out, this is a new one.
    Replaced,
}

/// Logs the bot in (or restores its session) and returns a client with
/// encrypted persistent stores, ready to sync.
pub async fn connect(config: &Config, api: &AsApi) -> Result<(Client, DeviceStart), SessionError> {
    let data_dir = &config.data_dir;
    std::fs::create_dir_all(data_dir)
        .map_err(|source| SessionError::File { path: data_dir.display().to_string(), source })?;
    let passphrase = store_passphrase(data_dir)?;
    let session_path = data_dir.join("session.json");
    let bot = config.bot_user_id();

    let saved: Option<SavedSession> = match std::fs::read(&session_path) {
        Ok(bytes) => Some(
            serde_json::from_slice(&bytes).map_err(|_| SessionError::Damaged(session_path.display().to_string()))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(SessionError::File { path: session_path.display().to_string(), source });
        }
    };
    let crypto_store_lost = saved.is_some() && !data_dir.join("matrix").join(CRYPTO_STORE_FILE).exists();
    let saved = match saved {
        Some(s) if crypto_store_lost => {
            tracing::warn!(
                device_id = %s.device_id,
                "the crypto store is missing: logging the old device out and starting a new one"
            );
            if let Err(e) = api.logout_with(&s.access_token).await {
                tracing::warn!(error = %e, "cannot log the old device out; it stays listed until removed");
            }
            None
        }
        other => other,
    };
    let start = match (&saved, crypto_store_lost) {
        (_, true) => DeviceStart::Replaced,
        (Some(_), false) => DeviceStart::Restored,
        (None, false) => DeviceStart::New,
    };
    let session = match saved {
        Some(s) if api.whoami_with(&s.access_token).await.is_ok() => s,
        previous => {
            api.ensure_registered(&config.appservice.bot_localpart).await?;
            let device = previous.as_ref().map(|s| s.device_id.as_str());
            let login = api.login(bot.as_str(), device, &config.display_name).await?;
            tracing::info!(device_id = %login.device_id, reused = device.is_some(), "logged in with the appservice token");
            let s =
                SavedSession { user_id: login.user_id, device_id: login.device_id, access_token: login.access_token };
            let bytes = serde_json::to_vec_pretty(&s).map_err(|e| SessionError::Sdk(e.to_string()))?;
            write_private(&session_path, &bytes)?;
            s
        }
    };

    let client = Client::builder()
        .homeserver_url(config.homeserver_url.as_str())
        .sqlite_store(data_dir.join("matrix"), Some(&passphrase))
        .with_encryption_settings(EncryptionSettings {
            // Bootstrapped by `identity`, which can say what went wrong.
            auto_enable_cross_signing: false,
            auto_enable_backups: false,
            // A room key missing at decryption is looked up in the backup.
            backup_download_strategy: BackupDownloadStrategy::AfterDecryptionFailure,
        })
        .with_room_key_recipient_strategy(matrix_sdk_crypto::CollectStrategy::IdentityBasedStrategy)
        .with_decryption_settings(matrix_sdk_crypto::DecryptionSettings {
            sender_device_trust_requirement: trust_requirement(config.encryption.decrypt_from),
        })
        .build()
        .await
        .map_err(|e| SessionError::Sdk(e.to_string()))?;
    let user_id = OwnedUserId::try_from(session.user_id.as_str()).map_err(|e| SessionError::Sdk(e.to_string()))?;
    let device_id: OwnedDeviceId = session.device_id.as_str().into();
    client
        .restore_session(MatrixSession {
            meta: SessionMeta { user_id, device_id },
            tokens: SessionTokens { access_token: session.access_token, refresh_token: None },
        })
        .await
        .map_err(|e| SessionError::Sdk(e.to_string()))?;
    Ok((client, start))
}
