//! Long-lived access keys anywhere: the thing `aws login` exists to retire. Keys with a session
//! token are temporary and left alone.

use serde_json::json;

use super::{Ctx, Family, Finding, Severity};
use crate::awsfiles::{config_profile_name, AwsFile, Which};

const WHY: &str = "Long-lived keys never expire: copied, leaked or left on an old laptop they work until someone deletes them. A console sign-in (aws login / awsrun login) gives 15-minute credentials instead.";

pub(super) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for file in [&ctx.files.credentials, &ctx.files.config] {
        in_file(file, out);
    }
    in_env(ctx, out);
}

fn deactivate(id: &str) -> String {
    format!("aws iam update-access-key --access-key-id {id} --status Inactive")
}

fn in_file(file: &AwsFile, out: &mut Vec<Finding>) {
    for s in &file.ini.sections {
        let profile = match file.which {
            Which::Credentials => Some(s.name.clone()),
            Which::Config => config_profile_name(&s.name),
        };
        let Some(profile) = profile else { continue };
        let Some(id) = s.get("aws_access_key_id") else {
            continue;
        };
        if s.get("aws_session_token").is_some() || s.get("aws_security_token").is_some() {
            continue;
        }
        let id_text = id.value.as_text().unwrap_or("");
        let lines = super::key_lines(s, &["aws_access_key_id", "aws_secret_access_key"]);
        let q = super::Ctx::quote(&profile);
        out.push(
            Finding::new("long-lived-keys", Severity::Warning, Family::Keys)
                .profile(&profile)
                .what(format!(
                    "[{}] holds the long-lived access key {}.",
                    s.name,
                    crate::credentials::mask(id_text)
                ))
                .why(WHY)
                .at(format!("{}:{}", file.shown, id.line))
                .fix(format!(
                    "Delete lines {} of {}, then `awsrun login -p {q}`, then {}",
                    lines,
                    file.shown,
                    deactivate(id_text)
                ))
                .facts(json!({"file": match file.which { Which::Config => "config", Which::Credentials => "credentials" }})),
        );
    }
}

fn in_env(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let Some(id) = ctx.env.non_empty("AWS_ACCESS_KEY_ID") else {
        return;
    };
    if ctx.env.non_empty("AWS_SESSION_TOKEN").is_some()
        || ctx.env.non_empty("AWS_SECURITY_TOKEN").is_some()
    {
        return;
    }
    let profile = ctx
        .checked
        .first()
        .map(|(n, _)| n.as_str())
        .unwrap_or("default");
    out.push(
        Finding::new("long-lived-keys", Severity::Warning, Family::Keys)
            .what(format!(
                "The environment holds the long-lived access key {}.",
                crate::credentials::mask(id)
            ))
            .why(WHY)
            .at("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY")
            .fix(format!(
                "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY (and remove the export from your shell startup files), then `awsrun login -p {}` and run programs with `awsrun -p {} -- COMMAND`, then {}",
                super::Ctx::quote(profile),
                super::Ctx::quote(profile),
                deactivate(id)
            ))
            .facts(json!({"file": null})),
    );
}
