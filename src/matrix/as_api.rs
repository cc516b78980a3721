//! Client-server calls made with the appservice token.
//!
//! The as_token, with `?user_id=` asserting the bot's identity, acts as the
//! bot user without a device, is exempt from rate limits (`rate_limited:
//! false`), and is what `m.login.application_service` needs. Space building and the login that creates the bot's E2EE device go
//! through here; everything that must be encrypted goes through matrix-sdk.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;
use url::Url;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{method} {path}: HTTP {status} {errcode}: {message}")]
    Matrix { method: Method, path: String, status: u16, errcode: String, message: String },
    #[error("{method} {path}: {source}")]
    Http { method: Method, path: String, source: reqwest::Error },
}

impl ApiError {
    pub fn errcode(&self) -> Option<&str> {
        match self {
            ApiError::Matrix { errcode, .. } => Some(errcode),
            ApiError::Http { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct LoginResponse {
    pub user_id: String,
    pub access_token: String,
    pub device_id: String,
}

#[derive(Clone)]
pub struct AsApi {
    http: reqwest::Client,
    base: Url,
    token: String,
    /// The namespaced user the requests act as (identity assertion).
    user_id: Option<String>,
}

impl AsApi {
    /// A client acting as `user_id` (which must be in the appservice's namespace).
    pub fn new(base: &Url, token: &str, user_id: &str) -> AsApi {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("fedisec/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        AsApi { http, base: base.clone(), token: token.to_string(), user_id: Some(user_id.to_string()) }
    }

    /// The same token without identity assertion, for `register` and `login`.
    fn unasserted(&self) -> AsApi {
        AsApi { user_id: None, ..self.clone() }
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if let Some(user) = &self.user_id {
            url.query_pairs_mut().append_pair("user_id", user);
        }
        url
    }

    async fn call(&self, method: Method, segments: &[&str], body: Option<&Value>) -> Result<Value, ApiError> {
        let url = self.url(segments);
        let path = url.path().to_string();
        // Transport failures (typically a pooled keep-alive connection the
        // homeserver already closed) are retried; the request never arrived or
        // is idempotent here (createRoom is guarded by its unique alias).
        let mut attempt = 0;
        let resp = loop {
            attempt += 1;
            let mut req = self.http.request(method.clone(), url.clone()).bearer_auth(&self.token);
            if let Some(body) = body {
                req = req.json(body);
            }
            match req.send().await {
                Ok(resp) => break resp,
                Err(source) if attempt < 4 && (source.is_connect() || source.is_request()) => {
                    tracing::debug!(%path, attempt, error = %source, "retrying request");
                    tokio::time::sleep(Duration::from_millis(250 * attempt)).await;
                }
                Err(source) => {
                    return Err(ApiError::Http { method: method.clone(), path: path.clone(), source });
                }
            }
        };
        let status = resp.status();
        let text = resp.text().await.map_err(|source| ApiError::Http {
            method: method.clone(),
            path: path.clone(),
            source,
        })?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(value);
        }
        Err(ApiError::Matrix {
            method,
            path,
            status: status.as_u16(),
            errcode: value["errcode"].as_str().unwrap_or("M_UNKNOWN").to_string(),
            message: value["error"].as_str().unwrap_or(&text).chars().take(300).collect(),
        })
    }

    /// Room ID an alias points to, or `None` if the alias does not exist.
    pub async fn resolve_alias(&self, alias: &str) -> Result<Option<String>, ApiError> {
        match self.call(Method::GET, &["_matrix", "client", "v3", "directory", "room", alias], None).await {
            Ok(v) => Ok(v["room_id"].as_str().map(str::to_string)),
            Err(e) if e.errcode() == Some("M_NOT_FOUND") => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn room_state(&self, room_id: &str) -> Result<Vec<Value>, ApiError> {
        let v = self.call(Method::GET, &["_matrix", "client", "v3", "rooms", room_id, "state"], None).await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    pub async fn create_room(&self, body: &Value) -> Result<String, ApiError> {
        let v = self.call(Method::POST, &["_matrix", "client", "v3", "createRoom"], Some(body)).await?;
        Ok(v["room_id"].as_str().unwrap_or_default().to_string())
    }

    pub async fn put_state(
        &self,
        room_id: &str,
        event_type: &str,
        state_key: &str,
        content: &Value,
    ) -> Result<(), ApiError> {
        let segments = ["_matrix", "client", "v3", "rooms", room_id, "state", event_type, state_key];
        self.call(Method::PUT, &segments, Some(content)).await.map(drop)
    }

    /// One state event's content, or `None` when the room has no such event.
    pub async fn state_event(
        &self,
        room_id: &str,
        event_type: &str,
        state_key: &str,
    ) -> Result<Option<Value>, ApiError> {
        match self
            .call(Method::GET, &["_matrix", "client", "v3", "rooms", room_id, "state", event_type, state_key], None)
            .await
        {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.errcode() == Some("M_NOT_FOUND") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A user's membership in a room (`join`, `invite`, `ban`, ...), if any.
    pub async fn membership_of(&self, room_id: &str, user_id: &str) -> Result<Option<String>, ApiError> {
        Ok(self
            .state_event(room_id, "m.room.member", user_id)
            .await?
            .and_then(|c| c["membership"].as_str().map(str::to_string)))
    }

    /// One event as the server has it (encrypted events stay encrypted).
    pub async fn event(&self, room_id: &str, event_id: &str) -> Result<Option<Value>, ApiError> {
        match self.call(Method::GET, &["_matrix", "client", "v3", "rooms", room_id, "event", event_id], None).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if matches!(e.errcode(), Some("M_NOT_FOUND" | "M_FORBIDDEN")) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `kick`, `ban` or `unban` a user in a room.
    pub async fn membership(
        &self,
        room_id: &str,
        action: &str,
        user_id: &str,
        reason: Option<&str>,
    ) -> Result<(), ApiError> {
        let mut body = json!({ "user_id": user_id });
        if let Some(r) = reason {
            body["reason"] = json!(r);
        }
        self.call(Method::POST, &["_matrix", "client", "v3", "rooms", room_id, action], Some(&body)).await.map(|_| ())
    }

    pub async fn invite(&self, room_id: &str, user_id: &str) -> Result<(), ApiError> {
        let body = json!({ "user_id": user_id, "reason": "fedisec: configured admin" });
        self.call(Method::POST, &["_matrix", "client", "v3", "rooms", room_id, "invite"], Some(&body)).await.map(drop)
    }

    /// Makes sure the appservice's sender user exists.
    pub async fn ensure_registered(&self, localpart: &str) -> Result<(), ApiError> {
        let body = json!({ "type": "m.login.application_service", "username": localpart, "inhibit_login": true });
        match self.unasserted().call(Method::POST, &["_matrix", "client", "v3", "register"], Some(&body)).await {
            Ok(_) => Ok(()),
            Err(e) if e.errcode() == Some("M_USER_IN_USE") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `m.login.application_service`: a device for the bot user. Passing the
    /// previous device ID keeps the same device (and its E2EE identity).
    pub async fn login(
        &self,
        user_id: &str,
        device_id: Option<&str>,
        display_name: &str,
    ) -> Result<LoginResponse, ApiError> {
        let mut body = json!({
            "type": "m.login.application_service",
            "identifier": { "type": "m.id.user", "user": user_id },
            "initial_device_display_name": display_name,
        });
        if let Some(device) = device_id {
            body["device_id"] = json!(device);
        }
        let v = self.unasserted().call(Method::POST, &["_matrix", "client", "v3", "login"], Some(&body)).await?;
        serde_json::from_value(v.clone()).map_err(|_| ApiError::Matrix {
            method: Method::POST,
            path: "/_matrix/client/v3/login".into(),
            status: 200,
            errcode: "M_BAD_JSON".into(),
            message: "login response without user_id/access_token/device_id".into(),
        })
    }

    /// Whether an access token is still valid.
    pub async fn whoami_with(&self, access_token: &str) -> Result<String, ApiError> {
        let other = AsApi { token: access_token.to_string(), ..self.unasserted() };
        let v = other.call(Method::GET, &["_matrix", "client", "v3", "account", "whoami"], None).await?;
        Ok(v["user_id"].as_str().unwrap_or_default().to_string())
    }

    /// Logs out the device behind `access_token`; Synapse deletes the device
    /// and its keys with it.
    pub async fn logout_with(&self, access_token: &str) -> Result<(), ApiError> {
        let other = AsApi { token: access_token.to_string(), ..self.unasserted() };
        match other.call(Method::POST, &["_matrix", "client", "v3", "logout"], Some(&json!({}))).await {
            Ok(_) => Ok(()),
            // The token is already gone: so is the device.
            Err(e) if e.errcode() == Some("M_UNKNOWN_TOKEN") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The published keys of `user_id` (`/keys/query`): devices, and the
    /// cross-signing keys if there are any.
    pub async fn query_keys(&self, user_id: &str) -> Result<Value, ApiError> {
        let body = json!({ "device_keys": { user_id: [] } });
        self.call(Method::POST, &["_matrix", "client", "v3", "keys", "query"], Some(&body)).await
    }

    /// Asks the homeserver to ping the appservice (MSC2659); returns the round
    /// trip the homeserver measured, in milliseconds.
    pub async fn ping_appservice(&self, appservice_id: &str) -> Result<u64, ApiError> {
        let body = json!({ "transaction_id": format!("fedisec-ping-{}", crate::clock::now_ms()) });
        let v = self
            .call(Method::POST, &["_matrix", "client", "v1", "appservice", appservice_id, "ping"], Some(&body))
            .await?;
        Ok(v["duration_ms"].as_u64().unwrap_or_default())
    }

    pub async fn display_name(&self, user_id: &str) -> Result<Option<String>, ApiError> {
        match self.call(Method::GET, &["_matrix", "client", "v3", "profile", user_id, "displayname"], None).await {
            Ok(v) => Ok(v["displayname"].as_str().map(str::to_string)),
            Err(e) if e.errcode() == Some("M_NOT_FOUND") => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn set_display_name(&self, user_id: &str, name: &str) -> Result<(), ApiError> {
        let body = json!({ "displayname": name });
        self.call(Method::PUT, &["_matrix", "client", "v3", "profile", user_id, "displayname"], Some(&body))
            .await
            .map(drop)
    }
}

impl AsApi {
    /// Points an alias at a room (used when the bot's alias was removed by hand).
    pub async fn put_alias(&self, alias: &str, room_id: &str) -> Result<(), ApiError> {
        let body = json!({ "room_id": room_id });
        self.call(Method::PUT, &["_matrix", "client", "v3", "directory", "room", alias], Some(&body)).await.map(drop)
    }
}
