//! Putting an action on the record: the append-only audit log, and a post
//! in the moderators room so the record is public among moderators.

use super::Service;
use super::messages;
use crate::config::purpose::Purpose;
use crate::effects::{Effect, Provenance, txn_id};
use crate::i18n::Locale;
use crate::service::Request;
use crate::space::directory::Directory;
use crate::store::{AuditEntry, Store, StoreError};

/// One action to record.
pub struct Record<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: Option<String>,
    pub reason: Option<String>,
    pub case: Option<u64>,
}

/// Where and when actions are recorded.
pub struct Recorder<'a> {
    pub store: &'a Store,
    pub dir: &'a Directory,
    pub locale: Locale,
    pub now_ms: u64,
}

impl Recorder<'_> {
    /// Appends the entry once per `(cause, slot)` and returns the moderators
    /// room post (the same post, with the same transaction ID, when the cause
    /// is handled again). `post: false` records without posting, for actions
    /// whose own notice already reached the moderators room.
    pub fn record(&self, cause: &str, slot: &str, rec: Record<'_>, post: bool) -> Result<Option<Effect>, StoreError> {
        record_at(self, cause, slot, rec, post)
    }
}

fn record_at(
    r: &Recorder<'_>,
    cause: &str,
    slot: &str,
    rec: Record<'_>,
    post: bool,
) -> Result<Option<Effect>, StoreError> {
    let (store, dir, locale) = (r.store, r.dir, r.locale);
    let entry = AuditEntry {
        seq: 0,
        at_ms: r.now_ms,
        actor: rec.actor.to_string(),
        action: rec.action.to_string(),
        target: rec.target,
        reason: rec.reason,
        case: rec.case,
    };
    let (stored, _) = store.audit.append_once(&format!("{cause}\u{0}{slot}"), entry)?;
    let Some(mods) = dir.room_for(Purpose::Moderators).filter(|_| post) else {
        return Ok(None);
    };
    Ok(Some(Effect::Notice {
        room_id: mods.to_string(),
        mentions: Vec::new(),
        reply: messages::audit_post(locale, &stored),
        // Audit entries hold IDs and reasons typed in unencrypted rooms only.
        provenance: Provenance::clear(mods),
        txn_id: txn_id(cause, &format!("audit:{slot}")),
        thread: None,
        remember: None,
    }))
}

/// Records an action caused by a command.
pub fn record(req: &Request<'_>, svc: &Service<'_>, slot: &str, rec: Record<'_>) -> Result<Option<Effect>, StoreError> {
    recorder(req, svc.store, svc.directory).record(req.event_id, slot, rec, true)
}

/// The recorder for actions a request causes.
pub fn recorder<'a>(req: &Request<'_>, store: &'a Store, dir: &'a Directory) -> Recorder<'a> {
    Recorder { store, dir, locale: req.locale, now_ms: req.now_ms }
}

/// Records a refused attempt at a moderator command.
pub fn refused(req: &Request<'_>, svc: &Service<'_>, command: &str) -> Result<Option<Effect>, StoreError> {
    record(
        req,
        svc,
        "refused",
        Record {
            actor: req.sender,
            action: "command.refused",
            target: Some(format!("{}{command}", req.prefix)),
            reason: Some(format!("role {:?}", req.role).to_lowercase()),
            case: None,
        },
    )
}
