//! Looking up a candidate's server: NodeInfo, then Mastodon's instance API.

use super::{FetchError, Limits, client, get_json};
use crate::referral::evidence::{self, Evidence};

/// Fetches what the server at `url` says about itself. Software comes from
/// NodeInfo; the admin contact account from `/api/v2/instance` or
/// `/api/v1/instance` where the server has them (their absence is not an error).
pub async fn lookup(url: &str, limits: &Limits) -> Result<Evidence, FetchError> {
    let base = super::check_url(url, limits)?;
    let origin = base.origin().ascii_serialization();
    let http = client(limits, "referral evidence");
    let discovery = get_json(&http, &format!("{origin}/.well-known/nodeinfo"), limits).await?;
    let href = evidence::nodeinfo_href(&discovery)
        .ok_or_else(|| FetchError::Garbage("no NodeInfo 2.x link in /.well-known/nodeinfo".into()))?;
    let nodeinfo = get_json(&http, &href, limits).await?;
    let (software, version) =
        evidence::software(&nodeinfo).ok_or_else(|| FetchError::Garbage("NodeInfo without software name".into()))?;
    let mut found = Evidence { software: Some(software), version, ..Default::default() };
    for path in ["/api/v2/instance", "/api/v1/instance"] {
        if let Ok(instance) = get_json(&http, &format!("{origin}{path}"), limits).await
            && let Some((acct, created)) = evidence::contact_account(&instance)
        {
            found.admin = Some(acct);
            found.admin_created_ms = Some(created);
            break;
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::http::{HeaderMap, StatusCode, header};
    use axum::response::IntoResponse;
    use axum::routing::get;
    use serde_json::json;
    use std::time::Duration;

    /// A local server playing a Fediverse instance, good or bad.
    async fn serve(app: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }

    fn limits() -> Limits {
        Limits { timeout: Duration::from_secs(2), max_body: 64 * 1024, max_redirects: 3, allow_private: true }
    }

    fn discovery(headers: HeaderMap) -> axum::Json<serde_json::Value> {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default().to_string();
        axum::Json(
            json!({"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("http://{host}/nodeinfo/2.0")}]}),
        )
    }

    #[tokio::test]
    async fn a_mastodon_server_reports_software_and_admin_age() {
        let app = Router::new()
            .route("/.well-known/nodeinfo", get(|h: HeaderMap| async move { discovery(h) }))
            .route(
                "/nodeinfo/2.0",
                get(|| async { axum::Json(json!({"software": {"name": "mastodon", "version": "4.3.2"}})) }),
            )
            .route(
                "/api/v2/instance",
                get(|| async {
                    axum::Json(
                        json!({"contact": {"account": {"acct": "admin", "created_at": "2022-11-01T00:00:00.000Z"}}}),
                    )
                }),
            );
        let url = serve(app).await;
        let ev = lookup(&format!("{url}/@admin"), &limits()).await.unwrap();
        assert_eq!(ev.software.as_deref(), Some("mastodon"));
        assert_eq!(ev.version.as_deref(), Some("4.3.2"));
        assert_eq!(ev.admin.as_deref(), Some("admin"));
        assert_eq!(ev.three_months(crate::clock::now_ms()), Some(true));
    }

    #[tokio::test]
    async fn a_server_without_instance_api_still_reports_software() {
        let app = Router::new().route("/.well-known/nodeinfo", get(|h: HeaderMap| async move { discovery(h) })).route(
            "/nodeinfo/2.0",
            get(|| async { axum::Json(json!({"software": {"name": "gotosocial", "version": "0.17"}})) }),
        );
        let ev = lookup(&serve(app).await, &limits()).await.unwrap();
        assert_eq!(ev.software.as_deref(), Some("gotosocial"));
        assert_eq!(ev.three_months(0), None);
    }

    #[tokio::test]
    async fn bad_answers_are_errors_not_hangs_or_panics() {
        let app = Router::new()
            .route("/garbage/.well-known/nodeinfo", get(|| async { "<html>not json" }))
            .route("/.well-known/nodeinfo", get(|| async { (StatusCode::OK, "x".repeat(200 * 1024)) }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route("/loop", get(|| async { axum::response::Redirect::temporary("/loop").into_response() }))
            .route("/missing", get(|| async { StatusCode::NOT_FOUND }));
        let url = serve(app).await;
        let http = client(&limits(), "test");
        assert!(matches!(lookup(&url, &limits()).await, Err(FetchError::TooLarge(_))));
        assert!(matches!(
            get_json(&http, &format!("{url}/garbage/.well-known/nodeinfo"), &limits()).await,
            Err(FetchError::Garbage(_))
        ));
        assert!(matches!(get_json(&http, &format!("{url}/slow"), &limits()).await, Err(FetchError::Http(_))));
        assert!(matches!(get_json(&http, &format!("{url}/loop"), &limits()).await, Err(FetchError::Http(_))));
        assert!(matches!(get_json(&http, &format!("{url}/missing"), &limits()).await, Err(FetchError::Status(404))));
        let strict = Limits { allow_private: false, ..limits() };
        assert!(matches!(lookup(&url, &strict).await, Err(FetchError::Private(_))));
    }
}
