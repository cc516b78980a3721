//! Room purposes: what the code keys on, whatever a community names its rooms.
//!
//! The layout is data (`rooms.toml`); a room's *purpose* tells the bot what the
//! room is for, and so which commands are allowed there, who may post, and whether
//! it must be encrypted. Purposes the code depends on must exist exactly once.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a room is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    Welcome,
    Introductions,
    Announcements,
    Ops,
    Referrals,
    Moderators,
    VulnInfo,
    VulnConsult,
    Alerts,
    LogShare,
    IncidentConsult,
    Knowledge,
    News,
    Lounge,
    General,
    /// Where bans are published as `m.policy.rule.user` events for Draupnir
    /// and Meowlnir to subscribe to. Optional: without it bans are not published.
    Policy,
}

impl Purpose {
    pub const ALL: [Purpose; 16] = [
        Purpose::Welcome,
        Purpose::Introductions,
        Purpose::Announcements,
        Purpose::Ops,
        Purpose::Referrals,
        Purpose::Moderators,
        Purpose::VulnInfo,
        Purpose::VulnConsult,
        Purpose::Alerts,
        Purpose::LogShare,
        Purpose::IncidentConsult,
        Purpose::Knowledge,
        Purpose::News,
        Purpose::Lounge,
        Purpose::General,
        Purpose::Policy,
    ];

    /// Purposes the bot's features post to or read from: a layout without one
    /// of them is rejected.
    pub const REQUIRED: [Purpose; 10] = [
        Purpose::Welcome,
        Purpose::Announcements,
        Purpose::Referrals,
        Purpose::Moderators,
        Purpose::VulnInfo,
        Purpose::VulnConsult,
        Purpose::Alerts,
        Purpose::LogShare,
        Purpose::IncidentConsult,
        Purpose::News,
    ];

    /// The name used in `rooms.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Welcome => "welcome",
            Purpose::Introductions => "introductions",
            Purpose::Announcements => "announcements",
            Purpose::Ops => "ops",
            Purpose::Referrals => "referrals",
            Purpose::Moderators => "moderators",
            Purpose::VulnInfo => "vuln-info",
            Purpose::VulnConsult => "vuln-consult",
            Purpose::Alerts => "alerts",
            Purpose::LogShare => "log-share",
            Purpose::IncidentConsult => "incident-consult",
            Purpose::Knowledge => "knowledge",
            Purpose::News => "news",
            Purpose::Lounge => "lounge",
            Purpose::General => "general",
            Purpose::Policy => "policy",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Whether a layout may have more than one room of this purpose.
    pub fn repeatable(self) -> bool {
        self == Purpose::General
    }

    /// Rooms where only moderators and the bot post by default.
    pub fn read_only_by_default(self) -> bool {
        matches!(self, Purpose::Announcements | Purpose::VulnInfo | Purpose::Alerts | Purpose::Policy)
    }

    /// Rooms that Space members cannot join by themselves: the lobby for invited
    /// candidates, and the closed moderators' room.
    pub fn invite_only(self) -> bool {
        matches!(self, Purpose::Welcome | Purpose::Moderators)
    }

    /// Rooms that must be end-to-end encrypted whatever the layout says.
    pub fn always_encrypted(self) -> bool {
        self == Purpose::LogShare
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Purpose::ALL {
            assert_eq!(Purpose::parse(p.as_str()), Some(p));
        }
        assert_eq!(Purpose::parse("vuln_info"), None);
    }

    #[test]
    fn log_share_is_the_encrypted_one() {
        let encrypted: Vec<_> = Purpose::ALL.into_iter().filter(|p| p.always_encrypted()).collect();
        assert_eq!(encrypted, vec![Purpose::LogShare]);
    }
}
