//! `awsrun login`: the same-device and remote sign-in flows, then the cache file and the
//! profile's `login_session`, mirroring `aws login` so either tool can use the session.

use std::io::IsTerminal;
use std::time::Duration;

use serde_json::{Map, Value};

use super::callback::{Callback, Outcome};
use super::pkce::Pkce;
use super::token::{Stage, TokenClient, TokenOutput};
use super::{prompt, remote};
use crate::awsfiles::{self, Files};
use crate::cache;
use crate::cli::{Global, LoginArgs};
use crate::env::Env;
use crate::error::{Error, Kind, Result};
use crate::jose::{self, DpopKey};

const DEFAULT_REGION: &str = "us-east-1";

/// Runs the command and returns the exit code (130 when cancelled with Ctrl-C).
pub fn run(args: &LoginArgs, global: &Global, env: &Env) -> i32 {
    match login(args, global, env) {
        Ok(()) => 0,
        Err(Failure::Cancelled) => {
            eprintln!("\nawsrun: login cancelled; nothing was changed");
            130
        }
        Err(Failure::Error(e)) => crate::app::report(e, 1),
    }
}

#[derive(Debug)]
enum Failure {
    Cancelled,
    Error(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Error(e)
    }
}

/// The profile a login or logout targets: `--profile`, `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`,
/// else `default` (SPEC §2, CLI order). It need not exist yet.
pub fn profile_name(global: &Global, env: &Env) -> Result<String> {
    let name = crate::profile::select(env, global.profile.as_deref()).name;
    if name.trim().is_empty() || name.contains(['\n', '\r', '[', ']']) {
        return Err(Error::profile_not_found(&name));
    }
    Ok(name)
}

/// Refuses a profile whose other credentials would win over the login session (the CLI's
/// check and wording, on one line, naming where the setting is).
fn check_credential_style(files: &Files, profile: &str) -> Result<()> {
    let styles: [(&[&str], &str); 5] = [
        (&["web_identity_token_file"], "Web Identity"),
        (&["sso_role_name", "sso_account_id"], "SSO"),
        (&["aws_access_key_id"], "Access Key"),
        (&["role_arn"], "Assume Role"),
        (&["credential_process"], "Credential Process"),
    ];
    for (keys, style) in styles {
        for key in keys {
            if let Some(s) = files.get(profile, key) {
                return Err(Error::new(
                    Kind::InvalidConfig,
                    format!(
                        "Profile '{profile}' is already configured with {style} credentials ({key} at {}). You may run 'awsrun login --profile new-profile-name' to create a new profile with the specified name. Otherwise you must first manually remove the existing credentials from '{profile}'.",
                        files.locate(&s)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, else ask (only on a
/// terminal). The flag says whether the user was asked, so the answer is saved.
fn resolve_region(
    global: &Global,
    env: &Env,
    files: &Files,
    profile: &str,
) -> Result<(String, bool)> {
    let found = global
        .region
        .clone()
        .map(|r| (r, "--region".to_string()))
        .or_else(|| {
            env.non_empty("AWS_REGION")
                .map(|r| (r.to_string(), "AWS_REGION".into()))
        })
        .or_else(|| {
            env.non_empty("AWS_DEFAULT_REGION")
                .map(|r| (r.to_string(), "AWS_DEFAULT_REGION".into()))
        })
        .or_else(|| {
            files
                .get(profile, "region")
                .filter(|s| !s.text().is_empty())
                .map(|s| (s.text().to_string(), files.locate(&s)))
        });
    let (region, asked) = match found {
        Some((r, from)) => {
            if !super::valid_region(&r) {
                return Err(Error::new(
                    Kind::InvalidConfig,
                    format!("The region {r:?} from {from} is not a valid region name"),
                ));
            }
            return Ok((r, false));
        }
        None if prompt::stdin_is_terminal() => {
            eprint!(
                "No AWS region has been configured. The AWS region is the geographic location of your AWS resources.\n\n\
If you have used AWS before and already have resources in your account, specify which region they were created in. \
If you have not created resources in your account before, you can pick the region closest to you: \
https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html.\n\n\
You are able to change the region in the CLI at any time with the command \"aws configure set region NEW_REGION\".\n"
            );
            let answer = prompt::ask(&format!("AWS Region [{DEFAULT_REGION}]: "))
                .ok_or_else(|| Error::new(Kind::InvalidConfig, "No region was entered (end of input)"))?;
            let r = if answer.is_empty() { DEFAULT_REGION.to_string() } else { answer };
            (r, true)
        }
        None => {
            return Err(Error::new(
                Kind::InvalidConfig,
                format!(
                    "No region is configured for profile '{profile}' and there is no terminal to ask on: pass --region REGION, set AWS_REGION, or add 'region = REGION' to the profile in the config file"
                ),
            ))
        }
    };
    if !super::valid_region(&region) {
        return Err(Error::new(
            Kind::InvalidConfig,
            format!("{region:?} is not a valid region name (like us-east-1)"),
        ));
    }
    Ok((region, asked))
}

fn login(args: &LoginArgs, global: &Global, env: &Env) -> std::result::Result<(), Failure> {
    let profile = profile_name(global, env)?;
    let files = Files::load(env)?;
    check_credential_style(&files, &profile)?;
    let (region, asked_region) = resolve_region(global, env, &files, &profile)?;
    let base = super::base_url(env, &region, args.endpoint_url.as_deref())?;

    let key = DpopKey::generate();
    let pkce = Pkce::generate();
    let state = jose::uuid4();
    let client = TokenClient::new(env, &base)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(Kind::Io, format!("Unable to start the async runtime: {e}")))?;

    let flow = Flow {
        args,
        env,
        region: &region,
        base: &base,
        key: &key,
        pkce: &pkce,
        state: &state,
        client: &client,
    };
    let (output, client_id) = if args.remote {
        flow.remote(&rt)?
    } else {
        rt.block_on(flow.same_device())?
    };

    let id_token = output.id_token.clone().ok_or_else(|| {
        Error::new(
            Kind::Login,
            "The sign-in service returned no idToken, so the session cannot be named",
        )
    })?;
    let session = jose::jwt_claims(&id_token)
        .and_then(|c| c.get("sub").and_then(Value::as_str).map(str::to_string))
        .ok_or_else(|| {
            Error::new(
                Kind::Login,
                "The idToken from the sign-in service has no 'sub' claim",
            )
        })?;
    let account = super::arn_account(&session).ok_or_else(|| {
        Error::new(
            Kind::Login,
            format!("The session id {session:?} from the sign-in service is not an ARN with an account id"),
        )
    })?;

    if let Some(old) = files
        .get(&profile, "login_session")
        .map(|s| s.text().to_string())
    {
        if old != session && !args.yes {
            if !prompt::stdin_is_terminal() {
                return Err(Error::new(
                    Kind::Login,
                    format!(
                        "Profile {profile} is already configured to use session {old}; there is no terminal to ask whether to switch it to {session}: rerun with --yes to overwrite"
                    ),
                )
                .into());
            }
            let q = format!(
                "\nProfile {profile} is already configured to use session {old}. Do you want to overwrite it to use {session} instead? (y/n): "
            );
            if !prompt::yes_no(&q) {
                eprintln!("Profile {profile} was left unchanged.");
                return Ok(());
            }
        }
    }

    let path = cache::cache_path(env, &session);
    let doc = cache_document(
        &path, &output, account, &client_id, &id_token, &key, &region,
    );
    cache::save_doc(&path, &doc)?;

    let mut pairs = vec![("login_session", session.as_str())];
    if asked_region {
        pairs.push(("region", region.as_str()));
    }
    awsfiles::edit::set_profile_values(env, &profile, &pairs)?;
    if let Some(s) = files.credentials_get(&profile, "login_session") {
        if s.text() != session {
            eprintln!(
                "warning: {} also sets login_session for profile {profile} ({}) and wins over the config file; remove that line to use the new session",
                files.locate(&s),
                s.text()
            );
        }
    }

    println!("\nUpdated profile {profile} to use {session} credentials.");
    if profile != "default" {
        println!(
            "Use \"--profile {profile}\" to use the new credentials, such as \"awsrun -p {profile} -- aws sts get-caller-identity\""
        );
    }
    Ok(())
}

/// The cache file in the CLI's layout and field order, plus `signInRegion`. Fields an existing
/// file has that awsrun does not know are kept.
fn cache_document(
    path: &std::path::Path,
    out: &TokenOutput,
    account: &str,
    client_id: &str,
    id_token: &str,
    key: &DpopKey,
    region: &str,
) -> Map<String, Value> {
    let expires = crate::time::iso8601_z(crate::time::now() + out.expires_in as i64);
    let mut at = Map::new();
    at.insert("accessKeyId".into(), out.access_key_id.clone().into());
    at.insert(
        "secretAccessKey".into(),
        out.secret_access_key.clone().into(),
    );
    at.insert("sessionToken".into(), out.session_token.clone().into());
    at.insert("accountId".into(), account.into());
    at.insert("expiresAt".into(), expires.into());
    let mut doc = Map::new();
    doc.insert("accessToken".into(), Value::Object(at));
    doc.insert("tokenType".into(), out.token_type.clone().into());
    doc.insert("clientId".into(), client_id.into());
    doc.insert("refreshToken".into(), out.refresh_token.clone().into());
    doc.insert("idToken".into(), id_token.into());
    doc.insert("dpopKey".into(), key.to_pem().into());
    doc.insert("signInRegion".into(), region.into());
    if let Ok(Value::Object(old)) = std::fs::read(path)
        .map_err(|_| ())
        .and_then(|b| serde_json::from_slice::<Value>(&b).map_err(|_| ()))
    {
        for (k, v) in old {
            doc.entry(k).or_insert(v);
        }
    }
    doc
}

struct Flow<'a> {
    args: &'a LoginArgs,
    env: &'a Env,
    region: &'a str,
    base: &'a str,
    key: &'a DpopKey,
    pkce: &'a Pkce,
    state: &'a str,
    client: &'a TokenClient,
}

impl Flow<'_> {
    /// The authorization code from the browser, or why there is none: a refusal, the timeout,
    /// Ctrl-C. Stray errors (no state) are reported and waited past.
    async fn wait_for_code(
        &self,
        cb: &mut Callback,
        interrupt: &mut tokio::signal::unix::Signal,
    ) -> std::result::Result<String, Failure> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(self.args.timeout);
        loop {
            let outcome = tokio::select! {
                o = cb.next() => o,
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(Error::new(Kind::Login, format!(
                        "Gave up waiting for the browser sign-in after {} seconds. Run 'awsrun login' again (or 'awsrun login --remote' if the browser cannot reach this machine).",
                        self.args.timeout
                    )).into());
                }
                _ = interrupt.recv() => return Err(Failure::Cancelled),
            };
            match outcome {
                Some(Outcome::Code(c)) => return Ok(c),
                Some(Outcome::Stray(msg)) => eprintln!(
                    "\rawsrun: ignored a callback without this login's state ({msg}); still waiting (Ctrl-C to cancel)"
                ),
                Some(Outcome::Denied(msg)) => return Err(Error::new(Kind::Login, msg).into()),
                None => {
                    return Err(
                        Error::new(Kind::Login, "The sign-in callback server stopped").into(),
                    )
                }
            }
        }
    }

    async fn same_device(&self) -> std::result::Result<(TokenOutput, String), Failure> {
        let mut cb = Callback::start(self.state.to_string()).await?;
        // Registered before the URL is shown, so a Ctrl-C at any point after it is ours.
        let mut interrupt =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .map_err(|e| Error::new(Kind::Io, format!("Unable to handle Ctrl-C: {e}")))?;
        let client_id = super::CLIENT_ID_SAME_DEVICE;
        let url = super::authorize_url(
            self.base,
            client_id,
            self.state,
            &self.pkce.challenge,
            &cb.redirect_uri,
        );
        if self.args.no_browser {
            eprintln!("Browser will not be automatically opened.\nPlease visit the following URL:\n\n{url}\n");
        } else {
            eprintln!(
                "Attempting to open the login page for `{}` in your default browser.\nIf the browser does not open, use the following URL to complete your login:\n\n{url}\n\nIf you cannot connect to this URL, make sure that you have specified a valid region.\n",
                self.region
            );
            if !super::browser::open(&url, self.env.get("BROWSER")) {
                eprintln!("awsrun: could not start a browser; open the URL above yourself.");
            }
        }
        let spinner = std::io::stderr()
            .is_terminal()
            .then(|| tokio::spawn(spin()));
        let code = self.wait_for_code(&mut cb, &mut interrupt).await;
        stop(spinner);
        let code = code?;
        let redirect = cb.redirect_uri.clone();
        let out = self
            .client
            .exchange_code(self.key, client_id, &code, &self.pkce.verifier, &redirect)
            .await
            .map_err(|e| e.into_error(Stage::Login))?;
        Ok((out, client_id.to_string()))
    }

    fn remote(
        &self,
        rt: &tokio::runtime::Runtime,
    ) -> std::result::Result<(TokenOutput, String), Failure> {
        let client_id = super::CLIENT_ID_CROSS_DEVICE;
        let redirect = format!("{}/v1/sessions/confirmation", self.base);
        let url = super::authorize_url(
            self.base,
            client_id,
            self.state,
            &self.pkce.challenge,
            &redirect,
        );
        eprintln!(
            "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{url}"
        );
        let pasted = prompt::ask("\nEnter the authorization code displayed in your browser: ")
            .ok_or_else(|| {
                Error::new(
                    Kind::Login,
                    "No authorization code was entered (end of input)",
                )
            })?;
        let code = remote::parse(&pasted, self.state)?;
        let out = rt
            .block_on(self.client.exchange_code(
                self.key,
                client_id,
                &code,
                &self.pkce.verifier,
                &redirect,
            ))
            .map_err(|e| e.into_error(Stage::Login))?;
        Ok((out, client_id.to_string()))
    }
}

async fn spin() {
    const FRAMES: [&str; 4] = ["|", "/", "-", "\\"];
    let mut i = 0usize;
    loop {
        eprint!(
            "\r{} Waiting for the browser sign-in (Ctrl-C to cancel)",
            FRAMES[i % 4]
        );
        i += 1;
        tokio::time::sleep(Duration::from_millis(120)).await;
    }
}

fn stop(spinner: Option<tokio::task::JoinHandle<()>>) {
    if let Some(s) = spinner {
        s.abort();
        eprint!("\r\x1b[K");
    }
}
