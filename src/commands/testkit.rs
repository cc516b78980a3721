//! A community in memory for unit tests of command handlers: a temporary
//! store, a layout, a room directory, and invocations built from them.

use super::{Context, Lookups, Services, dispatch::Dispatched};
use crate::config::layout::{DEFAULT_LAYOUT, Layout};
use crate::config::purpose::Purpose;
use crate::i18n::Locale;
use crate::roles::Role;
use crate::service::Request;
use crate::space::directory::Directory;
use crate::store::{Sealer, Store};
use std::path::Path;

/// The bot's own user ID in the kit.
pub const BOT: &str = "@bot:x";
pub const MODS: &str = "!mods:x";
pub const LOUNGE: &str = "!lounge:x";
pub const LOG: &str = "!log:x";
pub const POLICY: &str = "!policy:x";
pub const NEWS: &str = "!ann:x";
pub const REFS: &str = "!refs:x";
pub const WELCOME: &str = "!welcome:x";
pub const VCONSULT: &str = "!vconsult:x";
pub const VINFO: &str = "!vinfo:x";
pub const ICONSULT: &str = "!iconsult:x";
pub const ALERTS: &str = "!alerts:x";

pub struct Kit {
    pub store: Store,
    pub sealer: Sealer,
    pub layout: Layout,
    pub directory: Directory,
    pub locale: Locale,
    pub now_ms: u64,
    pub referrals: crate::config::ReferralConfig,
    pub rules: crate::referral::rules_doc::Rules,
    pub logs: crate::logs::Settings,
    pub keyed: crate::store::Keyed,
    pub tickets: crate::tickets::Settings,
}

/// One message to dispatch.
pub struct Msg<'a> {
    pub sender: &'a str,
    pub role: Role,
    pub room: &'a str,
    pub event: &'a str,
    pub body: &'a str,
    pub reply_to: Option<&'a str>,
    pub lookups: Lookups,
}

impl<'a> Msg<'a> {
    pub fn new(sender: &'a str, role: Role, room: &'a str, event: &'a str, body: &'a str) -> Msg<'a> {
        Msg { sender, role, room, event, body, reply_to: None, lookups: Lookups::default() }
    }
}

impl Kit {
    pub fn new() -> Kit {
        Kit {
            store: Store::temporary().unwrap(),
            sealer: Sealer::random(),
            layout: Layout::parse(Path::new("r"), DEFAULT_LAYOUT, "f_", &|_| true, "").unwrap(),
            directory: Directory::from_rooms(
                "!space:x",
                &[
                    (MODS, Purpose::Moderators, false),
                    (LOUNGE, Purpose::Lounge, false),
                    (LOG, Purpose::LogShare, true),
                    (POLICY, Purpose::Policy, false),
                    (NEWS, Purpose::Announcements, false),
                    (REFS, Purpose::Referrals, false),
                    (WELCOME, Purpose::Welcome, false),
                    (VCONSULT, Purpose::VulnConsult, false),
                    (VINFO, Purpose::VulnInfo, false),
                    (ICONSULT, Purpose::IncidentConsult, false),
                    (ALERTS, Purpose::Alerts, false),
                ],
            ),
            locale: Locale::Ja,
            now_ms: 1_700_000_000_000,
            referrals: crate::config::ReferralConfig {
                rule: crate::referral::rule::Rule::default(),
                rules_file: None,
                evidence: crate::fetch::Limits::default(),
            },
            rules: crate::referral::rules_doc::Rules::new("rules v1"),
            logs: crate::logs::Settings::default(),
            keyed: crate::store::Keyed::from_key([9; 32]),
            tickets: crate::tickets::Settings::default(),
        }
    }

    /// The services over this kit's community.
    pub fn services(&self) -> Services<'_> {
        Services {
            layout: &self.layout,
            moderation: crate::moderation::Service {
                store: &self.store,
                sealer: &self.sealer,
                directory: &self.directory,
                bot: BOT,
            },
            referral: crate::referral::Service {
                store: &self.store,
                sealer: &self.sealer,
                directory: &self.directory,
                bot: BOT,
                settings: &self.referrals,
                rules: &self.rules,
            },
            tickets: crate::tickets::Service {
                store: &self.store,
                directory: &self.directory,
                settings: &self.tickets,
            },
            logs: crate::logs::Service {
                store: &self.store,
                sealer: &self.sealer,
                keyed: &self.keyed,
                settings: &self.logs,
            },
            feeds: crate::feeds::commands::Service { store: &self.store, directory: &self.directory },
        }
    }

    /// The request `m` makes.
    pub fn request<'a>(&self, m: &Msg<'a>) -> Request<'a> {
        Request {
            sender: m.sender,
            role: m.role,
            room_id: m.room,
            purpose: self.directory.purpose_of(m.room),
            event_id: m.event,
            encrypted: m.room == LOG || m.room.starts_with("!dm"),
            reply_to: m.reply_to,
            now_ms: self.now_ms,
            locale: self.locale,
            prefix: "!",
        }
    }

    pub fn send(&self, m: &Msg<'_>) -> Option<Dispatched> {
        let services = self.services();
        let cx = Context { req: self.request(m), services: &services, lookups: &m.lookups };
        super::dispatch(&cx, m.body)
    }
}

/// Replays, as the worker makes them.
impl Kit {
    /// Handles a message as the worker does: a unit, committed with the
    /// event's processed mark; an event already marked is not handled again.
    pub fn handle(&self, m: &Msg<'_>) -> Option<Dispatched> {
        if self.store.processed_events.contains(m.event).unwrap() {
            return None;
        }
        let (dispatched, changes) = self.store.unit(|| self.send(m));
        let ((), changes) = self.store.resume(changes, || {
            self.store.mark_processed(m.event, self.now_ms).unwrap();
        });
        self.store.commit(changes).unwrap();
        dispatched
    }

    /// The two replay rules for one message: handled again before its commit
    /// (a crash in between), it stages the same changes and effects; handled
    /// again after its commit, it does nothing and changes nothing.
    pub fn assert_replay_safe(&self, m: &Msg<'_>) -> Dispatched {
        let (first, lost) = self.store.unit(|| self.send(m));
        let first_keys = lost.keys();
        drop(lost);
        let (second, changes) = self.store.unit(|| self.send(m));
        assert_eq!(first, second, "{}: a replay before commit gives other effects", m.body);
        assert_eq!(first_keys, changes.keys(), "{}: a replay before commit stages other changes", m.body);
        let ((), changes) = self.store.resume(changes, || {
            self.store.mark_processed(m.event, self.now_ms).unwrap();
        });
        self.store.commit(changes).unwrap();
        let before = self.store.export().unwrap();
        assert_eq!(self.handle(m), None, "{}: a replay after commit must do nothing", m.body);
        assert_eq!(before, self.store.export().unwrap(), "{}: a replay after commit changed state", m.body);
        second.unwrap_or_else(|| panic!("{} is a command", m.body))
    }
}
