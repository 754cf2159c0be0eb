//! `doctor --online`: ask STS who the profile's credentials belong to, and compare our clock
//! with the `Date` of STS's answer (SigV4 rejects requests more than 5 minutes off).

use std::time::SystemTime;

use serde_json::json;

use super::{Family, Finding, Report, Severity};
use crate::awsfiles::Files;
use crate::env::Env;
use crate::profile::{self, Options};
use crate::sts;

/// SigV4 refuses a request whose time is further than this from the server's.
pub const MAX_SKEW_SECONDS: i64 = 300;

pub fn check(env: &Env, files: &Files, explicit: Option<&str>, report: &mut Report) {
    let opts = Options::default();
    let name = profile::select(env, explicit).name;
    let fail = |report: &mut Report, msg: String| {
        report.findings.push(
            Finding::new("online-failed", Severity::Error, Family::Online)
                .profile(&name)
                .what(format!(
                    "GetCallerIdentity with \"{name}\"'s credentials failed: {msg}"
                ))
                .why("Every AWS call with these credentials will fail the same way.")
                .at(format!("profile {name}"))
                .fix(format!(
                    "awsrun login -p {}    # or fix what the message names",
                    super::Ctx::quote(&name)
                )),
        );
        report.online = Some(json!({"profile": name, "identity": null, "error": msg}));
    };
    let r = match profile::resolve(env, files, explicit, &opts) {
        Ok(r) => r,
        Err(e) => return fail(report, e.to_string()),
    };
    let src = match r.winner() {
        Ok(s) => s,
        Err(e) => return fail(report, e.to_string()),
    };
    // The keys exactly as `awsrun exec` / `export` would hand them out: a login session is
    // refreshed when due, a role is assumed.
    let global = crate::cli::Global {
        profile: explicit.map(str::to_string),
        region: None,
        debug: false,
    };
    let keys = match crate::export::keys(&global, env) {
        Ok(k) => k,
        Err(e) => return fail(report, e.to_string()),
    };
    let keys = &keys;
    let region = match &r.region {
        Ok(Some(reg)) => reg.value.clone(),
        _ => "us-east-1".to_string(),
    };
    let endpoint = sts::endpoint(env, &region);
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(report, format!("cannot start the network runtime: {e}")),
    };
    let id = match rt.block_on(sts::get_caller_identity(env, keys, &region, &endpoint)) {
        Ok(id) => id,
        Err(e) => return fail(report, e.to_string()),
    };
    let skew = id.server_date.map(|d| {
        let now = SystemTime::now();
        match now.duration_since(d) {
            Ok(ahead) => ahead.as_secs() as i64,
            Err(behind) => -(behind.duration().as_secs() as i64),
        }
    });
    if let Some(s) = skew.filter(|s| s.abs() > MAX_SKEW_SECONDS) {
        report.findings.push(
            Finding::new("clock-skew", Severity::Error, Family::Online)
                .what(format!(
                    "This machine's clock is {} s {} AWS's.",
                    s.abs(),
                    if s > 0 { "ahead of" } else { "behind" }
                ))
                .why("AWS rejects SigV4-signed requests more than 5 minutes off (SignatureDoesNotMatch / RequestExpired), and credentials look expired too early or too late.")
                .at(format!("Date header from {endpoint}"))
                .fix("sudo timedatectl set-ntp true    # or sync the clock with your OS's time service")
                .facts(json!({"clock_skew_seconds": s})),
        );
    }
    report.online = Some(json!({
        "profile": name,
        "method": src.method.as_str(),
        "endpoint": endpoint,
        "identity": {"account": id.account, "arn": id.arn, "user_id": id.user_id},
        "clock_skew_seconds": skew,
    }));
}
