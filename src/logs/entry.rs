//! One log line as the parsers understand it: borrowed slices of the input,
//! so analysing a large log allocates only for things seen for the first time.

/// What an authentication log line says about a login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Auth {
    #[default]
    None,
    /// A failed or refused login (bad password, invalid user, too many attempts).
    Failure,
    /// A connection that never tried to log in properly (scanner, bad
    /// protocol, dropped before authentication).
    Probe,
    /// A successful login.
    Success,
}

/// A timestamp: a key that sorts like time, and the text as logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp<'a> {
    pub key: i64,
    pub text: &'a [u8],
}

/// The fields of one line that the summary counts. Every field is optional:
/// a format fills what it has.
#[derive(Debug, Clone, Copy, Default)]
pub struct Entry<'a> {
    /// The remote address (client, or the host an sshd failure names).
    pub ip: Option<&'a [u8]>,
    pub time: Option<Stamp<'a>>,
    pub method: Option<&'a [u8]>,
    /// The request target (path and query) or, in error logs, the missing path.
    pub target: Option<&'a [u8]>,
    /// The request as logged, when it is not a well-formed `METHOD target HTTP/x`.
    pub malformed: Option<&'a [u8]>,
    pub status: Option<u16>,
    pub referer: Option<&'a [u8]>,
    pub user_agent: Option<&'a [u8]>,
    /// A remote server the line names (Synapse's federation origin).
    pub origin: Option<&'a [u8]>,
    pub auth: Auth,
    /// A line that reports a missing file (error logs), where scanners show.
    pub not_found: bool,
    /// Free text of error and syslog lines, for signatures found in messages.
    pub message: Option<&'a [u8]>,
}
