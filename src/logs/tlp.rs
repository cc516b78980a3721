//! Traffic Light Protocol 2.0 labels: how far what a member shares may travel.

use serde::{Deserialize, Serialize};

/// Ordered from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    AmberStrict,
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red];

    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// `amber`, `AMBER+STRICT`, `tlp:green`, and TLP 1.0's `white` (= CLEAR).
    pub fn parse(word: &str) -> Option<Tlp> {
        let w = word.trim().to_ascii_lowercase();
        let w = w.strip_prefix("tlp:").unwrap_or(&w);
        match w {
            "clear" | "white" => Some(Tlp::Clear),
            "green" => Some(Tlp::Green),
            "amber" => Some(Tlp::Amber),
            "amber+strict" | "amber-strict" | "amber_strict" => Some(Tlp::AmberStrict),
            "red" => Some(Tlp::Red),
            _ => None,
        }
    }

    /// The most restrictive `TLP:` label written in a text, if any.
    pub fn find_in(text: &str) -> Option<Tlp> {
        let upper = text.to_ascii_uppercase();
        let mut found = None;
        let mut at = 0;
        while let Some(p) = upper[at..].find("TLP:") {
            let start = at + p;
            let word: String =
                upper[start + 4..].chars().take_while(|c| c.is_ascii_alphabetic() || *c == '+').collect();
            if let Some(t) = Tlp::parse(&word) {
                found = Some(found.map_or(t, |f: Tlp| f.max(t)));
            }
            at = start + 4;
        }
        found
    }

    /// Whether sightings may be kept at all (TLP:RED keeps nothing).
    pub fn keeps_sightings(self) -> bool {
        self != Tlp::Red
    }

    /// Whether an indicator shared at this level may go into an export for
    /// `ceiling`. AMBER+STRICT stays with the sharer's organisation and RED
    /// with the people in the conversation, so neither is ever exported.
    pub fn exportable_within(self, ceiling: Tlp) -> bool {
        self <= Tlp::Amber && self <= ceiling
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_and_finding() {
        assert_eq!(Tlp::parse("AMBER+STRICT"), Some(Tlp::AmberStrict));
        assert_eq!(Tlp::parse("tlp:white"), Some(Tlp::Clear));
        assert_eq!(Tlp::parse("purple"), None);
        assert_eq!(Tlp::find_in("共有します TLP:GREEN です"), Some(Tlp::Green));
        assert_eq!(Tlp::find_in("tlp:green then TLP:AMBER+STRICT"), Some(Tlp::AmberStrict));
        assert_eq!(Tlp::find_in("no label"), None);
    }

    #[test]
    fn export_rules() {
        assert!(Tlp::Green.exportable_within(Tlp::Green));
        assert!(Tlp::Clear.exportable_within(Tlp::Green));
        assert!(!Tlp::Amber.exportable_within(Tlp::Green));
        assert!(Tlp::Amber.exportable_within(Tlp::Amber));
        assert!(!Tlp::AmberStrict.exportable_within(Tlp::Red));
        assert!(!Tlp::Red.exportable_within(Tlp::Red));
        assert!(!Tlp::Red.keeps_sightings());
    }
}
