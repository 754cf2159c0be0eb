//! Which profile the prompt is about and when its login session ends, from the files alone: no
//! network, no lock, no refresh. The end is the id token's `iat` (when the user signed in; a
//! refresh rewrites the access and refresh tokens but keeps the id token) plus the session
//! length.

use crate::awsfiles::Files;
use crate::cache::{cache_path, Cache};
use crate::env::Env;
use crate::error::{Error, Kind, Result};

/// How long a console sign-in session lasts when nothing says otherwise.
pub const DEFAULT_SESSION_SECONDS: i64 = 12 * 3600;
/// Overrides the session length for every profile (seconds, or `8h`, `90m`, `1h30m`).
pub const DURATION_VAR: &str = "AWSRUN_SESSION_DURATION";
/// The per-profile setting in `~/.aws/config`, same syntax as [`DURATION_VAR`].
pub const DURATION_KEY: &str = "awsrun_session_duration";
/// Set by `awsrun exec` in its child: the profile it serves and the session's end (Unix time).
pub const CHILD_PROFILE_VAR: &str = "AWSRUN_PROFILE";
pub const CHILD_EXPIRES_VAR: &str = "AWSRUN_SESSION_EXPIRES_EPOCH";

/// The prompt's subject: a profile and, when it has a login session, the session's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Active {
    pub profile: String,
    /// Unix time the session ends; `None` when the profile has no login session.
    pub expires: Option<i64>,
}

/// The profile the prompt shows: `--profile`, then the awsrun child's profile, then the CLI's
/// order (`AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `default`; set-but-empty counts, as in the CLI).
pub fn active_profile(explicit: Option<&str>, env: &Env) -> (String, bool) {
    if let Some(p) = explicit {
        return (p.to_string(), true);
    }
    if let Some(p) = env.non_empty(CHILD_PROFILE_VAR) {
        return (p.to_string(), true);
    }
    for var in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"] {
        if let Some(p) = env.get(var) {
            return (p.to_string(), true);
        }
    }
    ("default".to_string(), false)
}

/// Resolves the prompt's subject. Inside an awsrun child (and without `--profile`) the parent's
/// word is final and no file is read: the child may not even see the same files.
pub fn active(explicit: Option<&str>, env: &Env) -> Result<Active> {
    if explicit.is_none() {
        if let Some(profile) = env.non_empty(CHILD_PROFILE_VAR) {
            let expires = match env.non_empty(CHILD_EXPIRES_VAR) {
                None => None,
                Some(raw) => Some(raw.trim().parse::<i64>().map_err(|_| {
                    Error::invalid_config(format!(
                        "{CHILD_EXPIRES_VAR} must be a Unix time in seconds, not {raw:?}"
                    ))
                })?),
            };
            return Ok(Active {
                profile: profile.to_string(),
                expires,
            });
        }
    }
    let (profile, named) = active_profile(explicit, env);
    let files = Files::load(env)?;
    if !files.has_profile(&profile) {
        if named {
            return Err(Error::profile_not_found(&profile));
        }
        // No `default` profile is the normal state of a fresh machine, not an error.
        return Ok(Active {
            profile,
            expires: None,
        });
    }
    let expires = match login_root(&files, &profile) {
        Some(root) => session_end(&files, &root, env)?,
        None => None,
    };
    Ok(Active { profile, expires })
}

/// The profile whose login session the profile's credentials come from: itself when it has
/// `login_session`, else the end of its `role_arn` + `source_profile` chain (as `awsrun exec`
/// shows it in the child). A loop or a dead end has none; `awsrun list` explains those.
pub fn login_root(files: &Files, profile: &str) -> Option<String> {
    let mut current = profile.to_string();
    let mut seen = vec![];
    loop {
        if files.has(&current, "login_session") {
            return Some(current);
        }
        if !files.has(&current, "role_arn") {
            return None;
        }
        let next = files
            .get(&current, "source_profile")?
            .text()
            .trim()
            .to_string();
        if seen.contains(&next) || next == current {
            return None;
        }
        seen.push(std::mem::replace(&mut current, next));
    }
}

/// When the profile's login session ends, or `None` when it has no `login_session` or no cached
/// session (never signed in, or signed out).
pub fn session_end(files: &Files, profile: &str, env: &Env) -> Result<Option<i64>> {
    let Some(setting) = files.get(profile, "login_session") else {
        return Ok(None);
    };
    let session = setting.text().trim();
    if session.is_empty() {
        return Ok(None);
    }
    let path = cache_path(env, session);
    if !path.exists() {
        return Ok(None);
    }
    let cache = Cache::load(&path, session)?;
    let Some(id_token) = cache.str("idToken") else {
        return Err(Error::new(
            Kind::Login,
            format!(
                "The login cache file {} has no idToken, so the session's start is unknown",
                path.display()
            ),
        ));
    };
    let issued = id_token_issued_at(id_token).ok_or_else(|| {
        Error::new(
            Kind::Login,
            format!(
                "The idToken in the login cache file {} is not a JWT with a numeric iat",
                path.display()
            ),
        )
    })?;
    Ok(Some(issued + session_seconds(files, profile, env)?))
}

/// The `iat` claim of a JWT, read without checking the signature: the prompt only estimates
/// the time left, and the token came from our own private cache file.
pub fn id_token_issued_at(jwt: &str) -> Option<i64> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = crate::jose::b64url_decode(payload)?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let iat = claims.get("iat")?;
    iat.as_i64().or_else(|| iat.as_f64().map(|f| f as i64))
}

/// The session length: `AWSRUN_SESSION_DURATION`, else the profile's `awsrun_session_duration`,
/// else 12 hours. The variable wins, as AWS environment variables win over the config file.
pub fn session_seconds(files: &Files, profile: &str, env: &Env) -> Result<i64> {
    if let Some(raw) = env.non_empty(DURATION_VAR) {
        return parse_duration(raw).ok_or_else(|| {
            Error::invalid_config(format!("{DURATION_VAR}: {}", bad_duration(raw)))
        });
    }
    if let Some(s) = files.get(profile, DURATION_KEY) {
        let raw = s.text();
        return parse_duration(raw).ok_or_else(|| {
            Error::invalid_config(format!(
                "{}: {DURATION_KEY}: {}",
                files.locate(&s),
                bad_duration(raw)
            ))
        });
    }
    Ok(DEFAULT_SESSION_SECONDS)
}

fn bad_duration(raw: &str) -> String {
    format!("{raw:?} is not a duration (seconds, or like 8h, 90m, 1h30m)")
}

/// Seconds (`43200`) or units in h, m, s order (`12h`, `90m`, `1h30m`, `45s`); positive only.
pub fn parse_duration(raw: &str) -> Option<i64> {
    let s = raw.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok().filter(|n| *n > 0);
    }
    let mut total: i64 = 0;
    let mut rest = s;
    let mut last_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits == rest.len() {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        let (unit, rank) = match rest.as_bytes()[digits] {
            b'h' => (3600, 1),
            b'm' => (60, 2),
            b's' => (1, 3),
            _ => return None,
        };
        if rank <= last_unit {
            return None;
        }
        last_unit = rank;
        total = total.checked_add(n.checked_mul(unit)?)?;
        rest = &rest[digits + 1..];
    }
    (total > 0).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("43200"), Some(43200));
        assert_eq!(parse_duration("8h"), Some(8 * 3600));
        assert_eq!(parse_duration(" 1h30m "), Some(5400));
        assert_eq!(parse_duration("90m"), Some(5400));
        assert_eq!(parse_duration("2h5s"), Some(7205));
        for bad in [
            "", "0", "0h", "h", "1x", "30m1h", "1h1h", "-5", "1.5h", "1 h",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn reads_iat_from_the_jwt_payload() {
        let enc = |s: &str| crate::jose::b64url(s.as_bytes());
        let jwt = format!(
            "{}.{}.sig",
            enc(r#"{"alg":"ES256"}"#),
            enc(r#"{"sub":"u","iat":1700000000}"#)
        );
        assert_eq!(id_token_issued_at(&jwt), Some(1_700_000_000));
        assert_eq!(id_token_issued_at("a.b.c"), None);
        assert_eq!(id_token_issued_at("nodots"), None);
        let no_iat = format!("x.{}.y", enc(r#"{"sub":"u"}"#));
        assert_eq!(id_token_issued_at(&no_iat), None);
    }

    #[test]
    fn profile_order_follows_the_cli() {
        let env = Env::from_pairs([("AWS_PROFILE", "a"), ("AWS_DEFAULT_PROFILE", "b")]);
        assert_eq!(active_profile(None, &env), ("a".into(), true));
        assert_eq!(active_profile(Some("x"), &env), ("x".into(), true));
        let env = Env::from_pairs([("AWS_DEFAULT_PROFILE", "b")]);
        assert_eq!(active_profile(None, &env), ("b".into(), true));
        let env = Env::from_pairs([("AWSRUN_PROFILE", "c"), ("AWS_PROFILE", "a")]);
        assert_eq!(active_profile(None, &env), ("c".into(), true));
        assert_eq!(
            active_profile(None, &Env::default()),
            ("default".into(), false)
        );
    }
}
