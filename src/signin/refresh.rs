//! Refreshing a cached login session through the token endpoint with the session's own DPoP
//! key, then rewriting the cache as botocore does (it is shared with the CLI and every SDK).

use crate::cache::{self, Cache, CachedKeys};
use crate::env::Env;
use crate::error::{Error, Kind, Result};
use crate::jose::DpopKey;

use super::token::{Stage, TokenClient};

/// Refresh when fewer than this many seconds are left (botocore's and the Rust SDK's margin).
pub const REFRESH_MARGIN: u64 = 5 * 60;

/// Returns usable keys for `session`, refreshing first when they expire within
/// [`REFRESH_MARGIN`] (or always, with `force`). `region` is used when the cache has no
/// `signInRegion`; `endpoint` is an `--endpoint-url` style override.
pub fn refresh_session(
    env: &Env,
    session: &str,
    region: Option<&str>,
    endpoint: Option<&str>,
    force: bool,
) -> Result<CachedKeys> {
    let path = cache::cache_path(env, session);
    let mut c = Cache::load(&path, session)?;
    let now = super::unix_now();
    let left = c
        .keys()
        .ok()
        .and_then(|k| k.expires_at)
        .and_then(|e| parse_iso8601(&e))
        .map(|exp| exp.saturating_sub(now));
    if !force && left.is_some_and(|l| l > REFRESH_MARGIN) {
        return c.keys();
    }
    let region = c
        .str("signInRegion")
        .map(str::to_string)
        .or_else(|| region.map(str::to_string))
        .ok_or_else(|| {
            Error::new(
                Kind::Login,
                format!("No region to refresh login session {session} in: the cache has no signInRegion and the profile no region"),
            )
        })?;
    let base = super::base_url(env, &region, endpoint)?;
    let key = c
        .str("dpopKey")
        .and_then(DpopKey::from_pem)
        .ok_or_else(|| {
            Error::new(
                Kind::Login,
                format!("Error loading login session token: Unable to load private key from cached token {}.", path.display()),
            )
        })?;
    let client_id = c.str("clientId").unwrap_or_default().to_string();
    let refresh_token = c.str("refreshToken").unwrap_or_default().to_string();
    let client = TokenClient::new(&base)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(Kind::Io, format!("Unable to start the async runtime: {e}")))?;
    let out = rt
        .block_on(client.refresh(&key, &client_id, &refresh_token))
        .map_err(|e| e.into_error(Stage::Refresh))?;
    let expires = super::iso8601(super::unix_now() + out.expires_in);
    c.apply_refresh(
        &out.access_key_id,
        &out.secret_access_key,
        &out.session_token,
        &expires,
        &out.refresh_token,
    );
    c.save()?;
    c.keys()
}

/// Unix seconds of `YYYY-MM-DDTHH:MM:SS` followed by `Z`, `+00:00` or fractional seconds.
pub fn parse_iso8601(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hh, mm, ss) = (n(11..13)?, n(14..16)?, n(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let rest = &s[19..];
    let rest = match rest.strip_prefix('.') {
        Some(f) => f.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    if !matches!(rest, "Z" | "z" | "+00:00" | "") {
        return None;
    }
    // days_from_civil
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86400 + hh * 3600 + mm * 60 + ss).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip() {
        for t in [0u64, 951_782_400, 1_640_467_800, 1_763_510_400] {
            assert_eq!(parse_iso8601(&super::super::iso8601(t)), Some(t));
        }
        assert_eq!(
            parse_iso8601("2021-12-25T21:30:00.123Z"),
            Some(1_640_467_800)
        );
        assert_eq!(
            parse_iso8601("2021-12-25T21:30:00+00:00"),
            Some(1_640_467_800)
        );
        assert_eq!(parse_iso8601("2021-13-25T21:30:00Z"), None);
        assert_eq!(parse_iso8601("soon"), None);
    }
}
