//! `awsrun logout`: delete the profile's cached session (the profile stays in the config), or
//! with `--all` every cache file that holds login credentials, as `aws logout` does.

use std::path::Path;

use serde_json::Value;

use crate::awsfiles::Files;
use crate::cache;
use crate::cli::{Global, LogoutArgs};
use crate::env::Env;
use crate::error::{Error, Kind, Result};

pub fn run(args: &LogoutArgs, global: &Global, env: &Env) -> i32 {
    let r = if args.all {
        logout_all(env)
    } else {
        logout_profile(global, env)
    };
    match r {
        Ok(()) => 0,
        Err(e) => crate::app::report(e, 1),
    }
}

fn logout_profile(global: &Global, env: &Env) -> Result<()> {
    let profile = super::login::profile_name(global, env)?;
    let files = Files::load(env)?;
    let Some(session) = files
        .get(&profile, "login_session")
        .map(|s| s.text().to_string())
    else {
        eprintln!("warning: no login session found for profile '{profile}'");
        return Ok(());
    };
    let path = cache::cache_path(env, &session);
    remove(&path)?;
    println!(
        "Removed cached login credentials for profile '{profile}'. Note, any local developer tools that have already loaded the access token may continue to use it until its expiration. Access tokens expire in 15 minutes."
    );
    Ok(())
}

fn logout_all(env: &Env) -> Result<()> {
    let dir = cache::cache_dir(env);
    let mut count = 0usize;
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => Some(e),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(Error::new(
                Kind::Io,
                format!(
                    "Unable to list the login cache directory {}: {e}",
                    dir.display()
                ),
            ))
        }
    };
    for entry in entries.into_iter().flatten().flatten() {
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let holds_login = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .is_some_and(|v| {
                v.get("accessToken")
                    .and_then(Value::as_object)
                    .is_some_and(|a| a.contains_key("accessKeyId"))
            });
        if holds_login {
            remove(&path)?;
            count += 1;
        }
    }
    if count > 0 {
        let plural = if count == 1 { "" } else { "s" };
        println!(
            "Removed {count} cached login credential{plural}. Note, any local developer tools that have already loaded access tokens may continue to use them until their expiration. Access tokens expire in 15 minutes."
        );
    } else {
        println!("No cached login session tokens found.");
    }
    Ok(())
}

fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::new(
            Kind::Io,
            format!(
                "Unable to delete the login cache file {}: {e}",
                path.display()
            ),
        )),
    }
}
