//! When a login session ends: the id token's `iat` plus the session length.

use crate::awsfiles::Files;
use crate::cache::{cache_path, Cache};
use crate::env::Env;
use crate::error::Result;

const DEFAULT_SECONDS: i64 = 12 * 3600;

pub fn session_end(env: &Env, files: &Files, profile: &str) -> Result<Option<i64>> {
    let Some(s) = files.get(profile, "login_session") else {
        return Ok(None);
    };
    let cache = Cache::load(&cache_path(env, s.text()), s.text())?;
    let Some(iat) = cache.str("idToken").and_then(id_token_iat) else {
        return Ok(None);
    };
    Ok(Some(iat + DEFAULT_SECONDS))
}

fn id_token_iat(jwt: &str) -> Option<i64> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("iat")?.as_i64()
}
