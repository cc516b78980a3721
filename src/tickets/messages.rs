//! Messages of tickets: cards, state changes, confirmations, publication, reminders.

use crate::i18n::{Locale, Reply};
use crate::tickets::record::Ticket;

fn hours(ms: u64) -> u64 {
    ms / 3_600_000
}

fn state_ja(s: &str) -> &'static str {
    match s {
        "open" => "未着手",
        "investigating" => "調査中",
        "confirmed" => "確認済み",
        "dismissed" => "対応不要",
        _ => "クローズ",
    }
}

pub fn ticket_card(locale: Locale, t: &Ticket, discussion: &str, ack_ms: u64) -> Reply {
    let origin = t.origin.as_deref().unwrap_or("—");
    Reply::localized(
        locale,
        format!(
            "🎫 チケット #{n}: {title}\n状態: open(未着手) ・ 起票: {opener}\n元のメッセージ: {origin}\n議論: {discussion}\n{h} 時間以内に誰かが担当するか状態を進めてください。このスレッドに続報を書いてください。",
            n = t.number,
            title = t.title,
            opener = t.opener,
            h = hours(ack_ms)
        ),
        format!(
            "🎫 Ticket #{n}: {title}\nState: open · opened by {opener}\nOriginal message: {origin}\nDiscussion: {discussion}\nSomeone should take it or move it on within {h} hours. Follow up in this thread.",
            n = t.number,
            title = t.title,
            opener = t.opener,
            h = hours(ack_ms)
        ),
    )
}

pub fn ticket_opened(locale: Locale, n: u64, elsewhere: bool) -> Reply {
    let (ja_where, en_where) =
        if elsewhere { ("(対応相談の部屋に)", " in the consultation room") } else { ("", "") };
    Reply::localized(
        locale,
        format!("🎫 チケット #{n} を{ja_where}作成しました。"),
        format!("🎫 Opened ticket #{n}{en_where}."),
    )
}

pub fn no_such_ticket(locale: Locale, n: u64) -> Reply {
    Reply::localized(locale, format!("⚠ チケット #{n} はありません。"), format!("⚠ There is no ticket #{n}."))
}

pub fn ticket_wrong_room(locale: Locale) -> Reply {
    Reply::localized(
        locale,
        "⚠ チケットは「脆弱性対応相談」か「インシデント対応相談」で扱います。".into(),
        "⚠ Tickets live in the vulnerability and incident consultation rooms.".into(),
    )
}

pub fn track_needs_reply(locale: Locale, prefix: &str) -> Reply {
    Reply::localized(
        locale,
        format!("⚠ この部屋では、チケットにしたい投稿に返信して {prefix}track と送ってください。"),
        format!("⚠ In this room, reply to the post you want a ticket for with {prefix}track."),
    )
}

pub fn track_needs_title(locale: Locale, prefix: &str) -> Reply {
    Reply::localized(
        locale,
        format!("⚠ 件名を書いてください: {prefix}track <件名>(またはメッセージへの返信で)"),
        format!("⚠ Give a title: {prefix}track <title> (or reply to a message)"),
    )
}

pub fn use_confirm(locale: Locale, prefix: &str, n: u64) -> Reply {
    Reply::localized(
        locale,
        format!("⚠ 確認済みにするには {prefix}confirm {n} を使ってください(確認済みの部屋に掲載されます)。"),
        format!("⚠ Use {prefix}confirm {n} to confirm a ticket (it is published to the confirmed room)."),
    )
}

pub fn ticket_already(locale: Locale, n: u64, state: &str) -> Reply {
    Reply::localized(
        locale,
        format!("チケット #{n} はすでに {state} です。"),
        format!("Ticket #{n} is already {state}."),
    )
}

pub fn bad_transition(locale: Locale, n: u64, from: &str, to: &str, allowed: &[&str]) -> Reply {
    Reply::localized(
        locale,
        format!("⚠ チケット #{n} は {from} から {to} にはできません。次にできる状態: {}", allowed.join(", ")),
        format!("⚠ Ticket #{n} cannot go from {from} to {to}. Possible next states: {}", allowed.join(", ")),
    )
}

pub fn ticket_state_set(locale: Locale, n: u64, state: &str) -> Reply {
    Reply::localized(
        locale,
        format!("チケット #{n} を {state}({})にしました。", state_ja(state)),
        format!("Ticket #{n} is now {state}."),
    )
}

pub fn ticket_moved(locale: Locale, t: &Ticket, by: &str, note: Option<&str>) -> Reply {
    let s = t.state.name();
    let note_ja = note.map(|n| format!("\nメモ: {n}")).unwrap_or_default();
    let note_en = note.map(|n| format!("\nNote: {n}")).unwrap_or_default();
    Reply::localized(
        locale,
        format!("🎫 #{} → {s}({}) by {by}{note_ja}", t.number, state_ja(s)),
        format!("🎫 #{} → {s} by {by}{note_en}", t.number),
    )
}

/// `!ticket <n> note`: the note, posted in the ticket's thread.
pub fn ticket_note_post(locale: Locale, n: u64, by: &str, note: &str) -> Reply {
    Reply::localized(locale, format!("📝 #{n} のメモ({by}): {note}"), format!("📝 Note on #{n} by {by}: {note}"))
}

/// `!ticket <n> note`'s answer.
pub fn ticket_noted(locale: Locale, n: u64) -> Reply {
    Reply::localized(
        locale,
        format!("チケット #{n} にメモを追加しました。"),
        format!("The note was added to ticket #{n}."),
    )
}

/// `!ticket <n> note` without text.
pub fn ticket_note_empty(locale: Locale, prefix: &str, n: u64) -> Reply {
    Reply::localized(
        locale,
        format!("⚠ メモの本文がありません。例: {prefix}ticket {n} note -- 影響を確認しました"),
        format!("⚠ The note has no text. For example: {prefix}ticket {n} note -- checked, we are affected"),
    )
}

pub fn not_a_member(locale: Locale, user: &str) -> Reply {
    Reply::localized(locale, format!("⚠ {user} はメンバーではありません。"), format!("⚠ {user} is not a member."))
}

pub fn ticket_finished(locale: Locale, n: u64, state: &str) -> Reply {
    Reply::localized(
        locale,
        format!("⚠ チケット #{n} は {state} です。この操作はできません。"),
        format!("⚠ Ticket #{n} is {state}; that cannot be done now."),
    )
}

pub fn ticket_assigned(locale: Locale, n: u64, user: &str) -> Reply {
    Reply::localized(locale, format!("🎫 #{n} の担当: {user}"), format!("🎫 #{n} assigned to {user}"))
}

pub fn ticket_list(locale: Locale, tickets: &[Ticket], now_ms: u64, ack_ms: u64) -> Reply {
    if tickets.is_empty() {
        return Reply::localized(locale, "該当するチケットはありません。".into(), "No tickets.".into());
    }
    let mut out = String::from(locale.pick("チケット:\n", "Tickets:\n"));
    for t in tickets {
        let overdue = if t.overdue(now_ms, ack_ms) {
            locale.pick(" ⏰ 未確認のまま期限切れ", " ⏰ unacknowledged, overdue")
        } else {
            ""
        };
        let who = t.assignee.as_deref().unwrap_or("—");
        out.push_str(&format!("#{} [{}] {} — {} / {}{overdue}\n", t.number, t.state.name(), t.title, t.opener, who));
    }
    Reply::text(out.trim_end().to_string())
}

pub fn confirm_own_ticket(locale: Locale, n: u64) -> Reply {
    Reply::localized(
        locale,
        format!("⚠ 自分で起票したチケット #{n} は確認できません(起票者以外のメンバーかモデレーターが確認します)。"),
        format!("⚠ You opened ticket #{n}; members other than the opener (or a moderator) confirm it."),
    )
}

pub fn already_confirmed(locale: Locale, n: u64) -> Reply {
    Reply::localized(
        locale,
        format!("チケット #{n} はすでに確認済みとして数えています。"),
        format!("Your confirmation of ticket #{n} is already counted."),
    )
}

pub fn confirmation_counted(locale: Locale, n: u64, have: usize, need: usize) -> Reply {
    Reply::localized(
        locale,
        format!("✔ チケット #{n} の確認 {have}/{need}。{need} 人で確認済みの部屋に掲載します。"),
        format!("✔ Ticket #{n}: {have}/{need} confirmations. At {need} it is published to the confirmed room."),
    )
}

pub fn ticket_egress_refused(locale: Locale, n: u64) -> Reply {
    Reply::localized(
        locale,
        format!(
            "🔒 チケット #{n} は暗号化された部屋のものなので、暗号化されていない確認済みの部屋には掲載できません(暗号化された部屋の内容は外に出さない決まりです)。"
        ),
        format!(
            "🔒 Ticket #{n} comes from an encrypted room, so it cannot be published to an unencrypted confirmed room (content from encrypted rooms never leaves them)."
        ),
    )
}

pub fn ticket_confirmed(locale: Locale, n: u64) -> Reply {
    Reply::localized(
        locale,
        format!("✅ チケット #{n} を確認済みとして掲載しました。"),
        format!("✅ Ticket #{n} is confirmed and published."),
    )
}

pub fn ticket_confirmed_thread(locale: Locale, n: u64, room: &str) -> Reply {
    Reply::localized(
        locale,
        format!("✅ #{n} は確認済みです。掲載先: {room}"),
        format!("✅ #{n} confirmed; published in {room}"),
    )
}

pub fn ticket_published(locale: Locale, t: &Ticket, cves: &[String], discussion: &str) -> Reply {
    let what: Vec<&str> = t.history.iter().filter_map(|s| s.note.as_deref()).collect();
    let what = if what.is_empty() { "—".to_string() } else { what.join(" / ") };
    let cves = if cves.is_empty() { "—".to_string() } else { cves.join(", ") };
    let origin = t.origin.as_deref().unwrap_or("—");
    let who = t.confirmations.join(", ");
    Reply::localized(
        locale,
        format!(
            "✅ 確認済み: {title}\n確認した内容: {what}\nCVE: {cves}\n参照: {origin}\n確認した人: {who}\n議論(チケット #{n}): {discussion}",
            title = t.title,
            n = t.number
        ),
        format!(
            "✅ Confirmed: {title}\nWhat was confirmed: {what}\nCVE: {cves}\nReference: {origin}\nConfirmed by: {who}\nDiscussion (ticket #{n}): {discussion}",
            title = t.title,
            n = t.number
        ),
    )
}

pub fn ticket_reminder(locale: Locale, t: &Ticket, discussion: &str, ack_ms: u64) -> Reply {
    let h = hours(ack_ms);
    Reply::localized(
        locale,
        format!("⏰ チケット #{} 「{}」は {h} 時間、誰も担当していません。{}", t.number, t.title, discussion),
        format!("⏰ Ticket #{} \"{}\" has not been acknowledged for {h} hours. {}", t.number, t.title, discussion),
    )
}
