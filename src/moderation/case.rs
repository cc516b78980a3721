//! Cases: what members reported, and what the moderators did about it.
//!
//! A case is numbered (people say "case 12"), collects every report of the
//! same message (or, for reports of a person, the same person while the case
//! is open), and links to the sanctions taken. Filing a report is idempotent
//! per command event, so a command handled again after a crash does not add
//! a second report.

use crate::store::{Store, StoreError, Text, Tree};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    pub room_id: String,
    pub event_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseReport {
    pub reporter: String,
    pub at_ms: u64,
    /// Where the report was sent from.
    pub room_id: String,
    /// Sealed when sent from an encrypted room.
    pub reason: Text,
    /// The command event, so the same command never files twice.
    pub cause: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseState {
    Open,
    Resolved,
    Dismissed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseNote {
    pub by: String,
    pub at_ms: u64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub number: u64,
    pub opened_ms: u64,
    /// The reported user.
    pub subject: String,
    pub event: Option<EventRef>,
    /// The reported text, only when it was posted in an unencrypted room.
    pub quote: Option<String>,
    pub reports: Vec<CaseReport>,
    pub state: CaseState,
    pub assignee: Option<String>,
    pub notes: Vec<CaseNote>,
    /// Keys of the sanctions taken in this case.
    pub sanctions: Vec<String>,
    pub closed_ms: Option<u64>,
}

/// How filing a report went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filed {
    /// A new case was opened.
    Opened(Case),
    /// The report joined an open case about the same message or person.
    Joined(Case),
    /// This command was already filed (handled again after a restart).
    Again(Case),
}

impl Filed {
    pub fn case(&self) -> &Case {
        match self {
            Filed::Opened(c) | Filed::Joined(c) | Filed::Again(c) => c,
        }
    }
}

pub struct Cases {
    cases: Tree<Case>,
    /// `event:<id>` or `user:<id>` → the open case about it.
    index: Tree<u64>,
}

fn key(n: u64) -> String {
    format!("{n:012}")
}

impl Cases {
    pub fn open(store: &Store) -> Result<Cases, StoreError> {
        Ok(Cases { cases: store.tree("cases")?, index: store.tree("case_index")? })
    }

    pub fn get(&self, n: u64) -> Result<Option<Case>, StoreError> {
        self.cases.get(&key(n))
    }

    pub fn put(&self, case: &Case) -> Result<(), StoreError> {
        self.cases.insert(&key(case.number), case)?;
        if case.state != CaseState::Open {
            for k in index_keys(case) {
                if self.index.get(&k)? == Some(case.number) {
                    self.index.remove(&k)?;
                }
            }
        }
        Ok(())
    }

    /// Every case, newest first.
    pub fn all(&self) -> Result<Vec<Case>, StoreError> {
        let mut all: Vec<Case> = self.cases.entries()?.into_iter().map(|(_, c)| c).collect();
        all.reverse();
        Ok(all)
    }

    /// Open cases about `user`.
    pub fn open_about(&self, user: &str) -> Result<Vec<Case>, StoreError> {
        Ok(self.all()?.into_iter().filter(|c| c.state == CaseState::Open && c.subject == user).collect())
    }

    /// Files a report: joins the open case about the same message (or the
    /// same person, for reports of a person), or opens a new one.
    pub fn file(
        &self,
        store: &Store,
        subject: &str,
        event: Option<EventRef>,
        quote: Option<String>,
        report: CaseReport,
    ) -> Result<Filed, StoreError> {
        let index_key = match &event {
            Some(e) => format!("event:{}", e.event_id),
            None => format!("user:{subject}"),
        };
        if let Some(n) = self.index.get(&index_key)?
            && let Some(mut case) = self.get(n)?
            && case.state == CaseState::Open
        {
            if case.reports.iter().any(|r| r.cause == report.cause) {
                return Ok(Filed::Again(case));
            }
            case.reports.push(report);
            self.cases.insert(&key(n), &case)?;
            return Ok(Filed::Joined(case));
        }
        let number = store.next_number("case")?;
        let case = Case {
            number,
            opened_ms: report.at_ms,
            subject: subject.to_string(),
            event,
            quote,
            reports: vec![report],
            state: CaseState::Open,
            assignee: None,
            notes: Vec::new(),
            sanctions: Vec::new(),
            closed_ms: None,
        };
        // The case and its index entry are written together: in the unit
        // of the event that opened the case.
        self.cases.insert(&key(number), &case)?;
        self.index.insert(&index_key, &number)?;
        Ok(Filed::Opened(case))
    }

    /// The case in which this command already filed a report, if any (so a
    /// command handled again after a crash finds its case).
    pub fn filed_by(&self, cause: &str) -> Result<Option<Case>, StoreError> {
        Ok(self.all()?.into_iter().find(|c| c.reports.iter().any(|r| r.cause == cause)))
    }
}

fn index_keys(case: &Case) -> Vec<String> {
    match &case.event {
        Some(e) => vec![format!("event:{}", e.event_id)],
        None => vec![format!("user:{}", case.subject)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(reporter: &str, cause: &str) -> CaseReport {
        CaseReport {
            reporter: reporter.into(),
            at_ms: 1,
            room_id: "!r:x".into(),
            reason: Text::Plain("spam".into()),
            cause: cause.into(),
        }
    }

    fn ev(id: &str) -> Option<EventRef> {
        Some(EventRef { room_id: "!r:x".into(), event_id: id.into() })
    }

    #[test]
    fn reports_of_one_message_join_one_case_and_refiling_is_a_no_op() {
        let store = Store::temporary().unwrap();
        let cases = Cases::open(&store).unwrap();
        let a = cases.file(&store, "@s:x", ev("$m"), None, report("@a:x", "$c1")).unwrap();
        assert!(matches!(a, Filed::Opened(ref c) if c.number == 1));
        let b = cases.file(&store, "@s:x", ev("$m"), None, report("@b:x", "$c2")).unwrap();
        assert!(matches!(b, Filed::Joined(ref c) if c.number == 1 && c.reports.len() == 2));
        let again = cases.file(&store, "@s:x", ev("$m"), None, report("@b:x", "$c2")).unwrap();
        assert!(matches!(again, Filed::Again(ref c) if c.reports.len() == 2));
        let other = cases.file(&store, "@s:x", ev("$other"), None, report("@a:x", "$c3")).unwrap();
        assert_eq!(other.case().number, 2);
    }

    #[test]
    fn a_closed_case_is_not_joined() {
        let store = Store::temporary().unwrap();
        let cases = Cases::open(&store).unwrap();
        let mut c = cases.file(&store, "@s:x", None, None, report("@a:x", "$c1")).unwrap().case().clone();
        c.state = CaseState::Resolved;
        cases.put(&c).unwrap();
        let next = cases.file(&store, "@s:x", None, None, report("@a:x", "$c2")).unwrap();
        assert!(matches!(next, Filed::Opened(ref c) if c.number == 2));
        assert_eq!(cases.open_about("@s:x").unwrap().len(), 1);
        assert_eq!(cases.filed_by("$c1").unwrap().map(|c| c.number), Some(1));
    }
}
