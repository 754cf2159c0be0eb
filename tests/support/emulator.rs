//! `awsrun-emulator` as a child process, the identities it signs in, and a login through it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use super::{http, Finished, Home, HttpResponse, Running};

pub const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
pub const BOB: &str = "arn:aws:sts::210987654321:assumed-role/Dev/bob";

/// `awsrun-emulator` on an ephemeral port; killed on drop.
pub struct Emulator {
    pub base: String,
    /// What `/__emulator/*` requests carry as `Authorization: Bearer`.
    pub control_token: String,
    child: Child,
}

impl Emulator {
    pub fn start(args: &[&str]) -> Emulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_awsrun-emulator"))
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start awsrun-emulator");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (mut base, mut control_token) = (String::new(), String::new());
        out.read_line(&mut base).unwrap();
        out.read_line(&mut control_token).unwrap();
        let (base, control_token) = (base.trim().to_string(), control_token.trim().to_string());
        assert!(
            base.starts_with("http://127.0.0.1:"),
            "emulator printed {base:?}"
        );
        assert!(control_token.len() >= 32, "a control token");
        Emulator {
            base,
            control_token,
            child,
        }
    }

    /// A request to the control endpoint `/__emulator/{path}`.
    pub fn control(&self, method: &str, path: &str, body: &[u8]) -> HttpResponse {
        let auth = format!("Bearer {}", self.control_token);
        http(
            method,
            &format!("{}/__emulator/{path}", self.base),
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            body,
        )
    }

    pub fn stats(&self) -> Value {
        let r = self.control("GET", "stats", b"");
        assert_eq!(r.status, 200, "{}", r.text());
        serde_json::from_slice(&r.body).unwrap()
    }

    pub fn counter(&self, name: &str) -> u64 {
        self.stats()["counters"][name].as_u64().unwrap_or(0)
    }

    pub fn rejections(&self) -> Vec<Value> {
        self.stats()["rejections"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn inject(&self, code: &str, count: u64) {
        let body = serde_json::json!({"target": "signin.token", "error": code, "count": count});
        let r = self.control("POST", "inject", body.to_string().as_bytes());
        assert_eq!(r.status, 200, "{}", r.text());
    }

    /// Plays the user on the authorize page: picks identity `idx` (or Cancel) and returns where
    /// the emulator redirects the browser.
    pub fn approve(&self, authorize_url: &str, idx: Option<usize>) -> String {
        let page = http("GET", authorize_url, &[], b"");
        assert_eq!(page.status, 200, "authorize page: {}", page.text());
        let text = page.text();
        let marker = "name=\"request\" value=\"";
        let at = text.find(marker).expect("request id on the page") + marker.len();
        let req = &text[at..at + text[at..].find('"').unwrap()];
        let form = match idx {
            Some(i) => format!("request={req}&identity={i}&action=continue"),
            None => format!("request={req}&action=cancel"),
        };
        let r = http(
            "POST",
            &format!("{}/v1/authorize", self.base),
            &[("content-type", "application/x-www-form-urlencoded")],
            form.as_bytes(),
        );
        assert_eq!(r.status, 302, "approve: {}", r.text());
        r.header("location").expect("a Location").to_string()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs in through the emulator with plain HTTP (no browser): runs `awsrun login --no-browser
/// ARGS`, approves identity `idx`, follows the redirect to awsrun's callback.
pub fn login(home: &Home, emu: &Emulator, args: &[&str], idx: usize) -> Finished {
    let mut all = vec!["login", "--no-browser"];
    all.extend_from_slice(args);
    let mut run = Running::spawn(home.awsrun(Some(&emu.base), &all));
    let url = run.authorize_url(&emu.base);
    let callback = emu.approve(&url, Some(idx));
    let page = http("GET", &callback, &[], b"");
    assert_eq!(page.status, 200, "callback page: {}", page.text());
    run.finish()
}
