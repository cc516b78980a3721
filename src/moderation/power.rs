//! Muting through power levels, as pure transformations of `m.room.power_levels`.
//!
//! A muted user gets a level below both `events_default` and `users_default`,
//! so every room refuses their messages (and reactions) whatever its defaults.
//! Unmuting removes only such an entry: a level somebody set on purpose above
//! the defaults is left alone.

use serde_json::Value;

fn int(content: &Value, key: &str, default: i64) -> i64 {
    content.get(key).and_then(Value::as_i64).unwrap_or(default)
}

/// The level a muted user gets in a room with these power levels.
pub fn muted_level(content: &Value) -> i64 {
    int(content, "events_default", 0).min(int(content, "users_default", 0)).min(0) - 1
}

fn user_level(content: &Value, user: &str) -> Option<i64> {
    content.get("users").and_then(|u| u.get(user)).and_then(Value::as_i64)
}

/// The power levels with `user` muted, or `None` when they already are.
pub fn mute(content: &Value, user: &str) -> Option<Value> {
    let level = muted_level(content);
    if user_level(content, user).is_some_and(|l| l <= level) {
        return None;
    }
    let mut next = content.clone();
    let obj = next.as_object_mut()?;
    let users = obj.entry("users").or_insert_with(|| Value::Object(Default::default()));
    users.as_object_mut()?.insert(user.to_string(), Value::from(level));
    Some(next)
}

/// The power levels with a mute of `user` removed, or `None` when there is none.
pub fn unmute(content: &Value, user: &str) -> Option<Value> {
    let current = user_level(content, user)?;
    if current > muted_level(content) {
        return None;
    }
    let mut next = content.clone();
    next.get_mut("users")?.as_object_mut()?.remove(user);
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mute_goes_below_every_default_and_unmute_restores() {
        let pl = json!({"users": {"@mod:x": 50}, "events_default": 0, "users_default": 0});
        let muted = mute(&pl, "@u:x").unwrap();
        assert_eq!(muted["users"]["@u:x"], -1);
        assert_eq!(muted["users"]["@mod:x"], 50);
        assert_eq!(mute(&muted, "@u:x"), None, "muting twice changes nothing");
        assert_eq!(unmute(&muted, "@u:x").unwrap(), pl);
        assert_eq!(unmute(&pl, "@u:x"), None);
    }

    #[test]
    fn read_only_rooms_and_missing_keys() {
        let ro = json!({"events_default": 50});
        assert_eq!(mute(&ro, "@u:x").unwrap()["users"]["@u:x"], -1);
        let odd = json!({"events_default": -5, "users_default": 0});
        assert_eq!(mute(&odd, "@u:x").unwrap()["users"]["@u:x"], -6);
    }

    #[test]
    fn deliberate_levels_are_not_unmuted_away() {
        let pl = json!({"users": {"@helper:x": 10}});
        assert_eq!(unmute(&pl, "@helper:x"), None);
    }
}
