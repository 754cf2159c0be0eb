//! `awsrun hook SHELL [--prompt]`: the shell code to eval from an rc file. The sources live in
//! shell/awsrun.{bash,zsh,fish} (readable and testable as plain shell) and are compiled in.

use std::path::Path;

use crate::cli::Shell;

const BASH: &str = include_str!("../../shell/awsrun.bash");
const ZSH: &str = include_str!("../../shell/awsrun.zsh");
const FISH: &str = include_str!("../../shell/awsrun.fish");

/// The hook for `shell`, calling the awsrun at `exe` (the running binary, as starship and
/// direnv do, so the prompt works before PATH is set and skips a PATH search), and with
/// `prompt` also putting the segment into the prompt.
pub fn source(shell: Shell, exe: Option<&Path>, prompt: bool) -> String {
    let (text, bin_line) = match shell {
        Shell::Bash => (BASH, "__awsrun_bin=awsrun\n"),
        Shell::Zsh => (ZSH, "__awsrun_bin=awsrun\n"),
        Shell::Fish => (FISH, "set -g __awsrun_bin awsrun\n"),
    };
    let mut out = match exe.and_then(Path::to_str) {
        Some(exe) => {
            let quoted = match shell {
                Shell::Bash | Shell::Zsh => posix_quote(exe),
                Shell::Fish => fish_quote(exe),
            };
            let line = bin_line.replace("awsrun\n", &format!("{quoted}\n"));
            text.replacen(bin_line, &line, 1)
        }
        None => text.to_string(),
    };
    if prompt {
        out.push_str("__awsrun_insert_prompt\n");
    }
    out
}

fn posix_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn fish_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

pub fn run(args: &crate::cli::HookArgs) -> i32 {
    let exe = std::env::current_exe().ok();
    print!("{}", source(args.shell, exe.as_deref(), args.prompt));
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeds_the_binary_path_quoted() {
        let exe = Path::new("/opt/it's/awsrun");
        let bash = source(Shell::Bash, Some(exe), false);
        assert!(bash.contains("\n__awsrun_bin='/opt/it'\\''s/awsrun'\n"));
        assert!(!bash.contains("__awsrun_insert_prompt\n__awsrun_insert_prompt"));
        let fish = source(Shell::Fish, Some(exe), true);
        assert!(fish.contains("\nset -g __awsrun_bin '/opt/it\\'s/awsrun'\n"));
        assert!(fish.ends_with("\n__awsrun_insert_prompt\n"));
        assert!(source(Shell::Zsh, None, false).contains("\n__awsrun_bin=awsrun\n"));
    }
}
