//! `awsrun login` / `awsrun logout` against the sign-in emulator, the browser played with plain
//! HTTP requests: what lands in the cache and the config, and how each failure is reported.

mod support;

use std::fs;

use support::*;

#[test]
fn same_device_login_writes_the_cli_cache_and_the_profile() {
    let home = Home::new("same-device");
    let emu = Emulator::start(&[]);
    let f = login(&home, &emu, &["-p", "dev", "--region", "eu-west-1"], 0);
    assert_ok(&f);
    assert!(
        f.stdout
            .contains(&format!("Updated profile dev to use {ALICE} credentials.")),
        "{}",
        f.stdout
    );

    assert_eq!(
        home.read_config(),
        format!("[profile dev]\nlogin_session = {ALICE}\n")
    );
    assert_eq!(mode(&home.path(".aws/config")), 0o600);

    let path = home.cache_path(ALICE);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    let c = home.cache(ALICE);
    let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "accessToken",
            "tokenType",
            "clientId",
            "refreshToken",
            "idToken",
            "dpopKey",
            "signInRegion"
        ]
    );
    let at = &c["accessToken"];
    assert!(at["accessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert_eq!(at["accountId"], "123456789012");
    let exp = at["expiresAt"].as_str().unwrap();
    assert!(
        awsrun::time::parse_iso8601(exp).is_some() && exp.ends_with('Z'),
        "{exp}"
    );
    assert_eq!(c["tokenType"], "aws_sigv4");
    assert_eq!(c["clientId"], "arn:aws:signin:::devtools/same-device");
    assert_eq!(c["signInRegion"], "eu-west-1");
    let pem = c["dpopKey"].as_str().unwrap();
    assert!(
        pem.starts_with("-----BEGIN EC PRIVATE KEY-----\n")
            && pem.ends_with("-----END EC PRIVATE KEY-----\n")
    );
    assert!(awsrun::jose::DpopKey::from_pem(pem).is_some());
    // Every secret stayed out of what awsrun printed.
    for secret in [
        at["secretAccessKey"].as_str().unwrap(),
        at["sessionToken"].as_str().unwrap(),
        c["refreshToken"].as_str().unwrap(),
    ] {
        assert!(!f.stdout.contains(secret) && !f.stderr.contains(secret));
    }

    assert_eq!(emu.counter("signin.token.authorization_code"), 1);
    assert!(emu.rejections().is_empty(), "{:?}", emu.rejections());
}

#[test]
fn the_authorize_url_carries_the_cli_parameters() {
    let home = Home::new("url");
    let emu = Emulator::start(&[]);
    let mut run = Running::spawn(home.awsrun(
        Some(&emu.base),
        &["login", "--no-browser", "--region", "us-east-1"],
    ));
    let url = run.authorize_url(&emu.base);
    run.kill();
    let q = |k| query_param(&url, k).unwrap_or_default();
    assert_eq!(q("response_type"), "code");
    assert_eq!(q("client_id"), "arn:aws:signin:::devtools/same-device");
    assert_eq!(q("code_challenge_method"), "SHA-256");
    assert_eq!(q("scope"), "openid");
    assert_eq!(q("code_challenge").len(), 43);
    let state = q("state");
    assert_eq!(state.len(), 36);
    assert_eq!(&state[14..15], "4", "a UUID v4");
    let redirect = q("redirect_uri");
    assert!(
        redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/oauth/callback"),
        "{redirect}"
    );
}

#[test]
fn a_callback_with_the_wrong_state_is_ignored_and_the_login_goes_on() {
    let home = Home::new("wrong-state");
    let emu = Emulator::start(&[]);
    let mut run = Running::spawn(home.awsrun(
        Some(&emu.base),
        &["login", "--no-browser", "--region", "us-east-1"],
    ));
    let url = run.authorize_url(&emu.base);
    let redirect = query_param(&url, "redirect_uri").unwrap();
    let port_base = redirect.trim_end_matches("/oauth/callback");

    let forged = http(
        "GET",
        &format!("{redirect}?code=stolen&state=not-this-login"),
        &[],
        b"",
    );
    assert_eq!(forged.status, 400);
    assert!(forged.text().contains("does not match"));
    let other_path = http("GET", &format!("{port_base}/?code=x&state=y"), &[], b"");
    assert_eq!(other_path.status, 404);
    let post = http("POST", &redirect, &[], b"");
    assert_eq!(post.status, 405);

    let callback = emu.approve(&url, Some(0));
    assert_eq!(http("GET", &callback, &[], b"").status, 200);
    let f = run.finish();
    assert_ok(&f);
    assert_eq!(
        emu.counter("signin.token.authorization_code"),
        1,
        "the forged code never reached the service"
    );
}

#[test]
fn an_error_redirect_ends_the_login_with_the_service_message() {
    let home = Home::new("denied");
    home.write(".aws/config", "[default]\nregion = us-west-2\n");
    let emu = Emulator::start(&[]);
    let mut run = Running::spawn(home.awsrun(Some(&emu.base), &["login", "--no-browser"]));
    let url = run.authorize_url(&emu.base);
    let callback = emu.approve(&url, None);
    assert!(callback.contains("error=access_denied"), "{callback}");
    assert_eq!(http("GET", &callback, &[], b"").status, 400);
    let f = run.finish();
    assert_eq!(f.status.code(), Some(1));
    assert!(f.stderr.contains("awsrun: error: The sign-in service returned an error: access_denied: The user cancelled the sign-in."), "{}", f.stderr);
    assert!(home.cache_files().is_empty());
    assert_eq!(home.read_config(), "[default]\nregion = us-west-2\n");
}

#[test]
fn waiting_for_the_browser_gives_up_after_the_timeout() {
    let home = Home::new("timeout");
    let emu = Emulator::start(&[]);
    let out = home
        .awsrun(
            Some(&emu.base),
            &[
                "login",
                "--no-browser",
                "--region",
                "us-east-1",
                "--timeout",
                "1",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("awsrun: error: Gave up waiting for the browser sign-in after 1 seconds"),
        "{err}"
    );
    assert!(!home.path(".aws/config").exists());
}

#[test]
fn ctrl_c_cancels_cleanly() {
    let home = Home::new("ctrl-c");
    let emu = Emulator::start(&[]);
    let mut run = Running::spawn(home.awsrun(
        Some(&emu.base),
        &["login", "--no-browser", "--region", "us-east-1"],
    ));
    run.authorize_url(&emu.base);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(run.pid() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let f = run.finish();
    assert_eq!(f.status.code(), Some(130), "{}", f.stderr);
    assert!(
        f.stderr.contains("login cancelled; nothing was changed"),
        "{}",
        f.stderr
    );
    assert!(!home.path(".aws/config").exists());
    assert!(home.cache_files().is_empty());
}

#[test]
fn insufficient_permissions_names_the_managed_policy() {
    let home = Home::new("perms");
    let emu = Emulator::start(&["--fail-token", "INSUFFICIENT_PERMISSIONS"]);
    let f = login(&home, &emu, &["--region", "us-east-1"], 0);
    assert_eq!(f.status.code(), Some(1));
    let last = f.stderr.lines().last().unwrap_or("");
    assert!(last.starts_with("awsrun: error: Unable to create or refresh login credentials due to insufficient permissions."), "{}", f.stderr);
    assert!(last.contains("SignInLocalDevelopmentAccess"), "{last}");
    assert!(home.cache_files().is_empty());
    assert!(!home.path(".aws/config").exists());
}

#[test]
fn an_expired_code_is_refused() {
    let home = Home::new("expired-code");
    let emu = Emulator::start(&["--code-lifetime", "0"]);
    let f = login(&home, &emu, &["--region", "us-east-1"], 0);
    assert_eq!(f.status.code(), Some(1));
    assert!(f.stderr.contains("awsrun: error: Unable to complete the login process due to an expired authorization code."), "{}", f.stderr);
    assert_eq!(emu.rejections()[0]["error"], "AUTHCODE_EXPIRED");
    assert!(home.cache_files().is_empty());
}

#[test]
fn a_code_cannot_be_redeemed_twice() {
    let home = Home::new("reuse");
    let emu = Emulator::start(&[]);
    let mut run = Running::spawn(home.awsrun(
        Some(&emu.base),
        &["login", "--no-browser", "--region", "us-east-1"],
    ));
    let url = run.authorize_url(&emu.base);
    let callback = emu.approve(&url, Some(0));
    http("GET", &callback, &[], b"");
    assert_ok(&run.finish());

    // Replay the code awsrun redeemed, with a valid proof and the right redirect, but not the
    // verifier (awsrun never shows it): the service must refuse because the code is spent.
    let code = query_param(&callback, "code").unwrap();
    let redirect = query_param(&url, "redirect_uri").unwrap();
    let key = awsrun::jose::DpopKey::generate();
    let token_url = format!("{}/v1/token", emu.base);
    let body = serde_json::json!({"clientId": "arn:aws:signin:::devtools/same-device", "grantType": "authorization_code",
        "code": code, "codeVerifier": "a".repeat(64), "redirectUri": redirect});
    let proof = key.dpop_proof(&token_url, awsrun::signin::unix_now());
    let r = http(
        "POST",
        &token_url,
        &[("content-type", "application/json"), ("dpop", &proof)],
        body.to_string().as_bytes(),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.header("x-amzn-errortype"), Some("AccessDeniedException"));
    assert_eq!(r.json()["error"], "AUTHCODE_EXPIRED");
}

#[test]
fn profiles_with_other_credentials_are_refused_with_the_cli_message() {
    let cases = [
        (
            "config",
            "[profile dev]\nweb_identity_token_file = /t\nrole_arn = arn:aws:iam::1:role/r\n",
            "Web Identity",
            "web_identity_token_file",
        ),
        (
            "config",
            "[profile dev]\nsso_account_id = 123456789012\n",
            "SSO",
            "sso_account_id",
        ),
        (
            "credentials",
            "[dev]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n",
            "Access Key",
            "aws_access_key_id",
        ),
        (
            "config",
            "[profile dev]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = x\n",
            "Assume Role",
            "role_arn",
        ),
        (
            "config",
            "[profile dev]\ncredential_process = /bin/true\n",
            "Credential Process",
            "credential_process",
        ),
    ];
    for (file, text, style, key) in cases {
        let home = Home::new("refuse");
        home.write(&format!(".aws/{file}"), text);
        let out = home
            .awsrun(
                Some("http://127.0.0.1:9"),
                &[
                    "login",
                    "-p",
                    "dev",
                    "--region",
                    "us-east-1",
                    "--no-browser",
                ],
            )
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!("awsrun: error: Profile 'dev' is already configured with {style} credentials ({key} at ~/.aws/{file}:2).")),
            "{err}"
        );
        assert!(
            err.contains("You may run 'awsrun login --profile new-profile-name'"),
            "{err}"
        );
        assert_eq!(home.read(&format!(".aws/{file}")), text, "nothing written");
    }
}

#[test]
fn without_a_region_and_without_a_terminal_login_says_how_to_set_one() {
    let home = Home::new("no-region");
    let out = home
        .awsrun(Some("http://127.0.0.1:9"), &["login", "--no-browser"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("No region is configured for profile 'default'")
            && err.contains("--region")
            && err.contains("AWS_REGION"),
        "{err}"
    );
}

#[test]
fn a_different_session_is_not_overwritten_without_yes_when_there_is_no_terminal() {
    let home = Home::new("overwrite-no-tty");
    let before = format!("[profile dev]\nregion = us-east-1\nlogin_session = {BOB}\n");
    home.write(".aws/config", &before);
    let emu = Emulator::start(&[]);
    let f = login(&home, &emu, &["-p", "dev"], 0);
    assert_eq!(f.status.code(), Some(1));
    assert!(
        f.stderr.contains(&format!(
            "Profile dev is already configured to use session {BOB}"
        )) && f.stderr.contains("--yes"),
        "{}",
        f.stderr
    );
    assert_eq!(home.read_config(), before);

    let f = login(&home, &emu, &["-p", "dev", "--yes"], 0);
    assert_ok(&f);
    assert_eq!(
        home.read_config(),
        format!("[profile dev]\nregion = us-east-1\nlogin_session = {ALICE}\n")
    );
}

#[test]
fn config_edits_change_only_the_intended_line() {
    let home = Home::new("bytes");
    let before = "# my settings\r\n[default]\r\nregion=eu-central-1 ; not a comment\r\n\r\n; other\r\n[profile  dev ]\r\noutput : json\r\n[profile dev]\r\n  region   =   us-east-2\r\nlogin_session=arn:aws:iam::123456789012:user/alice\r\n# trailing comment\r\n\r\n[sso-session x]\r\nsso_region = us-east-1\r\n";
    home.write(".aws/config", before);
    let emu = Emulator::start(&["--identity", BOB]);
    let f = login(&home, &emu, &["-p", "dev", "--yes"], 0);
    assert_ok(&f);
    let after = home.read_config();
    assert_eq!(
        after,
        before.replace(
            "login_session=arn:aws:iam::123456789012:user/alice",
            &format!("login_session={BOB}")
        )
    );
    assert_eq!(home.cache(BOB)["accessToken"]["accountId"], "210987654321");
    assert_eq!(home.cache(BOB)["signInRegion"], "us-east-2");

    // A profile with no section yet gets one appended, keeping the file's CRLF.
    let f = login(&home, &emu, &["-p", "new", "--region", "us-east-1"], 0);
    assert_ok(&f);
    assert_eq!(
        home.read_config(),
        format!("{after}[profile new]\r\nlogin_session = {BOB}\r\n")
    );
}

#[test]
fn a_relogin_keeps_cache_fields_awsrun_does_not_know() {
    let home = Home::new("unknown-fields");
    let emu = Emulator::start(&[]);
    home.write(
        &format!(".aws/login/cache/{}", awsrun::cache::cache_file_name(ALICE)),
        r#"{"accessToken": {"accessKeyId": "OLD"}, "futureField": {"x": 1}}"#,
    );
    assert_ok(&login(&home, &emu, &["--region", "us-east-1"], 0));
    let c = home.cache(ALICE);
    assert_eq!(c["futureField"]["x"], 1);
    assert_ne!(c["accessToken"]["accessKeyId"], "OLD");
}

#[test]
fn logout_deletes_the_profile_session_and_keeps_the_profile() {
    let home = Home::new("logout");
    let emu = Emulator::start(&["--identity", ALICE, "--identity", BOB]);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "a", "--region", "us-east-1"],
        0,
    ));
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "b", "--region", "us-east-1"],
        1,
    ));
    assert_eq!(home.cache_files().len(), 2);
    let config = home.read_config();

    let out = home.awsrun(None, &["logout", "-p", "a"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Removed cached login credentials for profile 'a'. Note, any local developer tools that have already loaded the access token may continue to use it until its expiration. Access tokens expire in 15 minutes.\n"
    );
    assert!(!home.cache_path(ALICE).exists());
    assert!(home.cache_path(BOB).exists());
    assert_eq!(home.read_config(), config, "the profile stays");

    let out = home.awsrun(None, &["logout", "-p", "a"]).output().unwrap();
    assert!(out.status.success(), "logging out twice is fine");

    let out = home.awsrun(None, &["logout"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "warning: no login session found for profile 'default'\n"
    );
}

#[test]
fn logout_all_deletes_every_login_cache_file_and_nothing_else() {
    let home = Home::new("logout-all");
    let emu = Emulator::start(&["--identity", ALICE, "--identity", BOB]);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "a", "--region", "us-east-1"],
        0,
    ));
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "b", "--region", "us-east-1"],
        1,
    ));
    home.write(
        ".aws/login/cache/other.json",
        r#"{"accessToken": "not a login"}"#,
    );
    home.write(".aws/login/cache/broken.json", "{");

    let out = home.awsrun(None, &["logout", "--all"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Removed 2 cached login credentials."));
    assert_eq!(home.cache_files(), ["broken.json", "other.json"]);

    let out = home.awsrun(None, &["logout", "--all"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "No cached login session tokens found.\n"
    );
    fs::remove_dir_all(home.path(".aws/login")).unwrap();
    let out = home.awsrun(None, &["logout", "--all"]).output().unwrap();
    assert!(out.status.success());
}

#[test]
fn browser_is_a_colon_separated_list_and_percent_s_is_the_url() {
    let home = Home::new("browser-var");
    let emu = Emulator::start(&[]);
    let record = home.path("record.sh");
    home.write(
        "record.sh",
        "printf '%s\\n' \"$@\" > \"$(dirname \"$0\")/opened\"\n",
    );
    let browser = format!(
        "/nonexistent/browser %s:sh {} --new-tab %s",
        record.display()
    );
    let mut cmd = home.awsrun(Some(&emu.base), &["login", "--region", "us-east-1"]);
    cmd.env("BROWSER", browser);
    let mut run = Running::spawn(cmd);
    let printed = run.authorize_url(&emu.base);
    let opened = home.path("opened");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !opened.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let argv = fs::read_to_string(&opened).unwrap();
    assert_eq!(
        argv,
        format!("--new-tab\n{printed}\n"),
        "the second entry ran, %s replaced"
    );
    let callback = emu.approve(&printed, Some(0));
    assert_eq!(http("GET", &callback, &[], b"").status, 200);
    assert_ok(&run.finish());
}

#[test]
fn a_login_session_in_the_credentials_file_is_pointed_out() {
    let home = Home::new("creds-session");
    home.write(
        ".aws/credentials",
        &format!("[default]\nlogin_session = {BOB}\n"),
    );
    let emu = Emulator::start(&[]);
    let f = login(&home, &emu, &["--region", "us-east-1", "--yes"], 0);
    assert_ok(&f);
    assert!(
        f.stderr.contains(&format!("warning: ~/.aws/credentials:2 also sets login_session for profile default ({BOB}) and wins over the config file")),
        "{}",
        f.stderr
    );
    assert_eq!(
        home.read_config(),
        format!("[default]\nlogin_session = {ALICE}\n")
    );
}
