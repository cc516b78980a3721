//! Referrals, admissions and rules agreements as kept in sled.
//!
//! One referral is one record, so every change to it (a vouch, an objection,
//! a decision) is a single atomic write; admitting a candidate changes the
//! referral, the admission record and the rules agreement together in one
//! sled transaction, so a crash leaves either all of them or none.

use crate::store::{Store, StoreError, Text, Tree};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Collecting vouches.
    Open,
    /// Accepted: the candidate is invited to the welcome room and must agree.
    Approved,
    Rejected,
    /// Not decided before its expiry.
    Expired,
    /// The candidate agreed to the rules and was invited into the Space.
    Admitted,
    /// Approved, but the candidate did not agree in time.
    Lapsed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vouch {
    pub voter: String,
    pub at_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    pub by: String,
    pub at_ms: u64,
    pub reason: Text,
    /// Settled by a moderator's decision.
    pub resolved: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub number: u64,
    pub candidate: String,
    pub referrer: String,
    pub evidence_url: String,
    pub reason: String,
    pub created_ms: u64,
    /// The `!refer` event, so the same command never opens two referrals.
    pub cause: String,
    pub attested: bool,
    pub vouches: Vec<Vouch>,
    pub objections: Vec<Objection>,
    pub state: State,
    pub decided_ms: Option<u64>,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    /// For approved referrals: when the invitation lapses.
    pub agree_by_ms: Option<u64>,
    /// What the evidence lookup found, as shown on the card.
    pub evidence: Option<String>,
}

impl Referral {
    pub fn new(n: u64, candidate: &str, referrer: &str, url: &str, reason: &str, now_ms: u64, cause: &str) -> Referral {
        Referral {
            number: n,
            candidate: candidate.into(),
            referrer: referrer.into(),
            evidence_url: url.into(),
            reason: reason.into(),
            created_ms: now_ms,
            cause: cause.into(),
            attested: false,
            vouches: Vec::new(),
            objections: Vec::new(),
            state: State::Open,
            decided_ms: None,
            decided_by: None,
            decision_reason: None,
            agree_by_ms: None,
            evidence: None,
        }
    }

    /// Open or approved: the candidate is still in the process.
    pub fn in_progress(&self) -> bool {
        matches!(self.state, State::Open | State::Approved)
    }
}

/// How a member came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Admission {
    pub user: String,
    pub referral: u64,
    pub referrer: String,
    pub vouchers: Vec<String>,
    pub admitted_ms: u64,
}

/// Which version of the rules someone accepted, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub user: String,
    pub version: String,
    pub at_ms: u64,
}

pub struct Referrals {
    referrals: Tree<Referral>,
    admissions: Tree<Admission>,
    agreements: Tree<Agreement>,
}

fn key(n: u64) -> String {
    format!("{n:012}")
}

impl Referrals {
    pub fn open(store: &Store) -> Result<Referrals, StoreError> {
        Ok(Referrals {
            referrals: store.tree("referrals")?,
            admissions: store.tree("admissions")?,
            agreements: store.tree("rules_agreements")?,
        })
    }

    pub fn get(&self, n: u64) -> Result<Option<Referral>, StoreError> {
        self.referrals.get(&key(n))
    }

    pub fn put(&self, r: &Referral) -> Result<(), StoreError> {
        self.referrals.insert(&key(r.number), r)
    }

    /// Every referral, oldest first.
    pub fn all(&self) -> Result<Vec<Referral>, StoreError> {
        Ok(self.referrals.entries()?.into_iter().map(|(_, r)| r).collect())
    }

    /// The referral of `candidate` still in progress, if any.
    pub fn in_progress_for(&self, candidate: &str) -> Result<Option<Referral>, StoreError> {
        Ok(self.all()?.into_iter().find(|r| r.candidate == candidate && r.in_progress()))
    }

    pub fn by_cause(&self, cause: &str) -> Result<Option<Referral>, StoreError> {
        Ok(self.all()?.into_iter().find(|r| r.cause == cause))
    }

    /// Referrals opened by `referrer`.
    pub fn by_referrer(&self, referrer: &str) -> Result<Vec<Referral>, StoreError> {
        Ok(self.all()?.into_iter().filter(|r| r.referrer == referrer).collect())
    }

    pub fn admission(&self, user: &str) -> Result<Option<Admission>, StoreError> {
        self.admissions.get(user)
    }

    pub fn agreement(&self, user: &str) -> Result<Option<Agreement>, StoreError> {
        self.agreements.get(user)
    }

    pub fn record_agreement(&self, a: &Agreement) -> Result<(), StoreError> {
        self.agreements.insert(&a.user, a)
    }

    /// Admits a candidate: the referral, the admission and the agreement
    /// (committed together with the unit of the event that admitted them).
    pub fn admit(&self, r: &Referral, admission: &Admission, agreement: &Agreement) -> Result<(), StoreError> {
        self.referrals.insert(&key(r.number), r)?;
        self.admissions.insert(&admission.user, admission)?;
        self.agreements.insert(&agreement.user, agreement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admission_writes_all_three_records_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            let refs = Referrals::open(&store).unwrap();
            let mut r = Referral::new(1, "@c:x", "@r:x", "https://m", "why", 5, "$e");
            refs.put(&r).unwrap();
            assert_eq!(refs.in_progress_for("@c:x").unwrap().map(|r| r.number), Some(1));
            r.state = State::Admitted;
            let adm = Admission {
                user: "@c:x".into(),
                referral: 1,
                referrer: "@r:x".into(),
                vouchers: vec![],
                admitted_ms: 9,
            };
            let agr = Agreement { user: "@c:x".into(), version: "abc".into(), at_ms: 9 };
            refs.admit(&r, &adm, &agr).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let refs = Referrals::open(&store).unwrap();
        assert_eq!(refs.get(1).unwrap().unwrap().state, State::Admitted);
        assert_eq!(refs.admission("@c:x").unwrap().unwrap().referrer, "@r:x");
        assert_eq!(refs.agreement("@c:x").unwrap().unwrap().version, "abc");
        assert!(refs.in_progress_for("@c:x").unwrap().is_none());
        assert_eq!(refs.by_cause("$e").unwrap().unwrap().number, 1);
    }
}
