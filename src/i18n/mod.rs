//! Messages to people, in Japanese by default and English by configuration.
//!
//! This module keeps what every message shares: the [`Locale`], the [`Reply`]
//! (plain text and HTML) and escaping. The sentences themselves live with
//! whoever says them, one function per message with both languages side by
//! side: each family's `messages.rs`, `commands/messages.rs`,
//! `matrix/messages.rs` (encryption), `pipeline/messages.rs` (delivery),
//! `config/messages.rs` (config errors) and `cli_messages.rs`.

use serde::{Deserialize, Serialize};

/// The language messages are rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// Japanese, the community's language.
    #[default]
    Ja,
    /// English.
    En,
}

impl Locale {
    /// Picks the text of this locale.
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Locale::Ja => ja,
            Locale::En => en,
        }
    }

    /// The locale named by `FEDISEC_LOCALE`, for messages printed before a
    /// config file could be read.
    pub fn from_env() -> Locale {
        match std::env::var("FEDISEC_LOCALE").as_deref() {
            Ok("en") => Locale::En,
            _ => Locale::Ja,
        }
    }
}

/// A rendered message: a plain-text body and its HTML form, as Matrix wants them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reply {
    pub plain: String,
    pub html: String,
}

impl Reply {
    /// The text of `locale`, from both languages written out.
    pub fn localized(locale: Locale, ja: String, en: String) -> Reply {
        Reply::text(match locale {
            Locale::Ja => ja,
            Locale::En => en,
        })
    }

    /// A one-paragraph message whose HTML is the escaped plain text.
    pub fn text(plain: impl Into<String>) -> Reply {
        let plain = plain.into();
        let html = escape_html(&plain).replace('\n', "<br>");
        Reply { plain, html }
    }
}

/// Escapes text for inclusion in Matrix `formatted_body` HTML.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_plain_is_kept() {
        let r = Reply::text("<b>a & b</b>\nnext");
        assert_eq!(r.plain, "<b>a & b</b>\nnext");
        assert_eq!(r.html, "&lt;b&gt;a &amp; b&lt;/b&gt;<br>next");
    }

    #[test]
    fn pick_follows_locale() {
        assert_eq!(Locale::Ja.pick("はい", "yes"), "はい");
        assert_eq!(Locale::En.pick("はい", "yes"), "yes");
    }
}
