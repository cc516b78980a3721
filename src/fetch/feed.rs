//! Fetching a feed: conditional GET, gzip, a timeout and a size limit.

use super::{FetchError, Limits, check_url};
use crate::feeds::poll::{Fetched, PollState, retry_after_ms};
use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER};

/// The outcome of one poll, and the body when there is a new one.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    state: &PollState,
    limits: &Limits,
    now_ms: u64,
) -> (Fetched, Option<Vec<u8>>) {
    match try_fetch(client, url, state, limits, now_ms).await {
        Ok(r) => r,
        Err(e) => (Fetched::Failed { error: e.to_string(), retry_after_ms: None }, None),
    }
}

async fn try_fetch(
    client: &reqwest::Client,
    url: &str,
    state: &PollState,
    limits: &Limits,
    now_ms: u64,
) -> Result<(Fetched, Option<Vec<u8>>), FetchError> {
    let url = check_url(url, limits)?;
    let mut req = client.get(url).header(
        "Accept",
        "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5",
    );
    if let Some(etag) = &state.etag {
        req = req.header(IF_NONE_MATCH, etag);
    }
    if let Some(lm) = &state.last_modified {
        req = req.header(IF_MODIFIED_SINCE, lm);
    }
    let resp = req.send().await.map_err(|e| FetchError::Http(e.without_url().to_string()))?;
    let status = resp.status();
    if status == StatusCode::NOT_MODIFIED {
        return Ok((Fetched::NotModified, None));
    }
    let header = |name| {
        resp.headers().get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok()).map(str::to_string)
    };
    if !status.is_success() {
        let retry = header(RETRY_AFTER).and_then(|v| retry_after_ms(&v, now_ms));
        return Ok((Fetched::Failed { error: format!("HTTP {}", status.as_u16()), retry_after_ms: retry }, None));
    }
    let (etag, last_modified) = (header(ETAG), header(LAST_MODIFIED));
    let body = super::read_limited(resp, limits).await?;
    Ok((Fetched::Body { etag, last_modified }, Some(body)))
}
