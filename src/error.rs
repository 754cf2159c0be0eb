//! One error type for everything the user can get wrong or the world can do to us. Messages are
//! single lines that name the file, line or variable at fault; secrets never go in them.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A config or credentials file botocore would refuse to load.
    ConfigParse,
    /// A config or credentials file that cannot be read (a directory, no permission, not UTF-8).
    ConfigIo,
    ProfileNotFound,
    PartialCredentials,
    InvalidConfig,
    CredentialRetrieval,
    /// A login session that cannot be used (missing or broken cache, refresh refused).
    Login,
    /// A command whose issue has not landed yet.
    NotImplemented,
    Usage,
    Io,
    Network,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ConfigParse => "config-parse",
            Kind::ConfigIo => "config-io",
            Kind::ProfileNotFound => "profile-not-found",
            Kind::PartialCredentials => "partial-credentials",
            Kind::InvalidConfig => "invalid-config",
            Kind::CredentialRetrieval => "credential-retrieval",
            Kind::Login => "login",
            Kind::NotImplemented => "not-implemented",
            Kind::Usage => "usage",
            Kind::Io => "io",
            Kind::Network => "network",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
}

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    pub fn profile_not_found(name: &str) -> Error {
        Error::new(
            Kind::ProfileNotFound,
            format!("The config profile ({name}) could not be found"),
        )
    }

    pub fn invalid_config(message: impl Into<String>) -> Error {
        Error::new(Kind::InvalidConfig, message)
    }

    pub fn not_implemented(what: &str, issue: u32) -> Error {
        Error::new(
            Kind::NotImplemented,
            format!("`awsrun {what}` is not available yet (tracked in issue #{issue})"),
        )
    }
}

/// Messages quote files, variables and what services answered; none of that may reach the
/// terminal as an escape sequence, so control characters other than tab and newline are shown
/// as U+FFFD.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.message.chars().any(is_unsafe) {
            return f.write_str(&self.message);
        }
        let safe: String = self
            .message
            .chars()
            .map(|c| if is_unsafe(c) { '\u{fffd}' } else { c })
            .collect();
        f.write_str(&safe)
    }
}

fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_defuses_escape_sequences() {
        let e = Error::new(
            Kind::Network,
            "STS said: \x1b]0;pwned\x07 and\r\tmore\u{9b}",
        );
        assert_eq!(
            e.to_string(),
            "STS said: \u{fffd}]0;pwned\u{fffd} and\u{fffd}\tmore\u{fffd}"
        );
        assert_eq!(Error::new(Kind::Io, "plain").to_string(), "plain");
    }
}
