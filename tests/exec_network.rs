//! Every AWS endpoint awsrun calls honours the standard settings: the endpoint overrides
//! (`AWS_ENDPOINT_URL_*`), proxies (`HTTP_PROXY`/`HTTPS_PROXY`) and `AWS_CA_BUNDLE`.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use support::{assert_ok, login, Emulator, Home, ALICE};

/// A minimal forwarding HTTP proxy on 127.0.0.1 that records the absolute URIs it was asked for.
fn start_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || proxy_one(conn, &log));
        }
    });
    (format!("http://{addr}"), seen)
}

fn proxy_one(mut client: TcpStream, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let (method, uri) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or("").to_string(),
    );
    log.lock().unwrap().push(format!("{method} {uri}"));
    let Some(rest) = uri.strip_prefix("http://") else {
        return;
    };
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if !h.to_ascii_lowercase().starts_with("proxy-")
            && !h.to_ascii_lowercase().starts_with("connection:")
        {
            headers.push(h);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let mut upstream = TcpStream::connect(host).unwrap();
    let path = if path.is_empty() { "/" } else { path };
    upstream
        .write_all(format!("{method} {path} HTTP/1.1\r\n").as_bytes())
        .unwrap();
    for h in headers {
        upstream.write_all(h.as_bytes()).unwrap();
    }
    upstream.write_all(b"Connection: close\r\n\r\n").unwrap();
    upstream.write_all(&body).unwrap();
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer).unwrap();
    let _ = client.write_all(&answer);
}

#[test]
fn sign_in_refresh_and_sts_go_through_the_configured_proxy() {
    let home = Home::new("proxy");
    // 20-second credentials: with the default threshold capped at half their life, the export
    // below must refresh through the sign-in endpoint, then whoami calls STS.
    let emu = Emulator::start(&["--credential-lifetime", "20"]);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "dev", "--region", "us-east-1"],
        0,
    ));
    let (proxy, seen) = start_proxy();
    let run = |args: &[&str]| {
        home.awsrun(Some(&emu.base), args)
            .env("AWS_ENDPOINT_URL_STS", &emu.base)
            .env("HTTP_PROXY", &proxy)
            .env("AWSRUN_REFRESH_THRESHOLD", "30")
            .output()
            .unwrap()
    };
    let o = run(&["export", "-p", "dev"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["whoami", "-p", "dev", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let id: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(id["Arn"], ALICE);
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.contains(&format!("POST {}/v1/token", emu.base)),
        "{seen:?}"
    );
    assert!(seen.contains(&format!("POST {}/", emu.base)), "{seen:?}");
}

#[test]
fn a_bad_ca_bundle_is_named_in_one_line() {
    let home = Home::new("cabundle");
    let emu = Emulator::start(&[]);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "dev", "--region", "us-east-1"],
        0,
    ));
    home.write("bundle.pem", "not a certificate\n");
    let bundle = home.path("bundle.pem");
    for (value, why) in [
        (bundle.to_str().unwrap(), "is not a PEM certificate bundle"),
        ("/nonexistent/ca.pem", "Unable to read AWS_CA_BUNDLE"),
    ] {
        let o = home
            .awsrun(Some(&emu.base), &["whoami", "-p", "dev"])
            .env("AWS_ENDPOINT_URL_STS", &emu.base)
            .env("AWS_CA_BUNDLE", value)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(why) && err.contains(value), "{err}");
    }
}
