//! What the bot says when part of what it was asked to do did not happen.

use crate::i18n::{Locale, Reply, escape_html};
use crate::pipeline::outbox::Failure;

/// The name of an effect kind, as a person reads it.
fn kind_name(locale: Locale, kind: &str) -> &'static str {
    match (kind, locale) {
        ("ban", Locale::Ja) => "BAN",
        ("ban", Locale::En) => "ban",
        ("unban", Locale::Ja) => "BAN 解除",
        ("unban", Locale::En) => "unban",
        ("kick", Locale::Ja) => "キック",
        ("kick", Locale::En) => "kick",
        ("mute", Locale::Ja) => "ミュート",
        ("mute", Locale::En) => "mute",
        ("unmute", Locale::Ja) => "ミュート解除",
        ("unmute", Locale::En) => "unmute",
        ("invite", Locale::Ja) => "招待",
        ("invite", Locale::En) => "invite",
        ("redact", Locale::Ja) => "メッセージの削除",
        ("redact", Locale::En) => "redaction",
        ("policy", Locale::Ja) => "ポリシー規則",
        ("policy", Locale::En) => "policy rule",
        ("lookup", Locale::Ja) => "外部の確認",
        ("lookup", Locale::En) => "lookup",
        (_, Locale::Ja) => "メッセージの送信",
        (_, Locale::En) => "message",
    }
}

/// "Not everything was done": per kind, in how many rooms it happened, and
/// where it did not, with the homeserver's reason. `room` names a room ID.
pub fn not_all_done(locale: Locale, by_kind: &[(String, u32, Vec<Failure>)], room: &dyn Fn(&str) -> String) -> Reply {
    let title = locale.pick("⚠️ 一部を実行できませんでした。", "⚠️ Not everything was done.");
    let mut plain = format!("{title}\n");
    let mut html = format!("<p>{}</p><ul>", escape_html(title));
    for (kind, total, failed) in by_kind {
        let done = total.saturating_sub(failed.len() as u32);
        let name = kind_name(locale, kind);
        let not_in: Vec<String> = failed.iter().map(|f| format!("{}: {}", room(&f.room), f.reason)).collect();
        let line = match locale {
            Locale::Ja => format!("{name}: {total} 室中 {done} 室で完了。未完了 — {}", not_in.join("; ")),
            Locale::En => format!("{name}: done in {done} of {total} rooms; not in {}", not_in.join("; ")),
        };
        plain.push_str(&format!("• {line}\n"));
        html.push_str(&format!("<li>{}</li>", escape_html(&line)));
    }
    html.push_str("</ul>");
    Reply { plain: plain.trim_end().to_string(), html }
}

/// To moderators: a room's timeline had a gap larger than the bot reads back.
pub fn gap_too_large(locale: Locale, room: &str, read: usize) -> Reply {
    Reply::localized(
        locale,
        format!(
            "⚠️ 停止中に「{room}」に届いたメッセージのうち、新しい {read} 件だけを読み直しました。それより前のコマンドには返事がありません。必要なら送り直すよう伝えてください。"
        ),
        format!(
            "⚠️ Of the messages that reached \"{room}\" while the bot was down, only the newest {read} were read back. Older commands there get no answer; ask people to send them again if needed."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_says_what_did_not_happen_and_where() {
        let failed = vec![Failure { kind: "ban".into(), room: "!x:h".into(), reason: "M_FORBIDDEN".into() }];
        let name = |r: &str| if r == "!x:h" { "雑談".to_string() } else { r.to_string() };
        let en = not_all_done(Locale::En, &[("ban".into(), 21, failed.clone())], &name);
        assert!(en.plain.contains("ban: done in 20 of 21 rooms; not in 雑談: M_FORBIDDEN"), "{}", en.plain);
        let ja = not_all_done(Locale::Ja, &[("ban".into(), 21, failed)], &name);
        assert!(ja.plain.contains("BAN: 21 室中 20 室で完了"), "{}", ja.plain);
    }
}
