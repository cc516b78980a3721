//! Logs in messages: a share in the encrypted log-share room is downloaded
//! (decrypted by matrix-sdk), unpacked and analysed as a unit of work; a log
//! posted in an unencrypted room is taken down.

use super::incoming::{Attachment, Incoming};
use super::intake::{Step, Worker};
use crate::commands;
use crate::logs;
use crate::store::Changes;
use matrix_sdk::media::{MediaFormat, MediaRequestParameters};

impl Worker {
    pub(super) fn log_ctx(&self) -> logs::share::Ctx<'_> {
        logs::share::Ctx {
            store: &self.store,
            sealer: &self.sealer,
            keyed: &self.keyed,
            settings: &self.setup.config.logs,
            locale: self.setup.config.locale,
            now_ms: self.clock.now_ms(),
        }
    }

    /// A message in the encrypted log-share room that carries a log (a code
    /// block, `!log` with the log after it, or a file): analysed, answered in
    /// its thread. Returns whether it was a share.
    pub(super) async fn log_share(&self, msg: &Incoming) -> Option<Step> {
        let prefix = &self.setup.config.command_prefix;
        let is_share = msg.attachment.is_some() || logs::extract::from_text(&msg.body, prefix).is_some();
        if !is_share {
            return None;
        }
        if let Err(refused) = self.admit_share(msg).await {
            return Some(Step { effects: refused, ..Step::default() });
        }
        let ctx = self.log_ctx();
        let effects = match &msg.attachment {
            Some(att) => {
                let label = match logs::extract::tlp_option(&msg.body) {
                    Some(Err(bad)) => {
                        let reply = crate::logs::messages::log_bad_tlp(ctx.locale, &bad);
                        let effect = logs::share::unreadable(msg.room_id.as_str(), msg.event_id.as_str(), reply);
                        return Some(Step { effects: vec![effect], ..Step::default() });
                    }
                    Some(Ok(t)) => Some(t),
                    None => logs::tlp::Tlp::find_in(&msg.body),
                };
                match self.download(att).await {
                    Ok(log) => {
                        let share = logs::share::Share {
                            sender: msg.sender.as_str(),
                            room_id: msg.room_id.as_str(),
                            event_id: msg.event_id.as_str(),
                            thread_root: msg.event_id.as_str(),
                            log: &log,
                            tlp: label,
                        };
                        self.store.unit(|| logs::share::share(&ctx, &share))
                    }
                    Err(why) => (
                        Ok(vec![logs::share::unreadable(
                            msg.room_id.as_str(),
                            msg.event_id.as_str(),
                            crate::logs::messages::log_unreadable(ctx.locale, &why),
                        )]),
                        Changes::default(),
                    ),
                }
            }
            None => {
                let (shared, changes) = self.store.unit(|| {
                    logs::commands::text_share(
                        &ctx,
                        msg.sender.as_str(),
                        msg.room_id.as_str(),
                        msg.event_id.as_str(),
                        &msg.body,
                        prefix,
                    )
                });
                (shared?, changes)
            }
        };
        let (effects, changes) = effects;
        match effects {
            Ok(effects) => {
                // IDs only: the log and its summary never reach the bot's own log.
                tracing::info!(room = %msg.room_id, event = %msg.event_id, "log share analysed");
                Some(Step { changes, effects, ..Step::default() })
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot record log sightings");
                Some(Step::default())
            }
        }
    }

    /// A share is a `!log`: the sender needs its role, as for the command.
    async fn admit_share(&self, msg: &Incoming) -> Result<(), Vec<crate::effects::Effect>> {
        let config = &self.setup.config;
        let role = crate::roles::resolve(self.sender_facts(&msg.sender).await);
        let req = crate::service::Request {
            sender: msg.sender.as_str(),
            role,
            room_id: msg.room_id.as_str(),
            purpose: Some(crate::config::purpose::Purpose::LogShare),
            event_id: msg.event_id.as_str(),
            encrypted: msg.encrypted,
            reply_to: None,
            now_ms: self.clock.now_ms(),
            locale: config.locale,
            prefix: &config.command_prefix,
        };
        let bot = config.bot_user_id();
        let services = self.services(bot.as_str());
        commands::dispatch::admit(&req, &services, commands::logs::share_spec())
            .map_err(|refused| commands::dispatch::answered(&req, refused))
    }

    /// Downloads (and decrypts) an attachment within the size limit and
    /// unpacks it; the error is said to the member in their language.
    pub(super) async fn download(&self, att: &Attachment) -> Result<Vec<u8>, String> {
        let limit = self.setup.config.logs.max_bytes;
        let locale = self.setup.config.locale;
        if att.size.is_some_and(|s| s > limit as u64) {
            return Err(crate::logs::messages::log_too_large(locale, limit));
        }
        let request = MediaRequestParameters { source: att.source.clone(), format: MediaFormat::File };
        let bytes = self.client.media().get_media_content(&request, false).await.map_err(|e| {
            tracing::warn!(error = %e, "cannot download a shared log");
            crate::logs::messages::log_download_failed(locale)
        })?;
        logs::extract::from_file(&bytes, limit).map_err(|e| crate::logs::messages::log_extract_error(locale, &e))
    }

    /// A server log in an unencrypted room is taken down.
    pub(super) fn log_guard(&self, msg: &Incoming) -> Option<Step> {
        let is_log = match &msg.attachment {
            Some(att) => logs::guard::looks_like_log_file(&att.name, att.mime.as_deref()),
            None => logs::guard::looks_like_log(&msg.body),
        };
        if !is_log {
            return None;
        }
        let effects = logs::guard::take_down(
            msg.room_id.as_str(),
            msg.event_id.as_str(),
            msg.sender.as_str(),
            self.setup.config.locale,
        );
        tracing::info!(room = %msg.room_id, event = %msg.event_id, "log posted in an unencrypted room: taken down");
        Some(Step { effects, ..Step::default() })
    }
}
