//! `fedisec run`: wires the edge to the domain and keeps it running.
//!
//! Order matters: the appservice API listens first (the homeserver pings it
//! during start), the bot's device logs in and syncs once (uploading its
//! keys), the Space is brought in line with the layout, and only then does
//! the worker start taking commands queued since the first sync.

use crate::appservice::{self, AsState};
use crate::clock::{Clock, now_ms};
use crate::config::Setup;
use crate::config::purpose::Purpose;
use crate::effects::{Effect, Provenance, txn_id};
use crate::matrix::as_api::AsApi;
use crate::matrix::executor::Executor;
use crate::matrix::intake::{self, Worker};
use crate::matrix::{session, space_sync};
use crate::metrics::Metrics;
use crate::pipeline::inbox::{Inbox, SyncPosition};
use crate::space::directory::Directory;
use crate::store::{Sealer, Store};
use anyhow::Context;
use matrix_sdk::config::SyncSettings;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::mpsc;

/// Handled-event marks older than this are pruned at start.
const KEEP_MARKS_MS: u64 = 30 * 24 * 3600 * 1000;

pub async fn run(setup: Setup, clock: Clock) -> anyhow::Result<()> {
    let setup = Arc::new(setup);
    let config = &setup.config;
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let store = Store::open(&config.data_dir.join("state")).context("cannot open the state database")?;
    let pruned = store.prune(clock.now_ms(), KEEP_MARKS_MS)?;
    tracing::debug!(pruned, "pruned old handled-event marks");
    let metrics = Arc::new(Metrics::default());

    let listener = tokio::net::TcpListener::bind(config.appservice.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.appservice.listen))?;
    let state = AsState {
        hs_token: setup.registration.hs_token.as_str().into(),
        bot_user: config.bot_user_id().as_str().into(),
        store: store.clone(),
        metrics: metrics.clone(),
        now_ms,
    };
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, appservice::router(state)).await {
            tracing::error!(error = %e, "appservice HTTP server stopped");
        }
    });
    tracing::info!(listen = %config.appservice.listen, "appservice API listening");

    let api = AsApi::new(&config.homeserver_url, &setup.registration.as_token, config.bot_user_id().as_str());
    let (client, device_start) = session::connect(config, &api).await.context("cannot log the bot in")?;
    let bot = config.bot_user_id();
    let current_name = api.display_name(bot.as_str()).await.ok().flatten();
    if current_name.as_deref() != Some(config.display_name.as_str())
        && let Err(e) = api.set_display_name(bot.as_str(), &config.display_name).await
    {
        tracing::warn!(error = %e, "cannot set display name");
    }
    match api.ping_appservice(&config.appservice.id).await {
        Ok(ms) => {
            metrics.homeserver_ping_ms.store(ms, Ordering::Relaxed);
            tracing::info!(duration_ms = ms, "homeserver reached the appservice API");
        }
        Err(e) => tracing::warn!(
            error = %e,
            "the homeserver could not ping the appservice; check app_service_config_files in homeserver.yaml and appservice.url"
        ),
    }

    let (tx, rx) = mpsc::unbounded_channel();
    let sealer = Sealer::load_or_create(&config.data_dir).context("cannot load the sealing key")?;
    let inbox = Inbox::open(&store, sealer.clone())?;
    let position = SyncPosition::open(&store)?;
    crate::matrix::queue::install(&client, inbox.clone());
    let verifications = crate::matrix::verification::Verifications::default();
    crate::matrix::verification::install(&client, Arc::new(config.admins.clone()), verifications.clone());
    crate::control::serve(&config.data_dir, verifications)
        .with_context(|| format!("cannot open the admin socket in {}", config.data_dir.display()))?;
    // Catch up without long-polling: with a stored sync token and nothing new,
    // a default sync would wait its full timeout before the bot could start.
    let resumed = position.get()?;
    let first = Synced { client: &client, inbox: &inbox, wake: &tx, store: &store, position: &position };
    first.sync(Duration::ZERO, resumed.is_some(), clock.now_ms()).await.context("first sync failed")?;
    // Before any answer in an encrypted room: Element only reads and only
    // shares keys with a cross-signed device.
    let (how, identity) = crate::matrix::identity::ensure(&client, &config.data_dir, config.locale).await?;
    metrics.identity_published.store(identity.published, Ordering::Relaxed);
    metrics.device_signed.store(identity.device_signed, Ordering::Relaxed);
    metrics.key_backup.store(identity.backup, Ordering::Relaxed);
    tracing::info!(
        device = ?device_start,
        identity = ?how,
        published = identity.published,
        device_signed = identity.device_signed,
        key_backup = identity.backup,
        decrypt_from = config.encryption.decrypt_from.name(),
        "cross-signing identity"
    );
    if !identity.device_signed {
        tracing::warn!("the bot's device is not cross-signed: Element will not share room keys with it");
    }

    let report = space_sync::apply(&api, &setup, &store, clock.now_ms()).await.context("cannot build the Space")?;
    tracing::info!(
        space = %report.space_id,
        created = report.created,
        changed = report.changed,
        invited = report.invited,
        failed = report.failed.len(),
        "Space matches rooms.toml"
    );
    for failure in &report.failed {
        tracing::warn!("{failure}");
    }
    let space_id =
        matrix_sdk::ruma::OwnedRoomId::try_from(report.space_id.as_str()).context("the Space has no valid room ID")?;
    if report.created > 0 {
        // Learn the rooms just created before posting in them.
        first.sync(Duration::ZERO, false, clock.now_ms()).await.context("sync after building the Space failed")?;
    }
    let directory = Directory::build(&store, &setup.layout, config.server_name.as_str())?;
    let executor = Executor::new(client.clone(), api.clone(), &store, metrics.clone())?;
    let outbox = crate::pipeline::outbox::Outbox::open(&store, sealer.clone())?;
    let startup = |key: &str| crate::pipeline::outbox::Cause::job(key, "startup");
    if report.created + report.changed + report.invited > 0
        && let Some(mods) = directory.room_for(Purpose::Moderators)
    {
        // Layout changes are on the record (each one is in the audit log).
        let text = crate::space::messages::space_applied(config.locale, report.created, report.changed, report.invited);
        let notice = Effect::Notice {
            room_id: mods.to_string(),
            mentions: Vec::new(),
            reply: crate::i18n::Reply::text(text),
            provenance: Provenance::clear(mods),
            txn_id: txn_id(&format!("space-apply:{}", clock.now_ms()), "notice"),
            thread: None,
            remember: None,
        };
        let cause = startup(&format!("space-apply:{}", clock.now_ms()));
        if let Err(e) = store.atomically(|| outbox.stage(&cause, &[notice])) {
            tracing::warn!(error = %e, "cannot queue the layout changes for the moderators room");
        }
    }
    crate::matrix::incoming::install_invites(&client, space_id.clone());
    let (feeds_added, feeds_dropped) =
        crate::feeds::registry::Registry::open(&store)?.sync_config(&config.feeds.feeds, clock.now_ms())?;
    tracing::info!(
        feeds = config.feeds.feeds.len(),
        added = feeds_added,
        dropped = feeds_dropped,
        "feeds from the config"
    );
    let recorder =
        crate::moderation::Recorder { store: &store, dir: &directory, locale: config.locale, now_ms: clock.now_ms() };
    // The new rules version and its announcement are one unit.
    let announced = store.atomically(|| {
        let effects = crate::referral::rules_changed(
            &recorder,
            &setup.rules,
            config.referrals.rule.reagree_on_change,
            &config.command_prefix,
            bot.as_str(),
        )?;
        outbox.stage(&startup(&format!("rules:{}", setup.rules.version)), &effects)
    });
    if let Err(e) = announced {
        tracing::error!(error = %e, "cannot check the rules version");
    }
    let undecryptable = Arc::new(crate::undecryptable::Tracker::open(&store)?);
    let given_up = undecryptable.prune(clock.now_ms())?;
    tracing::debug!(given_up, "pruned old undecryptable messages");
    watch_room_keys(&client, tx.clone()).await;
    // Keys that came while the bot was down (or from the backup just now).
    let _ = tx.send(intake::Work::KeysArrived(None));
    let drain_wake = Arc::new(tokio::sync::Notify::new());
    let drainer = crate::matrix::drain::Drainer::new(
        store.clone(),
        outbox.clone(),
        inbox.clone(),
        executor.clone(),
        directory.clone(),
        config.locale,
        crate::matrix::drain::Outside {
            evidence: config.referrals.evidence.clone(),
            feed_client: crate::fetch::client(&config.feeds.limits, "security feeds"),
            feed_limits: config.feeds.limits.clone(),
        },
        metrics.clone(),
        tx.clone(),
        drain_wake.clone(),
    );
    let worker = Worker {
        client: client.clone(),
        api: api.clone(),
        setup: setup.clone(),
        store: store.clone(),
        sealer,
        keyed: crate::store::Keyed::load_or_create(&config.data_dir).context("cannot load the log key")?,
        metrics: metrics.clone(),
        executor,
        clock: clock.clone(),
        directory,
        space_id,
        tx: tx.clone(),
        in_flight: Default::default(),
        feed_client: crate::fetch::client(&config.feeds.limits, "security feeds"),
        undecryptable,
        inbox: inbox.clone(),
        outbox: outbox.clone(),
        drain: drain_wake.clone(),
    };
    tokio::spawn(worker.run(rx));
    // Effects left in the outbox by a crash are carried out first.
    tokio::spawn(Arc::new(drainer).run());
    metrics.ready.store(true, Ordering::Relaxed);
    tracing::info!("ready");

    // Events kept before a crash or during the first sync.
    let _ = tx.send(intake::Work::Inbox);
    let synced = Synced { client: &client, inbox: &inbox, wake: &tx, store: &store, position: &position };
    let sync = sync_forever(synced, metrics.clone(), clock.clone());
    tokio::select! {
        r = sync => r.context("sync loop ended")?,
        _ = shutdown_signal() => tracing::info!("shutting down"),
    }
    store.flush()?;
    Ok(())
}

/// Tells the worker whenever room keys arrive (by to-device message or from
/// the key backup), so messages that waited for them are handled.
async fn watch_room_keys(client: &matrix_sdk::Client, tx: mpsc::UnboundedSender<intake::Work>) {
    use futures_util::StreamExt;
    let Some(stream) = client.encryption().room_keys_received_stream().await else {
        tracing::warn!("no crypto store: late room keys will not be noticed");
        return;
    };
    tokio::spawn(async move {
        futures_util::pin_mut!(stream);
        while let Some(keys) = stream.next().await {
            let sessions = keys
                .ok()
                .map(|keys| keys.into_iter().map(|k| (k.room_id.to_string(), k.session_id)).collect::<Vec<_>>());
            if tx.send(intake::Work::KeysArrived(sessions)).is_err() {
                return;
            }
        }
    });
}

/// What the bot asks `/sync` for: no presence, typing, read receipts or
/// per-room account data, which it never uses and which Element users generate
/// constantly. Room state (membership, power levels) and timelines stay in full.
fn sync_filter() -> matrix_sdk::ruma::api::client::sync::sync_events::v3::Filter {
    use matrix_sdk::ruma::api::client::filter::{Filter, FilterDefinition, RoomEventFilter, RoomFilter};
    let mut room = RoomFilter::default();
    room.ephemeral = RoomEventFilter::ignore_all();
    room.account_data = RoomEventFilter::ignore_all();
    let mut def = FilterDefinition::default();
    def.presence = Filter::ignore_all();
    def.room = room;
    def.into()
}

/// One sync, made durable: the handlers keep its events in the inbox, the
/// gaps of limited timelines are read back, and only then is the position
/// after it recorded, from which the next sync (after a crash too) starts.
struct Synced<'a> {
    client: &'a matrix_sdk::Client,
    inbox: &'a Inbox,
    wake: &'a mpsc::UnboundedSender<intake::Work>,
    store: &'a Store,
    position: &'a SyncPosition,
}

impl Synced<'_> {
    /// `fill_gaps`: read back limited timelines (not on the very first sync
    /// of a data directory, whose history predates the bot).
    async fn sync(&self, timeout: Duration, fill_gaps: bool, now_ms: u64) -> anyhow::Result<()> {
        let mut settings = SyncSettings::default().timeout(timeout).filter(sync_filter());
        if let Some(token) = self.position.get()? {
            settings = settings.token(token);
        }
        self.inbox.next_batch();
        let response = self.client.sync_once(settings).await?;
        let mut unfilled = Vec::new();
        if fill_gaps {
            unfilled = crate::matrix::gap::fill(self.client, self.inbox, self.store, &response, now_ms).await;
        }
        self.position.advance(&response.next_batch)?;
        // Only what is flushed is handed to the worker.
        let _ = self.wake.send(intake::Work::Inbox);
        for gap in unfilled {
            let _ = self.wake.send(intake::Work::GapTooLarge { room_id: gap.room_id.to_string(), read: gap.read });
        }
        Ok(())
    }
}

/// The sync loop. matrix-sdk's own `Client::sync` sleeps about a second after
/// any sync that returned within a second, which under traffic would delay
/// every answer; a long-polling `sync_once` loop needs no such guard.
async fn sync_forever(synced: Synced<'_>, metrics: Arc<Metrics>, clock: Clock) -> anyhow::Result<()> {
    let mut backoff = Duration::from_secs(1);
    loop {
        match synced.sync(Duration::from_secs(30), true, clock.now_ms()).await {
            Ok(()) => backoff = Duration::from_secs(1),
            Err(e) => {
                Metrics::inc(&metrics.sync_errors);
                tracing::warn!(error = %e, retry_in_s = backoff.as_secs(), "sync failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(60));
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {},
                    _ = term.recv() => {},
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
