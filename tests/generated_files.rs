//! The completions and man pages checked in under completions/ and man/ are what the binary
//! generates now. After changing the command line, regenerate them with
//! `AWSRUN_UPDATE_GENERATED=1 cargo test --test generated_files`.

use std::path::{Path, PathBuf};
use std::process::Command;

const AWSRUN: &str = env!("CARGO_BIN_EXE_awsrun");

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var_os("AWSRUN_UPDATE_GENERATED").is_some_and(|v| v == "1")
}

fn run(args: &[&str]) -> Vec<u8> {
    let out = Command::new(AWSRUN).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "awsrun {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Compares (or, when updating, rewrites) one checked-in file; returns a complaint if stale.
fn compare(path: &Path, want: &[u8]) -> Option<String> {
    let have = std::fs::read(path).ok();
    if have.as_deref() == Some(want) {
        return None;
    }
    if updating() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, want).unwrap();
        return None;
    }
    Some(format!(
        "{} is {}",
        path.strip_prefix(repo()).unwrap_or(path).display(),
        if have.is_some() {
            "out of date"
        } else {
            "missing"
        }
    ))
}

fn fail_if_stale(complaints: Vec<String>) {
    assert!(
        complaints.is_empty(),
        "{}\nregenerate with: AWSRUN_UPDATE_GENERATED=1 cargo test --test generated_files",
        complaints.join("\n")
    );
}

#[test]
fn completions_are_up_to_date() {
    let dir = repo().join("completions");
    let complaints = [
        ("bash", "awsrun.bash"),
        ("zsh", "_awsrun"),
        ("fish", "awsrun.fish"),
    ]
    .iter()
    .filter_map(|(shell, file)| compare(&dir.join(file), &run(&["completions", shell])))
    .collect();
    fail_if_stale(complaints);
}

#[test]
fn man_pages_are_up_to_date() {
    let fresh = std::env::temp_dir().join(format!("awsrun-man-{}", std::process::id()));
    run(&["man", "--out", fresh.to_str().unwrap()]);
    let dir = repo().join("man");
    let mut complaints = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(&fresh)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.contains(&"awsrun.1".to_string()) && names.len() > 10,
        "{names:?}"
    );
    for name in &names {
        let want = std::fs::read(fresh.join(name)).unwrap();
        complaints.extend(compare(&dir.join(name), &want));
    }
    // A page for a subcommand that no longer exists is stale too.
    for entry in std::fs::read_dir(&dir).into_iter().flatten() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !names.contains(&name) {
            if updating() {
                std::fs::remove_file(dir.join(&name)).unwrap();
            } else {
                complaints.push(format!("man/{name} is no longer generated"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&fresh);
    // `awsrun man` alone prints the main page.
    assert_eq!(
        run(&["man"]),
        std::fs::read(dir.join("awsrun.1")).unwrap_or_default()
    );
    fail_if_stale(complaints);
}
