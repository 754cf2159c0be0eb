//! Precedence: what actually wins, when that is not what the user set up. Every claim here is
//! made from [`crate::profile::resolve`] and is held against botocore by the tests.

use serde_json::json;

use super::{chosen_by_env, Ctx, Family, Finding, Severity};
use crate::error::Kind;
use crate::profile::{Method, ProfileFrom, Resolution, Source, Where};

pub(super) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for (name, r) in &ctx.checked {
        resolution_errors(name, r, out);
        env_keys(ctx, name, r, out);
        env_web_identity(name, r, out);
        credentials_file_shadows(ctx, name, r, out);
        mixed_with_login(ctx, name, r, out);
    }
    metadata_vars(ctx, out);
    profile_vars(ctx, out);
    region_vars(ctx, out);
    token_vars(ctx, out);
}

fn q(s: &str) -> String {
    super::Ctx::quote(s)
}

/// The profile's own sources in chain order (the winner first when it is one of them):
/// everything but the environment and machine sources.
fn own_sources<'r>(r: &'r Resolution, name: &str) -> Vec<&'r Source> {
    let winner = match &r.credentials {
        Ok(Some(w)) => Some(w),
        _ => None,
    };
    winner
        .into_iter()
        .chain(r.shadowed.iter())
        .filter(|s| s.profile == name && !matches!(s.at, Where::Env(_)))
        .collect()
}

fn winner(r: &Resolution) -> Option<&Source> {
    match &r.credentials {
        Ok(Some(w)) => Some(w),
        _ => None,
    }
}

fn resolution_errors(name: &str, r: &Resolution, out: &mut Vec<Finding>) {
    let Err(e) = &r.credentials else { return };
    match e.kind {
        Kind::ProfileNotFound => {
            let var = chosen_by_env(r).unwrap_or("--profile");
            out.push(
                Finding::new("profile-not-found", Severity::Error, Family::Precedence)
                    .profile(name)
                    .what(format!("The profile \"{name}\" is selected but defined in neither file."))
                    .why(format!(
                        "The AWS CLI and every SDK stop with \"{e}\", even when keys are exported."
                    ))
                    .at(if var == "--profile" { var.to_string() } else { format!("{var}={name}") })
                    .fix(if var == "--profile" {
                        "Pick a profile from `awsrun profiles`.".to_string()
                    } else {
                        format!("unset {var}    # or: awsrun login -p {}", q(name))
                    }),
            );
        }
        // Login cache problems are reported, more precisely, by the sessions checks.
        Kind::Login => {}
        _ => out.push(
            Finding::new("credentials-error", Severity::Error, Family::Precedence)
                .profile(name)
                .what(format!("Resolving credentials for \"{name}\" fails: {e}"))
                .why("The credential chain stops at the first provider that raises: no tool falls through to a later source.")
                .at(format!("profile {name}"))
                .fix(format!("Fix the profile's settings (`awsrun list -p {}` shows them).", q(name))),
        ),
    }
}

fn env_keys(ctx: &Ctx<'_>, name: &str, r: &Resolution, out: &mut Vec<Finding>) {
    let Some(w) = winner(r) else { return };
    if w.method != Method::Env || r.profile.from == ProfileFrom::Explicit {
        return;
    }
    let own = own_sources(r, name);
    let Some(beaten) = own.first() else { return };
    let theirs: Vec<String> = own
        .iter()
        .map(|s| format!("{} at {}", s.method.as_str(), s.at))
        .collect();
    let (severity, chosen) = match chosen_by_env(r) {
        Some(var) => (Severity::Error, format!("{var} selects \"{name}\"")),
        None => (
            Severity::Warning,
            format!("\"{name}\" is the default profile"),
        ),
    };
    let mut unset = vec!["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
    for v in ["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"] {
        if ctx.env.get(v).is_some() {
            unset.push(v);
        }
    }
    out.push(
        Finding::new("env-keys-beat-profile", severity, Family::Precedence)
            .profile(name)
            .what(format!(
                "{chosen}, but the exported AWS_ACCESS_KEY_ID is used instead of the profile's credentials ({}).",
                theirs.join("; ")
            ))
            .why("The AWS CLI, botocore/boto3 and the other SDKs take environment keys before any profile unless the profile is named with --profile; choosing it with AWS_PROFILE does not.")
            .at(w.at.to_string())
            .fix(format!("unset {}", unset.join(" ")))
            .facts(json!({"method": "env", "profile": name, "beaten": beaten.method.as_str()})),
    );
}

fn env_web_identity(name: &str, r: &Resolution, out: &mut Vec<Finding>) {
    let Some(w) = winner(r) else { return };
    if w.method != Method::WebIdentity || !matches!(w.at, Where::Env(_)) {
        return;
    }
    let own = own_sources(r, name);
    let Some(beaten) = own.first() else { return };
    out.push(
        Finding::new("env-web-identity", Severity::Error, Family::Precedence)
            .profile(name)
            .what(format!(
                "AWS_WEB_IDENTITY_TOKEN_FILE is exported, so every tool assumes AWS_ROLE_ARN with it instead of using \"{name}\"'s {} credentials ({}).",
                beaten.method.as_str(),
                beaten.at
            ))
            .why("Web identity from the environment ranks above sso, the credentials file, login and credential_process in the CLI and botocore (only --profile turns the environment part off).")
            .at(w.at.to_string())
            .fix("unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN AWS_ROLE_SESSION_NAME")
            .facts(json!({"method": "assume-role-with-web-identity", "profile": name, "beaten": beaten.method.as_str()})),
    );
}

fn credentials_file_shadows(ctx: &Ctx<'_>, name: &str, r: &Resolution, out: &mut Vec<Finding>) {
    let own = own_sources(r, name);
    let Some(first) = own.first() else { return };
    let f = ctx.files;
    let Some(key) = f.credentials_get(name, "aws_access_key_id") else {
        return;
    };
    let key_at = f.locate(&key);
    let lines = f
        .credentials_section(name)
        .map(|s| super::key_lines(s, &super::KEY_SETTINGS))
        .unwrap_or_else(|| key.line.to_string());
    match first.method {
        Method::SharedCredentialsFile => {
            let Some(beaten) = own
                .iter()
                .find(|s| matches!(s.method, Method::Login | Method::CustomProcess))
            else {
                return;
            };
            out.push(
                Finding::new("credentials-file-shadows-profile", Severity::Error, Family::Precedence)
                    .profile(name)
                    .what(format!(
                        "[{name}] in the credentials file has keys, and they beat the profile's {} ({}).",
                        beaten.method.as_str(),
                        beaten.at
                    ))
                    .why("The AWS CLI and botocore read credentials-file keys before login_session and credential_process: the profile runs with the old keys.")
                    .at(key_at)
                    .fix(format!(
                        "Delete lines {lines} of {} (the keys of [{name}]).",
                        f.credentials.shown
                    ))
                    .facts(json!({"method": "shared-credentials-file", "profile": name, "beaten": beaten.method.as_str()})),
            );
        }
        Method::Sso | Method::AssumeRole => {
            // A role profile that sources itself uses its own keys on purpose.
            if first.method == Method::AssumeRole
                && f.get(name, "source_profile").map(|s| s.text()) == Some(name)
            {
                return;
            }
            out.push(
                Finding::new("dead-credentials-keys", Severity::Warning, Family::Precedence)
                    .profile(name)
                    .what(format!(
                        "[{name}] in the credentials file has keys, but the profile is an {} profile ({}), which ranks first.",
                        first.method.as_str(),
                        first.at
                    ))
                    .why(format!(
                        "The AWS CLI and botocore use {} and never these keys; they stay on disk as long-lived secrets, and removing the {} settings later silently switches the profile to them.",
                        first.method.as_str(),
                        first.method.as_str()
                    ))
                    .at(key_at)
                    .fix(format!(
                        "Delete lines {lines} of {} (the keys of [{name}]).",
                        f.credentials.shown
                    ))
                    .facts(json!({"method": first.method.as_str(), "profile": name, "beaten": "shared-credentials-file"})),
            );
        }
        _ => {}
    }
}

fn mixed_with_login(ctx: &Ctx<'_>, name: &str, r: &Resolution, out: &mut Vec<Finding>) {
    let own = own_sources(r, name);
    let Some(first) = own.first() else { return };
    if !matches!(
        first.method,
        Method::AssumeRole | Method::Sso | Method::WebIdentity
    ) {
        return;
    }
    let Some(login) = own.iter().find(|s| s.method == Method::Login) else {
        return;
    };
    let keys: &[&str] = match first.method {
        Method::AssumeRole => &[
            "role_arn",
            "source_profile",
            "credential_source",
            "role_session_name",
            "external_id",
            "mfa_serial",
            "duration_seconds",
        ],
        Method::WebIdentity => &["web_identity_token_file", "role_arn", "role_session_name"],
        _ => &[
            "sso_session",
            "sso_start_url",
            "sso_region",
            "sso_account_id",
            "sso_role_name",
        ],
    };
    let f = ctx.files;
    let lines = match &first.at {
        Where::File { which, shown, .. } => {
            let section = match which {
                crate::awsfiles::Which::Config => f.config_section(name),
                crate::awsfiles::Which::Credentials => f.credentials_section(name),
            };
            let l = section
                .map(|s| super::key_lines(s, keys))
                .unwrap_or_default();
            format!("lines {l} of {shown}")
        }
        other => other.to_string(),
    };
    let use_login = format!("to use the login session, delete {lines}");
    let fix = match first.method {
        Method::AssumeRole => format!(
            "To assume the role with the login session, move login_session ({}) to its own profile: `awsrun login -p {}-login`, then set `source_profile = {name}-login` here; {use_login}.",
            login.at,
            q(name)
        ),
        _ => format!(
            "To keep {}, delete the login_session line ({}); {use_login}.",
            first.method.as_str(),
            login.at
        ),
    };
    out.push(
        Finding::new("login-session-mixed", Severity::Error, Family::Precedence)
            .profile(name)
            .what(format!(
                "\"{name}\" has login_session ({}) and also {} settings ({}), which rank first.",
                login.at,
                first.method.as_str(),
                first.at
            ))
            .why(format!(
                "The AWS CLI and botocore use {} for this profile and never its login session; `aws login` refuses such a profile.",
                first.method.as_str()
            ))
            .at(first.at.to_string())
            .fix(fix)
            .facts(json!({"method": first.method.as_str(), "profile": name, "beaten": "login"})),
    );
}

const CONTAINER_VARS: [&str; 5] = [
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
];

/// Set by `awsrun exec` in the programs it starts, which get their credentials this way.
const AWSRUN_CHILD_VAR: &str = "AWSRUN_PROFILE";

fn metadata_vars(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    if ctx.env.get(AWSRUN_CHILD_VAR).is_some() {
        return;
    }
    // With instance metadata disabled its endpoint variable is harmless.
    let imds_off = ctx
        .env
        .get("AWS_EC2_METADATA_DISABLED")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let set: Vec<&str> = CONTAINER_VARS
        .into_iter()
        .filter(|v| ctx.env.get(v).is_some())
        .filter(|v| !(imds_off && v.starts_with("AWS_EC2_METADATA")))
        .collect();
    if set.is_empty() {
        return;
    }
    let container = set
        .iter()
        .any(|v| v.starts_with("AWS_CONTAINER_CREDENTIALS"));
    let imds = set.iter().any(|v| v.starts_with("AWS_EC2_METADATA"));
    // An authorization token without a URI does nothing by itself: it is only a left-over.
    let method = match (container, imds) {
        (true, _) => Some(Method::ContainerRole),
        (false, true) => Some(Method::IamRole),
        _ => None,
    };
    // A checked profile that actually falls through to it, to make the claim concrete.
    let falls = ctx
        .checked
        .iter()
        .find(|(_, r)| match method {
            Some(Method::ContainerRole) => {
                winner(r).is_some_and(|w| w.method == Method::ContainerRole)
            }
            Some(_) => matches!(r.credentials, Ok(None)),
            None => false,
        })
        .map(|(n, _)| n.clone());
    let effect = match method {
        Some(m) => format!(
            "the AWS CLI and every SDK fall back to that endpoint ({}) for any profile without credentials of its own{}, instead of saying there are none",
            m.as_str(),
            falls.as_deref().map(|p| format!(" (here: \"{p}\")")).unwrap_or_default()
        ),
        None => "the next tool that also finds a container credentials URI sends this token to it"
            .to_string(),
    };
    out.push(
        Finding::new(
            "metadata-vars-in-shell",
            Severity::Warning,
            Family::Precedence,
        )
        .what(format!(
            "{} {} set in this shell.",
            set.join(", "),
            if set.len() == 1 { "is" } else { "are" }
        ))
        .why(format!(
            "Outside a container these are left-overs: {effect}."
        ))
        .at(set.join(", "))
        .fix(format!("unset {}", set.join(" ")))
        .facts(json!({"method": method.map(Method::as_str), "profile": falls})),
    );
}

fn profile_vars(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let (Some(cli), Some(boto)) = (
        ctx.env.get("AWS_PROFILE"),
        ctx.env.get("AWS_DEFAULT_PROFILE"),
    ) else {
        return;
    };
    if cli == boto {
        return;
    }
    out.push(
        Finding::new("profile-vars-disagree", Severity::Warning, Family::Precedence)
            .what(format!(
                "AWS_PROFILE is \"{cli}\" but AWS_DEFAULT_PROFILE is \"{boto}\"."
            ))
            .why(format!(
                "The AWS CLI (and awsrun) use AWS_PROFILE (\"{cli}\"); botocore/boto3 read AWS_DEFAULT_PROFILE first and use \"{boto}\": scripts and the CLI act on different accounts."
            ))
            .at("AWS_PROFILE, AWS_DEFAULT_PROFILE")
            .fix("unset AWS_DEFAULT_PROFILE")
            .facts(json!({"cli_profile": cli, "botocore_profile": boto})),
    );
}

fn region_vars(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let Some(cli) = ctx.env.get("AWS_REGION") else {
        return;
    };
    // botocore: its own profile order, and no AWS_REGION.
    let boto_profile = ctx
        .explicit
        .or_else(|| ctx.env.get("AWS_DEFAULT_PROFILE"))
        .or_else(|| ctx.env.get("AWS_PROFILE"))
        .unwrap_or("default");
    let (boto, boto_from) = match ctx.env.get("AWS_DEFAULT_REGION") {
        Some(v) => (Some(v.to_string()), "AWS_DEFAULT_REGION".to_string()),
        None => match ctx.files.get(boto_profile, "region") {
            Some(s) => (Some(s.text().to_string()), ctx.files.locate(&s)),
            None => (None, format!("no region in profile \"{boto_profile}\"")),
        },
    };
    if boto.as_deref() == Some(cli) {
        return;
    }
    let shown = boto.as_deref().unwrap_or("no region at all");
    out.push(
        Finding::new("region-vars-disagree", Severity::Warning, Family::Precedence)
            .what(format!(
                "AWS_REGION is \"{cli}\" but botocore's region is \"{shown}\" ({boto_from})."
            ))
            .why(format!(
                "The AWS CLI (and awsrun) use AWS_REGION; botocore/boto3 ignore it and use {}: the CLI and Python scripts act in different regions.",
                if boto.is_some() { format!("\"{shown}\"") } else { "none (NoRegionError)".to_string() }
            ))
            .at(format!("AWS_REGION, {boto_from}"))
            .fix(format!("export AWS_DEFAULT_REGION={cli}"))
            .facts(json!({"cli_region": cli, "botocore_region": boto})),
    );
}

fn token_vars(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let (Some(sec), Some(ses)) = (
        ctx.env.non_empty("AWS_SECURITY_TOKEN"),
        ctx.env.non_empty("AWS_SESSION_TOKEN"),
    ) else {
        return;
    };
    let same = sec == ses;
    out.push(
        Finding::new(
            "security-token-beside-session-token",
            if same { Severity::Info } else { Severity::Warning },
            Family::Precedence,
        )
        .what(format!(
            "Both AWS_SECURITY_TOKEN and AWS_SESSION_TOKEN are set{}.",
            if same { " (to the same value)" } else { ", to different values" }
        ))
        .why("botocore and the AWS CLI take AWS_SECURITY_TOKEN first: once new keys are exported with a new AWS_SESSION_TOKEN, the stale AWS_SECURITY_TOKEN is still sent and every call fails.")
        .at("AWS_SECURITY_TOKEN, AWS_SESSION_TOKEN")
        .fix("unset AWS_SECURITY_TOKEN")
        .facts(json!({"token_from": "AWS_SECURITY_TOKEN"})),
    );
}
