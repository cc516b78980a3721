//! `fedisec reset-identity`: a new cross-signing identity when the recovery
//! key is lost for good.
//!
//! Replacing published cross-signing keys needs interactive auth on Synapse,
//! which the bot's user (no password) cannot do — unless the request comes
//! with the appservice token, which Synapse exempts (MSC4190). matrix-sdk
//! sends every request with the device's token, so the reset runs its client
//! through a short-lived loopback relay that forwards everything unchanged
//! except the one upload of the new keys, which it sends as the appservice
//! acting for the bot user. Then the usual start creates secret storage, a new
//! key backup and a new recovery key. Every admin must verify the bot again.

use super::as_api::AsApi;
use crate::config::Setup;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use std::net::SocketAddr;

/// The one path that gets the appservice token.
const SIGNING_UPLOAD: &str = "/keys/device_signing/upload";
/// Largest request or answer relayed (sync answers can be large).
const MAX_BODY: usize = 64 * 1024 * 1024;

#[derive(Clone)]
struct Relay {
    upstream: String,
    as_token: String,
    bot: String,
    http: reqwest::Client,
}

/// Starts the relay on a loopback port; returns its base URL.
async fn start_relay(setup: &Setup) -> Result<String, String> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .map_err(|e| format!("cannot listen on loopback: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let relay = Relay {
        upstream: setup.config.homeserver_url.as_str().trim_end_matches('/').to_string(),
        as_token: setup.registration.as_token.clone(),
        bot: setup.config.bot_user_id().to_string(),
        http: reqwest::Client::new(),
    };
    let app = axum::Router::new().fallback(forward).with_state(relay);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://{addr}"))
}

async fn forward(State(relay): State<Relay>, req: Request<Body>) -> Response<Body> {
    match relay_once(&relay, req).await {
        Ok(resp) => resp,
        Err(e) => {
            let mut resp = Response::new(Body::from(format!("{{\"errcode\":\"M_UNKNOWN\",\"error\":\"relay: {e}\"}}")));
            *resp.status_mut() = StatusCode::BAD_GATEWAY;
            resp
        }
    }
}

async fn relay_once(relay: &Relay, req: Request<Body>) -> Result<Response<Body>, String> {
    let (parts, body) = req.into_parts();
    let path_and_query = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut url = url::Url::parse(&format!("{}{path_and_query}", relay.upstream)).map_err(|e| e.to_string())?;
    let mut headers = parts.headers.clone();
    headers.remove(header::HOST);
    if parts.uri.path().ends_with(SIGNING_UPLOAD) {
        url.query_pairs_mut().append_pair("user_id", &relay.bot);
        let bearer = HeaderValue::from_str(&format!("Bearer {}", relay.as_token)).map_err(|e| e.to_string())?;
        headers.insert(header::AUTHORIZATION, bearer);
    }
    let body = axum::body::to_bytes(body, MAX_BODY).await.map_err(|e| e.to_string())?;
    let upstream =
        relay.http.request(parts.method, url).headers(headers).body(body).send().await.map_err(|e| e.to_string())?;
    let mut resp = Response::builder().status(upstream.status());
    for (name, value) in upstream.headers() {
        if name != header::TRANSFER_ENCODING && name != header::CONTENT_LENGTH {
            resp = resp.header(name, value);
        }
    }
    let bytes = upstream.bytes().await.map_err(|e| e.to_string())?;
    resp.body(Body::from(bytes)).map_err(|e| e.to_string())
}

/// Replaces the bot's cross-signing identity, secret storage and key backup.
/// The bot must be stopped (the caller holds the state database).
pub async fn reset_identity(setup: &Setup) -> Result<(), String> {
    let config = &setup.config;
    let relay = start_relay(setup).await?;
    let api = AsApi::new(&config.homeserver_url, &setup.registration.as_token, config.bot_user_id().as_str());
    let mut via_relay = config.clone();
    via_relay.homeserver_url = url::Url::parse(&relay).map_err(|e| e.to_string())?;
    let (client, _) = super::session::connect(&via_relay, &api).await.map_err(|e| e.to_string())?;
    client
        .sync_once(matrix_sdk::config::SyncSettings::default().timeout(std::time::Duration::ZERO))
        .await
        .map_err(|e| format!("first sync failed: {e}"))?;
    client.encryption().wait_for_e2ee_initialization_tasks().await;
    if let Some(handle) = client.encryption().recovery().reset_identity().await.map_err(|e| e.to_string())? {
        handle.reset(None).await.map_err(|e| format!("the homeserver refused the new keys: {e}"))?;
    }
    // The saved key opens nothing now; `ensure` writes the new one.
    let _ = std::fs::remove_file(super::identity::recovery_key_path(&config.data_dir));
    let (_, status) =
        super::identity::ensure(&client, &config.data_dir, config.locale).await.map_err(|e| e.to_string())?;
    if !status.published || !status.device_signed {
        return Err(format!("the new identity is incomplete: {status:?}"));
    }
    tracing::warn!("the bot has a new cross-signing identity: every admin must verify it again");
    Ok(())
}
