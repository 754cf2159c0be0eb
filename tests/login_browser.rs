//! A real browser signs in: awsrun opens the sign-in URL through `$BROWSER`, which is a
//! playwright-core script driving Debian's headless Chromium. It clicks Continue on the emulator's
//! page and follows the redirect to awsrun's callback, exactly as a user's browser would.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::*;

#[test]
fn chromium_signs_in_through_the_authorize_page_and_the_loopback_callback() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let driver = root.join("tests/browser/drive.js");
    assert!(
        root.join("tests/browser/node_modules/playwright-core")
            .is_dir(),
        "playwright-core is missing: run tests/setup.sh (npm ci in tests/browser)"
    );
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: run tests/setup.sh"
    );

    let home = Home::new("browser");
    home.write(
        ".aws/config",
        "# mine\n[profile web]\nregion = sa-east-1\noutput = json\n",
    );
    let emu = Emulator::start(&["--identity", BOB]);
    let result = home.path("driver.json");
    let out = home
        .awsrun(Some(&emu.base), &["login", "-p", "web", "--timeout", "120"])
        .env("BROWSER", format!("node {} %s", driver.display()))
        .env("AWSRUN_DRIVER_RESULT", &result)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "awsrun login failed:\n{stderr}");
    assert!(
        stderr.starts_with(
            "Attempting to open the login page for `sa-east-1` in your default browser.\n"
        ),
        "{stderr}"
    );

    // The driver finishes (closes Chromium, writes its report) a moment after awsrun is done.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !result.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let report: serde_json::Value = serde_json::from_str(&home.read("driver.json")).unwrap();
    assert_eq!(report["ok"], true, "driver: {report}");
    assert_eq!(report["identities"][0], BOB);
    let final_url = report["finalUrl"].as_str().unwrap();
    assert!(
        final_url.starts_with("http://127.0.0.1:") && final_url.contains("/oauth/callback?code="),
        "{final_url}"
    );
    assert_eq!(report["finalTitle"], "awsrun: Signed in");
    assert!(report["finalText"]
        .as_str()
        .unwrap()
        .contains("return to the terminal"));

    assert_eq!(
        home.read_config(),
        format!(
            "# mine\n[profile web]\nregion = sa-east-1\noutput = json\nlogin_session = {BOB}\n"
        )
    );
    let c = home.cache(BOB);
    assert_eq!(c["accessToken"]["accountId"], "210987654321");
    assert_eq!(c["signInRegion"], "sa-east-1");
    assert_eq!(emu.counter("signin.approve"), 1);
    assert_eq!(emu.counter("signin.token.authorization_code"), 1);
}
