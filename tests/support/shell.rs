//! Real interactive shells: where they are installed, and a tmux driver that runs one in a
//! fixed-size window and reads its screen.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::{stderr, stdout, TempDir};

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
