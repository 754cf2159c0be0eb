//! AWS Sign-In for developer tools (SPEC §7): the protocol pieces (`pkce`, `token`), the
//! loopback callback, and the `login` / `logout` commands built from them.

pub mod browser;
pub mod callback;
pub mod httpd;
pub mod login;
pub mod logout;
pub mod pkce;
pub mod prompt;
pub mod remote;
pub mod token;

use crate::env::Env;
use crate::error::{Error, Kind, Result};

pub const CLIENT_ID_SAME_DEVICE: &str = "arn:aws:signin:::devtools/same-device";
pub const CLIENT_ID_CROSS_DEVICE: &str = "arn:aws:signin:::devtools/cross-device";
pub const CALLBACK_PATH: &str = "/oauth/callback";

/// The sign-in base URL: `--endpoint-url`, `AWS_ENDPOINT_URL_SIGNIN`, `AWS_ENDPOINT_URL`, else
/// the region's public endpoint. Returned without a trailing slash.
pub fn base_url(env: &Env, region: &str, flag: Option<&str>) -> Result<String> {
    let (raw, from) = if let Some(f) = flag {
        (f.to_string(), "--endpoint-url")
    } else if let Some(v) = env.non_empty("AWS_ENDPOINT_URL_SIGNIN") {
        (v.to_string(), "AWS_ENDPOINT_URL_SIGNIN")
    } else if let Some(v) = env.non_empty("AWS_ENDPOINT_URL") {
        (v.to_string(), "AWS_ENDPOINT_URL")
    } else {
        return Ok(format!(
            "https://{region}.signin.{}",
            partition_suffix(region)
        ));
    };
    let url = raw.trim().trim_end_matches('/').to_string();
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && !url.contains(['?', '#', ' ', '\t'])
        && url.split("://").nth(1).is_some_and(|h| !h.is_empty());
    if !ok {
        return Err(Error::new(
            Kind::InvalidConfig,
            format!("{from} is not an http(s) URL without query: {raw:?}"),
        ));
    }
    Ok(url)
}

/// The DNS suffix of the partition a region belongs to.
pub fn partition_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.cn"
    } else if region.starts_with("us-gov-") {
        "amazonaws-us-gov.com"
    } else {
        "aws.amazon.com"
    }
}

/// A region name safe to put in a host name.
pub fn valid_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 64
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The authorize URL, parameters in the CLI's order, percent-encoded like botocore.
pub fn authorize_url(
    base: &str,
    client_id: &str,
    state: &str,
    challenge: &str,
    redirect_uri: &str,
) -> String {
    use httpd::url_encode as e;
    format!(
        "{base}/v1/authorize?response_type=code&client_id={}&state={}&code_challenge_method=SHA-256&scope=openid&redirect_uri={}&code_challenge={}",
        e(client_id),
        e(state),
        e(redirect_uri),
        e(challenge)
    )
}

/// The account id field of an ARN (`arn:partition:service:region:account:resource`).
pub fn arn_account(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", p, _, _, acct, res]
            if !p.is_empty()
                && acct.len() == 12
                && acct.bytes().all(|b| b.is_ascii_digit())
                && !res.is_empty() =>
        {
            Some(acct)
        }
        _ => None,
    }
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let env = Env::from_pairs([("X", "y")]);
        assert_eq!(
            base_url(&env, "eu-west-1", None).unwrap(),
            "https://eu-west-1.signin.aws.amazon.com"
        );
        assert_eq!(
            base_url(&env, "cn-north-1", None).unwrap(),
            "https://cn-north-1.signin.amazonaws.cn"
        );
        let env = Env::from_pairs([
            ("AWS_ENDPOINT_URL", "http://a"),
            ("AWS_ENDPOINT_URL_SIGNIN", "http://127.0.0.1:9/"),
        ]);
        assert_eq!(base_url(&env, "x", None).unwrap(), "http://127.0.0.1:9");
        assert_eq!(
            base_url(&env, "x", Some("http://b:1")).unwrap(),
            "http://b:1"
        );
        assert!(base_url(&env, "x", Some("ftp://b")).is_err());
    }

    #[test]
    fn arns() {
        assert_eq!(
            arn_account("arn:aws:sts::123456789012:assumed-role/Dev/alice"),
            Some("123456789012")
        );
        assert_eq!(arn_account("arn:aws:iam::12:user/x"), None);
    }
}
