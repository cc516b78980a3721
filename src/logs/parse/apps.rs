//! Application logs: Synapse's request log, Mastodon's Rails request logs
//! (default and lograge key=value), and JSON lines.

use crate::logs::entry::{Entry, Stamp};
use crate::logs::stamp;
use memchr::{memchr, memmem};

fn status(b: &[u8]) -> Option<u16> {
    let b = b.strip_prefix(b"!").unwrap_or(b);
    if b.len() != 3 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

fn quoted(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let open = memchr(b'"', b)?;
    let close = open + 1 + memchr(b'"', &b[open + 1..])?;
    Some((&b[open + 1..close], &b[close + 1..]))
}

/// `2019-02-14 22:35:08,196 - synapse.access.http.8008 - 302 - INFO - GET-37 -
/// ::1 - 8008 - {@user:server} Processed request: … 687B 200 "GET /path
/// HTTP/1.1" "user agent" [0 dbevts]`; other Synapse lines give their time.
pub fn synapse(line: &[u8]) -> Option<Entry<'_>> {
    let time_text = line.get(..23)?;
    let key = stamp::iso(time_text)?;
    if line.get(23..34) != Some(b" - synapse.") {
        return None;
    }
    let mut e = Entry { time: Some(Stamp { key, text: time_text }), ..Entry::default() };
    let Some(processed) = memmem::find(line, b" Processed request: ") else {
        e.message = Some(&line[23..]);
        return Some(e);
    };
    let head = &line[..processed];
    let mut fields = head.split(|&c| c == b' ').filter(|f| !f.is_empty() && *f != b"-");
    // time(2 words) logger pid level request-id ip port {requester}
    let words: Vec<&[u8]> = fields.by_ref().take(8).collect();
    if words.len() >= 8 {
        e.ip = Some(words[6]);
    }
    if let (Some(o), Some(c)) = (memchr(b'{', head), memchr(b'}', head))
        && o < c
    {
        let who = &head[o + 1..c];
        if !who.starts_with(b"@") && who != b"None" && !who.is_empty() {
            e.origin = Some(who);
        }
    }
    let tail = &line[processed + 20..];
    let (req, rest) = quoted(tail)?;
    let before = tail[..tail.len() - rest.len() - req.len() - 2].trim_ascii_end();
    let st = &before[before.iter().rposition(|&c| c == b' ').map_or(0, |p| p + 1)..];
    e.status = status(st);
    let mut parts = req.splitn(3, |&c| c == b' ');
    e.method = parts.next();
    e.target = parts.next();
    e.user_agent = quoted(rest).map(|(ua, _)| ua).filter(|u| !u.is_empty() && *u != b"-");
    Some(e)
}

fn kv<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut at = 0;
    while let Some(p) = memmem::find(&line[at..], name) {
        let start = at + p;
        if start == 0 || line[start - 1] == b' ' {
            let v = &line[start + name.len()..];
            return Some(&v[..memchr(b' ', v).unwrap_or(v.len())]);
        }
        at = start + name.len();
    }
    None
}

/// Mastodon (Rails): `Started GET "/path" for 1.2.3.4 at 2024-01-01 12:00:00
/// +0000`, `Completed 401 Unauthorized in 5ms`, or lograge's `method=GET
/// path=/api/v1/… status=200 …` (with `remote_ip=` when configured).
pub fn rails(line: &[u8]) -> Option<Entry<'_>> {
    if let Some(p) = memmem::find(line, b"Started ") {
        let r = &line[p + 8..];
        let sp = memchr(b' ', r)?;
        let method = &r[..sp];
        let (path, rest) = quoted(&r[sp..])?;
        let ip_start = memmem::find(rest, b" for ")? + 5;
        let ip = &rest[ip_start..ip_start + memchr(b' ', &rest[ip_start..]).unwrap_or(rest.len() - ip_start)];
        let mut e = Entry { ip: Some(ip), method: Some(method), target: Some(path), ..Entry::default() };
        if let Some(at) = memmem::find(rest, b" at ") {
            let t = &rest[at + 4..];
            if let Some(key) = stamp::iso(t) {
                e.time = Some(Stamp { key, text: &t[..t.len().min(25)] });
            }
        }
        return Some(e);
    }
    if let Some(p) = memmem::find(line, b"Completed ") {
        let code = line.get(p + 10..p + 13)?;
        return Some(Entry { status: Some(status(code)?), ..Entry::default() });
    }
    let method = kv(line, b"method=")?;
    let path = kv(line, b"path=")?;
    Some(Entry {
        method: Some(method),
        target: Some(path),
        status: kv(line, b"status=").and_then(status),
        ip: kv(line, b"remote_ip=").or_else(|| kv(line, b"ip=")),
        ..Entry::default()
    })
}

/// The fields of one JSON line, owned (JSON strings may hold escapes).
#[derive(Debug, Default)]
pub struct JsonFields {
    ip: Option<String>,
    time: Option<String>,
    method: Option<String>,
    target: Option<String>,
    ua: Option<String>,
    referer: Option<String>,
    status: Option<u16>,
    message: Option<String>,
}

const IP_KEYS: &[&str] =
    &["remote_addr", "remote_ip", "client_ip", "clientip", "client", "ip", "src_ip", "source_ip", "host"];
const TIME_KEYS: &[&str] = &["time", "timestamp", "@timestamp", "time_iso8601", "time_local", "ts"];
const TARGET_KEYS: &[&str] = &["request_uri", "uri", "path", "url"];
const UA_KEYS: &[&str] = &["http_user_agent", "user_agent", "useragent", "ua", "agent"];

impl JsonFields {
    /// Parses one JSON object line; `None` if it is not one.
    pub fn parse(&mut self, line: &[u8]) -> Option<Entry<'_>> {
        if line.first() != Some(&b'{') {
            return None;
        }
        let v: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(line).ok()?;
        let text = |keys: &[&str]| -> Option<String> {
            keys.iter().find_map(|k| match v.get(*k) {
                Some(serde_json::Value::String(s)) if !s.is_empty() && s != "-" => Some(s.clone()),
                _ => None,
            })
        };
        *self = JsonFields {
            ip: text(IP_KEYS),
            time: text(TIME_KEYS),
            method: text(&["method", "request_method", "verb"]),
            target: text(TARGET_KEYS),
            ua: text(UA_KEYS),
            referer: text(&["http_referer", "referer", "referrer"]),
            status: ["status", "status_code", "response", "code"].iter().find_map(|k| match v.get(*k) {
                Some(serde_json::Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
                Some(serde_json::Value::String(s)) => s.parse().ok(),
                _ => None,
            }),
            message: text(&["message", "msg"]),
        };
        // `"request": "GET /path HTTP/1.1"` (nginx's $request).
        if self.target.is_none()
            && let Some(req) = text(&["request"])
        {
            let mut parts = req.splitn(3, ' ');
            if let (Some(m), Some(t)) = (parts.next(), parts.next()) {
                self.method.get_or_insert_with(|| m.to_string());
                self.target = Some(t.to_string());
            }
        }
        let time = self.time.as_deref().and_then(|t| {
            stamp::iso(t.as_bytes()).or_else(|| stamp::clf(t.as_bytes())).map(|key| Stamp { key, text: t.as_bytes() })
        });
        Some(Entry {
            ip: self.ip.as_deref().map(str::as_bytes),
            time,
            method: self.method.as_deref().map(str::as_bytes),
            target: self.target.as_deref().map(str::as_bytes),
            status: self.status,
            user_agent: self.ua.as_deref().map(str::as_bytes),
            referer: self.referer.as_deref().map(str::as_bytes),
            message: self.message.as_deref().map(str::as_bytes),
            ..Entry::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synapse_request_lines() {
        let line = br#"2020-10-01 12:00:00,000 - synapse.access.http.8008 - 311 - INFO - PUT-1000- 192.168.0.1 - 8008 - {another-matrix-server.com} Processed request: 0.100sec/-0.000sec (0.000sec, 0.000sec) (0.001sec/0.090sec/3) 11B !200 "PUT /_matrix/federation/v1/send/1600000000000 HTTP/1.1" "Synapse/1.20.1" [0 dbevts]"#;
        let e = synapse(line).unwrap();
        assert_eq!(e.ip, Some(&b"192.168.0.1"[..]));
        assert_eq!(e.origin, Some(&b"another-matrix-server.com"[..]));
        assert_eq!(e.status, Some(200));
        assert_eq!(e.method, Some(&b"PUT"[..]));
        assert_eq!(e.user_agent, Some(&b"Synapse/1.20.1"[..]));
        let line = br#"2019-02-14 22:35:08,196 - synapse.access.http.8008 - 302 - INFO - GET-37 - ::1 - 8008 - {@richvdh:localhost} Processed request: 0.173sec/0.001sec (0.002sec, 0.000sec) (0.027sec/0.026sec/2) 687B 200 "GET /_matrix/client/r0/sync HTTP/1.1" "Mozilla/5.0" [0 dbevts]"#;
        let e = synapse(line).unwrap();
        assert_eq!(e.ip, Some(&b"::1"[..]));
        assert_eq!(e.origin, None);
        assert_eq!(e.target, Some(&b"/_matrix/client/r0/sync"[..]));
    }

    #[test]
    fn rails_lines() {
        let e = rails(br#"I, [2024-01-01T12:00:00.1 #1]  INFO -- : [ab] Started POST "/api/v1/apps" for 203.0.113.5 at 2024-01-01 12:00:00 +0000"#).unwrap();
        assert_eq!(e.ip, Some(&b"203.0.113.5"[..]));
        assert_eq!(e.target, Some(&b"/api/v1/apps"[..]));
        assert!(e.time.is_some());
        let e =
            rails(b"[ab] method=GET path=/api/v2/search format=json controller=X action=index status=429 duration=1.0")
                .unwrap();
        assert_eq!((e.status, e.target), (Some(429), Some(&b"/api/v2/search"[..])));
        assert_eq!(rails(b"I, [x] Completed 401 Unauthorized in 5ms").unwrap().status, Some(401));
    }

    #[test]
    fn json_lines() {
        let mut f = JsonFields::default();
        let e = f.parse(br#"{"remote_addr":"203.0.113.9","request":"GET /.env HTTP/1.1","status":404,"http_user_agent":"curl/8","time_iso8601":"2024-05-01T10:00:00+00:00"}"#).unwrap();
        assert_eq!(e.ip, Some(&b"203.0.113.9"[..]));
        assert_eq!(e.target, Some(&b"/.env"[..]));
        assert_eq!(e.status, Some(404));
        assert!(e.time.is_some());
        assert!(f.parse(b"{not json").is_none());
    }
}
