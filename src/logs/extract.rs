//! Getting the log out of a message: fenced code blocks in a text message,
//! or an attached file (plain text or gzip), within a size limit.

use super::tlp::Tlp;
use std::io::Read;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("the log is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the gzip data is damaged: {0}")]
    Gzip(String),
    #[error("the file is not text")]
    NotText,
    #[error("the message holds no log")]
    Empty,
}

/// A log found in a text message, with the label it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextShare {
    pub log: String,
    pub tlp: Option<Tlp>,
}

/// The contents of the fenced code blocks of a Markdown body.
fn code_blocks(body: &str) -> Option<String> {
    let mut out = String::new();
    let mut inside = false;
    let mut any = false;
    for line in body.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
            any = true;
            continue;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    any.then_some(out)
}

/// `--tlp <level>` in a command line.
pub fn tlp_option(line: &str) -> Option<Result<Tlp, String>> {
    let mut words = line.split_whitespace();
    while let Some(w) = words.next() {
        if let Some(v) = w.strip_prefix("--tlp=") {
            return Some(Tlp::parse(v).ok_or_else(|| v.to_string()));
        }
        if w == "--tlp" {
            let v = words.next().unwrap_or("");
            return Some(Tlp::parse(v).ok_or_else(|| v.to_string()));
        }
    }
    None
}

/// A log shared in a text message: the body's code blocks, or everything
/// after a first line `!log [--tlp X]`. `None` when the message holds no log.
pub fn from_text(body: &str, prefix: &str) -> Option<Result<TextShare, String>> {
    let first = body.lines().next().unwrap_or("");
    let command = first.trim_start().strip_prefix(prefix).is_some_and(|r| r == "log" || r.starts_with("log "));
    let explicit = if command { tlp_option(first) } else { None };
    let log = match code_blocks(body) {
        Some(log) => log,
        None if command => body.split_once('\n').map(|(_, rest)| rest.to_string()).unwrap_or_default(),
        None => return None,
    };
    if log.trim().is_empty() {
        return if command && body.lines().count() > 1 { Some(Ok(TextShare { log, tlp: None })) } else { None };
    }
    let tlp = match explicit {
        Some(Ok(t)) => Some(t),
        Some(Err(bad)) => return Some(Err(bad)),
        None => {
            // A label written in the message, outside the log itself.
            let outside: String = body.lines().filter(|l| !log.contains(*l) || l.trim().is_empty()).collect();
            Tlp::find_in(&outside)
        }
    };
    Some(Ok(TextShare { log, tlp }))
}

/// The text of an attached file: gunzipped if it is gzip, at most `limit` bytes.
pub fn from_file(bytes: &[u8], limit: usize) -> Result<Vec<u8>, ExtractError> {
    let data = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        let mut dec = flate2::read::MultiGzDecoder::new(bytes).take(limit as u64 + 1);
        dec.read_to_end(&mut out).map_err(|e| ExtractError::Gzip(e.to_string()))?;
        out
    } else {
        bytes.to_vec()
    };
    if data.len() > limit {
        return Err(ExtractError::TooLarge { limit });
    }
    if data.iter().take(8192).any(|&b| b == 0) {
        return Err(ExtractError::NotText);
    }
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(ExtractError::Empty);
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn code_blocks_and_labels() {
        let s = from_text("TLP:GREEN です\n```\n1.2.3.4 - - x\n```\n", "!").unwrap().unwrap();
        assert_eq!(s.log, "1.2.3.4 - - x\n");
        assert_eq!(s.tlp, Some(Tlp::Green));
        let s = from_text("!log --tlp red\n1.2.3.4 x\n5.6.7.8 y", "!").unwrap().unwrap();
        assert_eq!((s.log.as_str(), s.tlp), ("1.2.3.4 x\n5.6.7.8 y", Some(Tlp::Red)));
        assert_eq!(from_text("!log --tlp purple\nx", "!"), Some(Err("purple".into())));
        assert_eq!(from_text("just chatting", "!"), None);
        assert_eq!(from_text("!log sanitize", "!"), None);
        // A label inside the log is the log's, not the sharer's.
        let s = from_text("```\nGET /?q=TLP:CLEAR\n```", "!").unwrap().unwrap();
        assert_eq!(s.tlp, None);
    }

    #[test]
    fn files() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"line one\nline two\n").unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(from_file(&gz, 100).unwrap(), b"line one\nline two\n");
        assert_eq!(from_file(&gz, 5), Err(ExtractError::TooLarge { limit: 5 }));
        assert!(matches!(from_file(&[0x1f, 0x8b, 1, 2, 3], 100), Err(ExtractError::Gzip(_))));
        assert_eq!(from_file(b"a\0b", 100), Err(ExtractError::NotText));
        assert_eq!(from_file(b"plain", 100).unwrap(), b"plain");
    }
}
