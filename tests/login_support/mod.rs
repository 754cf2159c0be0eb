//! Shared by the login and emulator tests: a throwaway HOME, the emulator as a child process,
//! a plain HTTP/1.1 client (so the tests do not share code with what they test), and a running
//! `awsrun login` whose stderr can be read while it waits.
#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::Value;

pub const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
pub const BOB: &str = "arn:aws:sts::210987654321:assumed-role/Dev/bob";

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A temporary HOME with `.aws/`; removed on drop.
pub struct Home {
    pub dir: PathBuf,
}

impl Home {
    pub fn new(name: &str) -> Home {
        let dir = std::env::temp_dir().join(format!(
            "awsrun-login-{name}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join(".aws")).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        Home { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
    }

    pub fn config(&self) -> String {
        self.read(".aws/config")
    }

    pub fn cache_path(&self, session: &str) -> PathBuf {
        self.path(".aws/login/cache")
            .join(awsrun::cache::cache_file_name(session))
    }

    pub fn cache(&self, session: &str) -> Value {
        let p = self.cache_path(session);
        let text =
            fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()));
        serde_json::from_str(&text).unwrap()
    }

    pub fn cache_files(&self) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.path(".aws/login/cache"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// `awsrun ARGS` with a clean environment pointing at `endpoint` (if any).
    pub fn awsrun(&self, endpoint: Option<&str>, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_awsrun"));
        c.args(args)
            .env_clear()
            .env("HOME", &self.dir)
            .env("PATH", "/usr/bin:/bin")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        if let Some(e) = endpoint {
            c.env("AWS_ENDPOINT_URL_SIGNIN", e);
        }
        c
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

pub fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

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

pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// One HTTP/1.1 request over a fresh connection (`http://host:port/...` only).
pub fn http(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut s = TcpStream::connect(hostport).unwrap_or_else(|e| panic!("connect {hostport}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    HttpResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 4 + size..];
    }
}

/// A running `awsrun login` whose stderr is read line by line as it arrives.
pub struct Running {
    child: Child,
    pub stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
    stdout: Option<std::thread::JoinHandle<String>>,
}

pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Running {
    pub fn spawn(mut cmd: Command) -> Running {
        cmd.stdin(Stdio::piped());
        Running::spawn_with_stdin(cmd)
    }

    /// Like `spawn`, keeping the stdin the command was given.
    pub fn spawn_with_stdin(mut cmd: Command) -> Running {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn awsrun");
        let err = child.stderr.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut out = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        Running {
            stdin: child.stdin.take(),
            child,
            lines: rx,
            seen: Vec::new(),
            stdout: Some(stdout),
        }
    }

    /// Waits (up to 60 s) for a stderr line starting with `prefix` and returns it.
    pub fn line_starting(&mut self, prefix: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if l.starts_with(prefix) {
                        return l;
                    }
                }
                Err(_) => panic!(
                    "no stderr line starting with {prefix:?}; got:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// The authorize URL awsrun printed for the emulator at `base`.
    pub fn authorize_url(&mut self, base: &str) -> String {
        self.line_starting(&format!("{base}/v1/authorize?"))
    }

    pub fn write_stdin(&mut self, text: &str) {
        let s = self.stdin.as_mut().expect("stdin open");
        s.write_all(text.as_bytes()).unwrap();
        s.flush().unwrap();
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    pub fn finish(mut self) -> Finished {
        self.stdin = None;
        let status = self.child.wait().unwrap();
        let stdout = self.stdout.take().unwrap().join().unwrap();
        let mut stderr = self.seen.join("\n");
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(5)) {
            stderr.push('\n');
            stderr.push_str(&l);
        }
        Finished {
            status,
            stdout,
            stderr,
        }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// A query parameter of a URL (decoded).
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    awsrun::signin::httpd::parse_query(q)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
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

pub fn assert_ok(f: &Finished) {
    assert!(
        f.status.success(),
        "awsrun failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        f.status,
        f.stdout,
        f.stderr
    );
}

/// The venv python with botocore[crt] 1.44.5 (tests/setup.sh makes it).
pub fn venv_python() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run tests/setup.sh (it creates the venv with botocore[crt]==1.44.5)",
        p.display()
    );
    p
}

/// Builds tests/sdk-client, the AWS SDK for Rust test programs (once; cargo makes later builds
/// no-ops), and returns the path of its binary `bin`.
pub fn sdk_client_bin(bin: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = root.join("target/sdk-client");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--quiet", "--locked", "--manifest-path"])
        .arg(root.join("tests/sdk-client/Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "building tests/sdk-client (aws-config with credentials-login) failed; tests/setup.sh fetches its crates:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target.join("debug").join(bin)
}
