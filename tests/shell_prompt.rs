//! `awsrun prompt`: the segment for starship, tmux and the hooks, from the files alone.

mod support;

use support::{now, stderr, stdout, Home};

#[test]
fn prints_profile_and_time_left_for_a_login_profile() {
    let home = Home::standard();
    let out = home.run_with(&["prompt"], &[("AWS_PROFILE", "dev")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "dev 3h12m\n");
    let out = home.run_with(&["prompt", "-p", "short"], &[]);
    assert_eq!(stdout(&out), "short 20m\n");
    let out = home.run_with(&["prompt", "--profile=old"], &[]);
    assert_eq!(stdout(&out), "old expired\n");
}

#[test]
fn prints_nothing_without_a_login_session() {
    let home = Home::standard();
    for env in [
        [("AWS_PROFILE", "keys")],
        [("AWS_PROFILE", "gone")],
        [("X", "no profile")],
    ] {
        let out = home.run_with(&["prompt"], &env);
        assert!(out.status.success(), "{env:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{env:?}");
        assert_eq!(stderr(&out), "", "{env:?}");
    }
    // A machine with no AWS files at all.
    let empty = support::TempDir::new("empty");
    let out = std::process::Command::new(support::AWSRUN)
        .arg("prompt")
        .env_clear()
        .env("HOME", empty.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stdout(&out), "");
}

#[test]
fn follows_the_cli_profile_order() {
    let home = Home::standard();
    let cases: [(&[(&str, &str)], &str); 3] = [
        (&[("AWS_DEFAULT_PROFILE", "dev")], "dev 3h12m\n"),
        (
            &[("AWS_PROFILE", "short"), ("AWS_DEFAULT_PROFILE", "dev")],
            "short 20m\n",
        ),
        (
            &[("AWS_PROFILE", "keys"), ("AWS_DEFAULT_PROFILE", "dev")],
            "",
        ),
    ];
    for (env, want) in cases {
        assert_eq!(stdout(&home.run_with(&["prompt"], env)), want, "{env:?}");
    }
    // `default` is a login profile too when it says so.
    let home = Home::for_shell();
    home.config("[default]\nlogin_session = arn:aws:iam::1:user/me\n");
    home.login_cache_at("arn:aws:iam::1:user/me", now() - 3600 + 45);
    assert_eq!(stdout(&home.run_with(&["prompt"], &[])), "default 11h0m\n");
}

#[test]
fn login_session_in_the_credentials_file_counts() {
    let home = Home::for_shell();
    home.config("[profile dev]\nregion = eu-west-1\n");
    home.write(
        ".aws/credentials",
        "[dev]\nlogin_session = arn:aws:iam::1:user/c\n",
    );
    home.login_cache_at("arn:aws:iam::1:user/c", now() - 30);
    assert_eq!(
        stdout(&home.run_with(&["prompt", "-p", "dev"], &[])),
        "dev 11h59m\n"
    );
}

#[test]
fn a_role_on_a_login_profile_shows_the_login_session() {
    let home = Home::standard();
    let mut config = support::STANDARD_CONFIG.to_string();
    config += "\n[profile admin]\nrole_arn = arn:aws:iam::1:role/admin\nsource_profile = deploy\n\
               [profile deploy]\nrole_arn = arn:aws:iam::1:role/deploy\nsource_profile = dev\n\
               [profile loop]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = loop2\n\
               [profile loop2]\nrole_arn = arn:aws:iam::1:role/y\nsource_profile = loop\n";
    home.config(&config);
    assert_eq!(
        stdout(&home.run_with(&["prompt", "-p", "admin"], &[])),
        "admin 3h12m\n"
    );
    let out = home.run_with(&["prompt", "-p", "loop"], &[]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "");
}

#[test]
fn inside_an_awsrun_child_the_parent_decides_without_reading_files() {
    let home = Home::for_shell();
    // An unparseable config would be an error if it were read.
    home.config("not ini\n");
    let expires = (now() + 42 * 60 + 45).to_string();
    let child = [
        ("AWSRUN_PROFILE", "dev"),
        ("AWSRUN_SESSION_EXPIRES_EPOCH", expires.as_str()),
    ];
    let out = home.run_with(&["prompt"], &child);
    assert_eq!(stdout(&out), "dev 42m\n", "{}", stderr(&out));
    let out = home.run_with(&["prompt"], &[("AWSRUN_PROFILE", "keys")]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "");
    let out = home.run_with(
        &["prompt"],
        &[
            ("AWSRUN_PROFILE", "x"),
            ("AWSRUN_SESSION_EXPIRES_EPOCH", "soon"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("AWSRUN_SESSION_EXPIRES_EPOCH"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn session_length_comes_from_the_variable_then_the_profile() {
    let home = Home::for_shell();
    home.config(
        "[profile a]\nlogin_session = s-a\nawsrun_session_duration = 1h30m\n\
         [profile b]\nlogin_session = s-b\nawsrun_session_duration = 3600\n\
         [profile bad]\nlogin_session = s-bad\nawsrun_session_duration = soon\n",
    );
    let t = now() - 30;
    for s in ["s-a", "s-b", "s-bad"] {
        home.login_cache_at(s, t);
    }
    assert_eq!(
        stdout(&home.run_with(&["prompt", "-p", "a"], &[])),
        "a 1h29m\n"
    );
    assert_eq!(
        stdout(&home.run_with(&["prompt", "-p", "b"], &[])),
        "b 59m\n"
    );
    let env = [("AWSRUN_SESSION_DURATION", "8h")];
    assert_eq!(
        stdout(&home.run_with(&["prompt", "-p", "a"], &env)),
        "a 7h59m\n"
    );
    let out = home.run_with(&["prompt", "-p", "bad"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("~/.aws/config:9: awsrun_session_duration"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = home.run_with(
        &["prompt", "-p", "a"],
        &[("AWSRUN_SESSION_DURATION", "12 hours")],
    );
    assert!(
        stderr(&out).contains("AWSRUN_SESSION_DURATION"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn templates_and_json_for_starship_and_tmux() {
    let home = Home::standard();
    let dev = [("AWS_PROFILE", "dev")];
    let out = home.run_with(
        &[
            "prompt",
            "--format",
            "#[fg={color_name}]{profile}:{minutes} {state}#[default] {{x}}",
        ],
        &dev,
    );
    assert_eq!(stdout(&out), "#[fg=green]dev:192 ok#[default] {x}\n");
    let out = home.run_with(
        &["prompt", "--format", "{color}{left}{reset}"],
        &[("AWS_PROFILE", "short")],
    );
    assert_eq!(stdout(&out), "\x1b[33m20m\x1b[0m\n");
    let no_color = [("AWS_PROFILE", "old"), ("NO_COLOR", "1")];
    let out = home.run_with(&["prompt", "--format", "{color}{left}{reset}"], &no_color);
    assert_eq!(stdout(&out), "expired\n");

    let out = home.run_with(&["prompt", "--json"], &dev);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["profile"], "dev");
    assert_eq!(v["login_session"], true);
    assert_eq!(v["left"], "3h12m");
    assert_eq!(v["minutes_left"], 192);
    assert_eq!(v["state"], "ok");
    assert_eq!(v["color"], "green");
    let expires = v["expires"].as_i64().unwrap();
    assert!(
        (expires - now() - (3 * 3600 + 12 * 60 + 45)).abs() < 60,
        "{v}"
    );
    assert!(v["expires_at"].as_str().unwrap().ends_with('Z'));
    let out = home.run_with(&["prompt", "--json"], &[("AWS_PROFILE", "keys")]);
    assert_eq!(
        stdout(&out),
        "{\"profile\":\"keys\",\"login_session\":false}\n"
    );
}

#[test]
fn bad_input_is_one_line_and_a_nonzero_exit() {
    let home = Home::standard();
    let out = home.run_with(
        &["prompt", "--format", "{profile} {nope}"],
        &[("AWS_PROFILE", "dev")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown placeholder {nope}"),
        "{}",
        stderr(&out)
    );
    let out = home.run_with(&["prompt"], &[("AWS_PROFILE", "nope")]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "awsrun: error: The config profile (nope) could not be found\n"
    );
    // A cache file that is not JSON: named, not a panic, and left alone.
    let path = home.login_cache_at("arn:aws:iam::123456789012:user/dev", now());
    std::fs::write(&path, "{oops").unwrap();
    let out = home.run_with(&["prompt"], &[("AWS_PROFILE", "dev")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&path.display().to_string()),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{oops");
    // An id token without iat.
    let home = Home::for_shell();
    home.config("[profile dev]\nlogin_session = s\n");
    let path = home.login_cache_at("s", now());
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["idToken"] = support::jwt(&serde_json::json!({"sub": "u"})).into();
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = home.run_with(&["prompt", "-p", "dev"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a JWT with a numeric iat"),
        "{}",
        stderr(&out)
    );
    // A broken config file is named.
    home.config("[profile dev\n");
    let out = home.run_with(&["prompt", "-p", "dev"], &[]);
    assert!(
        stderr(&out).contains("Unable to parse config file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn prompt_never_prints_secrets() {
    let home = Home::standard();
    for args in [&["prompt", "--json"][..], &["prompt"][..]] {
        let out = home.run_with(args, &[("AWS_PROFILE", "dev")]);
        let all = stdout(&out) + &stderr(&out);
        for secret in [
            "fixture-secret",
            "fixture-token",
            "fixture-refresh",
            "PRIVATE KEY",
        ] {
            assert!(!all.contains(secret), "{all}");
        }
    }
}

#[test]
fn help_and_unusual_lines_still_go_through_clap() {
    let home = Home::standard();
    let out = home.run_with(&["prompt", "--help"], &[]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("--format"));
    let out = home.run_with(&["prompt", "--bogus"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let out = home.run_with(&["prompt", "--debug"], &[("AWS_PROFILE", "dev")]);
    assert_eq!(stdout(&out), "dev 3h12m\n");
}

#[test]
fn profiles_lists_names_like_list_profiles() {
    let home = Home::standard();
    home.write(
        ".aws/credentials",
        "[keys]\naws_access_key_id = A\n[only-creds]\nx = y\n",
    );
    let out = home.run_with(&["profiles"], &[]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        "default\ndev\nshort\nold\nkeys\ngone\nonly-creds\n"
    );
}
