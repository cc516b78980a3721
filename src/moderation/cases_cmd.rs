//! `!cases`, `!case`, `!assign`, `!resolve`, `!dismiss`: working a case.

use super::case::{Case, CaseNote, CaseState, Cases};
use super::messages;
use super::messages::{ReasonView, ReportLine};
use super::record::{Record, record};
use super::sanction::Sanctions;
use super::target;
use crate::commands::grammar::CaseFilter;
use crate::commands::{Failure, Handled, Invocation, refuse};
use crate::roles::Role;
use crate::store::Text;

fn load(inv: &Invocation<'_>, cases: &Cases, n: u64) -> Result<Case, Failure> {
    cases.get(n)?.ok_or_else(|| Failure::Refused(messages::no_such_case(inv.locale, n)))
}

pub fn cases(inv: &Invocation<'_>, filter: Option<CaseFilter>) -> Result<Handled, Failure> {
    let all = Cases::open(inv.store)?.all()?;
    let shown: Vec<Case> = match filter.unwrap_or(CaseFilter::Open) {
        CaseFilter::Open => all.into_iter().filter(|c| c.state == CaseState::Open).collect(),
        CaseFilter::All => all.into_iter().take(50).collect(),
    };
    Ok(Handled::reply(messages::cases_list(inv.locale, &shown, inv.now_ms)))
}

pub fn case(inv: &Invocation<'_>, n: u64) -> Result<Handled, Failure> {
    let case = load(inv, &Cases::open(inv.store)?, n)?;
    let opened: Vec<Option<String>> = case
        .reports
        .iter()
        .map(|r| match &r.reason {
            Text::Plain(t) => Some(t.clone()),
            // Sealed text is opened only to answer in an encrypted room.
            sealed if inv.encrypted => inv.sealer.open(sealed).ok(),
            Text::Sealed { .. } => None,
        })
        .collect();
    let lines: Vec<ReportLine<'_>> = case
        .reports
        .iter()
        .zip(&opened)
        .map(|(r, text)| ReportLine {
            reporter: &r.reporter,
            at_ms: r.at_ms,
            reason: match text {
                Some(t) => ReasonView::Shown(t),
                None => ReasonView::Sealed,
            },
        })
        .collect();
    let sanctions = Sanctions::open(inv.store)?;
    let mut taken = Vec::new();
    for key in &case.sanctions {
        if let Some(s) = sanctions.get(key)? {
            taken.push(s);
        }
    }
    let link = case.event.as_ref().map(|e| target::permalink(&e.room_id, &e.event_id));
    Ok(Handled::reply(messages::case_detail(inv.locale, inv.prefix, &case, link.as_deref(), &lines, &taken)))
}

pub fn assign(inv: &Invocation<'_>, n: u64, moderator: Option<&str>) -> Result<Handled, Failure> {
    let who = match moderator {
        None => inv.sender.to_string(),
        Some(m) => {
            let Some(user) = target::user(m) else {
                return refuse(messages::bad_user(inv.locale, m));
            };
            if inv.lookups.user_role.is_none_or(|r| r < Role::Moderator) {
                return refuse(messages::not_a_moderator(inv.locale, &user));
            }
            user
        }
    };
    let cases = Cases::open(inv.store)?;
    let mut case = load(inv, &cases, n)?;
    if case.state != CaseState::Open {
        return refuse(messages::case_closed(inv.locale, n, case.state));
    }
    case.assignee = Some(who.clone());
    cases.put(&case)?;
    let post = record(
        inv,
        "assign",
        Record { actor: inv.sender, action: "case.assign", target: Some(who.clone()), reason: None, case: Some(n) },
    )?;
    Ok(Handled {
        reply: Some(messages::case_updated(inv.locale, n, &messages::assigned(inv.locale, &who))),
        effects: post.into_iter().collect(),
    })
}

/// `!resolve` and `!dismiss`.
pub fn close(inv: &Invocation<'_>, n: u64, state: CaseState, note: &str) -> Result<Handled, Failure> {
    let cases = Cases::open(inv.store)?;
    let mut case = load(inv, &cases, n)?;
    // Handled again after a restart: this very note is already there.
    let again =
        case.notes.iter().any(|x| x.by == inv.sender && x.text == note && x.at_ms <= inv.now_ms) && case.state == state;
    if case.state != CaseState::Open && !again {
        return refuse(messages::case_closed(inv.locale, n, case.state));
    }
    if !again {
        case.state = state;
        case.closed_ms = Some(inv.now_ms);
        case.notes.push(CaseNote { by: inv.sender.to_string(), at_ms: inv.now_ms, text: note.to_string() });
        cases.put(&case)?;
    }
    let action = if state == CaseState::Resolved { "case.resolve" } else { "case.dismiss" };
    let post = record(
        inv,
        "close",
        Record {
            actor: inv.sender,
            action,
            target: Some(case.subject.clone()),
            reason: Some(note.into()),
            case: Some(n),
        },
    )?;
    Ok(Handled {
        reply: Some(messages::case_updated(inv.locale, n, &messages::closed_as(inv.locale, state))),
        effects: post.into_iter().collect(),
    })
}
