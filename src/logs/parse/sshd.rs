//! sshd (and PAM) authentication logs: which lines are failed logins, which
//! are pre-authentication probes, and from where.
//!
//! The rules follow what fail2ban's sshd filter learned over the years,
//! including its multi-line cases: a line without an address takes it from an
//! earlier line of the same connection (same pid), a public-key failure of a
//! valid user or a PAM failure counts only if the connection then ends without
//! a successful login or tries another user, and the address is read from the
//! right place when the user name or the client's auth info tries to inject
//! a different one.

use crate::logs::entry::Auth;
use memchr::memmem;
use rustc_hash::FxHashMap;
use std::borrow::Cow;

/// What one connection (pid) has shown so far.
#[derive(Debug, Default)]
struct Conn {
    host: Option<Vec<u8>>,
    /// Failures that count only if the connection does not end in a login.
    pending: u32,
    /// A probe seen before the address was known.
    pending_probe: bool,
    /// Users tried in pending failures.
    users: Vec<Vec<u8>>,
    /// A failure of this connection was already counted.
    counted: bool,
}

/// Per-log state of the sshd rules.
#[derive(Debug, Default)]
pub struct Sshd {
    conns: FxHashMap<Vec<u8>, Conn>,
}

/// The verdict on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict<'a> {
    pub auth: Auth,
    pub host: Option<Cow<'a, [u8]>>,
}

/// How many connections are remembered before the oldest state is dropped.
const MAX_CONNS: usize = 65_536;

enum Kind<'a> {
    Fail(Option<&'a [u8]>),
    Pending(Option<&'a [u8]>, Option<&'a [u8]>),
    Probe(Option<&'a [u8]>),
    /// The connection ended: its address, `[preauth]`, and whether it is a
    /// `Disconnected from` line (which repeats a failure already counted).
    Close(Option<&'a [u8]>, bool, bool),
    Accepted(Option<&'a [u8]>, Option<&'a [u8]>),
    Connect(&'a [u8]),
    TooMany,
    Nothing,
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    memmem::find(h, n)
}

fn token(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == b' ').unwrap_or(b.len());
    &b[..end]
}

fn after<'a>(h: &'a [u8], n: &[u8]) -> Option<&'a [u8]> {
    find(h, n).map(|p| &h[p + n.len()..])
}

/// The address in `... from HOST port N [sshV][: info | [preauth] | end]`:
/// the first such group that ends the line or is followed by `:` (so a user
/// name or auth info holding `from X port N` cannot inject X); else the last
/// word after ` from `.
fn from_host(m: &[u8]) -> Option<&[u8]> {
    let mut at = 0;
    while let Some(p) = find(&m[at..], b" from ") {
        let start = at + p + 6;
        let host = token(&m[start..]);
        let rest = &m[start + host.len()..];
        if let Some(r) = rest.strip_prefix(b" port ") {
            let digits = r.iter().take_while(|c| c.is_ascii_digit()).count();
            let mut tail = &r[digits..];
            if let Some(t) = tail.strip_prefix(b" ssh2").or_else(|| tail.strip_prefix(b" ssh1")) {
                tail = t;
            }
            if digits > 0 && (tail.is_empty() || tail[0] == b':' || tail.trim_ascii() == b"[preauth]") {
                return Some(host);
            }
        }
        at = start;
    }
    let p = m.windows(6).rposition(|w| w == b" from ")?;
    let host = token(&m[p + 6..]);
    (!host.is_empty()).then_some(host)
}

/// The address in `... HOST port N [preauth]` (closing lines that name a user first).
fn host_before_port(m: &[u8]) -> Option<&[u8]> {
    let p = m.windows(6).rposition(|w| w == b" port ")?;
    let before = &m[..p];
    let sp = before.iter().rposition(|&c| c == b' ')?;
    Some(&before[sp + 1..])
}

fn pam_field<'a>(m: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut at = 0;
    while let Some(p) = find(&m[at..], name) {
        let start = at + p;
        if start == 0 || m[start - 1] == b' ' {
            let v = token(&m[start + name.len()..]);
            return (!v.is_empty()).then_some(v);
        }
        at = start + name.len();
    }
    None
}

fn classify(m: &[u8]) -> Kind<'_> {
    let m = m.strip_prefix(b"[ID ").and_then(|r| find(r, b"] ").map(|p| &r[p + 2..])).unwrap_or(m);
    let m = m.strip_prefix(b"error: ").or_else(|| m.strip_prefix(b"fatal: ")).unwrap_or(m);
    let preauth = m.ends_with(b"[preauth]");
    if let Some(r) = m.strip_prefix(b"Accepted ") {
        let user = after(r, b" for ").map(token);
        return Kind::Accepted(from_host(m), user);
    }
    if let Some(r) = m.strip_prefix(b"Failed ") {
        if r.starts_with(b"publickey for ") && !r.starts_with(b"publickey for invalid user ") {
            return Kind::Pending(from_host(m), after(r, b" for ").map(token));
        }
        return Kind::Fail(from_host(m));
    }
    if let Some(r) = m.strip_prefix(b"PAM: ") {
        let lower = r.to_ascii_lowercase();
        if find(&lower, b"authentication failure for ").is_some()
            || find(&lower, b"authentication error for ").is_some()
            || r.starts_with(b"User not known")
        {
            return Kind::Fail(after(r, b" from ").map(token));
        }
        return Kind::Nothing;
    }
    if m.starts_with(b"Invalid user ") || m.starts_with(b"Illegal user ") {
        return Kind::Fail(from_host(m));
    }
    if m.starts_with(b"User ") && find(m, b" not allowed because ").is_some() {
        return match after(m, b" from ") {
            Some(r) => Kind::Fail(Some(token(r))),
            None => Kind::Nothing,
        };
    }
    if let Some(r) = m.strip_prefix(b"ROOT LOGIN REFUSED FROM ") {
        return Kind::Fail(Some(token(r)));
    }
    if m.starts_with(b"refused connect from ") {
        let open = m.iter().rposition(|&c| c == b'(');
        let close = m.iter().rposition(|&c| c == b')');
        return match (open, close) {
            (Some(o), Some(c)) if o < c => Kind::Fail(Some(&m[o + 1..c])),
            _ => Kind::Fail(after(m, b"@").map(token)),
        };
    }
    if m.starts_with(b"maximum authentication attempts exceeded for ") {
        return Kind::Fail(from_host(m));
    }
    if m.starts_with(b"Disconnecting: Too many authentication failures") {
        return Kind::TooMany;
    }
    if m.starts_with(b"Disconnecting invalid user ")
        || m.starts_with(b"Disconnecting authenticating user ")
        || m.starts_with(b"Disconnecting user ")
    {
        if find(m, b"Too many authentication failures").is_some() {
            return Kind::Nothing;
        }
        let head = &m[..find(m, b": ").unwrap_or(m.len())];
        return Kind::Fail(host_before_port(head));
    }
    if let Some(r) = m.strip_prefix(b"Received disconnect from ") {
        let host = token(r);
        let host = host.strip_suffix(b":").unwrap_or(host);
        let code_at = find(r, b":").map(|p| r[p + 1..].trim_ascii_start());
        let code: &[u8] = code_at.map(|c| &c[..c.iter().take_while(|d| d.is_ascii_digit()).count()]).unwrap_or(b"");
        return match code {
            b"3" | b"14" => Kind::Fail(Some(host)),
            b"11" if preauth => Kind::Fail(Some(host)),
            _ => Kind::Nothing,
        };
    }
    for lead in [&b"Connection closed by "[..], b"Connection reset by ", b"Disconnected from "] {
        if let Some(r) = m.strip_prefix(lead) {
            if r.starts_with(b"remote host") || r.starts_with(b"peer") {
                break;
            }
            let named_user =
                r.starts_with(b"authenticating user ") || r.starts_with(b"invalid user ") || r.starts_with(b"user ");
            let host = if named_user { host_before_port(m) } else { Some(token(r)) };
            return Kind::Close(host, preauth, lead.starts_with(b"Disconnected"));
        }
    }
    if let Some(r) = m.strip_prefix(b"Connection from ") {
        return Kind::Connect(token(r));
    }
    if let Some(r) = m.strip_prefix(b"SSH: Server;Ltype: ") {
        if let Some(remote) = after(r, b"Remote: ") {
            let v = &remote[..remote.iter().position(|&c| c == b';').unwrap_or(remote.len())];
            let host = v.iter().rposition(|&c| c == b'-').map_or(v, |p| &v[..p]);
            return Kind::Connect(host);
        }
        return Kind::Nothing;
    }
    if m.starts_with(b"Did not receive identification string from ")
        || m.starts_with(b"Bad protocol version identification ")
    {
        return Kind::Probe(from_host(m));
    }
    if let Some(r) = m.strip_prefix(b"Unable to negotiate with ") {
        return Kind::Probe(Some(token(r)));
    }
    if let Some(r) = m.strip_prefix(b"banner exchange: Connection from ") {
        return Kind::Probe(Some(token(r)));
    }
    if let Some(r) = m.strip_prefix(b"ssh_dispatch_run_fatal: Connection from ") {
        return Kind::Probe(Some(token(r)));
    }
    if let Some(r) = m.strip_prefix(b"Timeout before authentication for ") {
        let r = r.strip_prefix(b"connection from ").unwrap_or(r);
        return Kind::Probe(Some(token(r)));
    }
    if let Some(r) = m.strip_prefix(b"kex_exchange_identification: ") {
        if r.starts_with(b"banner line too long") {
            return Kind::Nothing;
        }
        return Kind::Probe(None);
    }
    if m.starts_with(b"Unable to negotiate a key exchange method")
        || m.starts_with(b"no matching ")
        || m.starts_with(b"Read from socket failed: Connection reset by peer")
    {
        return Kind::Probe(None);
    }
    if let Some(r) = m
        .strip_prefix(b"pam_unix(sshd:auth): authentication failure;")
        .or_else(|| m.strip_prefix(b"authentication failure;"))
    {
        let user = pam_field(r, b"user=").or_else(|| pam_field(r, b"ruser="));
        return Kind::Pending(pam_field(r, b"rhost="), user);
    }
    Kind::Nothing
}

fn owned(h: Option<&[u8]>) -> Option<Vec<u8>> {
    h.map(<[u8]>::to_vec)
}

impl Sshd {
    fn conn(&mut self, pid: Option<&[u8]>) -> Option<&mut Conn> {
        let pid = pid?;
        if self.conns.len() >= MAX_CONNS && !self.conns.contains_key(pid) {
            self.conns.clear();
        }
        Some(self.conns.entry(pid.to_vec()).or_default())
    }

    /// Judges one sshd or PAM message of connection `pid`.
    pub fn line<'a>(&mut self, pid: Option<&[u8]>, message: &'a [u8]) -> Verdict<'a> {
        let kind = classify(message);
        let mut scratch = Conn::default();
        let conn = match self.conn(pid) {
            Some(c) => c,
            None => &mut scratch,
        };
        let counted = |conn: &mut Conn, auth: Auth, host: Option<&'a [u8]>| -> Verdict<'a> {
            if let Some(h) = host {
                conn.host = Some(h.to_vec());
            }
            conn.counted = true;
            conn.pending = 0;
            conn.pending_probe = false;
            let host = host.map(Cow::Borrowed).or_else(|| conn.host.clone().map(Cow::Owned));
            Verdict { auth, host }
        };
        let none = Verdict { auth: Auth::None, host: None };
        match kind {
            Kind::Fail(host) => counted(conn, Auth::Failure, host),
            Kind::Pending(host, user) => {
                if let Some(h) = host {
                    conn.host = owned(Some(h));
                }
                let user = user.unwrap_or_default();
                let new_user = !conn.users.is_empty() && !conn.users.iter().any(|u| u == user);
                if !conn.users.iter().any(|u| u == user) {
                    conn.users.push(user.to_vec());
                }
                if new_user {
                    return counted(conn, Auth::Failure, host);
                }
                conn.pending += 1;
                Verdict { auth: Auth::None, host: host.map(Cow::Borrowed) }
            }
            Kind::TooMany => {
                if conn.host.is_some() {
                    counted(conn, Auth::Failure, None)
                } else {
                    conn.pending += 1;
                    none
                }
            }
            Kind::Probe(host) => {
                if host.is_some() || conn.host.is_some() {
                    counted(conn, Auth::Probe, host)
                } else {
                    conn.pending_probe = true;
                    none
                }
            }
            Kind::Close(host, preauth, disconnected) => {
                if disconnected && conn.counted {
                    none
                } else if conn.pending > 0 {
                    counted(conn, Auth::Failure, host)
                } else if preauth || conn.pending_probe {
                    counted(conn, Auth::Probe, host)
                } else {
                    none
                }
            }
            Kind::Accepted(host, user) => {
                let user = user.unwrap_or_default();
                // Logging in as someone else after failures does not wipe them.
                let other_user = !conn.users.is_empty() && !conn.users.iter().any(|u| u == user);
                let verdict = if other_user {
                    counted(conn, Auth::Failure, host)
                } else {
                    Verdict { auth: Auth::Success, host: host.map(Cow::Borrowed) }
                };
                conn.pending = 0;
                conn.users.clear();
                verdict
            }
            Kind::Connect(host) => {
                conn.host = owned(Some(host));
                Verdict { auth: Auth::None, host: Some(Cow::Borrowed(host)) }
            }
            Kind::Nothing => none,
        }
    }

    /// Failures still pending when the log ends (a PAM failure with no
    /// login after it), with their addresses.
    pub fn unfinished(&self) -> impl Iterator<Item = (&[u8], u32)> {
        self.conns.values().filter(|c| c.pending > 0).filter_map(|c| c.host.as_deref().map(|h| (h, c.pending)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(lines: &[(&str, &str)]) -> Vec<(Auth, Option<String>)> {
        let mut s = Sshd::default();
        lines
            .iter()
            .map(|(pid, m)| {
                let v = s.line(Some(pid.as_bytes()), m.as_bytes());
                (v.auth, v.host.map(|h| String::from_utf8_lossy(&h).into_owned()))
            })
            .collect()
    }

    #[test]
    fn injection_in_user_names_and_auth_info_is_ignored() {
        let got = judge(&[
            (
                "1",
                "Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2",
            ),
            (
                "2",
                "Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2",
            ),
            ("3", "Failed password for invalid user from 10.10.1.1 from 127.0.0.1 port 58946 ssh2"),
            ("4", "Connection closed by authenticating user test 127.0.0.1 port 12345 192.0.2.11 port 46039 [preauth]"),
        ]);
        assert_eq!(got[0], (Auth::Failure, Some("127.0.0.1".into())));
        assert_eq!(got[1], (Auth::Failure, Some("127.0.0.1".into())));
        assert_eq!(got[2], (Auth::Failure, Some("127.0.0.1".into())));
        assert_eq!(got[3], (Auth::Probe, Some("192.0.2.11".into())));
    }

    #[test]
    fn pending_failures_are_forgotten_by_a_login_of_the_same_user() {
        let got = judge(&[
            ("9", "Failed publickey for git from 192.0.2.1 port 57904 ssh2: ECDSA x"),
            ("9", "Accepted publickey for git from 192.0.2.1 port 57904 ssh2: DSA x"),
            ("9", "Connection closed by 192.0.2.1"),
        ]);
        assert!(got.iter().all(|(a, _)| *a != Auth::Failure));
    }

    #[test]
    fn a_login_as_another_user_after_failures_counts() {
        let got = judge(&[
            (
                "7",
                "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=root rhost=192.0.2.116",
            ),
            ("7", "Accepted password for known from 192.0.2.116 port 52100 ssh2"),
        ]);
        assert_eq!(got[0].0, Auth::None);
        assert_eq!(got[1], (Auth::Failure, Some("192.0.2.116".into())));
    }

    #[test]
    fn hostless_lines_take_the_connection_address() {
        let got = judge(&[
            ("5", "Connection from 115.249.163.77 port 51353"),
            ("5", "Disconnecting: Too many authentication failures for root [preauth]"),
        ]);
        assert_eq!(got[1], (Auth::Failure, Some("115.249.163.77".into())));
    }
}
