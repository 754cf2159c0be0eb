//! IAM Identity Center (SSO) role credentials, from the token `aws sso login` caches.
//! awsrun does not run the SSO sign-in itself: when the token is missing or expired it says to
//! run `aws sso login`.

use std::io::{BufRead, Write};
use std::time::Duration;

use sha1::{Digest, Sha1};

use super::Keys;
use crate::awsfiles::Files;
use crate::env::Env;
use crate::error::{Error, Kind, Result};
use crate::time;

#[derive(Debug, Clone)]
pub struct SsoRole {
    pub profile: String,
    pub start_url: String,
    pub region: String,
    pub account_id: String,
    pub role_name: String,
    /// `sso_session` name when the profile uses one (the token cache is keyed by it).
    pub session: Option<String>,
}

impl SsoRole {
    pub fn from_profile(files: &Files, profile: &str) -> Result<SsoRole> {
        let get = |k: &str| files.get(profile, k).map(|s| s.text().to_string());
        let session = get("sso_session");
        let from_session = |k: &str| {
            let name = session.as_deref()?;
            let sec = files.named_section("sso-session", name)?;
            files
                .config
                .ini
                .options(sec)
                .find(|e| e.key == k)
                .and_then(|e| e.value.as_text().map(str::to_string))
        };
        let need = |k: &str| {
            get(k).or_else(|| from_session(k)).ok_or_else(|| {
                Error::invalid_config(format!("The profile \"{profile}\" is configured to use SSO but is missing required configuration: {k}"))
            })
        };
        Ok(SsoRole {
            profile: profile.to_string(),
            start_url: need("sso_start_url")?,
            region: need("sso_region")?,
            account_id: need("sso_account_id")?,
            role_name: need("sso_role_name")?,
            session,
        })
    }

    fn expired(&self) -> Error {
        Error::new(
            Kind::CredentialRetrieval,
            format!(
                "The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run `aws sso login --profile {}`.",
                self.profile
            ),
        )
    }

    /// The cached access token of `aws sso login`.
    fn token(&self, env: &Env) -> Result<String> {
        let key = self.session.as_deref().unwrap_or(&self.start_url);
        let name: String = Sha1::digest(key.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let path = env
            .expand_path("~/.aws/sso/cache")
            .join(format!("{name}.json"));
        let text = std::fs::read(&path).map_err(|_| self.expired())?;
        let doc: serde_json::Value = serde_json::from_slice(&text).map_err(|_| self.expired())?;
        let token = doc
            .get("accessToken")
            .and_then(|v| v.as_str())
            .ok_or_else(|| self.expired())?;
        let expires = doc
            .get("expiresAt")
            .and_then(|v| v.as_str())
            .and_then(time::parse_iso8601)
            .ok_or_else(|| self.expired())?;
        if expires <= time::now() {
            return Err(self.expired());
        }
        Ok(token.to_string())
    }

    pub async fn fetch(&self, env: &Env) -> Result<Keys> {
        let token = self.token(env)?;
        let base = ["AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL"]
            .iter()
            .find_map(|v| env.non_empty(v))
            .map(|v| v.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("https://portal.sso.{}.amazonaws.com", self.region));
        let client = crate::http::client(env, Duration::from_secs(30))?;
        let fail = |m: String| {
            Error::new(
                Kind::CredentialRetrieval,
                format!("SSO GetRoleCredentials for profile {}: {m}", self.profile),
            )
        };
        let resp = client
            .get(format!("{base}/federation/credentials"))
            .query(&[
                ("role_name", self.role_name.as_str()),
                ("account_id", self.account_id.as_str()),
            ])
            .header("x-amz-sso_bearer_token", token)
            .send()
            .await
            .map_err(|e| {
                fail(format!(
                    "cannot reach {base}: {}",
                    crate::http::describe(&e)
                ))
            })?;
        let status = resp.status();
        let body: serde_json::Value = resp
            .json()
            .await
            .map_err(|_| fail(format!("HTTP {status} without JSON")))?;
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(self.expired());
        }
        if !status.is_success() {
            let msg = body.get("message").and_then(|m| m.as_str()).unwrap_or("");
            return Err(fail(format!("HTTP {status}: {msg}")));
        }
        let rc = body
            .get("roleCredentials")
            .ok_or_else(|| fail("no roleCredentials in the response".into()))?;
        let s = |k: &str| rc.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let expiration = rc
            .get("expiration")
            .and_then(|v| v.as_i64())
            .map(|ms| time::iso8601_z(ms / 1000));
        Ok(Keys {
            access_key_id: s("accessKeyId").ok_or_else(|| fail("no accessKeyId".into()))?,
            secret_access_key: s("secretAccessKey")
                .ok_or_else(|| fail("no secretAccessKey".into()))?,
            session_token: s("sessionToken"),
            expiration,
            account_id: Some(self.account_id.clone()),
        })
    }
}

/// Asks on the controlling terminal (an MFA code), even when stdin is redirected.
pub fn ask_tty(prompt: &str) -> Result<String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| {
            Error::new(
                Kind::Usage,
                format!(
                    "{} needs a terminal to ask for the MFA code",
                    prompt.trim_end_matches(": ")
                ),
            )
        })?;
    let mut w = &tty;
    let _ = w.write_all(prompt.as_bytes());
    let _ = w.flush();
    let mut line = String::new();
    std::io::BufReader::new(&tty)
        .read_line(&mut line)
        .map_err(|e| Error::new(Kind::Io, format!("cannot read the terminal: {e}")))?;
    Ok(line.trim().to_string())
}
