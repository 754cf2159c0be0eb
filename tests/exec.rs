//! `awsrun -p P -- CMD` behaves as if awsrun were not there: exit codes, signals and the
//! terminal pass through; the child gets the profile's credentials and nothing that could
//! override them; the credential server answers only its own child.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::Home;

const STATIC: &str = "[profile st]\naws_access_key_id = AKIASTATIC000001\naws_secret_access_key = staticsecret01\nregion = eu-west-3\n";

/// A profile whose credential_process prints expiring keys: awsrun serves those.
fn process_profile(h: &Home) -> String {
    let script = h.dir.join("creds.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nprintf '{\"Version\":1,\"AccessKeyId\":\"AKIAPROCESS00001\",\"SecretAccessKey\":\"procsecret\",\"SessionToken\":\"proctoken\",\"Expiration\":\"2099-01-01T00:00:00Z\"}'\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    format!(
        "[profile proc]\ncredential_process = {}\nregion = us-east-2\n",
        script.display()
    )
}

fn code(h: &Home, args: &[&str]) -> Option<i32> {
    h.run(args).status.code()
}

#[test]
fn exit_codes_pass_through_in_both_modes() {
    let h = Home::new("exitcodes");
    h.config(&format!("{STATIC}{}", process_profile(&h)));
    h.file("plain.txt", "not a program\n");
    let plain = h.dir.join("plain.txt");
    let plain = plain.to_str().unwrap();
    for profile in ["st", "proc"] {
        assert_eq!(
            code(&h, &["-p", profile, "--", "true"]),
            Some(0),
            "{profile}"
        );
        assert_eq!(
            code(&h, &["-p", profile, "--", "false"]),
            Some(1),
            "{profile}"
        );
        assert_eq!(
            code(&h, &["-p", profile, "--", "sh", "-c", "exit 42"]),
            Some(42),
            "{profile}"
        );
        assert_eq!(
            code(&h, &["-p", profile, "--", "no-such-command-awsrun"]),
            Some(127),
            "{profile}"
        );
        assert_eq!(
            code(&h, &["-p", profile, "--", plain]),
            Some(126),
            "{profile}"
        );
        assert_eq!(
            code(&h, &["exec", "-p", profile, "sh", "-c", "exit 3"]),
            Some(3),
            "{profile}"
        );
    }
    // Server mode reports a signal death the way a shell does.
    assert_eq!(
        code(&h, &["-p", "proc", "--", "sh", "-c", "kill -INT $$"]),
        Some(130)
    );
    assert_eq!(
        code(&h, &["-p", "proc", "--", "sh", "-c", "kill -TERM $$"]),
        Some(143)
    );
    // Env mode is the command itself: the same signal ends it.
    let o = h.run(&["-p", "st", "--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&o.status),
        Some(15)
    );
}

#[test]
fn sigterm_sent_to_awsrun_reaches_the_child() {
    let h = Home::new("sigterm");
    h.config(&process_profile(&h));
    let mut child = h
        .command(&[
            "-p",
            "proc",
            "--",
            "sh",
            "-c",
            "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    // A lost signal would leave the child looping: end it rather than hang the suite.
    let mut waited = 0;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if waited == 600 {
            let _ = child.kill();
            panic!("SIGTERM never reached the child");
        }
        std::thread::sleep(Duration::from_millis(100));
        waited += 1;
    };
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "got-term\n");
    assert_eq!(status.code(), Some(7));
}

#[test]
fn an_interactive_child_reads_the_terminal() {
    let h = Home::new("tty");
    h.config(&format!("{STATIC}{}", process_profile(&h)));
    for profile in ["st", "proc"] {
        let inner = format!(
            "{} -p {profile} -- sh -c 'if [ -t 0 ] && [ -t 1 ]; then echo tty-ok; fi; read x; echo got:$x'",
            env!("CARGO_BIN_EXE_awsrun")
        );
        let c = h.command(&[]);
        let mut script = Command::new("script");
        script.args(["-qec", &inner, "/dev/null"]).env_clear();
        for (k, v) in c.get_envs() {
            if let Some(v) = v {
                script.env(k, v);
            }
        }
        let mut child = script
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.as_mut().unwrap().write_all(b"hello\n").unwrap();
        let o = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            text.contains("tty-ok") && text.contains("got:hello"),
            "{profile}: {text:?}"
        );
    }
}

#[test]
fn nesting_is_refused_unless_asked_for() {
    let mut h = Home::new("nested");
    h.config(STATIC);
    h.var("AWSRUN_PROFILE", "outer");
    let o = h.run(&["-p", "st", "--", "true"]);
    assert_eq!(o.status.code(), Some(255));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("already inside an awsrun session for profile outer")
            && err.contains("--nested"),
        "{err}"
    );
    assert_eq!(code(&h, &["-p", "st", "--nested", "--", "true"]), Some(0));
}

fn child_env(h: &Home, profile: &str) -> Vec<(String, String)> {
    let o = h.run(&["-p", profile, "--", "env"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

#[test]
fn the_child_environment_is_scrubbed_and_labelled() {
    let mut h = Home::new("scrub");
    h.config(&format!("{STATIC}{}", process_profile(&h)));
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_SDK_LOAD_CONFIG",
        "AWS_CREDENTIAL_FILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ] {
        h.var(var, "stale");
    }
    h.var("AWS_PROFILE", "st")
        .var("AWSRUN_SESSION_EXPIRES_EPOCH", "1");
    let env = child_env(&h, "st");
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    for (k, v) in &env {
        assert!(v != "stale", "{k} leaked into the child");
    }
    assert_eq!(get("AWSRUN_PROFILE"), Some("st"));
    assert_eq!(get("AWS_ACCESS_KEY_ID"), Some("AKIASTATIC000001"));
    assert_eq!(get("AWS_REGION"), Some("eu-west-3"));
    assert_eq!(get("AWS_DEFAULT_REGION"), Some("eu-west-3"));
    assert_eq!(
        get("AWSRUN_SESSION_EXPIRES_EPOCH"),
        None,
        "no login session: no session end"
    );

    let env = child_env(&h, "proc");
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(
        get("AWS_ACCESS_KEY_ID"),
        None,
        "server mode puts no key in the environment"
    );
    assert_eq!(get("AWS_SECRET_ACCESS_KEY"), None);
    assert!(get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    assert_eq!(get("AWS_CONTAINER_AUTHORIZATION_TOKEN").unwrap().len(), 64);
    assert_eq!(get("AWS_REGION"), Some("us-east-2"));
}

#[test]
fn a_default_profile_with_its_own_credentials_cannot_capture_a_server_mode_child() {
    let h = Home::new("defaultprofile");
    h.config(&format!(
        "# keep\n[default]\nregion = ap-east-1\nlogin_session = arn:aws:iam::1:user/other\n{}",
        process_profile(&h)
    ));
    h.credentials("[default]\naws_access_key_id = AKIADEFAULT00001\naws_secret_access_key = x\n");
    let o = h.run(&[
        "-p",
        "proc",
        "--",
        "sh",
        "-c",
        "cat \"$AWS_CONFIG_FILE\"; echo ---; cat \"$AWS_SHARED_CREDENTIALS_FILE\"",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    let (config, creds) = text.split_once("---\n").unwrap();
    assert!(
        config.starts_with("# keep\n[default]\nregion = ap-east-1\n[profile proc]\n"),
        "{config}"
    );
    assert_eq!(creds, "[default]\n");
}

/// Starts a server-mode child that reports its endpoint and waits until told to stop.
fn served_child(h: &Home) -> (std::process::Child, String, String) {
    let mut child = h
        .command(&["-p", "proc", "--", "sh", "-c", "echo \"$AWS_CONTAINER_CREDENTIALS_FULL_URI $AWS_CONTAINER_AUTHORIZATION_TOKEN\"; read _"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let (url, token) = line.trim().split_once(' ').unwrap();
    (child, url.to_string(), token.to_string())
}

fn http(url: &str, request: &str) -> (u16, String) {
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    let status = resp
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn the_credential_server_serves_its_token_holder_and_refuses_everyone_else() {
    let h = Home::new("server");
    h.config(&process_profile(&h));
    let (mut child, url, token) = served_child(&h);
    let ok = http(
        &url,
        &format!(
            "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(ok.0, 200);
    let v: serde_json::Value = serde_json::from_str(&ok.1).unwrap();
    assert_eq!(v["AccessKeyId"], "AKIAPROCESS00001");
    assert_eq!(v["Token"], "proctoken");
    assert_eq!(v["Expiration"], "2099-01-01T00:00:00Z");

    let missing = http(
        &url,
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(missing.0, 401);
    // The same token with its last character changed.
    let last = if token.ends_with('0') { '1' } else { '0' };
    let wrong_token = format!("{}{last}", &token[..63]);
    let wrong = http(&url, &format!("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: {wrong_token}\r\nConnection: close\r\n\r\n"));
    assert_eq!(wrong.0, 403);
    assert!(!wrong.1.contains("AKIAPROCESS00001"));
    let post = http(&url, &format!("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
    assert_eq!(post.0, 405);
    let path = http(
        &url,
        &format!(
            "GET /other HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(path.0, 404);
    let huge = http(
        &url,
        &format!(
            "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nAuthorization: {token}\r\n\r\n",
            "a".repeat(200_000)
        ),
    );
    assert!(
        huge.0 == 431 || huge.0 == 0 || huge.0 == 400,
        "huge headers answered {}",
        huge.0
    );

    // Bound to loopback only: the machine's other addresses do not answer.
    let port = url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    for ip in non_loopback_addresses() {
        assert!(
            TcpStream::connect_timeout(
                &format!("{ip}:{port}").parse().unwrap(),
                Duration::from_secs(1)
            )
            .is_err(),
            "{ip} answered"
        );
    }

    child.stdin.as_mut().unwrap().write_all(b"\n").unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

fn non_loopback_addresses() -> Vec<String> {
    let o = Command::new("hostname").arg("-I").output();
    let text = o
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_default();
    text.split_whitespace()
        .filter(|a| a.parse::<std::net::Ipv4Addr>().is_ok())
        .map(str::to_string)
        .collect()
}

#[test]
fn export_prints_cli_formats_and_refuses_to_call_itself() {
    let h = Home::new("export");
    let me = env!("CARGO_BIN_EXE_awsrun");
    h.config(&format!("{STATIC}[profile loop]\ncredential_process = {me} export -p loop\n[profile bridged]\ncredential_process = {me} export -p st\n"));
    let o = h.run(&["export", "-p", "st", "--format", "env-no-export"]);
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "AWS_ACCESS_KEY_ID=AKIASTATIC000001\nAWS_SECRET_ACCESS_KEY=staticsecret01\n"
    );
    // awsrun export as a credential_process bridge works ...
    let o = h.run(&["export", "-p", "bridged"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["AccessKeyId"], "AKIASTATIC000001");
    // ... and pointing a profile at itself fails at once instead of forking forever.
    let o = h.run(&["export", "-p", "loop"]);
    assert_eq!(o.status.code(), Some(253));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Unable to retrieve credentials:")
            && err.contains("profile loop is already being resolved"),
        "{err}"
    );
}

#[test]
fn a_profile_without_a_command_opens_the_users_shell() {
    let h = Home::new("subshell");
    h.config(STATIC);
    let mut c = h.command(&["-p", "st"]);
    c.env("SHELL", "/bin/sh")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"echo \"in $AWSRUN_PROFILE\"; exit 5\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "in st\n");
    assert_eq!(o.status.code(), Some(5));
    // Without a profile, awsrun alone shows its help instead of guessing.
    assert_eq!(h.run(&[]).status.code(), Some(2));
}

#[test]
fn a_failing_credential_process_shows_its_own_messages_and_stops_before_the_command() {
    let h = Home::new("procfail");
    h.config(
        "[profile bad]\ncredential_process = sh -c 'echo \"vault: please unlock\" >&2; exit 4'\n",
    );
    let o = h.run(&["-p", "bad", "--", "sh", "-c", "echo ran"]);
    assert_eq!(o.status.code(), Some(255));
    assert!(o.stdout.is_empty(), "the command must not run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("vault: please unlock\n"), "{err}");
    assert!(
        err.contains("exited with exit status: 4 (its messages are above)"),
        "{err}"
    );
}
