//! Commands every room has: `!help` and `!ping`.

mod help;
mod ping;

super::family::family! {
    /// Commands that belong to no community process.
    General {
        Help(help::Help),
        Ping(ping::Ping),
    }
}
