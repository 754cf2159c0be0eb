//! The login cache shared with the AWS CLI and every SDK (SPEC §8): one JSON file per login
//! session under `~/.aws/login/cache`, named by the SHA-256 of the session's ARN.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::env::Env;
use crate::error::{Error, Kind, Result};
use crate::fsutil;

pub fn cache_dir(env: &Env) -> PathBuf {
    match env.get("AWS_LOGIN_CACHE_DIRECTORY") {
        Some(d) => env.expand_path(d),
        None => env.expand_path("~/.aws/login/cache"),
    }
}

/// `<dir>/<sha256(login_session)>.json`.
pub fn cache_path(env: &Env, login_session: &str) -> PathBuf {
    cache_dir(env).join(cache_file_name(login_session))
}

pub fn cache_file_name(login_session: &str) -> String {
    let digest = Sha256::digest(login_session.as_bytes());
    let mut name = String::with_capacity(69);
    for b in digest {
        name.push_str(&format!("{b:02x}"));
    }
    name.push_str(".json");
    name
}

/// A cache file as read. The whole JSON object is kept so that a rewrite preserves fields this
/// version of awsrun does not know.
#[derive(Clone)]
pub struct Cache {
    pub path: PathBuf,
    pub doc: Map<String, Value>,
}

/// Shows the path and which fields are present, never their values (they are secrets).
impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("path", &self.path)
            .field("fields", &self.doc.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The credentials part of a cache entry. Debug deliberately omits the secrets.
#[derive(Clone)]
pub struct CachedKeys {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub account_id: Option<String>,
    pub expires_at: Option<String>,
}

impl std::fmt::Debug for CachedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedKeys")
            .field("access_key_id", &self.access_key_id)
            .field("account_id", &self.account_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

// botocore checks (and names missing ones) in this order.
const REQUIRED: [&str; 4] = ["accessToken", "refreshToken", "dpopKey", "clientId"];

impl Cache {
    /// Reads and checks a cache file with botocore's rules and error texts.
    pub fn load(path: &Path, login_session: &str) -> Result<Cache> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::new(
                    Kind::Login,
                    format!(
                        "Error loading login session token: Unable to load a existing login session for session {login_session}. Please reauthenticate with 'aws login'."
                    ),
                ))
            }
            Err(e) => {
                return Err(Error::new(Kind::Login, format!("Unable to read the login cache file {}: {e}", path.display())))
            }
        };
        Cache::from_bytes(path, &bytes)
    }

    /// Checks the content of a cache file read from `path` (named in errors).
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Cache> {
        let doc: Map<String, Value> = match serde_json::from_slice(bytes) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                return Err(Error::new(
                    Kind::Login,
                    format!(
                        "The login cache file {} is not a JSON object",
                        path.display()
                    ),
                ))
            }
            Err(e) => {
                return Err(Error::new(
                    Kind::Login,
                    format!(
                        "The login cache file {} is not valid JSON (line {}, column {})",
                        path.display(),
                        e.line(),
                        e.column()
                    ),
                ))
            }
        };
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|k| !doc.contains_key(*k))
            .collect();
        if !missing.is_empty() {
            return Err(Error::new(
                Kind::Login,
                format!(
                    "Error loading login session token: Failed to load access token from token cache, missing required fields: {}.",
                    missing.join(", ")
                ),
            ));
        }
        Ok(Cache {
            path: path.to_path_buf(),
            doc,
        })
    }

    fn str_at(&self, outer: &str, inner: &str) -> Option<&str> {
        self.doc.get(outer)?.get(inner)?.as_str()
    }

    pub fn keys(&self) -> Result<CachedKeys> {
        let get = |k: &str| {
            self.str_at("accessToken", k)
                .map(str::to_string)
                .ok_or_else(|| {
                    Error::new(
                        Kind::Login,
                        format!(
                            "The login cache file {} has no accessToken.{k}",
                            self.path.display()
                        ),
                    )
                })
        };
        Ok(CachedKeys {
            access_key_id: get("accessKeyId")?,
            secret_access_key: get("secretAccessKey")?,
            session_token: get("sessionToken")?,
            account_id: self.str_at("accessToken", "accountId").map(str::to_string),
            expires_at: self.str_at("accessToken", "expiresAt").map(str::to_string),
        })
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.doc.get(key)?.as_str()
    }

    /// Rewrites the file atomically (0600 in a 0700 directory), every unknown field kept.
    pub fn save(&self) -> Result<()> {
        save_doc(&self.path, &self.doc)
    }

    /// Applies a refresh the way botocore does: a new `accessToken` (keeping `accountId`) and
    /// the newest `refreshToken`; everything else stays.
    pub fn apply_refresh(
        &mut self,
        access_key_id: &str,
        secret_access_key: &str,
        session_token: &str,
        expires_at: &str,
        refresh_token: &str,
    ) {
        let account = self
            .doc
            .get("accessToken")
            .and_then(|a| a.get("accountId"))
            .cloned();
        let mut at = Map::new();
        at.insert("accessKeyId".into(), access_key_id.into());
        at.insert("secretAccessKey".into(), secret_access_key.into());
        at.insert("sessionToken".into(), session_token.into());
        if let Some(a) = account {
            at.insert("accountId".into(), a);
        }
        at.insert("expiresAt".into(), expires_at.into());
        self.doc.insert("accessToken".into(), Value::Object(at));
        self.doc
            .insert("refreshToken".into(), refresh_token.to_string().into());
    }
}

/// Writes a cache document through a temporary file and a rename, mode 0600, creating the
/// directory with mode 0700 when missing.
pub fn save_doc(path: &Path, doc: &Map<String, Value>) -> Result<()> {
    if let Some(dir) = path.parent() {
        fsutil::ensure_private_dir(dir).map_err(|e| {
            Error::new(
                Kind::Io,
                format!(
                    "Unable to create the login cache directory {}: {e}",
                    dir.display()
                ),
            )
        })?;
    }
    let text = serde_json::to_string(doc)
        .map_err(|e| Error::new(Kind::Io, format!("Unable to encode the login cache: {e}")))?;
    fsutil::write_atomic(path, text.as_bytes(), 0o600).map_err(|e| {
        Error::new(
            Kind::Io,
            format!(
                "Unable to write the login cache file {}: {e}",
                path.display()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_is_sha256_hex() {
        // The FIPS 180-2 test vector for "abc".
        let n = cache_file_name("abc");
        assert_eq!(
            n,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.json"
        );
    }
}
