//! Vulnerability and news feeds, normalised into one advisory record.
//!
//! seeds/000: the vuln-info channel gathers vulnerabilities "from JVN and
//! news at home and abroad". Feeds come as RSS 0.9x/1.0/2.0, Atom and JSON
//! Feed (parsed by feed-rs) and JVN adds its own `sec:` namespace (CVSS, CVE
//! and CWE references, CPE) and `dcterms` dates that generic parsers drop, so
//! JVN gets a second, namespace-aware pass over the same bytes. Everything
//! ends up as an `Advisory`, whatever the source. Sans-I/O: bytes in,
//! records out.

pub mod admin_messages;
pub mod advisory;
pub mod commands;
pub mod cvss;
pub mod ingest;
pub mod jvn;
pub mod messages;
pub mod parse;
pub mod poll;
pub mod records;
pub mod registry;
pub mod service;
pub mod watch;

pub use advisory::{Advisory, Cvss};
pub use parse::{FeedError, parse};

use crate::config::purpose::Purpose;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The feeds shipped with fedisec (`[feeds] defaults = true`).
pub const DEFAULT_FEEDS: &str = include_str!("../../feeds.default.toml");

/// A feed to poll, from the config or from `!feed add`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedSpec {
    /// Short and stable: from the URL.
    pub id: String,
    pub name: String,
    pub url: String,
    /// `VulnInfo` or `News`.
    pub room: Purpose,
    pub every_ms: u64,
    /// Apply the watch list (news feeds post everything new by default).
    pub filter: bool,
    /// Items to post on the first poll (default: none).
    pub backfill: usize,
}

/// Shortest polling interval a moderator may set with `!feed add`; the
/// config file (the operator's) may go down to a second.
pub const MIN_EVERY_MS: u64 = 60_000;

impl FeedSpec {
    pub fn id_for(url: &str) -> String {
        hex::encode(Sha256::digest(url.trim().as_bytes()))[..8].to_string()
    }

    /// Validates a feed's parts; the error says what is expected.
    pub fn from_parts(
        url: &str,
        name: Option<&str>,
        room: Option<&str>,
        every: Option<&str>,
        filter: Option<bool>,
        backfill: Option<usize>,
    ) -> Result<FeedSpec, String> {
        let parsed =
            url::Url::parse(url.trim()).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
        if parsed.is_none() {
            return Err("an http(s) URL".into());
        }
        let room = match room.unwrap_or("vuln-info") {
            "vuln-info" => Purpose::VulnInfo,
            "news" => Purpose::News,
            _ => return Err("room = \"vuln-info\" or \"news\"".into()),
        };
        let every_ms = match every {
            None => 30 * 60_000,
            Some(e) => match crate::duration::parse(e) {
                Some(ms) => ms,
                None => return Err("every = a duration such as \"30m\"".into()),
            },
        };
        Ok(FeedSpec {
            id: FeedSpec::id_for(url),
            name: name.unwrap_or(url).trim().to_string(),
            url: url.trim().to_string(),
            room,
            every_ms,
            filter: filter.unwrap_or(room == Purpose::VulnInfo),
            backfill: backfill.unwrap_or(0).min(50),
        })
    }
}
