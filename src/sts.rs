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

fn network(action: &str, msg: impl std::fmt::Display) -> Error {
    Error::new(Kind::Network, format!("STS {action}: {msg}"))
}

/// Form-encodes Query-protocol parameters.
fn form(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::signin::httpd::url_encode(k),
                crate::signin::httpd::url_encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Sends one STS Query action, SigV4-signed with `keys` when given, and returns the XML body
/// and the server's Date. Errors carry STS's code and message, never the keys.
async fn call(
    env: &Env,
    keys: Option<&Keys>,
    region: &str,
    endpoint: &str,
    params: &[(&str, &str)],
) -> Result<(String, Option<SystemTime>)> {
    let action = params
        .iter()
        .find(|(k, _)| *k == "Action")
        .map(|(_, v)| *v)
        .unwrap_or("call");
    let body = form(params);
    let url = format!("{}/", endpoint.trim_end_matches('/'));
    let parsed = reqwest::Url::parse(&url)
        .map_err(|e| network(action, format_args!("bad endpoint {endpoint:?}: {e}")))?;
    let host_header = match (parsed.host_str(), parsed.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => {
            return Err(network(
                action,
                format_args!("endpoint {endpoint:?} has no host"),
            ))
        }
    };
    let client = crate::http::client(env, std::time::Duration::from_secs(30))?;
    let mut req = client
        .post(&url)
        .header("content-type", CONTENT_TYPE)
        .body(body.clone());
    if let Some(keys) = keys {
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
            .map_err(|e| network(action, format_args!("cannot sign: {e}")))?
            .into();
        let headers = [
            ("content-type", CONTENT_TYPE),
            ("host", host_header.as_str()),
        ];
        let signable = SignableRequest::new(
            "POST",
            url.as_str(),
            headers.into_iter(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| network(action, format_args!("cannot sign: {e}")))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| network(action, format_args!("cannot sign: {e}")))?
            .into_parts();
        for (name, value) in instructions.headers() {
            req = req.header(name, value);
        }
    }
    let resp = req.send().await.map_err(|e| {
        network(
            action,
            format_args!("cannot reach {endpoint}: {}", crate::http::describe(&e)),
        )
    })?;
    let status = resp.status();
    let server_date = resp
        .headers()
        .get("date")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    let text = resp
        .text()
        .await
        .map_err(|e| network(action, crate::http::describe(&e)))?;
    if !status.is_success() {
        let code = tag(&text, "Code").unwrap_or_else(|| status.to_string());
        let msg = tag(&text, "Message").unwrap_or_default();
        return Err(Error::new(
            Kind::CredentialRetrieval,
            format!("STS {action} failed: {code}: {msg}"),
        ));
    }
    Ok((text, server_date))
}

fn field(action: &str, xml: &str, t: &str) -> Result<String> {
    tag(xml, t).ok_or_else(|| network(action, format_args!("the response has no <{t}>")))
}

/// Signs and sends `GetCallerIdentity`.
pub async fn get_caller_identity(
    env: &Env,
    keys: &Keys,
    region: &str,
    endpoint: &str,
) -> Result<Identity> {
    let a = "GetCallerIdentity";
    let (xml, server_date) = call(
        env,
        Some(keys),
        region,
        endpoint,
        &[("Action", a), ("Version", "2011-06-15")],
    )
    .await?;
    Ok(Identity {
        account: field(a, &xml, "Account")?,
        arn: field(a, &xml, "Arn")?,
        user_id: field(a, &xml, "UserId")?,
        server_date,
    })
}

/// Parameters of `AssumeRole`, as a profile configures them.
#[derive(Debug, Clone, Default)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
    pub duration_seconds: Option<String>,
    pub mfa_serial: Option<String>,
}

fn temporary_keys(action: &str, xml: &str) -> Result<Keys> {
    let arn = tag(xml, "Arn");
    Ok(Keys {
        access_key_id: field(action, xml, "AccessKeyId")?,
        secret_access_key: field(action, xml, "SecretAccessKey")?,
        session_token: Some(field(action, xml, "SessionToken")?),
        expiration: Some(field(action, xml, "Expiration")?),
        account_id: arn
            .as_deref()
            .and_then(|a| a.split(':').nth(4))
            .map(str::to_string),
    })
}

/// `AssumeRole` signed with the source keys; `token_code` is the MFA code when the role needs one.
pub async fn assume_role(
    env: &Env,
    source: &Keys,
    region: &str,
    endpoint: &str,
    p: &AssumeRole,
    token_code: Option<&str>,
) -> Result<Keys> {
    let a = "AssumeRole";
    let mut params: Vec<(&str, &str)> = vec![
        ("Action", a),
        ("Version", "2011-06-15"),
        ("RoleArn", &p.role_arn),
        ("RoleSessionName", &p.session_name),
    ];
    if let Some(x) = &p.external_id {
        params.push(("ExternalId", x));
    }
    if let Some(d) = &p.duration_seconds {
        params.push(("DurationSeconds", d));
    }
    if let (Some(serial), Some(code)) = (&p.mfa_serial, token_code) {
        params.push(("SerialNumber", serial));
        params.push(("TokenCode", code));
    }
    let (xml, _) = call(env, Some(source), region, endpoint, &params).await?;
    temporary_keys(a, &xml)
}

/// `AssumeRoleWithWebIdentity` (unsigned: the token is the proof).
pub async fn assume_role_with_web_identity(
    env: &Env,
    region: &str,
    endpoint: &str,
    role_arn: &str,
    session_name: &str,
    token: &str,
) -> Result<Keys> {
    let a = "AssumeRoleWithWebIdentity";
    let params = [
        ("Action", a),
        ("Version", "2011-06-15"),
        ("RoleArn", role_arn),
        ("RoleSessionName", session_name),
        ("WebIdentityToken", token),
    ];
    let (xml, _) = call(env, None, region, endpoint, &params).await?;
    temporary_keys(a, &xml)
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
