//! `!iocs export`: indicators as nginx `deny` lines, CSV, or a MISP-style
//! JSON event, for members to load into their own servers.

use super::sightings::Exported;
use super::signature::Signature;
use super::tlp::Tlp;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Nginx,
    Csv,
    Json,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.to_ascii_lowercase().as_str() {
            "nginx" => Some(ExportFormat::Nginx),
            "csv" => Some(ExportFormat::Csv),
            "json" | "misp" => Some(ExportFormat::Json),
            _ => None,
        }
    }

    pub fn file_name(self, tlp: Tlp) -> String {
        let level = tlp.label().trim_start_matches("TLP:").to_ascii_lowercase().replace('+', "-");
        match self {
            ExportFormat::Nginx => format!("fedisec-deny-tlp-{level}.conf"),
            ExportFormat::Csv => format!("fedisec-iocs-tlp-{level}.csv"),
            ExportFormat::Json => format!("fedisec-iocs-tlp-{level}.misp.json"),
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ExportFormat::Nginx => "text/plain",
            ExportFormat::Csv => "text/csv",
            ExportFormat::Json => "application/json",
        }
    }
}

fn signatures(mask: u32) -> Vec<&'static str> {
    Signature::in_mask(mask).map(Signature::code).collect()
}

fn date(ms: u64) -> String {
    crate::duration::jst(ms)
}

/// The export file's contents.
pub fn render(items: &[Exported], format: ExportFormat, ceiling: Tlp, now_ms: u64) -> String {
    match format {
        ExportFormat::Nginx => {
            let mut out = format!(
                "# fedisec indicators, {} and below, exported {}.\n# include this file in an http, server or location block.\n",
                ceiling.label(),
                date(now_ms)
            );
            for i in items {
                out.push_str(&format!(
                    "deny {};  # {} reporters={} last={} {}\n",
                    i.value,
                    i.tlp.label(),
                    i.reporters,
                    date(i.last_ms),
                    signatures(i.signatures).join(",")
                ));
            }
            out
        }
        ExportFormat::Csv => {
            let mut out = String::from("indicator,type,tlp,first_seen,last_seen,reporters,signatures\n");
            for i in items {
                out.push_str(&format!(
                    "{},ip-src,{},{},{},{},{}\n",
                    i.value,
                    i.tlp.label(),
                    date(i.first_ms),
                    date(i.last_ms),
                    i.reporters,
                    signatures(i.signatures).join(" ")
                ));
            }
            out
        }
        ExportFormat::Json => {
            let tag = |t: Tlp| json!({ "name": t.label().to_ascii_lowercase() });
            let attributes: Vec<_> = items
                .iter()
                .map(|i| {
                    json!({
                        "type": "ip-src",
                        "category": "Network activity",
                        "value": i.value,
                        "to_ids": true,
                        "first_seen": i.first_ms / 1000,
                        "last_seen": i.last_ms / 1000,
                        "comment": format!("reporters={} {}", i.reporters, signatures(i.signatures).join(",")),
                        "Tag": [tag(i.tlp)],
                    })
                })
                .collect();
            let event = json!({
                "Event": {
                    "info": format!("fedisec shared indicators ({} and below)", ceiling.label()),
                    "timestamp": now_ms / 1000,
                    "Tag": [tag(ceiling)],
                    "Attribute": attributes,
                }
            });
            serde_json::to_string_pretty(&event).unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Exported {
        Exported {
            value: "203.0.113.5".into(),
            tlp: Tlp::Green,
            first_ms: 0,
            last_ms: 1000,
            reporters: 2,
            signatures: Signature::WordPress.bit(),
        }
    }

    #[test]
    fn formats() {
        let nginx = render(&[item()], ExportFormat::Nginx, Tlp::Green, 0);
        assert!(nginx.lines().any(|l| l.starts_with("deny 203.0.113.5;")), "{nginx}");
        let csv = render(&[item()], ExportFormat::Csv, Tlp::Green, 0);
        assert_eq!(csv.lines().count(), 2);
        assert!(csv.contains("203.0.113.5,ip-src,TLP:GREEN"));
        let json: serde_json::Value =
            serde_json::from_str(&render(&[item()], ExportFormat::Json, Tlp::Green, 0)).unwrap();
        assert_eq!(json["Event"]["Attribute"][0]["value"], "203.0.113.5");
        assert_eq!(json["Event"]["Tag"][0]["name"], "tlp:green");
        assert_eq!(ExportFormat::parse("MISP"), Some(ExportFormat::Json));
        assert_eq!(ExportFormat::Nginx.file_name(Tlp::AmberStrict), "fedisec-deny-tlp-amber-strict.conf");
    }
}
