//! `awsrun man [--out DIR]`: roff pages from the same clap definition the parser uses, plus the
//! sections clap has no place for (environment, examples). Without `--out` it prints awsrun(1);
//! with it, it writes awsrun.1 and one awsrun-SUBCOMMAND.1 page per subcommand.

use std::path::Path;

use clap_mangen::roff::{roman, Roff};

use crate::error::{Error, Kind, Result};

/// Extra sections, by page: (page, heading, paragraphs).
const EXTRA: &[(&str, &str, &[&str])] = &[
    (
        "awsrun",
        "ENVIRONMENT",
        &[
            "AWS_PROFILE, AWS_DEFAULT_PROFILE: the profile when -p is not given (AWS CLI order).",
            "AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, AWS_LOGIN_CACHE_DIRECTORY: where the \
             files are (default ~/.aws/config, ~/.aws/credentials, ~/.aws/login/cache).",
            "AWSRUN_PROFILE, AWSRUN_SESSION_EXPIRES_EPOCH: set by awsrun exec in its child.",
            "AWSRUN_SESSION_DURATION: login session length for the prompt (default 12h).",
            "NO_COLOR: no colours.",
        ],
    ),
    (
        "awsrun-prompt",
        "TEMPLATE",
        &[
            "--format expands {profile}, {left} (42m, 3h12m or expired), {minutes}, {seconds}, \
             {expires} (Unix time), {expires_at} (ISO 8601 UTC), {state} (ok, warn, critical, \
             expired), {color_name} (green, yellow under 30 minutes, red under 10), {color} and \
             {reset} (ANSI escapes, empty with NO_COLOR); {{ and }} are braces.",
            "Nothing is printed when the profile has no login session (--json prints \
             \"login_session\": false). Only the config, credentials and one cache file are \
             read: no network, no lock, no refresh.",
        ],
    ),
    (
        "awsrun-prompt",
        "SESSION LENGTH",
        &[
            "The session ends at the id token's iat plus 12 hours, unless \
             AWSRUN_SESSION_DURATION or the profile's awsrun_session_duration (seconds, or 8h, \
             90m, 1h30m) says otherwise; the variable wins. A role profile whose source_profile \
             chain ends at a login profile shows that login session.",
        ],
    ),
    (
        "awsrun-prompt",
        "EXAMPLES",
        &[
            "starship: [custom.awsrun] command = \"awsrun prompt\", when = true, \
             format = \"[$output]($style) \"",
            "tmux: set -g status-right '#(awsrun prompt --format \
             \"#[fg={color_name}]{profile} {left}#[default]\")'",
        ],
    ),
    (
        "awsrun-hook",
        "SETUP",
        &[
            "bash (~/.bashrc): eval \"$(awsrun hook bash)\"; PS1='${AWSRUN_SEGMENT}'$PS1",
            "zsh (~/.zshrc): eval \"$(awsrun hook zsh)\"; setopt prompt_subst; \
             PROMPT='${AWSRUN_SEGMENT}'$PROMPT",
            "fish (~/.config/fish/config.fish): awsrun hook fish | source; \
             function fish_right_prompt; awsrun_segment; end",
            "With --prompt the hook puts the segment in the prompt itself. Inside awsrun exec \
             the segment is computed from AWSRUN_SESSION_EXPIRES_EPOCH without starting a \
             process; elsewhere each prompt runs awsrun prompt.",
        ],
    ),
    (
        "awsrun-completions",
        "SETUP",
        &[
            "bash: awsrun completions bash > ~/.local/share/bash-completion/completions/awsrun",
            "zsh: awsrun completions zsh > ~/.local/share/zsh/site-functions/_awsrun (with that \
             directory in fpath before compinit)",
            "fish: awsrun completions fish > ~/.config/fish/completions/awsrun.fish",
            "-p and --profile complete the profile names in your files (awsrun profiles).",
        ],
    ),
];

/// Every page as (file name, roff), awsrun.1 first.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    let mut cmd = crate::cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = vec![page(&cmd)];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        out.push(page(sub));
    }
    out
}

fn page(cmd: &clap::Command) -> (String, Vec<u8>) {
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("awsrun {}", env!("CARGO_PKG_VERSION")))
        .manual("awsrun manual");
    let mut roff = Vec::new();
    // Rendering into memory cannot fail.
    let _ = man.render(&mut roff);
    let title = cmd.get_display_name().unwrap_or_else(|| cmd.get_name());
    let mut extra = Roff::new();
    for (_, heading, paragraphs) in EXTRA.iter().filter(|(p, _, _)| *p == title) {
        extra.control("SH", [*heading]);
        for p in *paragraphs {
            extra.control("PP", []).text([roman(*p)]);
        }
    }
    extra.control("SH", ["SEE ALSO"]);
    let others: Vec<String> = pages_names()
        .into_iter()
        .filter(|n| n != title)
        .map(|n| format!("{n}(1)"))
        .collect();
    extra.text([roman(others.join(", "))]);
    roff.extend_from_slice(extra.to_roff().as_bytes());
    (man.get_filename(), roff)
}

fn pages_names() -> Vec<String> {
    let mut names = vec!["awsrun".to_string()];
    for sub in crate::cli::command().get_subcommands() {
        names.push(format!("awsrun-{}", sub.get_name()));
    }
    names
}

/// Writes every page into `dir` (created if missing), each atomically.
pub fn write_pages(dir: &Path) -> Result<Vec<String>> {
    let io = |what: &str, p: &Path, e: std::io::Error| {
        Error::new(Kind::Io, format!("Unable to {what} {}: {e}", p.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| io("create the directory", dir, e))?;
    let mut names = Vec::new();
    for (name, roff) in pages() {
        let path = dir.join(&name);
        crate::fsutil::write_atomic(&path, &roff, 0o644).map_err(|e| io("write", &path, e))?;
        names.push(name);
    }
    Ok(names)
}

pub fn run(args: &crate::cli::ManArgs) -> i32 {
    use std::io::Write;
    match &args.out {
        Some(dir) => match write_pages(dir) {
            Ok(names) => {
                for n in names {
                    println!("{}", dir.join(n).display());
                }
                0
            }
            Err(e) => crate::app::report(e, 1),
        },
        None => {
            let (_, roff) = pages().swap_remove(0);
            let _ = std::io::stdout().write_all(&roff);
            0
        }
    }
}
