//! The path every event takes between the Matrix edge and the domain: the
//! durable inbox, the bot's own sync position, and the outbox the executor
//! drains.

pub mod inbox;
pub mod messages;
pub mod outbox;
