//! The same-device redirect target: a server on 127.0.0.1 (ephemeral port) that answers only
//! `GET /oauth/callback`, and only acts on a request carrying this login's `state`. Anything else
//! gets an error page and is ignored, so a stray or hostile request cannot end or hijack the
//! login.

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::httpd::{html_escape, serve, Request, Response};
use crate::error::{Error, Kind, Result};

pub enum Outcome {
    Code(String),
    /// The service sent the browser back with `?error=` and this login's state: the message to
    /// show.
    Denied(String),
    /// An `?error=` without any state. A conforming service always returns the state (RFC 6749
    /// 4.1.2.1), so this may be any local process: the login goes on, the user is told.
    Stray(String),
}

/// The authorization code is a secret: Debug names the variant only.
impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Code(_) => f.write_str("Code(..)"),
            Outcome::Denied(m) => f.debug_tuple("Denied").field(m).finish(),
            Outcome::Stray(m) => f.debug_tuple("Stray").field(m).finish(),
        }
    }
}

pub struct Callback {
    pub redirect_uri: String,
    rx: mpsc::UnboundedReceiver<Outcome>,
    task: JoinHandle<()>,
}

impl Callback {
    /// Binds the listener. Must run inside a tokio runtime.
    pub async fn start(state: String) -> Result<Callback> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| {
            Error::new(
                Kind::Io,
                format!("Unable to listen on 127.0.0.1 for the sign-in callback: {e}"),
            )
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::new(Kind::Io, format!("Unable to read the callback port: {e}")))?
            .port();
        let (tx, rx) = mpsc::unbounded_channel();
        let handler = Arc::new(move |req: Request| handle(&req, &state, &tx));
        let task = tokio::spawn(serve(listener, handler));
        Ok(Callback {
            redirect_uri: format!("http://127.0.0.1:{port}{}", super::CALLBACK_PATH),
            rx,
            task,
        })
    }

    /// The first accepted outcome.
    pub async fn next(&mut self) -> Option<Outcome> {
        self.rx.recv().await
    }
}

impl Drop for Callback {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Query text bound for the terminal: anyone on this machine can send it, so no control
/// characters (escape sequences) and no more than a line's worth.
fn printable(s: &str) -> String {
    const MAX: usize = 200;
    let mut out: String = s
        .chars()
        .take(MAX)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

fn page(status: u16, title: &str, text: &str) -> Response {
    Response::html(
        status,
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>awsrun: {t}</title></head>\
<body style=\"font-family:sans-serif;max-width:40em;margin:4em auto\"><h1>{t}</h1><p>{x}</p></body></html>",
            t = html_escape(title),
            x = html_escape(text)
        ),
    )
}

/// Answers one request to the callback server; only a matching state's code or error is sent
/// on `tx`. (Public for the fuzz target.)
pub fn handle(req: &Request, state: &str, tx: &mpsc::UnboundedSender<Outcome>) -> Response {
    if req.path != super::CALLBACK_PATH {
        return page(
            404,
            "Not found",
            "This address only accepts the sign-in callback.",
        );
    }
    if req.method != "GET" {
        return page(
            405,
            "Method not allowed",
            "The sign-in callback is a GET request.",
        )
        .with_header("allow", "GET");
    }
    let got_state = req.param("state");
    if let Some(err) = req.param("error") {
        let err = printable(err);
        let desc = printable(req.param("error_description").unwrap_or(""));
        let msg = if desc.is_empty() {
            format!("The sign-in service returned an error: {err}")
        } else {
            format!("The sign-in service returned an error: {err}: {desc}")
        };
        // An error response ends the login only if it belongs to it.
        if got_state == Some(state) {
            let _ = tx.send(Outcome::Denied(msg.clone()));
            return page(
                400,
                "Sign-in failed",
                &format!("{msg}. Return to the terminal for details."),
            );
        }
        if got_state.is_none() {
            let _ = tx.send(Outcome::Stray(msg.clone()));
            return page(
                400,
                "Sign-in error without a state",
                &format!("{msg}. It does not name the login awsrun is waiting for, so awsrun keeps waiting; if it came from your sign-in, press Ctrl-C in the terminal and run 'awsrun login' again."),
            );
        }
    }
    if got_state != Some(state) {
        return page(
            400,
            "Not this sign-in",
            "This response does not belong to the login awsrun is waiting for (the state does not match). It was ignored; finish the sign-in from the page awsrun opened.",
        );
    }
    match req.param("code") {
        Some(code) if !code.is_empty() => {
            let _ = tx.send(Outcome::Code(code.to_string()));
            page(
                200,
                "Signed in",
                "awsrun received your sign-in. You can close this tab and return to the terminal.",
            )
        }
        _ => page(
            400,
            "Missing code",
            "The callback has no authorization code. It was ignored.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(path: &str, q: &[(&str, &str)]) -> Request {
        Request {
            method: "GET".into(),
            path: path.into(),
            query: q
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn only_the_right_state_counts() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let r = handle(&req("/other", &[("state", "s"), ("code", "c")]), "s", &tx);
        assert_eq!(r.status, 404);
        let r = handle(
            &req("/oauth/callback", &[("state", "x"), ("code", "c")]),
            "s",
            &tx,
        );
        assert_eq!(r.status, 400);
        let r = handle(
            &req("/oauth/callback", &[("state", "x"), ("error", "e")]),
            "s",
            &tx,
        );
        assert_eq!(r.status, 400);
        assert!(rx.try_recv().is_err(), "nothing accepted yet");
        let r = handle(
            &req("/oauth/callback", &[("state", "s"), ("code", "c")]),
            "s",
            &tx,
        );
        assert_eq!(r.status, 200);
        assert!(matches!(rx.try_recv(), Ok(Outcome::Code(c)) if c == "c"));
    }

    #[test]
    fn errors_end_the_login_only_with_its_state() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let ours = [("state", "s"), ("error", "access_denied")];
        assert_eq!(handle(&req("/oauth/callback", &ours), "s", &tx).status, 400);
        assert!(matches!(rx.try_recv(), Ok(Outcome::Denied(m)) if m.ends_with("access_denied")));

        let long = format!("\x1b]0;title\x07{}", "y".repeat(300));
        let stray = [("error", "e\r\n"), ("error_description", long.as_str())];
        assert_eq!(
            handle(&req("/oauth/callback", &stray), "s", &tx).status,
            400
        );
        let Ok(Outcome::Stray(m)) = rx.try_recv() else {
            panic!("a stray error is reported, not acted on")
        };
        assert!(!m.chars().any(char::is_control), "{m:?}");
        assert!(m.chars().count() < 260 && m.ends_with('…'), "{m:?}");
    }
}
