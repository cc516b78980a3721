//! Configuration errors that name the file, the line, and what to fix.
//!
//! `fedisec check` and `fedisec run` share these, so an admin sees the same
//! message whichever they ran. All problems found are reported together, so one
//! run of `check` is enough to fix a file.

use crate::i18n::Locale;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based line, where the problem has a place in the file.
    pub line: Option<usize>,
    pub kind: ConfigErrorKind,
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigErrorKind {
    /// The file does not exist.
    Missing,
    /// The file exists but could not be read.
    Unreadable(String),
    /// TOML or YAML that does not parse, or a field of the wrong type; the
    /// parser's own message is kept.
    Syntax(String),
    /// A room or category key used twice.
    DuplicateKey { key: String, first_line: usize },
    /// A key that cannot become part of a room alias.
    BadKey { key: String },
    /// `purpose = "..."` names no known purpose.
    UnknownPurpose { value: String },
    /// A purpose the bot needs has no room.
    MissingPurpose { purpose: String },
    /// A purpose that must be unique appears twice.
    DuplicatePurpose { purpose: String, first_line: usize },
    /// An alias that the appservice does not own.
    AliasOutsideNamespace { alias: String, namespace: String },
    /// A value that does not have the expected form.
    BadValue { field: String, value: String, expected: String },
    /// A required field is absent.
    MissingField { field: String },
    /// `registration.yaml` disagrees with `config.toml`.
    RegistrationMismatch { field: String, config: String, registration: String },
}

impl ConfigError {
    pub fn new(file: &Path, line: Option<usize>, kind: ConfigErrorKind) -> ConfigError {
        ConfigError { file: file.to_path_buf(), line, kind }
    }

    /// Renders `file:line: problem — what to do`.
    pub fn render(&self, locale: Locale) -> String {
        let place = match self.line {
            Some(line) => format!("{}:{}", self.file.display(), line),
            None => self.file.display().to_string(),
        };
        format!("{place}: {}", crate::config::messages::config_error(locale, &self.kind))
    }
}

/// Every problem found while loading configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    pub fn render(&self, locale: Locale) -> String {
        self.0.iter().map(|e| e.render(locale)).collect::<Vec<_>>().join("\n")
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Locale::En))
    }
}

impl std::error::Error for ConfigErrors {}

/// Maps byte offsets of a source text to 1-based line numbers.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    pub fn line_of(&self, span: Range<usize>) -> usize {
        self.line(span.start)
    }
}

/// Reads a file, turning the I/O error into a config error for that file.
pub fn read_file(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            ConfigErrorKind::Missing
        } else {
            ConfigErrorKind::Unreadable(e.to_string())
        };
        ConfigError::new(path, None, kind)
    })
}

/// Turns a TOML parse error into a config error with its line.
pub fn toml_error(path: &Path, index: &LineIndex, e: &toml::de::Error) -> ConfigError {
    let line = e.span().map(|s| index.line_of(s));
    ConfigError::new(path, line, ConfigErrorKind::Syntax(e.message().trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based() {
        let idx = LineIndex::new("a\nbb\n\nccc");
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(1), 1);
        assert_eq!(idx.line(2), 2);
        assert_eq!(idx.line(5), 3);
        assert_eq!(idx.line(6), 4);
        assert_eq!(idx.line(8), 4);
    }

    #[test]
    fn render_names_file_and_line() {
        let e = ConfigError::new(
            Path::new("rooms.toml"),
            Some(12),
            ConfigErrorKind::UnknownPurpose { value: "vuln".into() },
        );
        let en = e.render(Locale::En);
        assert!(en.starts_with("rooms.toml:12: "), "{en}");
        assert!(en.contains("vuln"), "{en}");
        assert!(en.contains("vuln-info"), "lists the known purposes: {en}");
        let ja = e.render(Locale::Ja);
        assert!(ja.contains("purpose"), "{ja}");
        assert_ne!(ja, en);
    }
}
