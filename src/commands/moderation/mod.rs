//! Moderation commands: reports, cases, sanctions, the record. Each file is
//! one command; the service is `crate::moderation`.

mod announce;
mod assign;
mod audit;
mod ban;
mod case;
mod cases;
mod dismiss;
mod kick;
mod mute;
mod redact;
mod report;
mod resolve;
mod unban;
mod unmute;
mod warn;

pub use assign::TICKET_ASSIGN;

#[cfg(test)]
mod tests;

super::family::family! {
    /// Working reports and cases, sanctions, and the record.
    Moderation {
        Report(report::Report),
        Cases(cases::Cases),
        Case(case::Case),
        Assign(assign::Assign),
        Resolve(resolve::Resolve),
        Dismiss(dismiss::Dismiss),
        Warn(warn::Warn),
        Mute(mute::Mute),
        Unmute(unmute::Unmute),
        Kick(kick::Kick),
        Ban(ban::Ban),
        Unban(unban::Unban),
        Redact(redact::Redact),
        Announce(announce::Announce),
        Audit(audit::Audit),
    }
}
