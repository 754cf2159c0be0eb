//! A minimal STS client: `GetCallerIdentity`, SigV4-signed, against the endpoint the SDKs would
//! use (`AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`, then the regional endpoint). Used by
//! `doctor --online`, `whoami` and `exec`.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

use crate::credentials::Keys;
use crate::env::Env;
use crate::error::{Error, Kind, Result};

const BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Who the credentials belong to, and the server's clock when it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
    /// The response's `Date` header, when it had a readable one.
    pub server_date: Option<SystemTime>,
}

/// The STS endpoint for `region`, with the standard endpoint overrides.
pub fn endpoint(env: &Env, region: &str) -> String {
    for var in ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"] {
        if let Some(v) = env.non_empty(var) {
            return v.to_string();
        }
    }
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://sts.{region}.{suffix}")
}

fn network(msg: impl std::fmt::Display) -> Error {
    Error::new(Kind::Network, format!("STS GetCallerIdentity: {msg}"))
}

/// Signs and sends `GetCallerIdentity`. Errors carry STS's code and message, never the keys.
pub async fn get_caller_identity(keys: &Keys, region: &str, endpoint: &str) -> Result<Identity> {
    let url = format!("{}/", endpoint.trim_end_matches('/'));
    let host = reqwest::Url::parse(&url)
        .map_err(|e| network(format_args!("bad endpoint {endpoint:?}: {e}")))?;
    let host_header = match (host.host_str(), host.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => return Err(network(format_args!("endpoint {endpoint:?} has no host"))),
    };
    let creds = Credentials::new(
        &keys.access_key_id,
        &keys.secret_access_key,
        keys.session_token.clone(),
        None,
        "awsrun",
    );
    let identity = creds.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| network(format_args!("cannot sign: {e}")))?
        .into();
    let headers = [
        ("content-type", CONTENT_TYPE),
        ("host", host_header.as_str()),
    ];
    let signable = SignableRequest::new(
        "POST",
        url.as_str(),
        headers.into_iter(),
        SignableBody::Bytes(BODY.as_bytes()),
    )
    .map_err(|e| network(format_args!("cannot sign: {e}")))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| network(format_args!("cannot sign: {e}")))?
        .into_parts();
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(network)?;
    let mut req = client
        .post(&url)
        .header("content-type", CONTENT_TYPE)
        .body(BODY);
    for (name, value) in instructions.headers() {
        req = req.header(name, value);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| network(format_args!("cannot reach {endpoint}: {}", without_url(&e))))?;
    let status = resp.status();
    let server_date = resp
        .headers()
        .get("date")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    let body = resp.text().await.map_err(|e| network(without_url(&e)))?;
    if !status.is_success() {
        let code = tag(&body, "Code").unwrap_or_else(|| status.to_string());
        let msg = tag(&body, "Message").unwrap_or_default();
        return Err(Error::new(
            Kind::CredentialRetrieval,
            format!("STS GetCallerIdentity failed: {code}: {msg}"),
        ));
    }
    let get =
        |t: &str| tag(&body, t).ok_or_else(|| network(format_args!("the response has no <{t}>")));
    Ok(Identity {
        account: get("Account")?,
        arn: get("Arn")?,
        user_id: get("UserId")?,
        server_date,
    })
}

fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(src) = std::error::Error::source(e) {
        s = format!("{s}: {src}");
    }
    s
}

/// The text of the first `<name>...</name>` element, XML entities decoded. STS answers are
/// flat enough that this is all the XML we need.
fn tag(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&close)?;
    Some(
        xml[start..end]
            .trim()
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let env = Env::from_pairs([("AWS_ENDPOINT_URL", "http://127.0.0.1:9")]);
        assert_eq!(endpoint(&env, "eu-west-1"), "http://127.0.0.1:9");
        let env = Env::from_pairs([
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:8"),
        ]);
        assert_eq!(endpoint(&env, "eu-west-1"), "http://127.0.0.1:8");
        assert_eq!(
            endpoint(&Env::default(), "eu-west-1"),
            "https://sts.eu-west-1.amazonaws.com"
        );
    }

    #[test]
    fn reads_tags() {
        let xml = "<R><Arn>arn:aws:iam::1:user/a&amp;b</Arn><Account>1</Account></R>";
        assert_eq!(tag(xml, "Arn").as_deref(), Some("arn:aws:iam::1:user/a&b"));
        assert_eq!(tag(xml, "UserId"), None);
    }
}
