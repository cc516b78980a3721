//! Line parsers, one module per family of log formats. Each takes a line and
//! returns the fields it found, or `None` if the line is not in its format.

pub mod apps;
pub mod http;
pub mod sshd;
pub mod syslog;
