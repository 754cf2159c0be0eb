//! `awsrun doctor`: every precedence conflict and broken session we can see from the files, the
//! environment and the tools on PATH, each with what is wrong, why it matters, where, and the
//! exact fix. One file per family of findings; the resolution itself comes from
//! [`crate::profile`] so doctor can never disagree with what `list` and `exec` do.

mod files;
mod keys;
pub mod online;
mod precedence;
pub mod render;
mod sessions;
mod tools;

use serde::Serialize;
use serde_json::Value;

use crate::awsfiles::Files;
use crate::env::Env;
use crate::profile::{self, Options, ProfileFrom, Resolution};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// The families findings are grouped by, in the order the report shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Precedence,
    Files,
    Sessions,
    Keys,
    Tools,
    Online,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Precedence => "precedence",
            Family::Files => "files",
            Family::Sessions => "sessions",
            Family::Keys => "keys",
            Family::Tools => "tools",
            Family::Online => "online",
        }
    }
}

/// One problem. Text fields never hold a secret: keys are named by their id or masked.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub severity: Severity,
    pub family: Family,
    /// The profile it is about, when it is about one.
    pub profile: Option<String>,
    /// What is wrong.
    pub what: String,
    /// Why it matters: which tool will do what.
    pub why: String,
    /// `file:line` or the variable(s).
    #[serde(rename = "where")]
    pub at: String,
    /// The exact command to run or line to delete.
    pub fix: String,
    /// Machine-checkable claims (what resolves, which tool picks which value), for scripts and
    /// for the tests that hold each claim against botocore.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub facts: Value,
}

impl Finding {
    pub fn new(id: &'static str, severity: Severity, family: Family) -> Finding {
        Finding {
            id,
            severity,
            family,
            profile: None,
            what: String::new(),
            why: String::new(),
            at: String::new(),
            fix: String::new(),
            facts: Value::Null,
        }
    }

    pub fn profile(mut self, p: &str) -> Finding {
        self.profile = Some(p.to_string());
        self
    }
    pub fn what(mut self, s: impl Into<String>) -> Finding {
        self.what = s.into();
        self
    }
    pub fn why(mut self, s: impl Into<String>) -> Finding {
        self.why = s.into();
        self
    }
    pub fn at(mut self, s: impl Into<String>) -> Finding {
        self.at = s.into();
        self
    }
    pub fn fix(mut self, s: impl Into<String>) -> Finding {
        self.fix = s.into();
        self
    }
    pub fn facts(mut self, v: Value) -> Finding {
        self.facts = v;
        self
    }
}

/// What doctor looks at: the environment, both files (empty where unparseable, which is itself
/// a finding), and the profiles to check with their resolution.
pub struct Ctx<'a> {
    pub env: &'a Env,
    pub files: &'a Files,
    /// `-p` when given.
    pub explicit: Option<&'a str>,
    /// The profiles checked, each with the resolution the CLI would make for it.
    pub checked: Vec<(String, Resolution)>,
    /// Unix seconds.
    pub now: i64,
}

impl Ctx<'_> {
    /// Shell-quotes a profile name for a fix command.
    pub fn quote(name: &str) -> String {
        shell_words::quote(name).into_owned()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub profiles: Vec<String>,
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online: Option<Value>,
}

impl Report {
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
    pub fn exit_code(&self) -> i32 {
        if self.count(Severity::Error) > 0 {
            1
        } else {
            0
        }
    }
}

/// Runs every offline check. `all` checks every profile in the files; otherwise the one the CLI
/// would use (`explicit`, then the environment, then `default`).
pub fn check(env: &Env, explicit: Option<&str>, all: bool, now: i64) -> (Report, Files) {
    let mut findings = Vec::new();
    let files = files::load(env, &mut findings);
    let selected = profile::select(env, explicit);
    let mut names: Vec<String> = if all {
        files.profile_names()
    } else {
        vec![selected.name.clone()]
    };
    // With --all, a selected profile that exists nowhere is still worth a finding.
    if !names.contains(&selected.name) && selected.from != ProfileFrom::Default {
        names.push(selected.name.clone());
    }
    let opts = Options::default();
    let mut checked = Vec::new();
    for name in names {
        // The selected profile is resolved as the CLI would resolve it in this shell (so env
        // keys take part unless -p was given); the others as if named with --profile.
        let r = if name == selected.name {
            profile::resolve(env, &files, explicit, &opts)
        } else {
            profile::resolve(env, &files, Some(&name), &opts)
        };
        if let Ok(r) = r {
            checked.push((name, r));
        }
    }
    let ctx = Ctx {
        env,
        files: &files,
        explicit,
        checked,
        now,
    };
    precedence::check(&ctx, &mut findings);
    files::check(&ctx, &mut findings);
    sessions::check(&ctx, &mut findings);
    keys::check(&ctx, &mut findings);
    tools::check(&ctx, &mut findings);
    // Stable order: by family, then severity, keeping discovery order inside.
    findings.sort_by_key(|f| (f.family, f.severity));
    let report = Report {
        profiles: ctx.checked.iter().map(|(n, _)| n.clone()).collect(),
        findings,
        online: None,
    };
    (report, files)
}

/// "2 and 3" / "2, 3 and 4": the lines of `keys` in `section`, for a "delete lines" fix.
pub(crate) fn key_lines(section: &crate::awsfiles::Section, keys: &[&str]) -> String {
    let mut lines: Vec<usize> = keys
        .iter()
        .filter_map(|k| section.get(k).map(|e| e.line))
        .collect();
    lines.sort();
    let mut words: Vec<String> = lines.iter().map(usize::to_string).collect();
    match words.len() {
        0 | 1 => words.pop().unwrap_or_default(),
        _ => {
            let last = words.pop().unwrap_or_default();
            format!("{} and {last}", words.join(", "))
        }
    }
}

/// The static-key settings of a profile section.
pub(crate) const KEY_SETTINGS: [&str; 4] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
];

/// Whether the profile was chosen by the environment rather than `-p`.
pub(crate) fn chosen_by_env(r: &Resolution) -> Option<&'static str> {
    match r.profile.from {
        ProfileFrom::Env(v) => Some(v),
        _ => None,
    }
}

/// `awsrun doctor`.
pub fn run(env: &Env, explicit: Option<&str>, args: &crate::cli::DoctorArgs) -> i32 {
    if args.all && explicit.is_some() {
        return crate::app::report(
            crate::error::Error::new(
                crate::error::Kind::Usage,
                "--all and --profile cannot be used together",
            ),
            2,
        );
    }
    let (mut report, files) = check(env, explicit, args.all, crate::time::now());
    if args.online {
        online::check(env, &files, explicit, &mut report);
    }
    let stdout = std::io::stdout();
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&render::to_json(&report)).unwrap_or_default();
        s.push('\n');
        s
    } else {
        use std::io::IsTerminal;
        let colour = stdout.is_terminal() && env.non_empty("NO_COLOR").is_none();
        render::text(&report, colour)
    };
    use std::io::Write;
    let mut out = stdout.lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    report.exit_code()
}
