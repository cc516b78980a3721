//! Fuzzing the log parsers with proptest (cargo-fuzz needs a nightly
//! toolchain, which this project does not build with): arbitrary bytes, and
//! real fixture lines with bytes inserted, cut or replaced, through every
//! parser, the whole analysis, the log guard and the sanitiser. None may
//! panic, and the tally must count every non-empty line exactly once.

use super::analyze::{Analyzer, lines};
use super::sanitize::{Local, sanitize};
use crate::store::Keyed;
use proptest::prelude::*;

/// One real line of each format.
const SEEDS: &[&str] = &[
    r#"165.22.19.102 - - [14/Aug/2019:04:38:36 +0300] "POST /wp-login.php HTTP/1.1" 200 1721 "-" "Mozilla/5.0"rt=0.255 uct="0.000""#,
    r#"12.34.56.78 - - [20/Jan/2015:19:53:28 +0100] "\x03\x00\x00/*\xE0\x00Cookie: mstshash=Administr" 400 47 "-" "-" "-""#,
    "[Thu Sep 25 09:27:18.813902 2014] [cgi:error] [pid 16860] [client 89.207.132.76:59635] AH01215: /bin/bash: warning",
    r#"host nginx[2833]: 2015/01/21 10:56:10 [error] 2833#0: *16336 open() "/x" failed (2: No such file or directory), client: 5.7.9.2, server: localhost, request: "GET /cgi-bin/php4 HTTP/1.1", host: "1.2.3.4""#,
    "Feb 25 14:34:10 belka sshd[31603]: Failed password for invalid user ROOT from aaaa:bbbb:cccc:1234::1:1 port 50273 ssh2",
    "Nov 11 08:04:52 redbamboo sshd[2737]: Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2",
    r#"<38>1 2019-07-08T17:40:17.954167-04:00 h.example.com sshd 55555 - [a b="1"][x@1 t="[b]"] Failed unknown for invalid user r from 192.0.2.2 port 5 ssh2"#,
    "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4",
    r#"2019-02-14 22:35:08,196 - synapse.access.http.8008 - 302 - INFO - GET-37 - ::1 - 8008 - {@richvdh:localhost} Processed request: 0.173sec/0.001sec (0.002sec, 0.000sec) (0.027sec/0.026sec/2) 687B 200 "GET /_matrix/client/r0/sync HTTP/1.1" "Mozilla/5.0" [0 dbevts]"#,
    r#"I, [2024-01-01T12:00:00.1 #1]  INFO -- : [ab] Started POST "/api/v1/apps" for 203.0.113.5 at 2024-01-01 12:00:00 +0000"#,
    "[ab] method=GET path=/api/v2/search format=json controller=X action=index status=429 duration=1.0",
    r#"{"remote_addr":"203.0.113.9","request":"GET /.env HTTP/1.1","status":404,"http_user_agent":"curl/8"}"#,
    "GET /.well-known/webfinger?resource=acct%3Aalice%40remote.example CVE-2024-23832 Authorization: Bearer x",
];

fn check(data: &[u8]) {
    let expected = lines(data).count() as u64;
    let tally = Analyzer::run(data);
    assert_eq!(tally.lines, expected);
    let text = String::from_utf8_lossy(data);
    let _ = super::guard::looks_like_log(&text);
    let _ =
        sanitize(&text, &Local { domains: vec!["localhost".into()], ..Local::default() }, &Keyed::from_key([1; 32]));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        check(&bytes);
    }

    #[test]
    fn mutated_real_lines(
        seed in 0usize..SEEDS.len(),
        at in 0usize..300,
        insert in "[ \"\\[\\]:/@=.{}<>0-9a-zA-Z\\\\-]{0,16}",
        cut in 0usize..40,
        times in 1usize..4,
    ) {
        let mut s = SEEDS[seed].as_bytes().to_vec();
        let at = at.min(s.len());
        let end = (at + cut).min(s.len());
        s.splice(at..end, insert.bytes());
        let mut data = Vec::new();
        for _ in 0..times {
            data.extend_from_slice(&s);
            data.push(b'\n');
        }
        check(&data);
    }
}
