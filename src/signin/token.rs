//! The token endpoint client: `POST {base}/v1/token` with a JSON body and a fresh DPoP proof,
//! exactly as botocore's `CreateOAuth2Token` call and the CLI send it.

use std::time::Duration;

use serde_json::{json, Value};

use crate::error::{Error, Kind};
use crate::jose::DpopKey;

/// A successful token response. Debug shows no secret.
#[derive(Clone)]
pub struct TokenOutput {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub token_type: String,
    pub expires_in: u64,
    pub refresh_token: String,
    pub id_token: Option<String>,
}

impl std::fmt::Debug for TokenOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenOutput")
            .field("access_key_id", &self.access_key_id)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// What went wrong talking to the token endpoint.
#[derive(Debug, Clone)]
pub enum TokenError {
    /// The service answered with an error (SPEC §7 shape).
    Service {
        status: u16,
        /// `x-amzn-errortype` without its `:namespace` suffix.
        error_type: String,
        /// The body's `error` code, e.g. `TOKEN_EXPIRED`.
        code: String,
        message: String,
    },
    /// No answer, or an answer that is not the documented shape.
    Transport(String),
}

/// Which operation a failure happened in, for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Login,
    Refresh,
}

impl TokenError {
    pub fn code(&self) -> Option<&str> {
        match self {
            TokenError::Service { code, .. } => Some(code),
            TokenError::Transport(_) => None,
        }
    }

    /// One line for the user, with the CLI's wording where it has one.
    pub fn into_error(self, stage: Stage) -> Error {
        let msg = match &self {
            TokenError::Transport(m) => m.clone(),
            TokenError::Service {
                code,
                message,
                error_type,
                status,
            } => match code.as_str() {
                "INSUFFICIENT_PERMISSIONS" => format!(
                    "Unable to create or refresh login credentials due to insufficient permissions. You may be missing permission for the 'signin:CreateOAuth2Token' action: attach the SignInLocalDevelopmentAccess managed policy (or allow signin:AuthorizeOAuth2Access and signin:CreateOAuth2Token) to the identity you sign in as. ({message})"
                ),
                "AUTHCODE_EXPIRED" => format!(
                    "Unable to complete the login process due to an expired authorization code. Please reauthenticate using 'awsrun login'. ({message})"
                ),
                "TOKEN_EXPIRED" | "USER_CREDENTIALS_CHANGED" if stage == Stage::Refresh => format!(
                    "Your session has expired or credentials have changed. Please reauthenticate using 'awsrun login'. ({code}: {message})"
                ),
                _ if code.is_empty() && message.is_empty() => format!(
                    "The sign-in service answered HTTP {status} ({error_type}) without saying why; try again later"
                ),
                _ => {
                    let what = [error_type.as_str(), code.as_str()]
                        .iter()
                        .filter(|p| !p.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" ");
                    format!("The sign-in service refused the request: {what} (HTTP {status}): {message}")
                }
            },
        };
        Error::new(Kind::Login, msg.replace('\n', " "))
    }
}

pub struct TokenClient {
    http: reqwest::Client,
    token_url: String,
}

impl TokenClient {
    /// A client for `base_url`, with awsrun's proxy and `AWS_CA_BUNDLE` settings.
    pub fn new(env: &crate::env::Env, base_url: &str) -> Result<TokenClient, Error> {
        let http = crate::http::builder(env, Duration::from_secs(60))?
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::new(Kind::Network, format!("Unable to set up HTTPS: {e}")))?;
        Ok(TokenClient {
            http,
            token_url: format!("{base_url}/v1/token"),
        })
    }

    pub fn token_url(&self) -> &str {
        &self.token_url
    }

    /// The authorization-code grant.
    pub async fn exchange_code(
        &self,
        key: &DpopKey,
        client_id: &str,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<TokenOutput, TokenError> {
        let body = json!({
            "clientId": client_id,
            "grantType": "authorization_code",
            "code": code,
            "codeVerifier": verifier,
            "redirectUri": redirect_uri,
        });
        self.call(key, &body).await
    }

    /// The refresh grant.
    pub async fn refresh(
        &self,
        key: &DpopKey,
        client_id: &str,
        refresh_token: &str,
    ) -> Result<TokenOutput, TokenError> {
        let body = json!({
            "clientId": client_id,
            "grantType": "refresh_token",
            "refreshToken": refresh_token,
        });
        self.call(key, &body).await
    }

    async fn call(&self, key: &DpopKey, body: &Value) -> Result<TokenOutput, TokenError> {
        let proof = key.dpop_proof(&self.token_url, super::unix_now());
        let resp = self
            .http
            .post(&self.token_url)
            .header("content-type", "application/json")
            .header("dpop", proof)
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| {
                TokenError::Transport(format!(
                    "Unable to reach the sign-in service at {}: {}",
                    self.token_url,
                    root_cause(&e)
                ))
            })?;
        let status = resp.status().as_u16();
        let error_type = resp
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(':').next().unwrap_or(v).to_string());
        let bytes = resp.bytes().await.map_err(|e| {
            TokenError::Transport(format!(
                "The sign-in service at {} closed the connection: {}",
                self.token_url,
                root_cause(&e)
            ))
        })?;
        let doc: Option<Value> = serde_json::from_slice(&bytes).ok();
        if !(200..300).contains(&status) {
            let s = |k: &str| {
                doc.as_ref()
                    .and_then(|d| d.get(k))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            return Err(TokenError::Service {
                status,
                error_type: error_type.unwrap_or_else(|| "UnknownError".into()),
                code: s("error"),
                message: s("message"),
            });
        }
        parse_output(doc.as_ref()).ok_or_else(|| {
            TokenError::Transport(format!(
                "Unable to refresh or create the access token due to an invalid response from {} (HTTP {status}).",
                self.token_url
            ))
        })
    }
}

fn parse_output(doc: Option<&Value>) -> Option<TokenOutput> {
    let d = doc?;
    let at = d.get("accessToken")?;
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Some(TokenOutput {
        access_key_id: s(at, "accessKeyId")?,
        secret_access_key: s(at, "secretAccessKey")?,
        session_token: s(at, "sessionToken")?,
        token_type: s(d, "tokenType").unwrap_or_else(|| "aws_sigv4".into()),
        expires_in: d.get("expiresIn")?.as_u64()?,
        refresh_token: s(d, "refreshToken")?,
        id_token: s(d, "idToken"),
    })
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut last = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        last = s.to_string();
        src = s.source();
    }
    last
}
