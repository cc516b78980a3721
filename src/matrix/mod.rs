//! Matrix I/O at the edge: the bot's device and sync, the executor, the
//! appservice-token API, and Space synchronisation. Nothing in here decides
//! anything; it reads state, feeds domain services, and carries out effects.

pub mod as_api;
pub mod drain;
pub mod executor;
pub mod gap;
pub mod identity;
pub mod incoming;
pub mod intake;
mod jobs;
mod lookups;
pub mod messages;
pub mod queue;
pub mod reset;
pub mod session;
mod shares;
pub mod space_sync;
mod unreadable;
pub mod verification;
