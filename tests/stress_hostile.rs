//! Hostile input: files that are binary, 100 MB, not UTF-8, symlink loops, directories or
//! unreadable; empty and newline-laden variables; a sign-in service that answers garbage,
//! truncated, slow, 5xx or the wrong content type; callbacks with the wrong state, repeated and
//! huge; credential-endpoint requests without or with a wrong token, huge headers and slow
//! clients. Every case ends in a clear error (or a correct answer), never a panic, and nothing
//! the user had is lost: files are byte for byte what they were, the session still works.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::*;

/// No panic; a failure says something on stderr. Returns stdout + stderr.
fn no_panic(label: &str, o: &Output) -> String {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!all.contains("panicked"), "{label}: {all}");
    assert!(
        !all.contains("RUST_BACKTRACE"),
        "{label}: a backtrace hint: {all}"
    );
    // (doctor reports its findings on stdout and exits 1.)
    if !o.status.success() {
        assert!(!all.trim().is_empty(), "{label}: fails without a word");
    }
    all
}

/// Fails with a message naming `what`.
fn clear_failure(label: &str, o: &Output, what: &str) {
    let all = no_panic(label, o);
    assert!(!o.status.success(), "{label} should fail: {all}");
    assert!(
        all.contains(what),
        "{label}: the error does not name {what}: {all}"
    );
}

const COMMANDS: [&[&str]; 6] = [
    &["list", "-p", "dev"],
    &["export", "-p", "dev"],
    &["prompt", "-p", "dev"],
    &["whoami", "-p", "dev"],
    &[
        "login",
        "--no-browser",
        "-p",
        "dev",
        "--region",
        "us-east-1",
        "--timeout",
        "1",
    ],
    &["-p", "dev", "--", "/bin/true"],
];

/// Every command on a home whose file at `rel` is replaced by `make`: each fails naming the
/// file (or, for `doctor`, reports it), and the file is untouched.
fn each_command_names_the_bad_file(home: &Home, rel: &str, what: &str) {
    let path = home.path(rel);
    let before = std::fs::symlink_metadata(&path).map(|m| (m.len(), m.modified().ok()));
    let bytes_before = std::fs::read(&path).ok();
    for args in COMMANDS {
        let o = home
            .awsrun(None, args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        clear_failure(
            &format!("{rel} {what}: {args:?}"),
            &o,
            rel.rsplit('/').next().unwrap(),
        );
    }
    let o = home.awsrun(None, &["doctor"]).output().unwrap();
    let all = no_panic(&format!("{rel} {what}: doctor"), &o);
    assert!(
        all.contains(rel.rsplit('/').next().unwrap()),
        "doctor: {all}"
    );
    let after = std::fs::symlink_metadata(&path).map(|m| (m.len(), m.modified().ok()));
    assert_eq!(before.ok(), after.ok(), "{rel} {what} was changed");
    assert_eq!(bytes_before, std::fs::read(&path).ok());
}

const SESSION_CONFIG: &str =
    "[profile dev]\nregion = us-east-1\nlogin_session = arn:aws:iam::123456789012:user/alice\n";

#[test]
fn bad_config_credentials_and_cache_files_are_named_and_left_alone() {
    let home = Home::new("hostile-files");
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    type Make<'a> = &'a dyn Fn(&Path);
    let cases: [(&str, Make); 4] = [
        ("binary", &|p| std::fs::write(p, &binary).unwrap()),
        ("not UTF-8", &|p| {
            std::fs::write(p, b"[profile dev]\nregion = caf\xe9\n").unwrap()
        }),
        ("a directory", &|p| std::fs::create_dir(p).unwrap()),
        ("a symlink loop", &|p| {
            let other = p.with_extension("loop");
            std::os::unix::fs::symlink(&other, p).unwrap();
            std::os::unix::fs::symlink(p, &other).unwrap();
        }),
    ];
    for (what, make) in cases {
        for rel in [".aws/config", ".aws/credentials"] {
            let _ = std::fs::remove_dir_all(home.path(".aws"));
            std::fs::create_dir_all(home.path(".aws")).unwrap();
            if rel != ".aws/config" {
                home.write(".aws/config", SESSION_CONFIG);
            }
            make(&home.path(rel));
            each_command_names_the_bad_file(&home, rel, what);
        }
        // The login cache: a session whose cache file is hostile.
        let _ = std::fs::remove_dir_all(home.path(".aws"));
        home.write(".aws/config", SESSION_CONFIG);
        let cache = home.cache_path(ALICE);
        std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
        make(&cache);
        let name = cache.file_name().unwrap().to_str().unwrap().to_string();
        for args in [
            &["export", "-p", "dev"][..],
            &["-p", "dev", "--", "/bin/true"],
        ] {
            let o = home.awsrun(None, args).output().unwrap();
            clear_failure(&format!("cache {what}: {args:?}"), &o, &name);
        }
        for args in [
            &["list", "-p", "dev"][..],
            &["prompt", "-p", "dev"],
            &["doctor"],
        ] {
            let o = home.awsrun(None, args).output().unwrap();
            no_panic(&format!("cache {what}: {args:?}"), &o);
        }
    }
}

#[test]
fn unreadable_files_are_a_clear_error_not_an_empty_file() {
    let home = Home::new("hostile-unreadable");
    home.write(".aws/config", SESSION_CONFIG);
    let emu = Emulator::start(&[]);
    // A real session, so that only the permission stands in the way.
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "dev", "--region", "us-east-1"],
        0,
    ));
    let cache = home.cache_path(ALICE);
    let config = home.path(".aws/config");
    std::fs::set_permissions(home.path(".aws"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        home.path(".aws/login"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::fs::set_permissions(
        cache.parent().unwrap(),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let cmd = |args: &[&str]| {
        let c = home.awsrun(Some(&emu.base), args);
        if is_root() {
            as_nobody(&c)
        } else {
            c
        }
    };
    // The config readable by all, the cache (0600, ours) not: the cache is named.
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = cmd(&["export", "-p", "dev"]).output().unwrap();
    clear_failure("unreadable cache", &o, "Permission denied");
    clear_failure(
        "unreadable cache",
        &o,
        cache.file_name().unwrap().to_str().unwrap(),
    );
    // The config unreadable.
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o000)).unwrap();
    for args in COMMANDS {
        let o = cmd(args).stdin(Stdio::null()).output().unwrap();
        clear_failure(&format!("unreadable config {args:?}"), &o, "config");
    }
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(home.read_config(), SESSION_CONFIG);
}

#[test]
fn a_hundred_megabyte_config_is_read_and_edited_without_losing_a_byte() {
    let home = Home::new("hostile-huge");
    let emu = Emulator::start(&[]);
    let mut big = String::with_capacity(101 << 20);
    big.push_str("[profile dev]\nregion = us-east-1\n");
    let comment = format!("# {}\n", "x".repeat(1022));
    while big.len() < 100 << 20 {
        big.push_str(&comment);
    }
    home.write(".aws/config", &big);
    let o = home.awsrun(None, &["list", "-p", "dev"]).output().unwrap();
    assert!(no_panic("list", &o).contains("us-east-1"));
    assert_ok(&login(&home, &emu, &["-p", "dev"], 0));
    let after = std::fs::read_to_string(home.path(".aws/config")).unwrap();
    assert_eq!(
        after,
        big.replacen(
            "region = us-east-1\n",
            &format!("region = us-east-1\nlogin_session = {ALICE}\n"),
            1
        ),
        "login added its one line and nothing else"
    );
    let o = home
        .awsrun(Some(&emu.base), &["export", "-p", "dev"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", no_panic("export", &o));

    // A 100 MB cache file (one JSON string) is refused with its name.
    let cache = home.cache_path(ALICE);
    let huge = format!("{{\"x\": \"{}\"}}", "a".repeat(100 << 20));
    std::fs::write(&cache, &huge).unwrap();
    let o = home
        .awsrun(Some(&emu.base), &["export", "-p", "dev"])
        .output()
        .unwrap();
    clear_failure("100 MB cache", &o, "missing required fields");
    // And 100 MB of binary config is refused quickly with its name.
    let noise: Vec<u8> = (0..100u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    std::fs::write(home.path(".aws/config"), &noise).unwrap();
    let o = home.awsrun(None, &["list", "-p", "dev"]).output().unwrap();
    clear_failure("100 MB binary config", &o, ".aws/config");
    assert_eq!(std::fs::read(home.path(".aws/config")).unwrap(), noise);
}

#[test]
fn empty_and_newline_laden_variables_give_clear_answers() {
    let home = Home::new("hostile-env");
    home.write(".aws/config", "[profile dev]\nregion = us-east-1\n");
    let vars: [(&str, &str); 12] = [
        ("AWS_PROFILE", ""),
        ("AWS_PROFILE", "a\nb"),
        ("AWS_PROFILE", "dev\n"),
        ("AWS_CONFIG_FILE", ""),
        ("AWS_CONFIG_FILE", "/tmp/x\ny"),
        ("AWS_SHARED_CREDENTIALS_FILE", "\n"),
        ("AWS_LOGIN_CACHE_DIRECTORY", "a\nb"),
        ("AWSRUN_REFRESH_THRESHOLD", "\n-5"),
        ("AWS_REGION", "us-east-1\n"),
        ("AWS_ACCESS_KEY_ID", "\n"),
        ("AWS_ENDPOINT_URL_SIGNIN", "http://\n"),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "\n"),
    ];
    for (k, v) in vars {
        for args in [
            &["list"][..],
            &["export"],
            &["prompt"],
            &["doctor"],
            &["--", "/bin/true"],
            &[
                "login",
                "--no-browser",
                "--region",
                "us-east-1",
                "--timeout",
                "1",
            ],
        ] {
            let o = home
                .awsrun(None, args)
                .env(k, v)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            no_panic(&format!("{k}={v:?} {args:?}"), &o);
        }
    }
    assert_eq!(home.read_config(), "[profile dev]\nregion = us-east-1\n");
}

/// How the stand-in sign-in service misbehaves.
#[derive(Clone, Copy, Debug)]
enum Misbehave {
    Garbage,
    Truncated,
    ServerError,
    WrongContentType,
    WrongShape,
    DeepJson,
    ErrorWithoutJson,
    Silent,
}

/// A one-trick HTTP server on 127.0.0.1: reads a request, answers as `how` says.
struct Hostile {
    base: String,
    stop: Arc<AtomicBool>,
}

impl Hostile {
    fn start(how: Misbehave) -> Hostile {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", l.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        l.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !s.load(Ordering::Relaxed) {
                let Ok((mut c, _)) = l.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                c.set_nonblocking(false).unwrap();
                read_request(&mut c);
                let json = |status: &str, ct: &str, body: &str| {
                    format!("HTTP/1.1 {status}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).into_bytes()
                };
                let reply: Vec<u8> = match how {
                    Misbehave::Garbage => (0..2000u32).map(|i| (i * 31 % 256) as u8).collect(),
                    Misbehave::Truncated => b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n{\"accessToken\": {\"accessKeyId\": \"ASIA".to_vec(),
                    Misbehave::ServerError => json("502 Bad Gateway", "text/html", "<html><body>Bad gateway</body></html>"),
                    Misbehave::WrongContentType => json("200 OK", "text/html", "<html>Sign in</html>"),
                    Misbehave::WrongShape => json("200 OK", "application/json", "{\"accessToken\": 5, \"expiresIn\": \"soon\"}"),
                    Misbehave::DeepJson => json("200 OK", "application/json", &"[".repeat(1 << 20)),
                    Misbehave::ErrorWithoutJson => {
                        let body = "nope";
                        format!("HTTP/1.1 400 Bad Request\r\nx-amzn-errortype: AccessDeniedException\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
                    }
                    Misbehave::Silent => {
                        held.push(c);
                        continue;
                    }
                };
                let _ = c.write_all(&reply);
            }
        });
        Hostile { base, stop }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn read_request(c: &mut TcpStream) {
    let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
    let mut r = BufReader::new(c);
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let _ = r.take(len as u64).read_to_end(&mut Vec::new());
}

const MISBEHAVIOURS: [Misbehave; 7] = [
    Misbehave::Garbage,
    Misbehave::Truncated,
    Misbehave::ServerError,
    Misbehave::WrongContentType,
    Misbehave::WrongShape,
    Misbehave::DeepJson,
    Misbehave::ErrorWithoutJson,
];

/// A refresh against the misbehaving service fails with one line and leaves the cache as it
/// was; the session then refreshes fine against the real one.
fn refresh_survives(home: &Home, emu: &Emulator, how: Misbehave) {
    let hostile = Hostile::start(how);
    let before = std::fs::read(home.cache_path(ALICE)).unwrap();
    let o = home
        .awsrun(Some(&hostile.base), &["export", "-p", "dev"])
        .env("AWSRUN_REFRESH_THRESHOLD", "100000")
        .output()
        .unwrap();
    no_panic(&format!("refresh {how:?}"), &o);
    assert!(!o.status.success(), "refresh {how:?} should fail");
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "refresh {how:?}: one line: {err}");
    assert!(
        !lines[0].contains("  ") && !lines[0].trim_end().ends_with(':'),
        "refresh {how:?}: a line with a hole in it: {}",
        lines[0]
    );
    eprintln!("refresh {how:?}: {}", lines[0]);
    assert_eq!(
        std::fs::read(home.cache_path(ALICE)).unwrap(),
        before,
        "{how:?}"
    );
    let o = home
        .awsrun(Some(&emu.base), &["export", "-p", "dev"])
        .env("AWSRUN_REFRESH_THRESHOLD", "100000")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "after {how:?}: {}",
        no_panic("refresh", &o)
    );
}

/// A login whose code exchange meets the misbehaving service fails clearly, writing nothing.
fn login_survives(home: &Home, how: Misbehave) {
    let hostile = Hostile::start(how);
    let config = home.read_config();
    let cache = std::fs::read(home.cache_path(ALICE)).unwrap();
    let mut run = Running::spawn(home.awsrun(
        Some(&hostile.base),
        &[
            "login",
            "--no-browser",
            "-p",
            "dev",
            "--region",
            "us-east-1",
        ],
    ));
    let url = run.authorize_url(&hostile.base);
    let redirect = query_param(&url, "redirect_uri").unwrap();
    let state = query_param(&url, "state").unwrap();
    let page = http(
        "GET",
        &format!("{redirect}?code=c0de&state={state}"),
        &[],
        b"",
    );
    assert_eq!(page.status, 200);
    let f = run.finish();
    assert!(!f.status.success(), "login {how:?}");
    assert!(!f.stderr.contains("panicked"), "{}", f.stderr);
    let last = f
        .stderr
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(
        last.starts_with("awsrun: error: "),
        "login {how:?}: {}",
        f.stderr
    );
    assert_eq!(home.read_config(), config);
    assert_eq!(std::fs::read(home.cache_path(ALICE)).unwrap(), cache);
}

#[test]
fn a_misbehaving_sign_in_service_costs_nothing() {
    let home = Home::new("hostile-signin");
    let emu = Emulator::start(&["--refresh-grace", "0"]);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "dev", "--region", "us-east-1"],
        0,
    ));
    for how in MISBEHAVIOURS {
        refresh_survives(&home, &emu, how);
        login_survives(&home, how);
    }
}

#[test]
fn a_silent_sign_in_service_times_out_and_costs_nothing() {
    let home = Home::new("hostile-silent");
    let emu = Emulator::start(&[]);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "dev", "--region", "us-east-1"],
        0,
    ));
    // The token client waits 60 seconds for an answer; both run at once.
    let refresh = std::thread::scope(|s| {
        let h = s.spawn(|| login_survives(&home, Misbehave::Silent));
        refresh_survives(&home, &emu, Misbehave::Silent);
        h.join()
    });
    refresh.unwrap();
}

#[test]
fn callbacks_with_the_wrong_state_repeated_or_huge_are_ignored() {
    let home = Home::new("hostile-callback");
    let emu = Emulator::start(&[]);
    let mut run = Running::spawn(home.awsrun(
        Some(&emu.base),
        &[
            "login",
            "--no-browser",
            "-p",
            "dev",
            "--region",
            "us-east-1",
        ],
    ));
    let url = run.authorize_url(&emu.base);
    let redirect = query_param(&url, "redirect_uri").unwrap();
    let port_base = redirect.trim_end_matches("/oauth/callback").to_string();
    for _ in 0..5 {
        let r = http(
            "GET",
            &format!("{redirect}?code=stolen&state=not-yours"),
            &[],
            b"",
        );
        assert_eq!(r.status, 400);
        assert!(r.text().contains("does not match"), "{}", r.text());
    }
    let r = http(
        "GET",
        &format!("{redirect}?error=access_denied&state=not-yours"),
        &[],
        b"",
    );
    assert_eq!(r.status, 400);
    // An error without any state could come from anyone on this machine: the login goes on,
    // the terminal is told, and what it is told holds no escape sequence and fits on a line.
    let r = http(
        "GET",
        &format!(
            "{redirect}?error=access_denied&error_description=%1b%5d0%3bpwned%07{}",
            "x".repeat(5000)
        ),
        &[],
        b"",
    );
    assert_eq!(r.status, 400);
    assert!(r.text().contains("keeps waiting"), "{}", r.text());
    let r = http("GET", &format!("{port_base}/favicon.ico"), &[], b"");
    assert_eq!(r.status, 404);
    let r = http("POST", &redirect, &[], b"code=x");
    assert_eq!(r.status, 405);
    // A huge query: answered or refused, never fatal.
    let huge = format!("{redirect}?code={}&state=x", "A".repeat(1 << 20));
    let rest = huge.strip_prefix("http://").unwrap();
    let (hostport, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = TcpStream::connect(hostport).unwrap();
    let _ = write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\n\r\n"
    );
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    // Still waiting for the real one.
    let callback = emu.approve(&url, Some(0));
    assert_eq!(http("GET", &callback, &[], b"").status, 200);
    let f = run.finish();
    assert_ok(&f);
    assert!(home.read_config().contains(ALICE));
    let notice = f
        .stderr
        .lines()
        .find(|l| l.contains("ignored a callback without this login's state"))
        .unwrap_or_else(|| panic!("no notice in {:?}", f.stderr));
    assert!(notice.contains("access_denied"), "{notice}");
    assert!(!f.stderr.contains('\x1b') && !f.stderr.contains('\x07'));
    assert!(notice.len() < 400, "{} bytes", notice.len());
}

/// Starts `awsrun -p dev -- sh` whose child writes the endpoint URL and token to a file and
/// waits for `done`; returns (awsrun, url, token).
fn endpoint(home: &Home, emu: &Emulator) -> (std::process::Child, String, String) {
    let script = format!(
        "printf '%s %s' \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\" \"$AWS_CONTAINER_AUTHORIZATION_TOKEN\" > {d}/ep.tmp && mv {d}/ep.tmp {d}/ep; while [ ! -e {d}/done ]; do sleep 0.1; done",
        d = home.dir.display()
    );
    let child = home
        .awsrun(
            Some(&emu.base),
            &["-p", "dev", "--", "/bin/sh", "-c", &script],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let ep = home.path("ep");
    for _ in 0..600 {
        if ep.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(ep).expect("the child reported the endpoint");
    let (url, token) = text.split_once(' ').unwrap();
    (child, url.to_string(), token.to_string())
}

#[test]
fn the_credential_endpoint_refuses_strangers_and_outlasts_slow_clients() {
    let home = Home::new("hostile-endpoint");
    let emu = Emulator::start(&[]);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "dev", "--region", "us-east-1"],
        0,
    ));
    let (child, url, token) = endpoint(&home, &emu);
    let ok = || http("GET", &url, &[("authorization", token.as_str())], b"");
    assert_eq!(ok().status, 200);
    assert_eq!(http("GET", &url, &[], b"").status, 401);
    assert_eq!(
        http("GET", &url, &[("authorization", "wrong")], b"").status,
        403
    );
    let near = format!("{}0", &token[..token.len() - 1]);
    assert_eq!(
        http("GET", &url, &[("authorization", near.as_str())], b"").status,
        403
    );

    let hostport = url
        .strip_prefix("http://")
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    // A 1 MB header: refused or cut off, never fatal.
    let mut s = TcpStream::connect(&hostport).unwrap();
    let _ = write!(
        s,
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "b".repeat(1 << 20)
    );
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    assert!(!String::from_utf8_lossy(&answer).contains("AccessKeyId"));
    // Slow clients: 50 connections dribbling a header; others are still served meanwhile.
    let slow: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = TcpStream::connect(&hostport).unwrap();
            s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();
    for round in 0..10 {
        for mut s in &slow {
            let _ = s.write_all(b"z");
        }
        assert_eq!(ok().status, 200, "round {round}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // And the server drops them in the end (header read timeout), rather than hold them forever.
    for mut s in slow {
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        assert!(!String::from_utf8_lossy(&buf).contains("AccessKeyId"));
    }
    assert_eq!(ok().status, 200);
    std::fs::write(home.path("done"), "").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", no_panic("exec", &out));
    no_panic("exec", &out);
}
