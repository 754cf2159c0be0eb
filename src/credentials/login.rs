//! Login sessions as a credential source: the cached keys, renewed through the sign-in token
//! endpoint when they age, safely beside the AWS CLI and SDKs that share the cache file.
//!
//! Those tools take no lock and the refresh token rotates, so two refreshes racing with the
//! same token can lose the session. awsrun serializes its own refreshes with a lock file beside
//! the cache, re-reads the cache under the lock (someone may have refreshed already), and when
//! the service rejects the token re-reads once more: a tool that does not lock may have rotated
//! it in the meantime.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::fcntl::{Flock, FlockArg};

use super::live::seconds_left;
use super::Keys;
use crate::cache::{cache_path, Cache};
use crate::env::Env;
use crate::error::{Error, Kind, Result};
use crate::jose::DpopKey;
use crate::signin::token::{Stage, TokenClient, TokenError};
use crate::time;

const LOCK_WAIT: Duration = Duration::from_secs(60);

fn lock_path(cache: &Path) -> PathBuf {
    let mut name = cache
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    cache.with_file_name(name)
}

/// Takes the exclusive lock beside the cache file, waiting for another awsrun if need be.
async fn lock(cache: &Path) -> Result<Flock<File>> {
    let path = lock_path(cache);
    let io = |e: std::io::Error| {
        Error::new(
            Kind::Io,
            format!("Unable to open the lock file {}: {e}", path.display()),
        )
    };
    let started = std::time::Instant::now();
    loop {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(io)?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(l) => return Ok(l),
            Err((_, nix::errno::Errno::EWOULDBLOCK)) if started.elapsed() < LOCK_WAIT => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err((_, e)) => {
                return Err(Error::new(
                    Kind::Io,
                    format!(
                        "Unable to lock {} (held by another awsrun for over a minute?): {e}",
                        path.display()
                    ),
                ))
            }
        }
    }
}

fn fresh(cache: &Cache, threshold: i64) -> Option<Keys> {
    let keys: Keys = cache.keys().ok()?.into();
    match seconds_left(&keys) {
        Some(left) if left > threshold => Some(keys),
        _ => None,
    }
}

/// Keys for `session` with more than `threshold` seconds left, refreshing when needed.
pub async fn fresh_keys(
    env: &Env,
    profile: &str,
    session: &str,
    region: Option<&str>,
    threshold: i64,
) -> Result<Keys> {
    let path = cache_path(env, session);
    let cache = Cache::load(&path, session)?;
    if let Some(k) = fresh(&cache, threshold) {
        return Ok(k);
    }
    let _guard = lock(&path).await?;
    let mut cache = Cache::load(&path, session)?;
    if let Some(k) = fresh(&cache, threshold) {
        crate::debug!(
            "another process refreshed login session {session} while we waited for the lock"
        );
        return Ok(k);
    }
    let used = cache.str("refreshToken").unwrap_or_default().to_string();
    crate::debug!("refreshing login session {session} ({})", path.display());
    let first = match refresh(env, &mut cache, region).await {
        Ok(k) => return Ok(k),
        Err(e @ TokenError::Service { .. }) => {
            crate::debug!(
                "refresh refused; re-reading the cache in case another tool rotated the token"
            );
            e
        }
        Err(e) => return Err(e.into_error(Stage::Refresh)),
    };
    // Rotated behind our back by a tool that takes no lock? Then its result is ours. Such a tool
    // writes the new token a moment after the service answered it, so while the refusal is of
    // the token itself, keep looking at the file for a short while.
    let patience = if token_refused(&first) {
        ROTATION_WAIT
    } else {
        Duration::ZERO
    };
    let started = std::time::Instant::now();
    loop {
        let mut again = Cache::load(&path, session)?;
        if again.str("refreshToken").unwrap_or_default() != used {
            if let Some(k) = fresh(&again, threshold) {
                return Ok(k);
            }
            return refresh(env, &mut again, region)
                .await
                .map_err(|e| refused(profile, e));
        }
        if started.elapsed() >= patience {
            return Err(refused(profile, first));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// How long to wait for a tool that takes no lock to write the token it rotated ours into.
const ROTATION_WAIT: Duration = Duration::from_secs(2);

/// The service refused the refresh token itself: rotated out, or the session is over.
fn token_refused(e: &TokenError) -> bool {
    matches!(e, TokenError::Service { code, .. } if code == "TOKEN_EXPIRED" || code == "USER_CREDENTIALS_CHANGED")
}

/// The refresh error; when the session is over, how to start a new one.
fn refused(profile: &str, e: TokenError) -> Error {
    let over = token_refused(&e);
    let mut err = e.into_error(Stage::Refresh);
    if over {
        err.message = format!(
            "{} Sign in again with `awsrun login -p {profile}`.",
            err.message
        );
    }
    err
}

/// One refresh call; on success the cache is rewritten atomically, unknown fields kept.
async fn refresh(
    env: &Env,
    cache: &mut Cache,
    region: Option<&str>,
) -> std::result::Result<Keys, TokenError> {
    let local = |m: String| TokenError::Transport(m);
    let region = cache
        .str("signInRegion")
        .or(region)
        .unwrap_or("us-east-1")
        .to_string();
    let base = crate::signin::base_url(env, &region, None).map_err(|e| local(e.message))?;
    let key = cache.str("dpopKey").and_then(DpopKey::from_pem).ok_or_else(|| {
        local(format!(
            "the dpopKey in the login cache {} is not an EC P-256 private key; sign in again with `awsrun login`",
            cache.path.display()
        ))
    })?;
    let client_id = cache.str("clientId").unwrap_or_default().to_string();
    let token = cache.str("refreshToken").unwrap_or_default().to_string();
    let client = TokenClient::new(env, &base).map_err(|e| local(e.message))?;
    let out = client.refresh(&key, &client_id, &token).await?;
    let expires = time::iso8601_z(time::now() + out.expires_in as i64);
    cache.apply_refresh(
        &out.access_key_id,
        &out.secret_access_key,
        &out.session_token,
        &expires,
        &out.refresh_token,
    );
    cache.save().map_err(|e| local(e.message))?;
    Ok(cache.keys().map_err(|e| local(e.message))?.into())
}
