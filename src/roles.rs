//! Who may do what: roles derived from Matrix IDs and room state only.
//!
//! Authority never comes from display names or message formatting (a display
//! name can be set to anything by anyone). A sender's role is computed from
//! facts the edge reads out of the Space's room state: membership, power level,
//! and the admins listed in `config.toml`.

use serde::{Deserialize, Serialize};

/// Power level that makes someone a moderator in the community's rooms.
pub const MODERATOR_LEVEL: i64 = 50;
/// Power level of the bot in rooms where it is not the creator.
pub const BOT_LEVEL: i64 = 100;

/// Roles, from least to most trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Anyone in a room the bot serves, e.g. an invited candidate in the lobby.
    Anyone,
    /// A joined member of the community Space.
    Member,
    /// A member with moderator power in the Space.
    Moderator,
    /// Listed in `admins` in `config.toml`.
    Admin,
}

/// What the edge knows about a sender, read from room state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderFacts {
    pub is_config_admin: bool,
    pub joined_space: bool,
    /// The sender's power level in the Space (creators count as unbounded).
    pub space_power_level: i64,
}

pub fn resolve(facts: SenderFacts) -> Role {
    if facts.is_config_admin {
        Role::Admin
    } else if facts.joined_space && facts.space_power_level >= MODERATOR_LEVEL {
        Role::Moderator
    } else if facts.joined_space {
        Role::Member
    } else {
        Role::Anyone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(admin: bool, joined: bool, level: i64) -> SenderFacts {
        SenderFacts { is_config_admin: admin, joined_space: joined, space_power_level: level }
    }

    #[test]
    fn roles_follow_state() {
        assert_eq!(resolve(facts(false, false, 0)), Role::Anyone);
        assert_eq!(resolve(facts(false, true, 0)), Role::Member);
        assert_eq!(resolve(facts(false, true, 50)), Role::Moderator);
        assert_eq!(resolve(facts(true, false, 0)), Role::Admin);
    }

    #[test]
    fn power_outside_the_space_is_not_moderation() {
        // A high level recorded for someone who left the Space gives no authority.
        assert_eq!(resolve(facts(false, false, 100)), Role::Anyone);
    }
}
