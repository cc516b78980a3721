#![recursion_limit = "256"]
//! End-to-end tests: the real `fedisec` binary against a real Synapse, with
//! real matrix-sdk clients (E2EE included) as community members.
//!
//! One Synapse serves the whole run (it takes ~20 s to start). If it cannot
//! be started — typically because it is not installed — every test that
//! needs it fails with the instructions to install it; none is skipped.

#[path = "../support/mod.rs"]
mod support;

mod appservice_api;
mod cli;
mod commands;
mod crash_mix;
mod durable;
mod encrypted;
mod feeds;
mod identity;
mod logs;
mod moderation;
mod outage;
mod referrals;
mod restart;
mod space;
mod tickets;

use libtest_mimic::{Arguments, Failed, Trial};
use std::process::ExitCode;
use std::sync::Arc;
use support::synapse::Synapse;

type HsTest = fn(&Synapse) -> Result<(), Failed>;
type PlainTest = fn() -> Result<(), Failed>;

const HS_TESTS: &[(&str, HsTest)] = &[
    ("space::built_from_rooms_toml_and_idempotent", space::built_from_rooms_toml_and_idempotent),
    ("commands::ping_help_and_errors_in_public_rooms", commands::ping_help_and_errors_in_public_rooms),
    ("commands::english_locale", commands::english_locale),
    ("encrypted::ping_in_log_share_is_answered_encrypted", encrypted::ping_in_log_share_is_answered_encrypted),
    ("identity::recovered_after_the_crypto_store_is_lost", identity::recovered_after_the_crypto_store_is_lost),
    ("identity::withheld_key_is_answered_without_content", identity::withheld_key_is_answered_without_content),
    ("identity::admin_verifies_the_bot_with_emoji", identity::admin_verifies_the_bot_with_emoji),
    (
        "appservice_api::hs_token_is_checked_and_transactions_are_idempotent",
        appservice_api::hs_token_is_checked_and_transactions_are_idempotent,
    ),
    ("restart::keeps_device_and_acts_on_each_event_once", restart::keeps_device_and_acts_on_each_event_once),
    ("durable::commands_sent_while_down_are_all_answered", durable::commands_sent_while_down_are_all_answered),
    ("durable::sigkill_mid_burst_loses_and_repeats_nothing", durable::sigkill_mid_burst_loses_and_repeats_nothing),
    ("crash_mix::mixed_commands_survive_sigkill", crash_mix::mixed_commands_survive_sigkill),
    ("moderation::report_ban_policy_refusals_and_audit", moderation::report_ban_policy_refusals_and_audit),
    (
        "moderation::timed_mute_is_lifted_on_time_and_across_restart",
        moderation::timed_mute_is_lifted_on_time_and_across_restart,
    ),
    ("referrals::refer_vouch_agree_reject_expire", referrals::refer_vouch_agree_reject_expire),
    ("feeds::matching_items_once_with_cross_source_threads", feeds::matching_items_once_with_cross_source_threads),
    (
        "logs::share_summarise_sightings_sanitize_export_and_guard",
        logs::share_summarise_sightings_sanitize_export_and_guard,
    ),
    ("tickets::consult_confirm_publish_refusals_and_reminder", tickets::consult_confirm_publish_refusals_and_reminder),
];

const PLAIN_TESTS: &[(&str, PlainTest)] = &[
    (
        "cli::registration_keeps_tokens_and_prints_homeserver_lines",
        cli::registration_keeps_tokens_and_prints_homeserver_lines,
    ),
    ("cli::check_names_file_line_and_fix", cli::check_names_file_line_and_fix),
    ("cli::run_refuses_the_same_errors", cli::run_refuses_the_same_errors),
    ("outage::homeserver_down_for_a_minute_loses_nothing", outage::homeserver_down_for_a_minute_loses_nothing),
];

fn main() -> ExitCode {
    let args = Arguments::from_args();
    // Synapse is started here, on the main thread, which outlives every test:
    // children die with the thread that spawned them (PR_SET_PDEATHSIG), so a
    // Synapse started on a test worker thread would die with that thread.
    let wanted =
        |name: &str| args.filter.as_deref().is_none_or(|f| if args.exact { name == f } else { name.contains(f) });
    let synapse: Arc<Option<Result<Synapse, String>>> = Arc::new(
        (!args.list && HS_TESTS.iter().any(|(name, _)| wanted(name))).then(|| Synapse::start(HS_TESTS.len() + 1)),
    );
    let mut trials: Vec<Trial> = PLAIN_TESTS.iter().map(|&(name, f)| Trial::test(name, f)).collect();
    for &(name, test) in HS_TESTS {
        let synapse = synapse.clone();
        trials.push(Trial::test(name, move || match synapse.as_ref() {
            Some(Ok(hs)) => test(hs),
            Some(Err(message)) => Err(message.clone().into()),
            None => Err("Synapse was not started".into()),
        }));
    }
    let conclusion = libtest_mimic::run(&args, trials);
    if let Some(Ok(hs)) = synapse.as_ref() {
        hs.stop();
    }
    conclusion.exit_code()
}

/// A fresh multi-threaded runtime for one async test.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(f)
}
