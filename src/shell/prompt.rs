//! `awsrun prompt`: the segment for starship, tmux and the shell hooks. It runs before every
//! prompt, so it reads the two config files and at most one cache file, and it recognises its
//! own command line before clap builds the whole command tree.

use std::io::{IsTerminal, Write};

use crate::env::Env;
use crate::session;
use crate::shell::segment::{json_without_session, Segment};

/// What `awsrun prompt` was asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub profile: Option<String>,
    pub format: Option<String>,
    pub json: bool,
}

/// The template used when none is given.
pub const DEFAULT_FORMAT: &str = "{profile} {left}";

/// Recognises a plain `awsrun [-p P] prompt [--format T] [--json]` command line. Anything else
/// (help, a typo, a repeated flag) returns `None` so that clap parses it and explains.
pub fn fast_args(args: &[std::ffi::OsString]) -> Option<Request> {
    let args: Vec<&str> = args
        .iter()
        .skip(1)
        .map(|a| a.to_str())
        .collect::<Option<_>>()?;
    let mut req = Request::default();
    let mut seen_prompt = false;
    let mut i = 0;
    let take = |slot: &mut Option<String>, value: Option<&str>| -> Option<()> {
        if slot.is_some() {
            return None;
        }
        *slot = Some(value?.to_string());
        Some(())
    };
    let mut region: Option<String> = None;
    while i < args.len() {
        let a = args[i];
        let next = args.get(i + 1).copied();
        match a {
            "prompt" if !seen_prompt => seen_prompt = true,
            "-p" | "--profile" => {
                take(&mut req.profile, next)?;
                i += 1;
            }
            "--region" => {
                take(&mut region, next)?;
                i += 1;
            }
            "--format" if seen_prompt => {
                take(&mut req.format, next)?;
                i += 1;
            }
            "--json" if seen_prompt && !req.json => req.json = true,
            _ => {
                if let Some(v) = a.strip_prefix("--profile=") {
                    take(&mut req.profile, Some(v))?;
                } else if let Some(v) = a.strip_prefix("--format=").filter(|_| seen_prompt) {
                    take(&mut req.format, Some(v))?;
                } else if let Some(v) = a.strip_prefix("--region=") {
                    take(&mut region, Some(v))?;
                } else {
                    return None;
                }
            }
        }
        i += 1;
    }
    seen_prompt.then_some(req)
}

/// Runs `awsrun prompt` and returns the exit code. No login session prints nothing (or
/// `login_session: false` with `--json`) and succeeds: that is the common case, not an error.
pub fn run(req: &Request, env: &Env) -> i32 {
    let active = match session::active(req.profile.as_deref(), env) {
        Ok(a) => a,
        Err(e) => return crate::app::report(e, 1),
    };
    let text = match active.expires {
        None if req.json => json_without_session(&active.profile).to_string(),
        None => return 0,
        Some(expires) => {
            let stdout_tty = std::io::stdout().is_terminal();
            let seg = Segment {
                profile: &active.profile,
                expires,
                now: crate::time::now(),
                color: env.non_empty("NO_COLOR").is_none(),
            };
            if req.json {
                seg.json().to_string()
            } else {
                let template = match req.format.as_deref() {
                    Some(t) => t,
                    None if stdout_tty => "{color}{profile} {left}{reset}",
                    None => DEFAULT_FORMAT,
                };
                match seg.render(template) {
                    Ok(t) => t,
                    Err(e) => return crate::app::report(e, 2),
                }
            }
        }
    };
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Ok(()) => 0,
        // A closed pipe (the prompt gave up) is not worth a message.
        Err(_) => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Option<Request> {
        let args: Vec<std::ffi::OsString> = std::iter::once("awsrun")
            .chain(line.split_whitespace())
            .map(Into::into)
            .collect();
        fast_args(&args)
    }

    #[test]
    fn recognises_only_plain_prompt_lines() {
        assert_eq!(parse("prompt"), Some(Request::default()));
        let want = Request {
            profile: Some("dev".into()),
            format: Some("{left}".into()),
            json: true,
        };
        assert_eq!(
            parse("-p dev prompt --format {left} --json"),
            Some(want.clone())
        );
        assert_eq!(
            parse("prompt --profile=dev --format={left} --json"),
            Some(want)
        );
        assert_eq!(
            parse("--region eu-west-1 prompt").map(|r| r.json),
            Some(false)
        );
        for other in [
            "",
            "login",
            "prompt --help",
            "prompt -h",
            "--format x prompt",
            "prompt --json --json",
            "prompt -p a -p b",
            "prompt -p",
            "prompt extra",
            "prompt prompt",
            "--version",
        ] {
            assert_eq!(parse(other), None, "{other:?}");
        }
    }
}
