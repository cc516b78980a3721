//! How configuration problems read, in both languages.

use crate::config::error::ConfigErrorKind;
use crate::config::purpose::Purpose;
use crate::i18n::Locale;

fn known_purposes() -> String {
    Purpose::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
}

/// One line describing the problem and what to do about it.
pub fn config_error(locale: Locale, kind: &ConfigErrorKind) -> String {
    use ConfigErrorKind as K;
    match (locale, kind) {
        (Locale::Ja, K::Missing) => "ファイルがありません。パスを確認するか、作成してください(registration.yaml は `fedisec registration`、rooms.toml と rules.md は `fedisec init` で作れます)。".into(),
        (Locale::En, K::Missing) => "file not found. Check the path or create it (`fedisec registration` writes registration.yaml, `fedisec init` writes rooms.toml and rules.md).".into(),
        (Locale::Ja, K::Unreadable(e)) => format!("ファイルを読めません({e})。権限を確認してください。"),
        (Locale::En, K::Unreadable(e)) => format!("cannot read the file ({e}). Check its permissions."),
        (Locale::Ja, K::Syntax(m)) => format!("書式の誤り: {m}"),
        (Locale::En, K::Syntax(m)) => format!("syntax error: {m}"),
        (Locale::Ja, K::DuplicateKey { key, first_line }) => format!(
            "key \"{key}\" が重複しています({first_line} 行目で使用済み)。key はルームのエイリアスになるため、一意にしてください。"
        ),
        (Locale::En, K::DuplicateKey { key, first_line }) => format!(
            "duplicate key \"{key}\" (already used on line {first_line}). Keys become room aliases; make each one unique."
        ),
        (Locale::Ja, K::BadKey { key }) => format!(
            "key \"{key}\" は使えません。英小文字・数字・「-」「_」「.」だけで、英数字で始めてください。"
        ),
        (Locale::En, K::BadKey { key }) => format!(
            "key \"{key}\" is not allowed: use lowercase letters, digits, '-', '_' or '.', starting with a letter or digit."
        ),
        (Locale::Ja, K::UnknownPurpose { value }) => format!(
            "purpose \"{value}\" は不明です。使えるのは {} です。",
            known_purposes()
        ),
        (Locale::En, K::UnknownPurpose { value }) => format!(
            "unknown purpose \"{value}\". Known purposes: {}.",
            known_purposes()
        ),
        (Locale::Ja, K::MissingPurpose { purpose }) => format!(
            "purpose = \"{purpose}\" のルームがありません。ボットの機能に必要なので、[[category.room]] を追加してください。"
        ),
        (Locale::En, K::MissingPurpose { purpose }) => format!(
            "no room has purpose = \"{purpose}\". The bot needs it: add a [[category.room]] with that purpose."
        ),
        (Locale::Ja, K::DuplicatePurpose { purpose, first_line }) => format!(
            "purpose \"{purpose}\" は一つのルームにしか付けられません({first_line} 行目で使用済み)。追加のルームには purpose = \"general\" を使ってください。"
        ),
        (Locale::En, K::DuplicatePurpose { purpose, first_line }) => format!(
            "purpose \"{purpose}\" may be used by one room only (already on line {first_line}). Use purpose = \"general\" for extra rooms."
        ),
        (Locale::Ja, K::AliasOutsideNamespace { alias, namespace }) => format!(
            "エイリアス {alias} はアプリケーションサービスの名前空間 {namespace} の外です。名前空間内のエイリアスにするか、alias を削除して既定値を使ってください。"
        ),
        (Locale::En, K::AliasOutsideNamespace { alias, namespace }) => format!(
            "alias {alias} is outside the appservice alias namespace {namespace}. Use an alias inside it, or remove `alias` to get the default."
        ),
        (Locale::Ja, K::BadValue { field, value, expected }) => format!(
            "{field} の値 \"{value}\" が不正です。{expected} を指定してください。"
        ),
        (Locale::En, K::BadValue { field, value, expected }) => format!(
            "{field} = \"{value}\" is not valid: expected {expected}."
        ),
        (Locale::Ja, K::MissingField { field }) => format!("{field} がありません。設定してください。"),
        (Locale::En, K::MissingField { field }) => format!("{field} is missing: set it."),
        (Locale::Ja, K::RegistrationMismatch { field, config, registration }) => format!(
            "registration.yaml の {field} が \"{registration}\" ですが、config.toml からは \"{config}\" になるはずです。`fedisec registration --config ...` を実行し直し、Synapse を再起動してください。"
        ),
        (Locale::En, K::RegistrationMismatch { field, config, registration }) => format!(
            "registration.yaml has {field} = \"{registration}\" but config.toml implies \"{config}\". Run `fedisec registration --config ...` again and restart Synapse."
        ),
    }
}
