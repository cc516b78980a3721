//! What a moderation command points at: a user ID, or a message by permalink.
//!
//! Element copies links as `https://matrix.to/#/<room>/<event>?via=...`, with
//! the room as an ID or an alias and parts sometimes percent-encoded; the
//! `matrix:` URI scheme is accepted too. Anything else is refused with a
//! message saying what was expected.

use matrix_sdk::ruma::{EventId, RoomAliasId, RoomId, UserId};

/// A message: its room (ID or alias) and event ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageLink {
    pub room: String,
    pub event_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    User(String),
    Message(MessageLink),
}

/// A valid Matrix user ID, e.g. `@alice:example.org`.
pub fn user(text: &str) -> Option<String> {
    UserId::parse(text.trim()).ok().map(|u| u.to_string())
}

/// A message permalink.
pub fn message_link(text: &str) -> Option<MessageLink> {
    let text = text.trim().trim_start_matches('<').trim_end_matches('>');
    let (room, event) = if let Some(rest) = text.strip_prefix("https://matrix.to/#/") {
        let path = rest.split('?').next().unwrap_or_default();
        let mut parts = path.splitn(2, '/');
        (decode(parts.next()?)?, decode(parts.next()?)?)
    } else if let Some(rest) = text.strip_prefix("matrix:") {
        // matrix:roomid/<id>/e/<event> or matrix:r/<alias>/e/<event>, sigils omitted.
        let path = rest.split('?').next().unwrap_or_default();
        let parts: Vec<&str> = path.split('/').collect();
        match parts.as_slice() {
            ["roomid", id, "e", ev] => (format!("!{}", decode(id)?), format!("${}", decode(ev)?)),
            ["r", alias, "e", ev] => (format!("#{}", decode(alias)?), format!("${}", decode(ev)?)),
            _ => return None,
        }
    } else {
        return None;
    };
    let room_ok = RoomId::parse(&room).is_ok() || RoomAliasId::parse(&room).is_ok();
    let event_ok = EventId::parse(&event).is_ok();
    (room_ok && event_ok).then_some(MessageLink { room, event_id: event })
}

/// Either kind of target.
pub fn parse(text: &str) -> Option<Target> {
    user(text).map(Target::User).or_else(|| message_link(text).map(Target::Message))
}

/// A permalink to an event, as Element opens it.
pub fn permalink(room_id: &str, event_id: &str) -> String {
    let server = room_id.split_once(':').map(|(_, s)| s).unwrap_or_default();
    format!("https://matrix.to/#/{room_id}/{event_id}?via={server}")
}

fn decode(part: &str) -> Option<String> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = part.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(room: &str, ev: &str) -> Option<MessageLink> {
        Some(MessageLink { room: room.into(), event_id: ev.into() })
    }

    #[test]
    fn element_permalinks_parse() {
        assert_eq!(
            message_link("https://matrix.to/#/!abc:example.org/$ev1?via=example.org"),
            link("!abc:example.org", "$ev1")
        );
        assert_eq!(
            message_link("https://matrix.to/#/%23lounge%3Aexample.org/%24ev1"),
            link("#lounge:example.org", "$ev1")
        );
        assert_eq!(message_link("<https://matrix.to/#/#l:x.org/$e>"), link("#l:x.org", "$e"));
        assert_eq!(message_link("matrix:roomid/abc:x.org/e/ev1?via=x.org"), link("!abc:x.org", "$ev1"));
        assert_eq!(message_link("matrix:r/lounge:x.org/e/ev1"), link("#lounge:x.org", "$ev1"));
    }

    #[test]
    fn malformed_links_and_ids_are_refused() {
        for t in [
            "https://matrix.to/#/!abc:example.org",
            "https://matrix.to/#/@u:x.org",
            "https://example.org/#/!a:x/$e",
            "https://matrix.to/#/!abc:x/%zz",
            "matrix:u/alice:x.org",
            "alice",
            "@alice",
            "",
        ] {
            assert_eq!(parse(t), None, "{t:?}");
        }
        assert_eq!(parse("@alice:example.org"), Some(Target::User("@alice:example.org".into())));
    }

    #[test]
    fn permalinks_round_trip() {
        let l = permalink("!r:x.org", "$e");
        assert_eq!(message_link(&l), link("!r:x.org", "$e"));
    }
}
