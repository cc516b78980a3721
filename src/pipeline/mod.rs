//! The path every event takes between the Matrix edge and the domain: the
//! durable inbox and the bot's own sync position.

pub mod inbox;
