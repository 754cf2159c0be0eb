//! A throwaway HOME with AWS files and login cache entries, awsrun (or another program) run
//! inside it with a clean environment, and plain temporary directories.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde_json::Value;

use super::AWSRUN;

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A temporary HOME with `.aws/`; removed on drop.
///
/// Programs run in it ([`Home::command`], [`Home::awsrun`], [`Home::program`],
/// [`Home::run_with`]) get a clean environment: only `HOME` (this directory),
/// `PATH=/usr/bin:/bin`, `AWS_EC2_METADATA_DISABLED=true`, the variables set with [`Home::var`],
/// and what the call adds.
pub struct Home {
    pub dir: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Home {
    pub fn new(name: &str) -> Home {
        let dir = std::env::temp_dir().join(format!(
            "awsrun-home-{name}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join(".aws")).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        Home {
            dir,
            env: Vec::new(),
        }
    }

    /// A HOME for the shell tests: with the login cache directory, and as on a machine where
    /// fish has already run once (otherwise its first start launches a background job that
    /// scans man pages for completions, and starts processes).
    pub fn for_shell() -> Home {
        let home = Home::new("shell");
        fs::create_dir_all(home.path(".aws/login/cache")).unwrap();
        fs::create_dir_all(home.path(".local/share/fish/generated_completions")).unwrap();
        home
    }

    /// The standard cast: `dev` (3h12m left), `short` (20m left), `old` (expired), `keys` (no
    /// login session), `gone` (login_session but signed out: no cache file).
    pub fn standard() -> Home {
        let home = Home::for_shell();
        home.config(STANDARD_CONFIG);
        let t = now();
        home.login_cache_at(
            "arn:aws:iam::123456789012:user/dev",
            t - 12 * 3600 + 3 * 3600 + 12 * 60 + 45,
        );
        home.login_cache_at(
            "arn:aws:iam::123456789012:user/short",
            t - 12 * 3600 + 20 * 60 + 45,
        );
        home.login_cache_at("arn:aws:iam::123456789012:user/old", t - 13 * 3600);
        home
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// Writes `rel` (making its directories) and returns its path.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p
    }

    /// Like [`Home::write`], for chaining.
    pub fn file(&self, rel: &str, text: &str) -> &Home {
        self.write(rel, text);
        self
    }

    pub fn config(&self, text: &str) -> &Home {
        self.file(".aws/config", text)
    }

    pub fn credentials(&self, text: &str) -> &Home {
        self.file(".aws/credentials", text)
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
    }

    pub fn read_config(&self) -> String {
        self.read(".aws/config")
    }

    /// Adds `k=v` to the environment of every program run in this HOME.
    pub fn var(&mut self, k: &str, v: &str) -> &mut Home {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn cache_path(&self, session: &str) -> PathBuf {
        self.path(".aws/login/cache")
            .join(awsrun::cache::cache_file_name(session))
    }

    pub fn cache(&self, session: &str) -> Value {
        let p = self.cache_path(session);
        let text =
            fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()));
        serde_json::from_str(&text).unwrap()
    }

    pub fn cache_files(&self) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.path(".aws/login/cache"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// A login cache entry for `session` holding `access_key`.
    pub fn login_cache(&self, session: &str, access_key: &str) {
        let name = awsrun::cache::cache_file_name(session);
        let doc = serde_json::json!({
            "accessToken": {"accessKeyId": access_key, "secretAccessKey": "cachedsecretABCD", "sessionToken": "tok",
                            "accountId": "123456789012", "expiresAt": "2030-01-01T00:00:00Z"},
            "tokenType": "aws_sigv4", "clientId": "arn:aws:signin:::devtools/same-device",
            "refreshToken": "r", "idToken": "a.b.c", "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----\n"
        });
        self.file(&format!(".aws/login/cache/{name}"), &doc.to_string());
    }

    /// A cache entry in the SPEC §8 shape whose id token was issued at `iat` (the login cache
    /// directory must exist: see [`Home::for_shell`]).
    pub fn login_cache_at(&self, session: &str, iat: i64) -> PathBuf {
        let doc = serde_json::json!({
            "accessToken": {
                "accessKeyId": "ASIAFIXTUREFIXTURE00",
                "secretAccessKey": "fixture-secret",
                "sessionToken": "fixture-token",
                "accountId": "123456789012",
                "expiresAt": "2099-01-01T00:00:00Z"
            },
            "tokenType": "urn:aws:params:oauth:token-type:access_token_sigv4",
            "clientId": "arn:aws:signin:::devtools/same-device",
            "refreshToken": "fixture-refresh",
            "idToken": jwt(&serde_json::json!({"sub": "fixture-user", "iat": iat})),
            "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n"
        });
        let env = awsrun::env::Env::from_pairs([("HOME", self.dir.to_str().unwrap())]);
        let path = awsrun::cache::cache_path(&env, session);
        fs::write(&path, doc.to_string()).unwrap();
        path
    }

    /// `program` with the clean environment, pointing at the sign-in `endpoint` (if any).
    pub fn program(&self, program: impl AsRef<OsStr>, endpoint: Option<&str>) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("HOME", &self.dir)
            .env("PATH", "/usr/bin:/bin")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        if let Some(e) = endpoint {
            c.env("AWS_ENDPOINT_URL_SIGNIN", e);
        }
        c
    }

    /// `awsrun ARGS` with the clean environment pointing at `endpoint` (if any).
    pub fn awsrun(&self, endpoint: Option<&str>, args: &[&str]) -> Command {
        let mut c = self.program(AWSRUN, endpoint);
        c.args(args);
        c
    }

    /// `awsrun ARGS` with the clean environment.
    pub fn command(&self, args: &[&str]) -> Command {
        self.awsrun(None, args)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// `awsrun ARGS` run to the end with the clean environment plus `env`.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(args)
            .envs(env.iter().copied())
            .output()
            .unwrap()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

pub const STANDARD_CONFIG: &str = "\
[default]
region = us-east-1

[profile dev]
login_session = arn:aws:iam::123456789012:user/dev
region = eu-west-1

[profile short]
login_session = arn:aws:iam::123456789012:user/short

[profile old]
login_session = arn:aws:iam::123456789012:user/old

[profile keys]
region = eu-west-2

[profile gone]
login_session = arn:aws:iam::123456789012:user/gone
";

/// A directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "awsrun-{tag}-{}-{:x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The permission bits of `p`.
pub fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An unsigned-looking JWT (ES256 header, `claims`, a fixed signature).
pub fn jwt(claims: &Value) -> String {
    let enc = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2lnbmF0dXJl",
        enc(&serde_json::json!({"alg": "ES256", "typ": "JWT"})),
        enc(claims)
    )
}
