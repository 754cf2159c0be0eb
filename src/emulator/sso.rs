//! The IAM Identity Center portal's GetRoleCredentials, for SSO profiles: a bearer token that
//! `aws sso login` would have cached buys role credentials.

use serde_json::json;

use super::{Ctx, Service};
use crate::signin::httpd::{Request, Response};
use crate::signin::unix_now;

pub struct Sso;

fn unauthorized() -> Response {
    Response::json(
        401,
        &json!({"message": "Session token not found or invalid"}),
    )
    .with_header("x-amzn-errortype", "UnauthorizedException")
}

impl Service for Sso {
    fn route(&self, req: &Request, ctx: &Ctx) -> Option<Response> {
        if req.path != "/federation/credentials" {
            return None;
        }
        ctx.shared().count("sso.GetRoleCredentials");
        if req.method != "GET" {
            return Some(Response::json(405, &json!({"message": "only GET"})));
        }
        let token = req.header("x-amz-sso_bearer_token").unwrap_or("");
        if token.is_empty() || !ctx.config.sso_tokens.iter().any(|t| t == token) {
            ctx.shared().reject(
                "sso.GetRoleCredentials",
                "UnauthorizedException",
                "unknown bearer token",
            );
            return Some(unauthorized());
        }
        let (Some(role), Some(account)) = (req.param("role_name"), req.param("account_id")) else {
            return Some(
                Response::json(
                    400,
                    &json!({"message": "role_name and account_id are required"}),
                )
                .with_header("x-amzn-errortype", "InvalidRequestException"),
            );
        };
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Some(
                Response::json(400, &json!({"message": "account_id must be 12 digits"}))
                    .with_header("x-amzn-errortype", "InvalidRequestException"),
            );
        }
        let identity =
            format!("arn:aws:sts::{account}:assumed-role/AWSReservedSSO_{role}/emulator");
        let (akid, issued) = super::sts::issue_for(ctx, identity);
        Some(Response::json(
            200,
            &json!({"roleCredentials": {
                "accessKeyId": akid,
                "secretAccessKey": issued.secret_access_key,
                "sessionToken": issued.session_token,
                "expiration": (unix_now() + ctx.config.credential_lifetime) * 1000,
            }}),
        ))
    }
}
