//! The credential provider chain (SPEC §3), a faithful port of botocore's resolver: the same
//! providers in the same order, the same "fires when" rules, the same errors with the same texts.
//! Each provider is split in two: `detect` (is it configured? cheap, never fails but for files
//! that cannot be parsed) and `load` (the keys, or the error that aborts the chain).

use std::time::Duration;

use super::{Method, Options, Source, Where};
use crate::awsfiles::{Files, Ini, Value, Which};
use crate::cache::{cache_path, Cache};
use crate::credentials::{process, Keys};
use crate::env::Env;
use crate::error::{Error, Kind, Result};

pub(crate) struct Ctx<'a> {
    pub env: &'a Env,
    pub files: &'a Files,
    pub opts: &'a Options,
    /// False when the profile was chosen explicitly: then neither the env provider nor the
    /// environment part of web identity takes part.
    pub env_enabled: bool,
}

type Detect = fn(&Ctx<'_>, &str) -> Result<Option<Source>>;

const CHAIN: [(Method, Detect); 11] = [
    (Method::Env, detect_env),
    (Method::AssumeRole, detect_assume_role),
    (Method::WebIdentity, detect_web_identity),
    (Method::Sso, detect_sso),
    (Method::SharedCredentialsFile, detect_shared_credentials),
    (Method::Login, detect_login),
    (Method::CustomProcess, detect_process),
    (Method::ConfigFile, detect_config_file),
    (Method::Ec2CredentialsFile, detect_ec2_credentials_file),
    (Method::BotoConfig, detect_boto),
    (Method::ContainerRole, detect_container),
];

/// Providers 3-8, the ones a source profile is resolved with.
const PROFILE_PROVIDERS: [Method; 6] = [
    Method::WebIdentity,
    Method::Sso,
    Method::SharedCredentialsFile,
    Method::Login,
    Method::CustomProcess,
    Method::ConfigFile,
];

const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs the whole chain for `profile`: the winner (or the error that aborts the chain) and
/// every lower-ranked source that is also configured.
pub(crate) fn run(ctx: &Ctx<'_>, profile: &str) -> (Result<Option<Source>>, Vec<Source>) {
    let mut winner: Option<Result<Option<Source>>> = None;
    let mut shadowed = Vec::new();
    for (_, detect) in CHAIN {
        match detect(ctx, profile) {
            Ok(Some(src)) if winner.is_none() => {
                let mut visited = vec![profile.to_string()];
                winner = Some(load(ctx, src, &mut visited).map(Some));
            }
            Ok(Some(src)) => shadowed.push(src),
            Ok(None) => {}
            Err(e) => {
                if winner.is_none() {
                    winner = Some(Err(e));
                }
            }
        }
    }
    (winner.unwrap_or(Ok(None)), shadowed)
}

fn load(ctx: &Ctx<'_>, mut src: Source, visited: &mut Vec<String>) -> Result<Source> {
    let f = ctx.files;
    let p = src.profile.clone();
    match src.method {
        Method::Env => src.keys = Some(env_keys(ctx.env)?),
        Method::AssumeRole => return assume_role(ctx, src, visited),
        Method::WebIdentity => {
            let role = config_value(ctx, &p, "role_arn", "AWS_ROLE_ARN");
            if role.as_deref().unwrap_or("").is_empty() {
                return Err(Error::invalid_config(
                    "The provided profile or the current environment is configured to assume role with web identity \
                     but has no role ARN configured. Ensure that the profile has the role_arnconfiguration set or the \
                     AWS_ROLE_ARN env var is set.",
                ));
            }
            src.detail = role;
        }
        Method::Sso => check_sso(ctx, &p)?,
        Method::SharedCredentialsFile => {
            src.keys = Some(file_keys(
                f,
                Which::Credentials,
                &p,
                "shared-credentials-file",
            )?)
        }
        Method::ConfigFile => src.keys = Some(file_keys(f, Which::Config, &p, "config-file")?),
        Method::Login => {
            let session = src.detail.clone().unwrap_or_default();
            let cache = Cache::load(&cache_path(ctx.env, &session), &session)?;
            src.keys = Some(cache.keys()?.into());
        }
        Method::CustomProcess => {
            if ctx.opts.run_process {
                let cmd = src.detail.clone().unwrap_or_default();
                src.keys = Some(process::run(&cmd, PROCESS_TIMEOUT)?);
            }
        }
        Method::Ec2CredentialsFile | Method::BotoConfig => {
            // Detection already read the keys: these files have nothing to defer.
        }
        Method::ContainerRole | Method::IamRole => {}
    }
    Ok(src)
}

fn err_partial(provider: &str, var: &str) -> Error {
    Error::new(
        Kind::PartialCredentials,
        format!("Partial credentials found in {provider}, missing: {var}"),
    )
}

// ---- 1. env -------------------------------------------------------------------------------

fn detect_env(ctx: &Ctx<'_>, _: &str) -> Result<Option<Source>> {
    if !ctx.env_enabled || ctx.env.non_empty("AWS_ACCESS_KEY_ID").is_none() {
        return Ok(None);
    }
    let mut vars = vec!["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
    if let Some(t) = token_var(ctx.env) {
        vars.push(t);
    }
    Ok(Some(Source::new(Method::Env, "", Where::Env(vars))))
}

fn token_var(env: &Env) -> Option<&'static str> {
    ["AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"]
        .into_iter()
        .find(|v| env.non_empty(v).is_some())
}

fn env_keys(env: &Env) -> Result<Keys> {
    let secret = env
        .non_empty("AWS_SECRET_ACCESS_KEY")
        .ok_or_else(|| err_partial("env", "AWS_SECRET_ACCESS_KEY"))?;
    Ok(Keys {
        access_key_id: env
            .non_empty("AWS_ACCESS_KEY_ID")
            .unwrap_or_default()
            .to_string(),
        secret_access_key: secret.to_string(),
        session_token: token_var(env).and_then(|v| env.get(v)).map(str::to_string),
        expiration: env
            .non_empty("AWS_CREDENTIAL_EXPIRATION")
            .map(str::to_string),
        account_id: env.non_empty("AWS_ACCOUNT_ID").map(str::to_string),
    })
}

// ---- 2. assume-role ---------------------------------------------------------------------

fn has_assume_role_vars(f: &Files, profile: &str) -> bool {
    f.has(profile, "role_arn") && !f.has(profile, "web_identity_token_file")
}

fn has_static(f: &Files, profile: &str) -> bool {
    f.has(profile, "aws_access_key_id") || f.has(profile, "aws_secret_access_key")
}

fn detect_assume_role(ctx: &Ctx<'_>, profile: &str) -> Result<Option<Source>> {
    let f = ctx.files;
    if !has_assume_role_vars(f, profile) {
        return Ok(None);
    }
    let s = f.get(profile, "role_arn").expect("checked");
    let mut src = Source::new(Method::AssumeRole, profile, Where::file(f, &s));
    src.detail = Some(s.text().to_string());
    Ok(Some(src))
}

const CREDENTIAL_SOURCES: [&str; 3] = ["Environment", "EcsContainer", "Ec2InstanceMetadata"];

/// Python's repr() of a list of strings, as InfiniteLoopConfigError prints it.
fn py_list(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| {
            if s.contains('\'') && !s.contains('"') {
                format!("\"{s}\"")
            } else {
                format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
            }
        })
        .collect();
    format!("[{}]", quoted.join(", "))
}

fn assume_role(ctx: &Ctx<'_>, mut src: Source, visited: &mut Vec<String>) -> Result<Source> {
    let f = ctx.files;
    let profile = src.profile.clone();
    let source_profile = f
        .get(&profile, "source_profile")
        .map(|s| s.text().to_string());
    let credential_source = f
        .get(&profile, "credential_source")
        .map(|s| s.text().to_string());
    let via = match (source_profile, credential_source) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid_config(format!(
                "The profile \"{profile}\" contains both source_profile and credential_source."
            )))
        }
        (None, None) => {
            return Err(err_partial(
                "assume-role",
                "source_profile or credential_source",
            ))
        }
        (None, Some(cs)) => {
            if !CREDENTIAL_SOURCES.contains(&cs.as_str()) {
                return Err(Error::invalid_config(format!(
                    "The credential source \"{cs}\" referenced in profile \"{profile}\" is not valid."
                )));
            }
            credential_source_keys(ctx, &cs, &profile)?
        }
        (Some(sp), None) => {
            if !f.has_profile(&sp) {
                return Err(Error::invalid_config(format!(
                    "The source_profile \"{sp}\" referenced in the profile \"{profile}\" does not exist."
                )));
            }
            if visited.contains(&sp) && (sp != profile || !has_static(f, &sp)) {
                return Err(Error::invalid_config(format!(
                    "Infinite loop in credential configuration detected. Attempting to load from profile {sp} which has \
                     already been visited. Visited profiles: {}",
                    py_list(visited)
                )));
            }
            visited.push(sp.clone());
            from_source_profile(ctx, &sp, visited)?
        }
    };
    src.via = Some(Box::new(via));
    Ok(src)
}

fn from_source_profile(ctx: &Ctx<'_>, profile: &str, visited: &mut Vec<String>) -> Result<Source> {
    let f = ctx.files;
    if has_static(f, profile) || !has_assume_role_vars(f, profile) {
        let sub = Ctx {
            env: ctx.env,
            files: f,
            opts: ctx.opts,
            env_enabled: false,
        };
        for (method, detect) in CHAIN {
            if !PROFILE_PROVIDERS.contains(&method) {
                continue;
            }
            if let Some(src) = detect(&sub, profile)? {
                return load(&sub, src, visited);
            }
        }
        return Err(Error::invalid_config(format!(
            "The source profile \"{profile}\" must have credentials."
        )));
    }
    let src = detect_assume_role(ctx, profile)?.expect("has assume-role vars");
    assume_role(ctx, src, visited)
}

fn credential_source_keys(ctx: &Ctx<'_>, name: &str, profile: &str) -> Result<Source> {
    let none = || {
        Error::new(
            Kind::CredentialRetrieval,
            format!("Error when retrieving credentials from {name}: No credentials found in credential_source referenced in profile {profile}"),
        )
    };
    match name {
        "Environment" => {
            let on = Ctx {
                env: ctx.env,
                files: ctx.files,
                opts: ctx.opts,
                env_enabled: true,
            };
            let src = detect_env(&on, profile)?.ok_or_else(none)?;
            load(&on, src, &mut Vec::new())
        }
        "EcsContainer" => detect_container(ctx, profile)?.ok_or_else(none),
        _ => {
            if imds_disabled(ctx.env) {
                return Err(none());
            }
            Ok(Source::new(Method::IamRole, "", Where::Imds))
        }
    }
}

pub(crate) fn imds_disabled(env: &Env) -> bool {
    env.get("AWS_EC2_METADATA_DISABLED")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

// ---- 3. web identity ----------------------------------------------------------------------

/// A web-identity setting: the environment variable (even empty) when the environment takes
/// part, else the profile's key.
fn config_value(ctx: &Ctx<'_>, profile: &str, key: &str, var: &str) -> Option<String> {
    if ctx.env_enabled {
        if let Some(v) = ctx.env.get(var) {
            return Some(v.to_string());
        }
    }
    ctx.files.get(profile, key).map(|s| s.text().to_string())
}

fn detect_web_identity(ctx: &Ctx<'_>, profile: &str) -> Result<Option<Source>> {
    let Some(path) = config_value(
        ctx,
        profile,
        "web_identity_token_file",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ) else {
        return Ok(None);
    };
    if path.is_empty() {
        return Ok(None);
    }
    let at = match ctx.files.get(profile, "web_identity_token_file") {
        Some(s) if !(ctx.env_enabled && ctx.env.get("AWS_WEB_IDENTITY_TOKEN_FILE").is_some()) => {
            Where::file(ctx.files, &s)
        }
        _ => Where::Env(vec!["AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"]),
    };
    Ok(Some(Source::new(Method::WebIdentity, profile, at)))
}

// ---- 4. sso -------------------------------------------------------------------------------

fn detect_sso(ctx: &Ctx<'_>, profile: &str) -> Result<Option<Source>> {
    let f = ctx.files;
    let Some(s) = f
        .get(profile, "sso_role_name")
        .or_else(|| f.get(profile, "sso_account_id"))
    else {
        return Ok(None);
    };
    let mut src = Source::new(Method::Sso, profile, Where::file(f, &s));
    src.detail = f
        .get(profile, "sso_start_url")
        .or_else(|| f.get(profile, "sso_session"))
        .map(|s| s.text().to_string());
    Ok(Some(src))
}

fn check_sso(ctx: &Ctx<'_>, profile: &str) -> Result<()> {
    let f = ctx.files;
    let mut extra: Vec<&str> = Vec::new();
    let mut from_session: Vec<(String, String)> = Vec::new();
    if let Some(name) = f.get(profile, "sso_session") {
        let name = name.text();
        let Some(section) = f.named_section("sso-session", name) else {
            return Err(Error::invalid_config(format!(
                "The specified sso-session does not exist: \"{name}\""
            )));
        };
        for e in f.config.ini.options(section) {
            let v = e.value.as_text().unwrap_or("").to_string();
            if let Some(pv) = f.get(profile, &e.key) {
                if !same_value(pv.value, &e.value) {
                    return Err(Error::invalid_config(format!(
                        "The value for {} is inconsistent between profile ({}) and sso-session ({}).",
                        e.key,
                        py_value(pv.value),
                        py_value(&e.value)
                    )));
                }
            }
            from_session.push((e.key.clone(), v));
        }
        extra.push("sso_session");
    }
    let missing: Vec<&str> = [
        "sso_role_name",
        "sso_account_id",
        "sso_start_url",
        "sso_region",
    ]
    .into_iter()
    .chain(extra)
    .filter(|k| !f.has(profile, k) && !from_session.iter().any(|(sk, _)| sk == k))
    .collect();
    if !missing.is_empty() {
        return Err(Error::invalid_config(format!(
            "The profile \"{profile}\" is configured to use SSO but is missing required configuration: {}",
            missing.join(", ")
        )));
    }
    Ok(())
}

/// Equality as Python sees botocore's values: strings by text, nested blocks as dicts.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Text(x), Value::Text(y)) => x == y,
        (Value::Nested(x), Value::Nested(y)) => {
            let mut x = x.clone();
            let mut y = y.clone();
            x.sort();
            y.sort();
            x == y
        }
        _ => false,
    }
}

/// A value as Python's str() prints it in botocore's messages.
fn py_value(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        Value::Nested(pairs) => {
            let items: Vec<String> = pairs.iter().map(|(k, v)| format!("'{k}': '{v}'")).collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

// ---- 5 & 8. static keys in the credentials and config files ---------------------------------

fn detect_shared_credentials(ctx: &Ctx<'_>, profile: &str) -> Result<Option<Source>> {
    let f = ctx.files;
    Ok(f.credentials_get(profile, "aws_access_key_id")
        .map(|s| Source::new(Method::SharedCredentialsFile, profile, Where::file(f, &s))))
}

fn detect_config_file(ctx: &Ctx<'_>, profile: &str) -> Result<Option<Source>> {
    let f = ctx.files;
    Ok(f.config_get(profile, "aws_access_key_id")
        .map(|s| Source::new(Method::ConfigFile, profile, Where::file(f, &s))))
}

fn file_keys(f: &Files, which: Which, profile: &str, provider: &str) -> Result<Keys> {
    let get = |k: &str| match which {
        Which::Config => f.config_get(profile, k),
        Which::Credentials => f.credentials_get(profile, k),
    };
    let id = get("aws_access_key_id").ok_or_else(|| err_partial(provider, "aws_access_key_id"))?;
    let secret = get("aws_secret_access_key")
        .ok_or_else(|| err_partial(provider, "aws_secret_access_key"))?;
    Ok(Keys {
        access_key_id: id.text().to_string(),
        secret_access_key: secret.text().to_string(),
        session_token: get("aws_security_token")
            .or_else(|| get("aws_session_token"))
            .map(|s| s.text().to_string()),
        expiration: None,
        account_id: get("aws_account_id").map(|s| s.text().to_string()),
    })
}

// ---- 6. login -----------------------------------------------------------------------------

fn detect_login(ctx: &Ctx<'_>, profile: &str) -> Result<Option<Source>> {
    let f = ctx.files;
    Ok(f.get(profile, "login_session").map(|s| {
        let mut src = Source::new(Method::Login, profile, Where::file(f, &s));
        src.detail = Some(s.text().to_string());
        src.region = f.get(profile, "region").map(|r| r.text().to_string());
        src
    }))
}

// ---- 7. credential_process ----------------------------------------------------------------

fn detect_process(ctx: &Ctx<'_>, profile: &str) -> Result<Option<Source>> {
    let f = ctx.files;
    Ok(f.get(profile, "credential_process").map(|s| {
        let mut src = Source::new(Method::CustomProcess, profile, Where::file(f, &s));
        src.detail = Some(s.text().to_string());
        src
    }))
}

// ---- 9. AWS_CREDENTIAL_FILE (the original EC2 tools' key=value file) ----------------------

fn detect_ec2_credentials_file(ctx: &Ctx<'_>, _: &str) -> Result<Option<Source>> {
    let Some(raw) = ctx.env.get("AWS_CREDENTIAL_FILE") else {
        return Ok(None);
    };
    let path = ctx.env.expand_path(raw);
    let text = std::fs::read(&path).map_err(|_| {
        Error::new(
            Kind::ConfigIo,
            format!(
                "The specified config file ({}) could not be found.",
                path.display()
            ),
        )
    })?;
    let text = String::from_utf8_lossy(&text);
    let mut id = None;
    let mut secret = None;
    for line in text.lines() {
        if let Some((k, v)) = line.split_once('=') {
            match k.trim() {
                "AWSAccessKeyId" => id = Some(v.trim().to_string()),
                "AWSSecretKey" => secret = Some(v.trim().to_string()),
                _ => {}
            }
        }
    }
    let Some(id) = id else { return Ok(None) };
    let secret = secret.ok_or_else(|| err_partial("ec2-credentials-file", "AWSSecretKey"))?;
    let mut src = Source::new(
        Method::Ec2CredentialsFile,
        "",
        Where::Env(vec!["AWS_CREDENTIAL_FILE"]),
    );
    src.keys = Some(Keys::long_lived(id, secret));
    Ok(Some(src))
}

// ---- 10. boto2 config ---------------------------------------------------------------------

fn detect_boto(ctx: &Ctx<'_>, _: &str) -> Result<Option<Source>> {
    let candidates: Vec<String> = match ctx.env.get("BOTO_CONFIG") {
        Some(v) => vec![v.to_string()],
        None => vec!["/etc/boto.cfg".into(), "~/.boto".into()],
    };
    for raw in candidates {
        let path = ctx.env.expand_path(&raw);
        let (exists, text) = crate::awsfiles::read_optional(&path, Which::Config)?;
        if !exists {
            continue;
        }
        let ini = Ini::parse(&text).map_err(|e| crate::awsfiles::parse_error(&path, &e))?;
        let Some(section) = ini.section("Credentials") else {
            continue;
        };
        let get = |k: &str| {
            ini.options(section)
                .find(|e| e.key == k)
                .map(|e| e.value.as_text().unwrap_or("").to_string())
        };
        let Some(id) = get("aws_access_key_id") else {
            continue;
        };
        let secret = get("aws_secret_access_key")
            .ok_or_else(|| err_partial("boto-config", "aws_secret_access_key"))?;
        let mut src = Source::new(Method::BotoConfig, "", Where::Path(raw));
        src.keys = Some(Keys::long_lived(id, secret));
        return Ok(Some(src));
    }
    Ok(None)
}

// ---- 11. container ------------------------------------------------------------------------

fn detect_container(ctx: &Ctx<'_>, _: &str) -> Result<Option<Source>> {
    let vars: Vec<&'static str> = [
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ]
    .into_iter()
    .filter(|v| ctx.env.get(v).is_some())
    .collect();
    if vars.is_empty() {
        return Ok(None);
    }
    Ok(Some(Source::new(
        Method::ContainerRole,
        "",
        Where::Env(vars),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_list_repr() {
        assert_eq!(py_list(&["a".into(), "b'c".into()]), "['a', \"b'c\"]");
    }
}
