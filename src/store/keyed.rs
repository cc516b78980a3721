//! Keyed hashes (HMAC-SHA256) for what must be compared but never kept:
//! indicators in sightings, submitters, and pseudonyms in sanitised logs.
//!
//! The key is generated once into `data_dir/logs.key` (mode 0600). Without
//! it a hash cannot be tested against a guessed address or user name, which a
//! plain hash of an IPv4 address (2^32 guesses) would allow.

use super::seal::{SealError, private_key};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

#[derive(Clone)]
pub struct Keyed {
    key: [u8; 32],
}

impl Keyed {
    pub fn load_or_create(data_dir: &Path) -> Result<Keyed, SealError> {
        Ok(Keyed { key: private_key(&data_dir.join("logs.key"))? })
    }

    pub fn from_key(key: [u8; 32]) -> Keyed {
        Keyed { key }
    }

    /// The tag of `value` in the domain `purpose` (distinct purposes never collide).
    pub fn tag(&self, purpose: &str, value: &[u8]) -> [u8; 32] {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            unreachable!("HMAC accepts keys of any length")
        };
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value);
        mac.finalize().into_bytes().into()
    }

    /// The first `chars` hex digits of the tag.
    pub fn short(&self, purpose: &str, value: &[u8], chars: usize) -> String {
        let mut h = hex::encode(self.tag(purpose, value));
        h.truncate(chars);
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_depend_on_key_purpose_and_value() {
        let a = Keyed::from_key([1; 32]);
        let b = Keyed::from_key([2; 32]);
        assert_eq!(a.tag("ip", b"1.2.3.4"), a.tag("ip", b"1.2.3.4"));
        assert_ne!(a.tag("ip", b"1.2.3.4"), b.tag("ip", b"1.2.3.4"));
        assert_ne!(a.tag("ip", b"1.2.3.4"), a.tag("user", b"1.2.3.4"));
        assert_eq!(a.short("ip", b"x", 8).len(), 8);
    }

    #[test]
    fn key_file_is_private_and_stable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let t = Keyed::load_or_create(dir.path()).unwrap().tag("p", b"v");
        let mode = std::fs::metadata(dir.path().join("logs.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(Keyed::load_or_create(dir.path()).unwrap().tag("p", b"v"), t);
    }
}
