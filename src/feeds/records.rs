//! Single advisory records as JSON: OSV (GitHub Advisory Database, Bitnami
//! and others) and NVD CVE records (also inside an NVD API response).
//! Both become the same `Advisory` as feed items do.

use super::advisory::{Advisory, Cvss};
use super::cvss;
use crate::duration::parse_rfc3339;
use serde_json::Value;

/// Which kind of JSON this is, if it is an advisory record at all.
pub fn parse(source: &str, json: &Value) -> Option<Vec<Advisory>> {
    if json.get("schema_version").is_some()
        && json.get("id").is_some()
        && (json.get("affected").is_some() || json.get("aliases").is_some())
    {
        return osv(source, json).map(|a| vec![a]);
    }
    if let Some(list) = json.get("vulnerabilities").and_then(Value::as_array) {
        return Some(list.iter().filter_map(|v| nvd(source, v.get("cve")?)).collect());
    }
    if json.get("id").and_then(Value::as_str).is_some_and(|id| id.starts_with("CVE-"))
        && json.get("descriptions").is_some()
    {
        return nvd(source, json).map(|a| vec![a]);
    }
    None
}

/// NVD writes timestamps without a zone; they are UTC.
fn time(v: Option<&Value>) -> Option<u64> {
    let s = v?.as_str()?;
    parse_rfc3339(s).or_else(|| parse_rfc3339(&format!("{s}Z")))
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn osv(source: &str, j: &Value) -> Option<Advisory> {
    let id = j.get("id")?.as_str()?.to_string();
    let mut cves: Vec<String> = strings(j.get("aliases")).into_iter().filter(|a| a.starts_with("CVE-")).collect();
    if id.starts_with("CVE-") && !cves.contains(&id) {
        cves.insert(0, id.clone());
    }
    let affected = j.get("affected").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut products: Vec<String> = Vec::new();
    let mut vectors: Vec<String> = Vec::new();
    for a in &affected {
        if let Some(name) = a.pointer("/package/name").and_then(Value::as_str)
            && !products.iter().any(|p| p == name)
        {
            products.push(name.to_string());
        }
        vectors.extend(
            a.get("severity")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| s.get("score")?.as_str().map(str::to_string)),
        );
    }
    vectors.extend(
        j.get("severity")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| s.get("score")?.as_str().map(str::to_string)),
    );
    let cvss = vectors.iter().find_map(|v| {
        let score = cvss::v3_base_score(v)?;
        Some(Cvss {
            version: v.split('/').next().and_then(|p| p.strip_prefix("CVSS:")).map(str::to_string),
            score,
            severity: Some(cvss::severity(score).to_string()),
            vector: Some(v.clone()),
        })
    });
    let link = j.get("references").and_then(Value::as_array).and_then(|refs| {
        refs.iter()
            .find(|r| r.get("type").and_then(Value::as_str) == Some("ADVISORY"))
            .or_else(|| refs.first())
            .and_then(|r| r.get("url")?.as_str().map(str::to_string))
    });
    let summary =
        j.get("details").or_else(|| j.get("summary")).and_then(Value::as_str).map(|s| s.chars().take(600).collect());
    Some(Advisory {
        source: source.to_string(),
        title: j.get("summary").and_then(Value::as_str).unwrap_or(&id).to_string(),
        id,
        link,
        published_ms: time(j.get("published")),
        updated_ms: time(j.get("modified")),
        cves,
        cwes: strings(j.pointer("/database_specific/cwe_ids")),
        cvss,
        products,
        cpes: Vec::new(),
        summary,
    })
}

fn nvd(source: &str, j: &Value) -> Option<Advisory> {
    let id = j.get("id")?.as_str()?.to_string();
    let description = j
        .get("descriptions")
        .and_then(Value::as_array)
        .and_then(|d| d.iter().find(|x| x.get("lang").and_then(Value::as_str) == Some("en")).or_else(|| d.first()))
        .and_then(|x| x.get("value")?.as_str().map(str::to_string));
    let metrics = j.get("metrics");
    let cvss = ["cvssMetricV40", "cvssMetricV31", "cvssMetricV30"].iter().find_map(|key| {
        let list = metrics?.get(*key)?.as_array()?;
        let m =
            list.iter().find(|m| m.get("type").and_then(Value::as_str) == Some("Primary")).or_else(|| list.first())?;
        let data = m.get("cvssData")?;
        Some(Cvss {
            version: data.get("version").and_then(Value::as_str).map(str::to_string),
            score: data.get("baseScore")?.as_f64()? as f32,
            severity: data.get("baseSeverity").and_then(Value::as_str).map(str::to_string),
            vector: data.get("vectorString").and_then(Value::as_str).map(str::to_string),
        })
    });
    let mut cpes = Vec::new();
    for conf in j.get("configurations").and_then(Value::as_array).into_iter().flatten() {
        for node in conf.get("nodes").and_then(Value::as_array).into_iter().flatten() {
            for m in node.get("cpeMatch").and_then(Value::as_array).into_iter().flatten() {
                if let Some(c) = m.get("criteria").and_then(Value::as_str)
                    && !cpes.iter().any(|x| x == c)
                {
                    cpes.push(c.to_string());
                }
            }
        }
    }
    let products: Vec<String> =
        cpes.iter().filter_map(|c| c.split(':').nth(4).map(|p| p.replace('_', " "))).fold(Vec::new(), |mut acc, p| {
            if !acc.contains(&p) {
                acc.push(p);
            }
            acc
        });
    let cwes = j
        .get("weaknesses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|w| w.get("description").and_then(Value::as_array).into_iter().flatten())
        .filter_map(|d| d.get("value")?.as_str().filter(|v| v.starts_with("CWE-")).map(str::to_string))
        .fold(Vec::new(), |mut acc, c| {
            if !acc.contains(&c) {
                acc.push(c);
            }
            acc
        });
    let title = description.as_deref().map(|d| d.chars().take(120).collect::<String>()).unwrap_or_else(|| id.clone());
    Some(Advisory {
        source: source.to_string(),
        link: Some(format!("https://nvd.nist.gov/vuln/detail/{id}")),
        cves: vec![id.clone()],
        id,
        title,
        published_ms: time(j.get("published")),
        updated_ms: time(j.get("lastModified")),
        cwes,
        cvss,
        products,
        cpes,
        summary: description.map(|d| d.chars().take(600).collect()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        serde_json::from_slice(
            &std::fs::read(format!("{}/tests/fixtures/advisories/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn osv_records_are_normalised_with_a_computed_score() {
        let a = parse("bitnami", &fixture("bitnami_BIT-mastodon-2024-23832.osv.json")).unwrap().remove(0);
        assert_eq!(a.id, "BIT-mastodon-2024-23832");
        assert_eq!(a.cves, ["CVE-2024-23832"]);
        assert_eq!(a.products, ["mastodon"]);
        assert_eq!(a.cvss.as_ref().map(|c| c.score), Some(9.8));
        let g = parse("ghsa", &fixture("github_advisory-database_GHSA-3h7q-rfh9-xm4v.osv.json")).unwrap().remove(0);
        assert_eq!(g.id, "GHSA-3h7q-rfh9-xm4v");
        assert!(!g.cves.is_empty() && g.published_ms.is_some());
    }

    #[test]
    fn nvd_records_carry_score_cpe_and_cwe() {
        let a = parse("nvd", &fixture("fkie-cad_nvd_CVE-2024-23832.json")).unwrap().remove(0);
        assert_eq!(a.id, "CVE-2024-23832");
        assert_eq!(a.cvss.as_ref().map(|c| (c.score, c.severity.as_deref())), Some((9.8, Some("CRITICAL"))));
        assert!(a.cpes.iter().any(|c| c.contains("joinmastodon:mastodon")), "{:?}", a.cpes);
        assert!(a.products.contains(&"mastodon".to_string()), "{:?}", a.products);
        assert!(a.published_ms.is_some());
        let s = parse("nvd", &fixture("fkie-cad_nvd_CVE-2024-31208.json")).unwrap().remove(0);
        assert_eq!(s.id, "CVE-2024-31208");
        assert!(s.summary.as_deref().is_some_and(|d| d.to_lowercase().contains("synapse")));
        assert!(parse("x", &serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "items": []})).is_none());
    }
}
