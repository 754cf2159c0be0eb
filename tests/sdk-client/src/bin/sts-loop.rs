//! A Rust SDK program that runs under `awsrun exec`: it calls STS GetCallerIdentity every 2
//! seconds for the given number of seconds, with whatever credentials the SDK's default chain
//! finds (awsrun's container endpoint), and prints how many calls and distinct keys it saw.
//! Any failed call ends it with status 1.
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_credential_types::provider::ProvideCredentials;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let seconds: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(90);
    let config = aws_config::load_from_env().await;
    let sts = aws_sdk_sts::Client::new(&config);
    let provider = config.credentials_provider().expect("a credentials provider");
    let (mut calls, mut keys, mut arns) = (0u64, BTreeSet::new(), BTreeSet::new());
    let end = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < end {
        match sts.get_caller_identity().send().await {
            Ok(out) => {
                arns.insert(out.arn().unwrap_or_default().to_string());
            }
            Err(e) => {
                eprintln!("sts-loop: call {} failed: {}", calls + 1, aws_smithy_types::error::display::DisplayErrorContext(&e));
                std::process::exit(1);
            }
        }
        match provider.provide_credentials().await {
            Ok(c) => {
                keys.insert(c.access_key_id().to_string());
            }
            Err(e) => {
                eprintln!("sts-loop: credentials: {e}");
                std::process::exit(1);
            }
        }
        calls += 1;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let arns: Vec<String> = arns.into_iter().map(|a| format!("\"{a}\"")).collect();
    println!("{{\"calls\":{calls},\"keys\":{},\"arns\":[{}]}}", keys.len(), arns.join(","));
}
