//! `!log` and `!iocs` in the log-share room.

use super::Service;
use super::export::{ExportFormat, render};
use super::extract;
use super::messages;
use super::sanitize::sanitize;
use super::share::{Ctx, Share, share};
use super::sightings::Sightings;
use super::tlp::Tlp;
use crate::effects::Effect;
use crate::service::{Failure, Handled, Request};

fn ctx<'a>(req: &Request<'_>, svc: &Service<'a>) -> Ctx<'a> {
    Ctx {
        store: svc.store,
        sealer: svc.sealer,
        keyed: svc.keyed,
        settings: svc.settings,
        locale: req.locale,
        now_ms: req.now_ms,
    }
}

fn file(req: &Request<'_>, slot: &str, name: String, mime: &str, data: Vec<u8>) -> Effect {
    Effect::File {
        room_id: req.room_id.to_string(),
        root: req.reply_to.unwrap_or(req.event_id).to_string(),
        name,
        mime: mime.to_string(),
        data,
        provenance: req.provenance(),
        txn_id: req.txn(slot),
    }
}

/// What `!log` does with the shared log it replies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogAction {
    /// Analyse it (again), under this label if one is given.
    Share(Option<Tlp>),
    /// A copy without secrets and local identifiers.
    Sanitize,
}

/// `!log --tlp X` or `!log sanitize`, as a reply to a shared log; `shared`
/// is that log as the edge decrypted and unpacked it (or why it could not).
pub fn log(
    req: &Request<'_>,
    svc: &Service<'_>,
    action: LogAction,
    shared: Option<&Result<Vec<u8>, String>>,
) -> Result<Handled, Failure> {
    let (Some(root), Some(shared)) = (req.reply_to, shared) else {
        return Ok(Handled::reply(messages::log_sanitize_needs_reply(req.locale, req.prefix)));
    };
    let log = match shared {
        Ok(bytes) => bytes,
        Err(why) => return Ok(Handled::reply(messages::log_unreadable(req.locale, why))),
    };
    match action {
        LogAction::Sanitize => {
            let text = String::from_utf8_lossy(log);
            let (clean, changes) = sanitize(&text, &svc.settings.local, svc.keyed);
            let f = file(req, "log-sanitized", "sanitized.log".into(), "text/plain", clean.into_bytes());
            Ok(Handled {
                reply: Some(messages::log_sanitized(req.locale, changes.secrets, changes.pseudonyms)),
                effects: vec![f],
            })
        }
        LogAction::Share(tlp) => {
            let s =
                Share { sender: req.sender, room_id: req.room_id, event_id: req.event_id, thread_root: root, log, tlp };
            Ok(Handled { reply: None, effects: share(&ctx(req, svc), &s).map_err(Failure::Store)? })
        }
    }
}

/// `!iocs export [--tlp X] [--format F]`: what `ceiling` allows, as a file.
pub fn export(req: &Request<'_>, svc: &Service<'_>, ceiling: Tlp, format: ExportFormat) -> Result<Handled, Failure> {
    let items = Sightings::open(svc.store)
        .map_err(Failure::Store)?
        .export(svc.sealer, ceiling, req.now_ms)
        .map_err(Failure::Store)?;
    let body = render(&items, format, ceiling, req.now_ms);
    let f = file(req, "iocs-export", format.file_name(ceiling), format.mime(), body.into_bytes());
    Ok(Handled { reply: Some(messages::iocs_exported(req.locale, items.len(), ceiling)), effects: vec![f] })
}

/// A text message in the log-share room: a share if it holds a log.
pub fn text_share(
    ctx: &Ctx<'_>,
    sender: &str,
    room_id: &str,
    event_id: &str,
    body: &str,
    prefix: &str,
) -> Option<Result<Vec<Effect>, crate::store::StoreError>> {
    match extract::from_text(body, prefix)? {
        Err(bad) => {
            Some(Ok(vec![super::share::unreadable(room_id, event_id, messages::log_bad_tlp(ctx.locale, &bad))]))
        }
        Ok(found) => {
            if found.log.len() > ctx.settings.max_bytes {
                let why = extract::ExtractError::TooLarge { limit: ctx.settings.max_bytes }.to_string();
                return Some(Ok(vec![super::share::unreadable(
                    room_id,
                    event_id,
                    messages::log_unreadable(ctx.locale, &why),
                )]));
            }
            let s =
                Share { sender, room_id, event_id, thread_root: event_id, log: found.log.as_bytes(), tlp: found.tlp };
            Some(share(ctx, &s))
        }
    }
}
