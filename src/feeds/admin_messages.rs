//! What the bot says to moderators about feeds.

use crate::duration::jst;
use crate::feeds::Advisory;
use crate::feeds::registry::{FeedRecord, Origin};
use crate::i18n::{Locale, Reply};

fn minutes(ms: u64) -> u64 {
    ms / 60_000
}

pub fn no_such_feed(locale: Locale, id: &str, prefix: &str) -> Reply {
    Reply::localized(
        locale,
        format!("フィード {id} はありません。{prefix}feed list で ID を確認してください。"),
        format!("There is no feed {id}. See {prefix}feed list for the IDs."),
    )
}

pub fn bad_feed(locale: Locale, expected: &str) -> Reply {
    Reply::localized(
        locale,
        format!("フィードの指定が正しくありません(必要なもの: {expected})。"),
        format!("That feed is not well specified (expected: {expected})."),
    )
}

pub fn feed_exists(locale: Locale, id: &str) -> Reply {
    Reply::localized(
        locale,
        format!("その URL はフィード {id} として登録済みです。"),
        format!("That URL is already feed {id}."),
    )
}

pub fn feed_from_config(locale: Locale, id: &str, prefix: &str) -> Reply {
    Reply::localized(
        locale,
        format!(
            "フィード {id} は設定ファイルで管理されています。止めるには {prefix}feed pause {id} を使うか、設定ファイルから削除してください。"
        ),
        format!("Feed {id} comes from the config file. Use {prefix}feed pause {id}, or remove it from the file."),
    )
}

fn room_name(locale: Locale, f: &FeedRecord) -> &'static str {
    match f.spec.room {
        crate::config::purpose::Purpose::News => locale.pick("セキュリティニュース", "news"),
        _ => locale.pick("脆弱性情報", "vuln-info"),
    }
}

pub fn feed_added(locale: Locale, f: &FeedRecord) -> Reply {
    let every = minutes(f.spec.every_ms);
    Reply::localized(
        locale,
        format!(
            "フィード {} を追加しました({}、{every} 分ごと)。最初の取得では投稿せず、既存の項目を既読にします。",
            f.spec.id,
            room_name(locale, f)
        ),
        format!(
            "Added feed {} ({}, every {every} min). The first poll posts nothing; it marks existing items as seen.",
            f.spec.id,
            room_name(locale, f)
        ),
    )
}

pub fn feed_changed(locale: Locale, f: &FeedRecord, verb: &str) -> Reply {
    let (ja, en) = match verb {
        "remove" => ("削除しました", "removed"),
        "pause" => ("一時停止しました", "paused"),
        _ => ("再開しました", "resumed"),
    };
    Reply::localized(
        locale,
        format!("フィード {}({})を{ja}。", f.spec.id, f.spec.name),
        format!("Feed {} ({}) {en}.", f.spec.id, f.spec.name),
    )
}

pub fn feed_list(locale: Locale, feeds: &[FeedRecord], now_ms: u64) -> Reply {
    if feeds.is_empty() {
        return Reply::localized(locale, "フィードはありません。".into(), "No feeds.".into());
    }
    let mut lines = vec![locale.pick("フィード一覧:", "Feeds:").to_string()];
    for f in feeds {
        let status = if f.paused {
            locale.pick("⏸ 停止中", "⏸ paused").to_string()
        } else if f.state.failing_since_ms.is_some() {
            format!("⚠️ {}", locale.pick("失敗中", "failing"))
        } else {
            "✅".to_string()
        };
        let origin = match &f.origin {
            Origin::Config => locale.pick("設定", "config").to_string(),
            Origin::Command { by } => by.clone(),
        };
        let last_ok = f.state.last_success_ms.map(jst).unwrap_or_else(|| "-".into());
        let next = if f.paused { "-".into() } else { jst(f.state.next_poll_ms.max(now_ms)) };
        let err = f.state.last_error.as_deref().unwrap_or("-");
        lines.push(match locale {
            Locale::Ja => format!(
                "{status} {} {} [{}・{} 分ごと・{origin}] 最終成功 {last_ok} / 最終エラー {err} / 次回 {next} / 投稿 {}・対象外 {}",
                f.spec.id, f.spec.name, room_name(locale, f), minutes(f.spec.every_ms), f.counts.posted, f.counts.unmatched + f.counts.excluded + f.counts.below_cvss
            ),
            Locale::En => format!(
                "{status} {} {} [{}, every {} min, {origin}] last success {last_ok} / last error {err} / next {next} / posted {}, not posted {}",
                f.spec.id, f.spec.name, room_name(locale, f), minutes(f.spec.every_ms), f.counts.posted, f.counts.unmatched + f.counts.excluded + f.counts.below_cvss
            ),
        });
    }
    Reply::text(lines.join("\n"))
}

pub fn feed_down(locale: Locale, name: &str, url: &str, error: &str) -> Reply {
    Reply::localized(
        locale,
        format!(
            "⚠️ フィード「{name}」を取得できません: {error}\n{url}\n復旧したらお知らせします(それまで間隔をあけて再試行します)。"
        ),
        format!(
            "⚠️ Feed \"{name}\" cannot be fetched: {error}\n{url}\nYou will be told when it recovers (retrying with backoff meanwhile)."
        ),
    )
}

pub fn feed_up(locale: Locale, name: &str, down_ms: u64) -> Reply {
    let m = minutes(down_ms);
    Reply::localized(
        locale,
        format!("✅ フィード「{name}」が復旧しました(約 {m} 分間停止)。"),
        format!("✅ Feed \"{name}\" recovered (down about {m} min)."),
    )
}

pub fn feed_test_result(locale: Locale, total: usize, would_post: &[Advisory], not_posted: usize) -> Reply {
    let mut lines = vec![match locale {
        Locale::Ja => format!(
            "🧪 取得できました: {total} 件中、投稿対象 {} 件、対象外 {not_posted} 件(何も投稿していません)。",
            would_post.len()
        ),
        Locale::En => format!(
            "🧪 Fetched: {total} items, {} would be posted, {not_posted} would not (nothing was posted).",
            would_post.len()
        ),
    }];
    for a in would_post.iter().take(10) {
        let score = a.cvss.as_ref().map(|c| format!(" CVSS {:.1}", c.score)).unwrap_or_default();
        lines.push(format!(
            "• {}{score} {}",
            super::messages::severity_badge(a.cvss.as_ref().map(|c| c.score)),
            a.title
        ));
    }
    Reply::text(lines.join("\n"))
}

pub fn feed_test_failed(locale: Locale, error: &str) -> Reply {
    Reply::localized(
        locale,
        format!("🧪 取得または解析に失敗しました: {error}"),
        format!("🧪 Fetching or parsing failed: {error}"),
    )
}
