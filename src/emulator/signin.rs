//! The AWS Sign-In endpoints of SPEC §7 with every rule enforced: the authorize page, the
//! cross-device confirmation page, and `POST /v1/token` (PKCE, single-use expiring codes,
//! redirect_uri match, DPoP proofs bound to the session's key, rotating refresh tokens).

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{json, Map, Value};

use super::{random_token, Ctx, Issued, Service};
use crate::jose::{self, DpopKey};
use crate::signin::httpd::{html_escape, url_encode, Request, Response};
use crate::signin::{pkce, unix_now, CLIENT_ID_CROSS_DEVICE, CLIENT_ID_SAME_DEVICE};

/// The `x-amzn-errortype` and HTTP status for each error code the service uses.
pub fn error_type(code: &str) -> Option<(&'static str, u16)> {
    Some(match code {
        "TOKEN_EXPIRED"
        | "USER_CREDENTIALS_CHANGED"
        | "INSUFFICIENT_PERMISSIONS"
        | "AUTHCODE_EXPIRED" => ("AccessDeniedException", 400),
        "INVALID_REQUEST" => ("ValidationException", 400),
        "rate_exceeded" => ("TooManyRequestsError", 429),
        "server_error" => ("InternalServerException", 500),
        _ => return None,
    })
}

fn service_error(code: &str, message: &str) -> Response {
    let (etype, status) = error_type(code).unwrap_or(("InternalServerException", 500));
    Response::json(status, &json!({"error": code, "message": message}))
        .with_header("x-amzn-errortype", etype)
        .with_header("x-amzn-requestid", &jose::uuid4())
}

struct Pending {
    client_id: String,
    redirect_uri: String,
    state: String,
    challenge: String,
    created: u64,
}

struct Code {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    identity: String,
    created: u64,
    used: bool,
}

struct Session {
    identity: String,
    client_id: String,
    started: u64,
    /// The DPoP public key (jwk x, y) the session is bound to.
    key: (String, String),
}

struct Refresh {
    session: String,
    superseded_at: Option<u64>,
    /// When it was issued (milliseconds), for the refresh log.
    issued_ms: u64,
    /// Which kind of client first redeemed it, for the refresh log.
    redeemed_by: Option<&'static str>,
}

/// Which kind of client sent a request, from its User-Agent: the stress tests tell awsrun's
/// refreshes from botocore's by this (`awsrun/…`, `Botocore/…` or `aws-cli/…`).
fn client_kind(req: &Request) -> &'static str {
    let ua = req.header("user-agent").unwrap_or("");
    if ua.starts_with("awsrun/") {
        "awsrun"
    } else if ua.contains("Botocore/") || ua.contains("aws-cli/") {
        "botocore"
    } else {
        "other"
    }
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[derive(Default)]
struct State {
    pending: BTreeMap<String, Pending>,
    codes: BTreeMap<String, Code>,
    sessions: BTreeMap<String, Session>,
    refresh: BTreeMap<String, Refresh>,
    /// DPoP proof ids seen, with their `iat`. A proof older than the `iat` window is refused
    /// anyway, so its id can be forgotten: the set stays as small as the window's traffic.
    jtis: BTreeMap<String, u64>,
}

pub struct SignIn {
    state: Mutex<State>,
    /// Signs id tokens.
    key: DpopKey,
}

impl Default for SignIn {
    fn default() -> SignIn {
        SignIn {
            state: Mutex::new(State::default()),
            key: DpopKey::generate(),
        }
    }
}

impl Service for SignIn {
    fn route(&self, req: &Request, ctx: &Ctx) -> Option<Response> {
        Some(match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/v1/authorize") => self.authorize(req, ctx),
            ("POST", "/v1/authorize") => self.approve(req, ctx),
            ("GET", "/v1/sessions/confirmation") => confirmation(req, ctx),
            ("POST", "/v1/token") => self.token(req, ctx),
            (_, "/v1/token" | "/v1/authorize" | "/v1/sessions/confirmation") => {
                service_error("INVALID_REQUEST", "method not allowed")
            }
            _ => return None,
        })
    }
}

fn page(status: u16, title: &str, body_html: &str) -> Response {
    Response::html(
        status,
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
<body style=\"font-family:sans-serif;max-width:44em;margin:3em auto\">\
<p style=\"color:#888\">awsrun-emulator: AWS Sign-In (not AWS)</p><h1>{t}</h1>{body_html}</body></html>",
            t = html_escape(title)
        ),
    )
}

fn bad_page(ctx: &Ctx, why: &str) -> Response {
    ctx.shared()
        .reject("signin.authorize", "INVALID_REQUEST", why);
    page(
        400,
        "Invalid sign-in request",
        &format!("<p id=\"error\">{}</p>", html_escape(why)),
    )
}

/// A same-device redirect: `http://127.0.0.1:PORT/oauth/callback` (or `localhost`).
fn loopback_redirect(uri: &str) -> bool {
    let rest = uri
        .strip_prefix("http://127.0.0.1:")
        .or_else(|| uri.strip_prefix("http://localhost:"));
    match rest.and_then(|r| r.split_once('/')) {
        Some((port, path)) => {
            path == "oauth/callback"
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && port.parse::<u16>().is_ok_and(|p| p > 0)
        }
        None => false,
    }
}

impl SignIn {
    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn authorize(&self, req: &Request, ctx: &Ctx) -> Response {
        ctx.shared().count("signin.authorize");
        let p = |k: &str| req.param(k).unwrap_or("");
        if p("response_type") != "code" {
            return bad_page(ctx, "response_type must be code");
        }
        let client_id = p("client_id");
        let confirmation = format!("{}/v1/sessions/confirmation", ctx.base);
        let redirect_uri = p("redirect_uri");
        match client_id {
            CLIENT_ID_SAME_DEVICE if loopback_redirect(redirect_uri) => {}
            CLIENT_ID_SAME_DEVICE => {
                return bad_page(ctx, "redirect_uri must be http://127.0.0.1:PORT/oauth/callback for the same-device client")
            }
            CLIENT_ID_CROSS_DEVICE if redirect_uri == confirmation => {}
            CLIENT_ID_CROSS_DEVICE => {
                return bad_page(ctx, &format!("redirect_uri must be {confirmation} for the cross-device client"))
            }
            _ => return bad_page(ctx, "unknown client_id"),
        }
        if p("code_challenge_method") != "SHA-256" {
            return bad_page(ctx, "code_challenge_method must be SHA-256");
        }
        if !p("scope").split(' ').any(|s| s == "openid") {
            return bad_page(ctx, "scope must include openid");
        }
        let state = p("state");
        if state.is_empty() {
            return bad_page(ctx, "state is required");
        }
        let challenge = p("code_challenge");
        if challenge.len() != 43 || jose::b64url_decode(challenge).map(|b| b.len()) != Some(32) {
            return bad_page(
                ctx,
                "code_challenge must be base64url(SHA-256(verifier)) without padding",
            );
        }
        let id = random_token(16);
        self.st().pending.insert(
            id.clone(),
            Pending {
                client_id: client_id.into(),
                redirect_uri: redirect_uri.into(),
                state: state.into(),
                challenge: challenge.into(),
                created: unix_now(),
            },
        );
        let mut list = String::new();
        for (i, ident) in ctx.config.identities.iter().enumerate() {
            list.push_str(&format!(
                "<form method=\"post\" action=\"/v1/authorize\" style=\"border:1px solid #ccc;padding:1em;margin:1em 0\">\
<input type=\"hidden\" name=\"request\" value=\"{id}\"><input type=\"hidden\" name=\"identity\" value=\"{i}\">\
<p class=\"identity\">{}</p><button type=\"submit\" name=\"action\" value=\"continue\" id=\"continue-{i}\">Continue</button></form>",
                html_escape(ident)
            ));
        }
        list.push_str(&format!(
            "<form method=\"post\" action=\"/v1/authorize\"><input type=\"hidden\" name=\"request\" value=\"{id}\">\
<button type=\"submit\" name=\"action\" value=\"cancel\" id=\"cancel\">Cancel</button></form>"
        ));
        page(
            200,
            "Sign in to the AWS CLI",
            &format!(
                "<p>Choose the session to give to <b>{}</b>:</p>{list}",
                html_escape(client_id)
            ),
        )
    }

    fn approve(&self, req: &Request, ctx: &Ctx) -> Response {
        let form = req.form();
        let f = |k: &str| {
            form.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        let Some(pending) = self.st().pending.remove(f("request")) else {
            return bad_page(ctx, "unknown or already answered sign-in request");
        };
        if unix_now() > pending.created + 600 {
            return bad_page(ctx, "this sign-in request is older than 10 minutes");
        }
        let sep = if pending.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        if f("action") == "cancel" {
            ctx.shared().count("signin.denied");
            return Response::redirect(&format!(
                "{}{sep}error=access_denied&error_description={}&state={}",
                pending.redirect_uri,
                url_encode("The user cancelled the sign-in."),
                url_encode(&pending.state)
            ));
        }
        let Some(identity) = f("identity")
            .parse::<usize>()
            .ok()
            .and_then(|i| ctx.config.identities.get(i))
        else {
            return bad_page(ctx, "unknown identity");
        };
        ctx.shared().count("signin.approve");
        let code = random_token(32);
        self.st().codes.insert(
            code.clone(),
            Code {
                client_id: pending.client_id,
                redirect_uri: pending.redirect_uri.clone(),
                challenge: pending.challenge,
                identity: identity.clone(),
                created: unix_now(),
                used: false,
            },
        );
        Response::redirect(&format!(
            "{}{sep}code={}&state={}",
            pending.redirect_uri,
            url_encode(&code),
            url_encode(&pending.state)
        ))
    }

    fn token(&self, req: &Request, ctx: &Ctx) -> Response {
        match self.token_inner(req, ctx) {
            Ok(r) => r,
            Err((code, why)) => {
                ctx.shared().reject("signin.token", code, &why);
                service_error(code, &why)
            }
        }
    }

    fn token_inner(&self, req: &Request, ctx: &Ctx) -> Result<Response, (&'static str, String)> {
        let invalid = |m: &str| ("INVALID_REQUEST", m.to_string());
        ctx.shared().count("signin.token");
        if let Some(code) = ctx.shared().take_injection("signin.token") {
            let code: &'static str = match code.as_str() {
                "TOKEN_EXPIRED" => "TOKEN_EXPIRED",
                "USER_CREDENTIALS_CHANGED" => "USER_CREDENTIALS_CHANGED",
                "INSUFFICIENT_PERMISSIONS" => "INSUFFICIENT_PERMISSIONS",
                "AUTHCODE_EXPIRED" => "AUTHCODE_EXPIRED",
                "rate_exceeded" => "rate_exceeded",
                "server_error" => "server_error",
                _ => "INVALID_REQUEST",
            };
            return Err((code, "injected error".to_string()));
        }
        if !req
            .header("content-type")
            .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/json"))
        {
            return Err(invalid("Content-Type must be application/json"));
        }
        let key = self
            .check_dpop(req, ctx)
            .map_err(|m| invalid(&format!("invalid DPoP proof: {m}")))?;
        let body: Map<String, Value> = match serde_json::from_slice(&req.body) {
            Ok(Value::Object(m)) => m,
            _ => return Err(invalid("body must be a JSON object")),
        };
        let s = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("");
        let client_id = s("clientId");
        if client_id != CLIENT_ID_SAME_DEVICE && client_id != CLIENT_ID_CROSS_DEVICE {
            return Err(invalid("clientId is missing or unknown"));
        }
        match s("grantType") {
            "authorization_code" => {
                ctx.shared().count("signin.token.authorization_code");
                self.redeem_code(
                    ctx,
                    client_id,
                    s("code"),
                    s("codeVerifier"),
                    s("redirectUri"),
                    key,
                )
            }
            "refresh_token" => {
                let kind = client_kind(req);
                {
                    let mut sh = ctx.shared();
                    sh.count("signin.token.refresh_token");
                    sh.count(&format!("signin.token.refresh_token.{kind}"));
                }
                let token = s("refreshToken");
                let (age_ms, earlier) = self
                    .st()
                    .refresh
                    .get(token)
                    .map(|r| (Some(unix_ms().saturating_sub(r.issued_ms)), r.redeemed_by))
                    .unwrap_or_default();
                let out = self.redeem_refresh(ctx, client_id, token, key);
                if out.is_ok() {
                    if let Some(r) = self.st().refresh.get_mut(token) {
                        r.redeemed_by.get_or_insert(kind);
                    }
                }
                // One entry per refresh call: who made it, how old the refresh token was (a
                // well-behaved client only refreshes credentials that are about to expire) and
                // how it ended.
                ctx.shared().refresh_log.push(json!({
                    "client": kind,
                    "tokenAgeMs": age_ms,
                    "ok": out.is_ok(),
                    "redeemedBefore": earlier,
                    "error": out.as_ref().err().map(|(c, m)| format!("{c}: {m}")),
                }));
                out
            }
            _ => Err(invalid(
                "grantType must be authorization_code or refresh_token",
            )),
        }
    }

    /// Checks the DPoP proof (RFC 9449 §4.3) and returns the key it proves possession of.
    fn check_dpop(&self, req: &Request, ctx: &Ctx) -> Result<(String, String), String> {
        let proofs: Vec<&str> = req
            .headers
            .iter()
            .filter(|(k, _)| k == "dpop")
            .map(|(_, v)| v.as_str())
            .collect();
        let proof = match proofs.as_slice() {
            [p] => *p,
            [] => return Err("no DPoP header".into()),
            _ => return Err("more than one DPoP header".into()),
        };
        let v = jose::verify_embedded_jwk(proof)?;
        let h = |k: &str| v.header.get(k).and_then(Value::as_str);
        if h("typ") != Some("dpop+jwt") {
            return Err("typ must be dpop+jwt".into());
        }
        if h("alg") != Some("ES256") {
            return Err("alg must be ES256".into());
        }
        let p = |k: &str| v.payload.get(k).and_then(Value::as_str);
        if p("htm") != Some("POST") {
            return Err("htm must be POST".into());
        }
        let htu = format!("{}/v1/token", ctx.base);
        if p("htu") != Some(htu.as_str()) {
            return Err(format!(
                "htu must be {htu}, got {:?}",
                p("htu").unwrap_or("")
            ));
        }
        let iat = v
            .payload
            .get("iat")
            .and_then(Value::as_u64)
            .ok_or("iat must be a number of seconds")?;
        let now = unix_now();
        if iat.abs_diff(now) > ctx.config.iat_window {
            return Err(format!(
                "iat is {} seconds from the server's clock (at most {} allowed)",
                iat.abs_diff(now),
                ctx.config.iat_window
            ));
        }
        let jti = p("jti")
            .filter(|j| !j.is_empty())
            .ok_or("jti is required")?;
        let mut st = self.st();
        if st.jtis.len() >= 256 {
            let window = ctx.config.iat_window;
            st.jtis.retain(|_, seen| seen.abs_diff(now) <= window);
        }
        if st.jtis.insert(jti.to_string(), iat).is_some() {
            return Err("jti was already used (replayed proof)".into());
        }
        drop(st);
        let jwk = v
            .header
            .get("jwk")
            .and_then(Value::as_object)
            .ok_or("no jwk")?;
        let c = |k: &str| jwk.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        Ok((c("x"), c("y")))
    }

    fn redeem_code(
        &self,
        ctx: &Ctx,
        client_id: &str,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
        key: (String, String),
    ) -> Result<Response, (&'static str, String)> {
        let invalid = |m: &str| ("INVALID_REQUEST", m.to_string());
        let mut st = self.st();
        let Some(c) = st.codes.get_mut(code) else {
            return Err(invalid("unknown authorization code"));
        };
        if c.used {
            return Err((
                "AUTHCODE_EXPIRED",
                "the authorization code was already used".into(),
            ));
        }
        // Any attempt uses the code up, as OAuth requires.
        c.used = true;
        if unix_now() >= c.created + ctx.config.code_lifetime {
            return Err((
                "AUTHCODE_EXPIRED",
                "the authorization code has expired".into(),
            ));
        }
        if c.client_id != client_id {
            return Err(invalid("clientId does not match the authorization request"));
        }
        if c.redirect_uri != redirect_uri {
            return Err(invalid(
                "redirectUri does not match the authorization request",
            ));
        }
        if !pkce::valid_verifier(verifier) {
            return Err(invalid("codeVerifier must be 43-128 unreserved characters"));
        }
        if pkce::challenge_of(verifier) != c.challenge {
            return Err(invalid(
                "codeVerifier does not match code_challenge (PKCE SHA-256)",
            ));
        }
        let identity = c.identity.clone();
        let session_id = random_token(16);
        st.sessions.insert(
            session_id.clone(),
            Session {
                identity: identity.clone(),
                client_id: client_id.into(),
                started: unix_now(),
                key,
            },
        );
        let refresh = new_refresh(&mut st, &session_id);
        drop(st);
        let now = unix_now();
        let id_token = self.key.sign_jws(
            &json!({"alg": "ES256", "typ": "JWT", "kid": "awsrun-emulator"}),
            &json!({"iss": ctx.base, "sub": identity, "aud": client_id, "iat": now, "exp": now + ctx.config.credential_lifetime}),
        );
        Ok(issue(ctx, &identity, refresh, Some(id_token)))
    }

    fn redeem_refresh(
        &self,
        ctx: &Ctx,
        client_id: &str,
        token: &str,
        key: (String, String),
    ) -> Result<Response, (&'static str, String)> {
        let now = unix_now();
        let mut st = self.st();
        let Some(r) = st.refresh.get(token) else {
            return Err(("TOKEN_EXPIRED", "the refresh token is not valid".into()));
        };
        if let Some(at) = r.superseded_at {
            if now >= at + ctx.config.refresh_grace {
                return Err((
                    "TOKEN_EXPIRED",
                    "the refresh token was rotated out; use the newest one".into(),
                ));
            }
        }
        let sid = r.session.clone();
        let Some(session) = st.sessions.get(&sid) else {
            return Err(("TOKEN_EXPIRED", "the session no longer exists".into()));
        };
        if session.client_id != client_id {
            return Err((
                "INVALID_REQUEST",
                "clientId does not match the session".into(),
            ));
        }
        if session.key != key {
            return Err((
                "INVALID_REQUEST",
                "invalid DPoP proof: not signed with the key the session is bound to".into(),
            ));
        }
        if now >= session.started + ctx.config.session_length {
            return Err((
                "TOKEN_EXPIRED",
                "the session has ended; sign in again".into(),
            ));
        }
        let identity = session.identity.clone();
        if let Some(r) = st.refresh.get_mut(token) {
            r.superseded_at.get_or_insert(now);
        }
        let refresh = new_refresh(&mut st, &sid);
        drop(st);
        Ok(issue(ctx, &identity, refresh, None))
    }
}

fn new_refresh(st: &mut State, session: &str) -> String {
    let t = format!("aws-emulator-rt-{}", random_token(48));
    st.refresh.insert(
        t.clone(),
        Refresh {
            session: session.into(),
            superseded_at: None,
            issued_ms: unix_ms(),
            redeemed_by: None,
        },
    );
    t
}

fn access_key_id() -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = (0..16)
        .map(|_| A[rand::random::<usize>() % A.len()] as char)
        .collect();
    format!("ASIA{tail}")
}

/// The 200 answer with fresh credentials, recorded for later services (STS).
fn issue(ctx: &Ctx, identity: &str, refresh: String, id_token: Option<String>) -> Response {
    let akid = access_key_id();
    let secret: String = random_token(30).chars().take(40).collect();
    let session_token = format!("IQoJemulator{}", random_token(96));
    let lifetime = ctx.config.credential_lifetime;
    ctx.shared().issued.insert(
        akid.clone(),
        Issued {
            secret_access_key: secret.clone(),
            session_token: session_token.clone(),
            identity: identity.into(),
            expires: unix_now() + lifetime,
        },
    );
    let mut out = json!({
        "accessToken": {"accessKeyId": akid, "secretAccessKey": secret, "sessionToken": session_token},
        "tokenType": "aws_sigv4",
        "expiresIn": lifetime,
        "refreshToken": refresh,
    });
    if let Some(t) = id_token {
        out["idToken"] = Value::String(t);
    }
    Response::json(200, &out).with_header("x-amzn-requestid", &jose::uuid4())
}

/// The page the cross-device flow lands on: shows base64("code=...&state=...") to paste.
fn confirmation(req: &Request, ctx: &Ctx) -> Response {
    ctx.shared().count("signin.confirmation");
    let (Some(code), Some(state)) = (req.param("code"), req.param("state")) else {
        return page(
            400,
            "Sign-in failed",
            &format!(
                "<p id=\"error\">{}</p>",
                html_escape(
                    req.param("error_description")
                        .unwrap_or("No authorization code.")
                )
            ),
        );
    };
    let pasted =
        jose::b64_std(format!("code={}&state={}", url_encode(code), url_encode(state)).as_bytes());
    page(
        200,
        "Authorization code",
        &format!(
            "<p>Copy this code and paste it into the terminal where you ran the login:</p>\
<pre id=\"verification-code\" style=\"white-space:pre-wrap;word-break:break-all\">{}</pre>",
            html_escape(&pasted)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects() {
        assert!(loopback_redirect("http://127.0.0.1:5000/oauth/callback"));
        assert!(loopback_redirect("http://localhost:1/oauth/callback"));
        assert!(!loopback_redirect("http://127.0.0.1:5000/oauth/callback/x"));
        assert!(!loopback_redirect(
            "http://127.0.0.1.evil:5000/oauth/callback"
        ));
        assert!(!loopback_redirect("https://127.0.0.1:0/oauth/callback"));
    }
}
