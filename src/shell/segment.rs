//! The prompt segment's text: time left, its colour band, `--format` templates and `--json`.
//! The shell hooks render the same text with the same bands (shell/awsrun.*); the tests hold
//! the two to one another.

use serde_json::json;

use crate::error::{Error, Kind, Result};

/// Colour bands: yellow under 30 minutes, red under 10, red once over.
pub const WARN_BELOW: i64 = 30 * 60;
pub const CRITICAL_BELOW: i64 = 10 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Ok,
    Warn,
    Critical,
    Expired,
}

impl State {
    pub fn of(seconds_left: i64) -> State {
        if seconds_left <= 0 {
            State::Expired
        } else if seconds_left < CRITICAL_BELOW {
            State::Critical
        } else if seconds_left < WARN_BELOW {
            State::Warn
        } else {
            State::Ok
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Warn => "warn",
            State::Critical => "critical",
            State::Expired => "expired",
        }
    }

    pub fn color_name(self) -> &'static str {
        match self {
            State::Ok => "green",
            State::Warn => "yellow",
            State::Critical | State::Expired => "red",
        }
    }

    /// The ANSI SGR sequence for the band's colour.
    pub fn ansi(self) -> &'static str {
        match self {
            State::Ok => "\x1b[32m",
            State::Warn => "\x1b[33m",
            State::Critical | State::Expired => "\x1b[31m",
        }
    }
}

pub const ANSI_RESET: &str = "\x1b[0m";

/// `42m`, `3h12m` (whole minutes, rounded down), or `expired`.
pub fn left_text(seconds_left: i64) -> String {
    if seconds_left <= 0 {
        return "expired".to_string();
    }
    let minutes = seconds_left / 60;
    if minutes >= 60 {
        format!("{}h{}m", minutes / 60, minutes % 60)
    } else {
        format!("{minutes}m")
    }
}

/// A session seen at one instant.
#[derive(Debug, Clone)]
pub struct Segment<'a> {
    pub profile: &'a str,
    pub expires: i64,
    pub now: i64,
    /// Whether `{color}` and `{reset}` expand to escape sequences (off with NO_COLOR).
    pub color: bool,
}

impl Segment<'_> {
    pub fn seconds_left(&self) -> i64 {
        self.expires - self.now
    }

    pub fn state(&self) -> State {
        State::of(self.seconds_left())
    }

    /// Expands a `--format` template. Unknown `{names}` are an error, `{{` and `}}` are braces.
    pub fn render(&self, template: &str) -> Result<String> {
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(i) = rest.find(['{', '}']) {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            if tail.starts_with("{{") || tail.starts_with("}}") {
                out.push_str(&tail[..1]);
                rest = &tail[2..];
                continue;
            }
            let end = match (tail.as_bytes()[0], tail.find('}')) {
                (b'{', Some(end)) => end,
                _ => return Err(template_error(template, "an unmatched brace")),
            };
            let name = &tail[1..end];
            self.placeholder(name, &mut out).ok_or_else(|| {
                template_error(template, &format!("unknown placeholder {{{name}}}"))
            })?;
            rest = &tail[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn placeholder(&self, name: &str, out: &mut String) -> Option<()> {
        let left = self.seconds_left();
        match name {
            "profile" => out.push_str(self.profile),
            "left" => out.push_str(&left_text(left)),
            "minutes" => out.push_str(&(left.max(0) / 60).to_string()),
            "seconds" => out.push_str(&left.max(0).to_string()),
            "expires" => out.push_str(&self.expires.to_string()),
            "expires_at" => out.push_str(&crate::time::iso8601_z(self.expires)),
            "state" => out.push_str(self.state().as_str()),
            "color_name" => out.push_str(self.state().color_name()),
            "color" if self.color => out.push_str(self.state().ansi()),
            "reset" if self.color => out.push_str(ANSI_RESET),
            "color" | "reset" => {}
            _ => return None,
        }
        Some(())
    }

    pub fn json(&self) -> serde_json::Value {
        let left = self.seconds_left();
        json!({
            "profile": self.profile,
            "login_session": true,
            "expires": self.expires,
            "expires_at": crate::time::iso8601_z(self.expires),
            "seconds_left": left.max(0),
            "minutes_left": left.max(0) / 60,
            "left": left_text(left),
            "state": self.state().as_str(),
            "color": self.state().color_name(),
        })
    }
}

/// The `--json` answer for a profile without a login session.
pub fn json_without_session(profile: &str) -> serde_json::Value {
    json!({ "profile": profile, "login_session": false })
}

fn template_error(template: &str, what: &str) -> Error {
    Error::new(
        Kind::Usage,
        format!(
            "--format {template:?} has {what}; use {{profile}} {{left}} {{minutes}} {{seconds}} \
             {{expires}} {{expires_at}} {{state}} {{color_name}} {{color}} {{reset}}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(left: i64) -> Segment<'static> {
        Segment {
            profile: "dev",
            expires: 1_000_000 + left,
            now: 1_000_000,
            color: true,
        }
    }

    #[test]
    fn time_left_reads_like_the_issue() {
        assert_eq!(left_text(42 * 60 + 59), "42m");
        assert_eq!(left_text(3 * 3600 + 12 * 60), "3h12m");
        assert_eq!(left_text(3600), "1h0m");
        assert_eq!(left_text(59), "0m");
        assert_eq!(left_text(0), "expired");
        assert_eq!(left_text(-5), "expired");
    }

    #[test]
    fn bands() {
        assert_eq!(State::of(30 * 60), State::Ok);
        assert_eq!(State::of(30 * 60 - 1), State::Warn);
        assert_eq!(State::of(10 * 60), State::Warn);
        assert_eq!(State::of(10 * 60 - 1), State::Critical);
        assert_eq!(State::of(0), State::Expired);
    }

    #[test]
    fn templates() {
        let s = seg(42 * 60);
        assert_eq!(s.render("{profile} {left}").unwrap(), "dev 42m");
        assert_eq!(
            s.render("{{{profile}}} {minutes}/{state}/{color_name}")
                .unwrap(),
            "{dev} 42/ok/green"
        );
        assert_eq!(s.render("{color}x{reset}").unwrap(), "\x1b[32mx\x1b[0m");
        let plain = Segment {
            color: false,
            ..s.clone()
        };
        assert_eq!(plain.render("{color}x{reset}").unwrap(), "x");
        assert!(s.render("{nope}").unwrap_err().message.contains("{nope}"));
        assert!(s.render("{profile").is_err());
        assert!(s.render("a}b").is_err());
    }
}
