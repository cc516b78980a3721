//! Durations as people type them (`30m`, `2h`, `7d`) and times as people
//! read them (in JST, the community's time zone), and RFC 3339 as feeds and
//! Fediverse servers write it. Used by sanctions, referrals, feeds and config.

/// The longest timed sanction; longer ones should be permanent and reviewed.
pub const MAX_MS: u64 = 366 * 24 * 3600 * 1000;

/// Parses `<n><unit>` with unit `s`, `m`, `h`, `d` or `w` into milliseconds.
pub fn parse(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = text.split_at(split);
    let n: u64 = n.parse().ok()?;
    let unit_ms = match unit {
        "s" => 1000,
        "m" => 60 * 1000,
        "h" => 3600 * 1000,
        "d" => 24 * 3600 * 1000,
        "w" => 7 * 24 * 3600 * 1000,
        _ => return None,
    };
    let ms = n.checked_mul(unit_ms)?;
    (ms > 0 && ms <= MAX_MS).then_some(ms)
}

/// Milliseconds since the epoch as `2026-11-22 14:03 JST`.
pub fn jst(ms: u64) -> String {
    let secs = (ms / 1000) as i64 + 9 * 3600;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} JST", rem / 3600, rem % 3600 / 60)
}

/// An RFC 3339 timestamp (`2023-04-01T00:00:00.000Z`, `2025-04-11T23:52+09:00`;
/// seconds optional) as milliseconds since the epoch.
pub fn parse_rfc3339(text: &str) -> Option<u64> {
    let t = text.trim();
    let num =
        |s: &str| -> Option<i64> { (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())? };
    let (date, rest) = t.split_once(['T', 't', ' '])?;
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let zone_at = rest.find(['Z', 'z', '+', '-'])?;
    let (clock, zone) = rest.split_at(zone_at);
    let mut c = clock.split(':');
    let (h, min) = (num(c.next()?)?, num(c.next()?)?);
    let sec = match c.next() {
        Some(s) => num(s.split('.').next()?)?,
        None => 0,
    };
    if c.next().is_some() || h > 23 || min > 59 || sec > 60 {
        return None;
    }
    let offset_min = match zone {
        "Z" | "z" => 0,
        z => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let (oh, om) = z[1..].split_once(':')?;
            sign * (num(oh)? * 60 + num(om)?)
        }
    };
    let days = days_from_civil(y, m as u32, day as u32);
    let secs = days * 86_400 + h * 3600 + min * 60 + sec - offset_min * 60;
    u64::try_from(secs).ok().map(|s| s * 1000)
}

/// A proleptic Gregorian date to days since 1970-01-01 (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_parse() {
        assert_eq!(parse("30m"), Some(30 * 60 * 1000));
        assert_eq!(parse("2h"), Some(2 * 3600 * 1000));
        assert_eq!(parse("7d"), Some(7 * 24 * 3600 * 1000));
        assert_eq!(parse("1w"), Some(7 * 24 * 3600 * 1000));
        assert_eq!(parse("5s"), Some(5000));
    }

    #[test]
    fn nonsense_is_refused() {
        for t in ["", "m", "30", "30x", "-5m", "0m", "1.5h", "999999999999999999999d", "400d", "２h"] {
            assert_eq!(parse(t), None, "{t:?}");
        }
    }

    #[test]
    fn rfc3339_parses_with_and_without_seconds() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2025-04-11T23:52+09:00"), Some(1_744_383_120_000));
        assert_eq!(parse_rfc3339("2023-04-01T00:00:00.000Z").map(jst).as_deref(), Some("2023-04-01 09:00 JST"));
        for bad in ["", "2023-13-01T00:00Z", "2023-04-01", "yesterday", "2023-04-01T25:00Z", "2023-04-01T00:00"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn times_are_shown_in_jst() {
        assert_eq!(jst(0), "1970-01-01 09:00 JST");
        // 2025-04-11T23:52+09:00
        assert_eq!(jst(1_744_383_120_000), "2025-04-11 23:52 JST");
        assert_eq!(jst(951_868_800_000), "2000-03-01 09:00 JST");
    }
}
