//! Timestamps in the forms logs use, turned into keys that sort like time.
//!
//! Only the order matters for the summary's time range, so parsing is
//! arithmetic on bytes, no allocation and no time zone database. Syslog
//! stamps carry no year; they sort within one year, which is what a shared
//! excerpt covers.

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut n = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(c - b'0');
    }
    Some(n)
}

/// `Jan` .. `Dec` → 1..12.
pub fn month(b: &[u8]) -> Option<i64> {
    const NAMES: [&[u8; 3]; 12] =
        [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
    let b: &[u8] = b.get(..3)?;
    NAMES.iter().position(|n| n.eq_ignore_ascii_case(b)).map(|i| i as i64 + 1)
}

fn hms(b: &[u8]) -> Option<i64> {
    // HH:MM:SS, possibly followed by a fraction.
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    Some(num(&b[0..2])? * 3600 + num(&b[3..5])? * 60 + num(&b[6..8])?)
}

/// `14/Aug/2019:04:12:10 +0300` (common and combined log formats).
pub fn clf(b: &[u8]) -> Option<i64> {
    if b.len() < 20 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' {
        return None;
    }
    let (d, m, y) = (num(&b[0..2])?, month(&b[3..6])?, num(&b[7..11])?);
    let mut secs = days_from_civil(y, m, d) * 86_400 + hms(&b[12..])?;
    if let Some(tz) = b.get(21..26) {
        let sign = match tz[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return Some(secs),
        };
        let off = num(&tz[1..3])? * 3600 + num(&tz[3..5])? * 60;
        secs -= sign * off;
    }
    Some(secs)
}

/// `2019-02-14 22:35:08,196`, `2015-04-16T18:02:50.321974+00:00`, `2015/01/21 10:56:10`.
pub fn iso(b: &[u8]) -> Option<i64> {
    if b.len() < 19 || !(b[4] == b'-' || b[4] == b'/') || b[7] != b[4] || !(b[10] == b' ' || b[10] == b'T') {
        return None;
    }
    let (y, m, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400 + hms(&b[11..])?;
    // An offset after the seconds and an optional fraction.
    let mut i = 19;
    if matches!(b.get(i), Some(b'.' | b',')) {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    match b.get(i) {
        Some(&s @ (b'+' | b'-')) if b.len() >= i + 6 => {
            let off = num(&b[i + 1..i + 3])? * 3600 + num(&b[i + 4..i + 6])? * 60;
            secs -= if s == b'+' { off } else { -off };
        }
        _ => {}
    }
    Some(secs)
}

/// `Dec 10 06:55:46` or `Jul  3 14:59:17` (syslog: no year).
pub fn syslog(b: &[u8]) -> Option<(i64, usize)> {
    let m = month(b)?;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let mut i = 4;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let d = num(&b[start..i])?;
    if b.get(i) != Some(&b' ') {
        return None;
    }
    let t = hms(b.get(i + 1..)?)?;
    Some(((m * 31 + d) * 86_400 + t, i + 9))
}

/// `Sun Dec 04 04:47:44 2005` or `Thu Sep 25 09:27:18.813902 2014` (Apache error log).
pub fn ctime(b: &[u8]) -> Option<i64> {
    if b.len() < 24 || b[3] != b' ' || b[7] != b' ' {
        return None;
    }
    let m = month(&b[4..7])?;
    let d = num(b[8..10].trim_ascii())?;
    let t = hms(&b[11..])?;
    let year_at = b.iter().rposition(|&c| c == b' ')? + 1;
    let y = num(&b[year_at..])?;
    Some(days_from_civil(y, m, d) * 86_400 + t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_agree_on_the_same_instant() {
        let a = clf(b"14/Aug/2019:04:12:10 +0300").unwrap();
        let b = iso(b"2019-08-14T01:12:10+00:00").unwrap();
        let c = iso(b"2019-08-14 01:12:10,196").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(ctime(b"Wed Aug 14 01:12:10 2019"), Some(b));
        assert_eq!(ctime(b"Thu Sep 25 09:27:18.813902 2014"), iso(b"2014-09-25 09:27:18"));
        assert_eq!(a, 1_565_745_130);
    }

    #[test]
    fn syslog_sorts_within_a_year_and_reports_its_length() {
        let (a, len) = syslog(b"Jul  3 14:59:17 host sshd[1]: x").unwrap();
        assert_eq!(len, 15);
        let (b, _) = syslog(b"Dec 10 06:55:46 LabSZ").unwrap();
        assert!(a < b);
        assert!(syslog(b"Foo 10 06:55:46").is_none());
    }

    #[test]
    fn garbage_is_not_a_time() {
        assert!(clf(b"99/Zzz/2019:04:12:10").is_none());
        assert!(iso(b"2019-13-01 00:00:00").is_none());
        assert!(iso(b"").is_none());
        assert!(ctime(b"short").is_none());
    }
}
