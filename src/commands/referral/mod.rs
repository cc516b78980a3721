//! Referral commands: proposing, attesting, vouching, objecting, deciding,
//! and accepting the rules. The service is `crate::referral`.

mod agree;
mod approve;
mod attest;
mod object;
mod refer;
mod referrals;
mod reject;
mod rules;
mod vouch;
mod whois;

#[cfg(test)]
mod tests;

super::family::family! {
    /// Admission by referral.
    Referral {
        Refer(refer::Refer),
        Attest(attest::Attest),
        Vouch(vouch::Vouch),
        Object(object::Object),
        Referrals(referrals::Referrals),
        Whois(whois::Whois),
        Approve(approve::Approve),
        Reject(reject::Reject),
        Agree(agree::Agree),
        Rules(rules::Rules),
    }
}

impl Referral {
    /// A vouch that came typed, not as text: a 👍 on referral `number`'s card.
    pub fn vouch(number: u64) -> super::Command {
        super::Command::Referral(Referral::Vouch(vouch::Vouch { number }))
    }
}
