//! `awsrun list`: the five lines of `aws configure list` byte for byte (SPEC §5), then what is
//! shadowed, and `awsrun profiles` (`aws configure list-profiles`).
//!
//! JSON form (`--json`), one object:
//! ```text
//! { "profile":   {"name", "type", "location"},            // the CLI's TYPE/LOCATION words
//!   "credentials": null | {"method", "access_key", "secret_key",   // masked like the CLI
//!                  "fetched": bool,                        // false: keys need a call to AWS
//!                  "profile", "defined_at", "via": <same shape, the assume-role source>},
//!   "region":    null | {"value", "type", "location", "defined_at"},
//!   "shadowed":  [{"what", "value", "defined_at", "beaten_by"}],
//!   "error":     null | {"kind", "message"} }
//! ```

use std::io::Write;

use serde_json::{json, Value};

use crate::awsfiles::Files;
use crate::credentials::mask;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::profile::{self, region::RegionFrom, Options, ProfileFrom, Resolution, Source};

/// The exit code `aws configure list` uses for every error.
pub const EXIT_ERROR: i32 = 255;

fn row(name: &str, value: &str, kind: &str, location: &str) -> String {
    format!("{name:<10} : {value:<24} : {kind:<16} : {location}\n")
}

pub fn profile_columns(r: &Resolution) -> (String, &'static str, &'static str) {
    match r.profile.from {
        ProfileFrom::Explicit => (r.profile.name.clone(), "manual", "--profile"),
        ProfileFrom::Env(_) => (
            r.profile.name.clone(),
            "env",
            "['AWS_PROFILE', 'AWS_DEFAULT_PROFILE']",
        ),
        ProfileFrom::Default => ("<not set>".into(), "None", "None"),
    }
}

/// What beat what, one line each: credentials sources, then region settings, then profile
/// choices.
pub fn shadowed_lines(r: &Resolution) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    if let Ok(Some(w)) = &r.credentials {
        let winner = format!("{} ({})", w.method.as_str(), w.at);
        for s in &r.shadowed {
            out.push((
                "credentials".into(),
                s.method.as_str().to_string(),
                s.at.to_string(),
                winner.clone(),
            ));
        }
    }
    if let Ok(Some(reg)) = &r.region {
        let winner = match &reg.from {
            RegionFrom::Flag => "--region".to_string(),
            RegionFrom::Env(v) => v.to_string(),
            RegionFrom::File(w) => w.to_string(),
        };
        for (at, value) in &reg.shadowed {
            out.push((
                "region".into(),
                value.clone(),
                at.to_string(),
                format!("{} ({winner})", reg.value),
            ));
        }
    }
    let winner = match r.profile.from {
        ProfileFrom::Explicit => "--profile",
        ProfileFrom::Env(v) => v,
        ProfileFrom::Default => "",
    };
    for (var, value) in &r.profile.shadowed {
        out.push((
            "profile".into(),
            value.clone(),
            var.to_string(),
            format!("{} ({winner})", r.profile.name),
        ));
    }
    out
}

/// The text `awsrun list` prints on stdout, and the error that ended it, if any.
pub fn render(r: &Resolution, files: &Files) -> (String, Option<Error>) {
    let mut out = row("NAME", "VALUE", "TYPE", "LOCATION");
    let (name, kind, loc) = profile_columns(r);
    out.push_str(&row("profile", &name, kind, loc));
    let creds = match &r.credentials {
        Err(e) => return (out, Some(e.clone())),
        Ok(c) => c,
    };
    match creds {
        Some(s) => {
            let (ak, sk) = match &s.keys {
                Some(k) => (mask(&k.access_key_id), mask(&k.secret_access_key)),
                None => ("<not fetched>".into(), "<not fetched>".into()),
            };
            out.push_str(&row("access_key", &ak, s.method.as_str(), ""));
            out.push_str(&row("secret_key", &sk, s.method.as_str(), ""));
        }
        None => {
            out.push_str(&row("access_key", "<not set>", "None", "None"));
            out.push_str(&row("secret_key", "<not set>", "None", "None"));
        }
    }
    match &r.region {
        Err(e) => return (out, Some(e.clone())),
        Ok(Some(reg)) => {
            let (kind, loc) = reg.list_columns(files);
            out.push_str(&row("region", &reg.value, kind, &loc));
        }
        Ok(None) => out.push_str(&row("region", "<not set>", "None", "None")),
    }
    let shadowed = shadowed_lines(r);
    if !shadowed.is_empty() {
        out.push('\n');
        for (what, value, at, beaten) in shadowed {
            let label = format!("{what} {value}");
            out.push_str(&format!(
                "{:<10} : {label:<24} : {at:<16} : beaten by {beaten}\n",
                "shadowed"
            ));
        }
    }
    (out, None)
}

fn source_json(s: &Source) -> Value {
    let (ak, sk) = match &s.keys {
        Some(k) => (
            json!(mask(&k.access_key_id)),
            json!(mask(&k.secret_access_key)),
        ),
        None => (Value::Null, Value::Null),
    };
    json!({
        "method": s.method.as_str(),
        "access_key": ak,
        "secret_key": sk,
        "fetched": s.keys.is_some(),
        "profile": if s.profile.is_empty() { Value::Null } else { json!(s.profile) },
        "defined_at": s.at.to_string(),
        "via": s.via.as_deref().map(source_json).unwrap_or(Value::Null),
    })
}

pub fn to_json(r: &Resolution, files: &Files) -> Value {
    let (name, kind, loc) = profile_columns(r);
    let credentials = match &r.credentials {
        Ok(Some(s)) => source_json(s),
        _ => Value::Null,
    };
    let region = match &r.region {
        Ok(Some(reg)) => {
            let (kind, loc) = reg.list_columns(files);
            let defined_at = match &reg.from {
                RegionFrom::Flag => "--region".to_string(),
                RegionFrom::Env(v) => v.to_string(),
                RegionFrom::File(w) => w.to_string(),
            };
            json!({"value": reg.value, "type": kind, "location": loc, "defined_at": defined_at})
        }
        _ => Value::Null,
    };
    let error = match (&r.credentials, &r.region) {
        (Err(e), _) | (_, Err(e)) => json!({"kind": e.kind.as_str(), "message": e.message}),
        _ => Value::Null,
    };
    let shadowed: Vec<Value> = shadowed_lines(r)
        .into_iter()
        .map(|(what, value, at, beaten)| json!({"what": what, "value": value, "defined_at": at, "beaten_by": beaten}))
        .collect();
    json!({
        "profile": {"name": name, "type": kind, "location": loc},
        "credentials": credentials,
        "region": region,
        "shadowed": shadowed,
        "error": error,
    })
}

/// `awsrun list`.
pub fn run(env: &Env, explicit: Option<&str>, region: Option<&str>, as_json: bool) -> i32 {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let files = match Files::load(env) {
        Ok(f) => f,
        Err(e) => return fail(&e, as_json, &mut out),
    };
    let opts = Options {
        run_process: true,
        region_override: region.map(str::to_string),
    };
    let r = match profile::resolve(env, &files, explicit, &opts) {
        Ok(r) => r,
        Err(e) => return fail(&e, as_json, &mut out),
    };
    if as_json {
        let v = to_json(&r, &files);
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        );
        return if v["error"].is_null() { 0 } else { EXIT_ERROR };
    }
    let (text, err) = render(&r, &files);
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    match err {
        Some(e) => {
            eprintln!("\nawsrun: [ERROR]: {e}");
            EXIT_ERROR
        }
        None => 0,
    }
}

fn fail(e: &Error, as_json: bool, out: &mut impl Write) -> i32 {
    if as_json {
        let v = json!({"profile": null, "credentials": null, "region": null, "shadowed": [], "error": {"kind": e.kind.as_str(), "message": e.message}});
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        );
    } else {
        eprintln!("\nawsrun: [ERROR]: {e}");
    }
    EXIT_ERROR
}

/// `awsrun profiles`.
pub fn profiles(env: &Env) -> Result<String> {
    let files = Files::load(env)?;
    let mut s = String::new();
    for n in files.profile_names() {
        s.push_str(&n);
        s.push('\n');
    }
    Ok(s)
}
