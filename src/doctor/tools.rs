//! Tools: an `aws` on PATH too old for login profiles, and `credential_process` commands whose
//! program is not there.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use super::{Ctx, Family, Finding, Severity};

/// The first AWS CLI release that understands `login_session`.
pub const MIN_CLI: (u32, u32, u32) = (2, 32, 0);
const VERSION_TIMEOUT: Duration = Duration::from_secs(15);

pub(super) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    aws_cli(ctx, out);
    for (name, _) in &ctx.checked {
        credential_process(ctx, name, out);
    }
}

fn search_path(ctx: &Ctx<'_>) -> String {
    ctx.env.get("PATH").unwrap_or("").to_string()
}

fn which(ctx: &Ctx<'_>, program: &str) -> Option<PathBuf> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    which::which_in(program, Some(search_path(ctx)), cwd).ok()
}

/// `aws-cli/2.31.0 Python/3.13 ...` -> (2, 31, 0).
pub fn parse_cli_version(text: &str) -> Option<(u32, u32, u32)> {
    let rest = &text[text.find("aws-cli/")? + "aws-cli/".len()..];
    let v = rest.split_whitespace().next()?;
    let mut parts = v.split('.').map(|p| {
        p.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<u32>()
            .ok()
    });
    Some((
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
        parts.next().flatten().unwrap_or(0),
    ))
}

/// Runs `aws --version` (v1 prints it on stderr, v2 on stdout) with a time limit.
fn version_output(aws: &Path) -> Option<String> {
    let mut child = Command::new(aws)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut so = child.stdout.take()?;
    let mut se = child.stderr.take()?;
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = so.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = se.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > VERSION_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => return None,
        }
    }
    let mut s = t_out.join().unwrap_or_default();
    s.push_str(&t_err.join().unwrap_or_default());
    Some(s)
}

fn aws_cli(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let Some(aws) = which(ctx, "aws") else {
        return;
    };
    let Some(text) = version_output(&aws) else {
        return;
    };
    let Some(v) = parse_cli_version(&text) else {
        return;
    };
    if v >= MIN_CLI {
        return;
    }
    let uses_login = ctx
        .files
        .profile_names()
        .iter()
        .any(|p| ctx.files.has(p, "login_session"));
    let shown = format!("{}.{}.{}", v.0, v.1, v.2);
    out.push(
        Finding::new(
            "aws-cli-too-old",
            if uses_login { Severity::Warning } else { Severity::Info },
            Family::Tools,
        )
        .what(format!(
            "{} is AWS CLI {shown}; login profiles need 2.32.0 or later.",
            aws.display()
        ))
        .why(if v.0 < 2 {
            "AWS CLI v1 and v2 before 2.32.0 do not know login_session: for a login profile they report \"Unable to locate credentials\" (or fall through to other credentials). `awsrun -p PROFILE -- aws ...` works with any version.".to_string()
        } else {
            "AWS CLI v2 before 2.32.0 does not know login_session: for a login profile it reports \"Unable to locate credentials\". `awsrun -p PROFILE -- aws ...` works with any version.".to_string()
        })
        .at(aws.display().to_string())
        .fix(if v.0 < 2 {
            "Uninstall AWS CLI v1 (e.g. `pip uninstall awscli`) and install v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html".to_string()
        } else {
            "Update the AWS CLI v2 to 2.32.0 or later: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html".to_string()
        })
        .facts(json!({"version": shown})),
    );
}

fn credential_process(ctx: &Ctx<'_>, name: &str, out: &mut Vec<Finding>) {
    let Some(s) = ctx.files.get(name, "credential_process") else {
        return;
    };
    let at = ctx.files.locate(&s);
    let line = s.text();
    let problem = match shell_words::split(line) {
        Err(e) => Some(format!("it cannot be split into words ({e})")),
        Ok(argv) => match argv.first() {
            None => Some("it is empty".to_string()),
            Some(p) if p.contains('/') => {
                let path = Path::new(p);
                if !path.is_file() {
                    Some(format!("{p} does not exist"))
                } else if !is_executable(path) {
                    Some(format!("{p} is not executable"))
                } else {
                    None
                }
            }
            Some(p) => which(ctx, p)
                .is_none()
                .then(|| format!("{p} is not on PATH")),
        },
    };
    let Some(problem) = problem else { return };
    out.push(
        Finding::new("credential-process-missing", Severity::Error, Family::Tools)
            .profile(name)
            .what(format!(
                "\"{name}\" gets credentials from credential_process, but {problem}."
            ))
            .why("Every tool runs this command for the profile's keys: botocore/boto3 stop with FileNotFoundError, the AWS CLI and other SDKs with a credential_process error, and nothing falls through to other credentials.")
            .at(at)
            .fix(format!(
                "Install the program or correct the credential_process line ({}), e.g. to an absolute path.",
                ctx.files.locate(&s)
            )),
    );
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_: &Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::parse_cli_version;

    #[test]
    fn versions() {
        assert_eq!(
            parse_cli_version("aws-cli/2.31.0 Python/3.13.7 Linux/6 exe/x86_64"),
            Some((2, 31, 0))
        );
        assert_eq!(
            parse_cli_version("aws-cli/1.45.11 Python/3.11.7 Linux/6 botocore/1.43.11\n"),
            Some((1, 45, 11))
        );
        assert_eq!(parse_cli_version("aws-cli/2.32.0dev1 x"), Some((2, 32, 0)));
        assert_eq!(parse_cli_version("something else"), None);
    }
}
