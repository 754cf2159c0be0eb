//! The AWS config and credentials files: where they are, how they load, and which section is
//! which profile (SPEC §1). Every value keeps its file and line for `list` and `doctor`.

pub mod edit;
pub mod ini;

use std::collections::HashMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::{Error, Kind, Result};
pub use ini::{Entry, Ini, Section, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Which {
    Config,
    Credentials,
}

#[derive(Debug, Clone)]
pub struct AwsFile {
    pub which: Which,
    /// Where it is, with `$VAR` and `~` expanded.
    pub path: PathBuf,
    /// How the CLI shows it: the raw `AWS_CONFIG_FILE` value or `~/.aws/config`.
    pub shown: String,
    pub exists: bool,
    /// The bytes as read, for edits that must keep every other byte.
    pub text: String,
    pub ini: Ini,
}

impl AwsFile {
    pub fn env_var(which: Which) -> &'static str {
        match which {
            Which::Config => "AWS_CONFIG_FILE",
            Which::Credentials => "AWS_SHARED_CREDENTIALS_FILE",
        }
    }

    /// The path the file would be read from, whether or not it exists.
    pub fn locate(which: Which, env: &Env) -> (PathBuf, String) {
        let raw = match env.get(Self::env_var(which)) {
            Some(v) => v.to_string(),
            None => match which {
                Which::Config => "~/.aws/config".to_string(),
                Which::Credentials => "~/.aws/credentials".to_string(),
            },
        };
        (env.expand_path(&raw), raw)
    }

    pub fn load(which: Which, env: &Env) -> Result<AwsFile> {
        let (path, shown) = Self::locate(which, env);
        let (exists, text) = read_optional(&path, which)?;
        let ini = Ini::parse(&text).map_err(|e| parse_error(&path, &e))?;
        Ok(AwsFile {
            which,
            path,
            shown,
            exists,
            text,
            ini,
        })
    }
}

/// botocore's message for a file it cannot parse, with the line and the reason added.
pub fn parse_error(path: &Path, e: &ini::ParseError) -> Error {
    Error::new(
        Kind::ConfigParse,
        format!(
            "Unable to parse config file: {}:{}: {}",
            path.display(),
            e.line,
            e.reason
        ),
    )
}

/// Reads a file that may legitimately be absent. Anything else that stops us reading it is an
/// error naming the file: silently treating it as empty would resolve different credentials.
pub fn read_optional(path: &Path, which: Which) -> Result<(bool, String)> {
    if path.as_os_str().is_empty() {
        return Ok((false, String::new()));
    }
    let what = match which {
        Which::Config => "config file",
        Which::Credentials => "credentials file",
    };
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok((true, text)),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let line = 1 + e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count();
                Err(Error::new(
                    Kind::ConfigParse,
                    format!("Unable to parse config file: {}:{line}: not valid UTF-8 (byte {at}); save it as UTF-8", path.display()),
                ))
            }
        },
        Err(e) if e.kind() == ErrorKind::NotFound => Ok((false, String::new())),
        Err(e) if e.kind() == ErrorKind::IsADirectory || path.is_dir() => Err(Error::new(
            Kind::ConfigIo,
            format!("The {what} {} is a directory, not a file", path.display()),
        )),
        Err(e) if e.kind() == ErrorKind::PermissionDenied => Err(Error::new(
            Kind::ConfigIo,
            format!(
                "The {what} {} is not readable by this user (permission denied)",
                path.display()
            ),
        )),
        Err(e) => Err(Error::new(
            Kind::ConfigIo,
            format!("Unable to read the {what} {}: {e}", path.display()),
        )),
    }
}

/// Python's `shlex.split(s)` (POSIX mode, no comments), which botocore uses on section names.
/// `None` where Python raises (an unclosed quote or a trailing backslash).
pub fn shlex_split(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\\' => {
                cur.push(chars.next()?);
                in_word = true;
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => cur.push(c),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('"' | '\\') => cur.push(c),
                            c => {
                                cur.push('\\');
                                cur.push(c);
                            }
                        },
                        c => cur.push(c),
                    }
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Some(out)
}

/// The profile a config-file section defines, by botocore's `build_profile_map` rules.
pub fn config_profile_name(section: &str) -> Option<String> {
    if section == "default" {
        return Some("default".into());
    }
    if !section.starts_with("profile") {
        return None;
    }
    match shlex_split(section)?.as_slice() {
        [_, name] => Some(name.clone()),
        _ => None,
    }
}

/// A value and where it was set.
#[derive(Debug, Clone, Copy)]
pub struct Setting<'a> {
    pub value: &'a Value,
    pub which: Which,
    pub line: usize,
}

impl<'a> Setting<'a> {
    /// The value as botocore would hand it to a provider (nested values have no string form).
    pub fn text(&self) -> &'a str {
        self.value.as_text().unwrap_or("")
    }
}

/// Both files, loaded, with the config file's profile map.
#[derive(Debug, Clone)]
pub struct Files {
    pub config: AwsFile,
    pub credentials: AwsFile,
    /// Profile name -> index of its config section, in `list-profiles` order; when two sections
    /// name the same profile the later one wins wholesale but the first keeps its place.
    config_profiles: Vec<(String, usize)>,
    /// Profile name -> position in `config_profiles`.
    by_name: HashMap<String, usize>,
}

impl Files {
    pub fn load(env: &Env) -> Result<Files> {
        let config = AwsFile::load(Which::Config, env)?;
        let credentials = AwsFile::load(Which::Credentials, env)?;
        Ok(Files::from_parts(config, credentials))
    }

    pub fn from_parts(config: AwsFile, credentials: AwsFile) -> Files {
        let mut config_profiles: Vec<(String, usize)> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (i, s) in config.ini.sections.iter().enumerate() {
            if let Some(name) = config_profile_name(&s.name) {
                match by_name.get(&name) {
                    Some(&at) => config_profiles[at].1 = i,
                    None => {
                        by_name.insert(name.clone(), config_profiles.len());
                        config_profiles.push((name, i));
                    }
                }
            }
        }
        Files {
            config,
            credentials,
            config_profiles,
            by_name,
        }
    }

    pub fn file(&self, which: Which) -> &AwsFile {
        match which {
            Which::Config => &self.config,
            Which::Credentials => &self.credentials,
        }
    }

    /// The config-file section that defines `profile`.
    pub fn config_section(&self, profile: &str) -> Option<&Section> {
        let at = *self.by_name.get(profile)?;
        Some(&self.config.ini.sections[self.config_profiles[at].1])
    }

    /// Every config-file section that names `profile` (more than one is a doctor finding).
    pub fn config_sections_for<'a>(
        &'a self,
        profile: &'a str,
    ) -> impl Iterator<Item = &'a Section> + 'a {
        self.config
            .ini
            .sections
            .iter()
            .filter(move |s| config_profile_name(&s.name).as_deref() == Some(profile))
    }

    pub fn credentials_section(&self, profile: &str) -> Option<&Section> {
        self.credentials.ini.section(profile)
    }

    /// A config-file section of another kind, such as `[sso-session NAME]`, by botocore's
    /// rule: the header starts with the kind and splits into two words; the last one wins.
    pub fn named_section(&self, kind: &str, name: &str) -> Option<&Section> {
        self.config.ini.sections.iter().rev().find(|s| {
            s.name.starts_with(kind)
                && matches!(shlex_split(&s.name).as_deref(), Some([_, n]) if n == name)
        })
    }

    /// `aws configure list-profiles`: config profiles in file order, then those only in the
    /// credentials file.
    pub fn profile_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .config_profiles
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        for s in &self.credentials.ini.sections {
            if !self.by_name.contains_key(&s.name) {
                names.push(s.name.clone());
            }
        }
        names
    }

    pub fn has_profile(&self, profile: &str) -> bool {
        self.config_section(profile).is_some() || self.credentials_section(profile).is_some()
    }

    pub fn config_get(&self, profile: &str, key: &str) -> Option<Setting<'_>> {
        let s = self.config_section(profile)?;
        let e = self.config.ini.options(s).find(|e| e.key == key)?;
        Some(Setting {
            value: &e.value,
            which: Which::Config,
            line: e.line,
        })
    }

    pub fn credentials_get(&self, profile: &str, key: &str) -> Option<Setting<'_>> {
        let s = self.credentials_section(profile)?;
        let e = self.credentials.ini.options(s).find(|e| e.key == key)?;
        Some(Setting {
            value: &e.value,
            which: Which::Credentials,
            line: e.line,
        })
    }

    /// The merged profile's value: the credentials file overrides the config file key by key.
    pub fn get(&self, profile: &str, key: &str) -> Option<Setting<'_>> {
        self.credentials_get(profile, key)
            .or_else(|| self.config_get(profile, key))
    }

    pub fn has(&self, profile: &str, key: &str) -> bool {
        self.get(profile, key).is_some()
    }

    /// `path:line` for a setting, with the path as the user wrote it.
    pub fn locate(&self, s: &Setting<'_>) -> String {
        format!("{}:{}", self.file(s.which).shown, s.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shlex_matches_python() {
        assert_eq!(
            shlex_split("profile \"my dev\"").unwrap(),
            ["profile", "my dev"]
        );
        assert_eq!(
            shlex_split("profile a'b c'd").unwrap(),
            ["profile", "ab cd"]
        );
        assert_eq!(shlex_split("profile \"\"").unwrap(), ["profile", ""]);
        assert_eq!(
            shlex_split("profile \"a\\\"b\\x\"").unwrap(),
            ["profile", "a\"b\\x"]
        );
        assert!(shlex_split("profile \"open").is_none());
        assert!(shlex_split("profile a\\").is_none());
    }

    #[test]
    fn section_names_to_profiles() {
        assert_eq!(config_profile_name("default").as_deref(), Some("default"));
        assert_eq!(config_profile_name("profile dev").as_deref(), Some("dev"));
        assert_eq!(
            config_profile_name("profile default").as_deref(),
            Some("default")
        );
        assert_eq!(config_profile_name("profilex y").as_deref(), Some("y"));
        assert_eq!(config_profile_name("profile a b"), None);
        assert_eq!(config_profile_name("profile"), None);
        assert_eq!(config_profile_name("sso-session s"), None);
        assert_eq!(config_profile_name("Default"), None);
    }
}
