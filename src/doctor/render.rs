//! The report as text (grouped by family, coloured only on a terminal without `NO_COLOR`) or
//! as JSON for scripts:
//!
//! ```text
//! { "profiles": ["dev"],
//!   "findings": [{"id", "severity", "family", "profile", "what", "why", "where", "fix",
//!                 "facts"?}],
//!   "summary": {"errors", "warnings", "info"},
//!   "online"?: {"profile", "identity"?: {"account", "arn", "user_id"}, "clock_skew_seconds"?,
//!               "error"?} }
//! ```

use serde_json::{json, Value};

use super::{Family, Report, Severity};

pub fn to_json(r: &Report) -> Value {
    json!({
        "profiles": r.profiles,
        "findings": r.findings,
        "summary": {
            "errors": r.count(Severity::Error),
            "warnings": r.count(Severity::Warning),
            "info": r.count(Severity::Info),
        },
        "online": r.online,
    })
}

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.wrap(code, &format!("{:<7}", s.as_str()))
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn text(r: &Report, colour: bool) -> String {
    let p = Paint(colour);
    let mut out = String::new();
    let who = if r.profiles.len() == 1 {
        format!("profile {}", r.profiles[0])
    } else {
        format!("{} profiles", r.profiles.len())
    };
    out.push_str(&format!("awsrun doctor: {who}\n"));
    let mut family: Option<Family> = None;
    for f in &r.findings {
        if family != Some(f.family) {
            family = Some(f.family);
            out.push('\n');
            out.push_str(&p.wrap("1", f.family.as_str()));
            out.push('\n');
        }
        let profile = f
            .profile
            .as_deref()
            .map(|n| format!(" [{n}]"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {} {}{profile}\n",
            p.severity(f.severity),
            p.wrap("1", f.id)
        ));
        for (label, value) in [
            ("what", &f.what),
            ("why", &f.why),
            ("where", &f.at),
            ("fix", &f.fix),
        ] {
            let label = format!("{label}:");
            let v = if label == "fix:" {
                p.wrap("32", value)
            } else {
                value.clone()
            };
            out.push_str(&format!(
                "    {} {v}\n",
                p.wrap("2", &format!("{label:<6}"))
            ));
        }
    }
    if let Some(o) = &r.online {
        out.push('\n');
        out.push_str(&p.wrap("1", "sts get-caller-identity"));
        out.push('\n');
        if let Some(id) = o.get("identity").filter(|v| !v.is_null()) {
            out.push_str(&format!(
                "  identity: {} (account {})\n",
                id["arn"].as_str().unwrap_or(""),
                id["account"].as_str().unwrap_or("")
            ));
        }
        if let Some(s) = o.get("clock_skew_seconds").and_then(Value::as_i64) {
            out.push_str(&format!(
                "  clock skew: {s:+} s (local clock minus AWS's Date)\n"
            ));
        }
        if o.get("error").is_some_and(|e| !e.is_null()) {
            out.push_str("  failed: see online-failed above\n");
        }
    }
    let (e, w, i) = (
        r.count(Severity::Error),
        r.count(Severity::Warning),
        r.count(Severity::Info),
    );
    out.push('\n');
    if e + w + i == 0 {
        out.push_str(&p.wrap("32", "No problems found."));
    } else {
        out.push_str(&format!(
            "{}, {}, {}",
            p.wrap(
                if e > 0 { "1;31" } else { "0" },
                &plural(e, "error", "errors")
            ),
            plural(w, "warning", "warnings"),
            plural(i, "note", "notes")
        ));
    }
    out.push('\n');
    out
}
