//! The community layout from `rooms.toml`: a Space, categories, rooms.
//!
//! Parsing keeps source spans so that every semantic error (duplicate key, unknown
//! purpose, alias outside the namespace, ...) names its line. Validation collects
//! every problem before reporting, and the result is a plain value that the
//! sans-I/O space planner turns into desired room state.

use super::error::{ConfigError, ConfigErrorKind, LineIndex, toml_error};
use super::purpose::Purpose;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use toml::Spanned;

/// The built-in layout: the channel list of the community's founding document.
pub const DEFAULT_LAYOUT: &str = include_str!("../../rooms.default.toml");

/// The validated layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub space: SpaceSpec,
    pub categories: Vec<CategorySpec>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceSpec {
    pub key: String,
    pub name: String,
    pub topic: Option<String>,
    /// Alias localpart (without `#` and server).
    pub alias: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategorySpec {
    pub key: String,
    pub name: String,
    pub topic: Option<String>,
    pub alias: String,
    pub rooms: Vec<RoomSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSpec {
    pub key: String,
    pub name: String,
    pub topic: Option<String>,
    pub purpose: Purpose,
    pub alias: String,
    pub encrypted: bool,
    pub read_only: bool,
    pub invite_only: bool,
}

impl Layout {
    /// Every room, in layout order.
    pub fn rooms(&self) -> impl Iterator<Item = &RoomSpec> {
        self.categories.iter().flat_map(|c| c.rooms.iter())
    }

    /// The room with a purpose, for purposes that appear once.
    pub fn room_for(&self, purpose: Purpose) -> Option<&RoomSpec> {
        self.rooms().find(|r| r.purpose == purpose)
    }

    pub fn room(&self, key: &str) -> Option<&RoomSpec> {
        self.rooms().find(|r| r.key == key)
    }

    /// Parses and validates a layout. `alias_ok` says whether an alias localpart
    /// is inside the appservice namespace, and `namespace` names it for messages.
    pub fn parse(
        file: &Path,
        text: &str,
        prefix: &str,
        alias_ok: &dyn Fn(&str) -> bool,
        namespace: &str,
    ) -> Result<Layout, Vec<ConfigError>> {
        let index = LineIndex::new(text);
        let raw: RawLayout = toml::from_str(text).map_err(|e| vec![toml_error(file, &index, &e)])?;
        let mut v = Validator {
            file,
            index: &index,
            prefix,
            alias_ok,
            namespace,
            errors: Vec::new(),
            keys: HashMap::new(),
            purposes: HashMap::new(),
        };
        let layout = v.layout(raw);
        for purpose in Purpose::REQUIRED {
            if !v.purposes.contains_key(&purpose) {
                v.error(None, ConfigErrorKind::MissingPurpose { purpose: purpose.to_string() });
            }
        }
        if v.errors.is_empty() { Ok(layout) } else { Err(v.errors) }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayout {
    space: RawSpace,
    #[serde(default)]
    category: Vec<RawCategory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpace {
    key: Spanned<String>,
    name: String,
    topic: Option<String>,
    alias: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    key: Spanned<String>,
    name: String,
    topic: Option<String>,
    alias: Option<Spanned<String>>,
    #[serde(default)]
    room: Vec<RawRoom>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoom {
    key: Spanned<String>,
    name: String,
    topic: Option<String>,
    purpose: Spanned<String>,
    alias: Option<Spanned<String>>,
    encrypted: Option<bool>,
    read_only: Option<bool>,
}

struct Validator<'a> {
    file: &'a Path,
    index: &'a LineIndex,
    prefix: &'a str,
    alias_ok: &'a dyn Fn(&str) -> bool,
    namespace: &'a str,
    errors: Vec<ConfigError>,
    keys: HashMap<String, usize>,
    purposes: HashMap<Purpose, usize>,
}

impl Validator<'_> {
    fn error(&mut self, line: Option<usize>, kind: ConfigErrorKind) {
        self.errors.push(ConfigError::new(self.file, line, kind));
    }

    fn layout(&mut self, raw: RawLayout) -> Layout {
        let (key, alias) = self.key_and_alias(&raw.space.key, raw.space.alias.as_ref());
        let space = SpaceSpec { key, name: raw.space.name, topic: raw.space.topic, alias };
        let categories = raw.category.into_iter().map(|c| self.category(c)).collect();
        Layout { space, categories }
    }

    fn category(&mut self, raw: RawCategory) -> CategorySpec {
        let (key, alias) = self.key_and_alias(&raw.key, raw.alias.as_ref());
        let rooms = raw.room.into_iter().filter_map(|r| self.room(r)).collect();
        CategorySpec { key, name: raw.name, topic: raw.topic, alias, rooms }
    }

    fn room(&mut self, raw: RawRoom) -> Option<RoomSpec> {
        let (key, alias) = self.key_and_alias(&raw.key, raw.alias.as_ref());
        let line = self.index.line_of(raw.purpose.span());
        let Some(purpose) = Purpose::parse(raw.purpose.get_ref()) else {
            self.error(Some(line), ConfigErrorKind::UnknownPurpose { value: raw.purpose.into_inner() });
            return None;
        };
        if !purpose.repeatable()
            && let Some(&first_line) = self.purposes.get(&purpose)
        {
            self.error(Some(line), ConfigErrorKind::DuplicatePurpose { purpose: purpose.to_string(), first_line });
        }
        self.purposes.entry(purpose).or_insert(line);
        Some(RoomSpec {
            key,
            name: raw.name,
            topic: raw.topic,
            purpose,
            alias,
            encrypted: purpose.always_encrypted() || raw.encrypted.unwrap_or(false),
            read_only: raw.read_only.unwrap_or(purpose.read_only_by_default()),
            invite_only: purpose.invite_only(),
        })
    }

    /// Checks a key for form and uniqueness, and the alias it yields.
    fn key_and_alias(&mut self, key: &Spanned<String>, alias: Option<&Spanned<String>>) -> (String, String) {
        let line = self.index.line_of(key.span());
        let k = key.get_ref().clone();
        if !valid_key(&k) {
            self.error(Some(line), ConfigErrorKind::BadKey { key: k.clone() });
        }
        if let Some(&first_line) = self.keys.get(&k) {
            self.error(Some(line), ConfigErrorKind::DuplicateKey { key: k.clone(), first_line });
        } else {
            self.keys.insert(k.clone(), line);
        }
        let (alias, alias_line) = match alias {
            Some(a) => (a.get_ref().trim_start_matches('#').to_string(), self.index.line_of(a.span())),
            None => (format!("{}{}", self.prefix, k), line),
        };
        if !(self.alias_ok)(&alias) {
            self.error(
                Some(alias_line),
                ConfigErrorKind::AliasOutsideNamespace {
                    alias: format!("#{alias}"),
                    namespace: self.namespace.to_string(),
                },
            );
        }
        (k, alias)
    }
}

fn valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
        && key.len() <= 64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Layout, Vec<ConfigError>> {
        Layout::parse(Path::new("rooms.toml"), text, "fedisec_", &|a| a.starts_with("fedisec_"), "#fedisec_.*")
    }

    fn kinds(errors: &[ConfigError]) -> Vec<(Option<usize>, ConfigErrorKind)> {
        errors.iter().map(|e| (e.line, e.kind.clone())).collect()
    }

    #[test]
    fn default_layout_is_the_founding_channel_list() {
        let layout = parse(DEFAULT_LAYOUT).expect("default layout is valid");
        assert_eq!(layout.categories.len(), 5);
        let names: Vec<_> = layout.rooms().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "ようこそ",
                "自己紹介",
                "お知らせ",
                "運営ディスカッション",
                "紹介者",
                "モデレーター",
                "BANリスト",
                "脆弱性情報",
                "対応相談",
                "注意喚起",
                "ログ共有",
                "対応相談",
                "セキュリティ知識",
                "セキュリティニュース",
                "談話室"
            ]
        );
        let log = layout.room_for(Purpose::LogShare).expect("log-share");
        assert!(log.encrypted);
        assert_eq!(log.alias, "fedisec_log-share");
        let read_only: Vec<_> = layout.rooms().filter(|r| r.read_only).map(|r| r.key.as_str()).collect();
        assert_eq!(read_only, ["announcements", "policy", "vuln-info", "alerts"]);
        let invite_only: Vec<_> = layout.rooms().filter(|r| r.invite_only).map(|r| r.key.as_str()).collect();
        assert_eq!(invite_only, ["welcome", "moderators"]);
    }

    #[test]
    fn duplicate_key_names_both_lines() {
        let text = DEFAULT_LAYOUT.replacen("key = \"lounge\"", "key = \"news\"", 1);
        let errors = parse(&text).unwrap_err();
        let line = text.lines().position(|l| l == "key = \"news\"").map(|i| i + 1);
        let dup = errors.iter().find(|e| matches!(e.kind, ConfigErrorKind::DuplicateKey { .. })).unwrap();
        assert_eq!(
            dup.line,
            text.lines().enumerate().filter(|(_, l)| *l == "key = \"news\"").nth(1).map(|(i, _)| i + 1)
        );
        assert_eq!(dup.kind, ConfigErrorKind::DuplicateKey { key: "news".into(), first_line: line.unwrap() });
    }

    #[test]
    fn unknown_and_missing_purpose() {
        let text = DEFAULT_LAYOUT.replace("purpose = \"news\"", "purpose = \"newz\"");
        let errors = parse(&text).unwrap_err();
        let line = text.lines().position(|l| l == "purpose = \"newz\"").unwrap() + 1;
        assert_eq!(
            kinds(&errors),
            vec![
                (Some(line), ConfigErrorKind::UnknownPurpose { value: "newz".into() }),
                (None, ConfigErrorKind::MissingPurpose { purpose: "news".into() }),
            ]
        );
    }

    #[test]
    fn duplicate_singleton_purpose_is_refused_but_general_repeats() {
        let text = DEFAULT_LAYOUT.replace("purpose = \"lounge\"", "purpose = \"news\"");
        let errors = parse(&text).unwrap_err();
        assert!(matches!(errors[0].kind, ConfigErrorKind::DuplicatePurpose { .. }), "{errors:?}");
        let text = DEFAULT_LAYOUT
            .replace("purpose = \"lounge\"", "purpose = \"general\"")
            .replace("purpose = \"knowledge\"", "purpose = \"general\"");
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn alias_outside_namespace() {
        let text = DEFAULT_LAYOUT.replace("key = \"lounge\"", "key = \"lounge\"\nalias = \"#other_lounge\"");
        let errors = parse(&text).unwrap_err();
        let line = text.lines().position(|l| l.starts_with("alias = \"#other")).unwrap() + 1;
        assert_eq!(
            kinds(&errors),
            vec![(
                Some(line),
                ConfigErrorKind::AliasOutsideNamespace {
                    alias: "#other_lounge".into(),
                    namespace: "#fedisec_.*".into()
                }
            )]
        );
    }

    #[test]
    fn bad_toml_and_unknown_field_have_lines() {
        let errors = parse("[space]\nkey = \"space\"\nname = \n").unwrap_err();
        assert_eq!(errors[0].line, Some(3));
        assert!(matches!(errors[0].kind, ConfigErrorKind::Syntax(_)));
        let text = DEFAULT_LAYOUT.replace("key = \"lounge\"", "key = \"lounge\"\npurpos = \"x\"");
        let errors = parse(&text).unwrap_err();
        let line = text.lines().position(|l| l.starts_with("purpos =")).unwrap() + 1;
        assert_eq!(errors[0].line, Some(line), "{errors:?}");
    }

    #[test]
    fn bad_key_is_reported() {
        let text = DEFAULT_LAYOUT.replace("key = \"lounge\"", "key = \"談話室\"");
        let errors = parse(&text).unwrap_err();
        assert!(errors.iter().any(|e| e.kind == ConfigErrorKind::BadKey { key: "談話室".into() }));
    }

    #[test]
    fn log_share_cannot_be_unencrypted() {
        let text = DEFAULT_LAYOUT.replace("purpose = \"log-share\"", "purpose = \"log-share\"\nencrypted = false");
        let layout = parse(&text).unwrap();
        assert!(layout.room_for(Purpose::LogShare).unwrap().encrypted);
    }
}

/// Property tests standing in for a fuzzer: damaged layouts are reported, never panic.
#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Result<Layout, Vec<ConfigError>> {
        Layout::parse(Path::new("rooms.toml"), text, "f_", &|a| a.starts_with("f_"), "#f_.*")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn arbitrary_text(text in "\\PC{0,400}") {
            let _ = parse(&text);
        }

        /// Drop or duplicate a line of the real layout: always an Ok or a list
        /// of errors whose lines exist in the file.
        #[test]
        fn mutated_default(line in 0usize..200, dup in any::<bool>(), cut in 0usize..40) {
            let mut lines: Vec<&str> = DEFAULT_LAYOUT.lines().collect();
            let i = line % lines.len();
            if dup { lines.insert(i, lines[i]) } else { lines.remove(i); }
            let mut text = lines.join("\n");
            let mut end = text.len().saturating_sub(cut);
            while !text.is_char_boundary(end) { end -= 1; }
            text.truncate(end);
            let n = text.lines().count().max(1);
            if let Err(errors) = parse(&text) {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    prop_assert!(e.line.is_none_or(|l| l >= 1 && l <= n + 1), "{e:?} in {n} lines");
                }
            }
        }
    }
}
