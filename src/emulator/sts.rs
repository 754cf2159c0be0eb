//! STS as the emulator serves it: GetCallerIdentity, AssumeRole (SigV4-signed with credentials
//! the emulator issued) and AssumeRoleWithWebIdentity (unsigned), in the Query protocol's XML.
//!
//! The SigV4 check is written from the specification, independently of the aws-sigv4 crate
//! awsrun signs with, so that it checks botocore's, the Rust SDK's and awsrun's signatures alike.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{random_token, Ctx, Issued, Service};
use crate::signin::httpd::{Request, Response};
use crate::signin::unix_now;

pub struct Sts;

const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// How far a request's X-Amz-Date may be from the emulator's clock, as AWS allows.
const SKEW: i64 = 15 * 60;

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn error(status: u16, kind: &str, code: &str, message: &str) -> Response {
    let body = format!(
        "<ErrorResponse xmlns=\"{NS}\"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        xml_escape(message),
        crate::jose::uuid4()
    );
    Response::new(status, "text/xml", body)
}

fn ok(action: &str, result: &str) -> Response {
    let body = format!(
        "<{action}Response xmlns=\"{NS}\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
        crate::jose::uuid4()
    );
    Response::new(200, "text/xml", body)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// RFC 3986 encoding as SigV4 wants it (unreserved characters kept).
fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// UTC `YYYYMMDDTHHMMSSZ` to Unix seconds.
fn amz_date(s: &str) -> Option<i64> {
    if s.len() != 16 || !s.ends_with('Z') || s.as_bytes()[8] != b'T' {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13],
        &s[13..15]
    );
    crate::time::parse_iso8601(&iso)
}

/// Checks the request's SigV4 signature; on success returns the signer's issued credentials.
pub fn verify_sigv4(req: &Request, ctx: &Ctx, service: &str) -> Result<(String, Issued), Response> {
    let deny = |code: &str, msg: &str| Err(error(403, "Sender", code, msg));
    let Some(auth) = req.header("authorization") else {
        return deny(
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
        );
    };
    let Some(rest) = auth.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return deny("IncompleteSignature", "Only AWS4-HMAC-SHA256 is supported");
    };
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed_headers = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return deny(
            "IncompleteSignature",
            "Authorization header needs Credential, SignedHeaders and Signature",
        );
    };
    let scope: Vec<&str> = credential.split('/').collect();
    let [akid, date, region, svc, "aws4_request"] = scope.as_slice() else {
        return deny("IncompleteSignature", "malformed credential scope");
    };
    if *svc != service {
        return deny(
            "SignatureDoesNotMatch",
            &format!("credential scope names service {svc}, not {service}"),
        );
    }
    let Some(stamp) = req.header("x-amz-date") else {
        return deny("IncompleteSignature", "X-Amz-Date is missing");
    };
    let Some(when) = amz_date(stamp) else {
        return deny("IncompleteSignature", "X-Amz-Date is not YYYYMMDDTHHMMSSZ");
    };
    if (when - unix_now() as i64).abs() > SKEW {
        return deny(
            "SignatureDoesNotMatch",
            "Signature expired: X-Amz-Date is more than 15 minutes from the server's time",
        );
    }
    if !stamp.starts_with(date) {
        return deny(
            "SignatureDoesNotMatch",
            "credential scope date does not match X-Amz-Date",
        );
    }
    let issued = ctx.shared().issued.get(*akid).cloned();
    let Some(issued) = issued else {
        return deny(
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        );
    };
    if req.header("x-amz-security-token") != Some(issued.session_token.as_str()) {
        return deny(
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        );
    }
    if unix_now() > issued.expires {
        return Err(error(
            400,
            "Sender",
            "ExpiredToken",
            "The security token included in the request is expired",
        ));
    }
    let names: Vec<&str> = signed_headers.split(';').collect();
    if !names.contains(&"host") {
        return deny("SignatureDoesNotMatch", "the host header must be signed");
    }
    let mut canonical_headers = String::new();
    for n in &names {
        let values: Vec<String> = req
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if values.is_empty() {
            return deny(
                "SignatureDoesNotMatch",
                &format!("signed header {n} is not in the request"),
            );
        }
        canonical_headers.push_str(&format!("{n}:{}\n", values.join(",")));
    }
    let mut query: Vec<(String, String)> = req
        .query
        .iter()
        .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
        .collect();
    query.sort();
    let query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let payload = hex(&Sha256::digest(&req.body));
    let canonical = format!(
        "{}\n{}\n{query}\n{canonical_headers}\n{signed_headers}\n{payload}",
        req.method,
        uri_encode(&req.path, true)
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{stamp}\n{date}/{region}/{svc}/aws4_request\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let k = hmac(
        format!("AWS4{}", issued.secret_access_key).as_bytes(),
        date.as_bytes(),
    );
    let k = hmac(&k, region.as_bytes());
    let k = hmac(&k, svc.as_bytes());
    let k = hmac(&k, b"aws4_request");
    let expected = hex(&hmac(&k, to_sign.as_bytes()));
    if expected != signature {
        return deny(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        );
    }
    Ok((akid.to_string(), issued))
}

/// Credentials for `identity` with the configured lifetime (the SSO portal uses this too).
pub fn issue_for(ctx: &Ctx, identity: String) -> (String, Issued) {
    issue(ctx, identity, ctx.config.credential_lifetime)
}

/// New temporary credentials for `identity`, remembered for later signature checks.
fn issue(ctx: &Ctx, identity: String, lifetime: u64) -> (String, Issued) {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let akid: String = "ASIA"
        .chars()
        .chain((0..16).map(|_| A[rand::random::<usize>() % A.len()] as char))
        .collect();
    let issued = Issued {
        secret_access_key: random_token(30).chars().take(40).collect(),
        session_token: format!("FwoGZXIvYXdzEmulator{}", random_token(96)),
        identity,
        expires: unix_now() + lifetime,
    };
    ctx.shared().issued.insert(akid.clone(), issued.clone());
    (akid, issued)
}

fn credentials_xml(akid: &str, i: &Issued) -> String {
    format!(
        "<Credentials><AccessKeyId>{akid}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey><SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials>",
        i.secret_access_key,
        i.session_token,
        crate::time::iso8601_z(i.expires as i64)
    )
}

fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or("")
}

/// `arn:aws:iam::ACCOUNT:role/path/Name` -> the assumed-role ARN for `session`.
fn assumed(role_arn: &str, session: &str) -> Option<String> {
    let mut parts = role_arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(_), Some(account), Some(res)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let name = res.strip_prefix("role/")?.rsplit('/').next()?;
    Some(format!(
        "arn:{partition}:sts::{account}:assumed-role/{name}/{session}"
    ))
}

fn param<'a>(form: &'a [(String, String)], k: &str) -> Option<&'a str> {
    form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

fn invalid(msg: &str) -> Response {
    error(400, "Sender", "ValidationError", msg)
}

impl Service for Sts {
    fn route(&self, req: &Request, ctx: &Ctx) -> Option<Response> {
        if req.path != "/" || req.method != "POST" {
            return None;
        }
        let form = req.form();
        let action = param(&form, "Action")?.to_string();
        ctx.shared().count(&format!("sts.{action}"));
        if param(&form, "Version") != Some("2011-06-15") {
            return Some(invalid("Version must be 2011-06-15"));
        }
        let lifetime = ctx.config.credential_lifetime;
        let resp = match action.as_str() {
            "GetCallerIdentity" => match verify_sigv4(req, ctx, "sts") {
                Err(r) => r,
                Ok((akid, i)) => ok(
                    "GetCallerIdentity",
                    &format!(
                        "<Arn>{}</Arn><UserId>{akid}</UserId><Account>{}</Account>",
                        xml_escape(&i.identity),
                        account_of(&i.identity)
                    ),
                ),
            },
            "AssumeRole" => match verify_sigv4(req, ctx, "sts") {
                Err(r) => r,
                Ok(_) => {
                    let (Some(role), Some(session)) =
                        (param(&form, "RoleArn"), param(&form, "RoleSessionName"))
                    else {
                        return Some(invalid("RoleArn and RoleSessionName are required"));
                    };
                    if let Some(d) = param(&form, "DurationSeconds") {
                        if !d.parse::<u64>().is_ok_and(|d| (900..=43200).contains(&d)) {
                            return Some(invalid("DurationSeconds must be between 900 and 43200"));
                        }
                    }
                    let Some(arn) = assumed(role, session) else {
                        return Some(invalid(&format!("{role} is not a role ARN")));
                    };
                    if let Some(serial) = param(&form, "SerialNumber") {
                        let code = param(&form, "TokenCode").unwrap_or("");
                        if serial.is_empty()
                            || code.len() != 6
                            || !code.bytes().all(|b| b.is_ascii_digit())
                        {
                            return Some(error(
                                403,
                                "Sender",
                                "AccessDenied",
                                "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                            ));
                        }
                        ctx.shared().count("sts.AssumeRole.mfa");
                    }
                    let (akid, i) = issue(ctx, arn.clone(), lifetime);
                    ok(
                        "AssumeRole",
                        &format!(
                            "{}<AssumedRoleUser><AssumedRoleId>AROAEMULATOR:{session}</AssumedRoleId><Arn>{arn}</Arn></AssumedRoleUser>",
                            credentials_xml(&akid, &i)
                        ),
                    )
                }
            },
            "AssumeRoleWithWebIdentity" => {
                let (Some(role), Some(session), Some(token)) = (
                    param(&form, "RoleArn"),
                    param(&form, "RoleSessionName"),
                    param(&form, "WebIdentityToken"),
                ) else {
                    return Some(invalid(
                        "RoleArn, RoleSessionName and WebIdentityToken are required",
                    ));
                };
                if token.trim().is_empty() {
                    return Some(error(
                        400,
                        "Sender",
                        "InvalidIdentityToken",
                        "the web identity token is empty",
                    ));
                }
                let Some(arn) = assumed(role, session) else {
                    return Some(invalid(&format!("{role} is not a role ARN")));
                };
                let (akid, i) = issue(ctx, arn.clone(), lifetime);
                ok(
                    "AssumeRoleWithWebIdentity",
                    &format!(
                        "{}<AssumedRoleUser><AssumedRoleId>AROAEMULATOR:{session}</AssumedRoleId><Arn>{arn}</Arn></AssumedRoleUser>",
                        credentials_xml(&akid, &i)
                    ),
                )
            }
            other => error(
                400,
                "Sender",
                "InvalidAction",
                &format!("Could not find operation {other}"),
            ),
        };
        if resp.status != 200 {
            ctx.shared().count(&format!("sts.{action}.rejected"));
        }
        Some(resp.with_header("Date", &http_date()))
    }
}

/// RFC 7231 date for the Date header (clients use it to measure clock skew).
pub fn http_date() -> String {
    let now = unix_now() as i64;
    let iso = crate::time::iso8601_z(now);
    let days = now.div_euclid(86400);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days.rem_euclid(7)) as usize];
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][iso[5..7].parse::<usize>().unwrap_or(1) - 1];
    format!(
        "{weekday}, {} {month} {} {} GMT",
        &iso[8..10],
        &iso[0..4],
        &iso[11..19]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assumed_role_arn() {
        assert_eq!(
            assumed("arn:aws:iam::123456789012:role/team/Dev", "s").as_deref(),
            Some("arn:aws:sts::123456789012:assumed-role/Dev/s")
        );
        assert_eq!(assumed("arn:aws:iam::1:user/x", "s"), None);
    }

    #[test]
    fn dates() {
        assert_eq!(
            amz_date("20261123T100000Z"),
            crate::time::parse_iso8601("2026-11-23T10:00:00Z")
        );
        assert!(http_date().ends_with(" GMT"));
    }
}
