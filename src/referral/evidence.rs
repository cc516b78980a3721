//! Reading what a candidate's server says about itself: NodeInfo (software
//! and version) and, where the server exposes it (Mastodon's instance API),
//! the admin contact account and when it was created.
//!
//! It informs the vote and never decides: anything that cannot be read is
//! reported as "could not verify". The fetching, with its limits, is at the
//! edge (`fetch::evidence`); this is the parsing of untrusted JSON.

use crate::duration::parse_rfc3339;
use serde_json::Value;

/// "3 months", as the membership condition means it.
pub const THREE_MONTHS_MS: u64 = 90 * 24 * 3600 * 1000;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    pub software: Option<String>,
    pub version: Option<String>,
    /// The admin contact account (`acct`) and its creation time.
    pub admin: Option<String>,
    pub admin_created_ms: Option<u64>,
}

impl Evidence {
    /// Whether the server's own data supports "runs a server for 3+ months";
    /// `None` when it says nothing either way.
    pub fn three_months(&self, now_ms: u64) -> Option<bool> {
        self.admin_created_ms.map(|c| now_ms.saturating_sub(c) >= THREE_MONTHS_MS)
    }
}

/// The NodeInfo document URL from `/.well-known/nodeinfo`: the newest 2.x schema.
pub fn nodeinfo_href(discovery: &Value) -> Option<String> {
    let links = discovery.get("links")?.as_array()?;
    links
        .iter()
        .filter_map(|l| {
            let rel = l.get("rel")?.as_str()?;
            let version = rel.strip_prefix("http://nodeinfo.diaspora.software/ns/schema/")?;
            let href = l.get("href")?.as_str()?;
            version.starts_with("2.").then(|| (version.to_string(), href.to_string()))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, href)| href)
}

/// Software name and version from a NodeInfo 2.x document.
pub fn software(nodeinfo: &Value) -> Option<(String, Option<String>)> {
    let sw = nodeinfo.get("software")?;
    let name = sw.get("name")?.as_str()?.trim();
    if name.is_empty() || name.len() > 100 {
        return None;
    }
    let version = sw.get("version").and_then(Value::as_str).map(|v| v.chars().take(100).collect());
    Some((name.to_string(), version))
}

/// The contact account from Mastodon's `/api/v2/instance` (`contact.account`)
/// or `/api/v1/instance` (`contact_account`).
pub fn contact_account(instance: &Value) -> Option<(String, u64)> {
    let account = instance.pointer("/contact/account").or_else(|| instance.get("contact_account"))?;
    let acct = account.get("acct")?.as_str()?.chars().take(200).collect();
    let created = parse_rfc3339(account.get("created_at")?.as_str()?)?;
    Some((acct, created))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn discovery_picks_the_newest_2x_schema() {
        let d = json!({"links": [
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": "https://m/nodeinfo/2.0"},
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": "https://m/nodeinfo/2.1"},
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/1.0", "href": "https://m/nodeinfo/1.0"}
        ]});
        assert_eq!(nodeinfo_href(&d).as_deref(), Some("https://m/nodeinfo/2.1"));
        for bad in [json!({}), json!({"links": "x"}), json!({"links": [{"rel": 1}]}), json!([1, 2])] {
            assert_eq!(nodeinfo_href(&bad), None);
        }
    }

    #[test]
    fn software_and_contact_account() {
        let ni = json!({"software": {"name": "mastodon", "version": "4.3.2"}});
        assert_eq!(software(&ni), Some(("mastodon".into(), Some("4.3.2".into()))));
        assert_eq!(software(&json!({"software": {"name": ""}})), None);
        let v2 = json!({"contact": {"account": {"acct": "admin", "created_at": "2023-04-01T00:00:00.000Z"}}});
        let (acct, created) = contact_account(&v2).unwrap();
        assert_eq!(acct, "admin");
        let ev = Evidence { admin_created_ms: Some(created), ..Default::default() };
        assert_eq!(ev.three_months(created + THREE_MONTHS_MS), Some(true));
        assert_eq!(ev.three_months(created + THREE_MONTHS_MS - 1), Some(false));
        let v1 = json!({"contact_account": {"acct": "root", "created_at": "2020-01-01T00:00:00Z"}});
        assert_eq!(contact_account(&v1).map(|c| c.0).as_deref(), Some("root"));
        assert_eq!(contact_account(&json!({"contact_account": {"acct": "x", "created_at": "soon"}})), None);
    }
}
