//! The one record every feed item becomes.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    pub version: Option<String>,
    pub score: f32,
    /// As the source says it (JVN: Low/Medium/High/Critical).
    pub severity: Option<String>,
    pub vector: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// Which feed it came from (the feed's id or URL).
    pub source: String,
    /// Stable id: the JVN identifier, else the Atom id / RSS guid, else the link.
    pub id: String,
    pub title: String,
    pub link: Option<String>,
    pub published_ms: Option<u64>,
    pub updated_ms: Option<u64>,
    /// `CVE-YYYY-NNNN…`, upper case, without duplicates, in order of appearance.
    pub cves: Vec<String>,
    pub cwes: Vec<String>,
    /// The highest-version CVSS the source gives.
    pub cvss: Option<Cvss>,
    /// Product names (e.g. JVN's `sec:cpe` product attribute).
    pub products: Vec<String>,
    pub cpes: Vec<String>,
    pub summary: Option<String>,
}

/// Every `CVE-YYYY-NNNN+` in `text`, normalised to upper case.
pub fn cve_ids(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let upper = text.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let mut i = 0;
    while let Some(pos) = upper[i..].find("CVE-") {
        let start = i + pos;
        let mut j = start + 4;
        let year_end = j + 4;
        let year_ok = year_end <= bytes.len() && bytes[j..year_end].iter().all(u8::is_ascii_digit);
        if year_ok && bytes.get(year_end) == Some(&b'-') {
            j = year_end + 1;
            let digits_start = j;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            if j - digits_start >= 4 {
                let id = upper[start..j].to_string();
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        i = start + 4;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids_are_found_once_and_normalised() {
        assert_eq!(
            cve_ids("Fix for cve-2024-23832 (see CVE-2024-23832, CVE-2023-29001x) and CVE-2024-1 CVE-99-1234"),
            ["CVE-2024-23832", "CVE-2023-29001"]
        );
        assert!(cve_ids("").is_empty());
        assert!(cve_ids("CVE-").is_empty());
    }
}
