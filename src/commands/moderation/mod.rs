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

/// `!warn`, `!mute`, `!kick` and `!ban` differ only in their kind and length.
fn sanction(
    cx: &super::Context<'_>,
    kind: crate::moderation::sanction::Kind,
    user: &super::args::User,
    for_ms: Option<u64>,
    case: Option<u64>,
    text: Option<&str>,
) -> Result<crate::service::Handled, crate::service::Failure> {
    let order = crate::moderation::Order {
        kind,
        user,
        for_ms,
        case,
        reason: text.unwrap_or_default(),
        their_role: cx.lookups.user_role,
    };
    crate::moderation::sanction(&cx.req, &cx.services.moderation, order)
}
