//! `awsrun-emulator`: a local AWS Sign-In look-alike for trying awsrun (or `aws login`) offline
//! and for awsrun's tests. Prints its base URL on the first line of stdout once it accepts
//! connections and its control token on the second; logs one line per request on stderr (never a
//! secret).

use std::sync::Arc;

use clap::Parser;

use awsrun::emulator::{Config, Emulator, Injection};
use awsrun::signin::httpd::{self, Request};

#[derive(Debug, Parser)]
#[command(
    name = "awsrun-emulator",
    version,
    about = "A local AWS Sign-In emulator for trying awsrun offline",
    long_about = "Serves the AWS Sign-In endpoints (authorize page, cross-device confirmation page, \
token endpoint) on 127.0.0.1 with the real protocol rules enforced. Point awsrun, the AWS CLI or an \
SDK at it with AWS_ENDPOINT_URL_SIGNIN=<printed URL>.\n\n\
Control endpoints, with Authorization: Bearer <the control token, printed on the second line of \
stdout>: GET /__emulator/stats (counters), POST /__emulator/inject \
{\"error\": CODE, \"count\": N} (make the next N token requests fail)."
)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8917)]
    port: u16,
    /// An identity (ARN) the sign-in page offers; repeat for several.
    #[arg(long = "identity", value_name = "ARN")]
    identities: Vec<String>,
    /// Lifetime of issued credentials (expiresIn), seconds.
    #[arg(long, default_value_t = 900, value_name = "SECONDS")]
    credential_lifetime: u64,
    /// How long a session can be refreshed after signing in, seconds.
    #[arg(long, default_value_t = 43200, value_name = "SECONDS")]
    session_length: u64,
    /// How long a rotated-out refresh token is still accepted, seconds.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    refresh_grace: u64,
    /// How long an authorization code can be redeemed, seconds.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    code_lifetime: u64,
    /// Make every token request fail with this error code (e.g. INSUFFICIENT_PERMISSIONS).
    #[arg(long, value_name = "CODE")]
    fail_token: Option<String>,
    /// Act as the browser instead of serving: open this sign-in URL, press Continue for the first
    /// identity and follow the redirect (for machines without a browser:
    /// BROWSER="awsrun-emulator --click %s" awsrun login ...).
    #[arg(long, value_name = "URL")]
    click: Option<String>,
    /// An SSO access token the portal's GetRoleCredentials accepts; repeat for several.
    #[arg(long = "sso-token", value_name = "TOKEN")]
    sso_tokens: Vec<String>,
}

fn main() {
    let args = Args::parse();
    if let Some(url) = &args.click {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        let result = match rt {
            Ok(rt) => rt.block_on(awsrun::emulator::click::click(url)),
            Err(e) => Err(awsrun::error::Error::new(
                awsrun::error::Kind::Io,
                e.to_string(),
            )),
        };
        match result {
            Ok(said) => {
                eprintln!("awsrun-emulator: {said}");
                std::process::exit(0);
            }
            Err(e) => {
                eprintln!("awsrun-emulator: error: {e}");
                std::process::exit(1);
            }
        }
    }
    let mut config = Config {
        credential_lifetime: args.credential_lifetime,
        session_length: args.session_length,
        refresh_grace: args.refresh_grace,
        code_lifetime: args.code_lifetime,
        sso_tokens: args.sso_tokens.clone(),
        ..Config::default()
    };

    for id in &args.identities {
        if awsrun::signin::arn_account(id).is_none() {
            eprintln!("awsrun-emulator: error: --identity {id:?} is not an ARN with a 12-digit account id");
            std::process::exit(2);
        }
    }
    if !args.identities.is_empty() {
        config.identities = args.identities.clone();
    }
    if let Some(code) = &args.fail_token {
        if awsrun::emulator::signin::error_type(code).is_none() {
            eprintln!("awsrun-emulator: error: --fail-token {code:?} is not a sign-in error code");
            std::process::exit(2);
        }
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("awsrun-emulator: error: {e}");
            std::process::exit(1);
        }
    };
    let code = rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("awsrun-emulator: error: cannot listen on 127.0.0.1:{}: {e}", args.port);
                return 1;
            }
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
        let base = format!("http://127.0.0.1:{port}");
        let emu = Emulator::new(base.clone(), config);
        if let Some(code) = args.fail_token {
            emu.inject(Injection {
                target: "signin.token".into(),
                code,
                remaining: u64::MAX,
            });
        }
        let handler_emu = emu.clone();
        let handler: httpd::Handler = Arc::new(move |req: Request| {
            let resp = handler_emu.handle(&req);
            eprintln!("{} {} -> {}", req.method, req.path, resp.status);
            resp
        });
        println!("{base}\n{}", emu.config.control_token);
        eprintln!(
            "awsrun-emulator: AWS Sign-In on {base} (identities: {})\n  try: AWS_ENDPOINT_URL_SIGNIN={base} awsrun login --region us-east-1\n  control: {base}/__emulator/stats with the token on the second line of stdout",
            emu.config.identities.join(", ")
        );
        tokio::select! {
            _ = httpd::serve(listener, handler) => {}
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate() => {}
        }
        0
    });
    std::process::exit(code);
}

async fn terminate() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
}
