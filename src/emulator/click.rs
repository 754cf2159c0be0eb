//! `awsrun-emulator --click URL`: plays the user in the browser for a headless demo or a
//! machine without one. Used as `BROWSER="awsrun-emulator --click %s" awsrun login`, it opens
//! the emulator's sign-in page, presses Continue for the first identity and follows the redirect
//! to awsrun's callback, exactly as a person would. It only talks to 127.0.0.1.

use std::time::Duration;

use crate::error::{Error, Kind, Result};

fn fail(m: impl Into<String>) -> Error {
    Error::new(Kind::Network, m.into())
}

fn loopback(url: &str) -> Result<reqwest::Url> {
    let u = reqwest::Url::parse(url).map_err(|e| fail(format!("{url:?} is not a URL: {e}")))?;
    if u.scheme() != "http" || u.host_str() != Some("127.0.0.1") {
        return Err(fail(format!(
            "--click only follows http://127.0.0.1 URLs, not {url}"
        )));
    }
    Ok(u)
}

/// Signs in at `authorize_url` as the page's first identity; returns what the callback said.
pub async fn click(authorize_url: &str) -> Result<String> {
    let start = loopback(authorize_url)?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let page = http
        .get(start.clone())
        .send()
        .await
        .map_err(|e| fail(e.to_string()))?;
    let status = page.status();
    let text = page.text().await.map_err(|e| fail(e.to_string()))?;
    if !status.is_success() {
        return Err(fail(format!("the sign-in page answered HTTP {status}")));
    }
    let marker = "name=\"request\" value=\"";
    let at = text
        .find(marker)
        .ok_or_else(|| fail("the sign-in page has no Continue form"))?
        + marker.len();
    let request = &text[at..at + text[at..].find('"').unwrap_or(0)];
    let approve = start
        .join("/v1/authorize")
        .map_err(|e| fail(e.to_string()))?;
    let form = [
        ("request", request),
        ("identity", "0"),
        ("action", "continue"),
    ];
    let answer = http
        .post(approve)
        .form(&form)
        .send()
        .await
        .map_err(|e| fail(e.to_string()))?;
    let location = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            fail(format!(
                "pressing Continue answered HTTP {} without a redirect",
                answer.status()
            ))
        })?
        .to_string();
    let callback = loopback(&location)?;
    let landed = http
        .get(callback)
        .send()
        .await
        .map_err(|e| fail(e.to_string()))?;
    Ok(format!(
        "signed in; the callback answered HTTP {}",
        landed.status()
    ))
}
