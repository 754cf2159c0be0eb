//! The other AWS clients the tests run awsrun against: botocore in the venv, and the AWS SDK for
//! Rust programs in tests/sdk-client.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The venv python with botocore[crt] 1.44.5 (tests/setup.sh makes it).
pub fn venv_python() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run tests/setup.sh (it creates the venv with botocore[crt]==1.44.5)",
        p.display()
    );
    p
}

/// Builds tests/sdk-client, the AWS SDK for Rust test programs (once; cargo makes later builds
/// no-ops), and returns the path of its binary `bin`.
pub fn sdk_client_bin(bin: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = root.join("target/sdk-client");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--quiet", "--locked", "--manifest-path"])
        .arg(root.join("tests/sdk-client/Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "building tests/sdk-client (aws-config with credentials-login) failed; tests/setup.sh fetches its crates:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target.join("debug").join(bin)
}
