//! Vulnerability and news feeds, normalised into one advisory record.
//!
//! seeds/000: the vuln-info channel gathers vulnerabilities "from JVN and
//! news at home and abroad". Feeds come as RSS 0.9x/1.0/2.0, Atom and JSON
//! Feed (parsed by feed-rs) and JVN adds its own `sec:` namespace (CVSS, CVE
//! and CWE references, CPE) and `dcterms` dates that generic parsers drop, so
//! JVN gets a second, namespace-aware pass over the same bytes. Everything
//! ends up as an `Advisory`, whatever the source. Sans-I/O: bytes in,
//! records out.

pub mod advisory;
pub mod ingest;
pub mod jvn;
pub mod parse;
pub mod poll;
pub mod watch;

pub use advisory::{Advisory, Cvss};
pub use parse::{FeedError, parse};
