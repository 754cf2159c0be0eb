//! `awsrun login --remote`: the cross-device URL, the code the confirmation page shows pasted on
//! stdin, and clear messages for pastes that are not right.

mod support;

use support::*;

/// Starts a remote login and returns it with the authorize URL it printed.
fn start(home: &Home, emu: &Emulator, args: &[&str]) -> (Running, String) {
    let mut all = vec!["login", "--remote"];
    all.extend_from_slice(args);
    let mut run = Running::spawn(home.awsrun(Some(&emu.base), &all));
    let url = run.authorize_url(&emu.base);
    (run, url)
}

/// Approves on the emulator and reads the code from the confirmation page, as a user would.
fn code_from_confirmation_page(emu: &Emulator, url: &str) -> String {
    let confirmation = emu.approve(url, Some(0));
    assert!(
        confirmation.starts_with(&format!("{}/v1/sessions/confirmation?", emu.base)),
        "{confirmation}"
    );
    let page = http("GET", &confirmation, &[], b"").text();
    let start = page
        .find("<pre id=\"verification-code\"")
        .expect("code on the page");
    let start = start + page[start..].find('>').unwrap() + 1;
    page[start..start + page[start..].find('<').unwrap()].to_string()
}

#[test]
fn the_code_pasted_on_stdin_completes_the_login() {
    let home = Home::new("remote");
    let emu = Emulator::start(&[]);
    let (mut run, url) = start(&home, &emu, &["-p", "far", "--region", "eu-west-3"]);
    assert_eq!(
        query_param(&url, "client_id").unwrap(),
        "arn:aws:signin:::devtools/cross-device"
    );
    assert_eq!(
        query_param(&url, "redirect_uri").unwrap(),
        format!("{}/v1/sessions/confirmation", emu.base)
    );
    let code = code_from_confirmation_page(&emu, &url);
    run.write_stdin(&format!("{code}\n"));
    let f = run.finish();
    assert_ok(&f);
    assert!(
        f.stderr
            .contains("Browser will not be automatically opened.\nPlease visit the following URL:"),
        "{}",
        f.stderr
    );
    assert!(
        f.stderr
            .contains("Enter the authorization code displayed in your browser: "),
        "{}",
        f.stderr
    );
    assert_eq!(
        home.read_config(),
        format!("[profile far]\nlogin_session = {ALICE}\n")
    );
    let c = home.cache(ALICE);
    assert_eq!(c["clientId"], "arn:aws:signin:::devtools/cross-device");
    assert_eq!(c["signInRegion"], "eu-west-3");
    assert_eq!(emu.counter("signin.token.authorization_code"), 1);
}

#[test]
fn bad_pasted_codes_are_explained_and_nothing_is_written() {
    let emu = Emulator::start(&[]);
    let b64 = |s: &str| awsrun::jose::b64_std(s.as_bytes());
    let cases: Vec<(String, &str)> = vec![
        ("".into(), "nothing was entered"),
        ("this is not base64!".into(), "it is not base64 text"),
        (
            awsrun::jose::b64_std(&[0xff, 0xfe, 0xfd]),
            "it does not decode to text",
        ),
        (b64("state=whatever"), "it has no authorization code in it"),
        (b64("code=abc"), "it has no state in it"),
        (
            b64("code=abc&state=0f8b2d4e-0000-4000-8000-000000000000"),
            "it belongs to a different login",
        ),
    ];
    for (pasted, why) in cases {
        let home = Home::new("remote-bad");
        let (mut run, _url) = start(&home, &emu, &["--region", "us-east-1"]);
        run.write_stdin(&format!("{pasted}\n"));
        let f = run.finish();
        assert_eq!(f.status.code(), Some(1), "{pasted:?}: {}", f.stderr);
        let last = f.stderr.lines().last().unwrap_or("").to_string();
        assert!(
            last.starts_with("awsrun: error: The authorization code is not valid: "),
            "{last}"
        );
        assert!(last.contains(why), "{pasted:?}: {last}");
        assert!(!home.path(".aws/config").exists());
        assert!(home.cache_files().is_empty());
    }
    assert_eq!(
        emu.counter("signin.token"),
        0,
        "no bad paste reached the token endpoint"
    );

    // End of input without a code.
    let home = Home::new("remote-eof");
    let (mut run, _url) = start(&home, &emu, &["--region", "us-east-1"]);
    run.close_stdin();
    let f = run.finish();
    assert_eq!(f.status.code(), Some(1));
    assert!(
        f.stderr
            .ends_with("awsrun: error: No authorization code was entered (end of input)"),
        "{}",
        f.stderr
    );
}

#[test]
fn a_code_from_another_remote_login_is_refused() {
    let home = Home::new("remote-other");
    let emu = Emulator::start(&[]);
    let (mut first, first_url) = start(&home, &emu, &["--region", "us-east-1"]);
    let (mut second, second_url) = start(&home, &emu, &["--region", "us-east-1"]);
    let first_code = code_from_confirmation_page(&emu, &first_url);
    second.write_stdin(&format!("{first_code}\n"));
    let f = second.finish();
    assert_eq!(f.status.code(), Some(1));
    assert!(
        f.stderr.contains("it belongs to a different login"),
        "{}",
        f.stderr
    );
    // The first login still completes with its own code.
    first.write_stdin(&format!("{first_code}\n"));
    assert_ok(&first.finish());
    let _ = second_url;
}
