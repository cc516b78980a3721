//! Bytes of any supported feed to advisories.
//!
//! feed-rs reads RSS 0.9x/1.0/2.0, Atom and JSON Feed; for XML feeds that
//! declare JVN's `sec` namespace, the JVN pass adds what feed-rs drops and its
//! identifier becomes the item's stable id. An item without a link is kept.

use super::advisory::{Advisory, Cvss, cve_ids};
use super::jvn;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    #[error("not a feed this bot can read (RSS, Atom, JSON Feed): {0}")]
    Unreadable(String),
    #[error(transparent)]
    Jvn(#[from] jvn::JvnError),
}

/// Longest summary kept, in characters.
const SUMMARY_CHARS: usize = 600;

pub fn parse(source: &str, bytes: &[u8]) -> Result<Vec<Advisory>, FeedError> {
    // A single advisory record (OSV, NVD) rather than a feed of items. Only
    // JSON that names their keys is decoded here, so a JSON Feed is parsed once.
    let head = &bytes[..bytes.len().min(16 * 1024)];
    let record_keys = [&b"\"schema_version\""[..], b"\"vulnerabilities\"", b"\"descriptions\""];
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        && record_keys.iter().any(|k| memchr::memmem::find(head, k).is_some())
        && let Ok(json) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(advisories) = super::records::parse(source, &json)
    {
        return Ok(advisories);
    }
    let feed = feed_rs::parser::parse(bytes).map_err(|e| FeedError::Unreadable(e.to_string()))?;
    // Namespace declarations sit on the root element, near the top; an
    // undeclared `sec:` prefix is JVN too (and the JVN pass reports it).
    let is_jvn = jvn::SEC_NAMESPACES.iter().any(|ns| memchr::memmem::find(head, ns.as_bytes()).is_some())
        || memchr::memmem::find(head, b"<sec:").is_some();
    let extra = if is_jvn { jvn::items(bytes)? } else { Vec::new() };
    let mut out = Vec::with_capacity(feed.entries.len());
    for (index, entry) in feed.entries.into_iter().enumerate() {
        let link = entry.links.first().map(|l| l.href.trim().to_string()).filter(|l| !l.is_empty());
        // Match the JVN item by its about/link, falling back to position.
        let j =
            extra.iter().find(|j| link.is_some() && (j.about == link || j.link == link)).or_else(|| extra.get(index));
        let title = entry.title.map(|t| clean(&t.content, 1000)).unwrap_or_default();
        let summary = entry
            .summary
            .map(|t| t.content)
            .or_else(|| entry.content.and_then(|c| c.body))
            .map(|s| clean(&s, SUMMARY_CHARS))
            .filter(|s| !s.is_empty());
        let mut cves = j.map(|j| j.cves.clone()).unwrap_or_default();
        for c in cve_ids(&format!("{title} {}", summary.as_deref().unwrap_or_default())) {
            if !cves.contains(&c) {
                cves.push(c);
            }
        }
        let cvss = j.and_then(|j| best_cvss(&j.cvss));
        let id = j
            .and_then(|j| j.identifier.clone())
            .or_else(|| (!entry.id.is_empty()).then(|| entry.id.clone()))
            .or_else(|| link.clone())
            .unwrap_or_else(|| format!("{source}#{index}"));
        out.push(Advisory {
            source: source.to_string(),
            id,
            title,
            link,
            published_ms: j
                .and_then(|j| j.issued_ms.or(j.date_ms))
                .or_else(|| entry.published.map(|d| d.timestamp_millis().max(0) as u64)),
            updated_ms: j
                .and_then(|j| j.modified_ms)
                .or_else(|| entry.updated.map(|d| d.timestamp_millis().max(0) as u64)),
            cves,
            cwes: j.map(|j| j.cwes.clone()).unwrap_or_default(),
            cvss,
            products: j.map(|j| j.products.clone()).unwrap_or_default(),
            cpes: j.map(|j| j.cpes.clone()).unwrap_or_default(),
            summary,
        });
    }
    Ok(out)
}

/// The CVSS of the highest version (v4 over v3 over v2).
fn best_cvss(all: &[Cvss]) -> Option<Cvss> {
    all.iter()
        .max_by(|a, b| {
            let v = |c: &Cvss| c.version.as_deref().and_then(|v| v.parse::<f32>().ok()).unwrap_or(0.0);
            v(a).total_cmp(&v(b))
        })
        .cloned()
}

/// Text without markup, whitespace collapsed, at most `max_chars`
/// characters: one pass that stops as soon as it has enough.
fn clean(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 3));
    let (mut in_tag, mut space, mut chars) = (false, false, 0);
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                space = true;
            }
            _ if in_tag => {}
            c if c.is_whitespace() => space = true,
            c => {
                let gap = usize::from(space && !out.is_empty());
                if chars + gap >= max_chars {
                    break;
                }
                if gap == 1 {
                    out.push(' ');
                }
                space = false;
                out.push(c);
                chars += gap + 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/fixtures/feeds/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn every_fixture_is_read_or_refused_clearly() {
        let dir = format!("{}/tests/fixtures/feeds", env!("CARGO_MANIFEST_DIR"));
        let mut parsed = 0;
        for kind in ["atom", "json", "jvn", "rss"] {
            for entry in std::fs::read_dir(format!("{dir}/{kind}")).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let bytes = std::fs::read(&path).unwrap();
                match parse(&name, &bytes) {
                    Ok(items) => {
                        parsed += 1;
                        for a in &items {
                            assert!(!a.id.is_empty(), "{name}: every item has a stable id");
                        }
                    }
                    Err(e) => {
                        let known_bad = name.ends_with(".orig.xml") || name == "myjvn_np_dataFeed_jvndb_rss_hnd.xml";
                        let jvn_json = name.ends_with(".json") && kind == "jvn";
                        assert!(known_bad || jvn_json || name.contains("getVulnDetailInfo"), "{name}: {e}");
                        assert!(!e.to_string().is_empty());
                    }
                }
            }
        }
        assert!(parsed >= 20, "{parsed}");
        for entry in std::fs::read_dir(format!("{}/tests/fixtures/advisories", env!("CARGO_MANIFEST_DIR"))).unwrap() {
            let path = entry.unwrap().path();
            let items = parse("advisory", &std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            assert_eq!(items.len(), 1, "{path:?}");
            assert!(!items[0].cves.is_empty(), "{path:?}");
        }
    }

    #[test]
    fn jvn_items_become_complete_advisories() {
        let items = parse("jvndb", &fixture("jvn/myjvn_np_dataFeed_jvndb_rss_hnd.fixed.xml")).unwrap();
        assert_eq!(items.len(), 4);
        let a = &items[0];
        assert_eq!(a.id, "JVNDB-2023-028579");
        assert_eq!(a.title, "Contiki-NG における再帰制御に関する脆弱性");
        assert_eq!(a.cves, ["CVE-2023-29001"]);
        assert_eq!(a.cvss.as_ref().map(|c| c.score), Some(7.5));
        assert_eq!(a.products, ["Contiki-NG"]);
        assert!(a.published_ms.is_some() && a.link.as_deref().is_some_and(|l| l.contains("JVNDB-2023-028579")));
    }

    #[test]
    fn the_malformed_jvn_original_is_a_clear_error() {
        let e = parse("jvndb", &fixture("jvn/myjvn_np_dataFeed_jvndb_rss_hnd.xml")).unwrap_err();
        assert!(matches!(e, FeedError::Unreadable(_) | FeedError::Jvn(_)), "{e}");
    }

    #[test]
    fn advisories_from_github_name_cves_and_atom_ids_are_stable() {
        let atom = parse("ghsa", &fixture("atom/azu_github-advisory-database-rss_pip.rss.xml")).unwrap();
        assert!(atom.len() > 10);
        assert!(atom.iter().any(|a| !a.cves.is_empty()), "CVE ids are found in titles and summaries");
        let again = parse("ghsa", &fixture("atom/azu_github-advisory-database-rss_pip.rss.xml")).unwrap();
        assert_eq!(atom.iter().map(|a| &a.id).collect::<Vec<_>>(), again.iter().map(|a| &a.id).collect::<Vec<_>>());
        let json = parse("ghsa-json", &fixture("json/azu_github-advisory-database-rss_pip.json")).unwrap();
        assert!(
            json.iter().any(|a| a.title.to_lowercase().contains("synapse")
                || a.summary.as_deref().unwrap_or("").contains("synapse"))
        );
    }

    #[test]
    fn markup_is_removed_and_whitespace_collapsed() {
        assert_eq!(clean("  <p>Hello,\n\t<b>world</b></p>  ", 100), "Hello, world");
        assert_eq!(clean("a b c d", 3), "a b");
        assert_eq!(clean("", 5), "");
    }

    #[test]
    fn garbage_is_refused() {
        assert!(matches!(parse("x", b"not a feed"), Err(FeedError::Unreadable(_))));
        assert!(matches!(parse("x", b""), Err(FeedError::Unreadable(_))));
    }
}
