//! Timed sanctions coming to an end.
//!
//! The edge asks for what is due at "now" (its clock, which tests can move),
//! carries out the effects, then calls `finish`. Deadlines live in sled, so a
//! mute that ran out while the bot was down is lifted as soon as it starts;
//! a crash between the effects and `finish` repeats idempotent effects.

use super::messages;
use super::record::{Record, Recorder};
use super::sanction::{self, Kind, Lifted, Sanctions};
use crate::effects::{Effect, Provenance, txn_id};
use crate::store::StoreError;

/// A sanction whose time is up, and what lifting it takes.
#[derive(Debug)]
pub struct Expiry {
    pub key: String,
    pub effects: Vec<Effect>,
}

pub fn due(rec: &Recorder<'_>, bot: &str) -> Result<Vec<Expiry>, StoreError> {
    let mut out = Vec::new();
    for s in Sanctions::open(rec.store)?.due(rec.now_ms)? {
        let cause = format!("expire:{}", s.key);
        let provenance = Provenance::clear(rec.dir.space_id());
        let mut effects = sanction::enforce(s.kind, true, &s.user, "", rec.dir, &provenance);
        if s.kind == Kind::Mute {
            effects.push(Effect::Direct {
                user: s.user.clone(),
                reply: messages::unmute_dm(rec.locale),
                provenance,
                txn_id: txn_id(&cause, "dm"),
            });
        }
        let action = format!("sanction.expire.{}", s.kind.as_str());
        effects.extend(rec.record(
            &cause,
            "expire",
            Record {
                actor: bot,
                action: &action,
                target: Some(s.user.clone()),
                reason: None,
                case: s.cases.first().copied(),
            },
            true,
        )?);
        out.push(Expiry { key: s.key, effects });
    }
    Ok(out)
}

/// Marks an expired sanction lifted, once its effects were carried out.
pub fn finish(rec: &Recorder<'_>, key: &str, bot: &str) -> Result<(), StoreError> {
    Sanctions::open(rec.store)?.lift(key, Lifted { at_ms: rec.now_ms, by: bot.to_string(), reason: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::purpose::Purpose;
    use crate::i18n::Locale;
    use crate::moderation::sanction::Sanction;
    use crate::space::directory::Directory;
    use crate::store::Store;

    #[test]
    fn a_mute_expires_once_with_unmute_everywhere_and_a_record() {
        let store = Store::temporary().unwrap();
        let dir =
            Directory::from_rooms("!s:x", &[("!mods:x", Purpose::Moderators, false), ("!l:x", Purpose::Lounge, false)]);
        Sanctions::open(&store)
            .unwrap()
            .record(Sanction {
                key: "k".into(),
                kind: Kind::Mute,
                user: "@u:x".into(),
                by: "@m:x".into(),
                reason: "r".into(),
                at_ms: 0,
                until_ms: Some(1000),
                lifted: None,
                cases: vec![4],
            })
            .unwrap();
        let early = Recorder { store: &store, dir: &dir, locale: Locale::Ja, now_ms: 999 };
        assert!(due(&early, "@bot:x").unwrap().is_empty());
        let rec = Recorder { store: &store, dir: &dir, locale: Locale::Ja, now_ms: 1000 };
        let d = due(&rec, "@bot:x").unwrap();
        assert_eq!(d.len(), 1);
        let unmutes = d[0].effects.iter().filter(|e| matches!(e, Effect::Voice { muted: false, .. })).count();
        assert_eq!(unmutes, 3);
        assert!(d[0].effects.iter().any(|e| matches!(e, Effect::Direct { .. })));
        assert!(d[0].effects.iter().any(|e| matches!(e, Effect::Notice { room_id, .. } if room_id == "!mods:x")));
        // Handled again before `finish` (a crash): same effects, one audit entry.
        assert_eq!(due(&rec, "@bot:x").unwrap().len(), 1);
        finish(&rec, "k", "@bot:x").unwrap();
        assert!(due(&rec, "@bot:x").unwrap().is_empty());
        let entries = store.audit.entries().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].action, "sanction.expire.mute");
        assert_eq!(entries[0].case, Some(4));
    }
}
