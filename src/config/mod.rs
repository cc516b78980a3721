//! Configuration: `config.toml`, the layout in `rooms.toml`, and the checks
//! that tie them to `registration.yaml`.
//!
//! Loading never stops at the first problem: every file is read and every
//! problem collected, so `fedisec check` lists them all and `fedisec run`
//! refuses to start with exactly the same messages.

pub mod error;
pub mod layout;
pub mod messages;
pub mod purpose;

use crate::i18n::Locale;
use crate::registration::{AliasNamespace, Registration, Wanted};
use error::{ConfigError, ConfigErrorKind, ConfigErrors, LineIndex, read_file, toml_error};
use layout::{DEFAULT_LAYOUT, Layout};
use matrix_sdk::ruma::{OwnedServerName, OwnedUserId, UserId};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use toml::Spanned;
use url::Url;

/// `config.toml`, validated. Relative paths are resolved against the
/// directory of the config file.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub locale: Locale,
    pub command_prefix: String,
    pub data_dir: PathBuf,
    /// `None`: the built-in layout.
    pub rooms: Option<PathBuf>,
    pub admins: Vec<OwnedUserId>,
    pub homeserver_url: Url,
    pub server_name: OwnedServerName,
    pub appservice: AppserviceConfig,
    pub display_name: String,
    pub room_version: String,
    pub referrals: ReferralConfig,
    pub feeds: FeedsConfig,
    pub logs: crate::logs::Settings,
    pub tickets: crate::tickets::Settings,
    pub encryption: EncryptionConfig,
}

/// `[encryption]`: whose messages the bot decrypts in encrypted rooms.
///
/// Room keys are always shared the way Element shares them (only with devices
/// signed by their owner); that is not configurable, because TLP material
/// must never reach a device Element itself would exclude.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EncryptionConfig {
    pub decrypt_from: DecryptFrom,
}

/// The trust the bot requires of a sender's device before it decrypts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DecryptFrom {
    /// Devices signed by their owner, and sessions from before trust was
    /// recorded: what Element does in its default mode (MSC4153).
    #[default]
    CrossSignedOrLegacy,
    /// Only devices signed by their owner.
    CrossSigned,
    /// Any device: not recommended; for communities with old clients.
    Any,
}

impl DecryptFrom {
    pub fn name(self) -> &'static str {
        match self {
            DecryptFrom::CrossSignedOrLegacy => "cross-signed-or-legacy",
            DecryptFrom::CrossSigned => "cross-signed",
            DecryptFrom::Any => "any",
        }
    }
}

/// `[feeds]`: what is polled, and what is worth posting.
#[derive(Debug, Clone)]
pub struct FeedsConfig {
    pub feeds: Vec<crate::feeds::FeedSpec>,
    pub watch: crate::feeds::watch::Watch,
    /// The watch list compiled for matching.
    pub matcher: crate::feeds::watch::Matcher,
    pub min_cvss_vuln_info: Option<f32>,
    pub min_cvss_news: Option<f32>,
    pub limits: crate::fetch::Limits,
}

/// `[referrals]`: the admission rule and process.
#[derive(Debug, Clone)]
pub struct ReferralConfig {
    pub rule: crate::referral::rule::Rule,
    /// The rules file; `None`: the built-in rules of the founding document.
    pub rules_file: Option<PathBuf>,
    pub evidence: crate::fetch::Limits,
}

#[derive(Debug, Clone)]
pub struct AppserviceConfig {
    pub id: String,
    pub registration: PathBuf,
    pub listen: SocketAddr,
    /// Where the homeserver reaches the appservice.
    pub url: String,
    pub bot_localpart: String,
    pub alias_prefix: String,
}

impl Config {
    pub fn bot_user_id(&self) -> OwnedUserId {
        // Validated in `load`: localpart and server name form a valid user ID.
        UserId::parse(format!("@{}:{}", self.appservice.bot_localpart, self.server_name))
            .unwrap_or_else(|e| panic!("validated bot user id: {e}"))
    }

    pub fn wanted_registration(&self) -> Wanted {
        Wanted::new(
            &self.appservice.id,
            &self.appservice.url,
            &self.appservice.bot_localpart,
            &self.appservice.alias_prefix,
            self.server_name.as_str(),
        )
    }

    /// Reads and validates `config.toml` alone.
    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        let text = read_file(path).map_err(|e| ConfigErrors(vec![e]))?;
        let index = LineIndex::new(&text);
        let raw: RawConfig = toml::from_str(&text).map_err(|e| ConfigErrors(vec![toml_error(path, &index, &e)]))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut errors = Vec::new();
        let mut bad = |span: std::ops::Range<usize>, field: &str, value: &str, expected: &str| {
            errors.push(ConfigError::new(
                path,
                Some(index.line_of(span)),
                ConfigErrorKind::BadValue { field: field.into(), value: value.into(), expected: expected.into() },
            ));
        };

        let locale = match raw.locale.as_ref().map(|l| (l.get_ref().as_str(), l.span())) {
            None | Some(("ja", _)) => Locale::Ja,
            Some(("en", _)) => Locale::En,
            Some((other, span)) => {
                bad(span, "locale", other, "\"ja\" or \"en\"");
                Locale::Ja
            }
        };
        let homeserver_url = Url::parse(raw.homeserver.url.get_ref()).ok().filter(|u| u.has_host());
        if homeserver_url.is_none() {
            bad(raw.homeserver.url.span(), "homeserver.url", raw.homeserver.url.get_ref(), "an http(s) URL");
        }
        let server_name = OwnedServerName::try_from(raw.homeserver.server_name.get_ref().as_str()).ok();
        if server_name.is_none() {
            bad(
                raw.homeserver.server_name.span(),
                "homeserver.server_name",
                raw.homeserver.server_name.get_ref(),
                "a Matrix server name such as example.org",
            );
        }
        let listen = raw.appservice.listen.get_ref().parse::<SocketAddr>().ok();
        if listen.is_none() {
            bad(
                raw.appservice.listen.span(),
                "appservice.listen",
                raw.appservice.listen.get_ref(),
                "an address such as 127.0.0.1:9009",
            );
        }
        if Url::parse(raw.appservice.url.get_ref()).is_err() {
            bad(
                raw.appservice.url.span(),
                "appservice.url",
                raw.appservice.url.get_ref(),
                "an http(s) URL the homeserver can reach",
            );
        }
        let localpart_ok = |s: &str| {
            !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._=-/".contains(c))
        };
        if !localpart_ok(raw.appservice.bot_localpart.get_ref()) {
            bad(
                raw.appservice.bot_localpart.span(),
                "appservice.bot_localpart",
                raw.appservice.bot_localpart.get_ref(),
                "a user localpart (a-z, 0-9, ._=-/)",
            );
        }
        if !localpart_ok(raw.appservice.alias_prefix.get_ref()) {
            bad(
                raw.appservice.alias_prefix.span(),
                "appservice.alias_prefix",
                raw.appservice.alias_prefix.get_ref(),
                "an alias prefix (a-z, 0-9, ._=-/)",
            );
        }
        let mut admins = Vec::new();
        for admin in raw.admins.unwrap_or_default() {
            match UserId::parse(admin.get_ref().as_str()) {
                Ok(id) => admins.push(id),
                Err(_) => bad(admin.span(), "admins", admin.get_ref(), "a Matrix user ID such as @alice:example.org"),
            }
        }
        let referrals = {
            let r = raw.referrals.unwrap_or_default();
            let mut rule = crate::referral::rule::Rule::default();
            let mut duration = |field: &str, value: Option<Spanned<String>>, target: &mut u64| {
                if let Some(v) = value {
                    match crate::duration::parse(v.get_ref()) {
                        Some(ms) => *target = ms,
                        None => bad(v.span(), field, v.get_ref(), "a duration such as 30m, 24h, 14d (at most 366d)"),
                    }
                }
            };
            duration("referrals.min_discussion", r.min_discussion, &mut rule.min_discussion_ms);
            duration("referrals.expiry", r.expiry, &mut rule.expiry_ms);
            duration("referrals.probation", r.probation, &mut rule.probation_ms);
            duration("referrals.quota_window", r.quota_window, &mut rule.quota_window_ms);
            duration("referrals.agree_within", r.agree_within, &mut rule.agree_within_ms);
            let mut timeout_ms = 10_000;
            duration("referrals.evidence_timeout", r.evidence_timeout, &mut timeout_ms);
            rule.vouches = r.vouches.unwrap_or(rule.vouches);
            rule.quota = r.quota.unwrap_or(rule.quota);
            rule.reagree_on_change = r.reagree_on_change.unwrap_or(rule.reagree_on_change);
            ReferralConfig {
                rule,
                rules_file: r.rules.map(|f| base.join(f)),
                evidence: crate::fetch::Limits {
                    timeout: std::time::Duration::from_millis(timeout_ms),
                    allow_private: r.evidence_allow_private.unwrap_or(false),
                    ..Default::default()
                },
            }
        };
        let tickets = {
            let t = raw.tickets.unwrap_or_default();
            let mut settings = crate::tickets::Settings::default();
            if let Some(n) = t.confirmations {
                settings.confirmations = n.max(1);
            }
            if let Some(w) = t.ack_within {
                match crate::duration::parse(w.get_ref()) {
                    Some(ms) => settings.ack_within_ms = ms,
                    None => bad(w.span(), "tickets.ack_within", w.get_ref(), "a duration such as 48h or 2d"),
                }
            }
            settings
        };
        let encryption = {
            let mut e = EncryptionConfig::default();
            if let Some(d) = raw.encryption.and_then(|e| e.decrypt_from) {
                e.decrypt_from = match d.get_ref().as_str() {
                    "cross-signed-or-legacy" => DecryptFrom::CrossSignedOrLegacy,
                    "cross-signed" => DecryptFrom::CrossSigned,
                    "any" => DecryptFrom::Any,
                    other => {
                        bad(
                            d.span(),
                            "encryption.decrypt_from",
                            other,
                            "\"cross-signed-or-legacy\", \"cross-signed\" or \"any\"",
                        );
                        DecryptFrom::default()
                    }
                };
            }
            e
        };
        let logs = {
            let l = raw.logs.unwrap_or_default();
            let mut settings = crate::logs::Settings::default();
            for net in l.local_networks.unwrap_or_default() {
                match net.get_ref().parse::<ipnet::IpNet>() {
                    Ok(n) => settings.local.networks.push(n),
                    Err(_) => bad(
                        net.span(),
                        "logs.local_networks",
                        net.get_ref(),
                        "a network such as 203.0.113.0/24 or 2001:db8::/32",
                    ),
                }
            }
            settings.local.domains =
                l.local_domains.unwrap_or_default().into_iter().map(|d| d.to_ascii_lowercase()).collect();
            if let Some(name) = &server_name {
                settings.local.domains.push(name.as_str().to_ascii_lowercase());
            }
            if let Some(n) = l.max_bytes {
                settings.max_bytes = n;
            }
            if let Some(ttl) = l.sighting_ttl {
                match crate::duration::parse(ttl.get_ref()) {
                    Some(ms) => settings.sighting_ttl_ms = ms,
                    None => bad(
                        ttl.span(),
                        "logs.sighting_ttl",
                        ttl.get_ref(),
                        "a duration such as 30d or 90d (at most 366d)",
                    ),
                }
            }
            settings
        };
        let feeds = {
            let f = raw.feeds.unwrap_or_default();
            let mut specs = Vec::new();
            let mut add = |raw: RawFeed, line: Option<usize>, errors: &mut Vec<ConfigError>| {
                match crate::feeds::FeedSpec::from_parts(
                    &raw.url,
                    raw.name.as_deref(),
                    raw.room.as_deref(),
                    raw.every.as_deref(),
                    raw.filter,
                    raw.backfill,
                ) {
                    Ok(spec) => specs.push(spec),
                    Err(why) => errors.push(ConfigError::new(
                        path,
                        line,
                        ConfigErrorKind::BadValue { field: "feeds.feed".into(), value: raw.url.clone(), expected: why },
                    )),
                }
            };
            if f.defaults.unwrap_or(true) {
                let defaults: RawDefaultFeeds = toml::from_str(crate::feeds::DEFAULT_FEEDS).unwrap_or_default();
                for d in defaults.feed {
                    add(d, None, &mut errors);
                }
            }
            for feed in f.feed.unwrap_or_default() {
                let line = index.line_of(feed.span());
                add(feed.into_inner(), Some(line), &mut errors);
            }
            let mut watch = crate::feeds::watch::Watch::default();
            if let Some(p) = f.watch_products {
                watch.products = p;
            }
            if let Some(k) = f.watch_keywords {
                watch.keywords = k;
            }
            watch.cpe = f.watch_cpe.unwrap_or_default();
            watch.exclude = f.exclude.unwrap_or_default();
            FeedsConfig {
                feeds: specs,
                matcher: crate::feeds::watch::Matcher::new(&watch),
                watch,
                min_cvss_vuln_info: f.min_cvss_vuln_info,
                min_cvss_news: f.min_cvss_news,
                limits: crate::fetch::Limits {
                    max_body: 5 * 1024 * 1024,
                    allow_private: f.allow_private.unwrap_or(false),
                    ..Default::default()
                },
            }
        };
        let prefix = raw.command_prefix.unwrap_or_else(|| "!".into());
        let room_version = raw.room_version.unwrap_or_else(|| "12".into());
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        let (Some(homeserver_url), Some(server_name), Some(listen)) = (homeserver_url, server_name, listen) else {
            return Err(ConfigErrors(errors));
        };
        Ok(Config {
            path: path.to_path_buf(),
            locale,
            command_prefix: prefix,
            data_dir: base.join(raw.data_dir.unwrap_or_else(|| "data".into())),
            rooms: raw.rooms.map(|r| base.join(r)),
            admins,
            homeserver_url,
            server_name,
            appservice: AppserviceConfig {
                id: raw.appservice.id.unwrap_or_else(|| "fedisec".into()),
                registration: base.join(raw.appservice.registration.unwrap_or_else(|| "registration.yaml".into())),
                listen,
                url: raw.appservice.url.into_inner(),
                bot_localpart: raw.appservice.bot_localpart.into_inner(),
                alias_prefix: raw.appservice.alias_prefix.into_inner(),
            },
            display_name: raw.display_name.unwrap_or_else(|| "fedisec".into()),
            room_version,
            referrals,
            feeds,
            logs,
            tickets,
            encryption,
        })
    }
}

/// Everything `fedisec run` needs, checked together.
#[derive(Debug, Clone)]
pub struct Setup {
    pub config: Config,
    pub registration: Registration,
    pub layout: Layout,
    /// The community rules candidates accept.
    pub rules: crate::referral::rules_doc::Rules,
}

impl Setup {
    /// Loads config, registration and layout, collecting every problem.
    pub fn load(path: &Path) -> Result<Setup, ConfigErrors> {
        let config = Config::load(path)?;
        let mut errors = Vec::new();
        let wanted = config.wanted_registration();
        let registration = match Registration::load(&config.appservice.registration) {
            Ok(reg) => {
                for kind in reg.mismatches(&wanted) {
                    errors.push(ConfigError::new(&config.appservice.registration, None, kind));
                }
                Some(reg)
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let alias_regexes = match &registration {
            Some(reg) => reg.namespaces.aliases.iter().map(|n| n.regex.clone()).collect(),
            None => vec![wanted.alias_regex.clone()],
        };
        let namespace = AliasNamespace::new(&alias_regexes, config.server_name.as_str());
        let layout = config.load_layout(&namespace).map_err(|mut e| errors.append(&mut e)).ok();
        let rules = match &config.referrals.rules_file {
            None => Some(crate::referral::rules_doc::Rules::new(crate::referral::rules_doc::DEFAULT_RULES)),
            Some(path) => {
                read_file(path).map_err(|e| errors.push(e)).ok().map(|t| crate::referral::rules_doc::Rules::new(&t))
            }
        };
        match (registration, layout, rules) {
            (Some(registration), Some(layout), Some(rules)) if errors.is_empty() => {
                Ok(Setup { config, registration, layout, rules })
            }
            _ => Err(ConfigErrors(errors)),
        }
    }
}

impl Config {
    fn load_layout(&self, namespace: &AliasNamespace) -> Result<Layout, Vec<ConfigError>> {
        let (file, text) = match &self.rooms {
            Some(path) => (path.clone(), read_file(path).map_err(|e| vec![e])?),
            None => (PathBuf::from("<built-in rooms.toml>"), DEFAULT_LAYOUT.to_string()),
        };
        Layout::parse(
            &file,
            &text,
            &self.appservice.alias_prefix,
            &|alias| namespace.contains(alias),
            &namespace.description,
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    locale: Option<Spanned<String>>,
    command_prefix: Option<String>,
    data_dir: Option<String>,
    rooms: Option<String>,
    admins: Option<Vec<Spanned<String>>>,
    display_name: Option<String>,
    room_version: Option<String>,
    homeserver: RawHomeserver,
    appservice: RawAppservice,
    referrals: Option<RawReferrals>,
    feeds: Option<RawFeeds>,
    logs: Option<RawLogs>,
    tickets: Option<RawTickets>,
    encryption: Option<RawEncryption>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEncryption {
    decrypt_from: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTickets {
    confirmations: Option<usize>,
    ack_within: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLogs {
    local_networks: Option<Vec<Spanned<String>>>,
    local_domains: Option<Vec<String>>,
    max_bytes: Option<usize>,
    sighting_ttl: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFeeds {
    defaults: Option<bool>,
    allow_private: Option<bool>,
    min_cvss_vuln_info: Option<f32>,
    min_cvss_news: Option<f32>,
    watch_products: Option<Vec<String>>,
    watch_keywords: Option<Vec<String>>,
    watch_cpe: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    feed: Option<Vec<Spanned<RawFeed>>>,
}

#[derive(Deserialize, Default)]
struct RawDefaultFeeds {
    feed: Vec<RawFeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    url: String,
    name: Option<String>,
    room: Option<String>,
    every: Option<String>,
    filter: Option<bool>,
    backfill: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawReferrals {
    vouches: Option<usize>,
    min_discussion: Option<Spanned<String>>,
    expiry: Option<Spanned<String>>,
    probation: Option<Spanned<String>>,
    quota: Option<usize>,
    quota_window: Option<Spanned<String>>,
    agree_within: Option<Spanned<String>>,
    rules: Option<String>,
    reagree_on_change: Option<bool>,
    evidence_timeout: Option<Spanned<String>>,
    evidence_allow_private: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHomeserver {
    url: Spanned<String>,
    server_name: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAppservice {
    id: Option<String>,
    registration: Option<String>,
    listen: Spanned<String>,
    url: Spanned<String>,
    bot_localpart: Spanned<String>,
    alias_prefix: Spanned<String>,
}

/// A commented example config, written by `fedisec init` and used by the local setup.
pub fn example_config(homeserver_url: &str, server_name: &str, listen: &str, admins: &[String]) -> String {
    let admins = admins.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ");
    format!(
        r#"# fedisec configuration. Relative paths are relative to this file.

# Language of messages to people: "ja" (default) or "en".
locale = "ja"
# Where community state (sled), the Matrix session and the E2EE stores live.
data_dir = "data"
# The channel layout. Remove this line to use the built-in layout.
rooms = "rooms.toml"
# Matrix IDs with moderator power everywhere in the Space; invited at start.
admins = [{admins}]
# Name the bot shows in rooms.
display_name = "fedisec"
# Room version for new rooms (restricted joins need 8 or later).
room_version = "12"

[homeserver]
# Client-server API base URL of the homeserver.
url = "{homeserver_url}"
# The homeserver's server name (the part after ':' in user IDs).
server_name = "{server_name}"

[appservice]
# Registration id; must match registration.yaml.
id = "fedisec"
# Written by `fedisec registration`; the tokens are read from it.
registration = "registration.yaml"
# Address the appservice API listens on.
listen = "{listen}"
# URL the homeserver uses to reach that address.
url = "http://{listen}"
# The bot's user: @<bot_localpart>:<server_name>.
bot_localpart = "fedisec"
# Room aliases of the community: #<alias_prefix><key>:<server_name>.
alias_prefix = "fedisec_"

[referrals]
# Vouches needed from members other than the referrer.
vouches = 2
# Shortest discussion before a referral is accepted, and when it expires.
min_discussion = "24h"
expiry = "14d"
# Members admitted less than this long ago cannot refer yet.
probation = "30d"
# Referrals per member per window.
quota = 3
quota_window = "30d"
# An accepted candidate must agree to the rules within this time.
agree_within = "7d"
# The rules candidates accept (Markdown). Remove the line for the built-in rules.
rules = "rules.md"
# Ask members to agree again when the rules file changes.
reagree_on_change = true
# Evidence lookups (NodeInfo) give up after this long.
evidence_timeout = "10s"

[feeds]
# Poll the feeds fedisec ships with (JVN, JVNDB, releases of Mastodon, Misskey,
# Synapse, GoToSocial, Akkoma, JPCERT/CC and security news).
defaults = true
# Items below this CVSS score are not posted (items without a score are).
min_cvss_vuln_info = 0.0
# Words that keep an item out even when it matches the watch list.
exclude = []
# The watch list defaults to the community's stack; set watch_products,
# watch_keywords or watch_cpe ("vendor" or "vendor:product") to replace it.
# More feeds:
# [[feeds.feed]]
# name = "Example"
# url = "https://example.org/feed.xml"
# room = "news"        # or "vuln-info"
# every = "1h"

[logs]
# The operator's own networks and domains: `!log sanitize` pseudonymises the
# addresses in them and the handles on them. Private and loopback ranges and
# homeserver.server_name are always included.
local_networks = []
local_domains = []
# The largest log accepted, in bytes after gunzip.
max_bytes = 16777216
# How long a sighting (a keyed hash of a hostile address) is kept.
sighting_ttl = "90d"

[tickets]
# Members besides the opener whose !confirm publishes a ticket (a moderator's
# !confirm publishes at once).
confirmations = 2
# A ticket nobody takes or moves on within this time pings the moderators once.
ack_within = "48h"

[encryption]
# Whose messages the bot decrypts in encrypted rooms. "cross-signed-or-legacy"
# (default) is what Element does: devices their owner has cross-signed.
# "cross-signed" is stricter; "any" also reads devices nobody vouched for.
# Room keys always go only to cross-signed devices, as Element sends them.
decrypt_from = "cross-signed-or-legacy"
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn example_config_loads_with_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let text = example_config("http://127.0.0.1:8008", "localhost", "127.0.0.1:9009", &["@admin:localhost".into()]);
        let path = write(dir.path(), "config.toml", &text);
        let c = Config::load(&path).unwrap();
        assert_eq!(c.locale, Locale::Ja);
        assert_eq!(c.bot_user_id().as_str(), "@fedisec:localhost");
        assert_eq!(c.data_dir, dir.path().join("data"));
        assert_eq!(c.rooms, Some(dir.path().join("rooms.toml")));
        assert_eq!(c.admins.len(), 1);
    }

    #[test]
    fn every_bad_value_is_listed_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let text = example_config("not a url", "localhost", "nowhere", &["alice".into()]).replace("\"ja\"", "\"fr\"");
        let path = write(dir.path(), "config.toml", &text);
        let errors = Config::load(&path).unwrap_err().0;
        let fields: Vec<_> = errors
            .iter()
            .map(|e| match &e.kind {
                ConfigErrorKind::BadValue { field, .. } => (field.clone(), e.line.is_some()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            fields,
            [("locale", true), ("homeserver.url", true), ("appservice.listen", true), ("admins", true)]
                .map(|(f, l)| (f.to_string(), l))
        );
        let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        assert_eq!(errors[0].line, Some(line_of("locale = \"fr\"")));
        assert_eq!(errors[3].line, Some(line_of("admins = [")));
    }

    #[test]
    fn setup_reports_missing_registration_and_rooms_together() {
        let dir = tempfile::tempdir().unwrap();
        let text = example_config("http://127.0.0.1:8008", "localhost", "127.0.0.1:9009", &[]);
        let path = write(dir.path(), "config.toml", &text);
        let errors = Setup::load(&path).unwrap_err().0;
        let files: Vec<_> = errors.iter().map(|e| (e.file.file_name().unwrap().to_owned(), e.kind.clone())).collect();
        assert_eq!(
            files,
            vec![
                ("registration.yaml".into(), ConfigErrorKind::Missing),
                ("rooms.toml".into(), ConfigErrorKind::Missing),
                ("rules.md".into(), ConfigErrorKind::Missing)
            ]
        );
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Any config text is loaded or reported; values of the right type but
        /// any content go through validation without a panic.
        #[test]
        fn arbitrary_config(text in "\\PC{0,300}", url in "\\PC{0,40}", listen in "\\PC{0,30}", admin in "\\PC{0,30}") {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("config.toml");
            std::fs::write(&path, &text).unwrap();
            let _ = Config::load(&path);
            let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
            let templated = example_config(&esc(&url), &esc(&url), &esc(&listen), &[esc(&admin)]);
            std::fs::write(&path, templated).unwrap();
            let _ = Config::load(&path);
        }
    }
}

#[cfg(test)]
mod feed_config_tests {
    use super::*;

    #[test]
    fn shipped_feeds_load_and_bad_feeds_are_reported_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let text = example_config("http://127.0.0.1:8008", "localhost", "127.0.0.1:9009", &[]);
        let path = dir.path().join("config.toml");
        std::fs::write(&path, &text).unwrap();
        let c = Config::load(&path).unwrap();
        assert!(c.feeds.feeds.len() >= 10, "{}", c.feeds.feeds.len());
        assert!(c.feeds.feeds.iter().any(|f| f.url == "https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf"));
        let bad = text.replace("defaults = true", "defaults = false") + "\n[[feeds.feed]]\nurl = \"ftp://x\"\n";
        std::fs::write(&path, &bad).unwrap();
        let errors = Config::load(&path).unwrap_err().0;
        assert!(
            matches!(&errors[0].kind, ConfigErrorKind::BadValue { field, .. } if field == "feeds.feed"),
            "{errors:?}"
        );
        assert!(errors[0].line.is_some());
    }
}
