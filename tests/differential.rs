//! Differential test (issue 2): for hundreds of generated home directories, awsrun resolves the
//! same profile, credential method, access key id, region and error as botocore 1.44.5 [crt].
//!
//! Each run generates `CASES` cases from a seed: fixed when `CI=true`, random otherwise, and
//! always overridable with `AWSRUN_DIFF_SEED=N` to replay a failure. One Python process
//! (tests/oracle/botocore_oracle.py, run with the venv that tests/setup.sh creates) answers for
//! botocore; awsrun answers through its library (`Files::load` + `profile::resolve`).
//!
//! Documented differences (SPEC §2, §4) are not mismatches: awsrun follows the CLI, so where
//! the CLI and botocore disagree the oracle is handed the CLI's view (see `cli_view`).
//! Deliberately not generated: files that are directories or unreadable (awsrun refuses them,
//! botocore treats them as empty), malformed JSON login caches (awsrun names the file,
//! botocore raises a bare KeyError), and login caches whose credentials have expired (botocore
//! would refresh them over the network).

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use awsrun::awsfiles::Files;
use awsrun::env::Env;
use awsrun::profile::{resolve, Options};
use support::venv_python;

const CASES: usize = 600;
const CI_SEED: u64 = 20_261_124;

// ---------------------------------------------------------------------------------------------
// A tiny seeded PRNG (splitmix64): reproducible cases without a new dependency.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `p` percent.
    fn pct(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }

    /// Picks from `(weight, value)` pairs.
    fn weighted<T: Copy>(&mut self, xs: &[(usize, T)]) -> T {
        let total: usize = xs.iter().map(|(w, _)| w).sum();
        let mut at = self.below(total);
        for &(w, v) in xs {
            if at < w {
                return v;
            }
            at -= w;
        }
        unreachable!("weights sum to total")
    }

    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            xs.swap(i, self.below(i + 1));
        }
    }
}

fn seed_from_env() -> u64 {
    if let Ok(s) = std::env::var("AWSRUN_DIFF_SEED") {
        return s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("AWSRUN_DIFF_SEED={s:?} is not a number"));
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        return CI_SEED;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    Rng::new(nanos ^ (u64::from(std::process::id()) << 32)).next() % 1_000_000_000
}

// ---------------------------------------------------------------------------------------------
// The shape of a case.

struct Case {
    id: usize,
    /// What awsrun sees.
    env: BTreeMap<String, String>,
    /// What botocore sees: `env` with the CLI's choices applied where botocore differs.
    oracle_env: BTreeMap<String, String>,
    cli_notes: Vec<String>,
    explicit: Option<String>,
    /// Every file written for the case, for the mismatch report.
    files: Vec<(PathBuf, Vec<u8>)>,
}

#[derive(Debug, Default, PartialEq)]
struct Outcome {
    profile_error: Option<String>,
    method: Option<String>,
    access_key: Option<String>,
    cred_error: Option<String>,
    region: Option<String>,
    region_error: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// INI documents, rendered with the dialect's variety (delimiters, spacing, case, comments).

enum Item {
    Kv(String, String),
    Comment(String),
    Blank,
    /// A line written as is (used for deliberate breakage).
    Raw(String),
}

struct Section {
    header: String,
    items: Vec<Item>,
}

#[derive(Default)]
struct Doc {
    /// Lines before the first section (comments, or a key that breaks the file).
    preamble: Vec<String>,
    sections: Vec<Section>,
}

impl Doc {
    fn section(&mut self, header: &str) -> &mut Section {
        if let Some(i) = self.sections.iter().position(|s| s.header == header) {
            return &mut self.sections[i];
        }
        self.sections.push(Section {
            header: header.to_string(),
            items: Vec::new(),
        });
        self.sections.last_mut().expect("just pushed")
    }

    fn is_empty(&self) -> bool {
        self.preamble.is_empty() && self.sections.is_empty()
    }

    fn render(&self, rng: &mut Rng) -> String {
        let mut out = String::new();
        for line in &self.preamble {
            out.push_str(line);
            out.push('\n');
        }
        for (i, s) in self.sections.iter().enumerate() {
            if i > 0 && rng.pct(70) {
                out.push('\n');
            }
            if rng.pct(6) {
                out.push_str(rng.pick(&["# managed by hand\n", "; see wiki\n", "   # note\n"]));
            }
            out.push_str(&s.header);
            if rng.pct(4) {
                out.push_str(rng.pick(&["  ; team account", " # temp"]));
            }
            out.push('\n');
            for item in &s.items {
                match item {
                    Item::Kv(k, v) => render_kv(&mut out, k, v, rng),
                    Item::Comment(c) => {
                        let lead = rng.pick(&["", "", "  ", "\t"]);
                        let mark = rng.pick(&["#", ";"]);
                        let _ = writeln!(out, "{lead}{mark} {c}");
                    }
                    Item::Blank => out.push('\n'),
                    Item::Raw(r) => {
                        out.push_str(r);
                        out.push('\n');
                    }
                }
            }
        }
        out
    }
}

fn render_kv(out: &mut String, key: &str, value: &str, rng: &mut Rng) {
    let key = if rng.pct(8) {
        key.to_uppercase()
    } else {
        key.to_string()
    };
    let delim = rng.weighted(&[
        (60, " = "),
        (12, "="),
        (6, " ="),
        (6, "= "),
        (5, "   =   "),
        (3, "\t=\t"),
        (5, " : "),
        (3, ":"),
    ]);
    let trailing = if rng.pct(5) { "   " } else { "" };
    // Inline comments are part of the value in this dialect.
    let value = if !value.starts_with('\n') && rng.pct(3) {
        format!("{value} # note")
    } else {
        value.to_string()
    };
    let mut lines = value.split('\n');
    let first = lines.next().unwrap_or("");
    if first.is_empty() && delim.ends_with(' ') {
        let _ = writeln!(out, "{key}{}{trailing}", delim.trim_end());
    } else {
        let _ = writeln!(out, "{key}{delim}{first}{trailing}");
    }
    for cont in lines {
        let indent = rng.pick(&["  ", "    ", "\t"]);
        let _ = writeln!(out, "{indent}{cont}");
    }
}

// ---------------------------------------------------------------------------------------------
// The generator.

const NAMES: &[&str] = &[
    "default", "default", "dev", "prod", "staging", "ci", "ops", "Admin", "data-eng", "my dev",
    "sandbox",
];
const MISSING_NAMES: &[&str] = &["nope", "admin", "Default", "prod ", "ghost"];
const REGIONS: &[&str] = &[
    "us-east-1",
    "eu-west-1",
    "ap-southeast-2",
    "us-west-2",
    "eu-central-1",
    "sa-east-1",
];
/// Keys that are sometimes written with an empty value.
const EMPTYABLE: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "login_session",
    "source_profile",
    "region",
    "web_identity_token_file",
    "sso_session",
    "sso_account_id",
];
const ACCOUNT: &str = "123456789012";
/// A throwaway P-256 key in the SEC1 PEM form the login cache uses; never used to sign.
const DPOP_PEM: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIMY+bfgspBsyHZ/RRUa/vVmaVZKzdYEpZxc7e0/BbI9moAoGCCqGSM49\nAwEHoUQDQgAE3HwmW5aBJh+Jv5z52ugbDz5OIDGJEZeUOVls6OuxlKN+5X6D00Q7\nnk1GUb1OwsMtBrRy037mDS13YR42nMR5gg==\n-----END EC PRIVATE KEY-----\n";

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Static,
    Login,
    Process,
    RoleSource,
    RoleCredSource,
    Sso,
    WebIdentity,
    RegionOnly,
    Empty,
}

#[derive(Clone, Copy, PartialEq)]
enum Dest {
    Config,
    Creds,
}

struct Gen<'a> {
    rng: Rng,
    dir: &'a Path,
    login_cache: PathBuf,
    serial: usize,
    files: Vec<(PathBuf, Vec<u8>)>,
    /// (profile, key, value, where) in generation order.
    settings: Vec<(String, String, String, Dest)>,
    sso_sessions: Vec<(String, Vec<(String, String)>)>,
}

impl Gen<'_> {
    /// An access key id that names its origin, so a wrong winner is obvious in a report.
    fn key_id(&mut self, prefix: &str, tag: &str) -> String {
        self.serial += 1;
        format!("{prefix}{tag}{:0>12}", self.serial)
    }

    /// Adds `key = value` to the profile's section in `dest`; a key already there stays
    /// (deliberate duplicates are added separately, as defects).
    fn set(&mut self, profile: &str, key: &str, value: &str, dest: Dest) {
        // `key =` with nothing after it is a value too (the empty string).
        let value = if EMPTYABLE.contains(&key) && self.rng.pct(2) {
            ""
        } else {
            value
        };
        let taken = self
            .settings
            .iter()
            .any(|(p, k, _, d)| p == profile && k == key && *d == dest);
        if !taken {
            self.settings
                .push((profile.into(), key.into(), value.into(), dest));
        }
    }

    fn write(&mut self, path: &Path, bytes: Vec<u8>) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create case dir");
        }
        std::fs::write(path, &bytes).expect("write case file");
        self.files.push((path.to_path_buf(), bytes));
    }

    fn dest(&mut self, creds_pct: usize) -> Dest {
        if self.rng.pct(creds_pct) {
            Dest::Creds
        } else {
            Dest::Config
        }
    }

    fn add_kind(&mut self, name: &str, kind: Kind, names: &[String]) {
        match kind {
            Kind::Static => {
                let dest = self.dest(70);
                let tag = if dest == Dest::Creds { "CRED" } else { "CONF" };
                let id = self.key_id("AKIA", tag);
                match self.rng.weighted(&[(82, 0), (9, 1), (9, 2)]) {
                    0 => {
                        self.set(name, "aws_access_key_id", &id, dest);
                        self.set(name, "aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG", dest);
                    }
                    1 => self.set(name, "aws_access_key_id", &id, dest),
                    _ => self.set(name, "aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG", dest),
                }
                if self.rng.pct(15) {
                    let k = self.rng.pick(&["aws_session_token", "aws_security_token"]);
                    self.set(name, k, "IQoJb3JpZ2luX2VjEJr", dest);
                }
            }
            Kind::Login => {
                let dest = self.dest(12);
                self.serial += 1;
                let arn = if self.rng.pct(50) {
                    format!("arn:aws:iam::{ACCOUNT}:user/user{}", self.serial)
                } else {
                    format!(
                        "arn:aws:sts::{ACCOUNT}:assumed-role/Dev/user{}",
                        self.serial
                    )
                };
                self.set(name, "login_session", &arn, dest);
                self.login_cache_file(&arn);
            }
            Kind::Process => {
                let dest = self.dest(15);
                self.serial += 1;
                let script = self.dir.join(format!("bin/cred-helper-{}.sh", self.serial));
                let id = self.key_id("ASIA", "PROC");
                let body = match self
                    .rng
                    .weighted(&[(70, 0), (8, 1), (7, 2), (5, 3), (10, 4)])
                {
                    0 => format!(
                        "cat <<'EOF'\n{}\nEOF\n",
                        json!({"Version": 1, "AccessKeyId": id, "SecretAccessKey": "s3cr3t"})
                    ),
                    1 => "echo 'helper: no session for this profile' >&2\nexit 1\n".to_string(),
                    2 => format!(
                        "echo '{}'\n",
                        json!({"Version": 2, "AccessKeyId": id, "SecretAccessKey": "s"})
                    ),
                    3 => format!("echo '{}'\n", json!({"Version": 1, "AccessKeyId": id})),
                    _ => format!(
                        "echo '{}'\n",
                        json!({"Version": 1, "AccessKeyId": id, "SecretAccessKey": "s",
                               "SessionToken": "t", "Expiration": "2099-01-01T00:00:00Z"})
                    ),
                };
                self.write(&script, format!("#!/bin/sh\n{body}").into_bytes());
                std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                    .expect("chmod helper");
                // Arguments, sometimes on a continuation line (joined with a newline, which
                // shell-style splitting treats as a space).
                let args =
                    self.rng
                        .weighted(&[(75, ""), (15, " --profile x"), (10, "\n--profile x")]);
                self.set(
                    name,
                    "credential_process",
                    &format!("{}{args}", script.display()),
                    dest,
                );
            }
            Kind::RoleSource | Kind::RoleCredSource => {
                let dest = self.dest(10);
                let role = format!("arn:aws:iam::{ACCOUNT}:role/{}", name.replace(' ', "-"));
                self.set(name, "role_arn", &role, dest);
                let source_profile = |g: &mut Gen| -> String {
                    match g.rng.weighted(&[(70, 0), (15, 1), (15, 2)]) {
                        0 => names[g.rng.below(names.len())].clone(),
                        1 => {
                            // A profile may source itself when it also has static keys.
                            if g.rng.pct(60) {
                                g.add_kind(name, Kind::Static, names);
                            }
                            name.to_string()
                        }
                        _ => g.rng.pick(MISSING_NAMES).to_string(),
                    }
                };
                let cred_source = |g: &mut Gen| -> &'static str {
                    g.rng.weighted(&[
                        (40, "Environment"),
                        (20, "EcsContainer"),
                        (20, "Ec2InstanceMetadata"),
                        (10, "environment"),
                        (10, "Ec2Instance"),
                    ])
                };
                match (kind, self.rng.weighted(&[(88, 0), (6, 1), (6, 2)])) {
                    (_, 1) => {} // neither
                    (_, 2) => {
                        let s = source_profile(self);
                        self.set(name, "source_profile", &s, dest);
                        let c = cred_source(self);
                        self.set(name, "credential_source", c, dest);
                    }
                    (Kind::RoleSource, _) => {
                        let s = source_profile(self);
                        self.set(name, "source_profile", &s, dest);
                    }
                    _ => {
                        let c = cred_source(self);
                        self.set(name, "credential_source", c, dest);
                    }
                }
                if self.rng.pct(15) {
                    self.set(name, "role_session_name", "diff-test", dest);
                }
                if self.rng.pct(10) {
                    self.set(name, "duration_seconds", "3600", dest);
                }
            }
            Kind::Sso => {
                let dest = self.dest(5);
                let url = "https://my-sso-portal.awsapps.com/start";
                let region = self.rng.pick(REGIONS);
                let variant =
                    self.rng
                        .weighted(&[(35, 0), (35, 1), (10, 2), (8, 3), (7, 4), (5, 5)]);
                match variant {
                    // legacy: everything in the profile
                    0 => {
                        self.set(name, "sso_start_url", url, dest);
                        self.set(name, "sso_region", region, dest);
                    }
                    // sso-session: start url and region in the session section
                    1 | 4 => {
                        self.serial += 1;
                        let sname = format!("corp{}", self.serial);
                        self.set(name, "sso_session", &sname, dest);
                        let mut keys = vec![
                            ("sso_start_url".to_string(), url.to_string()),
                            ("sso_region".to_string(), region.to_string()),
                        ];
                        if self.rng.pct(30) {
                            keys.push((
                                "sso_registration_scopes".into(),
                                "sso:account:access".into(),
                            ));
                        }
                        if variant == 4 {
                            // the profile disagrees with its session
                            self.set(name, "sso_region", "ap-northeast-1", dest);
                        }
                        self.sso_sessions.push((sname, keys));
                    }
                    // a session that does not exist
                    2 => self.set(name, "sso_session", "nonexistent-session", dest),
                    // missing start url
                    3 => self.set(name, "sso_region", region, dest),
                    // nothing but account/role
                    _ => {}
                }
                match self.rng.weighted(&[(80, 0), (10, 1), (10, 2)]) {
                    0 => {
                        self.set(name, "sso_account_id", ACCOUNT, dest);
                        self.set(name, "sso_role_name", "ReadOnly", dest);
                    }
                    1 => self.set(name, "sso_account_id", ACCOUNT, dest),
                    _ => self.set(name, "sso_role_name", "ReadOnly", dest),
                }
            }
            Kind::WebIdentity => {
                let dest = self.dest(10);
                let token = self.dir.join("web-identity-token");
                self.write(&token, b"eyJhbGciOiJSUzI1NiJ9.e30.sig".to_vec());
                self.set(
                    name,
                    "web_identity_token_file",
                    &token.display().to_string(),
                    dest,
                );
                if self.rng.pct(85) {
                    let role = format!("arn:aws:iam::{ACCOUNT}:role/web");
                    self.set(name, "role_arn", &role, dest);
                }
            }
            Kind::RegionOnly => {
                let r = self.rng.pick(REGIONS);
                let dest = self.dest(20);
                self.set(name, "region", r, dest);
            }
            Kind::Empty => {
                self.set(name, "output", "json", Dest::Config);
            }
        }
    }

    /// The login cache entry for `session`: valid, missing, or missing required fields.
    fn login_cache_file(&mut self, session: &str) {
        let variant = self.rng.weighted(&[(72, 0), (14, 1), (14, 2)]);
        if variant == 1 {
            return;
        }
        let id = self.key_id("ASIA", "LOGN");
        let mut doc = json!({
            "accessToken": {
                "accessKeyId": id,
                "secretAccessKey": "loginsecret",
                "sessionToken": "loginsessiontoken",
                "accountId": ACCOUNT,
                "expiresAt": "2099-12-31T23:59:59Z"
            },
            "tokenType": "aws_sigv4",
            "clientId": "arn:aws:signin:::devtools/same-device",
            "refreshToken": "refresh-token-value",
            "idToken": "header.payload.signature",
            "dpopKey": DPOP_PEM,
        });
        if self.rng.pct(30) {
            doc["signInRegion"] = json!("eu-west-1");
        }
        if variant == 2 {
            let obj = doc.as_object_mut().expect("object");
            let required = ["accessToken", "refreshToken", "dpopKey", "clientId"];
            let first = self.rng.pick(&required);
            obj.remove(first);
            if self.rng.pct(30) {
                let second = self.rng.pick(&required);
                obj.remove(second);
            }
        }
        let path = self
            .login_cache
            .join(awsrun::cache::cache_file_name(session));
        let text = if self.rng.pct(50) {
            serde_json::to_string_pretty(&doc)
        } else {
            serde_json::to_string(&doc)
        }
        .expect("json");
        self.write(&path, text.into_bytes());
    }
}

/// The text's UTF-8 `é` (from the "not UTF-8" defect) as a Latin-1 byte: a file that is not UTF-8.
fn latin1(text: String) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with("\u{e9}".as_bytes()) {
            out.push(0xE9);
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// How a config section names its profile: mostly right, sometimes in forms users get wrong.
#[derive(Clone, Copy, PartialEq)]
enum Header {
    Plain,
    /// `[profile   dev]`, `[profile\tdev]`: still the profile after shell-style splitting.
    Spaced(&'static str),
    /// `[dev]`: not a profile in the config file.
    Bare,
    /// `[Profile dev]`: section names are case-sensitive, so not a profile either.
    Capital,
}

fn config_header(name: &str, style: Header, profile_default: bool) -> String {
    if name == "default" && !profile_default {
        return "[default]".into();
    }
    if name.contains(' ') {
        return format!("[profile \"{name}\"]");
    }
    match style {
        Header::Plain => format!("[profile {name}]"),
        Header::Spaced(gap) => format!("[profile{gap}{name}]"),
        Header::Bare => format!("[{name}]"),
        Header::Capital => format!("[Profile {name}]"),
    }
}

/// Lays the generated settings out as the config and credentials documents, with the
/// sections that are not profiles.
fn documents(g: &mut Gen, names: &[String], id: usize) -> (Doc, Doc) {
    let mut config = Doc::default();
    let mut creds = Doc::default();
    let both_defaults = names.iter().any(|n| n == "default") && g.rng.pct(10);
    let settings_in_profile_default = g.rng.pct(50);
    let styles: BTreeMap<&str, Header> = names
        .iter()
        .map(|n| {
            let style = g.rng.weighted(&[
                (88, Header::Plain),
                (4, Header::Spaced("   ")),
                (2, Header::Spaced("\t")),
                (4, Header::Bare),
                (2, Header::Capital),
            ]);
            (n.as_str(), style)
        })
        .collect();
    let literal_profile = if g.rng.pct(5) {
        Some(names[g.rng.below(names.len())].clone())
    } else {
        None
    };
    let literal_profile = literal_profile.as_deref();
    for (profile, key, value, dest) in std::mem::take(&mut g.settings) {
        match dest {
            Dest::Config => {
                let pd = profile == "default" && (both_defaults && settings_in_profile_default);
                let style = styles
                    .get(profile.as_str())
                    .copied()
                    .unwrap_or(Header::Plain);
                let header = config_header(&profile, style, pd);
                config.section(&header).items.push(Item::Kv(key, value));
            }
            Dest::Creds => {
                // `[profile dev]` in the credentials file is a profile named "profile dev".
                let header = if literal_profile == Some(profile.as_str()) {
                    format!("[profile {profile}]")
                } else {
                    format!("[{profile}]")
                };
                creds.section(&header).items.push(Item::Kv(key, value));
            }
        }
    }
    if both_defaults {
        // `[default]` and `[profile default]` both present: the later replaces the earlier.
        let other = if settings_in_profile_default {
            "[default]"
        } else {
            "[profile default]"
        };
        let r = g.rng.pick(REGIONS).to_string();
        let s = config.section(other);
        s.items.push(Item::Kv("region".into(), r));
        if g.rng.pct(50) {
            let id = format!("AKIADUPDEF{:0>10}", id);
            let s = config.section(other);
            s.items.push(Item::Kv("aws_access_key_id".into(), id));
            s.items
                .push(Item::Kv("aws_secret_access_key".into(), "secret".into()));
        }
    }
    for (sname, keys) in std::mem::take(&mut g.sso_sessions) {
        let s = config.section(&format!("[sso-session {sname}]"));
        for (k, v) in keys {
            s.items.push(Item::Kv(k, v));
        }
    }
    // Sections that are not profiles, and [DEFAULT], whose keys configparser copies into
    // every section of that file.
    if g.rng.pct(8) {
        let s = config.section("[plugins]");
        s.items
            .push(Item::Kv("cli_legacy_plugin_path".into(), "/opt".into()));
    }
    if g.rng.pct(6) {
        let s = config.section("[services local]");
        s.items.push(Item::Kv(
            "s3".into(),
            "\nendpoint_url = http://127.0.0.1:9000".into(),
        ));
    }
    for doc in [&mut config, &mut creds] {
        if g.rng.pct(5) {
            let items = match g.rng.weighted(&[(60, 0), (25, 1), (15, 2)]) {
                0 => vec![Item::Kv("region".into(), g.rng.pick(REGIONS).into())],
                1 => vec![Item::Kv("output".into(), "text".into())],
                // Keys for every section of the file.
                _ => vec![
                    Item::Kv("aws_access_key_id".into(), format!("AKIADFLT{:0>12}", id)),
                    Item::Kv("aws_secret_access_key".into(), "defaultsecret".into()),
                ],
            };
            let s = Section {
                header: "[DEFAULT]".into(),
                items,
            };
            let at = g.rng.below(doc.sections.len() + 1);
            doc.sections.insert(at, s);
        }
    }

    (config, creds)
}

/// Noise that must not change anything: comments, blank lines, continuation lines, nested
/// blocks, and a shuffled section order.
fn add_noise(rng: &mut Rng, doc: &mut Doc) {
    rng.shuffle(&mut doc.sections);
    if rng.pct(20) {
        doc.preamble.push(
            rng.pick(&["# AWS config", "; generated", "  # indented comment"])
                .into(),
        );
    }
    for s in doc.sections.iter_mut() {
        let n = s.items.len();
        if n == 0 {
            continue;
        }
        if rng.pct(15) {
            let at = rng.below(n + 1);
            s.items
                .insert(at, Item::Comment("a comment = not a key".into()));
        }
        if rng.pct(8) {
            let at = rng.below(n + 1);
            s.items.insert(at, Item::Blank);
        }
        let has_s3 = s
            .items
            .iter()
            .any(|i| matches!(i, Item::Kv(k, _) if k == "s3"));
        if !has_s3 && rng.pct(8) {
            s.items.push(Item::Kv(
                "s3".into(),
                "\nmax_concurrent_requests = 20\nmultipart_threshold = 64MB".into(),
            ));
        }
        if rng.pct(6) {
            s.items.push(Item::Kv(
                "description".into(),
                "first line\nsecond line".into(),
            ));
        }
    }
}

/// One defect that makes botocore refuse the file: a duplicate section or key, a key before
/// any section, a line without delimiter, a BOM, a bad nested block, or bytes that are not UTF-8.
fn add_defect(rng: &mut Rng, config: &mut Doc, creds: &mut Doc) {
    let target = if rng.pct(50) || creds.is_empty() {
        config
    } else {
        creds
    };
    match rng.below(7) {
        0 if !target.sections.is_empty() => {
            let h = target.sections[0].header.clone();
            target.sections.push(Section {
                header: h,
                items: vec![Item::Kv("output".into(), "json".into())],
            });
        }
        1 if !target.sections.is_empty() && !target.sections[0].items.is_empty() => {
            let dup = match &target.sections[0].items[0] {
                Item::Kv(k, _) => Item::Kv(k.clone(), "again".into()),
                _ => Item::Kv("output".into(), "json".into()),
            };
            target.sections[0]
                .items
                .push(Item::Kv("output".into(), "json".into()));
            target.sections[0].items.push(dup);
            target.sections[0]
                .items
                .push(Item::Kv("output".into(), "yaml".into()));
        }
        2 => target.preamble.push("region = us-east-1".into()),
        3 => target
            .section("[profile broken]")
            .items
            .push(Item::Raw("this line has no delimiter".into())),
        4 => target.preamble.insert(0, "\u{feff}# bom".into()),
        5 => target
            .section("[profile broken]")
            .items
            .push(Item::Kv("s3".into(), "\naddressing_style: path".into())),
        _ => target.section("[profile broken]").items.push(Item::Raw(
            "region = caf\u{e9}".into(), // made invalid UTF-8 below
        )),
    }
}

fn generate(id: usize, seed: u64, root: &Path) -> Case {
    let dir = root.join(format!("case-{id}"));
    let home = dir.join("home");
    std::fs::create_dir_all(home.join(".aws")).expect("create home");
    let mut rng = Rng::new(seed ^ (id as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    env.insert("HOME".into(), home.display().to_string());
    env.insert("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into());
    // No network, ever: instance metadata off, and no container credential variables.
    env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());

    // Where the files live: defaults, or elsewhere through the variables (with ~ and $HOME).
    let mut locate = |rng: &mut Rng, var: &str, default: &str, alt: &str| -> PathBuf {
        match rng.weighted(&[(75, 0), (10, 1), (8, 2), (7, 3)]) {
            0 => home.join(".aws").join(default),
            1 => {
                let p = dir.join("elsewhere").join(alt);
                env.insert(var.into(), p.display().to_string());
                p
            }
            2 => {
                env.insert(var.into(), format!("~/conf/{alt}"));
                home.join("conf").join(alt)
            }
            _ => {
                env.insert(var.into(), format!("$HOME/conf/{alt}"));
                home.join("conf").join(alt)
            }
        }
    };
    let config_path = locate(&mut rng, "AWS_CONFIG_FILE", "config", "aws-config");
    let creds_path = locate(
        &mut rng,
        "AWS_SHARED_CREDENTIALS_FILE",
        "credentials",
        "aws-credentials",
    );
    // Set but empty: botocore looks for a file named "" (none), so the config is empty.
    let config_path = if !env.contains_key("AWS_CONFIG_FILE") && rng.pct(2) {
        env.insert("AWS_CONFIG_FILE".into(), String::new());
        dir.join("unused-config")
    } else {
        config_path
    };
    let login_cache = match rng.weighted(&[(70, 0), (20, 1), (10, 2)]) {
        0 => home.join(".aws/login/cache"),
        1 => {
            let p = dir.join("login-cache");
            env.insert("AWS_LOGIN_CACHE_DIRECTORY".into(), p.display().to_string());
            p
        }
        _ => {
            env.insert("AWS_LOGIN_CACHE_DIRECTORY".into(), "~/lc".into());
            home.join("lc")
        }
    };

    // The profiles and what each one is.
    let mut pool: Vec<&str> = NAMES.to_vec();
    rng.shuffle(&mut pool);
    let count = 1 + rng.below(6);
    let mut names: Vec<String> = Vec::new();
    for n in pool {
        if names.len() < count && !names.iter().any(|x| x == n) {
            names.push(n.to_string());
        }
    }
    // Most homes have a default profile.
    if rng.pct(70) && !names.iter().any(|n| n == "default") {
        names[0] = "default".into();
    }
    let mut g = Gen {
        rng,
        dir: &dir,
        login_cache,
        serial: id * 1000,
        files: Vec::new(),
        settings: Vec::new(),
        sso_sessions: Vec::new(),
    };
    let kinds = [
        (22, Kind::Login),
        (18, Kind::Static),
        (9, Kind::Process),
        (12, Kind::RoleSource),
        (6, Kind::RoleCredSource),
        (9, Kind::Sso),
        (4, Kind::WebIdentity),
        (6, Kind::RegionOnly),
        (3, Kind::Empty),
    ];
    for name in names.clone() {
        let first = g.rng.weighted(&kinds);
        g.add_kind(&name, first, &names);
        // A second style in the same profile: the precedence questions users trip over.
        if g.rng.pct(30) {
            let second = g.rng.weighted(&kinds);
            if second != first {
                g.add_kind(&name, second, &names);
            }
        }
        if g.rng.pct(50) {
            let r = g.rng.pick(REGIONS);
            let r = if g.rng.pct(8) {
                format!("{r} # primary")
            } else {
                r.to_string()
            };
            let dest = g.dest(15);
            g.set(&name, "region", &r, dest);
        }
    }

    let (mut config, mut creds) = documents(&mut g, &names, id);
    for doc in [&mut config, &mut creds] {
        add_noise(&mut g.rng, doc);
    }
    if g.rng.pct(10) {
        add_defect(&mut g.rng, &mut config, &mut creds);
    }
    let render = |doc: &Doc, rng: &mut Rng| -> Vec<u8> { latin1(doc.render(rng)) };
    if !config.is_empty() || g.rng.pct(30) {
        let bytes = render(&config, &mut g.rng);
        g.write(&config_path, bytes);
    }
    if !creds.is_empty() {
        let bytes = render(&creds, &mut g.rng);
        g.write(&creds_path, bytes);
    }

    let mut rng = g.rng;
    let files = g.files;
    let explicit = environment(&mut rng, &mut env, &names, &dir, id);

    let (oracle_env, cli_notes) = cli_view(&env, explicit.as_deref());
    Case {
        id,
        env,
        oracle_env,
        cli_notes,
        explicit,
        files,
    }
}

/// The case's AWS variables (profile, keys, region, web identity); returns the explicit
/// `--profile`, if any.
fn environment(
    rng: &mut Rng,
    env: &mut BTreeMap<String, String>,
    names: &[String],
    dir: &Path,
    id: usize,
) -> Option<String> {
    let pick_profile = |rng: &mut Rng| -> String {
        match rng.weighted(&[(85, 0), (11, 1), (4, 2)]) {
            0 => names[rng.below(names.len())].clone(),
            1 => rng.pick(MISSING_NAMES).to_string(),
            _ => String::new(),
        }
    };
    if rng.pct(35) {
        env.insert("AWS_PROFILE".into(), pick_profile(rng));
    }
    if rng.pct(18) {
        env.insert("AWS_DEFAULT_PROFILE".into(), pick_profile(rng));
    }
    match rng.weighted(&[(64, 0), (16, 1), (5, 2), (4, 3), (4, 4), (3, 5), (4, 6)]) {
        0 => {}
        1 => {
            env.insert("AWS_ACCESS_KEY_ID".into(), format!("AKIAENV{:0>13}", id));
            env.insert("AWS_SECRET_ACCESS_KEY".into(), "envsecret".into());
        }
        2 => {
            env.insert("AWS_ACCESS_KEY_ID".into(), format!("AKIAENV{:0>13}", id));
        }
        3 => {
            env.insert("AWS_SECRET_ACCESS_KEY".into(), "envsecret".into());
        }
        4 => {
            env.insert("AWS_ACCESS_KEY_ID".into(), String::new());
            env.insert("AWS_SECRET_ACCESS_KEY".into(), "envsecret".into());
        }
        5 => {
            env.insert("AWS_ACCESS_KEY_ID".into(), format!("AKIAENV{:0>13}", id));
            env.insert("AWS_SECRET_ACCESS_KEY".into(), String::new());
        }
        _ => {
            env.insert("AWS_ACCESS_KEY_ID".into(), format!("ASIAENV{:0>13}", id));
            env.insert("AWS_SECRET_ACCESS_KEY".into(), "envsecret".into());
            env.insert(
                "AWS_CREDENTIAL_EXPIRATION".into(),
                "2099-01-01T00:00:00Z".into(),
            );
        }
    }
    if env.contains_key("AWS_ACCESS_KEY_ID") || rng.pct(5) {
        match rng.below(5) {
            0 => {
                env.insert("AWS_SESSION_TOKEN".into(), "envtoken".into());
            }
            1 => {
                env.insert("AWS_SECURITY_TOKEN".into(), "legacytoken".into());
            }
            2 => {
                env.insert("AWS_SECURITY_TOKEN".into(), String::new());
                env.insert("AWS_SESSION_TOKEN".into(), "envtoken".into());
            }
            _ => {}
        }
    }
    if rng.pct(20) {
        env.insert("AWS_REGION".into(), rng.pick(REGIONS).into());
    }
    if rng.pct(25) {
        env.insert("AWS_DEFAULT_REGION".into(), rng.pick(REGIONS).into());
    }
    if rng.pct(8) {
        let token = dir.join("env-web-identity-token");
        std::fs::write(&token, "eyJ.e30.sig").expect("write token");
        env.insert(
            "AWS_WEB_IDENTITY_TOKEN_FILE".into(),
            token.display().to_string(),
        );
        match rng.weighted(&[(75, 0), (15, 1), (10, 2)]) {
            0 => {
                env.insert(
                    "AWS_ROLE_ARN".into(),
                    format!("arn:aws:iam::{ACCOUNT}:role/ci"),
                );
            }
            1 => {}
            _ => {
                env.insert("AWS_ROLE_ARN".into(), String::new());
            }
        }
    }
    // An explicit --profile, usually one that exists.
    if !rng.pct(30) {
        return None;
    }
    Some(if rng.pct(85) {
        names[rng.below(names.len())].clone()
    } else {
        rng.pick(MISSING_NAMES).to_string()
    })
}

/// The documented CLI/botocore differences (SPEC §2, §4): awsrun follows the CLI, so botocore
/// is given the environment under which it makes the CLI's choice.
fn cli_view(
    env: &BTreeMap<String, String>,
    explicit: Option<&str>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let mut o = env.clone();
    let mut notes = Vec::new();
    // Profile: the CLI reads AWS_PROFILE before AWS_DEFAULT_PROFILE, botocore the reverse.
    if explicit.is_none() {
        if let (Some(p), Some(d)) = (env.get("AWS_PROFILE"), env.get("AWS_DEFAULT_PROFILE")) {
            if p != d {
                o.insert("AWS_DEFAULT_PROFILE".into(), p.clone());
                notes.push(format!(
                    "CLI profile order: botocore given AWS_DEFAULT_PROFILE={p:?} (AWS_PROFILE's value)"
                ));
            }
        }
    }
    // Region: the CLI reads AWS_REGION before AWS_DEFAULT_REGION; botocore ignores AWS_REGION.
    if let Some(r) = env.get("AWS_REGION") {
        if env.get("AWS_DEFAULT_REGION") != Some(r) {
            o.insert("AWS_DEFAULT_REGION".into(), r.clone());
            notes.push(format!(
                "CLI region order: botocore given AWS_DEFAULT_REGION={r:?} (AWS_REGION's value)"
            ));
        }
    }
    (o, notes)
}

// ---------------------------------------------------------------------------------------------
// The two sides.

fn run_oracle(cases: &[Case]) -> BTreeMap<usize, Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/botocore_oracle.py");
    let mut child = Command::new(venv_python())
        .arg(&script)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("PYTHONUTF8", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the botocore oracle");
    let mut input = String::new();
    for c in cases {
        let line = json!({"id": c.id, "env": c.oracle_env, "profile": c.explicit});
        input.push_str(&line.to_string());
        input.push('\n');
    }
    let mut stdin = child.stdin.take().expect("piped stdin");
    // Feed on a thread: the oracle answers as it reads, so both pipes must move at once.
    let feeder = std::thread::spawn(move || {
        stdin
            .write_all(input.as_bytes())
            .expect("write cases to the oracle");
    });
    let mut answers = BTreeMap::new();
    for line in BufReader::new(child.stdout.take().expect("piped stdout")).lines() {
        let line = line.expect("read the oracle's output");
        let v: Value = serde_json::from_str(&line).expect("oracle printed JSON");
        let id = v["id"].as_u64().expect("oracle answer has an id") as usize;
        answers.insert(id, v);
    }
    feeder.join().expect("feeder thread");
    let status = child.wait().expect("wait for the oracle");
    assert!(status.success(), "the botocore oracle failed: {status}");
    answers
}

fn oracle_outcome(v: &Value) -> Outcome {
    if let Some(crash) = v.get("oracle_crash") {
        panic!(
            "the botocore oracle crashed (harness bug):\n{}",
            crash.as_str().unwrap_or("")
        );
    }
    let s = |k: &str| v[k].as_str().map(str::to_string);
    let e = |k: &str| v[k]["message"].as_str().map(str::to_string);
    Outcome {
        profile_error: e("profile_error"),
        method: s("method"),
        access_key: s("access_key"),
        cred_error: e("cred_error"),
        region: s("region"),
        region_error: e("region_error"),
    }
}

fn awsrun_outcome(case: &Case) -> Outcome {
    let env = Env::from_pairs(case.env.iter());
    let mut out = Outcome::default();
    let files = match Files::load(&env) {
        Ok(f) => f,
        Err(e) => {
            out.profile_error = Some(e.message);
            return out;
        }
    };
    let opts = Options {
        run_process: true,
        ..Options::default()
    };
    let res = match resolve(&env, &files, case.explicit.as_deref(), &opts) {
        Ok(r) => r,
        Err(e) => {
            out.profile_error = Some(e.message);
            return out;
        }
    };
    // A missing named profile fails the whole resolution (botocore: get_scoped_config).
    if let (Err(c), Err(r)) = (&res.credentials, &res.region) {
        if c.kind == awsrun::error::Kind::ProfileNotFound
            && r.kind == awsrun::error::Kind::ProfileNotFound
        {
            out.profile_error = Some(c.message.clone());
            return out;
        }
    }
    match res.credentials {
        Ok(Some(src)) => {
            out.method = Some(src.method.as_str().to_string());
            out.access_key = src.keys.map(|k| k.access_key_id);
        }
        Ok(None) => {}
        Err(e) => out.cred_error = Some(e.message),
    }
    match res.region {
        Ok(r) => out.region = r.map(|r| r.value),
        Err(e) => out.region_error = Some(e.message),
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Comparison.

/// Messages must be equal, except that awsrun's parse errors add `:LINE: reason` after the
/// path botocore stops at. Trailing white space (a helper's stderr newline) is not compared.
fn same_message(awsrun: &str, botocore: &str) -> bool {
    let (a, b) = (awsrun.trim_end(), botocore.trim_end());
    if b.starts_with("Unable to parse config file: ") {
        return a == b || a.starts_with(&format!("{b}:"));
    }
    a == b
}

fn differences(a: &Outcome, b: &Outcome) -> Vec<String> {
    let mut d = Vec::new();
    // True when either side fails; records a difference when only one does or the texts differ.
    let mut errors = |what: &str, x: &Option<String>, y: &Option<String>| -> bool {
        match (x, y) {
            (None, None) => false,
            (Some(x), Some(y)) => {
                if !same_message(x, y) {
                    d.push(format!("{what} message differs"));
                }
                true
            }
            _ => {
                d.push(format!("{what}: only one side fails"));
                true
            }
        }
    };
    if errors("profile/file error", &a.profile_error, &b.profile_error) {
        return d;
    }
    let cred_failed = errors("credential error", &a.cred_error, &b.cred_error);
    let region_failed = errors("region error", &a.region_error, &b.region_error);
    if !cred_failed {
        if a.method != b.method {
            d.push("method differs".into());
        }
        if a.access_key != b.access_key {
            d.push("access key id differs".into());
        }
    }
    if !region_failed && a.region != b.region {
        d.push("region differs".into());
    }
    d
}

fn describe(case: &Case, seed: u64, a: &Outcome, b: &Outcome, why: &[String]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "==== case {} (AWSRUN_DIFF_SEED={seed}): {}",
        case.id,
        why.join("; ")
    );
    let _ = writeln!(s, "explicit --profile: {:?}", case.explicit);
    let _ = writeln!(s, "env:");
    for (k, v) in &case.env {
        let _ = writeln!(s, "  {k}={v:?}");
    }
    for n in &case.cli_notes {
        let _ = writeln!(s, "  (oracle: {n})");
    }
    for (path, bytes) in &case.files {
        let _ = writeln!(s, "--- {}", path.display());
        let _ = write!(s, "{}", String::from_utf8_lossy(bytes));
    }
    let _ = writeln!(s, "--- awsrun:   {a:?}");
    let _ = writeln!(s, "--- botocore: {b:?}");
    s
}

#[test]
fn resolution_matches_botocore() {
    let seed = seed_from_env();
    eprintln!("differential: seed {seed} (replay with AWSRUN_DIFF_SEED={seed})");
    let root =
        std::env::temp_dir().join(format!("awsrun-differential-{}-{seed}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("create the case root");

    let cases: Vec<Case> = (0..CASES).map(|i| generate(i, seed, &root)).collect();
    let answers = run_oracle(&cases);
    assert_eq!(answers.len(), cases.len(), "the oracle answered every case");

    let mut report = String::new();
    let mut mismatches = 0;
    let mut methods: BTreeMap<String, usize> = BTreeMap::new();
    for case in &cases {
        let b = oracle_outcome(&answers[&case.id]);
        let a = awsrun_outcome(case);
        let answer = &answers[&case.id];
        let key = match (&b.profile_error, &b.cred_error, &b.method) {
            (Some(_), _, _) => format!("error {}", answer["profile_error"]["type"]),
            (_, Some(_), _) => format!("error {}", answer["cred_error"]["type"]),
            (_, _, Some(m)) => m.clone(),
            _ => "no credentials".to_string(),
        };
        *methods.entry(key).or_default() += 1;
        let why = differences(&a, &b);
        if !why.is_empty() {
            mismatches += 1;
            report.push_str(&describe(case, seed, &a, &b, &why));
        }
    }
    eprintln!(
        "differential: {} cases, botocore outcomes: {methods:?}",
        cases.len()
    );
    if mismatches > 0 {
        eprintln!("{report}");
        panic!(
            "{mismatches} of {} cases differ from botocore (seed {seed}, replay with \
             AWSRUN_DIFF_SEED={seed}); case files kept in {}",
            cases.len(),
            root.display()
        );
    }
    std::fs::remove_dir_all(&root).expect("remove the case root");
}
