//! Shared by the shell integration tests: a throw-away HOME with AWS files and login cache
//! entries, and a tmux driver for real interactive shells.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;

pub const AWSRUN: &str = env!("CARGO_BIN_EXE_awsrun");

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "awsrun-{tag}-{}-{:x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A HOME with `~/.aws/config` and login cache files.
pub struct Home {
    pub dir: TempDir,
}

impl Home {
    pub fn new() -> Home {
        let dir = TempDir::new("home");
        std::fs::create_dir_all(dir.path().join(".aws/login/cache")).unwrap();
        // As on a machine where fish has already run once: otherwise its first start launches
        // a background job that scans man pages for completions (and starts processes).
        std::fs::create_dir_all(dir.path().join(".local/share/fish/generated_completions"))
            .unwrap();
        Home { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn config(&self, text: &str) {
        self.write(".aws/config", text);
    }

    /// A cache entry in the SPEC §8 shape whose id token was issued at `iat`.
    pub fn login(&self, session: &str, iat: i64) -> PathBuf {
        let doc = serde_json::json!({
            "accessToken": {
                "accessKeyId": "ASIAFIXTUREFIXTURE00",
                "secretAccessKey": "fixture-secret",
                "sessionToken": "fixture-token",
                "accountId": "123456789012",
                "expiresAt": "2099-01-01T00:00:00Z"
            },
            "tokenType": "urn:aws:params:oauth:token-type:access_token_sigv4",
            "clientId": "arn:aws:signin:::devtools/same-device",
            "refreshToken": "fixture-refresh",
            "idToken": jwt(&serde_json::json!({"sub": "fixture-user", "iat": iat})),
            "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n"
        });
        let env = awsrun::env::Env::from_pairs([("HOME", self.path().to_str().unwrap())]);
        let path = awsrun::cache::cache_path(&env, session);
        std::fs::write(&path, doc.to_string()).unwrap();
        path
    }

    /// The standard cast: `dev` (3h12m left), `short` (20m left), `old` (expired), `keys` (no
    /// login session), `gone` (login_session but signed out: no cache file).
    pub fn standard() -> Home {
        let home = Home::new();
        home.config(STANDARD_CONFIG);
        let t = now();
        home.login(
            "arn:aws:iam::123456789012:user/dev",
            t - 12 * 3600 + 3 * 3600 + 12 * 60 + 45,
        );
        home.login(
            "arn:aws:iam::123456789012:user/short",
            t - 12 * 3600 + 20 * 60 + 45,
        );
        home.login("arn:aws:iam::123456789012:user/old", t - 13 * 3600);
        home
    }

    /// `awsrun ARGS` with only this HOME, PATH and `env` in the environment.
    pub fn awsrun(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(AWSRUN)
            .args(args)
            .env_clear()
            .env("HOME", self.path())
            .env("PATH", "/usr/bin:/bin")
            .envs(env.iter().copied())
            .output()
            .unwrap()
    }
}

pub const STANDARD_CONFIG: &str = "\
[default]
region = us-east-1

[profile dev]
login_session = arn:aws:iam::123456789012:user/dev
region = eu-west-1

[profile short]
login_session = arn:aws:iam::123456789012:user/short

[profile old]
login_session = arn:aws:iam::123456789012:user/old

[profile keys]
region = eu-west-2

[profile gone]
login_session = arn:aws:iam::123456789012:user/gone
";

pub fn jwt(claims: &serde_json::Value) -> String {
    let enc = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.c2lnbmF0dXJl",
        enc(&serde_json::json!({"alg": "ES256", "typ": "JWT"})),
        enc(claims)
    )
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The text with ANSI escape sequences removed.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            match chars.next() {
                Some('[') => {
                    for c in chars.by_ref() {
                        if c.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
                Some('(') => {
                    chars.next();
                }
                _ => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub fn shell_path(name: &str) -> String {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .unwrap();
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        !path.is_empty(),
        "{name} is not installed: run tests/setup.sh (it installs bash, zsh, fish, tmux)"
    );
    path
}

/// One tmux server on a private socket, running one program in a fixed-size window.
pub struct Tmux {
    socket: PathBuf,
    _dir: TempDir,
}

impl Tmux {
    /// Starts `argv` with exactly `env` as its environment (plus TERM).
    pub fn start(argv: &[&str], env: &[(&str, &str)], width: u16) -> Tmux {
        shell_path("tmux");
        let dir = TempDir::new("tmux");
        let socket = dir.path().join("sock");
        let mut cmd = Command::new("tmux");
        cmd.arg("-S")
            .arg(&socket)
            .args(["-f", "/dev/null", "new-session", "-d", "-x"])
            .arg(width.to_string())
            .args([
                "-y",
                "30",
                "--",
                "env",
                "-i",
                "TERM=xterm-256color",
                "LANG=C.UTF-8",
            ]);
        for (k, v) in env {
            cmd.arg(format!("{k}={v}"));
        }
        cmd.args(argv);
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "tmux: {}", stderr(&out));
        Tmux { socket, _dir: dir }
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap()
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-l", text]);
    }

    /// Presses keys by tmux name (`Enter`, `Tab`, `C-a`).
    pub fn press(&self, key: &str) {
        self.tmux(&["send-keys", key]);
    }

    /// The screen, with colours as SGR sequences.
    pub fn screen(&self) -> String {
        stdout(&self.tmux(&["capture-pane", "-p", "-e"]))
    }

    pub fn cursor(&self) -> (usize, usize) {
        let s = stdout(&self.tmux(&["display-message", "-p", "#{cursor_x} #{cursor_y}"]));
        let mut it = s.split_whitespace().map(|n| n.parse().unwrap());
        (it.next().unwrap(), it.next().unwrap())
    }

    /// Waits until the screen satisfies `ready` (the shell is slow to start under load), and
    /// returns it. Fails with the last screen after 30 seconds.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}
