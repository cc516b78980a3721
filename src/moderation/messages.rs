//! What the bot says about reports, cases, sanctions and the audit log.

use crate::duration::jst;
use crate::i18n::{Locale, Reply, escape_html};
use crate::moderation::case::{Case, CaseState};
use crate::moderation::sanction::{Kind, Sanction};
use crate::store::AuditEntry;

pub fn report_needs_target(locale: Locale, prefix: &str) -> Reply {
    Reply::localized(
        locale,
        format!(
            "報告の対象が分かりません。報告したいメッセージに返信して「{prefix}report -- 理由」と送るか、メッセージのリンクか @ユーザー:サーバー を指定してください。"
        ),
        format!(
            "What do you want to report? Reply to the message with \"{prefix}report -- reason\", or give a message link or @user:server."
        ),
    )
}

pub fn bad_target(locale: Locale, text: &str) -> Reply {
    Reply::localized(
        locale,
        format!(
            "「{text}」はユーザーID(@名前:サーバー)でもメッセージのリンク(https://matrix.to/#/...)でもありません。"
        ),
        format!("\"{text}\" is neither a user ID (@name:server) nor a message link (https://matrix.to/#/...)."),
    )
}

pub fn bad_user(locale: Locale, text: &str) -> Reply {
    Reply::localized(
        locale,
        format!("「{text}」はユーザーIDではありません。@名前:サーバー の形で指定してください。"),
        format!("\"{text}\" is not a user ID. Use the form @name:server."),
    )
}

pub fn not_a_space_room(locale: Locale) -> Reply {
    Reply::localized(
        locale,
        "リンク先の部屋はこのコミュニティのスペースの部屋ではありません。".into(),
        "The linked room is not a room of this community's Space.".into(),
    )
}

pub fn message_not_found(locale: Locale) -> Reply {
    Reply::localized(
        locale,
        "指定されたメッセージが見つかりません(削除されたか、ボットが読めない部屋です)。".into(),
        "That message cannot be found (it was removed, or the bot cannot read that room).".into(),
    )
}

pub fn cannot_report_self(locale: Locale) -> Reply {
    Reply::localized(
        locale,
        "自分自身やボットは報告できません。".into(),
        "You cannot report yourself or the bot.".into(),
    )
}

/// Sent privately to the reporter.
pub fn report_received(locale: Locale, number: u64) -> Reply {
    Reply::localized(
        locale,
        format!(
            "報告を受け付けました(ケース #{number})。モデレーターが事実を確認して対応します。報告した人の名前は相手に知らされません。元の部屋のコマンドは削除しました。"
        ),
        format!(
            "Your report was received (case #{number}). The moderators will establish the facts and act. The reported person is not told who reported. Your command was removed from the room."
        ),
    )
}

/// What the moderators may read of a report's reason where the case is posted.
pub enum ReasonView<'a> {
    Shown(&'a str),
    /// Sent from an encrypted room: kept sealed, readable with `!case` in a DM.
    Sealed,
}

/// The moderators room post for a new case or a further report.
pub fn case_post(
    locale: Locale,
    prefix: &str,
    case: &Case,
    joined: bool,
    reporter: &str,
    reason: ReasonView<'_>,
    link: Option<&str>,
) -> Reply {
    let n = case.number;
    let head = match (locale, joined) {
        (Locale::Ja, false) => format!("🚩 ケース #{n}: {} についての報告", case.subject),
        (Locale::Ja, true) => format!("🚩 ケース #{n} に追加の報告({} 件目): {}", case.reports.len(), case.subject),
        (Locale::En, false) => format!("🚩 Case #{n}: report about {}", case.subject),
        (Locale::En, true) => format!("🚩 Case #{n}: further report ({}) about {}", case.reports.len(), case.subject),
    };
    let mut lines = vec![head];
    lines.push(format!("{}: {reporter}", locale.pick("報告者", "Reporter")));
    if let Some(link) = link {
        lines.push(format!("{}: {link}", locale.pick("メッセージ", "Message")));
    }
    if let Some(q) = &case.quote {
        lines.push(format!("{}: 「{q}」", locale.pick("内容", "Text")));
    } else if case.event.is_some() {
        lines.push(
            locale
                .pick(
                    "内容: 暗号化された部屋のメッセージのため転記しません。",
                    "Text: not copied (from an encrypted room).",
                )
                .into(),
        );
    }
    lines.push(match reason {
        ReasonView::Shown(r) => format!("{}: {r}", locale.pick("理由", "Reason")),
        ReasonView::Sealed => match locale {
            Locale::Ja => format!("理由: 暗号化された部屋から送られたため封印しています。ボットとのDMで {prefix}case {n} を実行すると読めます。"),
            Locale::En => format!("Reason: sealed (sent from an encrypted room). Run {prefix}case {n} in your DM with the bot to read it."),
        },
    });
    lines.push(match locale {
        Locale::Ja => format!("{prefix}assign {n} / {prefix}resolve {n} -- メモ / {prefix}dismiss {n} -- メモ"),
        Locale::En => format!("{prefix}assign {n} / {prefix}resolve {n} -- note / {prefix}dismiss {n} -- note"),
    });
    Reply::text(lines.join("\n"))
}

pub fn no_such_case(locale: Locale, n: u64) -> Reply {
    Reply::localized(locale, format!("ケース #{n} はありません。"), format!("There is no case #{n}."))
}

pub fn case_closed(locale: Locale, n: u64, state: CaseState) -> Reply {
    let s = state_name(locale, state);
    Reply::localized(
        locale,
        format!("ケース #{n} はすでに閉じています({s})。"),
        format!("Case #{n} is already closed ({s})."),
    )
}

pub fn state_name(locale: Locale, state: CaseState) -> &'static str {
    match state {
        CaseState::Open => locale.pick("対応中", "open"),
        CaseState::Resolved => locale.pick("対応済み", "resolved"),
        CaseState::Dismissed => locale.pick("対応不要", "dismissed"),
    }
}

pub fn case_updated(locale: Locale, n: u64, what: &str) -> Reply {
    Reply::localized(locale, format!("ケース #{n}: {what}"), format!("Case #{n}: {what}"))
}

pub fn assigned(locale: Locale, who: &str) -> String {
    match locale {
        Locale::Ja => format!("担当者を {who} にしました。"),
        Locale::En => format!("assigned to {who}."),
    }
}

pub fn closed_as(locale: Locale, state: CaseState) -> String {
    match locale {
        Locale::Ja => format!("{}として閉じました。", state_name(locale, state)),
        Locale::En => format!("closed as {}.", state_name(locale, state)),
    }
}

pub fn not_a_moderator(locale: Locale, user: &str) -> Reply {
    Reply::localized(
        locale,
        format!("{user} はモデレーターではないため担当にできません。"),
        format!("{user} is not a moderator and cannot be assigned."),
    )
}

pub fn cases_list(locale: Locale, cases: &[Case], now_ms: u64) -> Reply {
    if cases.is_empty() {
        return Reply::localized(locale, "該当するケースはありません。".into(), "No cases.".into());
    }
    let mut lines = vec![locale.pick("ケース一覧:", "Cases:").to_string()];
    for c in cases {
        let who = c.assignee.as_deref().unwrap_or(locale.pick("未担当", "unassigned"));
        let age_h = now_ms.saturating_sub(c.opened_ms) / 3_600_000;
        let (n, state, subject, reports, opened) =
            (c.number, state_name(locale, c.state), &c.subject, c.reports.len(), jst(c.opened_ms));
        lines.push(match locale {
            Locale::Ja => format!("#{n} [{state}] {subject} — 報告 {reports} 件 — {who} — {opened}({age_h} 時間前)"),
            Locale::En => format!("#{n} [{state}] {subject} — {reports} reports — {who} — {opened} ({age_h} h ago)"),
        });
    }
    Reply::text(lines.join("\n"))
}

/// One report in `!case`, with its reason as it may be shown here.
pub struct ReportLine<'a> {
    pub reporter: &'a str,
    pub at_ms: u64,
    pub reason: ReasonView<'a>,
}

pub fn case_detail(
    locale: Locale,
    prefix: &str,
    case: &Case,
    link: Option<&str>,
    reports: &[ReportLine<'_>],
    sanctions: &[Sanction],
) -> Reply {
    let mut lines = vec![match locale {
        Locale::Ja => format!("ケース #{} [{}] 対象: {}", case.number, state_name(locale, case.state), case.subject),
        Locale::En => format!("Case #{} [{}] about {}", case.number, state_name(locale, case.state), case.subject),
    }];
    lines.push(format!(
        "{}: {}",
        locale.pick("担当", "Assignee"),
        case.assignee.as_deref().unwrap_or(locale.pick("未担当", "unassigned"))
    ));
    if let Some(l) = link {
        lines.push(format!("{}: {l}", locale.pick("メッセージ", "Message")));
    }
    if let Some(q) = &case.quote {
        lines.push(format!("{}: 「{q}」", locale.pick("内容", "Text")));
    }
    for r in reports {
        let reason = match r.reason {
            ReasonView::Shown(t) => t.to_string(),
            ReasonView::Sealed => match locale {
                Locale::Ja => format!("(封印 — ボットとのDMで {prefix}case {} )", case.number),
                Locale::En => format!("(sealed — use {prefix}case {} in your DM with the bot)", case.number),
            },
        };
        lines.push(format!("• {} {}: {reason}", jst(r.at_ms), r.reporter));
    }
    for n in &case.notes {
        lines.push(format!("📝 {} {}: {}", jst(n.at_ms), n.by, n.text));
    }
    for s in sanctions {
        lines.push(format!("⚖️ {} {} {} — {}", jst(s.at_ms), kind_name(locale, s.kind), s.user, s.reason));
    }
    Reply::text(lines.join("\n"))
}

pub fn kind_name(locale: Locale, kind: Kind) -> &'static str {
    match kind {
        Kind::Warn => locale.pick("警告", "warning"),
        Kind::Mute => locale.pick("ミュート", "mute"),
        Kind::Kick => locale.pick("キック", "kick"),
        Kind::Ban => locale.pick("BAN", "ban"),
    }
}

pub fn protected_user(locale: Locale, user: &str) -> Reply {
    Reply::localized(
        locale,
        format!("{user} はモデレーターまたは管理者のため、制裁の対象にできません。権限を変更してから行ってください。"),
        format!("{user} is a moderator or admin and cannot be sanctioned. Change their power level first."),
    )
}

pub fn not_the_bot(locale: Locale) -> Reply {
    Reply::localized(
        locale,
        "ボット自身や自分自身は対象にできません。".into(),
        "You cannot target the bot or yourself.".into(),
    )
}

pub fn bad_duration(locale: Locale, text: &str) -> Reply {
    Reply::localized(
        locale,
        format!("期間「{text}」が分かりません。30m、2h、7d、2w のように指定してください(最長 366 日)。"),
        format!("Cannot read the duration \"{text}\". Use e.g. 30m, 2h, 7d or 2w (at most 366 days)."),
    )
}

pub fn sanction_done(
    locale: Locale,
    kind: Kind,
    user: &str,
    rooms: usize,
    until_ms: Option<u64>,
    cases: &[u64],
) -> Reply {
    let k = kind_name(locale, kind);
    let until = until_ms.map(jst);
    let cases: Vec<String> = cases.iter().map(|c| format!("#{c}")).collect();
    let (ja_until, en_until) = match &until {
        Some(u) => (format!("({u} まで)"), format!(" until {u}")),
        None => (String::new(), String::new()),
    };
    let (ja_cases, en_cases) = if cases.is_empty() {
        (String::new(), String::new())
    } else {
        (format!(" ケース {} に記録しました。", cases.join(", ")), format!(" Recorded in case {}.", cases.join(", ")))
    };
    match kind {
        Kind::Warn => Reply::localized(
            locale,
            format!("{user} に警告を送りました。{ja_cases}"),
            format!("Warned {user}.{en_cases}"),
        ),
        _ => Reply::localized(
            locale,
            format!("{user} を{k}しました{ja_until}。対象ルーム {rooms} 件。{ja_cases}"),
            format!("{k} of {user} applied in {rooms} rooms{en_until}.{en_cases}"),
        ),
    }
}

pub fn lifted(locale: Locale, kind: Kind, user: &str) -> Reply {
    let k = kind_name(locale, kind);
    Reply::localized(locale, format!("{user} の{k}を解除しました。"), format!("Lifted the {k} of {user}."))
}

pub fn warn_dm(locale: Locale, reason: &str) -> Reply {
    Reply::localized(
        locale,
        format!(
            "⚠️ モデレーターからの警告です。\n理由: {reason}\nコミュニティのルールを確認してください。質問があればこのDMに返信するか、モデレーターに連絡してください。"
        ),
        format!(
            "⚠️ A warning from the moderators.\nReason: {reason}\nPlease review the community rules. Reply here or contact a moderator with questions."
        ),
    )
}

pub fn mute_dm(locale: Locale, until_ms: Option<u64>, reason: &str) -> Reply {
    let until = until_ms.map(jst);
    match until {
        Some(u) => Reply::localized(
            locale,
            format!("🔇 モデレーターの判断により、{u} までスペース内で発言できません。\n理由: {reason}"),
            format!("🔇 The moderators have muted you in the Space until {u}.\nReason: {reason}"),
        ),
        None => Reply::localized(
            locale,
            format!("🔇 モデレーターの判断により、解除されるまでスペース内で発言できません。\n理由: {reason}"),
            format!("🔇 The moderators have muted you in the Space until further notice.\nReason: {reason}"),
        ),
    }
}

pub fn unmute_dm(locale: Locale) -> Reply {
    Reply::localized(locale, "🔈 ミュートが解除されました。".into(), "🔈 Your mute has been lifted.".into())
}

pub fn bad_link(locale: Locale, text: &str) -> Reply {
    Reply::localized(
        locale,
        format!(
            "「{text}」はメッセージのリンクではありません。Element の「リンクをコピー」で得られる https://matrix.to/#/... を指定してください。"
        ),
        format!("\"{text}\" is not a message link. Use the https://matrix.to/#/... link from Element's \"Copy link\"."),
    )
}

pub fn redacted(locale: Locale) -> Reply {
    Reply::localized(locale, "メッセージを削除しました。".into(), "The message was removed.".into())
}

pub fn announcement(locale: Locale, author: &str, text: &str) -> Reply {
    let head = match locale {
        Locale::Ja => format!("📢 お知らせ({author} より)"),
        Locale::En => format!("📢 Announcement (from {author})"),
    };
    Reply {
        plain: format!("{head}\n\n{text}"),
        html: format!(
            "<p><strong>{}</strong></p><p>{}</p>",
            escape_html(&head),
            escape_html(text).replace('\n', "<br>")
        ),
    }
}

pub fn announced(locale: Locale) -> Reply {
    Reply::localized(locale, "お知らせに投稿しました。".into(), "Posted to the announcements room.".into())
}

pub fn no_room(locale: Locale, purpose: &str) -> Reply {
    Reply::localized(
        locale,
        format!("rooms.toml に purpose = \"{purpose}\" の部屋がありません。"),
        format!("rooms.toml has no room with purpose = \"{purpose}\"."),
    )
}

/// One audit entry, as posted in the moderators room and listed by `!audit`.
pub fn audit_line(entry: &AuditEntry) -> String {
    let mut line = format!("#{} {} {} {}", entry.seq, jst(entry.at_ms), entry.actor, entry.action);
    if let Some(t) = &entry.target {
        line.push_str(&format!(" → {t}"));
    }
    if let Some(c) = entry.case {
        line.push_str(&format!(" (case #{c})"));
    }
    if let Some(r) = &entry.reason {
        line.push_str(&format!(" — {r}"));
    }
    line
}

pub fn audit_post(locale: Locale, entry: &AuditEntry) -> Reply {
    Reply::text(format!("📋 {}: {}", locale.pick("監査", "Audit"), audit_line(entry)))
}

pub fn audit_list(locale: Locale, entries: &[AuditEntry]) -> Reply {
    if entries.is_empty() {
        return Reply::localized(locale, "該当する記録はありません。".into(), "No matching entries.".into());
    }
    let mut lines = vec![locale.pick("監査ログ(新しい順):", "Audit log (newest first):").to_string()];
    lines.extend(entries.iter().map(audit_line));
    Reply::text(lines.join("\n"))
}

pub fn bad_audit_filter(locale: Locale, text: &str) -> Reply {
    Reply::localized(
        locale,
        format!("「{text}」は @ユーザー:サーバー でもケース番号でもありません。"),
        format!("\"{text}\" is neither @user:server nor a case number."),
    )
}
