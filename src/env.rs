//! A snapshot of the process environment, so resolution is a pure function of (env, files)
//! that tests and the differential harness can drive without touching the real environment.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The real environment. Variables that are not valid UTF-8 are kept lossily; none of the
    /// names awsrun reads can be affected in a way that matters.
    pub fn from_os() -> Env {
        let vars = std::env::vars_os()
            .map(|(k, v): (OsString, OsString)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect();
        Env { vars }
    }

    pub fn from_pairs<I, K, V>(pairs: I) -> Env
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The variable's value when it is set, even to the empty string.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The variable's value when it is set and not empty.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_string(), value.to_string());
    }

    pub fn remove(&mut self, name: &str) {
        self.vars.remove(name);
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn home(&self) -> Option<PathBuf> {
        self.non_empty("HOME").map(PathBuf::from)
    }

    /// Python's `os.path.expandvars` then `os.path.expanduser`, as botocore applies them to
    /// file paths: `$NAME` and `${NAME}` are replaced when set and left alone otherwise.
    pub fn expand_path(&self, raw: &str) -> PathBuf {
        let vars = self.expand_vars(raw);
        if vars == "~" || vars.starts_with("~/") {
            if let Some(home) = self.home() {
                let mut s = home.to_string_lossy().into_owned();
                s.push_str(&vars[1..]);
                return PathBuf::from(s);
            }
        }
        PathBuf::from(vars)
    }

    fn expand_vars(&self, raw: &str) -> String {
        if !raw.contains('$') {
            return raw.to_string();
        }
        let word = |c: char| c.is_alphanumeric() || c == '_';
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let (name, len) = if let Some(braced) = after.strip_prefix('{') {
                match braced.find('}') {
                    Some(end) => (&braced[..end], end + 2),
                    None => ("", 0),
                }
            } else {
                let end = after.find(|c: char| !word(c)).unwrap_or(after.len());
                (&after[..end], end)
            };
            match (len, self.get(name)) {
                (0, _) | (_, None) => {
                    out.push('$');
                    rest = after;
                }
                (_, Some(v)) => {
                    out.push_str(v);
                    rest = &after[len..];
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_like_python() {
        let env = Env::from_pairs([("HOME", "/h"), ("X", "x")]);
        assert_eq!(
            env.expand_path("~/.aws/config"),
            PathBuf::from("/h/.aws/config")
        );
        assert_eq!(
            env.expand_path("$X/${X}/$NOPE/${NOPE}/$"),
            PathBuf::from("x/x/$NOPE/${NOPE}/$")
        );
        assert_eq!(env.expand_path("~other"), PathBuf::from("~other"));
    }
}
