//! A local stand-in for the AWS services awsrun talks to, so awsrun (and the AWS CLI, boto3 and
//! the SDKs, through `AWS_ENDPOINT_URL_*`) can be exercised offline. It enforces the protocol
//! rules instead of echoing happy answers: tests rely on it rejecting what AWS would reject.
//!
//! One module per service (`signin` today; STS and SSO can be added beside it). A router hands
//! each request to the first service that claims it; `/__emulator/*` is the control surface that
//! tests use (counters, error injection).

pub mod click;
pub mod control;
pub mod signin;
pub mod sso;
pub mod sts;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};

use crate::signin::httpd::{Request, Response};

/// Settings, from the emulator's command line.
#[derive(Debug, Clone)]
pub struct Config {
    /// Identities the authorize page offers (ARNs).
    pub identities: Vec<String>,
    /// `expiresIn` of issued credentials, seconds.
    pub credential_lifetime: u64,
    /// How long a session can be refreshed after sign-in, seconds.
    pub session_length: u64,
    /// How long a rotated-out refresh token stays usable, seconds.
    pub refresh_grace: u64,
    /// How long an authorization code can be redeemed, seconds.
    pub code_lifetime: u64,
    /// Allowed distance of a DPoP proof's `iat` from now, seconds.
    pub iat_window: u64,
    /// Bearer tokens the SSO portal accepts (what `aws sso login` would have cached).
    pub sso_tokens: Vec<String>,
    /// What `/__emulator/*` requests must carry as `Authorization: Bearer <token>`: any local
    /// process can reach the port, only the one that started the emulator gets to steer it.
    pub control_token: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            identities: vec!["arn:aws:iam::123456789012:user/alice".into()],
            credential_lifetime: 900,
            session_length: 12 * 3600,
            refresh_grace: 30,
            code_lifetime: 300,
            iat_window: 60,
            sso_tokens: Vec::new(),
            control_token: random_token(32),
        }
    }
}

/// An error the next matching requests will get instead of their normal answer.
#[derive(Debug, Clone)]
pub struct Injection {
    /// The endpoint it applies to, e.g. `signin.token`.
    pub target: String,
    /// The service error code, e.g. `INSUFFICIENT_PERMISSIONS`.
    pub code: String,
    /// How many requests it still applies to.
    pub remaining: u64,
}

/// Credentials the emulator issued, by access key id: what a later STS module needs to check
/// SigV4 signatures and answer GetCallerIdentity.
#[derive(Clone)]
pub struct Issued {
    pub secret_access_key: String,
    pub session_token: String,
    pub identity: String,
    pub expires: u64,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("identity", &self.identity)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

/// What every service shares.
#[derive(Debug, Default)]
pub struct Shared {
    pub counters: BTreeMap<String, u64>,
    /// Why requests were refused, newest last (for tests and for the user's terminal).
    pub rejections: Vec<Value>,
    pub injections: Vec<Injection>,
    pub issued: BTreeMap<String, Issued>,
    /// Every refresh-token grant: client kind (by User-Agent), token age, outcome.
    pub refresh_log: Vec<Value>,
}

impl Shared {
    pub fn count(&mut self, what: &str) {
        *self.counters.entry(what.to_string()).or_default() += 1;
    }

    pub fn reject(&mut self, endpoint: &str, code: &str, reason: &str) {
        self.count(&format!("{endpoint}.rejected"));
        self.rejections
            .push(json!({"endpoint": endpoint, "error": code, "reason": reason}));
    }

    /// Consumes one injected error for `target`, if any is armed.
    pub fn take_injection(&mut self, target: &str) -> Option<String> {
        let i = self
            .injections
            .iter_mut()
            .find(|i| i.target == target && i.remaining > 0)?;
        i.remaining -= 1;
        Some(i.code.clone())
    }
}

/// A service the router can hand requests to.
pub trait Service: Send + Sync {
    /// Answers the request if it is this service's, else `None`.
    fn route(&self, req: &Request, ctx: &Ctx) -> Option<Response>;
}

/// What a service gets besides the request.
pub struct Ctx<'a> {
    /// The emulator's own base URL, `http://127.0.0.1:PORT` (never taken from a Host header).
    pub base: &'a str,
    pub config: &'a Config,
    shared: &'a Mutex<Shared>,
}

impl Ctx<'_> {
    pub fn shared(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct Emulator {
    pub base: String,
    pub config: Config,
    shared: Mutex<Shared>,
    services: Vec<Box<dyn Service>>,
}

impl Emulator {
    pub fn new(base: String, config: Config) -> Arc<Emulator> {
        Arc::new(Emulator {
            base,
            config,
            shared: Mutex::new(Shared::default()),
            services: vec![
                Box::new(control::Control),
                Box::new(signin::SignIn::default()),
                Box::new(sts::Sts),
                Box::new(sso::Sso),
            ],
        })
    }

    pub fn inject(&self, inj: Injection) {
        self.ctx().shared().injections.push(inj);
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            base: &self.base,
            config: &self.config,
            shared: &self.shared,
        }
    }

    pub fn handle(&self, req: &Request) -> Response {
        let ctx = self.ctx();
        for s in &self.services {
            if let Some(r) = s.route(req, &ctx) {
                return r;
            }
        }
        ctx.shared().count("not_found");
        Response::json(
            404,
            &json!({"error": "RESOURCE_NOT_FOUND", "message": format!("No such endpoint: {} {}", req.method, req.path)}),
        )
        .with_header("x-amzn-errortype", "ResourceNotFoundException")
    }
}

/// Random URL-safe text with `n` bytes of entropy.
pub fn random_token(n: usize) -> String {
    let bytes: Vec<u8> = (0..n).map(|_| rand::random::<u8>()).collect();
    crate::jose::b64url(&bytes)
}
