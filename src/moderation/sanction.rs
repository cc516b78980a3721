//! Sanctions: what moderators did to whom, for how long, and how it is
//! carried out across every room of the Space.
//!
//! A sanction's key is derived from the command event that caused it, so
//! recording it again after a crash overwrites the same entry instead of
//! adding a second one. Timed sanctions have a deadline entry keyed by due
//! time; the scheduler reads deadlines from sled, so expiry survives restarts.

use crate::effects::{Effect, MemberAction, Provenance, txn_id};
use crate::space::directory::Directory;
use crate::store::{Store, StoreError, Tree};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Warn,
    Mute,
    Kick,
    Ban,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Warn => "warn",
            Kind::Mute => "mute",
            Kind::Kick => "kick",
            Kind::Ban => "ban",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifted {
    pub at_ms: u64,
    /// The moderator, or the bot when it expired.
    pub by: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sanction {
    pub key: String,
    pub kind: Kind,
    pub user: String,
    pub by: String,
    pub reason: String,
    pub at_ms: u64,
    pub until_ms: Option<u64>,
    pub lifted: Option<Lifted>,
    pub cases: Vec<u64>,
}

impl Sanction {
    pub fn is_active(&self) -> bool {
        self.lifted.is_none() && matches!(self.kind, Kind::Mute | Kind::Ban)
    }
}

pub struct Sanctions {
    records: Tree<Sanction>,
    /// `<due ms, zero-padded>:<sanction key>` → sanction key.
    deadlines: Tree<String>,
}

/// The key of the sanction a command event causes.
pub fn key_for(cause: &str) -> String {
    txn_id(cause, "sanction").trim_start_matches("fedisec.").to_string()
}

fn deadline_key(due_ms: u64, key: &str) -> String {
    format!("{due_ms:020}:{key}")
}

impl Sanctions {
    pub fn open(store: &Store) -> Result<Sanctions, StoreError> {
        Ok(Sanctions { records: store.tree("sanctions")?, deadlines: store.tree("sanction_deadlines")? })
    }

    /// Records a sanction (again, harmlessly, if its command is handled
    /// again) with its deadline. Returns the sanction as stored.
    pub fn record(&self, sanction: Sanction) -> Result<Sanction, StoreError> {
        if let Some(existing) = self.records.get(&sanction.key)? {
            return Ok(existing);
        }
        if let Some(due) = sanction.until_ms {
            self.deadlines.insert(&deadline_key(due, &sanction.key), &sanction.key)?;
        }
        self.records.insert(&sanction.key, &sanction)?;
        Ok(sanction)
    }

    pub fn get(&self, key: &str) -> Result<Option<Sanction>, StoreError> {
        self.records.get(key)
    }

    /// Every sanction, oldest first.
    pub fn all(&self) -> Result<Vec<Sanction>, StoreError> {
        let mut all: Vec<Sanction> = self.records.entries()?.into_iter().map(|(_, s)| s).collect();
        all.sort_by_key(|s| s.at_ms);
        Ok(all)
    }

    /// The user's mutes or bans that are in force.
    pub fn active(&self, user: &str, kind: Kind) -> Result<Vec<Sanction>, StoreError> {
        Ok(self.all()?.into_iter().filter(|s| s.user == user && s.kind == kind && s.is_active()).collect())
    }

    /// Marks a sanction lifted and drops its deadline. Lifting twice keeps
    /// the first record.
    pub fn lift(&self, key: &str, lifted: Lifted) -> Result<(), StoreError> {
        let Some(mut s) = self.records.get(key)? else {
            return Ok(());
        };
        if let Some(due) = s.until_ms {
            self.deadlines.remove(&deadline_key(due, key))?;
        }
        if s.lifted.is_none() {
            s.lifted = Some(lifted);
            self.records.insert(key, &s)?;
        }
        Ok(())
    }

    /// Sanctions whose time is up at `now_ms`, still in force.
    pub fn due(&self, now_ms: u64) -> Result<Vec<Sanction>, StoreError> {
        let mut out = Vec::new();
        for (k, key) in self.deadlines.entries()? {
            let due: u64 = k.split(':').next().and_then(|d| d.parse().ok()).unwrap_or(0);
            if due > now_ms {
                break;
            }
            match self.records.get(&key)? {
                Some(s) if s.lifted.is_none() => out.push(s),
                // Lifted by hand before its time: the deadline is stale.
                _ => self.deadlines.remove(&k)?,
            }
        }
        Ok(out)
    }

    /// The earliest deadline, for the scheduler's next wake-up.
    pub fn next_due(&self) -> Result<Option<u64>, StoreError> {
        Ok(self.deadlines.entries()?.first().and_then(|(k, _)| k.split(':').next()?.parse().ok()))
    }
}

/// The effects that put a sanction in force, or lift it, in every room of the
/// Space, plus the ban's entry in the policy room.
pub fn enforce(
    kind: Kind,
    lift: bool,
    user: &str,
    reason: &str,
    dir: &Directory,
    provenance: &Provenance,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    let rooms: Vec<&str> = dir.all_rooms().collect();
    for room in rooms {
        let effect = match (kind, lift) {
            (Kind::Mute, muted) => Effect::Voice { room_id: room.into(), user: user.into(), muted: !muted },
            (Kind::Kick, false) => member(room, user, MemberAction::Kick, reason, provenance),
            (Kind::Ban, false) => member(room, user, MemberAction::Ban, reason, provenance),
            (Kind::Ban, true) => member(room, user, MemberAction::Unban, reason, provenance),
            (Kind::Warn, _) | (Kind::Kick, true) => continue,
        };
        effects.push(effect);
    }
    if kind == Kind::Ban
        && let Some(policy) = dir.room_for(crate::config::purpose::Purpose::Policy)
    {
        effects.push(Effect::PolicyRule {
            room_id: policy.into(),
            entity: user.into(),
            reason: reason.into(),
            active: !lift,
            provenance: provenance.clone(),
        });
    }
    effects
}

fn member(room: &str, user: &str, action: MemberAction, reason: &str, provenance: &Provenance) -> Effect {
    Effect::Membership {
        room_id: room.into(),
        user: user.into(),
        action,
        reason: (!reason.is_empty()).then(|| reason.to_string()),
        provenance: provenance.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::purpose::Purpose;

    fn sanction(cause: &str, kind: Kind, until: Option<u64>) -> Sanction {
        Sanction {
            key: key_for(cause),
            kind,
            user: "@u:x".into(),
            by: "@m:x".into(),
            reason: "spam".into(),
            at_ms: 10,
            until_ms: until,
            lifted: None,
            cases: vec![],
        }
    }

    #[test]
    fn recording_twice_keeps_one_and_deadlines_come_due_in_order() {
        let store = Store::temporary().unwrap();
        let s = Sanctions::open(&store).unwrap();
        s.record(sanction("$a", Kind::Mute, Some(2000))).unwrap();
        s.record(sanction("$a", Kind::Mute, Some(2000))).unwrap();
        s.record(sanction("$b", Kind::Ban, Some(1000))).unwrap();
        s.record(sanction("$c", Kind::Ban, None)).unwrap();
        assert_eq!(s.all().unwrap().len(), 3);
        assert_eq!(s.next_due().unwrap(), Some(1000));
        assert!(s.due(999).unwrap().is_empty());
        let due: Vec<Kind> = s.due(5000).unwrap().into_iter().map(|x| x.kind).collect();
        assert_eq!(due, vec![Kind::Ban, Kind::Mute]);
        s.lift(&key_for("$b"), Lifted { at_ms: 1000, by: "@bot:x".into(), reason: None }).unwrap();
        assert_eq!(s.due(5000).unwrap().len(), 1);
        assert_eq!(s.active("@u:x", Kind::Ban).unwrap().len(), 1, "the permanent ban is still active");
    }

    #[test]
    fn a_deadline_survives_reopening_the_store() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            Sanctions::open(&store).unwrap().record(sanction("$a", Kind::Mute, Some(2000))).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(Sanctions::open(&store).unwrap().due(3000).unwrap().len(), 1);
    }

    #[test]
    fn bans_reach_every_room_and_the_policy_room() {
        let dir = Directory::from_rooms(
            "!space:x",
            &[("!mods:x", Purpose::Moderators, false), ("!pol:x", Purpose::Policy, false)],
        );
        let p = Provenance::clear("!mods:x");
        let effects = enforce(Kind::Ban, false, "@u:x", "spam", &dir, &p);
        let bans = effects.iter().filter(|e| matches!(e, Effect::Membership { action: MemberAction::Ban, .. })).count();
        assert_eq!(bans, 3);
        assert!(effects.iter().any(|e| matches!(e, Effect::PolicyRule { active: true, .. })));
        let lift = enforce(Kind::Ban, true, "@u:x", "", &dir, &p);
        assert!(lift.iter().any(|e| matches!(e, Effect::PolicyRule { active: false, .. })));
        assert_eq!(enforce(Kind::Mute, false, "@u:x", "x", &dir, &p).len(), 3);
        assert!(enforce(Kind::Warn, false, "@u:x", "x", &dir, &p).is_empty());
    }
}
