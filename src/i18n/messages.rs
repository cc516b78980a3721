//! What the bot says in rooms, in both languages.

use super::{Locale, Reply, escape_html};

/// `!ping`'s answer.
pub fn pong(locale: Locale) -> Reply {
    Reply::text(locale.pick("🏓 pong — fedisec は動作中です。", "🏓 pong — fedisec is running."))
}

/// One line of `!help`.
pub struct HelpLine<'a> {
    pub usage: &'a str,
    pub summary: &'a str,
}

/// `!help`: the commands the sender may use in this room.
pub fn help(locale: Locale, lines: &[HelpLine<'_>]) -> Reply {
    let title = locale.pick("この部屋で使えるコマンド:", "Commands you can use in this room:");
    let mut plain = format!("{title}\n");
    let mut html = format!("<p>{}</p><ul>", escape_html(title));
    for l in lines {
        plain.push_str(&format!("• {} — {}\n", l.usage, l.summary));
        html.push_str(&format!("<li><code>{}</code> — {}</li>", escape_html(l.usage), escape_html(l.summary)));
    }
    html.push_str("</ul>");
    Reply { plain: plain.trim_end().to_string(), html }
}

/// A command name nobody defined.
pub fn unknown_command(locale: Locale, prefix: &str, name: &str) -> Reply {
    usage_reply(
        match locale {
            Locale::Ja => format!("「{prefix}{name}」というコマンドはありません。"),
            Locale::En => format!("There is no command \"{prefix}{name}\"."),
        },
        locale.pick(
            &format!("{prefix}help で使えるコマンドを確認できます。"),
            &format!("Type {prefix}help to see the commands you can use."),
        ),
    )
}

/// A known command with arguments that do not fit its grammar.
pub fn bad_usage(locale: Locale, usage: &str, detail: &str) -> Reply {
    usage_reply(
        match locale {
            Locale::Ja => format!("コマンドの形が正しくありません({detail})。"),
            Locale::En => format!("That command is not well formed ({detail})."),
        },
        &match locale {
            Locale::Ja => format!("使い方: {usage}"),
            Locale::En => format!("Usage: {usage}"),
        },
    )
}

/// Quotes that never close, and similar problems before parsing.
pub fn unbalanced_quotes(locale: Locale) -> Reply {
    Reply::text(locale.pick(
        "引用符(\" または ')が閉じていません。引用符を閉じてもう一度送ってください。",
        "A quote (\" or ') is not closed. Close it and send the command again.",
    ))
}

/// The command exists but not in this kind of room.
pub fn wrong_room(locale: Locale, prefix: &str, name: &str, rooms: &[String]) -> Reply {
    let list = rooms.join(", ");
    Reply::text(match locale {
        Locale::Ja => format!("{prefix}{name} はこの部屋では使えません。使える部屋: {list}"),
        Locale::En => format!("{prefix}{name} cannot be used in this room. It works in: {list}"),
    })
}

/// The sender lacks the role the command needs.
pub fn not_permitted(locale: Locale, prefix: &str, name: &str, role: &str) -> Reply {
    Reply::text(match locale {
        Locale::Ja => format!("{prefix}{name} を使うには{role}の権限が必要です。"),
        Locale::En => format!("{prefix}{name} needs the {role} role."),
    })
}

/// A role's name as people read it.
pub fn role_name(locale: Locale, role: crate::roles::Role) -> &'static str {
    use crate::roles::Role;
    match role {
        Role::Anyone => locale.pick("参加者", "participant"),
        Role::Member => locale.pick("メンバー", "member"),
        Role::Moderator => locale.pick("モデレーター", "moderator"),
        Role::Admin => locale.pick("管理者", "admin"),
    }
}

fn usage_reply(problem: String, hint: &str) -> Reply {
    Reply {
        plain: format!("{problem}\n{hint}"),
        html: format!("<p>{}</p><p>{}</p>", escape_html(&problem), escape_html(hint)),
    }
}

/// `fedisec registration`: what happened to the file and its tokens.
pub fn registration_written(locale: Locale, path: &str, outcome: crate::registration::TokenOutcome) -> String {
    use crate::registration::TokenOutcome as T;
    match (locale, outcome) {
        (Locale::Ja, T::Created) => format!("{path} を新しいトークンで作成しました。"),
        (Locale::Ja, T::Kept) => {
            format!("{path} を更新しました(既存のトークンはそのままです。入れ替えるには --rotate)。")
        }
        (Locale::Ja, T::Rotated) => {
            format!("{path} のトークンを入れ替えました。Synapse を再起動してください。")
        }
        (Locale::En, T::Created) => format!("Wrote {path} with new tokens."),
        (Locale::En, T::Kept) => {
            format!("Updated {path} (existing tokens kept; use --rotate to replace them).")
        }
        (Locale::En, T::Rotated) => format!("Rotated the tokens in {path}. Restart Synapse."),
    }
}

pub fn homeserver_instructions(locale: Locale) -> &'static str {
    locale.pick(
        "homeserver.yaml に次の行を追加して Synapse を再起動してください:",
        "Add these lines to homeserver.yaml and restart Synapse:",
    )
}

pub fn check_ok(locale: Locale, rooms: usize, categories: usize) -> String {
    match locale {
        Locale::Ja => format!("設定に問題はありません(カテゴリ {categories}、ルーム {rooms})。"),
        Locale::En => format!("Configuration is valid ({categories} categories, {rooms} rooms)."),
    }
}

pub fn plan_empty(locale: Locale) -> &'static str {
    locale
        .pick("変更はありません。スペースは rooms.toml と一致しています。", "No changes: the Space matches rooms.toml.")
}

pub fn plan_header(locale: Locale, n: usize) -> String {
    match locale {
        Locale::Ja => format!("{n} 件の変更があります(fedisec space apply または fedisec run で適用されます):"),
        Locale::En => {
            format!("{n} changes (applied by `fedisec space apply` or at `fedisec run`):")
        }
    }
}

pub fn apply_done(locale: Locale, created: usize, changed: usize, invited: usize, failed: usize) -> String {
    match locale {
        Locale::Ja => format!("作成 {created}、変更 {changed}、招待 {invited}、失敗 {failed}。"),
        Locale::En => {
            format!("created {created}, changed {changed}, invited {invited}, failed {failed}.")
        }
    }
}

pub fn store_busy(locale: Locale, path: &str) -> String {
    match locale {
        Locale::Ja => format!(
            "状態データベース {path} を開けません。fedisec run が動作中ならいったん停止してから実行してください。"
        ),
        Locale::En => format!("Cannot open the state database {path}. If `fedisec run` is running, stop it first."),
    }
}

/// Posted in the moderators room when `fedisec run` changed the Space.
pub fn space_applied(locale: Locale, created: usize, changed: usize, invited: usize) -> String {
    match locale {
        Locale::Ja => format!(
            "🏗️ スペースを rooms.toml に合わせました: 作成 {created}、変更 {changed}、招待 {invited}。詳細は !audit で確認できます。"
        ),
        Locale::En => format!(
            "🏗️ The Space now matches rooms.toml: created {created}, changed {changed}, invited {invited}. See !audit for details."
        ),
    }
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
