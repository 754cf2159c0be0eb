//! Edits to `~/.aws/config` that change only the lines they must.

use std::path::Path;

use super::{config_profile_name, ini, AwsFile, Which};
use crate::env::Env;
use crate::error::{Error, Kind, Result};
use crate::fsutil;

/// The section header a new profile gets: `[default]` or `[profile NAME]` (quoted when the
/// name would not survive shell-style splitting on its own).
pub fn section_for_profile(profile: &str) -> String {
    if profile == "default" {
        return "default".into();
    }
    let plain = !profile.is_empty()
        && !profile.contains(|c: char| c.is_whitespace() || "'\"\\".contains(c));
    if plain {
        format!("profile {profile}")
    } else {
        format!(
            "profile \"{}\"",
            profile.replace('\\', "\\\\").replace('"', "\\\"")
        )
    }
}

/// Sets `key = value` pairs in the profile's config section, creating the file (0600, in a
/// 0700 directory) or the section when missing, and writes atomically.
pub fn set_profile_values(env: &Env, profile: &str, pairs: &[(&str, &str)]) -> Result<()> {
    let file = AwsFile::load(Which::Config, env)?;
    // Write into the section that currently defines the profile (the later of `[default]` and
    // `[profile default]` wins in botocore), else a new one.
    let section = file
        .ini
        .sections
        .iter()
        .rev()
        .find(|s| config_profile_name(&s.name).as_deref() == Some(profile))
        .map(|s| s.name.clone())
        .unwrap_or_else(|| section_for_profile(profile));
    let mut text = file.text.clone();
    for (k, v) in pairs {
        text = ini::set_value(&text, &section, k, v)
            .map_err(|e| super::parse_error(&file.path, &e))?;
    }
    if text == file.text && file.exists {
        return Ok(());
    }
    write_config(&file.path, &text)
}

fn write_config(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fsutil::ensure_private_dir(dir).map_err(|e| {
            Error::new(
                Kind::Io,
                format!("Unable to create the directory {}: {e}", dir.display()),
            )
        })?;
    }
    fsutil::write_atomic(path, text.as_bytes(), 0o600).map_err(|e| {
        Error::new(
            Kind::Io,
            format!("Unable to write the config file {}: {e}", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(section_for_profile("default"), "default");
        assert_eq!(section_for_profile("dev"), "profile dev");
        assert_eq!(section_for_profile("my dev"), "profile \"my dev\"");
        assert_eq!(
            super::super::config_profile_name(&section_for_profile("a \"b\"")).as_deref(),
            Some("a \"b\"")
        );
    }
}
