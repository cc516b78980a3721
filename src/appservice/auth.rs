//! The homeserver authenticates to the appservice with the hs_token.

use subtle::ConstantTimeEq;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCheck {
    Valid,
    /// No token at all: 401 `M_UNAUTHORIZED`.
    Missing,
    /// A token that is not ours: 403 `M_FORBIDDEN`.
    Wrong,
}

/// Checks an `Authorization` header value against the hs_token in constant time.
pub fn check(header: Option<&str>, hs_token: &str) -> TokenCheck {
    let Some(value) = header else {
        return TokenCheck::Missing;
    };
    let Some(token) = value.strip_prefix("Bearer ") else {
        return TokenCheck::Missing;
    };
    if bool::from(token.as_bytes().ct_eq(hs_token.as_bytes())) { TokenCheck::Valid } else { TokenCheck::Wrong }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert_eq!(check(Some("Bearer secret"), "secret"), TokenCheck::Valid);
        assert_eq!(check(Some("Bearer secreT"), "secret"), TokenCheck::Wrong);
        assert_eq!(check(Some("Bearer "), "secret"), TokenCheck::Wrong);
        assert_eq!(check(Some("Basic secret"), "secret"), TokenCheck::Missing);
        assert_eq!(check(None, "secret"), TokenCheck::Missing);
    }
}
