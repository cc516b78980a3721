//! The analysis against real logs: fail2ban's labelled test logs (each line
//! carries the verdict fail2ban expects and the host it must name) and the
//! unlabelled captures from loghub, Elastic and the OTUS course.

use super::analyze::Analyzer;
use super::entry::Auth;
use super::signature::Signature;
use std::collections::BTreeMap;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/logs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[derive(Debug)]
struct Label {
    matched: bool,
    host: Option<String>,
}

/// The log lines of a fail2ban test file, each with its label; lines whose
/// label says they do not apply in aggressive mode are left out, as
/// fail2ban's own test runner leaves them out in that mode.
fn labelled(name: &str) -> Vec<(String, Option<Label>)> {
    let text = String::from_utf8_lossy(&fixture(&format!("fail2ban_labelled/{name}"))).into_owned();
    let mut out = Vec::new();
    let mut pending: Option<serde_json::Value> = None;
    for line in text.lines() {
        if let Some(json) = line.strip_prefix("# failJSON: ") {
            pending = serde_json::from_str(json).ok();
            assert!(pending.is_some(), "unreadable label {json}");
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let label = pending.take();
        if let Some(l) = &label
            && l["constraint"].as_str().is_some_and(|c| c.contains("!= 'aggressive'"))
        {
            continue;
        }
        let label = label.map(|l| Label {
            matched: l["match"].as_bool().unwrap_or(false),
            host: l["host"].as_str().map(str::to_string),
        });
        out.push((line.to_string(), label));
    }
    out
}

fn plain(host: &[u8]) -> String {
    let h = String::from_utf8_lossy(host);
    h.strip_prefix("::ffff:").unwrap_or(&h).to_string()
}

/// Every labelled line gets fail2ban's verdict and host, and the summary's
/// per-host counts equal the labels' counts.
fn check_labelled(name: &str) {
    let lines = labelled(name);
    let mut a = Analyzer::new();
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (line, label) in &lines {
        let v = a.line(line.as_bytes());
        let hit = v.hits != 0 || matches!(v.auth, Auth::Failure | Auth::Probe);
        let Some(label) = label else { continue };
        let host = v.source.as_deref().map(plain);
        // A label without a host (fail2ban's "attempts" lines) counts for the
        // host the connection showed earlier, which the verdict names.
        if label.matched
            && let Some(h) = label.host.clone().or_else(|| host.clone())
        {
            *expected.entry(h).or_default() += 1;
        }
        if hit != label.matched || (label.matched && label.host.is_some() && host != label.host) {
            wrong.push(format!("{line}\n    expected {label:?}, got hit={hit} host={host:?} {:?}", v.format));
        }
    }
    assert!(wrong.is_empty(), "{name}: {} of {} lines judged wrongly:\n{}", wrong.len(), lines.len(), wrong.join("\n"));
    let tally = a.finish();
    let counted: BTreeMap<String, u64> = tally
        .sources
        .iter()
        .filter(|(_, s)| s.hits > 0)
        .map(|(k, s)| (plain(k), s.hits))
        .filter(|(k, _)| expected.contains_key(k))
        .collect();
    assert_eq!(counted, expected, "{name}: per-host counts");
}

#[test]
fn nginx_botsearch_matches_fail2ban_labels() {
    check_labelled("nginx-botsearch.log");
}

#[test]
fn nginx_bad_request_matches_fail2ban_labels() {
    check_labelled("nginx-bad-request.log");
}

#[test]
fn apache_botsearch_matches_fail2ban_labels() {
    check_labelled("apache-botsearch.log");
}

#[test]
fn apache_shellshock_matches_fail2ban_labels() {
    check_labelled("apache-shellshock.log");
}

#[test]
fn sshd_matches_fail2ban_labels_in_aggressive_mode() {
    check_labelled("sshd.log");
}

fn summary_of(name: &str) -> super::tally::Tally {
    Analyzer::run(&fixture(name))
}

/// The request field of a combined-format line, by plain splitting on quotes.
fn request_field(line: &str) -> &str {
    line.split('"').nth(1).unwrap_or("")
}

#[test]
fn otus_nginx_log_counts() {
    let text = String::from_utf8_lossy(&fixture("otus_nginx_access-4560-644067.log")).into_owned();
    let t = summary_of("otus_nginx_access-4560-644067.log");
    assert_eq!(t.lines, 671);
    assert_eq!(t.formats.get("access"), Some(&671), "every line, with its rt= uct= suffix, is an access line");
    let wordpress = text
        .lines()
        .filter(|l| {
            let target = request_field(l).split(' ').nth(1).unwrap_or("").to_ascii_lowercase();
            target.contains("wp-login.php") || target.contains("xmlrpc.php") || target.contains("/wp-admin")
        })
        .count() as u64;
    assert_eq!(t.signatures.get(&Signature::WordPress), Some(&wordpress));
    let tls = text.lines().filter(|l| request_field(l).starts_with(r"\x16\x03")).count() as u64;
    assert_eq!(t.signatures.get(&Signature::RawTls), Some(&tls));
    let proxy =
        text.lines().filter(|l| request_field(l).split(' ').nth(1).is_some_and(|p| p.starts_with("http"))).count();
    assert_eq!(t.signatures.get(&Signature::ProxyProbe), Some(&(proxy as u64)));
    let mut per_ip: BTreeMap<&str, u64> = BTreeMap::new();
    for l in text.lines() {
        *per_ip.entry(l.split(' ').next().unwrap_or("")).or_default() += 1;
    }
    for (ip, n) in per_ip {
        assert_eq!(t.sources.get(ip.as_bytes()).map(|s| s.lines), Some(n), "{ip}");
    }
    let first = t.range.first.as_ref().map(|f| f.1.clone());
    assert_eq!(first.as_deref(), Some(&b"14/Aug/2019:04:12:10 +0300"[..]));
}

#[test]
fn loghub_formats_are_recognised() {
    let ssh = summary_of("loghub_OpenSSH_2k.log");
    assert_eq!((ssh.lines, ssh.formats.get("syslog")), (2000, Some(&2000)));
    let worst = ssh.sources.iter().max_by_key(|(_, s)| s.failures).map(|(k, _)| k.clone());
    assert_eq!(worst.as_deref(), Some(&b"183.62.140.253"[..]));
    let apache = summary_of("loghub_Apache_2k.log");
    assert_eq!(apache.formats.get("apache-error"), Some(&2000), "CRLF and bare CR line ends");
    let linux = summary_of("loghub_Linux_2k.log");
    let text = String::from_utf8_lossy(&fixture("loghub_Linux_2k.log")).into_owned();
    // One failed connection per sshd pid whose PAM failures name a remote host.
    let pids: std::collections::BTreeSet<&str> = text
        .lines()
        .filter(|l| l.contains("sshd(pam_unix)") && l.contains("authentication failure;") && !l.contains("rhost= "))
        .filter_map(|l| l.split("sshd(pam_unix)[").nth(1)?.split(']').next())
        .collect();
    assert_eq!(linux.signatures.get(&Signature::SshFailure), Some(&(pids.len() as u64)), "failed connections");
}

#[test]
fn synapse_lines_name_the_federating_server() {
    let t = summary_of("synapse_docs_example_lines.log");
    assert_eq!(t.formats.get("synapse"), Some(&3));
    assert_eq!(t.domains.keys().collect::<Vec<_>>(), vec!["another-matrix-server.com"]);
}
