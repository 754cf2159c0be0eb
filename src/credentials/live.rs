//! Keys that stay fresh: what `exec`, the credential server and `export` ask for. Each source
//! the chain can pick becomes a `Live` that knows how to produce keys again when they age.

use std::time::Duration;

use super::Keys;
use crate::awsfiles::Files;
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
    AssumeRole {
        params: crate::sts::AssumeRole,
        region: String,
        source: Box<Live>,
    },
    WebIdentity {
        role_arn: String,
        session_name: String,
        token_file: String,
        region: String,
    },
    Sso(super::sso::SsoRole),
    /// EC2 instance metadata (IMDSv2), as a role's `credential_source = Ec2InstanceMetadata`.
    Imds,
}

impl Live {
    /// The live form of a resolved source.
    pub fn plan(src: &Source, env: &Env, files: &Files) -> Result<Live> {
        let setting = |k: &str| files.get(&src.profile, k).map(|s| s.text().to_string());
        let session_name =
            || setting("role_session_name").unwrap_or_else(|| format!("awsrun-{}", time::now()));
        let sts_region = || setting("region").unwrap_or_else(|| "us-east-1".to_string());
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
            Method::AssumeRole => {
                let via = src
                    .via
                    .as_deref()
                    .ok_or_else(|| Error::invalid_config("assume-role without a source"))?;
                Live::AssumeRole {
                    params: crate::sts::AssumeRole {
                        role_arn: src.detail.clone().unwrap_or_default(),
                        session_name: session_name(),
                        external_id: setting("external_id"),
                        duration_seconds: setting("duration_seconds"),
                        mfa_serial: setting("mfa_serial"),
                    },
                    region: sts_region(),
                    source: Box::new(Live::plan(via, env, files)?),
                }
            }
            Method::WebIdentity => {
                let from_env = matches!(src.at, crate::profile::Where::Env(_));
                let pick = |var: &str, key: &str| {
                    if from_env {
                        env.get(var).map(str::to_string).or_else(|| setting(key))
                    } else {
                        setting(key)
                    }
                };
                Live::WebIdentity {
                    role_arn: pick("AWS_ROLE_ARN", "role_arn").unwrap_or_default(),
                    session_name: pick("AWS_ROLE_SESSION_NAME", "role_session_name")
                        .unwrap_or_else(|| format!("awsrun-{}", time::now())),
                    token_file: pick("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file")
                        .unwrap_or_default(),
                    region: sts_region(),
                }
            }
            Method::Sso => Live::Sso(super::sso::SsoRole::from_profile(files, &src.profile)?),
            Method::IamRole => Live::Imds,
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
                    super::process::run_with_env(&command, Duration::from_secs(300), &guard, true)
                })
                .await
                .map_err(|e| Error::new(Kind::Io, format!("credential_process task failed: {e}")))?
            }
            Live::Container { url, auth } => container(env, url, auth.as_deref()).await,
            Live::AssumeRole {
                params,
                region,
                source,
            } => {
                let source_keys = Box::pin(source.fetch(env, threshold)).await?;
                let code = match &params.mfa_serial {
                    Some(serial) => Some(super::sso::ask_tty(&format!(
                        "Enter MFA code for {serial}: "
                    ))?),
                    None => None,
                };
                let endpoint = crate::sts::endpoint(env, region);
                crate::sts::assume_role(
                    env,
                    &source_keys,
                    region,
                    &endpoint,
                    params,
                    code.as_deref(),
                )
                .await
            }
            Live::WebIdentity {
                role_arn,
                session_name,
                token_file,
                region,
            } => {
                let token = std::fs::read_to_string(env.expand_path(token_file)).map_err(|e| {
                    Error::new(
                        Kind::CredentialRetrieval,
                        format!("Unable to read the web identity token file {token_file}: {e}"),
                    )
                })?;
                let endpoint = crate::sts::endpoint(env, region);
                crate::sts::assume_role_with_web_identity(
                    env,
                    region,
                    &endpoint,
                    role_arn,
                    session_name,
                    token.trim(),
                )
                .await
            }
            Live::Sso(role) => role.fetch(env).await,
            Live::Imds => imds(env).await,
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

async fn container(env: &Env, url: &str, auth: Option<&str>) -> Result<Keys> {
    let client = crate::http::client(env, Duration::from_secs(5))?;
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
        .map_err(|e| fail(format!("cannot reach {url}: {}", crate::http::describe(&e))))?;
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

/// The instance role's keys through IMDSv2 (`AWS_EC2_METADATA_SERVICE_ENDPOINT` overrides the
/// address, as in the SDKs).
async fn imds(env: &Env) -> Result<Keys> {
    let base = env
        .non_empty("AWS_EC2_METADATA_SERVICE_ENDPOINT")
        .unwrap_or("http://169.254.169.254");
    let base = base.trim_end_matches('/');
    let fail = |m: String| {
        Error::new(
            Kind::CredentialRetrieval,
            format!("Error when retrieving credentials from iam-role: {m}"),
        )
    };
    let client = crate::http::builder(env, Duration::from_secs(2))?
        .no_proxy()
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let send = |req: reqwest::RequestBuilder, what: &'static str| async move {
        let resp = req.send().await.map_err(|e| {
            Error::new(
                Kind::CredentialRetrieval,
                format!(
                    "Unable to locate credentials: instance metadata at {base} did not answer ({}); \
                     sign in with `awsrun login -p PROFILE`, or set AWS_EC2_METADATA_DISABLED=true off EC2",
                    crate::http::describe(&e)
                ),
            )
        })?;
        let status = resp.status();
        if !status.is_success() {
            return Err(fail(format!(
                "instance metadata answered HTTP {status} for the {what}"
            )));
        }
        resp.text()
            .await
            .map_err(|e| fail(crate::http::describe(&e)))
    };
    let token = send(
        client
            .put(format!("{base}/latest/api/token"))
            .header("x-aws-ec2-metadata-token-ttl-seconds", "21600"),
        "session token",
    )
    .await?;
    let listing = send(
        client
            .get(format!("{base}/latest/meta-data/iam/security-credentials/"))
            .header("x-aws-ec2-metadata-token", &token),
        "role name",
    )
    .await?;
    let role = listing
        .lines()
        .next()
        .map(str::trim)
        .filter(|r| !r.is_empty() && !r.contains(['/', '?', '#']));
    let role = role.ok_or_else(|| fail("this instance has no IAM role".into()))?;
    let body = send(
        client
            .get(format!(
                "{base}/latest/meta-data/iam/security-credentials/{role}"
            ))
            .header("x-aws-ec2-metadata-token", &token),
        "credentials",
    )
    .await?;
    let v: serde_json::Value =
        serde_json::from_str(&body).map_err(|_| fail("the credentials are not JSON".into()))?;
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    Ok(Keys {
        access_key_id: s("AccessKeyId").ok_or_else(|| fail("no AccessKeyId".into()))?,
        secret_access_key: s("SecretAccessKey").ok_or_else(|| fail("no SecretAccessKey".into()))?,
        session_token: s("Token"),
        expiration: s("Expiration"),
        account_id: None,
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
        crate::debug!(
            "new keys {} expire {}",
            fresh.access_key_id,
            fresh.expiration.as_deref().unwrap_or("never")
        );
        *cur = Some((fresh.clone(), time::now()));
        Ok(fresh)
    }
}
