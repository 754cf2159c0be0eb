//! `awsrun [exec] -p P [--] CMD...`: run a command with the profile's credentials, kept fresh for
//! the whole session.
//!
//! Two deliveries. **Server mode** (default when the keys expire): awsrun stays as the parent
//! and serves the keys from a loopback container-credentials endpoint, renewing them ahead of
//! expiry; nothing secret is in the child's environment. **Env mode** (default for keys that
//! never expire, or `--env`): the keys go into the environment and awsrun becomes the command.

pub mod child;
pub mod child_config;
pub mod environment;

use std::sync::Arc;

use crate::awsfiles::Files;
use crate::cli::{ExecOpts, Global};
use crate::credentials::live::{Fetcher, Live};
use crate::credentials::Keys;
use crate::env::Env;
use crate::error::{Error, Kind, Result};
use crate::profile::{self, Method, Options, Resolution};
use environment::{PROFILE_VAR, SESSION_EPOCH_VAR, SESSION_EXPIRATION_VAR};

/// Exit code for awsrun's own failures (before the command ran), as the AWS CLI uses.
pub const EXIT_AWSRUN: i32 = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Server,
    Env,
}

/// Everything decided before the command starts.
pub struct Plan {
    pub profile: String,
    pub mode: Mode,
    pub keys: Keys,
    pub live: Live,
    pub region: Option<String>,
    /// Estimated end of the login session (Unix seconds), for prompts.
    pub session_end: Option<i64>,
    pub files: Files,
}

pub fn run(global: &Global, opts: &ExecOpts, command: Vec<String>, env: &Env) -> i32 {
    match run_inner(global, opts, command, env) {
        Ok(code) => code,
        Err((e, code)) => {
            eprintln!("awsrun: error: {e}");
            code
        }
    }
}

fn run_inner(
    global: &Global,
    opts: &ExecOpts,
    command: Vec<String>,
    env: &Env,
) -> std::result::Result<i32, (Error, i32)> {
    let own = |e: Error| (e, EXIT_AWSRUN);
    if let (Some(p), false) = (env.get(PROFILE_VAR), opts.nested) {
        return Err(own(Error::new(
            Kind::Usage,
            format!("already inside an awsrun session for profile {p} ({PROFILE_VAR} is set); pass --nested to start another one inside it"),
        )));
    }
    let command = if command.is_empty() {
        vec![env.non_empty("SHELL").unwrap_or("/bin/sh").to_string()]
    } else {
        command
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| own(Error::new(Kind::Io, e.to_string())))?;
    let plan = prepare(global, opts, env, &rt).map_err(own)?;
    let mut set: Vec<(String, String)> = vec![(PROFILE_VAR.into(), plan.profile.clone())];
    if let Some(r) = &plan.region {
        set.push(("AWS_REGION".into(), r.clone()));
        set.push(("AWS_DEFAULT_REGION".into(), r.clone()));
    }
    if let Some(end) = plan.session_end {
        set.push((SESSION_EXPIRATION_VAR.into(), crate::time::iso8601_z(end)));
        set.push((SESSION_EPOCH_VAR.into(), end.to_string()));
    }
    let parent = std::env::vars_os();
    match plan.mode {
        Mode::Env => {
            set.push(("AWS_ACCESS_KEY_ID".into(), plan.keys.access_key_id.clone()));
            set.push((
                "AWS_SECRET_ACCESS_KEY".into(),
                plan.keys.secret_access_key.clone(),
            ));
            if let Some(t) = &plan.keys.session_token {
                set.push(("AWS_SESSION_TOKEN".into(), t.clone()));
            }
            if let Some(x) = &plan.keys.expiration {
                set.push(("AWS_CREDENTIAL_EXPIRATION".into(), x.clone()));
            }
            let child_env = environment::build(parent, &set);
            drop(rt);
            let (e, code) = child::exec_replace(&command, &child_env);
            Err((e, code))
        }
        Mode::Server => {
            let fetcher = Arc::new(
                Fetcher::new(plan.live.clone(), env.clone()).with_initial(plan.keys.clone()),
            );
            drop(rt);
            let endpoint = crate::server::start(fetcher).map_err(own)?;
            crate::debug!("credential server listening on {}", endpoint.url);
            set.push((
                "AWS_CONTAINER_CREDENTIALS_FULL_URI".into(),
                endpoint.url.clone(),
            ));
            set.push((
                "AWS_CONTAINER_AUTHORIZATION_TOKEN".into(),
                endpoint.token.clone(),
            ));
            // The child's SDK would use a `default` profile's own credentials before the
            // container endpoint: hand it files where that profile has none.
            let shadow = child_config::Neutralized::create(&plan.files).map_err(own)?;
            if let Some(n) = &shadow {
                crate::debug!("the default profile has its own credentials: the child gets copies without them");
                set.extend(n.env());
            }
            let child_env = environment::build(parent, &set);
            let running = child::spawn(&command, &child_env)?;
            let code = child::wait(running);
            drop(shadow);
            Ok(code)
        }
    }
}

/// Resolves the profile, picks the delivery and gets the first keys (so a broken session fails
/// before the command starts, not inside it).
pub fn prepare(
    global: &Global,
    opts: &ExecOpts,
    env: &Env,
    rt: &tokio::runtime::Runtime,
) -> Result<Plan> {
    let files = Files::load(env)?;
    let r = profile::resolve(
        env,
        &files,
        global.profile.as_deref(),
        &Options {
            run_process: false,
            region_override: global.region.clone(),
        },
    )?;
    let winner = r.winner_or_instance_metadata(env)?;
    crate::debug!(
        "profile {} ({:?}); credentials from {} at {}{}",
        r.profile.name,
        r.profile.from,
        winner.method.as_str(),
        winner.at,
        winner
            .via
            .as_deref()
            .map(|v| format!(
                ", assumed with {} at {}",
                v.root().method.as_str(),
                v.root().at
            ))
            .unwrap_or_default()
    );
    let live = Live::plan(&winner, env, &files)?;
    let mode = if opts.env {
        Mode::Env
    } else if opts.server || live.expires() {
        Mode::Server
    } else {
        Mode::Env
    };
    let fetcher = Fetcher::new(live.clone(), env.clone());
    let keys = rt.block_on(fetcher.get())?;
    crate::debug!(
        "delivery: {mode:?} mode; first keys {} expire {}",
        keys.access_key_id,
        keys.expiration.as_deref().unwrap_or("never")
    );
    let region = r.region.clone().ok().flatten().map(|reg| reg.value);
    Ok(Plan {
        profile: r.profile.name.clone(),
        mode,
        keys,
        live,
        region,
        session_end: session_end(env, &files, &r),
        files,
    })
}

/// The end of the login session at the root of the credentials, if there is one.
fn session_end(env: &Env, files: &Files, r: &Resolution) -> Option<i64> {
    let root = r.credentials.as_ref().ok()?.as_ref()?.root();
    if root.method != Method::Login {
        return None;
    }
    crate::session::session_end(files, &root.profile, env)
        .ok()
        .flatten()
}
