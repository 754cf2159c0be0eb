//! Inside an awsrun subshell the prompt segment starts no process: every prompt is drawn by
//! the shell alone. strace follows the shell and records every process it creates; markers
//! (`echo >FILE` to two marker files, whose opening strace logs) bracket the prompts we count.

mod support;

use std::time::{Duration, Instant};

use support::{now, shell_path, strip_ansi, Home, TempDir, Tmux, AWSRUN};

const PROMPTS: usize = 4;

/// Runs `shell` under strace with the hook, draws PROMPTS prompts between two markers, and
/// returns the process-creating syscalls made between the markers, and the final screen.
fn spawns_between_markers(
    shell: &str,
    env: &[(&str, String)],
    wrapper: &[&str],
) -> (Vec<String>, String) {
    let home = Home::standard();
    let conf = TempDir::new("rc");
    let log = conf.path().join("strace.log");
    let marker = |name: &str| conf.path().join(name).display().to_string();
    let (start, end) = (marker("awsrun-marker-start"), marker("awsrun-marker-end"));
    let mut vars: Vec<(String, String)> = vec![
        ("HOME".into(), home.dir.display().to_string()),
        ("PATH".into(), "/usr/bin:/bin".into()),
    ];
    vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let mut argv = vec![
        shell_path("strace"),
        "-f".into(),
        "-qq".into(),
        "-e".into(),
        "trace=execve,fork,vfork,clone,clone3,open,openat,creat".into(),
        "-o".into(),
        log.display().to_string(),
    ];
    argv.extend(wrapper.iter().map(|w| w.to_string()));
    match shell {
        "bash" => {
            let rc = conf.path().join("bashrc");
            std::fs::write(
                &rc,
                format!("PS1='$ '\neval \"$('{AWSRUN}' hook bash --prompt)\"\n"),
            )
            .unwrap();
            argv.extend([shell_path("bash"), "--noprofile".into(), "--rcfile".into()]);
            argv.extend([rc.display().to_string(), "-i".into()]);
        }
        "zsh" => {
            std::fs::write(
                conf.path().join(".zshrc"),
                format!("PROMPT='$ '\neval \"$('{AWSRUN}' hook zsh --prompt)\"\n"),
            )
            .unwrap();
            vars.push(("ZDOTDIR".into(), conf.path().display().to_string()));
            argv.extend([shell_path("zsh"), "-i".into()]);
        }
        _ => {
            std::fs::create_dir_all(conf.path().join("fish")).unwrap();
            std::fs::write(
                conf.path().join("fish/config.fish"),
                format!(
                    "set -g fish_greeting\nfunction fish_prompt; printf '$ '; end\n\
                     '{AWSRUN}' hook fish --prompt | source\n"
                ),
            )
            .unwrap();
            vars.push(("XDG_CONFIG_HOME".into(), conf.path().display().to_string()));
            argv.extend([shell_path("fish"), "-i".into()]);
        }
    }
    let vars_ref: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let argv_ref: Vec<&str> = argv.iter().map(String::as_str).collect();
    let tmux = Tmux::start(&argv_ref, &vars_ref, 100);
    let prompts = |scr: &str| {
        strip_ansi(scr)
            .lines()
            .filter(|l| l.starts_with("$") || l.contains(" $"))
            .count()
    };
    tmux.wait_for("the first prompt", |s| prompts(s) >= 1);
    let enter = |text: &str, total: usize| {
        tmux.type_text(text);
        tmux.press("Enter");
        tmux.wait_for("the next prompt", |s| prompts(s) >= total)
    };
    enter(&format!("echo >{start}"), 2);
    for i in 0..PROMPTS {
        enter("", 3 + i);
    }
    let screen = enter(&format!("echo >{end}"), 3 + PROMPTS);
    tmux.type_text("exit");
    tmux.press("Enter");
    // strace writes the end marker as the shell makes the call; wait until it is there.
    let deadline = Instant::now() + Duration::from_secs(30);
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("awsrun-marker-end") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let start = text
        .find(&format!("\"{start}\""))
        .unwrap_or_else(|| panic!("no start marker in the strace log:\n{text}"));
    let end = text
        .find(&format!("\"{end}\""))
        .unwrap_or_else(|| panic!("no end marker in the strace log:\n{text}"));
    let spawns = text[start..end]
        .lines()
        .filter(|l| {
            ["execve(", "fork(", "clone(", "clone3("]
                .iter()
                .any(|s| l.contains(s))
        })
        // A new thread (fish runs a thread pool) is not a new process.
        .filter(|l| !l.contains("CLONE_THREAD"))
        .map(str::to_string)
        .collect();
    (spawns, screen)
}

fn child_env() -> Vec<(&'static str, String)> {
    vec![
        ("AWSRUN_PROFILE", "dev".into()),
        (
            "AWSRUN_SESSION_EXPIRES_EPOCH",
            (now() + 3 * 3600 + 45).to_string(),
        ),
        ("AWS_PROFILE", "dev".into()),
    ]
}

fn assert_no_spawn(shell: &str) {
    let (spawns, screen) = spawns_between_markers(shell, &child_env(), &[]);
    assert!(
        strip_ansi(&screen).matches("dev 3h0m").count() >= PROMPTS,
        "{shell}: the segment is not in every prompt:\n{screen}"
    );
    assert!(
        spawns.is_empty(),
        "{shell} started processes for its prompts:\n{spawns:#?}"
    );
}

#[test]
fn bash_subshell_prompt_spawns_nothing() {
    assert_no_spawn("bash");
}

#[test]
fn zsh_subshell_prompt_spawns_nothing() {
    assert_no_spawn("zsh");
}

#[test]
fn fish_subshell_prompt_spawns_nothing() {
    assert_no_spawn("fish");
}

/// The method sees spawns: outside awsrun every prompt runs `awsrun prompt`.
#[test]
fn outside_awsrun_each_prompt_runs_awsrun_prompt() {
    for shell in ["bash", "zsh", "fish"] {
        let (spawns, screen) = spawns_between_markers(shell, &[("AWS_PROFILE", "dev".into())], &[]);
        assert!(
            strip_ansi(&screen).contains("dev 3h12m"),
            "{shell}:\n{screen}"
        );
        let runs = spawns
            .iter()
            .filter(|l| l.contains("execve(") && l.contains(AWSRUN) && l.contains("\"prompt\""))
            .count();
        assert!(
            runs > PROMPTS,
            "{shell}: {runs} runs of awsrun prompt in {spawns:#?}"
        );
    }
}

/// Under a real `awsrun exec` (which stays as the parent and serves credentials): still no
/// process per prompt, from the shell or from awsrun.
#[test]
fn real_awsrun_exec_subshell_prompt_spawns_nothing() {
    for shell in ["bash", "zsh", "fish"] {
        let (spawns, screen) = spawns_between_markers(shell, &[], &[AWSRUN, "-p", "dev", "--"]);
        assert!(
            strip_ansi(&screen).matches("dev 3h12m").count() >= PROMPTS,
            "{shell}: the segment is not in every prompt:\n{screen}"
        );
        assert!(
            spawns.is_empty(),
            "{shell} started processes for its prompts:\n{spawns:#?}"
        );
    }
}

/// bash before 5.0 has no $EPOCHSECONDS; the hook then reads the clock with the printf
/// builtin, still without a process.
#[test]
fn bash_without_epochseconds_still_spawns_nothing() {
    let dir = TempDir::new("hook");
    let hook = dir.path().join("hook.bash");
    let out = std::process::Command::new(AWSRUN)
        .args(["hook", "bash"])
        .output()
        .unwrap();
    std::fs::write(&hook, &out.stdout).unwrap();
    let log = dir.path().join("strace.log");
    let expires = now() + 2 * 3600 + 45;
    let script = format!(
        "unset EPOCHSECONDS; source '{}'; for i in 1 2 3; do __awsrun_precmd; done; \
         printf '%s|' \"$AWSRUN_SEGMENT\"",
        hook.display()
    );
    let out = std::process::Command::new(shell_path("strace"))
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=execve,fork,vfork,clone,clone3",
            "-o",
        ])
        .arg(&log)
        .args([&shell_path("bash"), "--noprofile", "--norc", "-c", &script])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("AWSRUN_PROFILE", "dev")
        .env("AWSRUN_SESSION_EXPIRES_EPOCH", expires.to_string())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "\u{1}\x1b[32m\u{2}dev 2h0m\u{1}\x1b[0m\u{2} |"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let spawns: Vec<&str> = text
        .lines()
        .filter(|l| {
            ["execve(", "fork(", "clone(", "clone3("]
                .iter()
                .any(|s| l.contains(s))
        })
        .collect();
    assert_eq!(
        spawns.len(),
        1,
        "only bash itself may be executed: {spawns:#?}"
    );
}
