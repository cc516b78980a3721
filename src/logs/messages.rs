//! Messages of log sharing: the summary, sanitising, exports and the log guard.

use crate::i18n::{Locale, Reply};
use crate::logs::signature::Signature;
use crate::logs::summary::Summary;
use crate::logs::tlp::Tlp;

pub fn signature_name(locale: Locale, s: Signature) -> &'static str {
    let (ja, en) = match s {
        Signature::WordPress => ("WordPress ログイン/xmlrpc への総当たり", "WordPress login/xmlrpc brute force"),
        Signature::SshFailure => ("SSH ログイン失敗(総当たり)", "SSH login failures (brute force)"),
        Signature::SshProbe => ("SSH 認証前の切断・プローブ", "SSH pre-authentication probes"),
        Signature::DotEnv => (".env の探索", ".env probes"),
        Signature::DotGit => (".git の探索", ".git probes"),
        Signature::PhpMyAdmin => ("phpMyAdmin のスキャン", "phpMyAdmin scans"),
        Signature::CgiBin => ("cgi-bin のスキャン", "cgi-bin scans"),
        Signature::Webmail => ("Webメールのスキャン", "webmail scans"),
        Signature::Shellshock => ("Shellshock", "Shellshock"),
        Signature::ProxyProbe => ("オープンプロキシの探索", "open proxy probes"),
        Signature::RawTls => ("HTTP ポートへの生の TLS", "raw TLS on HTTP"),
        Signature::RawRdp => ("HTTP ポートへの生の RDP", "raw RDP on HTTP"),
        Signature::Malformed => ("不正なリクエスト行", "malformed requests"),
        Signature::Scanner => ("既知のスキャナ・エクスプロイト", "known scanners and exploits"),
        Signature::FediverseApi => (
            "Fediverse API の濫用(検索・公開TL・アプリ登録・サインアップ)",
            "Fediverse API abuse (search, public timeline, app registration, sign-up)",
        ),
    };
    locale.pick(ja, en)
}

/// The answer to a share, posted in its thread.
pub fn log_summary(locale: Locale, s: &Summary) -> Reply {
    let ja = locale == Locale::Ja;
    let mut out = String::new();
    let label = if s.tlp_assumed {
        if ja {
            format!("{} — ラベルがないため TLP:AMBER として扱います", s.tlp.label())
        } else {
            format!("{} — no label was given, so this is treated as TLP:AMBER", s.tlp.label())
        }
    } else {
        s.tlp.label().to_string()
    };
    out.push_str(&format!("📋 {} ({label})\n", if ja { "ログ解析" } else { "Log analysis" }));
    if let (Some(first), Some(last)) = (&s.first, &s.last) {
        out.push_str(&format!("{}: {first} 〜 {last}\n", if ja { "期間" } else { "Time range" }));
    }
    let formats: Vec<String> = s.formats.iter().map(|(f, n)| format!("{f} {n}")).collect();
    out.push_str(&if ja {
        format!("行数: {}(形式: {})、送信元 {} 件\n", s.lines, formats.join(", "), s.distinct_sources)
    } else {
        format!("Lines: {} (formats: {}), {} sources\n", s.lines, formats.join(", "), s.distinct_sources)
    });
    if !s.sources.is_empty() {
        out.push_str(if ja { "\n送信元 上位:\n" } else { "\nTop sources:\n" });
        for (i, src) in s.sources.iter().enumerate() {
            let st = src.status;
            let mix = format!("2xx {} / 3xx {} / 4xx {} / 5xx {}", st[1], st[2], st[3], st[4]);
            out.push_str(&if ja {
                format!(" {}. {} — {} 行({mix})", i + 1, src.address, src.lines)
            } else {
                format!(" {}. {} — {} lines ({mix})", i + 1, src.address, src.lines)
            });
            if src.hits > 0 {
                out.push_str(&if ja {
                    format!(" ⚠ 攻撃 {}", src.hits)
                } else {
                    format!(" ⚠ {} hostile", src.hits)
                });
            }
            out.push('\n');
        }
    }
    if !s.signatures.is_empty() {
        out.push_str(if ja { "\n検知した攻撃シグネチャ:\n" } else { "\nAttack signatures:\n" });
        for (sig, n, sources) in &s.signatures {
            let name = signature_name(locale, *sig);
            out.push_str(&if ja {
                format!(" • {name}: {n} 行(送信元 {sources})\n")
            } else {
                format!(" • {name}: {n} lines ({sources} sources)\n")
            });
        }
    }
    let list = |title: &str, items: &[(String, u64)], out: &mut String| {
        if items.is_empty() {
            return;
        }
        out.push_str(&format!("\n{title}:\n"));
        for (k, n) in items {
            out.push_str(&format!(" • {k} ({n})\n"));
        }
    };
    list(if ja { "対象パス 上位" } else { "Top paths" }, &s.paths, &mut out);
    list(if ja { "ユーザーエージェント 上位" } else { "Top user agents" }, &s.agents, &mut out);
    if !s.cves.is_empty() {
        out.push_str(&format!("\n{}: {}\n", if ja { "言及された CVE" } else { "CVEs mentioned" }, s.cves.join(", ")));
    }
    list(if ja { "リモートの Fediverse サーバー" } else { "Remote Fediverse servers" }, &s.domains, &mut out);
    list(if ja { "照会されたリモートアカウント" } else { "Remote accounts looked up" }, &s.actors, &mut out);
    out.push('\n');
    if s.sightings.is_empty() {
        out.push_str(if ja {
            "目撃情報: 他のメンバーのサーバーからの同じ攻撃元の報告はありません。\n"
        } else {
            "Sightings: no other member server reported these sources.\n"
        });
    } else {
        out.push_str(if ja {
            "目撃情報(他のメンバーのサーバー):\n"
        } else {
            "Sightings (other member servers):\n"
        });
        for seen in &s.sightings {
            out.push_str(&if ja {
                format!(" • {} — 過去7日 {} / 過去30日 {}\n", seen.indicator, seen.others_7d, seen.others_30d)
            } else {
                format!(" • {} — last 7 days {} / last 30 days {}\n", seen.indicator, seen.others_7d, seen.others_30d)
            });
        }
    }
    out.push_str(&if s.tlp == Tlp::Red {
        locale.pick("保存: TLP:RED のため何も保存していません。", "Kept: nothing, because this is TLP:RED.").to_string()
    } else if ja {
        format!("保存: 攻撃元 {} 件のキー付きハッシュのみ(ログ本文は保存しません)。", s.kept)
    } else {
        format!("Kept: keyed hashes of {} hostile sources only (never the log itself).", s.kept)
    });
    Reply::text(out)
}

pub fn log_unreadable(locale: Locale, why: &str) -> Reply {
    Reply::localized(
        locale,
        format!(
            "⚠ ログを読み取れませんでした: {why}。テキストか gzip のファイル、またはコードブロックで共有してください。"
        ),
        format!("⚠ Could not read the log: {why}. Share it as a text or gzip file, or in a code block."),
    )
}

pub fn log_bad_tlp(locale: Locale, given: &str) -> Reply {
    Reply::localized(
        locale,
        format!(
            "⚠ 「{given}」は TLP ラベルではありません。clear, green, amber, amber+strict, red のいずれかを指定してください。何も保存していません。"
        ),
        format!("⚠ \"{given}\" is not a TLP label. Use clear, green, amber, amber+strict or red. Nothing was kept."),
    )
}

pub fn log_sanitized(locale: Locale, secrets: usize, pseudonyms: usize) -> Reply {
    Reply::localized(
        locale,
        format!(
            "🧹 秘密情報 {secrets} 件を削除し、ローカルの識別子 {pseudonyms} 件を仮名化しました。添付ファイルは転送してかまいませんが、元のラベルに従ってください。"
        ),
        format!(
            "🧹 Removed {secrets} secrets and pseudonymised {pseudonyms} local identifiers. The file may be passed on, within the original label."
        ),
    )
}

pub fn log_sanitize_needs_reply(locale: Locale, prefix: &str) -> Reply {
    Reply::localized(
        locale,
        format!("⚠ 共有されたログ(メッセージかファイル)に返信して {prefix}log sanitize と送ってください。"),
        format!("⚠ Reply to a shared log (a message or a file) with {prefix}log sanitize."),
    )
}

pub fn iocs_exported(locale: Locale, count: usize, tlp: Tlp) -> Reply {
    Reply::localized(
        locale,
        format!(
            "📦 {} 以下で共有された攻撃元 {count} 件を書き出しました。AMBER+STRICT と RED は書き出しません。",
            tlp.label()
        ),
        format!(
            "📦 Exported {count} hostile sources shared at {} or below. AMBER+STRICT and RED are never exported.",
            tlp.label()
        ),
    )
}

pub fn iocs_bad_format(locale: Locale, given: &str) -> Reply {
    Reply::localized(
        locale,
        format!("⚠ 「{given}」は書き出し形式ではありません。nginx, csv, json のいずれかを指定してください。"),
        format!("⚠ \"{given}\" is not an export format. Use nginx, csv or json."),
    )
}

pub fn log_in_wrong_room(locale: Locale) -> Reply {
    Reply::localized(
        locale,
        "🔒 サーバーのログらしきものが暗号化されていないルームに投稿されたため、削除しました。ログには訪問者の IP アドレスや利用者の情報が含まれます。ログ共有ルーム(エンドツーエンド暗号化)で共有してください。".into(),
        "🔒 What looked like a server log was posted in an unencrypted room, so it was removed. Logs hold visitors' addresses and users' details; share them in the log-share room, which is end-to-end encrypted.".into(),
    )
}

pub fn log_too_large(locale: Locale, limit: usize) -> String {
    let mib = limit / (1024 * 1024);
    match locale {
        Locale::Ja => format!("ファイルが大きすぎます(上限 {mib} MiB、展開後)"),
        Locale::En => format!("the file is too large (limit {mib} MiB, uncompressed)"),
    }
}

pub fn log_download_failed(locale: Locale) -> String {
    locale
        .pick("ファイルをダウンロード・復号できませんでした", "the file could not be downloaded and decrypted")
        .to_string()
}

pub fn log_not_a_share(locale: Locale) -> String {
    locale.pick("返信先のメッセージにログが見つかりません", "the message replied to holds no log").to_string()
}

pub fn log_extract_error(locale: Locale, e: &crate::logs::extract::ExtractError) -> String {
    use crate::logs::extract::ExtractError;
    match e {
        ExtractError::TooLarge { limit } => log_too_large(locale, *limit),
        ExtractError::Gzip(_) => locale.pick("gzip ファイルが壊れています", "the gzip file is damaged").to_string(),
        ExtractError::NotText => locale.pick("テキストのファイルではありません", "the file is not text").to_string(),
        ExtractError::Empty => locale.pick("ファイルが空です", "the file is empty").to_string(),
    }
}
