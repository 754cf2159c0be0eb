//! A session is one session whichever tool touches it. botocore 1.44.5 [crt] and the Rust SDK
//! (aws-config with `credentials-login`) load what `awsrun login` wrote and refresh it through
//! the emulator, which accepts only DPoP proofs made with the key awsrun generated; then awsrun
//! continues from the cache they rotated. And a cache written by botocore's own code in the
//! CLI's layout is used by awsrun.
//!
//! The emulator issues 2-minute credentials and rejects a rotated-out refresh token at once
//! (`--refresh-grace 0`), so every client must refresh, and must use the newest token.

mod support;

use serde_json::Value;
use support::*;

const EMULATOR_ARGS: [&str; 4] = ["--credential-lifetime", "120", "--refresh-grace", "0"];

/// botocore's credential chain for `profile`, forced to its login provider's refresh path.
const BOTOCORE_LOAD: &str = r#"
import json, botocore.session
s = botocore.session.get_session()
c = s.get_credentials()
f = c.get_frozen_credentials()
print(json.dumps({"method": c.method, "accessKeyId": f.access_key, "accountId": f.account_id}))
"#;

/// What `aws login --remote` does, done with botocore's own pieces: awscrt key, botocore's
/// signin client and DPoP handler, the CLI's token layout, and botocore's cache writer.
const CLI_LOGIN: &str = r#"
import base64, hashlib, json, os, secrets, string, sys, textwrap, uuid, datetime
import urllib.parse, urllib.request
import botocore, botocore.config, botocore.session
from botocore.credentials import _build_add_dpop_header_handler
from botocore.utils import JSONFileCache, LoginTokenLoader
from awscrt.crypto import EC, ECType, ECExportFormat

base = os.environ["AWS_ENDPOINT_URL_SIGNIN"]
client_id = "arn:aws:signin:::devtools/cross-device"
redirect = base + "/v1/sessions/confirmation"
verifier = "".join(secrets.choice(string.ascii_letters + string.digits + "-._~") for _ in range(64))
challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode()[:-1]
state = str(uuid.uuid4())
q = urllib.parse.urlencode({"response_type": "code", "client_id": client_id, "state": state,
    "code_challenge_method": "SHA-256", "scope": "openid", "redirect_uri": redirect}, quote_via=urllib.parse.quote)
page = urllib.request.urlopen(f"{base}/v1/authorize?{q}&code_challenge={challenge}").read().decode()
req = page.split('name="request" value="')[1].split('"')[0]
form = urllib.parse.urlencode({"request": req, "identity": "0", "action": "continue"}).encode()
landed = urllib.request.urlopen(urllib.request.Request(base + "/v1/authorize", data=form)).geturl()
params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(landed).query))
assert params["state"] == state

key = EC.new_generate(ECType.P_256)
client = botocore.session.get_session().create_client(
    "signin", region_name="us-east-1", config=botocore.config.Config(signature_version=botocore.UNSIGNED))
client.meta.events.register("before-call.signin.CreateOAuth2Token", _build_add_dpop_header_handler(key))
out = client.create_o_auth2_token(tokenInput={"clientId": client_id, "grantType": "authorization_code",
    "code": params["code"], "codeVerifier": verifier, "redirectUri": redirect})["tokenOutput"]
claims = out["idToken"].split(".")[1]
sub = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["sub"]
expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=out["expiresIn"])
pem_body = textwrap.fill(base64.b64encode(key.export_key(ECExportFormat.SEC1)).decode(), width=64)
token = {
    "accessToken": {"accessKeyId": out["accessToken"]["accessKeyId"],
                    "secretAccessKey": out["accessToken"]["secretAccessKey"],
                    "sessionToken": out["accessToken"]["sessionToken"],
                    "accountId": sub.split(":")[4],
                    "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ")},
    "tokenType": out["tokenType"], "clientId": client_id, "refreshToken": out["refreshToken"],
    "idToken": out["idToken"],
    "dpopKey": f"-----BEGIN EC PRIVATE KEY-----\n{pem_body}\n-----END EC PRIVATE KEY-----\n",
}
LoginTokenLoader(JSONFileCache(os.path.expanduser("~/.aws/login/cache"))).save_token(sub, token)
print(sub)
"#;

fn python(home: &Home, emu: &Emulator, profile: &str, script: &str) -> String {
    let out = home
        .program(venv_python(), Some(&emu.base))
        .args(["-c", script])
        .env("AWS_PROFILE", profile)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn rust_sdk(home: &Home, emu: &Emulator, profile: &str) -> Value {
    let out = home
        .program(
            support::sdk_client_bin("awsrun-sdk-client"),
            Some(&emu.base),
        )
        .env("AWS_PROFILE", profile)
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "Rust SDK failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `awsrun export` (which refreshes a login session close to expiry) as process JSON.
fn awsrun_export(home: &Home, emu: &Emulator, profile: &str) -> Value {
    let out = home
        .awsrun(Some(&emu.base), &["export", "-p", profile])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "awsrun export failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn access_key(home: &Home, session: &str) -> String {
    home.cache(session)["accessToken"]["accessKeyId"]
        .as_str()
        .unwrap()
        .to_string()
}

fn refresh_token(home: &Home, session: &str) -> String {
    home.cache(session)["refreshToken"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn botocore_refreshes_an_awsrun_session_and_awsrun_continues_from_its_rotation() {
    let home = Home::new("botocore");
    let emu = Emulator::start(&EMULATOR_ARGS);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "dev", "--region", "eu-west-1"],
        0,
    ));
    let (key0, rt0) = (access_key(&home, ALICE), refresh_token(&home, ALICE));

    let got: Value = serde_json::from_str(&python(&home, &emu, "dev", BOTOCORE_LOAD)).unwrap();
    assert_eq!(got["method"], "login");
    assert_eq!(got["accountId"], "123456789012");
    let key1 = got["accessKeyId"].as_str().unwrap().to_string();
    assert_ne!(key1, key0, "botocore refreshed");
    assert_eq!(access_key(&home, ALICE), key1, "and wrote the cache");
    let rt1 = refresh_token(&home, ALICE);
    assert_ne!(rt1, rt0, "the refresh token rotated");
    let c = home.cache(ALICE);
    assert_eq!(
        c["signInRegion"], "eu-west-1",
        "botocore keeps fields it does not know"
    );
    assert_eq!(c["idToken"].as_str().unwrap().split('.').count(), 3);
    let botocore_refreshes = emu.counter("signin.token.refresh_token");
    assert!(botocore_refreshes >= 1);
    assert!(
        emu.rejections().is_empty(),
        "botocore's DPoP proofs were accepted: {:?}",
        emu.rejections()
    );

    let exported = awsrun_export(&home, &emu, "dev");
    let key2 = exported["AccessKeyId"].as_str().unwrap();
    assert_ne!(key2, key1);
    assert_eq!(access_key(&home, ALICE), key2);
    assert_ne!(refresh_token(&home, ALICE), rt1);
    assert_eq!(
        emu.counter("signin.token.refresh_token"),
        botocore_refreshes + 1
    );
    assert!(emu.rejections().is_empty(), "{:?}", emu.rejections());
}

#[test]
fn the_rust_sdk_refreshes_an_awsrun_session_and_awsrun_continues_from_its_rotation() {
    let home = Home::new("rust-sdk");
    let emu = Emulator::start(&EMULATOR_ARGS);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "dev", "--region", "us-east-1"],
        0,
    ));
    let (key0, rt0) = (access_key(&home, ALICE), refresh_token(&home, ALICE));

    let got = rust_sdk(&home, &emu, "dev");
    let key1 = got["accessKeyId"].as_str().unwrap().to_string();
    assert_ne!(key1, key0, "the Rust SDK refreshed");
    assert_eq!(got["accountId"], "123456789012");
    assert_eq!(access_key(&home, ALICE), key1, "and wrote the cache");
    let rt1 = refresh_token(&home, ALICE);
    assert_ne!(rt1, rt0);
    assert_eq!(emu.counter("signin.token.refresh_token"), 1);
    assert!(
        emu.rejections().is_empty(),
        "the SDK's DPoP proofs were accepted: {:?}",
        emu.rejections()
    );

    let exported = awsrun_export(&home, &emu, "dev");
    assert_ne!(exported["AccessKeyId"].as_str().unwrap(), key1);
    assert_ne!(refresh_token(&home, ALICE), rt1);
    assert_eq!(emu.counter("signin.token.refresh_token"), 2);
    assert!(emu.rejections().is_empty(), "{:?}", emu.rejections());
}

#[test]
fn a_session_written_by_botocore_in_the_cli_layout_is_used_by_awsrun() {
    let home = Home::new("cli-layout");
    let emu = Emulator::start(&EMULATOR_ARGS);
    home.write(
        ".aws/config",
        &format!("[profile cli]\nlogin_session = {ALICE}\nregion = us-east-1\n"),
    );
    let session = python(&home, &emu, "cli", CLI_LOGIN);
    assert_eq!(session, ALICE);
    let c = home.cache(ALICE);
    let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "accessToken",
            "tokenType",
            "clientId",
            "refreshToken",
            "idToken",
            "dpopKey"
        ]
    );
    let key0 = access_key(&home, ALICE);

    // awsrun refreshes with the awscrt-made key from the PEM botocore's code wrote.
    let exported = awsrun_export(&home, &emu, "cli");
    assert_ne!(exported["AccessKeyId"].as_str().unwrap(), key0);
    let after = home.cache(ALICE);
    assert_eq!(after["accessToken"]["accountId"], "123456789012");
    assert_eq!(
        after["dpopKey"], c["dpopKey"],
        "the key is the session's for life"
    );
    assert_eq!(after["idToken"], c["idToken"]);
    assert_eq!(after["clientId"], "arn:aws:signin:::devtools/cross-device");
    assert_eq!(emu.counter("signin.token.refresh_token"), 1);
    assert!(emu.rejections().is_empty(), "{:?}", emu.rejections());

    // And botocore takes it back from there.
    let got: Value = serde_json::from_str(&python(&home, &emu, "cli", BOTOCORE_LOAD)).unwrap();
    assert_eq!(got["method"], "login");
    assert!(emu.rejections().is_empty(), "{:?}", emu.rejections());
}
