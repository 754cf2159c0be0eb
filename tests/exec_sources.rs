//! The sources that need AWS calls get real credentials from the emulator: SSO from the token
//! `aws sso login` cached (and a clear "run aws sso login" when it is missing or expired), web
//! identity from a token file (profile or environment), and assume-role with an MFA code typed
//! on the terminal.

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use sha1::{Digest, Sha1};
use support::{assert_ok, login, Emulator, Home};

fn whoami(home: &Home, emu: &Emulator, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let mut c = home.awsrun(Some(&emu.base), args);
    c.env("AWS_ENDPOINT_URL_STS", &emu.base)
        .env("AWS_ENDPOINT_URL_SSO", &emu.base);
    for (k, v) in extra {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const SSO_CONFIG: &str = "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\nregion = us-east-1\n\
[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n";

fn sso_cache(home: &Home, token: &str, expires: &str) {
    let name: String = Sha1::digest(b"corp")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let doc = serde_json::json!({"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1",
                                 "accessToken": token, "expiresAt": expires});
    home.write(&format!(".aws/sso/cache/{name}.json"), &doc.to_string());
}

#[test]
fn an_sso_profile_gets_role_credentials_from_the_cached_sso_token() {
    let home = Home::new("sso");
    let emu = Emulator::start(&["--sso-token", "sso-access-token-1"]);
    home.write(".aws/config", SSO_CONFIG);
    sso_cache(&home, "sso-access-token-1", "2099-01-01T00:00:00Z");
    let o = whoami(&home, &emu, &["whoami", "-p", "sso"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains(
            "Arn:     arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_ReadOnly/emulator"
        ),
        "{}",
        text(&o)
    );
    assert_eq!(emu.counter("sso.GetRoleCredentials"), 1);
}

#[test]
fn a_missing_expired_or_refused_sso_token_says_to_run_aws_sso_login() {
    let home = Home::new("sso-expired");
    let emu = Emulator::start(&["--sso-token", "sso-access-token-1"]);
    home.write(".aws/config", SSO_CONFIG);
    let cases: [(&str, Option<(&str, &str)>); 3] = [
        ("missing", None),
        (
            "expired",
            Some(("sso-access-token-1", "2020-01-01T00:00:00Z")),
        ),
        ("refused", Some(("revoked-token", "2099-01-01T00:00:00Z"))),
    ];
    for (what, cache) in cases {
        if let Some((token, expires)) = cache {
            sso_cache(&home, token, expires);
        }
        let o = whoami(&home, &emu, &["-p", "sso", "--", "true"], &[]);
        assert_eq!(o.status.code(), Some(255), "{what}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("run `aws sso login --profile sso`"),
            "{what}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{what}: {err}");
    }
}

#[test]
fn web_identity_from_the_profile_or_the_environment() {
    let home = Home::new("webid");
    let emu = Emulator::start(&[]);
    home.write("token.jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjaSJ9.\n");
    let token = home.path("token.jwt");
    home.write(
        ".aws/config",
        &format!("[profile wi]\nrole_arn = arn:aws:iam::123456789012:role/CI\nweb_identity_token_file = {}\nrole_session_name = ci\nregion = us-east-1\n", token.display()),
    );
    let o = whoami(&home, &emu, &["whoami", "-p", "wi"], &[]);
    assert!(
        text(&o).contains("arn:aws:sts::123456789012:assumed-role/CI/ci"),
        "{}",
        text(&o)
    );
    let o = whoami(
        &home,
        &emu,
        &["whoami"],
        &[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap()),
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/Deploy"),
            ("AWS_ROLE_SESSION_NAME", "pipeline"),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    assert!(
        text(&o).contains("arn:aws:sts::123456789012:assumed-role/Deploy/pipeline"),
        "{}",
        text(&o)
    );
    assert_eq!(emu.counter("sts.AssumeRoleWithWebIdentity"), 2);
}

/// `awsrun whoami -p mfa` under a pseudo-terminal, with `typed` on it.
fn on_terminal(home: &Home, emu: &Emulator, typed: &str) -> String {
    let inner = format!("{} whoami -p mfa", env!("CARGO_BIN_EXE_awsrun"));
    let mut c = Command::new("script");
    c.args(["-qec", &inner, "/dev/null"]).env_clear();
    for (k, v) in home.awsrun(Some(&emu.base), &[]).get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    c.env("AWS_ENDPOINT_URL_STS", &emu.base)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(typed.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[test]
fn a_role_with_mfa_serial_asks_for_the_code_on_the_terminal() {
    let home = Home::new("mfa");
    let emu = Emulator::start(&[]);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "base", "--region", "us-east-1"],
        0,
    ));
    let mut config = home.read_config();
    config.push_str("[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nrole_session_name = alice\nregion = us-east-1\n");
    home.write(".aws/config", &config);
    let ok = on_terminal(&home, &emu, "123456\n");
    assert!(
        ok.contains("Enter MFA code for arn:aws:iam::123456789012:mfa/alice: "),
        "{ok}"
    );
    assert!(
        ok.contains("arn:aws:sts::123456789012:assumed-role/Admin/alice"),
        "{ok}"
    );
    assert_eq!(emu.counter("sts.AssumeRole.mfa"), 1);
    let bad = on_terminal(&home, &emu, "12\n");
    assert!(
        bad.contains("STS AssumeRole failed: AccessDenied: MultiFactorAuthentication failed"),
        "{bad}"
    );
}

/// A loopback IMDSv2 that hands out `keys` to holders of its session token, counting requests.
fn fake_imds(keys: serde_json::Value) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            let mut token_ok = false;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                token_ok |=
                    h.to_ascii_lowercase().trim() == "x-aws-ec2-metadata-token: imds-session";
            }
            let (status, body) = match request.split_whitespace().take(2).collect::<Vec<_>>()[..] {
                ["PUT", "/latest/api/token"] => ("200 OK", "imds-session".to_string()),
                ["GET", "/latest/meta-data/iam/security-credentials/"] if token_ok => {
                    ("200 OK", "ec2-role\n".to_string())
                }
                ["GET", "/latest/meta-data/iam/security-credentials/ec2-role"] if token_ok => {
                    count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    ("200 OK", keys.to_string())
                }
                _ if !token_ok => ("401 Unauthorized", String::new()),
                _ => ("404 Not Found", String::new()),
            };
            let _ = write!(
                conn,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (base, served)
}

#[test]
fn a_role_sourced_from_instance_metadata_is_assumed_with_the_instance_keys() {
    let home = Home::new("imds");
    let emu = Emulator::start(&[]);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "base", "--region", "us-east-1"],
        0,
    ));
    // The "instance role" hands out keys the emulator issued, so its SigV4 check can pass.
    let cache = home.cache(support::ALICE);
    let at = &cache["accessToken"];
    let (imds, served) = fake_imds(serde_json::json!({
        "Code": "Success", "AccessKeyId": at["accessKeyId"], "SecretAccessKey": at["secretAccessKey"],
        "Token": at["sessionToken"], "Expiration": at["expiresAt"],
    }));
    let mut config = home.read_config();
    config.push_str("[profile app]\nrole_arn = arn:aws:iam::123456789012:role/App\ncredential_source = Ec2InstanceMetadata\nrole_session_name = app\nregion = us-east-1\n");
    home.write(".aws/config", &config);
    let o = home
        .awsrun(Some(&emu.base), &["whoami", "-p", "app"])
        .env_remove("AWS_EC2_METADATA_DISABLED")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds)
        .env("AWS_ENDPOINT_URL_STS", &emu.base)
        .output()
        .unwrap();
    assert!(
        text(&o).contains("arn:aws:sts::123456789012:assumed-role/App/app"),
        "{}",
        text(&o)
    );
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 1);
    // With instance metadata disabled the role has no source, in botocore's words.
    let o = home
        .awsrun(Some(&emu.base), &["whoami", "-p", "app"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("Error when retrieving credentials from Ec2InstanceMetadata: No credentials found in credential_source referenced in profile app"),
        "{}",
        text(&o)
    );
}

#[test]
fn with_nothing_configured_exec_falls_back_to_instance_metadata_like_the_sdks() {
    let home = Home::new("imds-fallback");
    let (imds, served) = fake_imds(serde_json::json!({
        "Code": "Success", "AccessKeyId": "ASIAINSTANCE0000001", "SecretAccessKey": "instance-secret",
        "Token": "instance-token", "Expiration": "2099-01-01T00:00:00Z",
    }));
    let o = Command::new(env!("CARGO_BIN_EXE_awsrun"))
        .args(["export", "--format", "env-no-export"])
        .env_clear()
        .env("HOME", &home.dir)
        .env("PATH", "/usr/bin:/bin")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("AWS_ACCESS_KEY_ID=ASIAINSTANCE0000001\n"),
        "{}",
        text(&o)
    );
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 1);
    // `list` never calls instance metadata: it shows what the files and environment say.
    let o = Command::new(env!("CARGO_BIN_EXE_awsrun"))
        .args(["list"])
        .env_clear()
        .env("HOME", &home.dir)
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("access_key : <not set>"),
        "{}",
        text(&o)
    );
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 1);
}
