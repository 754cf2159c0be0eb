//! Keys that stay fresh: what `exec`, the credential server and `export` ask for. Each source
//! the chain can pick becomes a `Live` that knows how to produce keys again when they age.

use std::time::Duration;

use super::Keys;
use crate::env::Env;
use crate::error::{Error, Kind, Result};
use crate::profile::{Method, Source};
use crate::time;

/// How far ahead of expiry keys are renewed (`AWSRUN_REFRESH_THRESHOLD`, seconds; default 5
/// minutes, the Rust SDK's and `aws login`'s margin). Never more than half the keys' lifetime,
/// so short-lived test credentials are not renewed on every request.
pub const THRESHOLD_VAR: &str = "AWSRUN_REFRESH_THRESHOLD";
const DEFAULT_THRESHOLD: i64 = 300;

#[derive(Debug, Clone)]
pub enum Live {
    /// Keys that do not change for the life of the process (env, files, boto, ec2 file).
    Static(Keys),
    Login {
        profile: String,
        session: String,
        region: Option<String>,
    },
    Process {
        profile: String,
        command: String,
    },
    Container {
        url: String,
        auth: Option<String>,
    },
}

impl Live {
    /// The live form of a resolved source.
    pub fn plan(src: &Source, env: &Env) -> Result<Live> {
        Ok(match src.method {
            Method::Login => Live::Login {
                profile: src.profile.clone(),
                session: src.detail.clone().unwrap_or_default(),
                region: src.region.clone(),
            },
            Method::CustomProcess => Live::Process {
                profile: src.profile.clone(),
                command: src.detail.clone().unwrap_or_default(),
            },
            Method::ContainerRole => {
                let url = match (
                    env.non_empty("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
                    env.non_empty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
                ) {
                    (Some(full), _) => full.to_string(),
                    (None, Some(rel)) => format!("http://169.254.170.2{rel}"),
                    _ => {
                        return Err(Error::new(
                            Kind::InvalidConfig,
                            "AWS_CONTAINER_CREDENTIALS_FULL_URI is empty",
                        ))
                    }
                };
                let auth = match env.non_empty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
                    Some(f) => Some(
                        std::fs::read_to_string(f)
                            .map_err(|e| Error::new(Kind::Io, format!("Unable to read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {f}: {e}")))?
                            .trim()
                            .to_string(),
                    ),
                    None => env.non_empty("AWS_CONTAINER_AUTHORIZATION_TOKEN").map(str::to_string),
                };
                Live::Container { url, auth }
            }
            Method::AssumeRole | Method::WebIdentity | Method::Sso | Method::IamRole => {
                return Err(Error::new(
                    Kind::NotImplemented,
                    format!(
                        "awsrun cannot yet obtain {} credentials (profile {}); tracked in issue #4",
                        src.method.as_str(),
                        src.profile
                    ),
                ))
            }
            _ => match &src.keys {
                Some(k) => Live::Static(k.clone()),
                None => {
                    return Err(Error::new(
                        Kind::CredentialRetrieval,
                        "Unable to locate credentials",
                    ))
                }
            },
        })
    }

    /// Whether the keys it gives expire, so a long-running child needs them renewed.
    pub fn expires(&self) -> bool {
        match self {
            Live::Static(k) => k.expiration.is_some(),
            _ => true,
        }
    }

    /// Keys with more than `threshold` seconds left (or the newest the source can give).
    pub async fn fetch(&self, env: &Env, threshold: i64) -> Result<Keys> {
        match self {
            Live::Static(k) => Ok(k.clone()),
            Live::Login {
                profile,
                session,
                region,
            } => {
                super::login::fresh_keys(env, profile, session, region.as_deref(), threshold).await
            }
            Live::Process { profile, command } => {
                let command = command.clone();
                let guard = super::process::chain_with(env, profile);
                tokio::task::spawn_blocking(move || {
                    super::process::run_with_env(&command, Duration::from_secs(300), &guard)
                })
                .await
                .map_err(|e| Error::new(Kind::Io, format!("credential_process task failed: {e}")))?
            }
            Live::Container { url, auth } => container(url, auth.as_deref()).await,
        }
    }
}

pub fn threshold(env: &Env) -> i64 {
    env.non_empty(THRESHOLD_VAR)
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v >= 0)
        .unwrap_or(DEFAULT_THRESHOLD)
}

/// Seconds left on keys, `None` when they do not expire (or say so in a form we cannot read).
pub fn seconds_left(k: &Keys) -> Option<i64> {
    k.expiration
        .as_deref()
        .and_then(time::parse_iso8601)
        .map(|e| e - time::now())
}

async fn container(url: &str, auth: Option<&str>) -> Result<Keys> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| Error::new(Kind::Network, format!("cannot build an HTTP client: {e}")))?;
    let mut req = client.get(url);
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    let fail = |m: String| {
        Error::new(
            Kind::CredentialRetrieval,
            format!("Error when retrieving credentials from container-role: {m}"),
        )
    };
    let resp = req
        .send()
        .await
        .map_err(|e| fail(format!("cannot reach {url}: {}", e.without_url())))?;
    let status = resp.status();
    let body: serde_json::Value = resp
        .json()
        .await
        .map_err(|_| fail(format!("{url} answered HTTP {status} without JSON")))?;
    if !status.is_success() {
        return Err(fail(format!("{url} answered HTTP {status}")));
    }
    let s = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_string);
    Ok(Keys {
        access_key_id: s("AccessKeyId")
            .ok_or_else(|| fail("no AccessKeyId in the response".into()))?,
        secret_access_key: s("SecretAccessKey")
            .ok_or_else(|| fail("no SecretAccessKey in the response".into()))?,
        session_token: s("Token"),
        expiration: s("Expiration"),
        account_id: s("AccountId"),
    })
}

/// Caches the current keys and renews them once for any number of concurrent askers.
pub struct Fetcher {
    live: Live,
    env: Env,
    threshold: i64,
    current: tokio::sync::Mutex<Option<(Keys, i64)>>,
}

impl Fetcher {
    pub fn new(live: Live, env: Env) -> Fetcher {
        let threshold = threshold(&env);
        Fetcher {
            live,
            env,
            threshold,
            current: tokio::sync::Mutex::new(None),
        }
    }

    pub fn with_initial(self, keys: Keys) -> Fetcher {
        let now = time::now();
        Fetcher {
            current: tokio::sync::Mutex::new(Some((keys, now))),
            ..self
        }
    }

    pub fn live(&self) -> &Live {
        &self.live
    }

    fn effective_threshold(&self, keys: &Keys, fetched_at: i64) -> i64 {
        match keys.expiration.as_deref().and_then(time::parse_iso8601) {
            Some(exp) => self.threshold.min((exp - fetched_at) / 2),
            None => self.threshold,
        }
    }

    pub async fn get(&self) -> Result<Keys> {
        let mut cur = self.current.lock().await;
        if let Some((k, at)) = cur.as_ref() {
            match seconds_left(k) {
                None => return Ok(k.clone()),
                Some(left) if left > self.effective_threshold(k, *at) => return Ok(k.clone()),
                _ => {}
            }
        }
        let threshold = match cur.as_ref() {
            Some((k, at)) => self.effective_threshold(k, *at),
            None => self.threshold,
        };
        let fresh = self.live.fetch(&self.env, threshold).await?;
        *cur = Some((fresh.clone(), time::now()));
        Ok(fresh)
    }
}
