//! fedisec: a Matrix appservice bot for a referral-only community of
//! Fediverse server administrators who share security information.
//!
//! Layout of the crate, from the edge inwards:
//! - `matrix`, `appservice`: Matrix I/O — the bot's E2EE device and sync, the
//!   executor that performs effects, the appservice HTTP API.
//! - `commands`: the chat grammar, the role and room check, one file per
//!   command; it calls the domain services.
//! - `moderation`, `referral`, `tickets`, `logs`, `feeds`, `space`, `roles`:
//!   sans-I/O domain services; they take a `service::Request`, state, typed
//!   input and the time, and return effects or plans.
//! - `store`: community state in sled; `config`: files an admin writes;
//!   `i18n`: locales, replies and escaping (each family has its `messages.rs`).

pub mod app;
pub mod appservice;
pub mod cli_messages;
pub mod clock;
pub mod commands;
pub mod config;
pub mod control;
pub mod duration;
pub mod effects;
pub mod feeds;
pub mod fetch;
pub mod i18n;
pub mod logs;
pub mod matrix;
pub mod metrics;
pub mod moderation;
pub mod pipeline;
pub mod referral;
pub mod registration;
pub mod roles;
pub mod service;
pub mod space;
pub mod store;
pub mod tickets;
pub mod undecryptable;
