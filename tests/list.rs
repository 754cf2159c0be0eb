//! `awsrun list` prints `aws configure list`'s five lines byte for byte, then what is shadowed;
//! bad input gets one clear line and the CLI's exit code.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use support::{as_nobody, is_root, Home};

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

const HEADER: &str = "NAME       : VALUE                    : TYPE             : LOCATION\n";

#[test]
fn login_profile_from_aws_profile_prints_the_five_cli_lines() {
    let mut h = Home::new("login");
    h.config(
        "[profile dev]\nlogin_session = arn:aws:iam::123456789012:user/alice\nregion = us-west-2\n",
    );
    h.login_cache(
        "arn:aws:iam::123456789012:user/alice",
        "ASIAEXAMPLE00000001",
    );
    h.var("AWS_PROFILE", "dev");
    let o = h.run(&["list"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "{HEADER}\
profile    : dev                      : env              : ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE']
access_key : ****************0001     : login            : 
secret_key : ****************ABCD     : login            : 
region     : us-west-2                : config-file      : ~/.aws/config
"
        )
    );
}

#[test]
fn nothing_configured_is_not_set_everywhere() {
    let h = Home::new("empty");
    let o = h.run(&["list"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        format!(
            "{HEADER}\
profile    : <not set>                : None             : None
access_key : <not set>                : None             : None
secret_key : <not set>                : None             : None
region     : <not set>                : None             : None
"
        )
    );
}

#[test]
fn explicit_profile_is_manual_and_ignores_env_keys() {
    let mut h = Home::new("manual");
    h.credentials(
        "[dev]\naws_access_key_id = AKIAFILE0000000002\naws_secret_access_key = filesecret0002\n",
    );
    h.var("AWS_ACCESS_KEY_ID", "AKIAENV00000000009")
        .var("AWS_SECRET_ACCESS_KEY", "envsecret0009");
    h.var("AWS_DEFAULT_REGION", "eu-central-1");
    let o = h.run(&["list", "-p", "dev"]);
    assert_eq!(
        stdout(&o),
        format!(
            "{HEADER}\
profile    : dev                      : manual           : --profile
access_key : ****************0002     : shared-credentials-file : 
secret_key : ****************0002     : shared-credentials-file : 
region     : eu-central-1             : env              : ['AWS_REGION', 'AWS_DEFAULT_REGION']
"
        )
    );
}

#[test]
fn exported_keys_silently_beat_a_login_profile_and_list_says_so() {
    let mut h = Home::new("shadow");
    h.config(
        "[profile dev]\nlogin_session = arn:aws:iam::123456789012:user/alice\nregion = us-west-2\n",
    );
    h.login_cache(
        "arn:aws:iam::123456789012:user/alice",
        "ASIAEXAMPLE00000001",
    );
    h.var("AWS_PROFILE", "dev")
        .var("AWS_ACCESS_KEY_ID", "AKIAENV00000000009")
        .var("AWS_SECRET_ACCESS_KEY", "s3cr3t0009");
    h.var("AWS_REGION", "ap-south-1");
    let o = h.run(&["list"]);
    assert_eq!(
        stdout(&o),
        format!(
            "{HEADER}\
profile    : dev                      : env              : ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE']
access_key : ****************0009     : env              : 
secret_key : ****************0009     : env              : 
region     : ap-south-1               : env              : ['AWS_REGION', 'AWS_DEFAULT_REGION']

shadowed   : credentials login        : ~/.aws/config:2  : beaten by env (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)
shadowed   : region us-west-2         : ~/.aws/config:3  : beaten by ap-south-1 (AWS_REGION)
"
        )
    );
}

#[test]
fn sources_that_need_aws_show_not_fetched_and_config_path_is_shown_raw() {
    let mut h = Home::new("role");
    h.file(
        "cfg/my config",
        "[profile base]\nlogin_session = arn:aws:iam::1:user/a\n[profile admin]\nrole_arn = arn:aws:iam::1:role/Admin\nsource_profile = base\nregion = us-east-2\n",
    );
    h.login_cache("arn:aws:iam::1:user/a", "ASIABASE0000000003");
    h.var("AWS_CONFIG_FILE", "$HOME/cfg/my config");
    let o = h.run(&["list", "--profile", "admin"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "{HEADER}\
profile    : admin                    : manual           : --profile
access_key : <not fetched>            : assume-role      : 
secret_key : <not fetched>            : assume-role      : 
region     : us-east-2                : config-file      : $HOME/cfg/my config
"
        )
    );
    let json: serde_json::Value =
        serde_json::from_slice(&h.run(&["list", "-p", "admin", "--json"]).stdout).unwrap();
    assert_eq!(json["credentials"]["method"], "assume-role");
    assert_eq!(json["credentials"]["fetched"], false);
    assert_eq!(json["credentials"]["via"]["method"], "login");
    assert_eq!(
        json["credentials"]["via"]["access_key"],
        "****************0003"
    );
}

#[test]
fn every_other_method_is_named_as_the_cli_names_it() {
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        ("[profile p]\nsso_start_url = https://x\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = R\n", "", &[], "sso"),
        ("[profile p]\nrole_arn = arn:aws:iam::1:role/R\nweb_identity_token_file = /tok\n", "", &[], "assume-role-with-web-identity"),
        ("[profile p]\naws_access_key_id = AKIACFG000000004\naws_secret_access_key = x\n", "", &[], "config-file"),
        ("[profile p]\ncredential_process = printf '{\"Version\":1,\"AccessKeyId\":\"AKIAPROC00000005\",\"SecretAccessKey\":\"y\"}'\n", "", &[], "custom-process"),
        ("[profile p]\n", "", &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/")], "container-role"),
        ("[profile p]\n", "AWSAccessKeyId=AKIAEC2000000006\nAWSSecretKey=z\n", &[("AWS_CREDENTIAL_FILE", "$HOME/ec2")], "ec2-credentials-file"),
        ("[profile p]\n", "[Credentials]\naws_access_key_id = AKIABOTO00000007\naws_secret_access_key = w\n", &[("BOTO_CONFIG", "$HOME/ec2")], "boto-config"),
    ];
    for (i, (config, extra, vars, method)) in cases.iter().enumerate() {
        let mut h = Home::new(&format!("method{i}"));
        h.config(config).file("ec2", extra);
        for (k, v) in vars.iter() {
            let v = v.replace("$HOME", h.dir.to_str().unwrap());
            h.var(k, &v);
        }
        let o = h.run(&["list", "-p", "p"]);
        assert_eq!(o.status.code(), Some(0), "{method}: {}", stderr(&o));
        let out = stdout(&o);
        let line = out.lines().nth(2).unwrap();
        assert_eq!(&line[40..40 + method.len()], *method, "{out}");
    }
}

#[test]
fn missing_profile_keeps_printed_rows_and_exits_255() {
    let mut h = Home::new("missing");
    h.config("[profile dev]\nregion = x\n");
    h.var("AWS_PROFILE", "prod");
    let o = h.run(&["list"]);
    assert_eq!(o.status.code(), Some(255));
    assert_eq!(stdout(&o), format!("{HEADER}profile    : prod                     : env              : ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE']\n"));
    assert_eq!(
        stderr(&o),
        "\nawsrun: [ERROR]: The config profile (prod) could not be found\n"
    );
}

#[test]
fn empty_aws_profile_names_a_missing_profile() {
    let mut h = Home::new("emptyprof");
    h.config("[default]\nregion = x\n");
    h.var("AWS_PROFILE", "");
    let o = h.run(&["list"]);
    assert_eq!(o.status.code(), Some(255));
    assert!(stderr(&o).contains("The config profile () could not be found"));
}

#[test]
fn partial_env_keys_name_the_missing_variable() {
    let mut h = Home::new("partial");
    h.var("AWS_ACCESS_KEY_ID", "AKIA0000");
    let o = h.run(&["list"]);
    assert_eq!(o.status.code(), Some(255));
    assert_eq!(
        stderr(&o),
        "\nawsrun: [ERROR]: Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY\n"
    );
}

fn one_error_line(o: &Output) -> String {
    let err = stderr(o);
    let lines: Vec<&str> = err.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected, got {err:?}");
    assert!(!err.contains("panicked"), "{err}");
    lines[0].to_string()
}

#[test]
fn unparseable_files_name_file_and_line() {
    let cases = [
        ("[a]\nk = 1\n[a]\n", 3, "section [a] appears twice"),
        ("[a]\nk = 1\nK: 2\n", 3, "key \"k\" appears twice"),
        ("\u{feff}[a]\n", 1, "byte order mark"),
        ("k = 1\n[a]\n", 1, "before any [section]"),
        (
            "[a]\njust words\n",
            2,
            "neither a [section] nor a key = value line",
        ),
        ("[a]\n= v\n", 2, "no key"),
    ];
    for (i, (text, line, why)) in cases.iter().enumerate() {
        let h = Home::new(&format!("parse{i}"));
        h.credentials(text);
        let o = h.run(&["list"]);
        assert_eq!(o.status.code(), Some(255));
        let msg = one_error_line(&o);
        let want = format!(
            "awsrun: [ERROR]: Unable to parse config file: {}:{line}: ",
            h.dir.join(".aws/credentials").display()
        );
        assert!(
            msg.starts_with(&want) && msg.contains(why),
            "{msg:?} vs {want:?} / {why}"
        );
    }
}

#[test]
fn a_directory_or_non_utf8_file_is_a_clear_error() {
    let h = Home::new("dir");
    fs::create_dir_all(h.dir.join(".aws/config")).unwrap();
    let o = h.run(&["list"]);
    assert_eq!(o.status.code(), Some(255));
    assert!(one_error_line(&o).ends_with(&format!(
        "The config file {} is a directory, not a file",
        h.dir.join(".aws/config").display()
    )));

    let h = Home::new("latin1");
    fs::write(h.dir.join(".aws/config"), b"[default]\nregion = caf\xe9\n").unwrap();
    let o = h.run(&["profiles"]);
    assert_eq!(o.status.code(), Some(255));
    assert!(one_error_line(&o).contains(".aws/config:2: not valid UTF-8 (byte 22)"));
}

#[test]
fn an_unreadable_file_is_a_clear_error_not_an_empty_one() {
    let h = Home::new("unreadable");
    h.config("[default]\nregion = x\n");
    let cfg = h.dir.join(".aws/config");
    fs::set_permissions(&cfg, fs::Permissions::from_mode(0o600)).unwrap();
    fs::set_permissions(h.dir.join(".aws"), fs::Permissions::from_mode(0o755)).unwrap();
    // Root reads anything, so run awsrun as an unprivileged user when we are root.
    let mut c = h.command(&["list"]);
    if is_root() {
        c = as_nobody(&c);
    }
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(255), "{}", stderr(&o));
    assert!(one_error_line(&o).contains(&format!("{} is not readable by this user", cfg.display())));
}

#[test]
fn profiles_lists_config_then_credentials_only_names_in_order() {
    let h = Home::new("profiles");
    h.config("[profile b]\n[default]\n[sso-session s]\n[profile \"my dev\"]\n[profile a b]\n[profile default]\nregion=x\n");
    h.credentials("[c]\n[b]\n[profile z]\n");
    let o = h.run(&["profiles"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "b\ndefault\nmy dev\nc\nprofile z\n");
}

#[test]
fn json_is_one_documented_object_without_secrets() {
    let mut h = Home::new("json");
    h.credentials("[default]\naws_access_key_id = AKIAJSON00000008\naws_secret_access_key = topsecretvalue8\n");
    h.var("AWS_DEFAULT_PROFILE", "default");
    let o = h.run(&["list", "--json"]);
    let text = stdout(&o);
    assert!(!text.contains("topsecretvalue8") && !text.contains("AKIAJSON00000008"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["profile"]["type"], "env");
    assert_eq!(v["credentials"]["method"], "shared-credentials-file");
    assert_eq!(v["credentials"]["defined_at"], "~/.aws/credentials:2");
    assert_eq!(v["region"], serde_json::Value::Null);
    assert_eq!(v["error"], serde_json::Value::Null);
}

#[test]
fn global_flags_go_before_or_after_the_command() {
    let h = Home::new("flagorder");
    h.credentials("[dev]\naws_access_key_id = AKIAORDER0000001\naws_secret_access_key = x\n");
    let after = h.run(&["list", "-p", "dev"]);
    let before = h.run(&["-p", "dev", "--debug", "list"]);
    assert_eq!(after.status.code(), Some(0));
    assert_eq!(before.status.code(), Some(0), "{}", stderr(&before));
    assert_eq!(stdout(&after), stdout(&before));
}

#[test]
fn region_flag_is_a_parameter_and_beats_the_environment() {
    let mut h = Home::new("regionflag");
    h.config("[default]\nregion = us-west-1\n");
    h.var("AWS_REGION", "eu-north-1");
    let o = h.run(&["list", "--region", "sa-east-1"]);
    let out = stdout(&o);
    assert!(
        out.contains("region     : sa-east-1                : parameter        : --region\n"),
        "{out}"
    );
    assert!(out.contains("shadowed   : region eu-north-1        : AWS_REGION       : beaten by sa-east-1 (--region)\n"), "{out}");
    assert!(out.contains("shadowed   : region us-west-1         : ~/.aws/config:2  : beaten by sa-east-1 (--region)\n"), "{out}");
}
