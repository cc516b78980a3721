//! What the command line prints to an admin: registration, checks, plans,
//! and a store another process holds.

use crate::i18n::Locale;

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
