//! `awsrun export`: the profile's current keys in `aws configure export-credentials`'s formats
//! (SPEC §6), byte for byte, so it can stand in as a `credential_process`.

use crate::cli::{ExportFormat, Global};
use crate::credentials::{process, Keys};
use crate::env::Env;
use crate::error::{Error, Kind, Result};
use crate::exec::{prepare, Mode};
use crate::time;

/// The CLI's exit code for export failures.
pub const EXIT_ERROR: i32 = 253;

pub fn render(keys: &Keys, format: ExportFormat) -> String {
    let expiration = keys.expiration.as_deref().map(|e| {
        time::parse_iso8601(e)
            .map(time::iso8601_offset)
            .unwrap_or_else(|| e.to_string())
    });
    let mut vars: Vec<(&str, &str)> = vec![
        ("AWS_ACCESS_KEY_ID", &keys.access_key_id),
        ("AWS_SECRET_ACCESS_KEY", &keys.secret_access_key),
    ];
    if let Some(t) = &keys.session_token {
        vars.push(("AWS_SESSION_TOKEN", t));
    }
    if let Some(e) = &expiration {
        vars.push(("AWS_CREDENTIAL_EXPIRATION", e));
    }
    let lines = |f: &dyn Fn(&str, &str) -> String| {
        vars.iter().map(|(k, v)| f(k, v) + "\n").collect::<String>()
    };
    match format {
        ExportFormat::Process => {
            let mut m = serde_json::Map::new();
            m.insert("Version".into(), 1.into());
            m.insert("AccessKeyId".into(), keys.access_key_id.clone().into());
            m.insert(
                "SecretAccessKey".into(),
                keys.secret_access_key.clone().into(),
            );
            if let Some(t) = &keys.session_token {
                m.insert("SessionToken".into(), t.clone().into());
            }
            if let Some(e) = &expiration {
                m.insert("Expiration".into(), e.clone().into());
            }
            serde_json::to_string_pretty(&serde_json::Value::Object(m)).unwrap_or_default() + "\n"
        }
        ExportFormat::Env => lines(&|k, v| format!("export {k}={v}")),
        ExportFormat::EnvNoExport => lines(&|k, v| format!("{k}={v}")),
        ExportFormat::Fish => lines(&|k, v| format!("set -gx {k} \"{v}\"")),
        ExportFormat::Powershell => lines(&|k, v| format!("$Env:{k}=\"{v}\"")),
        ExportFormat::WindowsCmd => lines(&|k, v| format!("set {k}={v}")),
    }
}

pub fn keys(global: &Global, env: &Env) -> Result<Keys> {
    let chosen = crate::profile::select(env, global.profile.as_deref()).name;
    if process::in_chain(env, &chosen) {
        return Err(Error::new(
            Kind::InvalidConfig,
            format!(
                "profile {chosen} is already being resolved through a credential_process that runs awsrun export for it; \
                 point that credential_process at another profile"
            ),
        ));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(Kind::Io, e.to_string()))?;
    let opts = crate::cli::ExecOpts {
        env: true,
        ..Default::default()
    };
    let plan = prepare(global, &opts, env, &rt)?;
    debug_assert_eq!(plan.mode, Mode::Env);
    Ok(plan.keys)
}

pub fn run(global: &Global, format: ExportFormat, env: &Env) -> i32 {
    match keys(global, env) {
        Ok(k) => {
            print!("{}", render(&k, format));
            0
        }
        Err(e) => {
            eprintln!("\nUnable to retrieve credentials: {e}");
            EXIT_ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(token: bool) -> Keys {
        Keys {
            access_key_id: "AKID".into(),
            secret_access_key: "SECRET".into(),
            session_token: token.then(|| "TOKEN".into()),
            expiration: token.then(|| "2026-11-23T10:00:00Z".into()),
            account_id: None,
        }
    }

    #[test]
    fn formats_match_the_cli() {
        assert_eq!(
            render(&keys(true), ExportFormat::Process),
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKID\",\n  \"SecretAccessKey\": \"SECRET\",\n  \"SessionToken\": \"TOKEN\",\n  \"Expiration\": \"2026-11-23T10:00:00+00:00\"\n}\n"
        );
        assert_eq!(render(&keys(false), ExportFormat::Process), "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKID\",\n  \"SecretAccessKey\": \"SECRET\"\n}\n");
        assert_eq!(
            render(&keys(true), ExportFormat::Env),
            "export AWS_ACCESS_KEY_ID=AKID\nexport AWS_SECRET_ACCESS_KEY=SECRET\nexport AWS_SESSION_TOKEN=TOKEN\nexport AWS_CREDENTIAL_EXPIRATION=2026-11-23T10:00:00+00:00\n"
        );
        assert_eq!(
            render(&keys(false), ExportFormat::EnvNoExport),
            "AWS_ACCESS_KEY_ID=AKID\nAWS_SECRET_ACCESS_KEY=SECRET\n"
        );
        assert_eq!(
            render(&keys(false), ExportFormat::Fish),
            "set -gx AWS_ACCESS_KEY_ID \"AKID\"\nset -gx AWS_SECRET_ACCESS_KEY \"SECRET\"\n"
        );
        assert_eq!(
            render(&keys(false), ExportFormat::Powershell),
            "$Env:AWS_ACCESS_KEY_ID=\"AKID\"\n$Env:AWS_SECRET_ACCESS_KEY=\"SECRET\"\n"
        );
        assert_eq!(
            render(&keys(false), ExportFormat::WindowsCmd),
            "set AWS_ACCESS_KEY_ID=AKID\nset AWS_SECRET_ACCESS_KEY=SECRET\n"
        );
    }
}
