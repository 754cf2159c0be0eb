//! awsrun as a child process: a running one whose stderr is read while it waits, its output as
//! text, and running it as `nobody`.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

pub const AWSRUN: &str = env!("CARGO_BIN_EXE_awsrun");

/// A running awsrun (mostly `awsrun login`) whose stderr is read line by line as it arrives.
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

pub fn assert_ok(f: &Finished) {
    assert!(
        f.status.success(),
        "awsrun failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        f.status,
        f.stdout,
        f.stderr
    );
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Whether the tests run as root (then file permissions do not stop awsrun: see [`as_nobody`]).
pub fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// `c` run as `nobody` through `setpriv`, with the same arguments and environment.
pub fn as_nobody(c: &Command) -> Command {
    let mut d = Command::new("setpriv");
    d.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]);
    d.arg(c.get_program()).args(c.get_args()).env_clear();
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            d.env(k, v);
        }
    }
    d
}
