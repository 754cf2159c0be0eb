//! The files themselves: parse errors, sections botocore reads differently from what the user
//! meant, values that swallowed a comment, variables naming missing files, loose permissions.

use std::path::Path;

use serde_json::json;

use super::{Ctx, Family, Finding, Severity};
use crate::awsfiles::{read_optional, AwsFile, Files, Ini, Value, Which};
use crate::env::Env;

fn label(which: Which) -> &'static str {
    match which {
        Which::Config => "config file",
        Which::Credentials => "credentials file",
    }
}

/// Loads both files. A file that cannot be read or parsed becomes a finding and counts as
/// empty, so every other check still runs on the other file.
pub(super) fn load(env: &Env, out: &mut Vec<Finding>) -> Files {
    let mut one = |which: Which| -> AwsFile {
        let (path, shown) = AwsFile::locate(which, env);
        let empty = |exists: bool| AwsFile {
            which,
            path: path.clone(),
            shown: shown.clone(),
            exists,
            text: String::new(),
            ini: Ini::default(),
        };
        let (exists, text) = match read_optional(&path, which) {
            Ok(r) => r,
            Err(e) if e.kind == crate::error::Kind::ConfigParse => {
                // Not UTF-8: botocore cannot decode it either.
                out.push(
                    Finding::new("parse-error", Severity::Error, Family::Files)
                        .what(format!("The {} cannot be parsed: {e}", label(which)))
                        .why("botocore and the AWS CLI refuse the whole file: every profile in it is unusable.")
                        .at(shown.clone())
                        .fix(format!("Save {} as UTF-8.", path.display())),
                );
                return empty(true);
            }
            Err(e) => {
                out.push(
                    Finding::new("file-unreadable", Severity::Error, Family::Files)
                        .what(format!("The {} cannot be read: {e}", label(which)))
                        .why("The AWS CLI and every SDK stop with an error before looking at any profile.")
                        .at(shown.clone())
                        .fix(format!(
                            "Make {} a readable file (or point {} elsewhere).",
                            path.display(),
                            AwsFile::env_var(which)
                        )),
                );
                return empty(true);
            }
        };
        match Ini::parse(&text) {
            Ok(ini) => AwsFile {
                which,
                path: path.clone(),
                shown: shown.clone(),
                exists,
                text,
                ini,
            },
            Err(e) => {
                out.push(
                    Finding::new("parse-error", Severity::Error, Family::Files)
                        .what(format!(
                            "The {} cannot be parsed: {}",
                            label(which),
                            e.reason
                        ))
                        .why(format!(
                            "botocore and the AWS CLI refuse the whole file (\"Unable to parse config file: {}\"): every profile in it is unusable.",
                            path.display()
                        ))
                        .at(format!("{shown}:{}", e.line))
                        .fix(format!("Edit line {} of {}.", e.line, path.display())),
                );
                empty(exists)
            }
        }
    };
    let config = one(Which::Config);
    let credentials = one(Which::Credentials);
    Files::from_parts(config, credentials)
}

pub(super) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let f = ctx.files;
    profile_prefix_in_credentials(f, out);
    default_twice(f, out);
    inline_comments(f, out);
    missing_named_files(ctx, out);
    permissions(ctx, out);
}

fn profile_prefix_in_credentials(f: &Files, out: &mut Vec<Finding>) {
    let shown = &f.credentials.shown;
    for s in &f.credentials.ini.sections {
        let Some(name) = s.name.strip_prefix("profile ") else {
            continue;
        };
        let name = name.trim();
        out.push(
            Finding::new("profile-prefix-in-credentials", Severity::Warning, Family::Files)
                .profile(&s.name)
                .what(format!(
                    "The credentials file has [{}]: there the section name is the profile name, so this is a profile literally called \"{}\", not \"{name}\".",
                    s.name, s.name
                ))
                .why(format!(
                    "`--profile {name}` never reads these values; every tool sees them only under the name \"{}\".",
                    s.name
                ))
                .at(format!("{shown}:{}", s.line))
                .fix(format!(
                    "Rename the header on line {} of {} to [{name}].",
                    s.line, shown
                )),
        );
    }
}

fn default_twice(f: &Files, out: &mut Vec<Finding>) {
    let sections: Vec<_> = f.config_sections_for("default").collect();
    if sections.len() < 2 {
        return;
    }
    let shown = &f.config.shown;
    let last = sections[sections.len() - 1];
    let lines: Vec<String> = sections
        .iter()
        .map(|s| format!("{shown}:{}", s.line))
        .collect();
    for s in &sections[..sections.len() - 1] {
        out.push(
            Finding::new("default-twice", Severity::Warning, Family::Files)
                .profile("default")
                .what(format!(
                    "The config file defines the default profile twice: [{}] on line {} and [{}] on line {}.",
                    s.name, s.line, last.name, last.line
                ))
                .why(format!(
                    "botocore and the AWS CLI keep only the later section, [{}]: every setting in [{}] is ignored, not merged.",
                    last.name, s.name
                ))
                .at(lines.join(", "))
                .fix(format!(
                    "Move the settings you need from [{}] into [{}], then delete lines {}-{} of {}.",
                    s.name,
                    last.name,
                    s.line,
                    f.config.text[..s.span.end].trim_end().lines().count(),
                    shown
                )),
        );
    }
}

/// A `#` or `;` after white space inside a value: configparser keeps it as part of the value.
fn comment_start(v: &str) -> Option<usize> {
    let b = v.as_bytes();
    (1..b.len()).find(|&i| (b[i] == b'#' || b[i] == b';') && b[i - 1].is_ascii_whitespace())
}

fn inline_comments(f: &Files, out: &mut Vec<Finding>) {
    for file in [&f.config, &f.credentials] {
        for s in &file.ini.sections {
            for e in &s.entries {
                let Value::Text(v) = &e.value else { continue };
                let Some(at) = comment_start(v) else { continue };
                let kept = v[..at].trim_end();
                let secret = e.key.contains("secret") || e.key.contains("token");
                let (shown_value, fixed) = if secret {
                    (
                        "<hidden>".to_string(),
                        format!("{} = <the value without the comment>", e.key),
                    )
                } else {
                    (v.clone(), format!("{} = {kept}", e.key))
                };
                out.push(
                    Finding::new("inline-comment", Severity::Warning, Family::Files)
                        .what(format!(
                            "[{}] {} has the value \"{shown_value}\": the comment became part of the value.",
                            s.name, e.key
                        ))
                        .why("botocore and the AWS CLI do not strip inline comments (Python configparser), so they use the whole text, comment included.")
                        .at(format!("{}:{}", file.shown, e.line))
                        .fix(format!(
                            "Replace line {} with `{fixed}` and put the comment on a line of its own.",
                            e.line
                        ))
                        .facts(json!({"key": e.key, "section": s.name})),
                );
            }
        }
    }
}

fn missing_named_files(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for which in [Which::Config, Which::Credentials] {
        let var = AwsFile::env_var(which);
        let Some(raw) = ctx.env.get(var) else {
            continue;
        };
        let file = ctx.files.file(which);
        if file.exists {
            continue;
        }
        out.push(
            Finding::new("file-var-missing", Severity::Warning, Family::Files)
                .what(format!(
                    "{var} names {}, which does not exist.",
                    file.path.display()
                ))
                .why(format!(
                    "Every tool silently treats the {} as empty: its profiles are unknown (\"The config profile (...) could not be found\").",
                    label(which)
                ))
                .at(format!("{var}={raw}"))
                .fix(format!("unset {var}    # or point it at the file you meant")),
        );
    }
}

#[cfg(unix)]
fn loose_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let m = std::fs::metadata(path).ok()?;
    let mode = m.permissions().mode() & 0o777;
    (m.is_file() && mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn loose_mode(_: &Path) -> Option<u32> {
    None
}

fn loose(out: &mut Vec<Finding>, path: &Path, what: &str, severity: Severity, why: &str) {
    if let Some(mode) = loose_mode(path) {
        out.push(
            Finding::new("readable-by-others", severity, Family::Files)
                .what(format!(
                    "The {what} {} has mode {mode:04o}: other users can read it.",
                    path.display()
                ))
                .why(why.to_string())
                .at(path.display().to_string())
                .fix(format!(
                    "chmod 600 {}",
                    shell_words::quote(&path.to_string_lossy())
                ))
                .facts(json!({"mode": format!("{mode:04o}")})),
        );
    }
}

fn permissions(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let f = ctx.files;
    loose(
        out,
        &f.credentials.path,
        "credentials file",
        Severity::Error,
        "It holds keys: anyone on this machine who can read it can act as you in AWS.",
    );
    loose(
        out,
        &f.config.path,
        "config file",
        Severity::Warning,
        "It names your accounts, roles and login sessions; the AWS CLI writes it 0600.",
    );
    let dir = crate::cache::cache_dir(ctx.env);
    if let Ok(rd) = std::fs::read_dir(&dir) {
        let mut paths: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            loose(
                out,
                &p,
                "login cache file",
                Severity::Error,
                "It holds a refresh token and its DPoP key: anyone who can read it can mint credentials as you for the rest of the session.",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn comment_needs_white_space_before_it() {
        assert_eq!(super::comment_start("us-east-1 # x"), Some(10));
        assert_eq!(super::comment_start("a;b"), None);
        assert_eq!(super::comment_start("a\t;b"), Some(2));
        assert_eq!(super::comment_start("#x"), None);
    }
}
