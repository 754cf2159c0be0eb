//! The sign-in emulator refuses what AWS Sign-In refuses. Other tests trust it to catch a client
//! that gets the protocol wrong, so each rule is checked here against hand-made requests.

mod support;

use awsrun::jose::{b64url, uuid4, DpopKey};
use awsrun::signin::pkce::Pkce;
use awsrun::signin::unix_now;
use serde_json::{json, Value};
use support::*;

const SAME: &str = "arn:aws:signin:::devtools/same-device";
const CROSS: &str = "arn:aws:signin:::devtools/cross-device";
const REDIRECT: &str = "http://127.0.0.1:1/oauth/callback";

fn authorize_url(emu: &Emulator, client: &str, redirect: &str, challenge: &str) -> String {
    use awsrun::signin::httpd::url_encode as e;
    format!(
        "{}/v1/authorize?response_type=code&client_id={}&state=st&code_challenge_method=SHA-256&scope=openid&redirect_uri={}&code_challenge={}",
        emu.base, e(client), e(redirect), e(challenge)
    )
}

/// A fresh authorization code for `pkce`, redirect `REDIRECT`.
fn code(emu: &Emulator, pkce: &Pkce) -> String {
    let loc = emu.approve(
        &authorize_url(emu, SAME, REDIRECT, &pkce.challenge),
        Some(0),
    );
    assert!(loc.starts_with(REDIRECT), "{loc}");
    assert_eq!(query_param(&loc, "state").as_deref(), Some("st"));
    query_param(&loc, "code").unwrap()
}

fn proof_with(key: &DpopKey, header: Value, payload: Value) -> String {
    key.sign_jws(&header, &payload)
}

fn good_header(key: &DpopKey) -> Value {
    json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.jwk()})
}

fn good_payload(emu: &Emulator) -> Value {
    json!({"htm": "POST", "htu": format!("{}/v1/token", emu.base), "iat": unix_now(), "jti": uuid4()})
}

fn post_token(emu: &Emulator, proofs: &[&str], body: &Value) -> HttpResponse {
    let mut headers = vec![("content-type", "application/json")];
    for p in proofs {
        headers.push(("DPoP", p));
    }
    http(
        "POST",
        &format!("{}/v1/token", emu.base),
        &headers,
        body.to_string().as_bytes(),
    )
}

fn code_body(code: &str, verifier: &str) -> Value {
    json!({"clientId": SAME, "grantType": "authorization_code", "code": code, "codeVerifier": verifier, "redirectUri": REDIRECT})
}

fn refresh_body(token: &str) -> Value {
    json!({"clientId": SAME, "grantType": "refresh_token", "refreshToken": token})
}

fn assert_error(r: &HttpResponse, etype: &str, code: &str, reason: &str) {
    assert_eq!(r.header("x-amzn-errortype"), Some(etype), "{}", r.text());
    let body = r.json();
    assert_eq!(body["error"], code, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains(reason),
        "{body} lacks {reason:?}"
    );
    assert!(r.status >= 400);
}

/// Signs in (authorization-code grant) with `key` and returns the token response.
fn sign_in(emu: &Emulator, key: &DpopKey) -> Value {
    let pkce = Pkce::generate();
    let c = code(emu, &pkce);
    let r = post_token(
        emu,
        &[&key.dpop_proof(&format!("{}/v1/token", emu.base), unix_now())],
        &code_body(&c, &pkce.verifier),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn refresh(emu: &Emulator, key: &DpopKey, token: &str) -> HttpResponse {
    post_token(
        emu,
        &[&key.dpop_proof(&format!("{}/v1/token", emu.base), unix_now())],
        &refresh_body(token),
    )
}

#[test]
fn a_good_exchange_returns_the_documented_shape() {
    let emu = Emulator::start(&["--identity", BOB, "--credential-lifetime", "600"]);
    let out = sign_in(&emu, &DpopKey::generate());
    assert_eq!(out["tokenType"], "aws_sigv4");
    assert_eq!(out["expiresIn"], 600);
    for k in ["accessKeyId", "secretAccessKey", "sessionToken"] {
        assert!(
            out["accessToken"][k]
                .as_str()
                .is_some_and(|v| !v.is_empty()),
            "{k}"
        );
    }
    let claims = awsrun::jose::jwt_claims(out["idToken"].as_str().unwrap()).unwrap();
    assert_eq!(claims["sub"], BOB);
    assert_eq!(claims["aud"], SAME);
    assert!(out["refreshToken"].as_str().is_some());
    assert_eq!(emu.counter("signin.token.authorization_code"), 1);
    assert_eq!(
        emu.stats()["issuedAccessKeys"][0],
        out["accessToken"]["accessKeyId"]
    );
}

#[test]
fn dpop_proofs_are_checked_rule_by_rule() {
    let emu = Emulator::start(&[]);
    let key = DpopKey::generate();
    let url = format!("{}/v1/token", emu.base);
    let bad = |proof: String, reason: &str| {
        let pkce = Pkce::generate();
        let c = code(&emu, &pkce);
        let r = post_token(&emu, &[&proof], &code_body(&c, &pkce.verifier));
        assert_error(&r, "ValidationException", "INVALID_REQUEST", reason);
    };
    let mut h = good_header(&key);
    h["typ"] = "jwt".into();
    bad(
        proof_with(&key, h, good_payload(&emu)),
        "typ must be dpop+jwt",
    );
    let mut h = good_header(&key);
    h["alg"] = "ES384".into();
    bad(proof_with(&key, h, good_payload(&emu)), "alg must be ES256");
    let mut p = good_payload(&emu);
    p["htm"] = "GET".into();
    bad(proof_with(&key, good_header(&key), p), "htm must be POST");
    let mut p = good_payload(&emu);
    p["htu"] = format!("{url}?x=1").into();
    bad(proof_with(&key, good_header(&key), p), "htu must be");
    let mut p = good_payload(&emu);
    p["htu"] = "http://localhost/v1/token".into();
    bad(proof_with(&key, good_header(&key), p), "htu must be");
    bad(
        key.dpop_proof(&url, unix_now() - 61),
        "seconds from the server's clock",
    );
    bad(key.dpop_proof(&url, unix_now() + 120), "iat is");
    let mut p = good_payload(&emu);
    p.as_object_mut().unwrap().remove("jti");
    bad(proof_with(&key, good_header(&key), p), "jti is required");
    // A signature by another key than the embedded jwk.
    let other = DpopKey::generate();
    bad(
        proof_with(&other, good_header(&key), good_payload(&emu)),
        "signature does not verify",
    );
    // The signature must be raw r||s, not DER.
    let good = key.dpop_proof(&url, unix_now());
    let (input, _) = good.rsplit_once('.').unwrap();
    bad(format!("{input}.{}", b64url(&[0x30; 70])), "64 raw bytes");
    bad("a.b".into(), "3 dot-separated parts");
    let mut h = good_header(&key);
    h["jwk"]["crv"] = "P-384".into();
    bad(proof_with(&key, h, good_payload(&emu)), "crv must be P-256");

    // No proof, two proofs, a replayed proof.
    let pkce = Pkce::generate();
    let c = code(&emu, &pkce);
    assert_error(
        &post_token(&emu, &[], &code_body(&c, &pkce.verifier)),
        "ValidationException",
        "INVALID_REQUEST",
        "no DPoP header",
    );
    let (p1, p2) = (
        key.dpop_proof(&url, unix_now()),
        key.dpop_proof(&url, unix_now()),
    );
    let pkce = Pkce::generate();
    let c = code(&emu, &pkce);
    assert_error(
        &post_token(&emu, &[&p1, &p2], &code_body(&c, &pkce.verifier)),
        "ValidationException",
        "INVALID_REQUEST",
        "more than one",
    );
    let pkce = Pkce::generate();
    let c = code(&emu, &pkce);
    assert_eq!(
        post_token(&emu, &[&p1], &code_body(&c, &pkce.verifier)).status,
        200
    );
    let pkce = Pkce::generate();
    let c = code(&emu, &pkce);
    assert_error(
        &post_token(&emu, &[&p1], &code_body(&c, &pkce.verifier)),
        "ValidationException",
        "INVALID_REQUEST",
        "jti was already used",
    );

    // The emulator forgets proof ids only once their iat is out of the window: after 300
    // more proofs (past the size at which it prunes), the first one is still a replay.
    for _ in 0..300 {
        let r = post_token(
            &emu,
            &[&key.dpop_proof(&url, unix_now())],
            &refresh_body("not-a-token"),
        );
        assert_eq!(r.status, 400);
    }
    let pkce = Pkce::generate();
    let c = code(&emu, &pkce);
    assert_error(
        &post_token(&emu, &[&p1], &code_body(&c, &pkce.verifier)),
        "ValidationException",
        "INVALID_REQUEST",
        "jti was already used",
    );

    let rejected = emu.counter("signin.token.rejected");
    assert_eq!(rejected as usize, emu.rejections().len());
    assert!(rejected >= 15, "{rejected}");
}

#[test]
fn codes_need_pkce_the_same_redirect_and_client_and_work_once() {
    let emu = Emulator::start(&[]);
    let key = DpopKey::generate();
    let url = format!("{}/v1/token", emu.base);
    let send = |body: Value| post_token(&emu, &[&key.dpop_proof(&url, unix_now())], &body);

    let pkce = Pkce::generate();
    let c = code(&emu, &pkce);
    let wrong = Pkce::generate();
    assert_error(
        &send(code_body(&c, &wrong.verifier)),
        "ValidationException",
        "INVALID_REQUEST",
        "does not match code_challenge",
    );
    assert_error(
        &send(code_body(&c, &pkce.verifier)),
        "AccessDeniedException",
        "AUTHCODE_EXPIRED",
        "already used",
    );

    let c = code(&emu, &pkce);
    let mut b = code_body(&c, &pkce.verifier);
    b["redirectUri"] = "http://127.0.0.1:2/oauth/callback".into();
    assert_error(
        &send(b),
        "ValidationException",
        "INVALID_REQUEST",
        "redirectUri does not match",
    );

    let c = code(&emu, &pkce);
    let mut b = code_body(&c, &pkce.verifier);
    b["clientId"] = CROSS.into();
    assert_error(
        &send(b),
        "ValidationException",
        "INVALID_REQUEST",
        "clientId does not match",
    );

    let c = code(&emu, &pkce);
    assert_error(
        &send(code_body(&c, "short")),
        "ValidationException",
        "INVALID_REQUEST",
        "43-128",
    );
    assert_error(
        &send(code_body("made-up", &pkce.verifier)),
        "ValidationException",
        "INVALID_REQUEST",
        "unknown authorization code",
    );

    let c = code(&emu, &pkce);
    let r = http(
        "POST",
        &url,
        &[
            ("content-type", "text/plain"),
            ("DPoP", &key.dpop_proof(&url, unix_now())),
        ],
        code_body(&c, &pkce.verifier).to_string().as_bytes(),
    );
    assert_error(
        &r,
        "ValidationException",
        "INVALID_REQUEST",
        "application/json",
    );
    let mut b = code_body(&c, &pkce.verifier);
    b["grantType"] = "password".into();
    assert_error(
        &send(b),
        "ValidationException",
        "INVALID_REQUEST",
        "grantType",
    );
}

#[test]
fn codes_expire() {
    let emu = Emulator::start(&["--code-lifetime", "0"]);
    let key = DpopKey::generate();
    let pkce = Pkce::generate();
    let c = code(&emu, &pkce);
    let r = post_token(
        &emu,
        &[&key.dpop_proof(&format!("{}/v1/token", emu.base), unix_now())],
        &code_body(&c, &pkce.verifier),
    );
    assert_error(&r, "AccessDeniedException", "AUTHCODE_EXPIRED", "expired");
}

#[test]
fn refresh_tokens_rotate_and_are_bound_to_the_session_key() {
    let emu = Emulator::start(&[]);
    let key = DpopKey::generate();
    let out = sign_in(&emu, &key);
    let rt0 = out["refreshToken"].as_str().unwrap().to_string();

    let r = refresh(&emu, &key, &rt0);
    assert_eq!(r.status, 200, "{}", r.text());
    let r1 = r.json();
    assert!(r1.get("idToken").is_none(), "no idToken on refresh");
    let rt1 = r1["refreshToken"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt0);
    assert_ne!(
        r1["accessToken"]["accessKeyId"],
        out["accessToken"]["accessKeyId"]
    );

    // Within the default 30 s grace the old token still works (a racing client is not punished).
    assert_eq!(refresh(&emu, &key, &rt0).status, 200);
    // Another key cannot use the session's refresh token.
    assert_error(
        &refresh(&emu, &DpopKey::generate(), &rt1),
        "ValidationException",
        "INVALID_REQUEST",
        "bound to",
    );
    assert_error(
        &refresh(&emu, &key, "made-up"),
        "AccessDeniedException",
        "TOKEN_EXPIRED",
        "not valid",
    );
    let mut b = refresh_body(&rt1);
    b["clientId"] = CROSS.into();
    let r = post_token(
        &emu,
        &[&key.dpop_proof(&format!("{}/v1/token", emu.base), unix_now())],
        &b,
    );
    assert_error(
        &r,
        "ValidationException",
        "INVALID_REQUEST",
        "clientId does not match",
    );
    assert_eq!(emu.counter("signin.token.refresh_token"), 5);
}

#[test]
fn without_grace_a_rotated_token_is_refused_at_once() {
    let emu = Emulator::start(&["--refresh-grace", "0"]);
    let key = DpopKey::generate();
    let rt0 = sign_in(&emu, &key)["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let rt1 = refresh(&emu, &key, &rt0).json()["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_error(
        &refresh(&emu, &key, &rt0),
        "AccessDeniedException",
        "TOKEN_EXPIRED",
        "rotated out",
    );
    assert_eq!(refresh(&emu, &key, &rt1).status, 200);
}

#[test]
fn sessions_end_after_their_length() {
    let emu = Emulator::start(&["--session-length", "0"]);
    let key = DpopKey::generate();
    let rt = sign_in(&emu, &key)["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_error(
        &refresh(&emu, &key, &rt),
        "AccessDeniedException",
        "TOKEN_EXPIRED",
        "session has ended",
    );
}

#[test]
fn injected_errors_come_in_the_service_shape_and_run_out() {
    let emu = Emulator::start(&[]);
    let key = DpopKey::generate();
    let rt = sign_in(&emu, &key)["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    for (code, etype, status) in [
        ("USER_CREDENTIALS_CHANGED", "AccessDeniedException", 400),
        ("rate_exceeded", "TooManyRequestsError", 429),
        ("server_error", "InternalServerException", 500),
    ] {
        emu.inject(code, 1);
        let r = refresh(&emu, &key, &rt);
        assert_eq!(r.status, status);
        assert_error(&r, etype, code, "injected");
    }
    assert_eq!(
        refresh(&emu, &key, &rt).status,
        200,
        "each injection was used up"
    );
    let r = emu.control("POST", "inject", br#"{"error": "NOPE"}"#);
    assert_eq!(r.status, 400);
}

#[test]
fn the_control_endpoints_need_the_control_token() {
    let emu = Emulator::start(&[]);
    let inject = br#"{"error": "INSUFFICIENT_PERMISSIONS", "count": 5}"#;
    let wrong = format!("Bearer {}x", emu.control_token);
    for auth in [None, Some("Bearer "), Some(wrong.as_str())] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("authorization", a)).into_iter().collect();
        for (method, path, body) in [("GET", "stats", &b""[..]), ("POST", "inject", inject)] {
            let r = http(
                method,
                &format!("{}/__emulator/{path}", emu.base),
                &headers,
                body,
            );
            assert_eq!(r.status, 401, "{method} {path} with {auth:?}: {}", r.text());
            assert!(!r.text().contains(&emu.control_token));
        }
    }
    // Nothing was armed: the stranger's injection did not take.
    let key = DpopKey::generate();
    let rt = sign_in(&emu, &key)["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(refresh(&emu, &key, &rt).status, 200);
}

#[test]
fn the_authorize_page_refuses_malformed_requests() {
    let emu = Emulator::start(&[]);
    let challenge = Pkce::generate().challenge;
    let confirmation = format!("{}/v1/sessions/confirmation", emu.base);
    let bad = [
        (
            authorize_url(
                &emu,
                "arn:aws:signin:::devtools/other",
                REDIRECT,
                &challenge,
            ),
            "unknown client_id",
        ),
        (
            authorize_url(&emu, SAME, "http://evil.example/oauth/callback", &challenge),
            "redirect_uri must be http://127.0.0.1",
        ),
        (
            authorize_url(&emu, SAME, &confirmation, &challenge),
            "redirect_uri must be http://127.0.0.1",
        ),
        (
            authorize_url(&emu, CROSS, REDIRECT, &challenge),
            "for the cross-device client",
        ),
        (
            authorize_url(&emu, SAME, REDIRECT, "short"),
            "code_challenge must be",
        ),
        (
            authorize_url(&emu, SAME, REDIRECT, &challenge).replace("SHA-256", "S256"),
            "code_challenge_method must be SHA-256",
        ),
        (
            authorize_url(&emu, SAME, REDIRECT, &challenge)
                .replace("scope=openid", "scope=profile"),
            "scope must include openid",
        ),
        (
            authorize_url(&emu, SAME, REDIRECT, &challenge).replace("state=st", "state="),
            "state is required",
        ),
    ];
    for (url, why) in bad {
        let r = http("GET", &url, &[], b"");
        assert_eq!(r.status, 400, "{url}");
        assert!(r.text().contains(why), "{why}: {}", r.text());
    }
    // An approval is single use.
    let page = http(
        "GET",
        &authorize_url(&emu, SAME, REDIRECT, &challenge),
        &[],
        b"",
    )
    .text();
    let at = page.find("name=\"request\" value=\"").unwrap() + 22;
    let req = &page[at..at + page[at..].find('"').unwrap()];
    let form = format!("request={req}&identity=0&action=continue");
    let post = || {
        http(
            "POST",
            &format!("{}/v1/authorize", emu.base),
            &[],
            form.as_bytes(),
        )
    };
    assert_eq!(post().status, 302);
    assert_eq!(post().status, 400);
    assert_eq!(emu.counter("signin.authorize"), 9);
    assert_eq!(emu.counter("signin.authorize.rejected"), 9);
}

#[test]
fn the_emulator_refuses_bad_flags_with_one_line() {
    for (args, msg) in [
        (vec!["--identity", "alice"], "is not an ARN"),
        (vec!["--fail-token", "NOPE"], "is not a sign-in error code"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_awsrun-emulator"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("awsrun-emulator: error: ") && err.contains(msg),
            "{err}"
        );
    }
}
