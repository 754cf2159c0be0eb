//! No secret leaks: every command runs with `--debug` across one session (login, refresh, exec in
//! both modes, export, list, profiles, doctor, whoami, prompt, logout, and error cases: refused
//! refreshes, a broken cache, a failing child). Every secret the session ever had is collected
//! (each generation of the cache file, checked against the access keys the emulator says it
//! issued, and the authorization code from the browser's redirect) and none may appear in any
//! stdout or stderr, except the credentials `export` prints on stdout by design.

mod support;

use std::collections::BTreeSet;
use std::process::{Command, Output};

use support::{http, query_param, Emulator, Home, Running, ALICE};

struct Run {
    label: String,
    output: Output,
    /// `export` prints the keys on stdout: that is its job.
    stdout_may_hold_keys: bool,
}

struct Session {
    home: Home,
    emu: Emulator,
    runs: Vec<Run>,
    secrets: BTreeSet<String>,
    access_keys: BTreeSet<String>,
}

impl Session {
    fn cmd(&self, args: &[&str]) -> Command {
        // After the subcommand: clap refuses global options before one (see the report).
        let mut all = args.to_vec();
        let at = usize::from(!args[0].starts_with('-'));
        all.insert(at, "--debug");
        let mut c = self.home.awsrun(Some(&self.emu.base), &all);
        c.env("AWS_ENDPOINT_URL_STS", &self.emu.base);
        c
    }

    fn run(&mut self, label: &str, mut c: Command) -> &Output {
        let output = c.stdin(std::process::Stdio::null()).output().unwrap();
        self.runs.push(Run {
            label: label.to_string(),
            stdout_may_hold_keys: label.starts_with("export"),
            output,
        });
        self.collect();
        &self.runs.last().unwrap().output
    }

    fn ok(&mut self, label: &str, args: &[&str]) {
        let c = self.cmd(args);
        let o = self.run(label, c);
        assert!(
            o.status.success(),
            "{label}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    fn fails(&mut self, label: &str, c: Command) {
        let o = self.run(label, c);
        assert!(!o.status.success(), "{label} should fail");
        assert!(!o.stderr.is_empty(), "{label}: an error is explained");
    }

    /// The secrets in the cache as it is now.
    fn collect(&mut self) {
        let Ok(text) = std::fs::read_to_string(self.home.cache_path(ALICE)) else {
            return;
        };
        let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
            return;
        };
        let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
        if let Some(k) = doc["accessToken"]["accessKeyId"].as_str() {
            self.access_keys.insert(k.to_string());
        }
        self.secrets
            .insert(s(&doc["accessToken"]["secretAccessKey"]));
        self.secrets.insert(s(&doc["accessToken"]["sessionToken"]));
        self.secrets.insert(s(&doc["refreshToken"]));
        let pem = s(&doc["dpopKey"]);
        let body: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        self.secrets.insert(body.concat());
        for line in body {
            // Any full line of the key's base64 too.
            self.secrets.insert(line.to_string());
        }
        self.secrets.retain(|s| s.len() >= 16);
    }
}

#[test]
fn no_command_prints_a_secret_even_with_debug() {
    let home = Home::new("secrets");
    let emu = Emulator::start(&["--credential-lifetime", "900"]);
    home.write(
        ".aws/config",
        &format!(
            "[profile proc]\ncredential_process = {} export -p dev\nregion = us-east-1\n",
            env!("CARGO_BIN_EXE_awsrun")
        ),
    );
    let mut s = Session {
        home,
        emu,
        runs: Vec::new(),
        secrets: BTreeSet::new(),
        access_keys: BTreeSet::new(),
    };

    // Login, keeping the authorization code the browser carried.
    let mut run = Running::spawn(s.cmd(&[
        "login",
        "--no-browser",
        "-p",
        "dev",
        "--region",
        "us-east-1",
    ]));
    let url = run.authorize_url(&s.emu.base);
    let callback = s.emu.approve(&url, Some(0));
    let code = query_param(&callback, "code").unwrap();
    s.secrets.insert(code);
    assert_eq!(http("GET", &callback, &[], b"").status, 200);
    let f = run.finish();
    assert!(f.status.success(), "{}", f.stderr);
    s.runs.push(Run {
        label: "login".into(),
        stdout_may_hold_keys: false,
        output: Output {
            status: f.status,
            stdout: f.stdout.into_bytes(),
            stderr: f.stderr.into_bytes(),
        },
    });
    s.collect();

    s.ok("export (cached)", &["export", "-p", "dev"]);
    let secret_now = s.runs.last().unwrap().output.stdout.clone();
    let refresh = |s: &Session, args: &[&str]| {
        let mut c = s.cmd(args);
        c.env("AWSRUN_REFRESH_THRESHOLD", "100000");
        c
    };
    let c = refresh(&s, &["export", "-p", "dev"]);
    s.run("export (refresh)", c);
    let c = refresh(&s, &["export", "-p", "dev", "--format", "env"]);
    s.run("export env (refresh)", c);
    let c = refresh(&s, &["-p", "dev", "--", "/bin/sh", "-c", "exit 0"]);
    s.run("exec server mode (refresh)", c);
    let c = refresh(&s, &["exec", "--env", "-p", "dev", "--", "/bin/true"]);
    s.run("exec env mode (refresh)", c);
    s.ok("export via credential_process", &["export", "-p", "proc"]);
    s.ok("list", &["list", "-p", "dev"]);
    s.ok("list json", &["list", "-p", "dev", "--json"]);
    s.ok("profiles", &["profiles"]);
    let c = s.cmd(&["doctor"]);
    s.run("doctor", c);
    let c = s.cmd(&["doctor", "--json"]);
    s.run("doctor json", c);
    s.ok("whoami", &["whoami", "-p", "dev"]);
    s.ok("whoami json", &["whoami", "-p", "dev", "--json"]);
    s.ok("prompt", &["prompt", "-p", "dev"]);

    // Errors.
    let c = s.cmd(&["-p", "dev", "--", "/bin/sh", "-c", "exit 3"]);
    assert_eq!(s.run("exec failing child", c).status.code(), Some(3));
    let c = s.cmd(&["-p", "dev", "--", "/nonexistent/command"]);
    s.fails("exec missing command", c);
    for code in ["server_error", "INSUFFICIENT_PERMISSIONS", "TOKEN_EXPIRED"] {
        s.emu.inject(code, 3);
        let c = refresh(&s, &["export", "-p", "dev"]);
        s.fails(&format!("export refused refresh {code}"), c);
        let c = refresh(&s, &["-p", "dev", "--", "/bin/true"]);
        s.fails(&format!("exec refused refresh {code}"), c);
        // Both name what the service said (exec once lost it to a second, successful call).
        for r in &s.runs[s.runs.len() - 2..] {
            let err = String::from_utf8_lossy(&r.output.stderr);
            let named = if code == "INSUFFICIENT_PERMISSIONS" {
                "insufficient permissions"
            } else {
                code
            };
            assert!(err.contains(named), "{}: {err}", r.label);
        }
        s.emu.inject(code, 0);
    }
    // A cache with a key that does not decode, and a cache cut in half: the errors must not
    // quote them.
    let path = s.home.cache_path(ALICE);
    let good = std::fs::read_to_string(&path).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&good).unwrap();
    let bogus_key = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9w";
    doc["dpopKey"] =
        format!("-----BEGIN EC PRIVATE KEY-----\n{bogus_key}\n-----END EC PRIVATE KEY-----\n")
            .into();
    std::fs::write(&path, doc.to_string()).unwrap();
    s.secrets.insert(bogus_key.into());
    let c = refresh(&s, &["export", "-p", "dev"]);
    s.fails("export with an undecodable dpopKey", c);
    let c = s.cmd(&["doctor"]);
    s.run("doctor with an undecodable dpopKey", c);
    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let c = s.cmd(&["export", "-p", "dev"]);
    s.fails("export with a truncated cache", c);
    let c = s.cmd(&["list", "-p", "dev"]);
    s.run("list with a truncated cache", c);
    let c = s.cmd(&["doctor"]);
    s.run("doctor with a truncated cache", c);
    let c = s.cmd(&["prompt", "-p", "dev"]);
    s.run("prompt with a truncated cache", c);
    std::fs::write(&path, &good).unwrap();
    s.ok("logout", &["logout", "-p", "dev"]);
    let c = s.cmd(&["export", "-p", "dev"]);
    s.fails("export after logout", c);

    // The collection is complete: every key the emulator issued is one whose secrets we hold,
    // and export really printed the secret it was handed (so the search below can find them).
    let issued: BTreeSet<String> = s.emu.stats()["issuedAccessKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        issued, s.access_keys,
        "every issued key was seen in the cache"
    );
    assert!(
        s.access_keys.len() >= 5,
        "the session was refreshed several times"
    );
    let first_export = String::from_utf8_lossy(&secret_now);
    assert!(
        s.secrets.iter().any(|x| first_export.contains(x.as_str())),
        "export prints a collected secret: {first_export}"
    );

    let mut leaks = Vec::new();
    for r in &s.runs {
        let err = String::from_utf8_lossy(&r.output.stderr);
        let last = err.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
        eprintln!("{:<40} {:?} {last}", r.label, r.output.status.code());
        let streams = [("stdout", &r.output.stdout), ("stderr", &r.output.stderr)];
        for (name, bytes) in streams {
            let text = String::from_utf8_lossy(bytes);
            assert!(!text.contains("panicked"), "{}: {name}: {text}", r.label);
            if name == "stdout" && r.stdout_may_hold_keys {
                continue;
            }
            for secret in &s.secrets {
                if text.contains(secret.as_str()) {
                    leaks.push(format!("{} {name}: {}…", r.label, &secret[..8]));
                }
            }
            assert!(
                !text.contains("PRIVATE KEY"),
                "{} {name} shows a private key",
                r.label
            );
        }
    }
    assert_eq!(leaks, Vec::<String>::new(), "secrets found in output");
    eprintln!(
        "{} runs checked against {} secrets from {} credential sets",
        s.runs.len(),
        s.secrets.len(),
        s.access_keys.len()
    );
}
