//! The one HTTP client setup for every AWS endpoint awsrun calls: proxies from the standard
//! variables (reqwest reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY) and `AWS_CA_BUNDLE`.

use std::time::Duration;

use crate::env::Env;
use crate::error::{Error, Kind, Result};

pub fn client(env: &Env, timeout: Duration) -> Result<reqwest::Client> {
    builder(env, timeout)?
        .build()
        .map_err(|e| Error::new(Kind::Network, format!("cannot set up HTTPS: {e}")))
}

/// The common settings, for callers that add their own (no redirects, say).
pub fn builder(env: &Env, timeout: Duration) -> Result<reqwest::ClientBuilder> {
    let mut b = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("awsrun/", env!("CARGO_PKG_VERSION")));
    if let Some(bundle) = env.non_empty("AWS_CA_BUNDLE") {
        let pem = std::fs::read(env.expand_path(bundle)).map_err(|e| {
            Error::new(
                Kind::InvalidConfig,
                format!("Unable to read AWS_CA_BUNDLE {bundle}: {e}"),
            )
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            Error::new(
                Kind::InvalidConfig,
                format!("AWS_CA_BUNDLE {bundle} is not a PEM certificate bundle: {e}"),
            )
        })?;
        if certs.is_empty() {
            return Err(Error::new(
                Kind::InvalidConfig,
                format!("AWS_CA_BUNDLE {bundle} is not a PEM certificate bundle: it holds no certificate"),
            ));
        }
        for c in certs {
            b = b.add_root_certificate(c);
        }
    }
    Ok(b)
}

/// A reqwest error's text without the URL (which can carry a query string).
pub fn describe(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), url.origin().ascii_serialization().as_str());
    }
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s = format!("{s}: {inner}");
        src = inner.source();
    }
    s
}
