//! README's first command: `./try.sh` installs awsrun and walks through the whole flow offline
//! against the local sign-in emulator. Run here with the binaries this build made.

use std::process::Command;

#[test]
fn try_sh_installs_and_runs_the_whole_flow_offline() {
    let root = env!("CARGO_MANIFEST_DIR");
    let home = std::env::temp_dir().join(format!("awsrun-try-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let out = Command::new(format!("{root}/try.sh"))
        .args(["--prefix", home.join("prefix").to_str().unwrap()])
        .env_clear()
        .env("HOME", &home)
        .env("PATH", "/usr/bin:/bin")
        .env("AWSRUN_INSTALL_BIN", env!("CARGO_BIN_EXE_awsrun"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let _ = std::fs::remove_dir_all(&home);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "Updated profile demo to use arn:aws:iam::123456789012:user/alice credentials.",
        "access_key : ****************",
        "region     : us-east-1                : config-file",
        "the command runs as demo in us-east-1; keys come from http://127.0.0.1:",
        "Arn:     arn:aws:iam::123456789012:user/alice",
        "Removed cached login credentials for profile 'demo'.",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    assert!(text.contains(": login            : \n"), "{text}");
    // A fresh 12-hour session (a minute may tick over between sign-in and prompt).
    assert!(
        text.contains("\ndemo 12h0m\n") || text.contains("\ndemo 11h59m\n"),
        "{text}"
    );
}
