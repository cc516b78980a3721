//! `!cases`, `!case`, `!assign`, `!resolve`, `!dismiss`: working a case.

use super::Service;
use super::case::{Case, CaseNote, CaseState, Cases};
use super::messages;
use super::messages::{ReasonView, ReportLine};
use super::record::{Record, record};
use super::sanction::Sanctions;
use super::target;
use crate::roles::Role;
use crate::service::{Failure, Handled, Request, refuse};
use crate::store::Text;
use matrix_sdk::ruma::UserId;

fn load(req: &Request<'_>, cases: &Cases, n: u64) -> Result<Case, Failure> {
    cases.get(n)?.ok_or_else(|| Failure::Refused(messages::no_such_case(req.locale, n)))
}

/// `!cases`: the open cases, or (`all`) the newest fifty.
pub fn cases(req: &Request<'_>, svc: &Service<'_>, all: bool) -> Result<Handled, Failure> {
    let every = Cases::open(svc.store)?.all()?;
    let shown: Vec<Case> = if all {
        every.into_iter().take(50).collect()
    } else {
        every.into_iter().filter(|c| c.state == CaseState::Open).collect()
    };
    Ok(Handled::reply(messages::cases_list(req.locale, &shown, req.now_ms)))
}

pub fn case(req: &Request<'_>, svc: &Service<'_>, n: u64) -> Result<Handled, Failure> {
    let case = load(req, &Cases::open(svc.store)?, n)?;
    let opened: Vec<Option<String>> = case
        .reports
        .iter()
        .map(|r| match &r.reason {
            Text::Plain(t) => Some(t.clone()),
            // Sealed text is opened only to answer in an encrypted room.
            sealed if req.encrypted => svc.sealer.open(sealed).ok(),
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
    let sanctions = Sanctions::open(svc.store)?;
    let mut taken = Vec::new();
    for key in &case.sanctions {
        if let Some(s) = sanctions.get(key)? {
            taken.push(s);
        }
    }
    let link = case.event.as_ref().map(|e| target::permalink(&e.room_id, &e.event_id));
    Ok(Handled::reply(messages::case_detail(req.locale, req.prefix, &case, link.as_deref(), &lines, &taken)))
}

/// `!assign <n> [@moderator]`; `their_role` is the named user's role, as looked up.
pub fn assign(
    req: &Request<'_>,
    svc: &Service<'_>,
    n: u64,
    moderator: Option<&UserId>,
    their_role: Option<Role>,
) -> Result<Handled, Failure> {
    let who = match moderator {
        None => req.sender.to_string(),
        Some(user) => {
            if their_role.is_none_or(|r| r < Role::Moderator) {
                return refuse(messages::not_a_moderator(req.locale, user.as_str()));
            }
            user.to_string()
        }
    };
    let cases = Cases::open(svc.store)?;
    let mut case = load(req, &cases, n)?;
    if case.state != CaseState::Open {
        return refuse(messages::case_closed(req.locale, n, case.state));
    }
    case.assignee = Some(who.clone());
    cases.put(&case)?;
    let post = record(
        req,
        svc,
        "assign",
        Record { actor: req.sender, action: "case.assign", target: Some(who.clone()), reason: None, case: Some(n) },
    )?;
    Ok(Handled {
        reply: Some(messages::case_updated(req.locale, n, &messages::assigned(req.locale, &who))),
        effects: post.into_iter().collect(),
    })
}

/// `!resolve` and `!dismiss`.
pub fn close(req: &Request<'_>, svc: &Service<'_>, n: u64, state: CaseState, note: &str) -> Result<Handled, Failure> {
    let cases = Cases::open(svc.store)?;
    let mut case = load(req, &cases, n)?;
    // Handled again after a restart: this very note is already there.
    let again =
        case.notes.iter().any(|x| x.by == req.sender && x.text == note && x.at_ms <= req.now_ms) && case.state == state;
    if case.state != CaseState::Open && !again {
        return refuse(messages::case_closed(req.locale, n, case.state));
    }
    if !again {
        case.state = state;
        case.closed_ms = Some(req.now_ms);
        case.notes.push(CaseNote { by: req.sender.to_string(), at_ms: req.now_ms, text: note.to_string() });
        cases.put(&case)?;
    }
    let action = if state == CaseState::Resolved { "case.resolve" } else { "case.dismiss" };
    let post = record(
        req,
        svc,
        "close",
        Record {
            actor: req.sender,
            action,
            target: Some(case.subject.clone()),
            reason: Some(note.into()),
            case: Some(n),
        },
    )?;
    Ok(Handled {
        reply: Some(messages::case_updated(req.locale, n, &messages::closed_as(req.locale, state))),
        effects: post.into_iter().collect(),
    })
}
