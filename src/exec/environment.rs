//! The child's environment: everything that could make its SDK pick other credentials goes,
//! and awsrun's own variables tell prompts and scripts what is live.

use std::ffi::OsString;

/// Removed from every child: profile choice, keys, tokens, expirations, other providers'
/// switches. Left in place, any of them can beat the credentials awsrun hands over.
pub const SCRUBBED: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_SDK_LOAD_CONFIG",
    "AWS_CREDENTIAL_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
];
pub const SCRUBBED_PREFIX: &str = "AWS_CONTAINER_";

pub const PROFILE_VAR: &str = "AWSRUN_PROFILE";
pub const SESSION_EXPIRATION_VAR: &str = "AWSRUN_SESSION_EXPIRATION";
pub const SESSION_EPOCH_VAR: &str = "AWSRUN_SESSION_EXPIRES_EPOCH";

pub fn scrubbed(name: &str) -> bool {
    SCRUBBED.contains(&name) || name.starts_with(SCRUBBED_PREFIX)
}

/// The parent's environment without the scrubbed variables and without awsrun's own, plus
/// `set` (which wins).
pub fn build(
    parent: impl Iterator<Item = (OsString, OsString)>,
    set: &[(String, String)],
) -> Vec<(OsString, OsString)> {
    let ours = [PROFILE_VAR, SESSION_EXPIRATION_VAR, SESSION_EPOCH_VAR];
    let mut out: Vec<(OsString, OsString)> = parent
        .filter(|(k, _)| {
            let k = k.to_string_lossy();
            !scrubbed(&k) && !ours.contains(&k.as_ref()) && !set.iter().any(|(s, _)| *s == k)
        })
        .collect();
    out.extend(
        set.iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v))),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_and_sets() {
        let parent = [
            ("AWS_PROFILE", "x"),
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "u"),
            ("HOME", "/h"),
            ("AWS_REGION", "old"),
        ]
        .into_iter()
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let out = build(parent, &[("AWS_REGION".into(), "new".into())]);
        let names: Vec<String> = out
            .iter()
            .map(|(k, v)| format!("{}={}", k.to_string_lossy(), v.to_string_lossy()))
            .collect();
        assert_eq!(names, ["HOME=/h", "AWS_REGION=new"]);
    }
}
