//! install.sh, run for real into temporary HOMEs and prefixes. The binary comes from
//! AWSRUN_INSTALL_BIN (this build) so the suite does not compile a release build; the cargo
//! path is checked with a `cargo` on PATH that records how it was called.

mod support;

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{shell_path, stderr, stdout, TempDir, AWSRUN};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh")
}

/// Every path under `root`, directories included.
fn tree(root: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.insert(p);
        }
    }
    out
}

fn install(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(shell_path("sh"))
        .arg(script())
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .env("AWSRUN_INSTALL_BIN", AWSRUN)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn installs_for_the_user_and_uninstall_removes_everything_it_put_there() {
    let tmp = TempDir::new("install");
    let home = tmp.path().join("home");
    // The user's own files in the same directories must survive.
    for (p, text) in [
        (".config/fish/config.fish", "# mine\n"),
        (".local/bin/other", "#!/bin/sh\n"),
    ] {
        std::fs::create_dir_all(home.join(p).parent().unwrap()).unwrap();
        std::fs::write(home.join(p), text).unwrap();
    }
    let before = tree(tmp.path());

    let out = install(&home, &[], &[]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    for line in [
        "eval \"$(awsrun hook bash --prompt)\"",
        "eval \"$(awsrun hook zsh --prompt)\"",
        "awsrun hook fish --prompt | source",
        "is not on your PATH",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }

    let bin = home.join(".local/bin/awsrun");
    let version = Command::new(&bin).arg("--version").output().unwrap();
    assert!(
        stdout(&version).starts_with("awsrun "),
        "{}",
        stdout(&version)
    );
    assert_eq!(
        std::fs::metadata(&bin).unwrap().permissions().mode() & 0o777,
        0o755
    );
    for (shell, path) in [
        ("bash", ".local/share/bash-completion/completions/awsrun"),
        ("zsh", ".local/share/zsh/site-functions/_awsrun"),
        ("fish", ".config/fish/completions/awsrun.fish"),
    ] {
        let want = Command::new(AWSRUN)
            .args(["completions", shell])
            .output()
            .unwrap()
            .stdout;
        assert_eq!(std::fs::read(home.join(path)).unwrap(), want, "{path}");
    }
    let man = home.join(".local/share/man/man1/awsrun-prompt.1");
    let rendered = Command::new(shell_path("man"))
        .arg("-l")
        .arg(&man)
        .env("MANPAGER", "cat")
        .output()
        .unwrap();
    assert!(
        stdout(&rendered).contains("awsrun-prompt"),
        "{}",
        stderr(&rendered)
    );
    // `man awsrun` finds the page through PATH (man-db maps PREFIX/bin to PREFIX/share/man).
    let found = Command::new(shell_path("man"))
        .args(["-w", "awsrun"])
        .env_clear()
        .env("HOME", &home)
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", home.join(".local/bin").display()),
        )
        .output()
        .unwrap();
    assert_eq!(
        stdout(&found).trim(),
        home.join(".local/share/man/man1/awsrun.1")
            .display()
            .to_string()
    );

    // Idempotent: a second run succeeds and leaves the same files.
    let installed = tree(tmp.path());
    let again = install(&home, &[], &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(tree(tmp.path()), installed);

    let out = install(&home, &["--uninstall"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        tree(tmp.path()),
        before,
        "uninstall left or removed something"
    );
    assert_eq!(
        std::fs::read_to_string(home.join(".config/fish/config.fish")).unwrap(),
        "# mine\n"
    );

    // Uninstalling again is harmless.
    let out = install(&home, &["--uninstall"], &[]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("Nothing to uninstall"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn prefix_and_xdg_directories_are_honoured() {
    let tmp = TempDir::new("install");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let prefix = tmp.path().join("opt");
    let data = tmp.path().join("data");
    let config = tmp.path().join("config");
    let env = [
        ("XDG_DATA_HOME", data.to_str().unwrap()),
        ("XDG_CONFIG_HOME", config.to_str().unwrap()),
    ];
    let out = install(&home, &["--prefix", prefix.to_str().unwrap()], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    for p in [
        prefix.join("bin/awsrun"),
        prefix.join("share/man/man1/awsrun.1"),
        prefix.join("share/man/man1/awsrun-hook.1"),
        data.join("bash-completion/completions/awsrun"),
        data.join("zsh/site-functions/_awsrun"),
        config.join("fish/completions/awsrun.fish"),
    ] {
        assert!(p.is_file(), "{} missing", p.display());
    }
    assert_eq!(
        tree(&home),
        BTreeSet::new(),
        "nothing goes into HOME itself"
    );
    // PREFIX from the environment is the same as --prefix.
    let mut env2 = env.to_vec();
    env2.push(("PREFIX", prefix.to_str().unwrap()));
    let out = install(&home, &["--uninstall"], &env2);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!tmp.path().join("opt").exists());
    assert!(!data.exists() && !config.exists());
}

#[test]
fn without_cargo_it_says_how_to_get_it_and_installs_nothing() {
    let tmp = TempDir::new("install");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let path = ["/usr/local/bin", "/usr/bin", "/bin"]
        .iter()
        .filter(|d| !Path::new(d).join("cargo").exists())
        .copied()
        .collect::<Vec<_>>()
        .join(":");
    let out = Command::new(shell_path("sh"))
        .arg(script())
        .env_clear()
        .env("HOME", &home)
        .env("PATH", path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("install.sh: error: cargo was not found on PATH"),
        "{err}"
    );
    assert!(
        err.contains("https://rustup.rs") && err.contains("AWSRUN_INSTALL_BIN"),
        "{err}"
    );
    assert_eq!(tree(&home), BTreeSet::new());
}

#[test]
fn builds_with_cargo_release_locked_in_the_source_tree() {
    let tmp = TempDir::new("install");
    let home = tmp.path().join("home");
    let tools = tmp.path().join("tools");
    let target = tmp.path().join("target");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&tools).unwrap();
    // A cargo that records its arguments and directory and "builds" by copying this binary.
    let fake = tools.join("cargo");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" \"$(pwd)\" > '{log}'\n\
             mkdir -p \"$CARGO_TARGET_DIR/release\" && cp '{AWSRUN}' \"$CARGO_TARGET_DIR/release/awsrun\"\n",
            log = tmp.path().join("cargo.log").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new(shell_path("sh"))
        .arg(script())
        .args(["--prefix", tmp.path().join("p").to_str().unwrap()])
        .env_clear()
        .env("HOME", &home)
        .env("PATH", format!("{}:/usr/bin:/bin", tools.display()))
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let log = std::fs::read_to_string(tmp.path().join("cargo.log")).unwrap();
    let mut lines = log.lines();
    assert_eq!(lines.next(), Some("build --release --locked"));
    assert_eq!(lines.next(), Some(env!("CARGO_MANIFEST_DIR")));
    assert_eq!(
        std::fs::read(tmp.path().join("p/bin/awsrun")).unwrap(),
        std::fs::read(AWSRUN).unwrap()
    );
}
