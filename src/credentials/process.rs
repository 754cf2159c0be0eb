//! `credential_process`: run the configured command and read the `process` JSON it prints
//! (SPEC §6), with botocore's checks and error texts.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::Keys;
use crate::error::{Error, Kind, Result};

const PROVIDER: &str = "custom-process";

fn fail(msg: impl std::fmt::Display) -> Error {
    Error::new(
        Kind::CredentialRetrieval,
        format!("Error when retrieving credentials from {PROVIDER}: {msg}"),
    )
}

/// Set in a credential process's environment: the profiles whose `credential_process` is
/// running, so `awsrun export` used as a credential_process can refuse to call itself forever.
pub const CHAIN_VAR: &str = "AWSRUN_PROCESS_CHAIN";

/// The guard variable for running `profile`'s credential_process from an environment.
pub fn chain_with(env: &crate::env::Env, profile: &str) -> Vec<(String, String)> {
    let mut chain: Vec<&str> = env
        .get(CHAIN_VAR)
        .map(|c| c.split('\u{1f}').collect())
        .unwrap_or_default();
    chain.push(profile);
    vec![(CHAIN_VAR.to_string(), chain.join("\u{1f}"))]
}

/// Whether `profile` is already resolving through a credential_process up the process tree.
pub fn in_chain(env: &crate::env::Env, profile: &str) -> bool {
    env.get(CHAIN_VAR)
        .is_some_and(|c| c.split('\u{1f}').any(|p| p == profile))
}

/// Runs `command_line` (split like a POSIX shell, without a shell) and parses its output.
/// The command's stderr is captured for the error message, as botocore does.
pub fn run(command_line: &str, timeout: Duration) -> Result<Keys> {
    run_with_env(command_line, timeout, &[], false)
}

/// Like [`run`], with extra environment variables; `pass_stderr` lets the command's messages
/// (a prompt, a warning) reach the user's terminal instead of capturing them.
pub fn run_with_env(
    command_line: &str,
    timeout: Duration,
    extra_env: &[(String, String)],
    pass_stderr: bool,
) -> Result<Keys> {
    let argv = shell_words::split(command_line).map_err(|e| {
        fail(format_args!(
            "cannot split credential_process {command_line:?}: {e}"
        ))
    })?;
    let Some((program, args)) = argv.split_first() else {
        return Err(fail("credential_process is empty"));
    };
    let mut child = Command::new(program)
        .args(args)
        .envs(extra_env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(if pass_stderr {
            Stdio::inherit()
        } else {
            Stdio::piped()
        })
        .spawn()
        .map_err(|e| fail(format_args!("cannot run {program:?}: {e}")))?;
    // Read both pipes on threads so a chatty child cannot dead-lock on a full pipe.
    let mut out_pipe = child.stdout.take().expect("piped");
    let err_pipe = child.stderr.take();
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out_pipe.read_to_end(&mut b);
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        if let Some(mut p) = err_pipe {
            let _ = p.read_to_end(&mut b);
        }
        b
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format_args!(
                    "{program:?} did not finish within {} seconds",
                    timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(fail(e)),
        }
    };
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    if !status.success() {
        let text = String::from_utf8_lossy(&stderr);
        let line = text.trim().lines().last().unwrap_or("").to_string();
        return Err(fail(if pass_stderr {
            format!("{program:?} exited with {status} (its messages are above)")
        } else if line.is_empty() {
            format!("{program:?} exited with {status}")
        } else {
            line
        }));
    }
    parse(&stdout)
}

/// Checks and reads the `process` JSON format.
pub fn parse(stdout: &[u8]) -> Result<Keys> {
    let v: serde_json::Value = serde_json::from_slice(stdout).map_err(|e| {
        fail(format_args!(
            "the output is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let obj = v
        .as_object()
        .ok_or_else(|| fail("the output is not a JSON object"))?;
    // Python compares with `== 1`, which true and 1.0 also satisfy.
    let version_ok = match obj.get("Version") {
        Some(serde_json::Value::Number(n)) => n.as_f64() == Some(1.0),
        Some(serde_json::Value::Bool(b)) => *b,
        _ => false,
    };
    if !version_ok {
        let shown = match obj.get("Version") {
            None => "<Version key not provided>".to_string(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        return Err(fail(format_args!(
            "Unsupported version '{shown}' for credential process provider, supported versions: 1"
        )));
    }
    let text = |k: &str| -> Result<String> {
        match obj.get(k) {
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(fail(format_args!("{k} in the response is not a string"))),
            None => Err(fail(format_args!(
                "Missing required key in response: '{k}'"
            ))),
        }
    };
    let opt = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(str::to_string);
    Ok(Keys {
        access_key_id: text("AccessKeyId")?,
        secret_access_key: text("SecretAccessKey")?,
        session_token: opt("SessionToken"),
        expiration: opt("Expiration"),
        account_id: opt("AccountId"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_process_json() {
        let k = parse(br#"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "s", "Expiration": "2030-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!(k.access_key_id, "AKID");
        assert_eq!(k.expiration.as_deref(), Some("2030-01-01T00:00:00Z"));
    }

    #[test]
    fn botocore_error_texts() {
        let e = parse(br#"{"Version": 2}"#).unwrap_err();
        assert_eq!(e.message, "Error when retrieving credentials from custom-process: Unsupported version '2' for credential process provider, supported versions: 1");
        let e = parse(br#"{"Version": 1, "SecretAccessKey": "s"}"#).unwrap_err();
        assert_eq!(e.message, "Error when retrieving credentials from custom-process: Missing required key in response: 'AccessKeyId'");
        assert!(parse(b"garbage")
            .unwrap_err()
            .message
            .contains("not valid JSON"));
    }

    #[test]
    fn runs_the_command_and_reports_its_stderr() {
        let k = run(
            r#"printf '{"Version":1,"AccessKeyId":"AK","SecretAccessKey":"S"}'"#,
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(k.access_key_id, "AK");
        let e = run("sh -c 'echo broken >&2; exit 3'", Duration::from_secs(5)).unwrap_err();
        assert_eq!(
            e.message,
            "Error when retrieving credentials from custom-process: broken"
        );
        let e = run("sleep 5", Duration::from_millis(100)).unwrap_err();
        assert!(e.message.contains("did not finish"), "{e}");
    }
}
