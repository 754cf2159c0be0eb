//! The man pages render with `man -l`, without groff warnings, and say what they should.

mod support;

use std::path::Path;
use std::process::Command;

use support::{shell_path, stderr, stdout};

fn render(page: &Path) -> String {
    let out = Command::new(shell_path("man"))
        .arg("--warnings")
        .arg("-l")
        .arg(page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}: {}", page.display(), stderr(&out));
    assert_eq!(stderr(&out), "", "groff warnings for {}", page.display());
    // man's formatting: strip backspace overstrikes if a pager-less man left any.
    let text = stdout(&out);
    let mut clean = String::new();
    for c in text.chars() {
        if c == '\x08' {
            clean.pop();
        } else {
            clean.push(c);
        }
    }
    clean
}

#[test]
fn every_page_renders_with_man_l() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let mut pages: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    assert!(pages.len() > 10, "{pages:?}");
    for page in &pages {
        let text = render(page);
        let name = page.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(text.contains(&format!("{name}(1)")), "{name}:\n{text}");
        for heading in ["NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"] {
            assert!(
                text.lines().any(|l| l == heading),
                "{name} has no {heading}:\n{text}"
            );
        }
    }
}

#[test]
fn the_main_page_lists_every_command_and_the_prompt_page_its_template() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let main = render(&dir.join("awsrun.1"));
    for sub in [
        "login",
        "logout",
        "exec",
        "list",
        "profiles",
        "prompt",
        "hook",
        "completions",
        "man",
    ] {
        assert!(main.contains(&format!("awsrun-{sub}(1)")), "{sub}:\n{main}");
    }
    assert!(main.contains("AWSRUN_SESSION_DURATION"), "{main}");
    let prompt = render(&dir.join("awsrun-prompt.1"));
    for needle in [
        "{color_name}",
        "awsrun_session_duration",
        "[custom.awsrun]",
        "--format",
    ] {
        assert!(prompt.contains(needle), "{needle}:\n{prompt}");
    }
    let hook = render(&dir.join("awsrun-hook.1"));
    assert!(hook.contains("eval \"$(awsrun hook bash)\""), "{hook}");
}
