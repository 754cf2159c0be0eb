//! `-p/--profile` completes the profile names in the user's files, in real bash, zsh and fish,
//! from the checked-in completion scripts (generated_files.rs keeps them current).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{shell_path, stderr, stdout, strip_ansi, Home, TempDir, Tmux, AWSRUN};

fn completions(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("completions")
        .join(file)
}

/// PATH with the awsrun under test first: the scripts run `awsrun profiles`.
fn path() -> String {
    let dir = Path::new(AWSRUN).parent().unwrap().display().to_string();
    format!("{dir}:/usr/bin:/bin")
}

/// The standard profiles plus one only in the credentials file and one with a space.
fn home() -> Home {
    let home = Home::standard();
    let mut config = support::STANDARD_CONFIG.to_string();
    config += "\n[profile \"my dev\"]\nregion = us-west-2\n";
    home.config(&config);
    home.write(
        ".aws/credentials",
        "[keys]\naws_access_key_id = A\n[creds-only]\nx = y\n",
    );
    home
}

const ALL: &[&str] = &[
    "default",
    "dev",
    "short",
    "old",
    "keys",
    "gone",
    "my dev",
    "creds-only",
];

/// COMPREPLY for a command line, through the function bash registered for awsrun.
fn bash_complete(home: &Home, words: &[&str]) -> Vec<String> {
    let script = format!(
        r#"source '{}'
COMP_WORDS=({})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
spec=$(complete -p awsrun)
fn=${{spec#*-F }}; fn=${{fn%% *}}
"$fn" awsrun "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        completions("awsrun.bash").display(),
        words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let out = Command::new(shell_path("bash"))
        .args(["--noprofile", "--norc", "-c", &script])
        .env_clear()
        .env("HOME", &home.dir)
        .env("PATH", path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn bash_completes_profile_names() {
    let home = home();
    let mut all = bash_complete(&home, &["awsrun", "-p", ""]);
    all.sort();
    let mut want: Vec<String> = ALL.iter().map(|n| n.replace(' ', "\\ ")).collect();
    want.sort();
    assert_eq!(all, want);
    assert_eq!(
        bash_complete(&home, &["awsrun", "list", "--profile", "d"]),
        ["default", "dev"]
    );
    assert_eq!(
        bash_complete(&home, &["awsrun", "--profile", "=", "s"]),
        ["short"]
    );
    assert_eq!(
        bash_complete(&home, &["awsrun", "prompt", "-p", "my"]),
        ["my\\ dev"]
    );
    // Everything else is still clap's.
    let subcommands = bash_complete(&home, &["awsrun", "lo"]);
    assert!(
        subcommands.contains(&"login".to_string()),
        "{subcommands:?}"
    );
    assert!(
        subcommands.contains(&"logout".to_string()),
        "{subcommands:?}"
    );
    // The names follow AWS_CONFIG_FILE at completion time, not the files at generation time.
    home.config("[profile fresh]\n");
    assert!(bash_complete(&home, &["awsrun", "-p", "f"]).contains(&"fresh".to_string()));
}

#[test]
fn fish_completes_profile_names() {
    let home = home();
    let complete = |line: &str| -> Vec<String> {
        let script = format!(
            "source '{}'; complete -C '{line}'",
            completions("awsrun.fish").display()
        );
        let out = Command::new(shell_path("fish"))
            .args(["--no-config", "-c", &script])
            .env_clear()
            .env("HOME", &home.dir)
            .env("PATH", path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let mut names: Vec<String> = stdout(&out)
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let mut want: Vec<String> = ALL.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(complete("awsrun -p "), want);
    assert_eq!(complete("awsrun exec --profile d"), ["default", "dev"]);
    assert_eq!(complete("awsrun list --profile=s"), ["--profile=short"]);
    let subcommands = complete("awsrun lo");
    assert_eq!(subcommands, ["login", "logout"]);
}

#[test]
fn zsh_completes_profile_names_on_tab() {
    let home = home();
    let conf = TempDir::new("zdot");
    std::fs::write(
        conf.path().join(".zshrc"),
        format!(
            "fpath=('{}' $fpath)\nautoload -Uz compinit && compinit -u -d '{}/.zcompdump'\nPROMPT='$ '\n",
            completions("").display(),
            conf.path().display()
        ),
    )
    .unwrap();
    let env = [
        ("HOME", home.dir.to_str().unwrap()),
        ("PATH", &path()),
        ("ZDOTDIR", conf.path().to_str().unwrap()),
    ];
    let tmux = Tmux::start(&[&shell_path("zsh"), "-i"], &env, 120);
    tmux.wait_for("the prompt", |s| strip_ansi(s).trim_end().ends_with('$'));
    // One match: the word is completed in place.
    tmux.type_text("awsrun list -p sh");
    tmux.press("Tab");
    tmux.wait_for("short completed", |s| {
        strip_ansi(s).contains("$ awsrun list -p short")
    });
    tmux.press("C-u");
    // Several: zsh lists them all under the line.
    tmux.type_text("awsrun -p ");
    tmux.press("Tab");
    let screen = tmux.wait_for("the list of profiles", |s| {
        let s = strip_ansi(s);
        s.contains("creds-only") && s.contains("gone")
    });
    let listed = strip_ansi(&screen);
    for name in [
        "default",
        "dev",
        "short",
        "old",
        "keys",
        "gone",
        "creds-only",
    ] {
        assert!(
            listed.split_whitespace().any(|w| w == name),
            "{name} not offered:\n{listed}"
        );
    }
    assert!(
        listed.contains("my\\ dev") || listed.contains("my dev"),
        "{listed}"
    );
}
