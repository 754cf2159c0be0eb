//! The headline: a long-running child keeps working while its credentials expire underneath it.
//! The emulator issues 20-second credentials; a boto3 child calls STS every 2 seconds for a
//! minute and a half through awsrun's credential server, and every call must succeed, with the
//! keys rotating several times. The same for a Rust SDK child, and through an assume-role
//! profile sourced from the login.

mod support;

use serde_json::Value;
use support::{assert_ok, login, venv_python, Emulator, Home, ALICE};

const LIFETIME: &str = "20";
const RUN_SECONDS: &str = "90";

/// Calls STS every 2 seconds and reports how many calls and distinct keys it saw; any failed
/// call raises and ends the child with a non-zero status.
const BOTO3_LOOP: &str = r#"
import json, sys, time
import boto3
seconds = float(sys.argv[1])
sts = boto3.client("sts")
calls, keys, arns = 0, set(), set()
end = time.time() + seconds
while time.time() < end:
    r = sts.get_caller_identity()
    arns.add(r["Arn"])
    keys.add(sts._request_signer._credentials.get_frozen_credentials().access_key)
    calls += 1
    time.sleep(2)
print(json.dumps({"calls": calls, "keys": len(keys), "arns": sorted(arns)}))
"#;

fn signed_in(home: &Home, emu: &Emulator) {
    assert_ok(&login(
        home,
        emu,
        &["-p", "dev", "--region", "us-east-1"],
        0,
    ));
}

/// Runs `program ARGS` under `awsrun -p PROFILE --` against the emulator; returns the JSON
/// report the child prints.
fn run_child(home: &Home, emu: &Emulator, profile: &str, program: &[&std::ffi::OsStr]) -> Value {
    let out = home
        .awsrun(Some(&emu.base), &["-p", profile, "--"])
        .args(program)
        .arg(RUN_SECONDS)
        .env("AWS_ENDPOINT_URL_STS", &emu.base)
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the child failed ({:?}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn run_boto3_child(home: &Home, emu: &Emulator, profile: &str) -> Value {
    let script = home.path("loop.py");
    std::fs::write(&script, BOTO3_LOOP).unwrap();
    run_child(
        home,
        emu,
        profile,
        &[venv_python().as_os_str(), script.as_os_str()],
    )
}

fn assert_kept_fresh(report: &Value, emu: &Emulator) {
    // 90 s at one call per 2 s (plus the call's own time).
    assert!(report["calls"].as_u64().unwrap() >= 30, "{report}");
    // 20-second keys over 90 s: the child must have been handed new ones several times.
    assert!(
        report["keys"].as_u64().unwrap() >= 4,
        "keys did not rotate: {report}"
    );
    assert_eq!(
        emu.counter("sts.GetCallerIdentity.rejected"),
        0,
        "{:?}",
        emu.rejections()
    );
    assert!(
        emu.counter("signin.token.refresh_token") >= 4,
        "{}",
        emu.stats()
    );
}

#[test]
fn a_boto3_child_calls_sts_for_ninety_seconds_over_twenty_second_credentials() {
    let home = Home::new("refresh-boto3");
    let emu = Emulator::start(&["--credential-lifetime", LIFETIME]);
    signed_in(&home, &emu);
    let report = run_boto3_child(&home, &emu, "dev");
    assert_kept_fresh(&report, &emu);
    assert_eq!(report["arns"], serde_json::json!([ALICE]));
}

#[test]
fn a_rust_sdk_child_calls_sts_for_ninety_seconds_over_twenty_second_credentials() {
    // tests/sdk-client's `sts-loop`: the AWS SDK for Rust calling STS every 2 seconds.
    let program = support::sdk_client_bin("sts-loop");
    let home = Home::new("refresh-rust");
    let emu = Emulator::start(&["--credential-lifetime", LIFETIME]);
    signed_in(&home, &emu);
    let report = run_child(&home, &emu, "dev", &[program.as_os_str()]);
    assert_kept_fresh(&report, &emu);
    assert_eq!(report["arns"], serde_json::json!([ALICE]));
}

#[test]
fn an_assume_role_profile_sourced_from_a_login_profile_stays_fresh_too() {
    let home = Home::new("refresh-role");
    let emu = Emulator::start(&["--credential-lifetime", LIFETIME]);
    signed_in(&home, &emu);
    let mut config = home.read_config();
    config.push_str("[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = dev\nrole_session_name = tests\nregion = us-east-1\n");
    home.write(".aws/config", &config);
    let report = run_boto3_child(&home, &emu, "admin");
    assert_kept_fresh(&report, &emu);
    assert_eq!(
        report["arns"],
        serde_json::json!(["arn:aws:sts::123456789012:assumed-role/Admin/tests"])
    );
    assert!(emu.counter("sts.AssumeRole") >= 4, "{}", emu.stats());
    assert_eq!(
        emu.counter("sts.AssumeRole.rejected"),
        0,
        "{:?}",
        emu.rejections()
    );
}
