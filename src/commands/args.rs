//! Typed command arguments: each parses once, in clap, and a value that does
//! not parse is refused with a sentence that says what was expected, in the
//! member's language (never clap's English).

use crate::duration;
use crate::i18n::{Locale, Reply};
use crate::logs::export::ExportFormat;
use crate::logs::tlp::Tlp;
use crate::moderation::AuditFilter;
use crate::moderation::target::{self, MessageLink, Target};
use matrix_sdk::ruma::{OwnedUserId, UserId};
use std::str::FromStr;

/// An argument that did not parse, with the text as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgError {
    User(String),
    Duration(String),
    Tlp(String),
    Format(String),
    Link(String),
    Target(String),
    AuditFilter(String),
    Url(String),
}

impl ArgError {
    /// What to tell the member.
    pub fn reply(&self, locale: Locale) -> Reply {
        use crate::moderation::messages as m;
        match self {
            ArgError::User(t) => m::bad_user(locale, t),
            ArgError::Duration(t) => m::bad_duration(locale, t),
            ArgError::Link(t) => m::bad_link(locale, t),
            ArgError::Target(t) => m::bad_target(locale, t),
            ArgError::AuditFilter(t) => m::bad_audit_filter(locale, t),
            ArgError::Tlp(t) => crate::logs::messages::log_bad_tlp(locale, t),
            ArgError::Format(t) => crate::logs::messages::iocs_bad_format(locale, t),
            ArgError::Url(t) => crate::referral::messages::bad_evidence_url(locale, t),
        }
    }
}

impl std::fmt::Display for ArgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for ArgError {}

/// A Matrix user ID, typed (`@alice:example.org`) or as a matrix.to link
/// (what Element's "copy link" gives for a user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User(pub OwnedUserId);

impl FromStr for User {
    type Err = ArgError;
    fn from_str(s: &str) -> Result<User, ArgError> {
        let t = s.trim().trim_start_matches('<').trim_end_matches('>');
        let t = t.strip_prefix("https://matrix.to/#/").map(|r| r.split('?').next().unwrap_or_default()).unwrap_or(t);
        UserId::parse(t).map(User).map_err(|_| ArgError::User(s.to_string()))
    }
}

impl std::ops::Deref for User {
    type Target = UserId;
    fn deref(&self) -> &UserId {
        &self.0
    }
}

/// A length of time: `30m`, `2h`, `7d`…, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span(pub u64);

impl FromStr for Span {
    type Err = ArgError;
    fn from_str(s: &str) -> Result<Span, ArgError> {
        duration::parse(s).map(Span).ok_or_else(|| ArgError::Duration(s.to_string()))
    }
}

/// A TLP label: `clear`, `green`, `amber`, `amber+strict`, `red`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label(pub Tlp);

impl FromStr for Label {
    type Err = ArgError;
    fn from_str(s: &str) -> Result<Label, ArgError> {
        Tlp::parse(s).map(Label).ok_or_else(|| ArgError::Tlp(s.to_string()))
    }
}

/// An export format: `nginx`, `csv`, `json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format(pub ExportFormat);

impl FromStr for Format {
    type Err = ArgError;
    fn from_str(s: &str) -> Result<Format, ArgError> {
        ExportFormat::parse(s).map(Format).ok_or_else(|| ArgError::Format(s.to_string()))
    }
}

/// A message permalink (matrix.to or `matrix:`), as Element copies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link(pub MessageLink);

impl FromStr for Link {
    type Err = ArgError;
    fn from_str(s: &str) -> Result<Link, ArgError> {
        target::message_link(s).map(Link).ok_or_else(|| ArgError::Link(s.to_string()))
    }
}

/// What `!report` points at: a user or a message permalink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointed(pub Target);

impl FromStr for Pointed {
    type Err = ArgError;
    fn from_str(s: &str) -> Result<Pointed, ArgError> {
        match User::from_str(s) {
            Ok(User(u)) => Ok(Pointed(Target::User(u.to_string()))),
            Err(_) => target::parse(s).map(Pointed).ok_or_else(|| ArgError::Target(s.to_string())),
        }
    }
}

/// What `!audit` filters by: a user, or a case number (`12` or `#12`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audited(pub AuditFilter);

impl FromStr for Audited {
    type Err = ArgError;
    fn from_str(s: &str) -> Result<Audited, ArgError> {
        if let Ok(User(u)) = User::from_str(s) {
            return Ok(Audited(AuditFilter::User(u)));
        }
        s.trim_start_matches('#')
            .parse::<u64>()
            .map(|n| Audited(AuditFilter::Case(n)))
            .map_err(|_| ArgError::AuditFilter(s.to_string()))
    }
}

/// An http(s) URL with a host: a Fediverse account or instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(pub url::Url);

impl FromStr for WebUrl {
    type Err = ArgError;
    fn from_str(s: &str) -> Result<WebUrl, ArgError> {
        url::Url::parse(s)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .map(WebUrl)
            .ok_or_else(|| ArgError::Url(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_ids_or_matrix_to_links() {
        assert_eq!(User::from_str("@a:x").unwrap().as_str(), "@a:x");
        assert_eq!(User::from_str("https://matrix.to/#/@a:x?via=x").unwrap().as_str(), "@a:x");
        assert_eq!(User::from_str("alice"), Err(ArgError::User("alice".into())));
    }

    #[test]
    fn each_kind_refuses_with_what_was_typed() {
        assert_eq!(Span::from_str("2h"), Ok(Span(7_200_000)));
        assert_eq!(Span::from_str("soon"), Err(ArgError::Duration("soon".into())));
        assert_eq!(Label::from_str("amber+strict"), Ok(Label(Tlp::AmberStrict)));
        assert_eq!(Label::from_str("purple"), Err(ArgError::Tlp("purple".into())));
        assert_eq!(Audited::from_str("#3"), Ok(Audited(AuditFilter::Case(3))));
        assert!(matches!(Audited::from_str("@u:x"), Ok(Audited(AuditFilter::User(_)))));
        assert_eq!(WebUrl::from_str("ftp://x/"), Err(ArgError::Url("ftp://x/".into())));
        assert!(matches!(Pointed::from_str("@u:x"), Ok(Pointed(Target::User(_)))));
        assert_eq!(Pointed::from_str("nobody"), Err(ArgError::Target("nobody".into())));
        let ja = ArgError::User("alice".into()).reply(Locale::Ja);
        assert!(ja.plain.contains("alice"), "{}", ja.plain);
    }
}
