//! The questions `awsrun login` asks when stdin is a terminal (a real pseudo-terminal here):
//! the region, and whether to switch a profile to a different session.

mod support;

use std::io::Write;
use std::process::Stdio;

use support::*;

/// Runs a login whose stdin is a pseudo-terminal that already holds `typed`.
fn login_on_terminal(
    home: &Home,
    emu: &Emulator,
    args: &[&str],
    typed: &str,
    idx: usize,
) -> Finished {
    let pty = nix::pty::openpty(None, None).unwrap();
    let mut master = std::fs::File::from(pty.master);
    master.write_all(typed.as_bytes()).unwrap();
    let mut all = vec!["login", "--no-browser"];
    all.extend_from_slice(args);
    let mut cmd = home.awsrun(Some(&emu.base), &all);
    cmd.stdin(Stdio::from(pty.slave));
    let mut run = Running::spawn_with_stdin(cmd);
    let url = run.authorize_url(&emu.base);
    let callback = emu.approve(&url, Some(idx));
    assert_eq!(http("GET", &callback, &[], b"").status, 200);
    let f = run.finish();
    drop(master);
    f
}

#[test]
fn asks_for_a_region_like_the_cli_and_saves_the_answer() {
    let home = Home::new("region-prompt");
    let emu = Emulator::start(&[]);
    let f = login_on_terminal(&home, &emu, &["-p", "dev"], "\n", 0);
    assert_ok(&f);
    assert!(f.stderr.starts_with("No AWS region has been configured. The AWS region is the geographic location of your AWS resources.\n"), "{}", f.stderr);
    assert!(
        f.stderr
            .contains("\"aws configure set region NEW_REGION\".\nAWS Region [us-east-1]: "),
        "{}",
        f.stderr
    );
    assert_eq!(
        home.read_config(),
        format!("[profile dev]\nlogin_session = {ALICE}\nregion = us-east-1\n")
    );
    assert_eq!(home.cache(ALICE)["signInRegion"], "us-east-1");

    let home = Home::new("region-answer");
    let f = login_on_terminal(&home, &emu, &[], "ap-south-1\n", 0);
    assert_ok(&f);
    assert_eq!(
        home.read_config(),
        format!("[default]\nlogin_session = {ALICE}\nregion = ap-south-1\n")
    );
    assert!(
        f.stderr.contains("Attempting") || f.stderr.contains("Please visit"),
        "{}",
        f.stderr
    );
}

#[test]
fn a_region_from_the_profile_is_used_without_asking() {
    let home = Home::new("region-profile");
    home.write(".aws/config", "[default]\nregion = eu-north-1\n");
    let emu = Emulator::start(&[]);
    let f = login_on_terminal(&home, &emu, &[], "", 0);
    assert_ok(&f);
    assert!(!f.stderr.contains("AWS Region ["), "{}", f.stderr);
    assert_eq!(home.cache(ALICE)["signInRegion"], "eu-north-1");
    assert_eq!(
        home.read_config(),
        format!("[default]\nregion = eu-north-1\nlogin_session = {ALICE}\n")
    );
}

#[test]
fn asks_before_switching_a_profile_to_another_session() {
    let emu = Emulator::start(&["--identity", ALICE, "--identity", BOB]);
    let before = format!("[profile dev]\nlogin_session = {ALICE}\nregion = us-east-1\n");
    let question = format!(
        "Profile dev is already configured to use session {ALICE}. Do you want to overwrite it to use {BOB} instead? (y/n): "
    );

    let home = Home::new("overwrite-n");
    home.write(".aws/config", &before);
    let f = login_on_terminal(&home, &emu, &["-p", "dev"], "n\n", 1);
    assert_ok(&f);
    assert!(f.stderr.contains(&question), "{}", f.stderr);
    assert!(
        f.stderr.contains("Profile dev was left unchanged."),
        "{}",
        f.stderr
    );
    assert_eq!(home.read_config(), before);
    assert!(
        home.cache_files().is_empty(),
        "nothing saved for a declined session"
    );

    let home = Home::new("overwrite-y");
    home.write(".aws/config", &before);
    let f = login_on_terminal(&home, &emu, &["-p", "dev"], "y\n", 1);
    assert_ok(&f);
    assert!(f.stderr.contains(&question), "{}", f.stderr);
    assert_eq!(home.read_config(), before.replace(ALICE, BOB));
    assert!(home.cache_path(BOB).exists());

    // The same session again: no question.
    let f = login_on_terminal(&home, &emu, &["-p", "dev"], "", 1);
    assert_ok(&f);
    assert!(!f.stderr.contains("overwrite"), "{}", f.stderr);
}
