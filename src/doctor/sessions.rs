//! Login sessions: the cache file each login profile needs (SPEC §8), whether it loads, whether
//! its DPoP key is usable, whether the session is probably over, and cache files nothing uses.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::json;

use super::{Ctx, Family, Finding, Severity};
use crate::cache::{cache_dir, cache_file_name, cache_path, Cache};

pub(super) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let mut seen: Vec<&str> = Vec::new();
    for (name, r) in &ctx.checked {
        // The profile and the source profiles its role is assumed from: a login session
        // anywhere in that chain must work.
        let mut p = name.as_str();
        while !seen.contains(&p) {
            seen.push(p);
            if let Some(s) = ctx.files.get(p, "login_session") {
                session_cache(ctx, p, s.text(), &ctx.files.locate(&s), out);
            }
            match ctx.files.get(p, "source_profile") {
                Some(sp) if ctx.files.has(p, "role_arn") => p = sp.text(),
                _ => break,
            }
        }
        let Some(s) = ctx.files.get(name, "login_session") else {
            continue;
        };
        let at = ctx.files.locate(&s);
        if matches!(r.region, Ok(None)) {
            out.push(
                Finding::new("login-no-region", Severity::Warning, Family::Sessions)
                    .profile(name)
                    .what(format!("The login profile \"{name}\" has no region."))
                    .why("Refreshing a login session calls the sign-in endpoint of the profile's region: without one botocore and the CLI fail with NoRegionError once the 15-minute credentials run out (unless the cache names its signInRegion), and every AWS call needs a region anyway.")
                    .at(at.clone())
                    .fix(format!("aws configure set region <REGION> --profile {}", super::Ctx::quote(name))),
            );
        }
    }
    orphans(ctx, out);
}

fn login_fix(name: &str) -> String {
    format!("awsrun login -p {}", super::Ctx::quote(name))
}

fn session_cache(ctx: &Ctx<'_>, name: &str, session: &str, at: &str, out: &mut Vec<Finding>) {
    let path = cache_path(ctx.env, session);
    let shown = path.display().to_string();
    let broken = |id: &'static str, what: String| {
        Finding::new(id, Severity::Error, Family::Sessions)
            .profile(name)
            .what(what)
            .why("The AWS CLI, botocore and awsrun cannot get credentials for this profile: every command fails until you sign in again.")
            .at(shown.clone())
            .fix(login_fix(name))
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            out.push(
                broken(
                    "login-no-cache",
                    format!("\"{name}\" has login_session ({at}) but there is no cached session for it."),
                )
                .facts(json!({"cache": shown})),
            );
            return;
        }
        Err(e) => {
            out.push(broken(
                "cache-unreadable",
                format!("The login cache file cannot be read: {e}."),
            ));
            return;
        }
    };
    if let Err(e) = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes) {
        out.push(broken(
            "cache-unreadable",
            format!(
                "The login cache file is not a JSON object (line {}, column {}).",
                e.line(),
                e.column()
            ),
        ));
        return;
    }
    let cache = match Cache::load(&path, session).and_then(|c| c.keys().map(|_| c)) {
        Ok(c) => c,
        Err(e) => {
            out.push(broken(
                "cache-incomplete",
                format!("The login cache file is incomplete: {e}"),
            ));
            return;
        }
    };
    let pem = cache.str("dpopKey").unwrap_or("");
    if crate::jose::DpopKey::from_pem(pem).is_none() {
        out.push(
            broken(
                "dpop-key-invalid",
                "The login cache's dpopKey is not a PEM EC P-256 private key (SEC1).".to_string(),
            )
            .why("Every refresh must be signed with this key: botocore (awscrt: malformed ASN.1), the CLI and awsrun fail as soon as the 15-minute credentials expire."),
        );
    }
    let Some(iat) = cache
        .str("idToken")
        .and_then(crate::session::id_token_issued_at)
    else {
        return;
    };
    let length = crate::session::session_seconds(ctx.files, name, ctx.env)
        .unwrap_or(crate::session::DEFAULT_SESSION_SECONDS);
    let end = iat + length;
    if end < ctx.now {
        out.push(
            Finding::new("session-ended", Severity::Warning, Family::Sessions)
                .profile(name)
                .what(format!(
                    "The login session of \"{name}\" began {} and has probably ended at {} ({}h after sign-in).",
                    crate::time::iso8601_z(iat),
                    crate::time::iso8601_z(end),
                    length / 3600
                ))
                .why("Sign-in sessions last at most the principal's session duration (12 h by default): the next refresh will be refused with TOKEN_EXPIRED and every tool will ask you to log in again.")
                .at(shown)
                .fix(login_fix(name))
                .facts(json!({"began": crate::time::iso8601_z(iat), "ends": crate::time::iso8601_z(end)})),
        );
    }
}

fn orphans(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let used: BTreeSet<String> = ctx
        .files
        .profile_names()
        .iter()
        .filter_map(|p| ctx.files.get(p, "login_session"))
        .map(|s| cache_file_name(s.text()))
        .collect();
    let dir = cache_dir(ctx.env);
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut names: Vec<String> = rd
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && !used.contains(n))
        .collect();
    names.sort();
    for n in names {
        let path = dir.join(&n);
        let who = session_of(&path)
            .map(|s| format!(" (account {s})"))
            .unwrap_or_default();
        out.push(
            Finding::new("orphan-cache", Severity::Info, Family::Sessions)
                .what(format!(
                    "The login cache file {n}{who} belongs to no profile's login_session."
                ))
                .why("No tool will use it, but it still holds a refresh token that can mint credentials until the session ends.")
                .at(path.display().to_string())
                .fix(format!("rm {}", shell_words::quote(&path.to_string_lossy()))),
        );
    }
}

/// The account a cache file is for, to help the user recognise it (not secret).
fn session_of(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("accessToken")?
        .get("accountId")?
        .as_str()
        .map(str::to_string)
}
