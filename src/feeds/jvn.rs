//! The second pass for JVN feeds: `sec:` and `dcterms:` elements, which
//! generic feed parsers drop, read with a namespace-aware XML reader.
//!
//! JVN's RSS 1.0 items carry `sec:identifier` (JVNDB-…), `sec:references`
//! (CVE, CWE, vendor advisories), `sec:cvss` (score, severity, vector,
//! version), `sec:cpe` (vendor, product, CPE name) and `dcterms:issued` /
//! `dcterms:modified` (timestamps sometimes without seconds). Both `sec`
//! namespace URIs seen in the wild are accepted.

use super::advisory::Cvss;
use crate::duration::parse_rfc3339;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;

/// The `sec` namespace as MyJVN/JVNDB publishes it, and the older one of jvn.jp.
pub const SEC_NAMESPACES: [&str; 2] = ["http://jvn.jp/rss/mod_sec/3.0/", "http://jvn.jp/rss/mod_sec/"];
const DCTERMS: &str = "http://purl.org/dc/terms/";
const DC: &str = "http://purl.org/dc/elements/1.1/";

/// What the `sec:`/`dcterms:` pass finds in one item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JvnItem {
    /// `rdf:about` of the item, to match it with feed-rs's entry.
    pub about: Option<String>,
    pub link: Option<String>,
    pub identifier: Option<String>,
    pub cves: Vec<String>,
    pub cwes: Vec<String>,
    pub cvss: Vec<Cvss>,
    pub products: Vec<String>,
    pub cpes: Vec<String>,
    pub issued_ms: Option<u64>,
    pub modified_ms: Option<u64>,
    pub date_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("JVN XML is malformed at byte {position}: {reason}")]
pub struct JvnError {
    pub position: u64,
    pub reason: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Field {
    None,
    Identifier,
    Reference,
    Cpe,
    Issued,
    Modified,
    Date,
    Link,
}

fn is_sec(ns: &ResolveResult<'_>) -> bool {
    matches!(ns, ResolveResult::Bound(Namespace(uri)) if SEC_NAMESPACES.contains(uri))
}

fn is_ns(ns: &ResolveResult<'_>, uri: &str) -> bool {
    matches!(ns, ResolveResult::Bound(Namespace(u)) if *u == uri)
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.trim().to_string()))
}

/// The text of a character or predefined entity reference.
fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// Reads every item's JVN fields. Documents without `sec:` elements yield
/// items with empty fields; malformed XML is an error, never a panic.
pub fn items(bytes: &[u8]) -> Result<Vec<JvnItem>, JvnError> {
    let mut reader = NsReader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut current: Option<JvnItem> = None;
    let mut field = Field::None;
    let mut text = String::new();
    let mut reference: (Option<String>, Option<String>) = (None, None);
    loop {
        let position = reader.buffer_position();
        let err = |e: String| JvnError { position, reason: e };
        let (ns, event) = reader.read_resolved_event_into(&mut buf).map_err(|e| err(e.to_string()))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                // Well-formedness the lenient reader would let through: an
                // undeclared prefix, an unquoted or repeated attribute.
                if let ResolveResult::Unknown(prefix) = &ns {
                    return Err(err(format!("namespace prefix \"{}\" is not declared", prefix)));
                }
                for a in e.attributes() {
                    a.map_err(|e| err(format!("bad attribute: {e}")))?;
                }
                let local = e.local_name();
                let local = local.as_ref();
                let empty = matches!(event, Event::Empty(_));
                if local == "item" && !is_sec(&ns) {
                    current = Some(JvnItem { about: attr(e, "about"), ..Default::default() });
                    if empty {
                        out.extend(current.take());
                    }
                    continue;
                }
                let Some(item) = current.as_mut() else { continue };
                field = Field::None;
                text.clear();
                if is_sec(&ns) {
                    match local {
                        "identifier" => field = Field::Identifier,
                        "references" => {
                            reference = (attr(e, "source"), attr(e, "id"));
                            field = Field::Reference;
                            if empty {
                                take_reference(item, &mut reference);
                            }
                        }
                        "cvss" => {
                            if let Some(score) = attr(e, "score").and_then(|s| s.parse::<f32>().ok()) {
                                item.cvss.push(Cvss {
                                    version: attr(e, "version"),
                                    score,
                                    severity: attr(e, "severity"),
                                    vector: attr(e, "vector"),
                                });
                            }
                        }
                        "cpe" => {
                            if let Some(p) = attr(e, "product").filter(|p| !p.is_empty())
                                && !item.products.contains(&p)
                            {
                                item.products.push(p);
                            }
                            field = Field::Cpe;
                        }
                        _ => {}
                    }
                } else if is_ns(&ns, DCTERMS) {
                    field = match local {
                        "issued" => Field::Issued,
                        "modified" => Field::Modified,
                        _ => Field::None,
                    };
                } else if is_ns(&ns, DC) && local == "date" {
                    field = Field::Date;
                } else if local == "link" {
                    field = Field::Link;
                }
                if empty {
                    field = Field::None;
                }
            }
            Event::Text(t) if field != Field::None => text.push_str(&t.xml10_content()),
            Event::CData(t) if field != Field::None => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if field != Field::None => {
                let name = r.xml10_content();
                match entity(&name) {
                    Some(c) => text.push(c),
                    None => return Err(err(format!("unknown entity &{name};"))),
                }
            }
            Event::End(ref e) => {
                if let Some(item) = current.as_mut() {
                    let value = text.trim();
                    match field {
                        Field::Identifier => item.identifier = Some(value.to_string()),
                        Field::Reference => take_reference(item, &mut reference),
                        Field::Cpe if !value.is_empty() => item.cpes.push(value.to_string()),
                        Field::Issued => item.issued_ms = parse_rfc3339(value),
                        Field::Modified => item.modified_ms = parse_rfc3339(value),
                        Field::Date => item.date_ms = parse_rfc3339(value),
                        Field::Link => item.link = Some(value.to_string()),
                        Field::Cpe | Field::None => {}
                    }
                }
                field = Field::None;
                text.clear();
                if e.local_name().as_ref() == "item" && !is_sec(&ns) {
                    out.extend(current.take());
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

fn take_reference(item: &mut JvnItem, reference: &mut (Option<String>, Option<String>)) {
    let (source, id) = std::mem::take(reference);
    let Some(id) = id else { return };
    let upper = id.to_ascii_uppercase();
    if upper.starts_with("CVE-") && !item.cves.contains(&upper) {
        item.cves.push(upper);
    } else if upper.starts_with("CWE-") && !item.cwes.contains(&upper) {
        item.cwes.push(upper);
    } else if source.as_deref() == Some("CVE") && !item.cves.contains(&upper) {
        item.cves.push(upper);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/fixtures/feeds/jvn/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn jvndb_new_items_give_identifier_cvss_cve_cwe_cpe_and_dates() {
        let items = items(&fixture("myjvn_np_dataFeed_jvndb_rss_hnd.fixed.xml")).unwrap();
        assert_eq!(items.len(), 4);
        let first = &items[0];
        assert_eq!(first.identifier.as_deref(), Some("JVNDB-2023-028579"));
        assert_eq!(first.cves, ["CVE-2023-29001"]);
        assert_eq!(first.cwes, ["CWE-674"]);
        assert_eq!(first.products, ["Contiki-NG"]);
        assert_eq!(first.cpes, ["cpe:/o:contiki-ng:contiki-ng"]);
        assert_eq!(first.cvss[0].score, 7.5);
        assert_eq!(first.cvss[0].severity.as_deref(), Some("High"));
        assert_eq!(first.cvss[0].vector.as_deref(), Some("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"));
        // `2025-04-11T23:52+09:00`: no seconds.
        assert_eq!(first.date_ms, Some(1_744_383_120_000));
        assert!(first.issued_ms.is_some());
    }

    #[test]
    fn two_cvss_versions_and_the_older_namespace() {
        let items = items(&fixture("spiegel_go-myjvn_getVulnOverviewList_ja_1item.xml")).unwrap();
        let with_cvss = items.iter().find(|i| i.cvss.len() == 2).expect("an item with CVSS v3 and v2");
        assert_eq!(with_cvss.cvss[0].version.as_deref(), Some("3.0"));
        let old = String::from_utf8(fixture("spiegel_go-myjvn_getVulnOverviewList_ja_1item.xml"))
            .unwrap()
            .replace("http://jvn.jp/rss/mod_sec/3.0/", "http://jvn.jp/rss/mod_sec/");
        assert_eq!(super::items(old.as_bytes()).unwrap(), items);
    }

    #[test]
    fn malformed_originals_are_clear_errors() {
        for name in ["myjvn_np_dataFeed_jvndb_rss_hnd.xml", "kazukiigeta_go-myjvn_getVulnOverviewList_en.orig.xml"] {
            let e = items(&fixture(name)).unwrap_err();
            assert!(e.to_string().contains("malformed"), "{name}: {e}");
        }
    }
}

/// Property tests standing in for a fuzzer: any bytes, and JVN documents
/// with hostile insertions, are parsed or refused without a panic.
#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    const SEED: &str = include_str!("../../tests/fixtures/feeds/jvn/spiegel_go-myjvn_getVulnOverviewList_ja_1item.xml");

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = items(&bytes);
        }

        #[test]
        fn mutated_jvn(at in 0usize..SEED.len(), insert in "[<>&\"'=/:a-z ]{0,12}", cut in 0usize..64) {
            let mut s = SEED.as_bytes().to_vec();
            let at = at.min(s.len());
            let end = (at + cut).min(s.len());
            s.splice(at..end, insert.bytes());
            let _ = items(&s);
        }
    }
}
