//! Web server logs: the combined access format (nginx and Apache, with any
//! extra fields after the user agent) and the Apache and nginx error logs.

use crate::logs::entry::{Entry, Stamp};
use crate::logs::stamp;
use memchr::{memchr, memmem};

/// The position of the closing quote of a quoted field starting at `from`
/// (just after the opening quote); a quote escaped with `\` does not close.
fn close_quote(line: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        let q = i + memchr(b'"', line.get(i..)?)?;
        if q > from && line[q - 1] == b'\\' && !(q > from + 1 && line[q - 2] == b'\\') {
            i = q + 1;
            continue;
        }
        return Some(q);
    }
}

/// `METHOD target HTTP/x.y` → (method, target); anything else is malformed.
fn request(req: &[u8]) -> Option<(&[u8], &[u8])> {
    let sp = memchr(b' ', req)?;
    let method = &req[..sp];
    if method.is_empty() || method.len() > 16 || !method.iter().all(u8::is_ascii_uppercase) {
        return None;
    }
    let rest = &req[sp + 1..];
    let (target, proto) = match rest.iter().rposition(|&c| c == b' ') {
        Some(p) => (&rest[..p], &rest[p + 1..]),
        None => (rest, &b"HTTP/0.9"[..]),
    };
    if target.is_empty() || !proto.starts_with(b"HTTP/") {
        return None;
    }
    Some((method, target))
}

fn status(b: &[u8]) -> Option<u16> {
    if b.len() != 3 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(u16::from(b[0] - b'0') * 100 + u16::from(b[1] - b'0') * 10 + u16::from(b[2] - b'0'))
}

/// `ip ident user [time] "request" status size ["referer" "ua" ...]`.
pub fn combined(line: &[u8]) -> Option<Entry<'_>> {
    let sp = memchr(b' ', line)?;
    let ip = &line[..sp];
    if ip.is_empty() || !ip[0].is_ascii_hexdigit() {
        return None;
    }
    let open = sp + memchr(b'[', &line[sp..])?;
    let close = open + memchr(b']', &line[open..])?;
    let time_text = &line[open + 1..close];
    let key = stamp::clf(time_text)?;
    if line.get(close + 1..close + 3) != Some(b" \"") {
        return None;
    }
    let req_start = close + 3;
    let req_end = close_quote(line, req_start)?;
    let req = &line[req_start..req_end];
    let after = line.get(req_end + 2..)?;
    let status_end = memchr(b' ', after).unwrap_or(after.len());
    let status = status(&after[..status_end])?;
    let mut e =
        Entry { ip: Some(ip), time: Some(Stamp { key, text: time_text }), status: Some(status), ..Entry::default() };
    match request(req) {
        Some((m, t)) => {
            e.method = Some(m);
            e.target = Some(t);
        }
        None => e.malformed = Some(req),
    }
    // Optional "referer" "user agent".
    let rest = &after[status_end..];
    if let Some(q1) = memchr(b'"', rest) {
        let abs = req_end + 2 + status_end + q1 + 1;
        if let Some(q2) = close_quote(line, abs) {
            e.referer = Some(&line[abs..q2]).filter(|r| *r != b"-");
            if line.get(q2 + 1..q2 + 3) == Some(b" \"")
                && let Some(q3) = close_quote(line, q2 + 3)
            {
                e.user_agent = Some(&line[q2 + 3..q3]).filter(|u| *u != b"-" && !u.is_empty());
            }
        }
    }
    Some(e)
}

/// Where a web root usually is, to turn a missing file back into a URL path.
const WEB_ROOTS: &[&[u8]] =
    &[b"/var/www/html", b"/var/www", b"/srv/www/htdocs", b"/srv/www", b"/usr/share/nginx/html", b"/usr/local/www"];

fn url_path(fs_path: &[u8]) -> &[u8] {
    for root in WEB_ROOTS {
        if let Some(rest) = fs_path.strip_prefix(*root)
            && rest.first() == Some(&b'/')
        {
            return rest;
        }
    }
    fs_path
}

/// `[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] message`, with or
/// without the 2.4 `[module:level] [pid N]` fields and a `:port` on the client.
pub fn apache_error(line: &[u8]) -> Option<Entry<'_>> {
    if line.first() != Some(&b'[') {
        return None;
    }
    let close = memchr(b']', line)?;
    let time_text = &line[1..close];
    let key = stamp::ctime(time_text)?;
    let mut e = Entry { time: Some(Stamp { key, text: time_text }), ..Entry::default() };
    let mut rest = &line[close + 1..];
    // Bracketed fields until the message.
    while let Some(r) = rest.strip_prefix(b" [") {
        let end = memchr(b']', r)?;
        let field = &r[..end];
        if let Some(client) = field.strip_prefix(b"client ") {
            e.ip = Some(strip_port(client));
        }
        rest = &r[end + 1..];
    }
    let message = rest.trim_ascii_start();
    e.message = Some(message);
    let fs_path = if let Some(p) = message.strip_prefix(b"File does not exist: ") {
        Some(&p[..memchr(b',', p).unwrap_or(p.len())])
    } else if let Some(p) = message.strip_prefix(b"script '") {
        memchr(b'\'', p).map(|end| &p[..end]).filter(|_| memmem::find(message, b"not found").is_some())
    } else {
        message.strip_prefix(b"script not found or unable to stat: ")
    };
    if let Some(p) = fs_path {
        e.not_found = true;
        e.target = Some(url_path(p.trim_ascii()));
    }
    Some(e)
}

/// An IPv4 `a.b.c.d:port` loses its port; IPv6 stays whole.
fn strip_port(addr: &[u8]) -> &[u8] {
    match addr.iter().rposition(|&c| c == b':') {
        Some(p) if addr.iter().filter(|&&c| c == b':').count() == 1 => &addr[..p],
        _ => addr,
    }
}

/// `2015/01/21 10:56:10 [error] 2833#0: *1 open() "…" failed (2: No such
/// file or directory), client: 5.7.9.2, server: …, request: "GET /x HTTP/1.1"`,
/// possibly after a syslog prefix (`host nginx[2833]: `).
pub fn nginx_error(line: &[u8]) -> Option<Entry<'_>> {
    let at = memmem::find(line, b" [error] ")
        .or_else(|| memmem::find(line, b" [warn] "))
        .or_else(|| memmem::find(line, b" [crit] "))?;
    let time_text = line.get(at.checked_sub(19)?..at)?;
    let key = stamp::iso(time_text)?;
    let mut e =
        Entry { time: Some(Stamp { key, text: time_text }), message: Some(&line[at + 1..]), ..Entry::default() };
    let field = |name: &[u8]| -> Option<&[u8]> {
        let p = memmem::find(line, name)? + name.len();
        let v = &line[p..];
        Some(&v[..memchr(b',', v).unwrap_or(v.len())])
    };
    e.ip = field(b", client: ");
    if let Some(req) = field(b", request: \"") {
        let req = req.strip_suffix(b"\"").unwrap_or(req);
        match request(req) {
            Some((m, t)) => {
                e.method = Some(m);
                e.target = Some(t);
            }
            None => e.malformed = Some(req),
        }
    }
    e.not_found = memmem::find(line, b"(2: No such file or directory)").is_some();
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_with_trailing_fields() {
        let line = br#"165.22.19.102 - - [14/Aug/2019:04:38:36 +0300] "POST /wp-login.php HTTP/1.1" 200 1721 "-" "Mozilla/5.0 (X11)"rt=0.255 uct="0.000""#;
        let e = combined(line).unwrap();
        assert_eq!(e.ip, Some(&b"165.22.19.102"[..]));
        assert_eq!(e.method, Some(&b"POST"[..]));
        assert_eq!(e.target, Some(&b"/wp-login.php"[..]));
        assert_eq!(e.status, Some(200));
        assert_eq!(e.referer, None);
        assert_eq!(e.user_agent, Some(&b"Mozilla/5.0 (X11)"[..]));
    }

    #[test]
    fn raw_bytes_and_escaped_quotes() {
        let e = combined(br#"1.2.3.4 - - [20/Jan/2015:19:53:28 +0100] "\x16\x03\x01" 400 47 "-" "-""#).unwrap();
        assert_eq!(e.malformed, Some(&br"\x16\x03\x01"[..]));
        assert_eq!(e.user_agent, None);
        let e =
            combined(br#"1.2.3.4 - - [20/Jan/2015:19:53:28 +0100] "GET /a HTTP/1.1" 200 1 "-" "say \"hi\"""#).unwrap();
        assert_eq!(e.user_agent, Some(&br#"say \"hi\""#[..]));
        let e = combined(br#"1.2.3.4 - - [20/Jan/2015:19:53:28 +0100] "" 400 47 "-" "-" "-""#).unwrap();
        assert_eq!(e.malformed, Some(&b""[..]));
    }

    #[test]
    fn not_combined() {
        assert!(combined(b"hello world").is_none());
        assert!(combined(b"1.2.3.4 - - [bad] \"GET / HTTP/1.1\" 200 1").is_none());
        assert!(combined(b"1.2.3.4 - - [20/Jan/2015:19:53:28 +0100] \"GET / HTTP/1.1\" 2x0 1").is_none());
    }

    #[test]
    fn apache_error_lines() {
        let e = apache_error(b"[Mon Dec 23 09:49:10 2013] [error] [client 115.249.248.145] File does not exist: /var/www/pma, referer: x").unwrap();
        assert_eq!(e.ip, Some(&b"115.249.248.145"[..]));
        assert_eq!(e.target, Some(&b"/pma"[..]));
        assert!(e.not_found);
        let e = apache_error(
            b"[Thu Sep 25 09:27:18.813902 2014] [cgi:error] [pid 16860] [client 89.207.132.76:59635] AH01215: x",
        )
        .unwrap();
        assert_eq!(e.ip, Some(&b"89.207.132.76"[..]));
        assert!(!e.not_found);
        let e = apache_error(b"[Tue Dec 31 09:13:47 2013] [error] [client 1.2.3.4] script '/var/www/wp-login.php' not found or unable to stat").unwrap();
        assert_eq!(e.target, Some(&b"/wp-login.php"[..]));
    }

    #[test]
    fn nginx_error_lines() {
        let line = br#"host nginx[2833]: 2015/01/21 10:56:10 [error] 2833#0: *16336 open() "/var/www/site/cgi-bin/php4" failed (2: No such file or directory), client: 5.7.9.2, server: localhost, request: "GET /cgi-bin/php4 HTTP/1.1", host: "1.2.3.4""#;
        let e = nginx_error(line).unwrap();
        assert_eq!(e.ip, Some(&b"5.7.9.2"[..]));
        assert_eq!(e.target, Some(&b"/cgi-bin/php4"[..]));
        assert!(e.not_found);
    }
}
