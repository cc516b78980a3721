//! The bot's cross-signing identity, its key backup and its recovery key.
//!
//! Element (MSC4153, on by default) shares room keys only with devices that
//! their owner cross-signed, and refuses to decrypt any other device. So the
//! bot must own a cross-signing identity, sign its device with it, and keep
//! that identity across restarts, lost crypto stores and new machines: a bot
//! that starts a new identity would look like an impostor to every member who
//! verified it.
//!
//! At start, after the first sync:
//! - no identity on the homeserver: create one (Synapse takes the first upload
//!   without interactive auth, MSC3967), then turn on recovery (secret storage
//!   and server-side key backup) and keep the recovery key in a 0600 file;
//! - an identity, but not its private keys here (a new device): recover them
//!   from secret storage with the saved recovery key, which also signs the new
//!   device and connects the key backup;
//! - an identity and no recovery key: refuse to start, with the way out.
//!
//! Each step is safe to repeat, so a crash between steps is finished by the
//! next start.

use super::session::{SessionError, write_private};
use crate::i18n::Locale;
use matrix_sdk::Client;
use matrix_sdk::encryption::recovery::RecoveryState;
use std::path::{Path, PathBuf};

/// The recovery key, in the data directory.
pub const RECOVERY_KEY_FILE: &str = "recovery-key";

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "the bot has a cross-signing identity on the homeserver, but its recovery key is not in {path}.\n\
         Put the recovery key you stored back into that file (`fedisec recovery-key --set` reads it from standard input),\n\
         or, if it is lost for good, run `fedisec reset-identity`: a new identity, which every admin must verify again"
    )]
    LostRecoveryKey { path: String },
    #[error(
        "the recovery key in {path} does not open the bot's secret storage ({detail}).\n\
         Put the right key into that file (`fedisec recovery-key --set`), or run `fedisec reset-identity`"
    )]
    WrongRecoveryKey { path: String, detail: String },
    #[error("{0}")]
    File(#[from] SessionError),
    #[error("cross-signing or key backup: {0}")]
    Sdk(String),
}

fn sdk(e: impl std::fmt::Display) -> IdentityError {
    IdentityError::Sdk(e.to_string())
}

/// What `/metrics`, `fedisec check` and the start log say about the identity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Status {
    /// The homeserver has the bot's master and self-signing keys.
    pub published: bool,
    /// The bot's device is signed by its self-signing key.
    pub device_signed: bool,
    /// Room keys are backed up on the homeserver.
    pub backup: bool,
}

/// How `ensure` came by the identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Already complete on this device.
    Kept,
    /// Created just now.
    Created,
    /// Recovered from secret storage with the recovery key.
    Recovered,
}

pub fn recovery_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(RECOVERY_KEY_FILE)
}

/// The saved recovery key, if there is one.
pub fn read_recovery_key(data_dir: &Path) -> Result<Option<String>, SessionError> {
    let path = recovery_key_path(data_dir);
    match std::fs::read_to_string(&path) {
        Ok(k) if !k.trim().is_empty() => Ok(Some(k.trim().to_string())),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(SessionError::File { path: path.display().to_string(), source }),
    }
}

/// Saves a recovery key (0600) and tells the operator, once, to keep it elsewhere.
fn save_new_key(data_dir: &Path, key: &str, locale: Locale) -> Result<(), IdentityError> {
    let path = recovery_key_path(data_dir);
    write_private(&path, format!("{key}\n").as_bytes())?;
    // The terminal, not the log: the log may be shipped elsewhere.
    eprintln!("{}", crate::matrix::messages::recovery_key_banner(locale, key, &path.display().to_string()));
    tracing::warn!(file = %path.display(), "a new recovery key was written; store a copy off this machine");
    Ok(())
}

/// Makes sure the bot has a published, cross-signed identity with key backup.
pub async fn ensure(client: &Client, data_dir: &Path, locale: Locale) -> Result<(Outcome, Status), IdentityError> {
    let enc = client.encryption();
    enc.wait_for_e2ee_initialization_tasks().await;
    let own = client.user_id().ok_or_else(|| sdk("not logged in"))?.to_owned();
    let local_complete = enc.cross_signing_status().await.is_some_and(|s| s.is_complete());
    let published = enc.request_user_identity(&own).await.map_err(sdk)?.is_some();
    let saved = read_recovery_key(data_dir)?;
    let path = recovery_key_path(data_dir).display().to_string();

    let outcome = if local_complete {
        Outcome::Kept
    } else if published {
        let key = saved.as_deref().ok_or(IdentityError::LostRecoveryKey { path: path.clone() })?;
        enc.recovery()
            .recover(key)
            .await
            .map_err(|e| IdentityError::WrongRecoveryKey { path: path.clone(), detail: e.to_string() })?;
        Outcome::Recovered
    } else {
        enc.bootstrap_cross_signing(None).await.map_err(sdk)?;
        Outcome::Created
    };

    let state = enc.recovery().state();
    let key_works = match saved.as_deref() {
        Some(key) if matches!(state, RecoveryState::Enabled) && outcome != Outcome::Recovered => {
            enc.secret_storage().open_secret_store(key).await.is_ok()
        }
        _ => false,
    };
    match (state, saved.as_deref()) {
        (RecoveryState::Enabled, _) if outcome == Outcome::Recovered || key_works => {}
        (RecoveryState::Incomplete, Some(key)) => {
            enc.recovery()
                .recover_and_fix_backup(key)
                .await
                .map_err(|e| IdentityError::WrongRecoveryKey { path: path.clone(), detail: e.to_string() })?;
        }
        (RecoveryState::Enabled | RecoveryState::Incomplete, _) => {
            // Secret storage exists but this machine has no working key for
            // it (a crash right after enabling, a deleted or stale file): a
            // new key for the same secrets.
            let key = enc.recovery().reset_key().await.map_err(sdk)?;
            save_new_key(data_dir, &key, locale)?;
        }
        (RecoveryState::Disabled | RecoveryState::Unknown, _) => {
            let key = enc.recovery().enable().wait_for_backups_to_upload().await.map_err(sdk)?;
            save_new_key(data_dir, &key, locale)?;
        }
    }
    Ok((outcome, status(client).await))
}

/// The identity as the homeserver publishes it now (the bot's own keys are
/// queried again, so signatures uploaded just now are seen).
pub async fn status(client: &Client) -> Status {
    let enc = client.encryption();
    let published = match client.user_id() {
        Some(own) => enc.request_user_identity(own).await.ok().flatten().is_some(),
        None => false,
    };
    let device_signed = enc.get_own_device().await.ok().flatten().is_some_and(|d| d.is_cross_signed_by_owner());
    Status { published, device_signed, backup: enc.backups().are_enabled().await }
}

/// What the homeserver publishes about a user's cross-signing, read from a
/// `/keys/query` answer: the master key, and whether `device` carries a
/// signature by the self-signing key. For `fedisec check`, which runs
/// without the bot's crypto store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub master_key: Option<String>,
    pub self_signing_key: Option<String>,
    pub device_signed: bool,
}

pub fn published(keys: &serde_json::Value, user_id: &str, device: &str) -> Published {
    let first_key = |v: &serde_json::Value| {
        v["keys"].as_object().and_then(|m| m.keys().next().cloned()).map(|k| k.trim_start_matches("ed25519:").into())
    };
    let master_key = first_key(&keys["master_keys"][user_id]);
    let self_signing_key: Option<String> = first_key(&keys["self_signing_keys"][user_id]);
    let device_signed = self_signing_key.as_ref().is_some_and(|ssk| {
        keys["device_keys"][user_id][device]["signatures"][user_id].get(format!("ed25519:{ssk}")).is_some()
    });
    Published { master_key, self_signing_key, device_signed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn published_keys_are_read_from_a_keys_query_answer() {
        let u = "@fedisec:example.org";
        let answer = json!({
            "device_keys": { u: { "DEV": { "signatures": { u: { "ed25519:DEV": "x", "ed25519:SSK": "y" } } } } },
            "master_keys": { u: { "keys": { "ed25519:MSK": "MSK" } } },
            "self_signing_keys": { u: { "keys": { "ed25519:SSK": "SSK" } } }
        });
        let p = published(&answer, u, "DEV");
        assert_eq!(p.master_key.as_deref(), Some("MSK"));
        assert!(p.device_signed);
        assert!(!published(&answer, u, "OTHER").device_signed);
        let bare = json!({ "device_keys": { u: { "DEV": { "signatures": { u: { "ed25519:DEV": "x" } } } } } });
        assert_eq!(
            published(&bare, u, "DEV"),
            Published { master_key: None, self_signing_key: None, device_signed: false }
        );
    }

    #[test]
    fn a_blank_key_file_counts_as_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_recovery_key(dir.path()).unwrap(), None);
        std::fs::write(recovery_key_path(dir.path()), "  \n").unwrap();
        assert_eq!(read_recovery_key(dir.path()).unwrap(), None);
        std::fs::write(recovery_key_path(dir.path()), "EsT1 abcd\n").unwrap();
        assert_eq!(read_recovery_key(dir.path()).unwrap().as_deref(), Some("EsT1 abcd"));
    }
}
