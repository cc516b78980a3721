//! The log guard: a server log posted in an unencrypted room is taken down.
//!
//! Logs carry visitors' addresses and users' handles; in a room that is not
//! end-to-end encrypted the homeserver (and every server in the room) keeps
//! them. The bot redacts such a message — without a reason, since reasons
//! are public — and tells the sender privately where logs belong.

use super::analyze::{Analyzer, Format};
use super::messages;
use crate::effects::{Effect, Provenance, txn_id};
use crate::i18n::Locale;

/// Lines in a row that a log parser must recognise before a message counts as a log.
const MIN_LOG_LINES: usize = 2;

/// Whether a text message looks like a pasted server log: at least two
/// lines in a known log format, or three lines each with an IP address and
/// a timestamp-like start.
pub fn looks_like_log(body: &str) -> bool {
    let mut a = Analyzer::new();
    let mut known = 0;
    let mut with_ip = 0;
    for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let line = line.trim_start_matches("```").trim_start_matches('`');
        let v = a.line(line.as_bytes());
        if v.format != Format::Generic {
            known += 1;
        } else if v.source.is_some() && line.chars().take(4).any(|c| c.is_ascii_digit()) {
            with_ip += 1;
        }
        if known >= MIN_LOG_LINES || with_ip >= 3 {
            return true;
        }
    }
    false
}

/// Whether an attachment's name or type says it is a log.
pub fn looks_like_log_file(name: &str, mime: Option<&str>) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".log")
        || n.ends_with(".log.gz")
        || n.contains(".log.")
        || mime == Some("application/gzip") && n.contains("log")
}

/// Redacts the message and tells the sender privately.
pub fn take_down(room_id: &str, event_id: &str, sender: &str, locale: Locale) -> Vec<Effect> {
    // Nothing of the message's content is in these effects.
    let clear = Provenance::clear(room_id);
    vec![
        Effect::Redact {
            room_id: room_id.to_string(),
            event_id: event_id.to_string(),
            reason: None,
            provenance: clear.clone(),
            txn_id: txn_id(event_id, "log-guard-redact"),
        },
        Effect::Direct {
            user: sender.to_string(),
            reply: messages::log_in_wrong_room(locale),
            provenance: clear,
            txn_id: txn_id(event_id, "log-guard-dm"),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_are_told_from_chat() {
        assert!(looks_like_log(
            "```\n203.0.113.5 - - [14/Aug/2019:04:38:36 +0300] \"POST /wp-login.php HTTP/1.1\" 200 1721 \"-\" \"x\"\n\
             203.0.113.5 - - [14/Aug/2019:04:38:37 +0300] \"POST /xmlrpc.php HTTP/1.1\" 200 292 \"-\" \"x\"\n```"
        ));
        assert!(looks_like_log(
            "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186\n\
             Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2"
        ));
        assert!(!looks_like_log("こんにちは、203.0.113.5 から攻撃が来ています。心当たりはありますか?"));
        assert!(!looks_like_log("!report -- spam"));
        assert!(looks_like_log_file("access.log.1.gz", None));
        assert!(!looks_like_log_file("photo.png", Some("image/png")));
    }
}
