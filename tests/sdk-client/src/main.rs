//! Loads credentials through the Rust SDK's default chain (so a `login_session` profile goes
//! through aws-config's login provider, which refreshes via AWS_ENDPOINT_URL_SIGNIN) and prints
//! the access key id and expiry as one JSON line. Never prints the secret parts.
use aws_credential_types::provider::ProvideCredentials;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let config = aws_config::load_from_env().await;
    let Some(provider) = config.credentials_provider() else {
        eprintln!("sdk-client: no credentials provider");
        std::process::exit(1);
    };
    match provider.provide_credentials().await {
        Ok(c) => {
            let expiry = c
                .expiry()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs())
                .unwrap_or(0);
            println!(
                "{{\"accessKeyId\":\"{}\",\"expiry\":{},\"accountId\":\"{}\"}}",
                c.access_key_id(),
                expiry,
                c.account_id().map(|a| a.as_str()).unwrap_or("")
            );
        }
        Err(e) => {
            eprintln!("sdk-client: {}", aws_smithy_error(&e));
            std::process::exit(1);
        }
    }
}

fn aws_smithy_error(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}
