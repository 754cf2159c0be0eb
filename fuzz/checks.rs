//! What each fuzz target checks. Shared by the libFuzzer targets (fuzz_targets/*.rs) and by
//! tests/fuzz_corpus.rs, which replays the kept corpora through the same functions on stable.
//! Besides "never panics", each states an invariant the code must keep for any input.
#![allow(dead_code)]

use std::path::Path;

use awsrun::awsfiles::ini::{self, Ini};
use awsrun::signin::httpd::{self, Request};

/// Splits at NUL bytes into at most `n` parts.
fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |b| *b == 0).collect()
}

/// Maps bytes onto `alphabet` (so a fuzzer can steer a name without producing invalid ones).
fn from_alphabet(bytes: &[u8], alphabet: &[u8], max: usize) -> String {
    bytes
        .iter()
        .take(max)
        .map(|b| alphabet[*b as usize % alphabet.len()] as char)
        .collect()
}

const NAME: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
const VALUE: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789:/._-@=+";

/// INI parser and editor. Input: `TEXT \0 SECTION \0 KEY \0 VALUE` (missing parts defaulted).
/// Whenever TEXT parses, setting a sane key in a sane section must succeed, read back as set,
/// leave every other section's entries alone, and be idempotent.
pub fn ini(data: &[u8]) {
    let p = parts(data, 4);
    let Ok(text) = std::str::from_utf8(p[0]) else {
        return;
    };
    let Ok(before) = Ini::parse(text) else {
        return;
    };
    let section = match p.get(1).map(|b| from_alphabet(b, NAME, 20)) {
        Some(s) if s.is_empty() => "default".to_string(),
        Some(s) => format!("profile {s}"),
        None => "profile dev".to_string(),
    };
    let key = p
        .get(2)
        .map(|b| from_alphabet(b, b"abcdefghijklmnopqrstuvwxyz_", 20))
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| "login_session".into());
    let value = p
        .get(3)
        .map(|b| from_alphabet(b, VALUE, 60))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "arn:aws:iam::123456789012:user/alice".into());

    let after_text = ini::set_value(text, &section, &key, &value)
        .unwrap_or_else(|e| panic!("set_value on a parsable text failed: {e}"));
    let after = Ini::parse(&after_text)
        .unwrap_or_else(|e| panic!("set_value produced unparsable text: {e}\n{after_text:?}"));
    let got = after
        .section(&section)
        .and_then(|s| s.get(&key))
        .and_then(|e| e.value.as_text());
    assert_eq!(got, Some(value.as_str()), "{after_text:?}");
    let entries = |i: &Ini, name: &str| -> Vec<(String, Option<String>)> {
        i.sections
            .iter()
            .filter(|s| s.name == name)
            .flat_map(|s| &s.entries)
            .map(|e| (e.key.clone(), e.value.as_text().map(str::to_string)))
            .collect()
    };
    for s in &before.sections {
        if s.name != section {
            assert_eq!(
                entries(&before, &s.name),
                entries(&after, &s.name),
                "section [{}] changed: {after_text:?}",
                s.name
            );
        }
    }
    assert_eq!(
        ini::set_value(&after_text, &section, &key, &value).unwrap(),
        after_text,
        "setting the same value twice changed the text"
    );
}

/// Login cache reader. Any bytes: load never panics; a loaded cache yields keys or a clear
/// error, and a refresh applied to it keeps every field but the two it rewrites.
pub fn cache(data: &[u8]) {
    let Ok(mut c) = awsrun::cache::Cache::from_bytes(Path::new("/fuzz/cache.json"), data) else {
        return;
    };
    let _ = c.keys();
    if let Some(pem) = c.str("dpopKey") {
        let _ = awsrun::jose::DpopKey::from_pem(pem);
    }
    let before = c.doc.clone();
    c.apply_refresh(
        "ASIANEW",
        "secret",
        "token",
        "2030-01-01T00:00:00Z",
        "rt-new",
    );
    for (k, v) in &before {
        if k != "accessToken" && k != "refreshToken" {
            assert_eq!(c.doc.get(k), Some(v), "{k} changed");
        }
    }
    assert_eq!(
        c.doc["accessToken"].get("accountId"),
        before["accessToken"].get("accountId")
    );
    let keys = c.keys().expect("a refreshed cache has keys");
    assert_eq!(keys.access_key_id, "ASIANEW");
    serde_json::to_string(&c.doc).expect("the document encodes");
}

/// The code pasted in the remote flow. Input: `PASTED \0 CODE \0 STATE`. Any paste: parse never
/// panics and returns a non-empty code; a code made as the confirmation page makes it (base64 of
/// `code=..&state=..`) gives back exactly its code.
pub fn remote_code(data: &[u8]) {
    let p = parts(data, 3);
    let pasted = String::from_utf8_lossy(p[0]);
    if let Ok(code) = awsrun::signin::remote::parse(&pasted, "state-1") {
        assert!(!code.is_empty());
    }
    let (Some(code), Some(state)) = (p.get(1), p.get(2)) else {
        return;
    };
    let (code, state) = (
        String::from_utf8_lossy(code),
        String::from_utf8_lossy(state),
    );
    if code.is_empty() || state.is_empty() {
        return;
    }
    let made = awsrun::jose::b64_std(
        format!(
            "code={}&state={}",
            httpd::url_encode(&code),
            httpd::url_encode(&state)
        )
        .as_bytes(),
    );
    assert_eq!(
        awsrun::signin::remote::parse(&made, &state).ok().as_deref(),
        Some(&*code)
    );
    // And a paste for another login is refused.
    assert!(awsrun::signin::remote::parse(&made, &format!("{state}x")).is_err());
}

/// The id token decoders (session name and account from `sub`, sign-in time from `iat`). Input:
/// a JWT text, or `SUB \0 IAT-ish bytes` to build one. Never panics; a token built around a
/// `sub` gives that `sub` back.
pub fn id_token(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(claims) = awsrun::jose::jwt_claims(&text) {
        if let Some(sub) = claims.get("sub").and_then(|v| v.as_str()) {
            if let Some(acct) = awsrun::signin::arn_account(sub) {
                assert_eq!(acct.len(), 12);
            }
        }
    }
    let _ = awsrun::session::id_token_issued_at(&text);

    let p = parts(data, 2);
    let sub = String::from_utf8_lossy(p[0]);
    let iat = p
        .get(1)
        .map(|b| b.iter().fold(0i64, |a, x| a.wrapping_mul(31) ^ *x as i64));
    let mut claims = serde_json::json!({ "sub": sub });
    if let Some(i) = iat {
        claims["iat"] = i.into();
    }
    let jwt = format!(
        "{}.{}.c2ln",
        awsrun::jose::b64url(br#"{"alg":"ES256","typ":"JWT"}"#),
        awsrun::jose::b64url(claims.to_string().as_bytes())
    );
    let back = awsrun::jose::jwt_claims(&jwt).expect("a well-formed JWT decodes");
    assert_eq!(back["sub"].as_str(), Some(&*sub));
    assert_eq!(awsrun::session::id_token_issued_at(&jwt), iat);
}

/// The login callback server's request handling. Input: `METHOD \n PATH \n QUERY`. Never
/// panics; a code is accepted only from the callback path, by GET, with the right state; an
/// error ends the login only with the right state or none.
pub fn callback(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(3, '\n');
    let (method, path, query) = (
        lines.next().unwrap_or(""),
        lines.next().unwrap_or(""),
        lines.next().unwrap_or(""),
    );
    let req = Request {
        method: method.to_string(),
        path: path.to_string(),
        query: httpd::parse_query(query),
        headers: Vec::new(),
        body: Vec::new(),
    };
    const STATE: &str = "5d0b8d4e-6a43-4a4e-9d43-4d3c5f1d2a10";
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let resp = awsrun::signin::callback::handle(&req, STATE, &tx);
    assert!(
        [200, 400, 404, 405].contains(&resp.status),
        "{}",
        resp.status
    );
    let right_place = req.path == awsrun::signin::CALLBACK_PATH && req.method == "GET";
    match rx.try_recv() {
        Ok(awsrun::signin::callback::Outcome::Code(code)) => {
            assert!(right_place);
            assert_eq!(req.param("state"), Some(STATE));
            assert_eq!(req.param("code"), Some(code.as_str()));
            assert!(!code.is_empty());
            assert_eq!(resp.status, 200);
        }
        Ok(_) => {
            assert!(right_place);
            assert!(req.param("error").is_some());
            assert!(matches!(req.param("state"), None | Some(STATE)));
        }
        Err(_) => assert_ne!(resp.status, 200),
    }
}

/// The credential endpoint's admission. Input: `METHOD \0 PATH \0 AUTHORIZATION` (no third part:
/// no header). Only `GET /` with exactly the token is admitted.
pub fn endpoint(data: &[u8]) {
    const TOKEN: &str = "5f2b0c8e9d7a4b6c1e3f5a7b9c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6d";
    let p = parts(data, 3);
    let method = String::from_utf8_lossy(p[0]);
    let path = p
        .get(1)
        .map(|b| String::from_utf8_lossy(b))
        .unwrap_or_default();
    let auth = p.get(2).copied();
    let admitted = awsrun::server::admit(&method, &path, auth, TOKEN).is_ok();
    assert_eq!(
        admitted,
        method == "GET" && path == awsrun::server::PATH && auth == Some(TOKEN.as_bytes())
    );
}
