//! Config files for a server-mode child in which the `default` profile has no credentials.
//!
//! awsrun removes AWS_PROFILE from the child, so its SDK resolves the `default` profile; if that
//! profile has keys, a role, SSO or a login session, those rank above the container endpoint
//! and the child would silently use them instead of the profile awsrun was asked for.

use std::path::PathBuf;

use crate::awsfiles::{config_profile_name, AwsFile, Files};
use crate::error::{Error, Kind, Result};
use crate::fsutil;

/// Keys that make a profile a credential source of its own.
const CREDENTIAL_KEYS: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "role_arn",
    "source_profile",
    "credential_source",
    "web_identity_token_file",
    "sso_start_url",
    "sso_region",
    "sso_account_id",
    "sso_role_name",
    "sso_session",
    "login_session",
    "credential_process",
];

/// A private directory with the neutralized copies; removed when dropped.
pub struct Neutralized {
    dir: PathBuf,
    config: PathBuf,
    credentials: PathBuf,
}

fn strip(file: &AwsFile, is_default: impl Fn(&str) -> bool) -> (String, bool) {
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    for s in file.ini.sections.iter().filter(|s| is_default(&s.name)) {
        spans.extend(
            s.entries
                .iter()
                .filter(|e| CREDENTIAL_KEYS.contains(&e.key.as_str()))
                .map(|e| e.span.clone()),
        );
    }
    if spans.is_empty() {
        return (file.text.clone(), false);
    }
    spans.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(file.text.len());
    let mut at = 0;
    for r in spans {
        out.push_str(&file.text[at..r.start]);
        at = r.end;
    }
    out.push_str(&file.text[at..]);
    (out, true)
}

impl Neutralized {
    /// `None` when the default profile has no credentials of its own (the common case).
    pub fn create(files: &Files) -> Result<Option<Neutralized>> {
        let (config, c1) = strip(&files.config, |n| {
            config_profile_name(n).as_deref() == Some("default")
        });
        let (credentials, c2) = strip(&files.credentials, |n| n == "default");
        if !c1 && !c2 {
            return Ok(None);
        }
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!(
            "awsrun-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let io = |e: std::io::Error| {
            Error::new(
                Kind::Io,
                format!(
                    "cannot write the child's config under {}: {e}",
                    dir.display()
                ),
            )
        };
        fsutil::ensure_private_dir(&dir).map_err(io)?;
        let n = Neutralized {
            config: dir.join("config"),
            credentials: dir.join("credentials"),
            dir: dir.clone(),
        };
        fsutil::write_atomic(&n.config, config.as_bytes(), 0o600).map_err(io)?;
        fsutil::write_atomic(&n.credentials, credentials.as_bytes(), 0o600).map_err(io)?;
        Ok(Some(n))
    }

    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "AWS_CONFIG_FILE".into(),
                self.config.to_string_lossy().into_owned(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE".into(),
                self.credentials.to_string_lossy().into_owned(),
            ),
        ]
    }
}

impl Drop for Neutralized {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
