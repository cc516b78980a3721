//! Emoji (SAS) verification of the bot by a configured admin.
//!
//! An admin clicks "Verify" on the bot in Element; Element sends a request in
//! their direct chat with the bot (or to its device). The bot takes requests
//! from config admins only, and answers "ready". When the admin chooses
//! emoji, both sides show seven emoji. Only a person can compare them, so the
//! bot never confirms by itself: it shows them on its own terminal (its log)
//! and waits for the operator to say they match with `fedisec verify`, which
//! reaches the running bot through the admin socket. A mismatch cancels.
//! Afterwards Element shows the bot as verified for that admin, and the bot
//! has signed the admin's identity in turn.

use matrix_sdk::Client;
use matrix_sdk::encryption::verification::{
    SasState, SasVerification, Verification, VerificationRequest, VerificationRequestState,
};
use matrix_sdk::ruma::OwnedUserId;
use matrix_sdk::ruma::events::key::verification::request::ToDeviceKeyVerificationRequestEvent;
use matrix_sdk::ruma::events::room::message::{MessageType, OriginalSyncRoomMessageEvent};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A verification waiting for the operator: what they compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub flow_id: String,
    pub user_id: String,
    pub device_id: String,
    /// (symbol, English name) pairs, as Element shows them.
    pub emoji: Vec<(String, String)>,
    pub decimals: (u16, u16, u16),
}

/// Verifications in progress, shared by the Matrix side and the admin socket.
#[derive(Clone, Default)]
pub struct Verifications {
    waiting: Arc<Mutex<BTreeMap<String, (Waiting, SasVerification)>>>,
}

/// What the operator decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Match,
    Mismatch,
}

impl Verifications {
    /// The verifications whose emoji are shown and not yet decided.
    pub fn waiting(&self) -> Vec<Waiting> {
        self.waiting.lock().map(|w| w.values().map(|(info, _)| info.clone()).collect()).unwrap_or_default()
    }

    /// Carries out the operator's decision; `false` if no such verification waits.
    pub async fn decide(&self, flow_id: &str, decision: Decision) -> Result<bool, String> {
        let sas = match self.waiting.lock() {
            Ok(mut w) => w.remove(flow_id).map(|(_, sas)| sas),
            Err(_) => None,
        };
        let Some(sas) = sas else { return Ok(false) };
        let result = match decision {
            Decision::Match => sas.confirm().await,
            Decision::Mismatch => sas.mismatch().await,
        };
        tracing::info!(flow_id, user = %sas.other_user_id(), ?decision, "the operator decided a verification");
        result.map(|()| true).map_err(|e| e.to_string())
    }

    fn show(&self, info: Waiting, sas: SasVerification) {
        if let Ok(mut w) = self.waiting.lock() {
            w.insert(info.flow_id.clone(), (info, sas));
        }
    }

    fn forget(&self, flow_id: &str) {
        if let Ok(mut w) = self.waiting.lock() {
            w.remove(flow_id);
        }
    }
}

/// Answers verification requests: by to-device message (a device verifying
/// the bot's device) and in rooms (Element's "Verify user", in the DM).
pub fn install(client: &Client, admins: Arc<Vec<OwnedUserId>>, verifications: Verifications) {
    {
        let (admins, v) = (admins.clone(), verifications.clone());
        client.add_event_handler(move |ev: ToDeviceKeyVerificationRequestEvent, client: Client| {
            let (admins, v) = (admins.clone(), v.clone());
            async move {
                let request =
                    client.encryption().get_verification_request(&ev.sender, &ev.content.transaction_id).await;
                if let Some(request) = request {
                    answer(request, &admins, v).await;
                }
            }
        });
    }
    client.add_event_handler(move |ev: OriginalSyncRoomMessageEvent, client: Client| {
        let (admins, v) = (admins.clone(), verifications.clone());
        async move {
            if !matches!(ev.content.msgtype, MessageType::VerificationRequest(_)) {
                return;
            }
            let request = client.encryption().get_verification_request(&ev.sender, &ev.event_id).await;
            if let Some(request) = request {
                answer(request, &admins, v).await;
            }
        }
    });
}

async fn answer(request: VerificationRequest, admins: &[OwnedUserId], v: Verifications) {
    let user = request.other_user_id().to_owned();
    if !admins.contains(&user) {
        tracing::info!(user = %user, "declined a verification request: only config admins verify the bot");
        if let Err(e) = request.cancel().await {
            tracing::warn!(error = %e, "cannot decline a verification request");
        }
        return;
    }
    if let Err(e) = request.accept().await {
        tracing::warn!(user = %user, error = %e, "cannot accept a verification request");
        return;
    }
    tracing::info!(user = %user, flow_id = request.flow_id(), "accepted a verification request; waiting for emoji");
    tokio::spawn(follow_request(request, v));
}

async fn follow_request(request: VerificationRequest, v: Verifications) {
    use futures_util::StreamExt;
    let mut changes = request.changes();
    while let Some(state) = changes.next().await {
        match state {
            VerificationRequestState::Transitioned { verification: Verification::SasV1(sas), .. } => {
                follow_sas(sas, request.flow_id().to_string(), v).await;
                return;
            }
            VerificationRequestState::Done | VerificationRequestState::Cancelled(_) => return,
            _ => {}
        }
    }
}

async fn follow_sas(sas: SasVerification, flow_id: String, v: Verifications) {
    use futures_util::StreamExt;
    let user = sas.other_user_id().to_string();
    if !sas.we_started()
        && let Err(e) = sas.accept().await
    {
        tracing::warn!(user, error = %e, "cannot accept emoji verification");
        return;
    }
    let mut changes = sas.changes();
    while let Some(state) = changes.next().await {
        match state {
            SasState::KeysExchanged { emojis, decimals } => {
                let emoji: Vec<(String, String)> = emojis
                    .map(|e| e.emojis.iter().map(|e| (e.symbol.to_string(), e.description.to_string())).collect())
                    .unwrap_or_default();
                let shown = emoji.iter().map(|(s, d)| format!("{s} {d}")).collect::<Vec<_>>().join(", ");
                // The operator's terminal: emoji are no secret, they must be compared.
                tracing::warn!(
                    user,
                    device = %sas.other_device().device_id(),
                    flow_id,
                    emoji = %shown,
                    "an admin is verifying the bot: compare these emoji with Element's, then run `fedisec verify` here"
                );
                let info = Waiting {
                    flow_id: flow_id.clone(),
                    user_id: user.clone(),
                    device_id: sas.other_device().device_id().to_string(),
                    emoji,
                    decimals,
                };
                v.show(info, sas.clone());
            }
            SasState::Done { .. } => {
                v.forget(&flow_id);
                tracing::info!(user, flow_id, "verification done: the admin's Element now shows the bot as verified");
                return;
            }
            SasState::Cancelled(info) => {
                v.forget(&flow_id);
                tracing::info!(user, flow_id, reason = info.reason(), "verification cancelled");
                return;
            }
            _ => {}
        }
    }
}
