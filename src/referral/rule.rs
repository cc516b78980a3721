//! The decision rule: when a referral is accepted, by consensus, not vote.
//!
//! seeds/004: decisions are taken by consensus. A referral passes when the
//! referrer has attested the four membership conditions, enough members other
//! than the referrer vouch, nobody's objection is left unresolved, and the
//! community has had time to discuss. The rule is configuration, shown on
//! every card, and evaluated here without I/O.

use super::record::{Referral, State};

/// The configurable parts of the rule and of the admission process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Vouches needed from distinct members other than the referrer.
    pub vouches: usize,
    /// Shortest time between the referral and its acceptance.
    pub min_discussion_ms: u64,
    /// A referral not decided by then closes itself.
    pub expiry_ms: u64,
    /// Members admitted less than this long ago cannot refer.
    pub probation_ms: u64,
    /// Referrals a member may open per `quota_window_ms`.
    pub quota: usize,
    pub quota_window_ms: u64,
    /// An approved candidate who has not agreed to the rules by then loses
    /// the invitation.
    pub agree_within_ms: u64,
    /// Ask members to agree again when the rules file changes.
    pub reagree_on_change: bool,
}

const DAY: u64 = 24 * 3600 * 1000;

impl Default for Rule {
    fn default() -> Rule {
        Rule {
            vouches: 2,
            min_discussion_ms: DAY,
            expiry_ms: 14 * DAY,
            probation_ms: 30 * DAY,
            quota: 3,
            quota_window_ms: 30 * DAY,
            agree_within_ms: 7 * DAY,
            reagree_on_change: true,
        }
    }
}

/// Where an open referral stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Everything is met: accept it now.
    Accept,
    /// Not yet; what is missing.
    Waiting(Vec<Missing>),
    /// Past its expiry without being accepted.
    Expired,
    /// Already decided (approved, rejected, admitted, ...).
    Decided,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    Attestation,
    Vouches {
        have: usize,
        need: usize,
    },
    Objections(usize),
    /// Discussion time left, in ms.
    Time(u64),
}

pub fn decide(r: &Referral, rule: &Rule, now_ms: u64) -> Verdict {
    if r.state != State::Open {
        return Verdict::Decided;
    }
    if now_ms >= r.created_ms.saturating_add(rule.expiry_ms) {
        return Verdict::Expired;
    }
    let mut missing = Vec::new();
    if !r.attested {
        missing.push(Missing::Attestation);
    }
    let have = r.vouches.iter().filter(|v| v.voter != r.referrer).count();
    if have < rule.vouches {
        missing.push(Missing::Vouches { have, need: rule.vouches });
    }
    let open_objections = r.objections.iter().filter(|o| !o.resolved).count();
    if open_objections > 0 {
        missing.push(Missing::Objections(open_objections));
    }
    let ready_at = r.created_ms.saturating_add(rule.min_discussion_ms);
    if now_ms < ready_at {
        missing.push(Missing::Time(ready_at - now_ms));
    }
    if missing.is_empty() { Verdict::Accept } else { Verdict::Waiting(missing) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::referral::record::{Objection, Vouch};

    fn referral() -> Referral {
        Referral::new(1, "@cand:x", "@ref:x", "https://m.example", "why", 0, "$cause")
    }

    fn vouch(who: &str) -> Vouch {
        Vouch { voter: who.into(), at_ms: 1 }
    }

    #[test]
    fn consensus_needs_attestation_vouches_no_objection_and_time() {
        let rule = Rule::default();
        let mut r = referral();
        assert_eq!(
            decide(&r, &rule, 10),
            Verdict::Waiting(vec![
                Missing::Attestation,
                Missing::Vouches { have: 0, need: 2 },
                Missing::Time(rule.min_discussion_ms - 10)
            ])
        );
        r.attested = true;
        r.vouches = vec![vouch("@a:x"), vouch("@ref:x")];
        assert_eq!(
            decide(&r, &rule, rule.min_discussion_ms),
            Verdict::Waiting(vec![Missing::Vouches { have: 1, need: 2 }]),
            "the referrer's own vouch does not count"
        );
        r.vouches.push(vouch("@b:x"));
        assert_eq!(decide(&r, &rule, rule.min_discussion_ms - 1), Verdict::Waiting(vec![Missing::Time(1)]));
        assert_eq!(decide(&r, &rule, rule.min_discussion_ms), Verdict::Accept);
        r.objections.push(Objection {
            by: "@c:x".into(),
            at_ms: 2,
            reason: crate::store::Text::Plain("no".into()),
            resolved: false,
        });
        assert_eq!(decide(&r, &rule, rule.min_discussion_ms), Verdict::Waiting(vec![Missing::Objections(1)]));
        r.objections[0].resolved = true;
        assert_eq!(decide(&r, &rule, rule.min_discussion_ms), Verdict::Accept);
    }

    #[test]
    fn expiry_wins_over_everything_and_decided_stays_decided() {
        let rule = Rule::default();
        let mut r = referral();
        assert_eq!(decide(&r, &rule, rule.expiry_ms), Verdict::Expired);
        r.state = State::Rejected;
        assert_eq!(decide(&r, &rule, 0), Verdict::Decided);
    }
}
