//! The credential server: a loopback container-credentials endpoint that hands the child fresh
//! keys for as long as it runs, so no key ever sits in its environment (SPEC §9).
//!
//! Every SDK's container provider speaks this protocol: `GET` the URL in
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI` with `Authorization: <AWS_CONTAINER_AUTHORIZATION_TOKEN>`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};

use crate::credentials::live::Fetcher;
use crate::error::{Error, Kind, Result};

pub const PATH: &str = "/";

pub struct Endpoint {
    pub url: String,
    pub token: String,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// 256 random bits, hex.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Binds 127.0.0.1 on an ephemeral port and serves on a background thread with its own
/// runtime, so the main thread is free to wait for the child.
pub fn start(fetcher: Arc<Fetcher>) -> Result<Endpoint> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::new(Kind::Io, format!("cannot listen on 127.0.0.1: {e}")))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::new(Kind::Io, e.to_string()))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::new(Kind::Io, e.to_string()))?;
    let token = new_token();
    let state = Arc::new(State {
        fetcher,
        token: token.clone(),
    });
    std::thread::Builder::new()
        .name("awsrun-credential-server".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("awsrun: error: the credential server could not start: {e}");
                    return;
                }
            };
            rt.block_on(serve(listener, state));
        })
        .map_err(|e| Error::new(Kind::Io, format!("cannot start the credential server: {e}")))?;
    Ok(Endpoint {
        url: format!("http://{addr}{PATH}"),
        token,
    })
}

struct State {
    fetcher: Arc<Fetcher>,
    token: String,
}

async fn serve(listener: std::net::TcpListener, state: Arc<State>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(_) => {
                // Out of file descriptors and the like: back off rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if !peer.ip().is_loopback() {
            continue;
        }
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| handle(req, peer, state.clone()));
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(5))
                .max_buf_size(64 * 1024)
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// Compares in time independent of where the first difference is.
/// Compares secrets in time that does not depend on where they differ.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn reply(status: StatusCode, body: serde_json::Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("Content-Type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("static response parts are valid")
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    reply(
        status,
        serde_json::json!({"Code": code, "Message": message}),
    )
}

/// Why a request gets no credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: &'static str,
}

/// Whether a request may have the credentials: the one path, GET, and the exact token. Pure, so
/// the fuzz target can drive it with any method, path and header bytes.
pub fn admit(
    method: &str,
    path: &str,
    authorization: Option<&[u8]>,
    token: &str,
) -> std::result::Result<(), Refusal> {
    let no = |status, code, message| {
        Err(Refusal {
            status,
            code,
            message,
        })
    };
    if path != PATH {
        return no(StatusCode::NOT_FOUND, "NotFound", "no such path");
    }
    if method != "GET" {
        return no(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "only GET is served",
        );
    }
    match authorization {
        None => no(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "the Authorization header is missing",
        ),
        Some(v) if !same(v, token.as_bytes()) => no(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "the Authorization token is wrong",
        ),
        Some(_) => Ok(()),
    }
}

async fn handle(
    req: Request<Incoming>,
    peer: SocketAddr,
    state: Arc<State>,
) -> std::result::Result<Response<Full<Bytes>>, Infallible> {
    if !peer.ip().is_loopback() {
        return Ok(refuse(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "only loopback clients are served",
        ));
    }
    let auth = req.headers().get("authorization").map(|v| v.as_bytes());
    if let Err(r) = admit(req.method().as_str(), req.uri().path(), auth, &state.token) {
        let mut resp = refuse(r.status, r.code, r.message);
        if r.status == StatusCode::METHOD_NOT_ALLOWED {
            resp.headers_mut()
                .insert("Allow", hyper::header::HeaderValue::from_static("GET"));
        }
        return Ok(resp);
    }
    match state.fetcher.get().await {
        Ok(k) => {
            let mut body = serde_json::json!({
                "AccessKeyId": k.access_key_id,
                "SecretAccessKey": k.secret_access_key,
                "Token": k.session_token.unwrap_or_default(),
                // Keys that never expire still need a date: SDKs re-ask after it.
                "Expiration": k.expiration.unwrap_or_else(|| crate::time::iso8601_z(crate::time::now() + 3600)),
            });
            if let Some(a) = k.account_id {
                body["AccountId"] = a.into();
            }
            Ok(reply(StatusCode::OK, body))
        }
        Err(e) => Ok(refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "CredentialsUnavailable",
            &e.message,
        )),
    }
}
