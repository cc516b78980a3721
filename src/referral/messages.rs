//! What the bot says about referrals, vouches, decisions and the rules.

use crate::duration::jst;
use crate::i18n::{Locale, Reply, escape_html};
use crate::referral::evidence::Evidence;
use crate::referral::record::{Admission, Agreement, Referral, State};
use crate::referral::rule::{Missing, Rule, Verdict};
use crate::referral::rules_doc::Rules;

fn hours(ms: u64) -> u64 {
    ms.div_ceil(3_600_000)
}

fn days(ms: u64) -> u64 {
    ms.div_ceil(24 * 3_600_000)
}

/// The four membership conditions of seeds/000.
pub fn conditions(locale: Locale) -> [&'static str; 4] {
    match locale {
        Locale::Ja => [
            "3ヶ月以上Fediverseサーバーを運用している管理者である",
            "日本語での意思疎通が可能である",
            "互助精神を理解し、互助精神に則って行動できる",
            "ルールが守れる",
        ],
        Locale::En => [
            "has run a Fediverse server as its admin for 3+ months",
            "can communicate in Japanese",
            "understands and acts by the spirit of mutual aid",
            "will keep the rules",
        ],
    }
}

pub fn rule_summary(locale: Locale, rule: &Rule, expires_ms: u64) -> String {
    match locale {
        Locale::Ja => format!(
            "承認条件: 紹介者による4条件の確認、紹介者以外のメンバー {} 人以上の推薦、未解決の異議なし、議論期間 {} 時間以上。期限: {}",
            rule.vouches,
            hours(rule.min_discussion_ms),
            jst(expires_ms)
        ),
        Locale::En => format!(
            "Accepted when: the referrer attests the 4 conditions, {} members other than the referrer vouch, no unresolved objection, at least {} h of discussion. Expires: {}",
            rule.vouches,
            hours(rule.min_discussion_ms),
            jst(expires_ms)
        ),
    }
}

pub fn referral_card(locale: Locale, prefix: &str, r: &Referral, rule: &Rule) -> Reply {
    let n = r.number;
    let mark = if r.attested { "☑" } else { "☐" };
    let mut lines = vec![
        match locale {
            Locale::Ja => format!("📨 紹介 #{n}: {}", r.candidate),
            Locale::En => format!("📨 Referral #{n}: {}", r.candidate),
        },
        format!("{}: {}", locale.pick("紹介者", "Referrer"), r.referrer),
        format!("{}: {}", locale.pick("根拠", "Evidence"), r.evidence_url),
        format!("{}: {}", locale.pick("理由", "Why"), r.reason),
        locale.pick("参加条件(紹介者が確認):", "Conditions (attested by the referrer):").to_string(),
    ];
    lines.extend(conditions(locale).iter().map(|c| format!("{mark} {c}")));
    lines.push(rule_summary(locale, rule, r.created_ms + rule.expiry_ms));
    lines.push(match locale {
        Locale::Ja => format!(
            "紹介者は {prefix}attest {n} で条件を確認してください。推薦は {prefix}vouch {n} またはこのメッセージに 👍。異議は {prefix}object {n} -- 理由(モデレーターにだけ届きます)。"
        ),
        Locale::En => format!(
            "Referrer: confirm the conditions with {prefix}attest {n}. Vouch with {prefix}vouch {n} or 👍 on this message. Object with {prefix}object {n} -- reason (only moderators see it)."
        ),
    });
    let html_lines: Vec<String> = lines.iter().map(|l| escape_html(l)).collect();
    Reply { plain: lines.join("\n"), html: html_lines.join("<br>") }
}

pub fn self_referral(locale: Locale) -> Reply {
    Reply::localized(locale, "自分自身は紹介できません。".into(), "You cannot refer yourself.".into())
}

pub fn already_member(locale: Locale, user: &str) -> Reply {
    Reply::localized(locale, format!("{user} はすでにメンバーです。"), format!("{user} is already a member."))
}

pub fn duplicate_referral(locale: Locale, user: &str, n: u64) -> Reply {
    Reply::localized(
        locale,
        format!("{user} には進行中の紹介 #{n} があります。推薦するなら !vouch {n} をどうぞ。"),
        format!("{user} already has referral #{n} in progress. Vouch for it with !vouch {n}."),
    )
}

pub fn bad_evidence_url(locale: Locale, url: &str) -> Reply {
    Reply::localized(
        locale,
        format!(
            "「{url}」は URL ではありません。候補者の Fediverse アカウントかサーバーの URL(https://...)を指定してください。"
        ),
        format!("\"{url}\" is not a URL. Give the candidate's Fediverse account or instance URL (https://...)."),
    )
}

pub fn on_probation(locale: Locale, until_ms: u64) -> Reply {
    Reply::localized(
        locale,
        format!("参加して間もない期間(試用期間)は紹介できません。{} 以降に紹介できます。", jst(until_ms)),
        format!("Members in their probation period cannot refer yet. You can refer from {}.", jst(until_ms)),
    )
}

pub fn quota_used(locale: Locale, quota: usize, window_ms: u64) -> Reply {
    let d = days(window_ms);
    Reply::localized(
        locale,
        format!("紹介できるのは {d} 日間に {quota} 人までです。しばらくしてからもう一度どうぞ。"),
        format!("You can refer at most {quota} people per {d} days. Try again later."),
    )
}

pub fn no_such_referral(locale: Locale, n: u64) -> Reply {
    Reply::localized(locale, format!("紹介 #{n} はありません。"), format!("There is no referral #{n}."))
}

pub fn referral_closed(locale: Locale, n: u64) -> Reply {
    Reply::localized(
        locale,
        format!("紹介 #{n} はすでに締め切られています。"),
        format!("Referral #{n} is already closed."),
    )
}

pub fn only_referrer_attests(locale: Locale) -> Reply {
    Reply::localized(
        locale,
        "条件の確認は紹介者だけができます。".into(),
        "Only the referrer can attest the conditions.".into(),
    )
}

pub fn attested(locale: Locale, referrer: &str) -> Reply {
    Reply::localized(
        locale,
        format!("☑ {referrer} が4つの参加条件すべてを確認しました。"),
        format!("☑ {referrer} attested all four membership conditions."),
    )
}

pub fn own_referral(locale: Locale) -> Reply {
    Reply::localized(
        locale,
        "自分が紹介した人は推薦できません。".into(),
        "You cannot vouch for your own referral.".into(),
    )
}

pub fn already_vouched(locale: Locale, n: u64) -> Reply {
    Reply::localized(
        locale,
        format!("紹介 #{n} にはすでに推薦しています。"),
        format!("You already vouched for referral #{n}."),
    )
}

pub fn vouched(locale: Locale, voter: &str, have: usize, need: usize) -> Reply {
    Reply::localized(
        locale,
        format!("👍 {voter} が推薦しました({have}/{need})。"),
        format!("👍 {voter} vouched ({have}/{need})."),
    )
}

pub fn objection_post(locale: Locale, prefix: &str, r: &Referral, by: &str, reason: Option<&str>) -> Reply {
    let n = r.number;
    let reason = reason
        .unwrap_or(locale.pick("(暗号化された部屋から送られたため非表示)", "(sent from an encrypted room; not shown)"));
    Reply::localized(
        locale,
        format!(
            "⚠️ 紹介 #{n}({})に {by} から異議: {reason}\n判断: {prefix}approve {n} -- 理由 / {prefix}reject {n} -- 理由",
            r.candidate
        ),
        format!(
            "⚠️ Objection to referral #{n} ({}) from {by}: {reason}\nDecide: {prefix}approve {n} -- reason / {prefix}reject {n} -- reason",
            r.candidate
        ),
    )
}

pub fn objection_received(locale: Locale, n: u64) -> Reply {
    Reply::localized(
        locale,
        format!(
            "紹介 #{n} への異議をモデレーターに伝えました。紹介カードには表示されません。元の部屋のコマンドは削除しました。"
        ),
        format!(
            "Your objection to referral #{n} went to the moderators only; it is not shown on the card. Your command was removed from the room."
        ),
    )
}

pub fn rules_for_candidate(locale: Locale, prefix: &str, candidate: &str, rules: &Rules, deadline_ms: u64) -> Reply {
    let head = match locale {
        Locale::Ja => format!(
            "{candidate} さん、ようこそ。紹介が承認されました。以下のルール(版 {})を読み、承諾する場合はこの部屋で {prefix}agree と送ってください。期限: {}",
            rules.version,
            jst(deadline_ms)
        ),
        Locale::En => format!(
            "Welcome, {candidate}. Your referral was accepted. Read the rules below (version {}) and, if you accept them, send {prefix}agree in this room. Deadline: {}",
            rules.version,
            jst(deadline_ms)
        ),
    };
    Reply {
        plain: format!("{head}\n\n{}", rules.text),
        html: format!("<p>{}</p><pre>{}</pre>", escape_html(&head), escape_html(&rules.text)),
    }
}

/// `!rules`: the rules in force, and where the sender stands with them.
pub fn rules_text(locale: Locale, prefix: &str, rules: &Rules, agreed: Option<&Agreement>) -> Reply {
    let standing = match (locale, agreed) {
        (Locale::Ja, Some(a)) if a.version == rules.version => {
            format!("あなたはこの版に {} に同意しました。", jst(a.at_ms))
        }
        (Locale::Ja, Some(a)) => {
            format!(
                "あなたが同意したのは以前の版 {} です。この版に同意するには {prefix}agree と送ってください。",
                a.version
            )
        }
        (Locale::Ja, None) => format!("あなたはまだ同意していません。同意するには {prefix}agree と送ってください。"),
        (Locale::En, Some(a)) if a.version == rules.version => {
            format!("You accepted this version on {}.", jst(a.at_ms))
        }
        (Locale::En, Some(a)) => {
            format!("You accepted an earlier version, {}. Send {prefix}agree to accept this one.", a.version)
        }
        (Locale::En, None) => format!("You have not accepted them yet. Send {prefix}agree to accept them."),
    };
    let head = match locale {
        Locale::Ja => format!("コミュニティのルール(版 {})。{standing}", rules.version),
        Locale::En => format!("The community rules (version {}). {standing}", rules.version),
    };
    Reply {
        plain: format!("{head}\n\n{}", rules.text),
        html: format!("<p>{}</p><pre>{}</pre>", escape_html(&head), escape_html(&rules.text)),
    }
}

pub fn approved_note(locale: Locale, by: &str, bot: &str, reason: Option<&str>) -> Reply {
    let why = reason.map(|r| format!(" — {r}")).unwrap_or_default();
    if by == bot {
        Reply::localized(
            locale,
            "✅ 承認条件を満たしたため承認されました。候補者を「ようこそ」に招待し、ルールを送りました。".into(),
            "✅ Accepted: the rule is met. The candidate is invited to the welcome room and has the rules.".into(),
        )
    } else {
        Reply::localized(
            locale,
            format!("✅ {by} が承認しました{why}。候補者を「ようこそ」に招待し、ルールを送りました。"),
            format!("✅ Approved by {by}{why}. The candidate is invited to the welcome room and has the rules."),
        )
    }
}

pub fn decision_done(locale: Locale, n: u64, approved: bool) -> Reply {
    match approved {
        true => Reply::localized(locale, format!("紹介 #{n} を承認しました。"), format!("Referral #{n} approved.")),
        false => Reply::localized(locale, format!("紹介 #{n} を見送りました。"), format!("Referral #{n} rejected.")),
    }
}

pub fn rejected_note(locale: Locale, by: &str, reason: &str) -> Reply {
    Reply::localized(
        locale,
        format!("❌ {by} が見送りと判断しました — {reason}"),
        format!("❌ Rejected by {by} — {reason}"),
    )
}

pub fn expired_note(locale: Locale) -> Reply {
    Reply::localized(
        locale,
        "⌛ 期限までに承認条件を満たさなかったため締め切りました。".into(),
        "⌛ Closed: the rule was not met before the expiry.".into(),
    )
}

pub fn lapsed_reason(locale: Locale) -> String {
    locale.pick("ルールへの同意期限が過ぎました", "the time to agree to the rules ran out").to_string()
}

pub fn lapsed_note(locale: Locale) -> Reply {
    Reply::localized(
        locale,
        "⌛ 候補者が期限までにルールに同意しなかったため、招待を取り消しました。".into(),
        "⌛ The candidate did not agree to the rules in time; the invitation was withdrawn.".into(),
    )
}

pub fn admitted_note(locale: Locale, user: &str) -> Reply {
    Reply::localized(
        locale,
        format!("🎉 {user} がルールに同意し、スペースに招待されました。"),
        format!("🎉 {user} agreed to the rules and is invited into the Space."),
    )
}

pub fn welcome_admitted(locale: Locale, version: &str) -> Reply {
    Reply::localized(
        locale,
        format!("ルール(版 {version})への同意を記録しました。スペースと各部屋への招待を送りました。ようこそ!"),
        format!(
            "Your agreement to the rules (version {version}) is recorded. Invitations to the Space and its rooms are on their way. Welcome!"
        ),
    )
}

pub fn agreed(locale: Locale, version: &str) -> Reply {
    Reply::localized(
        locale,
        format!("ルール(版 {version})への同意を記録しました。"),
        format!("Recorded your agreement to the rules (version {version})."),
    )
}

pub fn not_invited(locale: Locale) -> Reply {
    Reply::localized(
        locale,
        "あなたへの承認済みの紹介はありません。参加はメンバーからの紹介制です。".into(),
        "There is no accepted referral for you. Joining is by referral from a member.".into(),
    )
}

fn state_name(locale: Locale, s: State) -> &'static str {
    match s {
        State::Open => locale.pick("推薦受付中", "open"),
        State::Approved => locale.pick("承認済み・同意待ち", "approved, awaiting agreement"),
        State::Rejected => locale.pick("見送り", "rejected"),
        State::Expired => locale.pick("期限切れ", "expired"),
        State::Admitted => locale.pick("参加済み", "admitted"),
        State::Lapsed => locale.pick("同意期限切れ", "lapsed"),
    }
}

pub fn whois(
    locale: Locale,
    user: &str,
    admission: Option<&Admission>,
    agreement: Option<&Agreement>,
    current_version: &str,
    referred: &[Referral],
    in_progress: Option<&Referral>,
) -> Reply {
    let mut lines = vec![user.to_string()];
    match admission {
        Some(a) => lines.push(match locale {
            Locale::Ja => format!(
                "紹介 #{}: 紹介者 {}、推薦 {}、参加 {}",
                a.referral,
                a.referrer,
                if a.vouchers.is_empty() { "なし".into() } else { a.vouchers.join(", ") },
                jst(a.admitted_ms)
            ),
            Locale::En => format!(
                "Referral #{}: referred by {}, vouched by {}, admitted {}",
                a.referral,
                a.referrer,
                if a.vouchers.is_empty() { "nobody".into() } else { a.vouchers.join(", ") },
                jst(a.admitted_ms)
            ),
        }),
        None => lines.push(
            locale
                .pick("紹介の記録なし(設立時のメンバーなど)", "No referral on record (e.g. a founding member)")
                .into(),
        ),
    }
    lines.push(match (agreement, locale) {
        (Some(g), Locale::Ja) => format!(
            "ルール: 版 {} に {} 同意{}",
            g.version,
            jst(g.at_ms),
            if g.version == current_version { "(最新)" } else { "(最新版には未同意)" }
        ),
        (Some(g), Locale::En) => format!(
            "Rules: agreed to version {} on {}{}",
            g.version,
            jst(g.at_ms),
            if g.version == current_version { " (current)" } else { " (not the current version)" }
        ),
        (None, _) => locale.pick("ルール: 同意の記録なし", "Rules: no agreement on record").into(),
    });
    if let Some(r) = in_progress {
        lines.push(format!(
            "{}: #{} ({})",
            locale.pick("進行中の紹介", "Referral in progress"),
            r.number,
            state_name(locale, r.state)
        ));
    }
    if !referred.is_empty() {
        let list: Vec<String> = referred
            .iter()
            .map(|r| format!("{} (#{} {})", r.candidate, r.number, state_name(locale, r.state)))
            .collect();
        lines.push(format!("{}: {}", locale.pick("紹介した人", "Referred"), list.join(", ")));
    }
    Reply::text(lines.join("\n"))
}

pub fn referral_list(locale: Locale, open: &[(Referral, Verdict)]) -> Reply {
    if open.is_empty() {
        return Reply::localized(locale, "進行中の紹介はありません。".into(), "No referrals in progress.".into());
    }
    let mut lines = vec![locale.pick("進行中の紹介:", "Referrals in progress:").to_string()];
    for (r, v) in open {
        let mut line = format!(
            "#{} {} — {} {} — {}",
            r.number,
            r.candidate,
            locale.pick("紹介者", "by"),
            r.referrer,
            state_name(locale, r.state)
        );
        if let Verdict::Waiting(missing) = v {
            let parts: Vec<String> = missing
                .iter()
                .map(|m| match (m, locale) {
                    (Missing::Attestation, Locale::Ja) => "条件確認待ち".into(),
                    (Missing::Attestation, Locale::En) => "awaiting attestation".into(),
                    (Missing::Vouches { have, need }, Locale::Ja) => format!("推薦 {have}/{need}"),
                    (Missing::Vouches { have, need }, Locale::En) => format!("vouches {have}/{need}"),
                    (Missing::Objections(k), Locale::Ja) => format!("未解決の異議 {k}"),
                    (Missing::Objections(k), Locale::En) => format!("{k} unresolved objections"),
                    (Missing::Time(ms), Locale::Ja) => format!("議論期間あと {} 時間", hours(*ms)),
                    (Missing::Time(ms), Locale::En) => format!("{} h of discussion left", hours(*ms)),
                })
                .collect();
            line.push_str(&format!(" ({})", parts.join(", ")));
        }
        lines.push(line);
    }
    Reply::text(lines.join("\n"))
}

pub fn evidence_note(locale: Locale, found: &Result<Evidence, String>, now_ms: u64) -> Reply {
    match found {
        Err(why) => Reply::localized(
            locale,
            format!("🔎 サーバー情報を確認できませんでした({why})。判断の参考情報がないだけで、紹介は有効です。"),
            format!(
                "🔎 Could not verify the server ({why}). This only means there is no evidence; the referral stands."
            ),
        ),
        Ok(ev) => {
            let sw = format!("{} {}", ev.software.as_deref().unwrap_or("?"), ev.version.as_deref().unwrap_or(""));
            let admin = match (&ev.admin, ev.admin_created_ms) {
                (Some(a), Some(c)) => match locale {
                    Locale::Ja => format!("管理者アカウント {a}(作成 {})", jst(c)),
                    Locale::En => format!("admin account {a} (created {})", jst(c)),
                },
                _ => locale.pick("管理者アカウントの情報なし", "no admin account information").into(),
            };
            let months = match (ev.three_months(now_ms), locale) {
                (Some(true), Locale::Ja) => "「3ヶ月以上の運用」を裏付けています",
                (Some(true), Locale::En) => "supports \"3+ months\"",
                (Some(false), Locale::Ja) => "「3ヶ月以上の運用」は裏付けられません(作成から3ヶ月未満)",
                (Some(false), Locale::En) => "does not support \"3+ months\" (created less than 3 months ago)",
                (None, Locale::Ja) => "「3ヶ月以上の運用」は確認できません",
                (None, Locale::En) => "cannot tell about \"3+ months\"",
            };
            Reply::localized(
                locale,
                format!("🔎 サーバー情報: {}、{admin}。{months}。判断するのはメンバーです。", sw.trim()),
                format!("🔎 Server: {}, {admin}; {months}. Members decide.", sw.trim()),
            )
        }
    }
}

pub fn review_referred(locale: Locale, user: &str, admitted: &[String]) -> Reply {
    Reply::localized(
        locale,
        format!(
            "🔍 {user} が紹介して参加した人: {}。必要に応じて確認してください(自動の措置はありません)。",
            admitted.join(", ")
        ),
        format!(
            "🔍 People {user} referred who joined: {}. Review if needed (no automatic action).",
            admitted.join(", ")
        ),
    )
}

pub fn rules_updated(locale: Locale, prefix: &str, rules: &Rules) -> Reply {
    let head = match locale {
        Locale::Ja => format!(
            "📜 ルールが更新されました(版 {})。内容を確認し、どの部屋でもよいので {prefix}agree と送って同意してください。",
            rules.version
        ),
        Locale::En => format!(
            "📜 The rules changed (version {}). Please read them and send {prefix}agree in any room to accept.",
            rules.version
        ),
    };
    Reply {
        plain: format!("{head}\n\n{}", rules.text),
        html: format!("<p>{}</p><pre>{}</pre>", escape_html(&head), escape_html(&rules.text)),
    }
}
