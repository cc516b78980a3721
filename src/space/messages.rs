//! What the bot tells the moderators about the Space it keeps.

use crate::i18n::Locale;

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
