//! `awsrun doctor`: each finding has a fixture home that triggers it (and the exact set of ids
//! is asserted); the clean home triggers none. Every precedence claim is held against what
//! botocore 1.44.5 [crt] actually resolves in the same home and environment.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use base64::Engine;
use serde_json::{json, Value};
use support::{now, venv_python};

const SESSION: &str = "arn:aws:iam::123456789012:user/alice";
/// Every secret value the fixtures use; none may appear in doctor's output.
const SECRETS: [&str; 8] = [
    "old-secret",
    "login-secret",
    "login-session-token",
    "refresh-token",
    "exported-secret",
    "exported-token",
    "PRIVATE KEY",
    "base-secret",
];
const OTHER_SESSION: &str = "arn:aws:iam::123456789012:user/bob";

/// A home directory, a PATH with a fake `aws`, and an environment, shared by awsrun and botocore.
struct Fx {
    _root: tempfile::TempDir,
    home: PathBuf,
    bin: PathBuf,
    env: BTreeMap<String, String>,
}

impl Fx {
    fn new() -> Fx {
        let root = tempfile::tempdir().unwrap();
        let home = root.path().join("home");
        let bin = root.path().join("bin");
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        std::fs::create_dir_all(&bin).unwrap();
        let mut fx = Fx {
            home: home.clone(),
            bin: bin.clone(),
            _root: root,
            env: BTreeMap::new(),
        };
        fx.fake_aws("2.33.1");
        fx.set("HOME", home.to_str().unwrap());
        fx.set("PATH", &format!("{}:/usr/bin:/bin", bin.display()));
        fx.set("AWS_EC2_METADATA_DISABLED", "true");
        fx
    }

    fn set(&mut self, k: &str, v: &str) -> &mut Fx {
        self.env.insert(k.into(), v.into());
        self
    }

    fn write(&self, rel: &str, text: &str, mode: u32) -> PathBuf {
        let p = self.home.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    fn config(&self, text: &str) -> &Fx {
        self.write(".aws/config", text, 0o600);
        self
    }

    fn credentials(&self, text: &str) -> &Fx {
        self.write(".aws/credentials", text, 0o600);
        self
    }

    fn fake_aws(&self, version: &str) {
        let p = self.bin.join("aws");
        std::fs::write(
            &p,
            format!(
                "#!/bin/sh\necho \"aws-cli/{version} Python/3.13.7 Linux/6.1 exe/x86_64.debian\"\n"
            ),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn cache_path(&self, session: &str) -> PathBuf {
        use sha2::Digest;
        let d = sha2::Sha256::digest(session.as_bytes());
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        self.home
            .join(".aws/login/cache")
            .join(format!("{hex}.json"))
    }

    /// A login cache file as `aws login` writes it, signed in `age` seconds ago.
    fn login_cache(&self, session: &str, age: i64) -> Value {
        // The PEM layout the AWS CLI writes (SEC1 with the curve and public key).
        let pem = awsrun::jose::DpopKey::generate().to_pem();
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let id_token = format!(
            "{}.{}.{}",
            b.encode(br#"{"alg":"ES256","typ":"JWT"}"#),
            b.encode(json!({"sub": session, "iat": now() - age}).to_string()),
            b.encode(b"signature")
        );
        json!({
            "accessToken": {
                "accessKeyId": "ASIAEXAMPLE0000LOGIN",
                "secretAccessKey": "login-secret",
                "sessionToken": "login-session-token",
                "accountId": "123456789012",
                "expiresAt": "2099-01-01T00:00:00Z"
            },
            "tokenType": "aws_sigv4",
            "clientId": "arn:aws:signin:::devtools/same-device",
            "refreshToken": "refresh-token",
            "idToken": id_token,
            "dpopKey": pem,
        })
    }

    fn put_cache(&self, session: &str, doc: &Value) -> PathBuf {
        let p = self.cache_path(session);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::set_permissions(p.parent().unwrap(), std::fs::Permissions::from_mode(0o700))
            .unwrap();
        std::fs::write(&p, doc.to_string()).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        p
    }

    fn fresh_cache(&self, session: &str) -> PathBuf {
        self.put_cache(session, &self.login_cache(session, 3600))
    }

    fn awsrun(&self, args: &[&str]) -> (String, String, i32) {
        let out = Command::new(env!("CARGO_BIN_EXE_awsrun"))
            .args(args)
            .env_clear()
            .envs(&self.env)
            .output()
            .unwrap();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
            out.status.code().unwrap_or(-1),
        )
    }

    /// `awsrun doctor ARGS --json`: the report and the exit code.
    fn doctor(&self, args: &[&str]) -> (Value, i32) {
        let mut a = vec!["doctor", "--json"];
        a.extend_from_slice(args);
        let (out, err, code) = self.awsrun(&a);
        let v: Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("doctor printed no JSON ({e}): {out}\nstderr: {err}"));
        for secret in SECRETS {
            assert!(!out.contains(secret), "a secret leaked: {out}");
        }
        (v, code)
    }

    /// What botocore resolves here: profile, region, credential method (or the error), and
    /// which variable the env token came from.
    fn botocore(&self, profile: Option<&str>) -> Value {
        self.botocore_run(profile, false)
    }

    /// Like [`Fx::botocore`], then asks for the keys, which makes a login session refresh
    /// when its credentials are due (the sign-in endpoint is a closed loopback port).
    fn botocore_refresh(&self, profile: Option<&str>) -> Value {
        self.botocore_run(profile, true)
    }

    fn botocore_run(&self, profile: Option<&str>, refresh: bool) -> Value {
        let script = r#"
import json, os, sys
import botocore, botocore.session
assert botocore.__version__ == "1.44.5", botocore.__version__
import awscrt  # the [crt] extra, which the login provider needs
out = {}
try:
    s = botocore.session.Session(profile=sys.argv[1] or None)
    out["profile"] = s.profile or "default"
    out["region"] = s.get_config_variable("region")
    c = s.get_credentials()
    out["method"] = c.method if c else None
    if c is not None and sys.argv[2] == "refresh":
        try:
            c.get_frozen_credentials()
        except Exception as e:
            out["refresh_error"] = type(e).__name__ + ": " + str(e)
    if c is not None and c.method == "env":
        tok = c.get_frozen_credentials().token
        out["token_from"] = next((v for v in ("AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN") if tok and os.environ.get(v) == tok), None)
except Exception as e:
    out["error"] = type(e).__name__ + ": " + str(e)
print(json.dumps(out))
"#;
        let out = Command::new(venv_python())
            .args([
                "-c",
                script,
                profile.unwrap_or(""),
                if refresh { "refresh" } else { "" },
            ])
            .env_clear()
            .envs(&self.env)
            .env("AWS_ENDPOINT_URL_SIGNIN", "http://127.0.0.1:9")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "botocore run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn ids(report: &Value) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report:#}"))
}

#[track_caller]
fn assert_ids(report: &Value, expected: &[&str]) {
    let mut e: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    e.sort();
    assert_eq!(ids(report), e, "{report:#}");
    for f in report["findings"].as_array().unwrap() {
        for k in ["what", "why", "where", "fix"] {
            assert!(
                f[k].as_str().is_some_and(|s| !s.is_empty()),
                "{k} is empty in {f:#}"
            );
        }
        assert!(["error", "warning", "info"].contains(&f["severity"].as_str().unwrap()));
    }
}

/// The claim a credentials finding makes ("env keys win", "the credentials file wins") is what
/// botocore resolves for that profile.
#[track_caller]
fn assert_botocore_agrees(fx: &Fx, f: &Value, explicit: Option<&str>) {
    let b = fx.botocore(explicit);
    assert_eq!(
        b["method"], f["facts"]["method"],
        "botocore: {b}, finding: {f:#}"
    );
    assert_eq!(
        b["profile"], f["facts"]["profile"],
        "botocore: {b}, finding: {f:#}"
    );
}

/// The login profile every fixture starts from: signed in an hour ago, with a region.
fn login_home() -> Fx {
    let mut fx = Fx::new();
    fx.config(&format!(
        "[default]\nregion = us-east-1\n\n[profile dev]\nlogin_session = {SESSION}\nregion = us-west-2\n"
    ));
    fx.fresh_cache(SESSION);
    fx.set("AWS_PROFILE", "dev");
    fx
}

// ---- the clean home -----------------------------------------------------------------------

#[test]
fn clean_home_has_no_findings_and_exits_0() {
    let fx = login_home();
    fx.credentials("");
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &[]);
    assert_eq!(code, 0);
    assert_eq!(r["profiles"], json!(["dev"]));
    let (r, code) = fx.doctor(&["--all"]);
    assert_ids(&r, &[]);
    assert_eq!(code, 0);
    assert_eq!(r["profiles"], json!(["default", "dev"]));
    // And botocore agrees the profile works: the login provider loads the session.
    assert_eq!(fx.botocore(None)["method"], "login");
    let (text, _, code) = fx.awsrun(&["doctor"]);
    assert_eq!(code, 0);
    assert!(text.contains("No problems found."), "{text}");
}

// ---- precedence ---------------------------------------------------------------------------

#[test]
fn exported_keys_beat_a_profile_chosen_by_aws_profile() {
    let mut fx = login_home();
    fx.set("AWS_ACCESS_KEY_ID", "ASIAEXPORTED00000001")
        .set("AWS_SECRET_ACCESS_KEY", "exported-secret")
        .set("AWS_SESSION_TOKEN", "exported-token");
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["env-keys-beat-profile"]);
    assert_eq!(code, 1);
    let f = finding(&r, "env-keys-beat-profile");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["facts"]["beaten"], "login");
    assert!(f["fix"]
        .as_str()
        .unwrap()
        .starts_with("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN"));
    assert_botocore_agrees(&fx, f, None);
    // The default profile is beaten just the same, but nobody chose it: a warning.
    fx.env.remove("AWS_PROFILE");
    fx.config(&format!("[default]\nlogin_session = {SESSION}\nregion = us-east-1\n\n[profile dev]\nlogin_session = {SESSION}\nregion = us-west-2\n"));
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["env-keys-beat-profile"]);
    assert_eq!(code, 0);
    let f = finding(&r, "env-keys-beat-profile");
    assert_eq!(f["severity"], "warning");
    assert_botocore_agrees(&fx, f, None);
    fx.set("AWS_PROFILE", "dev");
    // Named explicitly, the profile wins in both: no finding.
    let (r, _) = fx.doctor(&["-p", "dev"]);
    assert_ids(&r, &[]);
    assert_eq!(fx.botocore(Some("dev"))["method"], "login");
}

#[test]
fn credentials_file_section_shadows_a_login_profile() {
    let fx = login_home();
    fx.credentials(
        "[dev]\naws_access_key_id = AKIAOLDKEY000000001\naws_secret_access_key = old-secret\n",
    );
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["credentials-file-shadows-profile", "long-lived-keys"]);
    assert_eq!(code, 1);
    let f = finding(&r, "credentials-file-shadows-profile");
    assert_eq!(f["where"], "~/.aws/credentials:2");
    assert_eq!(f["facts"]["beaten"], "login");
    assert_eq!(
        f["fix"],
        "Delete lines 2 and 3 of ~/.aws/credentials (the keys of [dev])."
    );
    assert_botocore_agrees(&fx, f, None);
}

#[test]
fn credentials_file_keys_under_an_sso_or_role_profile_are_dead() {
    let fx = Fx::new();
    fx.config(
        "[profile dev]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n\
         sso_account_id = 123456789012\nsso_role_name = Dev\nregion = us-east-1\n\n\
         [profile ops]\nrole_arn = arn:aws:iam::123456789012:role/Ops\nsource_profile = base\nregion = us-east-1\n\n\
         [profile base]\nregion = us-east-1\n",
    );
    fx.credentials(
        "[dev]\naws_access_key_id = AKIAOLDKEY000000001\naws_secret_access_key = old-secret\n\
         [ops]\naws_access_key_id = AKIAOLDKEY000000002\naws_secret_access_key = old-secret\n\
         [base]\naws_access_key_id = ASIABASE000000000001\naws_secret_access_key = base-secret\naws_session_token = t\n",
    );
    for p in ["dev", "ops"] {
        let (r, code) = fx.doctor(&["-p", p]);
        assert_ids(&r, &["dead-credentials-keys", "long-lived-keys"]);
        assert_eq!(code, 0);
        let f = finding(&r, "dead-credentials-keys");
        assert_eq!(f["facts"]["beaten"], "shared-credentials-file");
        assert_botocore_agrees(&fx, f, Some(p));
    }
    assert_eq!(fx.botocore(Some("dev"))["method"], "sso");
    assert_eq!(fx.botocore(Some("ops"))["method"], "assume-role");
}

#[test]
fn role_arn_or_sso_beside_login_session_wins() {
    let fx = Fx::new();
    fx.config(&format!(
        "[profile dev]\nlogin_session = {SESSION}\nrole_arn = arn:aws:iam::123456789012:role/Dev\nsource_profile = base\nregion = us-east-1\n\n\
         [profile sso]\nlogin_session = {SESSION}\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n\
         sso_account_id = 123456789012\nsso_role_name = Dev\nregion = us-east-1\n\n\
         [profile base]\nregion = us-east-1\n"
    ));
    fx.credentials("[base]\naws_access_key_id = ASIABASE000000000001\naws_secret_access_key = base-secret\naws_session_token = t\n");
    fx.fresh_cache(SESSION);
    for (p, method, lines) in [
        ("dev", "assume-role", "lines 3 and 4 of ~/.aws/config"),
        ("sso", "sso", "lines 9, 10, 11 and 12 of ~/.aws/config"),
    ] {
        let (r, code) = fx.doctor(&["-p", p]);
        assert_ids(&r, &["login-session-mixed"]);
        assert_eq!(code, 1);
        let f = finding(&r, "login-session-mixed");
        assert_eq!(f["facts"]["method"], method);
        assert!(
            f["fix"]
                .as_str()
                .unwrap()
                .ends_with(&format!("to use the login session, delete {lines}.")),
            "{f:#}"
        );
        assert_botocore_agrees(&fx, f, Some(p));
    }
}

#[test]
fn web_identity_from_the_environment_outranks_the_profile() {
    let mut fx = login_home();
    let token = fx.write("token", "eyJ.token.x", 0o600);
    fx.set("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap())
        .set("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/Pod");
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["env-web-identity"]);
    assert_eq!(code, 1);
    let f = finding(&r, "env-web-identity");
    assert_eq!(f["facts"]["beaten"], "login");
    assert_botocore_agrees(&fx, f, None);
}

/// botocore's own SigV4 signer, run on the request's method, URL, body and signed headers at
/// the request's X-Amz-Date: the Authorization it computes must be the one that was sent.
fn botocore_signature(req: &Req, url: &str, secret: &str, region: &str) -> String {
    let script = r#"
import datetime, json, sys
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
r = json.load(sys.stdin)
when = datetime.datetime.strptime(r["amz_date"], "%Y%m%dT%H%M%SZ")
botocore.auth.get_current_datetime = lambda *a, **k: when
creds = Credentials(r["access_key"], r["secret"], r["token"])
req = AWSRequest(method=r["method"], url=r["url"], data=r["body"].encode(), headers={"Content-Type": r["content_type"]})
botocore.auth.SigV4Auth(creds, "sts", r["region"]).add_auth(req)
print(req.headers["Authorization"])
"#;
    let input = json!({
        "amz_date": req.headers["x-amz-date"],
        "access_key": req.headers["authorization"].split("Credential=").nth(1).unwrap().split('/').next().unwrap(),
        "secret": secret,
        "token": req.headers["x-amz-security-token"],
        "method": req.method,
        "url": format!("{url}{}", req.path),
        "body": req.body,
        "content_type": req.headers["content-type"],
        "region": region,
    });
    let mut child = Command::new(venv_python())
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A loopback HTTP server answering every request with `respond(request)`; returns the base
/// URL and the requests seen.
#[allow(clippy::type_complexity)]
fn serve(
    respond: impl Fn(&Req) -> (u16, Vec<(String, String)>, String) + Send + 'static,
) -> (String, Arc<Mutex<Vec<Req>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or("").to_string();
            let path = parts.next().unwrap_or("").to_string();
            let mut headers = BTreeMap::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
            }
            let len: usize = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            let req = Req {
                method,
                path,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            let (status, extra, body) = respond(&req);
            seen2.lock().unwrap().push(req);
            let mut resp = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (k, v) in extra {
                resp.push_str(&format!("{k}: {v}\r\n"));
            }
            resp.push_str("\r\n");
            resp.push_str(&body);
            let _ = stream.write_all(resp.as_bytes());
        }
    });
    (url, seen)
}

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    body: String,
}

#[test]
fn container_variables_in_a_shell_catch_profiles_without_credentials() {
    let (url, seen) = serve(|_| {
        (
            200,
            vec![("content-type".into(), "application/json".into())],
            json!({"AccessKeyId": "ASIACONTAINER0000001", "SecretAccessKey": "c", "Token": "t",
                   "Expiration": "2099-01-01T00:00:00Z"})
            .to_string(),
        )
    });
    let mut fx = Fx::new();
    fx.config("[default]\nregion = us-east-1\n");
    fx.set(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        &format!("{url}/creds"),
    );
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["metadata-vars-in-shell"]);
    assert_eq!(code, 0);
    let f = finding(&r, "metadata-vars-in-shell");
    assert_eq!(f["fix"], "unset AWS_CONTAINER_CREDENTIALS_FULL_URI");
    assert_botocore_agrees(&fx, f, None);
    assert!(seen.lock().unwrap().iter().any(|r| r.path == "/creds"));
}

#[test]
fn instance_metadata_endpoint_in_a_shell_catches_profiles_without_credentials() {
    let (url, seen) = serve(|req| {
        match (req.method.as_str(), req.path.as_str()) {
        ("PUT", "/latest/api/token") => (200, vec![], "imds-session".into()),
        ("GET", "/latest/meta-data/iam/security-credentials/") => (200, vec![], "box".into()),
        ("GET", "/latest/meta-data/iam/security-credentials/box") => (
            200,
            vec![],
            json!({"Code": "Success", "AccessKeyId": "ASIAIMDS000000000001", "SecretAccessKey": "i",
                   "Token": "t", "Expiration": "2099-01-01T00:00:00Z"})
            .to_string(),
        ),
        _ => (404, vec![], String::new()),
    }
    });
    let mut fx = Fx::new();
    fx.config("[default]\nregion = us-east-1\n");
    fx.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", &format!("{url}/"));
    // Disabled metadata makes the endpoint harmless.
    assert_ids(&fx.doctor(&[]).0, &[]);
    // Enabled (pointing at loopback, so botocore stays off the network), it answers.
    fx.env.remove("AWS_EC2_METADATA_DISABLED");
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["metadata-vars-in-shell"]);
    assert_eq!(code, 0);
    let f = finding(&r, "metadata-vars-in-shell");
    assert_eq!(
        f["facts"],
        json!({"method": "iam-role", "profile": "default"})
    );
    assert_botocore_agrees(&fx, f, None);
    assert!(seen
        .lock()
        .unwrap()
        .iter()
        .any(|r| r.path.ends_with("/box")));
}

#[test]
fn aws_profile_and_aws_default_profile_disagree() {
    let mut fx = Fx::new();
    fx.config("[profile a]\nregion = us-east-1\n[profile b]\nregion = us-east-1\n");
    fx.set("AWS_PROFILE", "a").set("AWS_DEFAULT_PROFILE", "b");
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["profile-vars-disagree"]);
    assert_eq!(code, 0);
    let f = finding(&r, "profile-vars-disagree");
    assert_eq!(
        f["facts"],
        json!({"cli_profile": "a", "botocore_profile": "b"})
    );
    // botocore picks AWS_DEFAULT_PROFILE; awsrun's port of the CLI order picks AWS_PROFILE.
    assert_eq!(fx.botocore(None)["profile"], "b");
    let (list, _, _) = fx.awsrun(&["list", "--json"]);
    let list: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list["profile"]["name"], "a");
}

#[test]
fn aws_region_and_aws_default_region_disagree() {
    let mut fx = Fx::new();
    fx.config("[default]\nregion = us-west-2\n");
    fx.set("AWS_REGION", "eu-west-1");
    let (r, _) = fx.doctor(&[]);
    assert_ids(&r, &["region-vars-disagree"]);
    let f = finding(&r, "region-vars-disagree");
    assert_eq!(
        f["facts"],
        json!({"cli_region": "eu-west-1", "botocore_region": "us-west-2"})
    );
    assert_eq!(fx.botocore(None)["region"], "us-west-2");

    fx.set("AWS_DEFAULT_REGION", "eu-central-1");
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["region-vars-disagree"]);
    assert_eq!(code, 0);
    let f = finding(&r, "region-vars-disagree");
    assert_eq!(f["facts"]["botocore_region"], "eu-central-1");
    assert_eq!(fx.botocore(None)["region"], "eu-central-1");
    let (list, _, _) = fx.awsrun(&["list", "--json"]);
    let list: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list["region"]["value"], "eu-west-1");

    fx.set("AWS_DEFAULT_REGION", "eu-west-1");
    let (r, _) = fx.doctor(&[]);
    assert_ids(&r, &[]);
}

#[test]
fn aws_security_token_beside_aws_session_token() {
    let mut fx = Fx::new();
    fx.config("[default]\nregion = us-east-1\n");
    fx.set("AWS_ACCESS_KEY_ID", "ASIAEXPORTED00000001")
        .set("AWS_SECRET_ACCESS_KEY", "s")
        .set("AWS_SECURITY_TOKEN", "old-token")
        .set("AWS_SESSION_TOKEN", "new-token");
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["security-token-beside-session-token"]);
    assert_eq!(code, 0);
    let f = finding(&r, "security-token-beside-session-token");
    assert_eq!(f["severity"], "warning");
    let b = fx.botocore(None);
    assert_eq!(b["method"], "env");
    assert_eq!(b["token_from"], f["facts"]["token_from"]);
}

#[test]
fn a_selected_profile_that_does_not_exist() {
    let mut fx = login_home();
    fx.set("AWS_PROFILE", "nope");
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["profile-not-found"]);
    assert_eq!(code, 1);
    assert_eq!(
        finding(&r, "profile-not-found")["where"],
        "AWS_PROFILE=nope"
    );
    let b = fx.botocore(None);
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .contains("The config profile (nope) could not be found"),
        "{b}"
    );
}

#[test]
fn a_missing_selected_profile_is_reported_with_all_too() {
    let mut fx = login_home();
    fx.set("AWS_PROFILE", "nope");
    let (r, code) = fx.doctor(&["--all"]);
    assert_ids(&r, &["profile-not-found"]);
    assert_eq!(code, 1);
    assert_eq!(r["profiles"], json!(["default", "dev", "nope"]));
}

#[test]
fn a_credential_chain_that_raises() {
    let fx = Fx::new();
    fx.config("[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/Dev\nregion = us-east-1\n");
    let (r, code) = fx.doctor(&["-p", "dev"]);
    assert_ids(&r, &["credentials-error"]);
    assert_eq!(code, 1);
    let b = fx.botocore(Some("dev"));
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .starts_with("PartialCredentialsError"),
        "{b}"
    );
}

// ---- files --------------------------------------------------------------------------------

#[test]
fn unparseable_and_unreadable_files() {
    let fx = Fx::new();
    fx.config("region = us-east-1\n[default]\n");
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["parse-error"]);
    assert_eq!(code, 1);
    assert_eq!(finding(&r, "parse-error")["where"], "~/.aws/config:1");
    assert!(fx.botocore(None)["error"]
        .as_str()
        .unwrap()
        .contains("Unable to parse config file"));

    let fx = Fx::new();
    fx.config(""); // creates it 0600; then Latin-1 bytes:
    std::fs::write(
        fx.home.join(".aws/config"),
        b"[default]\nregion = caf\xe9\n",
    )
    .unwrap();
    let (r, _) = fx.doctor(&[]);
    assert_ids(&r, &["parse-error"]);
    assert!(fx.botocore(None)["error"]
        .as_str()
        .unwrap()
        .contains("Unable to parse config file"));

    let mut fx = Fx::new();
    let dir = fx.home.join("a-directory");
    std::fs::create_dir(&dir).unwrap();
    fx.set("AWS_CONFIG_FILE", dir.to_str().unwrap());
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["file-unreadable"]);
    assert_eq!(code, 1);
}

#[test]
fn profile_header_in_the_credentials_file() {
    let fx = Fx::new();
    fx.credentials("[profile dev]\naws_access_key_id = ASIA0000000000000001\naws_secret_access_key = s\naws_session_token = t\n");
    let (r, _) = fx.doctor(&[]);
    assert_ids(&r, &["profile-prefix-in-credentials"]);
    let f = finding(&r, "profile-prefix-in-credentials");
    assert_eq!(f["where"], "~/.aws/credentials:1");
    assert!(f["fix"].as_str().unwrap().contains("[dev]"));
    // botocore: no profile "dev", but one called "profile dev".
    assert!(fx.botocore(Some("dev"))["error"]
        .as_str()
        .unwrap()
        .contains("could not be found"));
    assert_eq!(
        fx.botocore(Some("profile dev"))["method"],
        "shared-credentials-file"
    );
}

#[test]
fn default_and_profile_default_both_present() {
    let fx = Fx::new();
    fx.config(
        "[default]\nregion = us-east-1\noutput = json\n\n[profile default]\nregion = eu-west-1\n",
    );
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["default-twice"]);
    assert_eq!(code, 0);
    let f = finding(&r, "default-twice");
    assert_eq!(f["where"], "~/.aws/config:1, ~/.aws/config:5");
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .contains("delete lines 1-3 of ~/.aws/config"),
        "{f}"
    );
    // botocore keeps the later section only.
    assert_eq!(fx.botocore(None)["region"], "eu-west-1");
}

#[test]
fn inline_comment_becomes_part_of_the_value() {
    let fx = Fx::new();
    fx.config("[default]\nregion = us-east-1   # N. Virginia\n");
    // A secret with a comment is reported without its value (doctor() checks no secret leaks).
    fx.credentials("[old]\naws_secret_access_key = old-secret ; rotated\n");
    let (r, _) = fx.doctor(&[]);
    assert_ids(&r, &["inline-comment"]);
    assert_eq!(r["findings"].as_array().unwrap().len(), 2);
    let f = finding(&r, "inline-comment");
    assert_eq!(f["where"], "~/.aws/config:2");
    assert!(f["fix"].as_str().unwrap().contains("`region = us-east-1`"));
    assert_eq!(fx.botocore(None)["region"], "us-east-1   # N. Virginia");
}

#[test]
fn file_variables_naming_missing_files() {
    let mut fx = Fx::new();
    fx.config("[default]\nregion = us-east-1\n");
    fx.set("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials.old");
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["file-var-missing"]);
    assert_eq!(code, 0);
    assert_eq!(
        finding(&r, "file-var-missing")["where"],
        "AWS_SHARED_CREDENTIALS_FILE=~/.aws/credentials.old"
    );
}

#[test]
fn files_readable_by_others() {
    let fx = login_home();
    fx.write(
        ".aws/credentials",
        "[base]\naws_access_key_id = ASIA0000000000000001\naws_secret_access_key = s\naws_session_token = t\n",
        0o644,
    );
    let cache = fx.cache_path(SESSION);
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["readable-by-others"]);
    assert_eq!(code, 1);
    let wheres: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["where"].as_str().unwrap())
        .collect();
    assert_eq!(wheres.len(), 2, "{r:#}");
    assert!(wheres.iter().any(|w| w.ends_with(".aws/credentials")));
    assert!(wheres.iter().any(|w| *w == cache.to_str().unwrap()));
}

// ---- sessions -----------------------------------------------------------------------------

#[test]
fn login_profile_without_a_cache() {
    let fx = login_home();
    std::fs::remove_file(fx.cache_path(SESSION)).unwrap();
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["login-no-cache"]);
    assert_eq!(code, 1);
    assert_eq!(finding(&r, "login-no-cache")["fix"], "awsrun login -p dev");
    let b = fx.botocore(None);
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .contains("Unable to load a existing login session"),
        "{b}"
    );
}

#[test]
fn login_session_of_a_source_profile_is_checked_too() {
    let fx = Fx::new();
    fx.config(&format!(
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/Dev\nsource_profile = me\nregion = us-east-1\n\n\
         [profile me]\nlogin_session = {SESSION}\nregion = us-east-1\n"
    ));
    let (r, code) = fx.doctor(&["-p", "dev"]);
    assert_ids(&r, &["login-no-cache"]);
    assert_eq!(code, 1);
    assert_eq!(finding(&r, "login-no-cache")["profile"], "me");
    fx.fresh_cache(SESSION);
    assert_ids(&fx.doctor(&["-p", "dev"]).0, &[]);
    // botocore assumes the role with the login session.
    assert_eq!(fx.botocore(Some("dev"))["method"], "assume-role");
}

#[test]
fn unreadable_and_incomplete_caches() {
    let fx = login_home();
    std::fs::write(fx.cache_path(SESSION), "{not json").unwrap();
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["cache-unreadable"]);
    assert_eq!(code, 1);

    let mut doc = fx.login_cache(SESSION, 60);
    doc.as_object_mut().unwrap().remove("refreshToken");
    fx.put_cache(SESSION, &doc);
    let (r, _) = fx.doctor(&[]);
    assert_ids(&r, &["cache-incomplete"]);
    assert!(finding(&r, "cache-incomplete")["what"]
        .as_str()
        .unwrap()
        .contains("missing required fields: refreshToken"));
    // botocore refuses it with the same words.
    let b = fx.botocore(None);
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .contains("missing required fields: refreshToken"),
        "{b}"
    );
}

#[test]
fn undecodable_dpop_key() {
    let fx = login_home();
    let mut doc = fx.login_cache(SESSION, 60);
    doc["dpopKey"] =
        json!("-----BEGIN EC PRIVATE KEY-----\nbm90IGEga2V5\n-----END EC PRIVATE KEY-----\n");
    fx.put_cache(SESSION, &doc);
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["dpop-key-invalid"]);
    assert_eq!(code, 1);
    // botocore loads the cached keys, then fails at the first refresh.
    doc["accessToken"]["expiresAt"] = json!("2020-01-01T00:00:00Z");
    fx.put_cache(SESSION, &doc);
    let b = fx.botocore_refresh(None);
    assert_eq!(b["method"], "login");
    assert!(
        b["refresh_error"]
            .as_str()
            .unwrap()
            .contains("MALFORMED_ASN1"),
        "{b}"
    );
}

#[test]
fn session_past_its_estimated_end() {
    let mut fx = login_home();
    fx.put_cache(SESSION, &fx.login_cache(SESSION, 13 * 3600));
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["session-ended"]);
    assert_eq!(code, 0);
    // A longer configured session is not over yet.
    fx.set("AWSRUN_SESSION_DURATION", "14h");
    let (r, _) = fx.doctor(&[]);
    assert_ids(&r, &[]);
}

#[test]
fn cache_files_no_profile_refers_to() {
    let fx = login_home();
    let orphan = fx.fresh_cache(OTHER_SESSION);
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["orphan-cache"]);
    assert_eq!(code, 0);
    let f = finding(&r, "orphan-cache");
    assert_eq!(f["severity"], "info");
    assert_eq!(f["fix"], format!("rm {}", orphan.display()));
}

#[test]
fn login_profile_with_no_region() {
    let mut fx = Fx::new();
    fx.config(&format!("[profile dev]\nlogin_session = {SESSION}\n"));
    fx.fresh_cache(SESSION);
    fx.set("AWS_PROFILE", "dev");
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["login-no-region"]);
    assert_eq!(code, 0);
    assert_eq!(finding(&r, "login-no-region")["where"], "~/.aws/config:2");
    assert_eq!(fx.botocore(None)["region"], Value::Null);
}

// ---- long-lived keys ----------------------------------------------------------------------

#[test]
fn long_lived_keys_anywhere() {
    let mut fx = Fx::new();
    fx.config("[profile cfg]\naws_access_key_id = AKIACONFIG000000001\naws_secret_access_key = s\nregion = us-east-1\n");
    fx.credentials("[ci]\naws_access_key_id = AKIACREDS0000000001\naws_secret_access_key = s\n");
    fx.set("AWS_ACCESS_KEY_ID", "AKIAENV000000000001")
        .set("AWS_SECRET_ACCESS_KEY", "s");
    let (r, code) = fx.doctor(&["--all"]);
    assert_ids(&r, &["long-lived-keys"]);
    assert_eq!(code, 0);
    let all: Vec<&Value> = r["findings"].as_array().unwrap().iter().collect();
    assert_eq!(all.len(), 3, "{r:#}");
    let ci = all.iter().find(|f| f["profile"] == "ci").unwrap();
    assert_eq!(ci["where"], "~/.aws/credentials:2");
    assert_eq!(
        ci["fix"],
        "Delete lines 2 and 3 of ~/.aws/credentials, then `awsrun login -p ci`, then aws iam update-access-key --access-key-id AKIACREDS0000000001 --status Inactive"
    );
    assert!(all
        .iter()
        .any(|f| f["profile"] == "cfg" && f["where"] == "~/.aws/config:2"));
    assert!(all
        .iter()
        .any(|f| f["where"] == "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"));
}

// ---- tools --------------------------------------------------------------------------------

#[test]
fn aws_cli_older_than_2_32() {
    let fx = login_home();
    fx.fake_aws("2.31.0");
    let (r, code) = fx.doctor(&[]);
    assert_ids(&r, &["aws-cli-too-old"]);
    assert_eq!(code, 0);
    let f = finding(&r, "aws-cli-too-old");
    assert_eq!(f["facts"]["version"], "2.31.0");
    assert_eq!(f["severity"], "warning");
    fx.fake_aws("2.32.0");
    assert_ids(&fx.doctor(&[]).0, &[]);
}

#[test]
fn credential_process_whose_program_is_missing() {
    let fx = Fx::new();
    fx.config(
        "[profile a]\ncredential_process = awsrun-no-such-helper --profile a\nregion = us-east-1\n\
         [profile b]\ncredential_process = \"/opt/no such/helper\" x\nregion = us-east-1\n\
         [profile ok]\ncredential_process = sh -c 'exit 1'\nregion = us-east-1\n",
    );
    let (r, code) = fx.doctor(&["--all"]);
    assert_ids(&r, &["credential-process-missing"]);
    assert_eq!(code, 1);
    let profiles: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["profile"].as_str().unwrap())
        .collect();
    assert_eq!(profiles, ["a", "b"]);
    for p in ["a", "b"] {
        let b = fx.botocore_refresh(Some(p));
        let e = b["error"].as_str().unwrap_or("");
        assert!(e.starts_with("FileNotFoundError"), "{b}");
    }
    assert_eq!(
        finding(&r, "credential-process-missing")["where"],
        "~/.aws/config:2"
    );
}

// ---- --online ----------------------------------------------------------------------------

/// A loopback STS that answers GetCallerIdentity with `status` and a `Date` header `skew`
/// seconds off our clock.
fn fake_sts(status: u16, skew: i64) -> (String, Arc<Mutex<Vec<Req>>>) {
    serve(move |_| {
        let date = std::time::SystemTime::now()
            .checked_add(std::time::Duration::from_secs(skew.unsigned_abs()))
            .filter(|_| skew >= 0)
            .unwrap_or_else(|| {
                std::time::SystemTime::now() - std::time::Duration::from_secs(skew.unsigned_abs())
            });
        let body = if status == 200 {
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <GetCallerIdentityResult>\n    <Arn>arn:aws:iam::123456789012:user/alice</Arn>\n    <UserId>AIDAEXAMPLE000000001</UserId>\n    <Account>123456789012</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>\n</GetCallerIdentityResponse>\n".to_string()
        } else {
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>1</RequestId></ErrorResponse>".to_string()
        };
        (
            status,
            vec![
                ("content-type".into(), "text/xml".into()),
                ("date".into(), httpdate::fmt_http_date(date)),
            ],
            body,
        )
    })
}

#[track_caller]
fn assert_sigv4(req: &Req, access_key: &str, region: &str, token: &str) {
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/");
    assert_eq!(req.body, "Action=GetCallerIdentity&Version=2011-06-15");
    let date = &req.headers["x-amz-date"];
    assert!(
        date.len() == 16 && date.ends_with('Z') && date.as_bytes()[8] == b'T',
        "{date}"
    );
    assert_eq!(req.headers["x-amz-security-token"], token);
    let auth = &req.headers["authorization"];
    let prefix = format!(
        "AWS4-HMAC-SHA256 Credential={access_key}/{}/{region}/sts/aws4_request, SignedHeaders=",
        &date[..8]
    );
    assert!(auth.starts_with(&prefix), "{auth}");
    let (signed, sig) = auth[prefix.len()..].split_once(", Signature=").unwrap();
    let signed: Vec<&str> = signed.split(';').collect();
    for h in ["content-type", "host", "x-amz-date", "x-amz-security-token"] {
        assert!(signed.contains(&h), "{auth}");
    }
    assert!(
        sig.len() == 64
            && sig
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{auth}"
    );
}

#[test]
fn online_reports_identity_and_clock_skew() {
    let (url, seen) = fake_sts(200, 0);
    let mut fx = login_home();
    fx.set("AWS_ENDPOINT_URL_STS", &url)
        .set("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    let (r, code) = fx.doctor(&["--online"]);
    assert_ids(&r, &[]);
    assert_eq!(code, 0);
    let o = &r["online"];
    assert_eq!(o["identity"]["arn"], SESSION);
    assert_eq!(o["identity"]["account"], "123456789012");
    assert_eq!(o["method"], "login");
    assert!(o["clock_skew_seconds"].as_i64().unwrap().abs() <= 5, "{o}");
    let reqs = seen.lock().unwrap().clone();
    assert_eq!(reqs.len(), 1);
    assert_sigv4(
        &reqs[0],
        "ASIAEXAMPLE0000LOGIN",
        "us-west-2",
        "login-session-token",
    );
    assert_eq!(
        reqs[0].headers["authorization"],
        botocore_signature(&reqs[0], &url, "login-secret", "us-west-2"),
        "botocore signs the same request differently"
    );

    let (text, _, code) = fx.awsrun(&["doctor", "--online"]);
    assert_eq!(code, 0);
    assert!(
        text.contains(&format!("identity: {SESSION} (account 123456789012)")),
        "{text}"
    );
}

#[test]
fn online_flags_a_clock_more_than_five_minutes_off() {
    let (url, seen) = fake_sts(200, -3600);
    let mut fx = login_home();
    fx.set("AWS_ENDPOINT_URL", &url);
    let (r, code) = fx.doctor(&["--online"]);
    assert_ids(&r, &["clock-skew"]);
    assert_eq!(code, 1);
    let skew = finding(&r, "clock-skew")["facts"]["clock_skew_seconds"]
        .as_i64()
        .unwrap();
    assert!((3595..=3605).contains(&skew), "{skew}");
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn online_reports_what_sts_refused() {
    let (url, _) = fake_sts(403, 0);
    let mut fx = login_home();
    fx.set("AWS_ENDPOINT_URL_STS", &url);
    let (r, code) = fx.doctor(&["--online"]);
    assert_ids(&r, &["online-failed"]);
    assert_eq!(code, 1);
    assert!(finding(&r, "online-failed")["what"]
        .as_str()
        .unwrap()
        .contains("InvalidClientTokenId: The security token included in the request is invalid."));
    let (text, _, code) = fx.awsrun(&["doctor", "--online"]);
    assert_eq!(code, 1);
    assert!(
        text.contains("\nonline\n  error   online-failed [dev]\n"),
        "{text}"
    );
    assert!(text.contains("failed: see online-failed above"), "{text}");
}

// ---- output -------------------------------------------------------------------------------

#[test]
fn text_report_is_grouped_and_uncoloured_when_piped() {
    let mut fx = login_home();
    fx.fake_aws("2.31.0");
    fx.set("AWS_ACCESS_KEY_ID", "AKIAENV000000000001")
        .set("AWS_SECRET_ACCESS_KEY", "s");
    let (text, _, code) = fx.awsrun(&["doctor"]);
    assert_eq!(code, 1);
    assert!(!text.contains('\x1b'), "{text}");
    let p = text.find("\nprecedence\n").unwrap();
    let k = text.find("\nkeys\n").unwrap();
    let t = text.find("\ntools\n").unwrap();
    assert!(p < k && k < t, "{text}");
    assert!(
        text.contains("  error   env-keys-beat-profile [dev]\n    what:"),
        "{text}"
    );
    assert!(text.ends_with("1 error, 2 warnings, 0 notes\n"), "{text}");
}

/// Runs doctor with stdout on a pseudo-terminal and returns what it printed.
fn on_terminal(fx: &Fx) -> String {
    let pty = nix::pty::openpty(None, None).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_awsrun"))
        .arg("doctor")
        .env_clear()
        .envs(&fx.env)
        .stdout(Stdio::from(pty.slave))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let mut buf = Vec::new();
    let mut master = std::fs::File::from(pty.master);
    // The slave is closed once the child exits: read until EIO.
    let mut chunk = [0u8; 4096];
    while let Ok(n) = master.read(&mut chunk) {
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[test]
fn colours_on_a_terminal_unless_no_color() {
    let mut fx = login_home();
    std::fs::remove_file(fx.cache_path(SESSION)).unwrap();
    let text = on_terminal(&fx);
    assert!(text.contains("\x1b[1;31merror"), "{text:?}");
    fx.set("NO_COLOR", "1");
    let text = on_terminal(&fx);
    assert!(text.contains("login-no-cache"), "{text:?}");
    assert!(!text.contains('\x1b'), "{text:?}");
}

#[test]
fn all_and_profile_together_is_a_usage_error() {
    let fx = Fx::new();
    let (_, err, code) = fx.awsrun(&["doctor", "--all", "-p", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("--all and --profile"), "{err}");
}
