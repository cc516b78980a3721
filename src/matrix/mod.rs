//! Matrix I/O at the edge: the bot's device and sync, the executor, the
//! appservice-token API, and Space synchronisation. Nothing in here decides
//! anything; it reads state, feeds domain services, and carries out effects.

pub mod as_api;
pub mod drain;
pub mod executor;
pub mod gap;
pub mod identity;
pub mod intake;
pub mod queue;
pub mod reset;
pub mod session;
pub mod space_sync;
pub mod verification;
