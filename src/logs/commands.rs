//! `!log` and `!iocs` in the log-share room.

use super::export::{ExportFormat, render};
use super::extract;
use super::messages;
use super::sanitize::sanitize;
use super::share::{Ctx, Share, share};
use super::sightings::Sightings;
use super::tlp::Tlp;
use crate::commands::grammar::{IocsAction, LogAction};
use crate::commands::{Failure, Handled, Invocation};
use crate::effects::Effect;

fn ctx<'a>(inv: &Invocation<'a>) -> Ctx<'a> {
    Ctx {
        store: inv.store,
        sealer: inv.sealer,
        keyed: inv.keyed,
        settings: inv.logs,
        locale: inv.locale,
        now_ms: inv.now_ms,
    }
}

fn file(inv: &Invocation<'_>, slot: &str, name: String, mime: &str, data: Vec<u8>) -> Effect {
    Effect::File {
        room_id: inv.room_id.to_string(),
        root: inv.reply_to.unwrap_or(inv.event_id).to_string(),
        name,
        mime: mime.to_string(),
        data,
        provenance: inv.provenance(),
        txn_id: inv.txn(slot),
    }
}

/// `!log --tlp X` or `!log sanitize`, as a reply to a shared log.
pub fn log(inv: &Invocation<'_>, action: Option<&LogAction>, tlp: Option<&str>) -> Result<Handled, Failure> {
    let tlp = match tlp.map(|t| Tlp::parse(t).ok_or(t)) {
        Some(Err(bad)) => return Ok(Handled::reply(messages::log_bad_tlp(inv.locale, bad))),
        Some(Ok(t)) => Some(t),
        None => None,
    };
    let (Some(root), Some(shared)) = (inv.reply_to, &inv.lookups.shared_log) else {
        return Ok(Handled::reply(messages::log_sanitize_needs_reply(inv.locale, inv.prefix)));
    };
    let log = match shared {
        Ok(bytes) => bytes,
        Err(why) => return Ok(Handled::reply(messages::log_unreadable(inv.locale, why))),
    };
    match action {
        Some(LogAction::Sanitize) => {
            let text = String::from_utf8_lossy(log);
            let (clean, changes) = sanitize(&text, &inv.logs.local, inv.keyed);
            let f = file(inv, "log-sanitized", "sanitized.log".into(), "text/plain", clean.into_bytes());
            Ok(Handled {
                reply: Some(messages::log_sanitized(inv.locale, changes.secrets, changes.pseudonyms)),
                effects: vec![f],
            })
        }
        None => {
            let s =
                Share { sender: inv.sender, room_id: inv.room_id, event_id: inv.event_id, thread_root: root, log, tlp };
            Ok(Handled { reply: None, effects: share(&ctx(inv), &s).map_err(Failure::Store)? })
        }
    }
}

/// `!iocs export [--tlp X] [--format F]`.
pub fn iocs(inv: &Invocation<'_>, action: &IocsAction) -> Result<Handled, Failure> {
    let IocsAction::Export { tlp, format } = action;
    let ceiling = match tlp.as_deref().map(|t| Tlp::parse(t).ok_or(t)) {
        Some(Err(bad)) => return Ok(Handled::reply(messages::log_bad_tlp(inv.locale, bad))),
        Some(Ok(t)) => t,
        None => Tlp::Green,
    };
    let format = match format.as_deref().map(|f| ExportFormat::parse(f).ok_or(f)) {
        Some(Err(bad)) => return Ok(Handled::reply(messages::iocs_bad_format(inv.locale, bad))),
        Some(Ok(f)) => f,
        None => ExportFormat::Nginx,
    };
    let items = Sightings::open(inv.store)
        .map_err(Failure::Store)?
        .export(inv.sealer, ceiling, inv.now_ms)
        .map_err(Failure::Store)?;
    let body = render(&items, format, ceiling, inv.now_ms);
    let f = file(inv, "iocs-export", format.file_name(ceiling), format.mime(), body.into_bytes());
    Ok(Handled { reply: Some(messages::iocs_exported(inv.locale, items.len(), ceiling)), effects: vec![f] })
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
