//! `/__emulator/*`: what tests (and curious users) use to look inside and steer the emulator.
//! Every request needs `Authorization: Bearer <control token>` (printed at start).
//!
//! - `GET /__emulator/stats`: request counters, refusals with reasons, and a log of refresh
//!   grants (client kind by User-Agent, refresh token age, outcome).
//! - `POST /__emulator/inject` `{"target": "signin.token", "error": CODE, "count": N}`: the next
//!   N requests to the target fail with that service error (`count: 0` disarms).

use serde_json::{json, Value};

use super::{Ctx, Injection, Service};
use crate::signin::httpd::{Request, Response};

pub struct Control;

impl Service for Control {
    fn route(&self, req: &Request, ctx: &Ctx) -> Option<Response> {
        let path = req.path.strip_prefix("/__emulator/")?;
        let token = format!("Bearer {}", ctx.config.control_token);
        let authorized = req
            .header("authorization")
            .is_some_and(|v| crate::server::same(v.as_bytes(), token.as_bytes()));
        if !authorized {
            return Some(Response::json(
                401,
                &json!({"message": "control endpoints need Authorization: Bearer <the control token awsrun-emulator printed>"}),
            ));
        }
        Some(match (req.method.as_str(), path) {
            ("GET", "stats") => {
                let s = ctx.shared();
                Response::json(
                    200,
                    &json!({
                        "counters": s.counters,
                        "rejections": s.rejections,
                        "issuedAccessKeys": s.issued.keys().collect::<Vec<_>>(),
                        "refreshLog": s.refresh_log,
                    }),
                )
            }
            ("POST", "inject") => inject(req, ctx),
            _ => Response::json(404, &json!({"message": "unknown control endpoint"})),
        })
    }
}

fn inject(req: &Request, ctx: &Ctx) -> Response {
    let doc: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => {
            return Response::json(400, &json!({"message": format!("body is not JSON: {e}")}))
        }
    };
    let s = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_string);
    let (Some(target), Some(code)) = (s("target").or(Some("signin.token".into())), s("error"))
    else {
        return Response::json(
            400,
            &json!({"message": "need \"error\" (and optionally \"target\", \"count\")"}),
        );
    };
    if super::signin::error_type(&code).is_none() {
        return Response::json(
            400,
            &json!({"message": format!("unknown error code {code}")}),
        );
    }
    let count = doc.get("count").and_then(Value::as_u64).unwrap_or(1);
    let mut sh = ctx.shared();
    sh.injections.retain(|i| i.target != target);
    sh.injections.push(Injection {
        target,
        code,
        remaining: count,
    });
    Response::json(200, &json!({"armed": count}))
}
