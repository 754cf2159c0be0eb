//! A throwaway HOME with AWS files, and awsrun run inside it with a clean environment.
#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output};

pub struct Home {
    pub dir: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Home {
    pub fn new(name: &str) -> Home {
        let dir = std::env::temp_dir().join(format!("awsrun-list-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join(".aws")).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        Home {
            dir,
            env: Vec::new(),
        }
    }

    pub fn file(&self, rel: &str, text: &str) -> &Home {
        let p = self.dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
        self
    }

    pub fn config(&self, text: &str) -> &Home {
        self.file(".aws/config", text)
    }

    pub fn credentials(&self, text: &str) -> &Home {
        self.file(".aws/credentials", text)
    }

    pub fn var(&mut self, k: &str, v: &str) -> &mut Home {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_awsrun"));
        c.args(args)
            .env_clear()
            .env("HOME", &self.dir)
            .env("PATH", "/usr/bin:/bin")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

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
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}
