//! What the bot says about commands themselves — help, usage, who may run
//! what where — in both languages. Each family's own sentences live with
//! the family (`moderation/messages.rs`, …).

use crate::i18n::{Locale, Reply, escape_html};

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

/// The usage line added under a refused argument.
pub fn usage_line(locale: Locale, usage: &str) -> Reply {
    let line = match locale {
        Locale::Ja => format!("使い方: {usage}"),
        Locale::En => format!("Usage: {usage}"),
    };
    Reply { html: format!("<p>{}</p>", escape_html(&line)), plain: line }
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

/// The handler could not read or write state; nothing it staged was kept.
pub fn internal_error(locale: Locale) -> Reply {
    Reply::localized(
        locale,
        "内部エラーのため実行できませんでした。何も変更されていません。管理者にログの確認を依頼してください。".into(),
        "An internal error stopped the command; nothing was changed. Ask an admin to check the bot's log.".into(),
    )
}

/// A command that needs free text got none.
pub fn missing_text(locale: Locale, usage: &str) -> Reply {
    Reply::localized(
        locale,
        format!("理由(または本文)が必要です。「--」の後に書いてください。\n使い方: {usage}"),
        format!("This command needs a reason (or text) after \"--\".\nUsage: {usage}"),
    )
}
