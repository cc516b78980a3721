//! The community rules a candidate accepts, versioned by their content.
//!
//! The rules are a Markdown file named in the config (a built-in copy of the
//! founding document's rules otherwise). Its version is a hash of the text,
//! so "which rules did this member accept" has an exact answer, and a change
//! to the file is noticed at the next start.

use sha2::{Digest, Sha256};

/// The rules of the founding document (seeds/000), used when the config
/// names no file.
pub const DEFAULT_RULES: &str = include_str!("../../rules.default.md");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub text: String,
    /// First 12 hex digits of the SHA-256 of the text.
    pub version: String,
}

impl Rules {
    pub fn new(text: &str) -> Rules {
        let digest = Sha256::digest(text.as_bytes());
        Rules { text: text.to_string(), version: hex::encode(digest)[..12].to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_follows_content() {
        let a = Rules::new(DEFAULT_RULES);
        assert_eq!(a.version.len(), 12);
        assert_eq!(a, Rules::new(DEFAULT_RULES));
        assert_ne!(a.version, Rules::new(&format!("{DEFAULT_RULES}\n追記")).version);
        assert!(DEFAULT_RULES.contains("モデレーターに報告する"));
    }
}
