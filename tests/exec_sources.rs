//! The sources that need AWS calls get real credentials from the emulator: SSO from the token
//! `aws sso login` cached (and a clear "run aws sso login" when it is missing or expired), web
//! identity from a token file (profile or environment), and assume-role with an MFA code typed
//! on the terminal.

mod login_support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use login_support::{assert_ok, login, Emulator, Home};
use sha1::{Digest, Sha1};

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
    let mut config = home.config();
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
