//! The appservice HTTP API the homeserver calls, plus health and metrics.
//!
//! Transactions are acknowledged idempotently (a retried transaction ID is
//! answered without being counted again) and counted; the bot acts on room
//! events from its own E2EE sync, where encrypted events can be decrypted.
//! Every `/_matrix/app` route checks the hs_token first.

pub mod auth;

use crate::metrics::Metrics;
use crate::store::Store;
use auth::TokenCheck;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;

#[derive(Clone)]
pub struct AsState {
    pub hs_token: Arc<str>,
    pub bot_user: Arc<str>,
    pub store: Store,
    pub metrics: Arc<Metrics>,
    pub now_ms: fn() -> u64,
}

pub fn router(state: AsState) -> Router {
    Router::new()
        .route("/_matrix/app/v1/transactions/{txn_id}", put(transaction))
        .route("/_matrix/app/v1/ping", post(ping))
        .route("/_matrix/app/v1/users/{user_id}", get(query_user))
        .route("/_matrix/app/v1/rooms/{alias}", get(query_alias))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(32 * 1024 * 1024))
        .with_state(state)
}

fn matrix_error(status: StatusCode, errcode: &str, error: &str) -> Response {
    (status, Json(json!({ "errcode": errcode, "error": error }))).into_response()
}

fn authorize(headers: &HeaderMap, state: &AsState) -> Result<(), Box<Response>> {
    let header = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    match auth::check(header, &state.hs_token) {
        TokenCheck::Valid => Ok(()),
        TokenCheck::Missing => {
            Err(Box::new(matrix_error(StatusCode::UNAUTHORIZED, "M_UNAUTHORIZED", "missing hs_token")))
        }
        TokenCheck::Wrong => Err(Box::new(matrix_error(StatusCode::FORBIDDEN, "M_FORBIDDEN", "wrong hs_token"))),
    }
}

async fn transaction(
    State(state): State<AsState>,
    Path(txn_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = authorize(&headers, &state) {
        return *r;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return matrix_error(StatusCode::BAD_REQUEST, "M_NOT_JSON", "transaction body is not JSON");
    };
    match state.store.as_transactions.contains(&txn_id) {
        Ok(true) => {
            Metrics::inc(&state.metrics.transactions_duplicate);
            return Json(json!({})).into_response();
        }
        Ok(false) => {}
        Err(e) => {
            tracing::error!(error = %e, "cannot read transaction marks");
            return matrix_error(StatusCode::INTERNAL_SERVER_ERROR, "M_UNKNOWN", "state store error");
        }
    }
    let events = body["events"].as_array().map_or(0, Vec::len) as u64;
    state.metrics.transaction_events.fetch_add(events, Ordering::Relaxed);
    Metrics::inc(&state.metrics.transactions);
    if let Err(e) = state.store.as_transactions.insert(&txn_id, &(state.now_ms)()) {
        tracing::error!(error = %e, "cannot record transaction");
        // Not acknowledged: the homeserver retries.
        return matrix_error(StatusCode::INTERNAL_SERVER_ERROR, "M_UNKNOWN", "state store error");
    }
    Json(json!({})).into_response()
}

async fn ping(State(state): State<AsState>, headers: HeaderMap) -> Response {
    match authorize(&headers, &state) {
        Ok(()) => Json(json!({})).into_response(),
        Err(r) => *r,
    }
}

async fn query_user(State(state): State<AsState>, Path(user_id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = authorize(&headers, &state) {
        return *r;
    }
    if user_id == *state.bot_user {
        Json(json!({})).into_response()
    } else {
        matrix_error(StatusCode::NOT_FOUND, "M_NOT_FOUND", "no such user")
    }
}

async fn query_alias(State(state): State<AsState>, Path(_alias): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = authorize(&headers, &state) {
        return *r;
    }
    // Community rooms are created at start from the layout, never on demand.
    matrix_error(StatusCode::NOT_FOUND, "M_NOT_FOUND", "no such room alias")
}

async fn health(State(state): State<AsState>) -> Response {
    let ready = state.metrics.ready.load(Ordering::Relaxed);
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let space = state.store.rooms.entries().ok().and_then(|rooms| {
        rooms.into_iter().find(|(_, r)| r.kind == crate::store::NodeKind::Space).map(|(_, r)| r.room_id)
    });
    (status, Json(json!({ "status": if ready { "ok" } else { "starting" }, "space": space }))).into_response()
}

async fn metrics(State(state): State<AsState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}
