//! The syslog line around a program's message: `Dec 10 06:55:46 host
//! sshd[24200]: message`, its variants without a host, with `[prog]`, with an
//! ISO stamp, and RFC 5424 (`<38>1 2019-07-08T17:40:16Z host sshd 57915 - - message`).

use crate::logs::entry::Stamp;
use crate::logs::stamp;
use memchr::memchr;

/// A syslog line split into its parts.
#[derive(Debug, Clone, Copy)]
pub struct Syslog<'a> {
    pub time: Stamp<'a>,
    /// The program name without its pid (`sshd`, `sshd-session`, `sshd(pam_unix)`).
    pub program: &'a [u8],
    pub pid: Option<&'a [u8]>,
    pub message: &'a [u8],
}

fn rfc5424(line: &[u8]) -> Option<Syslog<'_>> {
    let close = memchr(b'>', line)?;
    if line.first() != Some(&b'<') || line.get(close + 1..close + 3) != Some(b"1 ") {
        return None;
    }
    let mut fields = line[close + 3..].splitn(6, |&c| c == b' ');
    let time_text = fields.next()?;
    let key = stamp::iso(time_text)?;
    let _host = fields.next()?;
    let program = fields.next()?;
    let pid = fields.next().filter(|p| *p != b"-");
    let _msgid = fields.next()?;
    let mut rest = fields.next()?;
    // Structured data: `-` or one or more `[id k="v"]` groups (values may hold `]`).
    if let Some(r) = rest.strip_prefix(b"- ") {
        rest = r;
    } else {
        while rest.first() == Some(&b'[') {
            let mut i = 1;
            let mut quoted = false;
            while i < rest.len() {
                match rest[i] {
                    b'\\' => i += 1,
                    b'"' => quoted = !quoted,
                    b']' if !quoted => break,
                    _ => {}
                }
                i += 1;
            }
            rest = rest.get(i + 1..)?;
        }
        rest = rest.trim_ascii_start();
    }
    Some(Syslog { time: Stamp { key, text: time_text }, program, pid, message: rest })
}

/// A program name, its pid, and the message after them.
type Program<'a> = (&'a [u8], Option<&'a [u8]>, &'a [u8]);

/// Splits `prog[pid]:`, `prog:`, `[prog]:` or `[prog]` off the front of `rest`.
fn program(rest: &[u8]) -> Option<Program<'_>> {
    let sp = memchr(b' ', rest).unwrap_or(rest.len());
    let token = &rest[..sp];
    let after = rest.get(sp + 1..).unwrap_or_default();
    if let Some(inner) = token.strip_prefix(b"[") {
        let inner = inner.strip_suffix(b":").unwrap_or(inner);
        let name = inner.strip_suffix(b"]")?;
        return Some((name, None, after));
    }
    let token = token.strip_suffix(b":")?;
    if token.is_empty() || token.contains(&b'=') {
        return None;
    }
    match token.strip_suffix(b"]").and_then(|t| t.iter().rposition(|&c| c == b'[').map(|p| (t, p))) {
        Some((t, p)) => Some((&t[..p], Some(&t[p + 1..]), after)),
        None => Some((token, None, after)),
    }
}

/// Parses a syslog line; `None` if the line is not one.
pub fn parse(line: &[u8]) -> Option<Syslog<'_>> {
    if line.first() == Some(&b'<') {
        return rfc5424(line);
    }
    let (key, len) = match stamp::syslog(line) {
        Some(s) => s,
        None => {
            let sp = memchr(b' ', line)?;
            (stamp::iso(&line[..sp])?, sp)
        }
    };
    let time = Stamp { key, text: &line[..len] };
    let rest = line.get(len + 1..)?;
    // Either `program…` directly or `host program…`.
    if let Some((program, pid, message)) = self::program(rest) {
        return Some(Syslog { time, program, pid, message });
    }
    let sp = memchr(b' ', rest)?;
    let (program, pid, message) = self::program(&rest[sp + 1..])?;
    Some(Syslog { time, program, pid, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants() {
        let s = parse(b"Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186").unwrap();
        assert_eq!((s.program, s.pid), (&b"sshd"[..], Some(&b"24200"[..])));
        assert_eq!(s.message, b"Invalid user webmaster from 173.234.31.186");
        let s = parse(b"Mar  3 00:17:22 [sshd]: User root from 1.2.3.4 not allowed").unwrap();
        assert_eq!(s.program, b"sshd");
        let s = parse(b"Jun 25 23:53:34 [sshd] User root from 1.2.3.4 not allowed").unwrap();
        assert_eq!(s.message, b"User root from 1.2.3.4 not allowed");
        let s = parse(b"Nov 23 21:50:19 sshd[8148]: Disconnecting").unwrap();
        assert_eq!(s.pid, Some(&b"8148"[..]));
        let s = parse(b"Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; rhost=1.2.3.4").unwrap();
        assert_eq!(s.program, b"sshd(pam_unix)");
        let s = parse(b"2015-04-16T18:02:50.321974+00:00 host sshd[2716]: pam_unix(sshd:auth): x").unwrap();
        assert_eq!(s.message, b"pam_unix(sshd:auth): x");
        let s = parse(br#"<38>1 2019-07-08T17:40:17.954167-04:00 h.example.com sshd 55555 - [a b="1"][x@1 t="[b]"] Failed unknown"#).unwrap();
        assert_eq!((s.program, s.message), (&b"sshd"[..], &b"Failed unknown"[..]));
        assert!(parse(b"not a syslog line").is_none());
    }
}
