//! Which profile, which credentials and which region, exactly as the AWS CLI decides (SPEC §2-4),
//! evaluated without the network. Besides the winner, every lower-ranked source that is also
//! configured is kept as "shadowed": the silent overrides users lose hours to.

mod chain;
pub mod region;

use crate::awsfiles::{Files, Setting, Which};
use crate::credentials::Keys;
use crate::env::Env;
use crate::error::{Error, Result};

pub use region::Region;

/// How the profile was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileFrom {
    /// `--profile` / `-p`.
    Explicit,
    /// `AWS_PROFILE` or `AWS_DEFAULT_PROFILE`.
    Env(&'static str),
    /// Nothing chose one: `default`.
    Default,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    pub name: String,
    pub from: ProfileFrom,
    /// Lower-ranked choices that were also made, such as `AWS_DEFAULT_PROFILE` beaten by
    /// `AWS_PROFILE`: (variable, value).
    pub shadowed: Vec<(&'static str, String)>,
}

/// The CLI's order: `--profile` > `AWS_PROFILE` > `AWS_DEFAULT_PROFILE` > `default`.
/// (botocore reads `AWS_DEFAULT_PROFILE` first; `doctor` flags the disagreement.)
pub fn select(env: &Env, explicit: Option<&str>) -> Selected {
    let mut candidates: Vec<(ProfileFrom, Option<&'static str>, String)> = Vec::new();
    if let Some(p) = explicit {
        candidates.push((ProfileFrom::Explicit, None, p.to_string()));
    }
    for var in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"] {
        if let Some(v) = env.get(var) {
            candidates.push((ProfileFrom::Env(var), Some(var), v.to_string()));
        }
    }
    let mut it = candidates.into_iter();
    match it.next() {
        Some((from, _, name)) => Selected {
            name,
            from,
            shadowed: it
                .filter_map(|(_, var, v)| var.map(|var| (var, v)))
                .collect(),
        },
        None => Selected {
            name: "default".into(),
            from: ProfileFrom::Default,
            shadowed: Vec::new(),
        },
    }
}

/// The credential providers, in chain order, named as `aws configure list` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Env,
    AssumeRole,
    WebIdentity,
    Sso,
    SharedCredentialsFile,
    Login,
    CustomProcess,
    ConfigFile,
    Ec2CredentialsFile,
    BotoConfig,
    ContainerRole,
    IamRole,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Env => "env",
            Method::AssumeRole => "assume-role",
            Method::WebIdentity => "assume-role-with-web-identity",
            Method::Sso => "sso",
            Method::SharedCredentialsFile => "shared-credentials-file",
            Method::Login => "login",
            Method::CustomProcess => "custom-process",
            Method::ConfigFile => "config-file",
            Method::Ec2CredentialsFile => "ec2-credentials-file",
            Method::BotoConfig => "boto-config",
            Method::ContainerRole => "container-role",
            Method::IamRole => "iam-role",
        }
    }

    /// Whether producing keys takes a call to AWS (so `list` shows `<not fetched>`).
    pub fn needs_network(self) -> bool {
        matches!(
            self,
            Method::AssumeRole
                | Method::WebIdentity
                | Method::Sso
                | Method::ContainerRole
                | Method::IamRole
        )
    }
}

/// Where a source or value was configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Where {
    /// Environment variables, the deciding one first.
    Env(Vec<&'static str>),
    /// A line of the config or credentials file; `shown` is the path as the user wrote it.
    File {
        which: Which,
        shown: String,
        line: usize,
    },
    /// A file outside the AWS files (boto config, AWS_CREDENTIAL_FILE target).
    Path(String),
    /// Instance metadata.
    Imds,
}

impl Where {
    pub fn file(files: &Files, s: &Setting<'_>) -> Where {
        Where::File {
            which: s.which,
            shown: files.file(s.which).shown.clone(),
            line: s.line,
        }
    }
}

impl std::fmt::Display for Where {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Where::Env(vars) => f.write_str(&vars.join(", ")),
            Where::File { shown, line, .. } => write!(f, "{shown}:{line}"),
            Where::Path(p) => f.write_str(p),
            Where::Imds => f.write_str("instance metadata"),
        }
    }
}

/// A configured credential source.
#[derive(Debug, Clone)]
pub struct Source {
    pub method: Method,
    /// The profile whose settings define it (empty for environment and machine sources).
    pub profile: String,
    pub at: Where,
    /// The keys, when they can be had without the network. For the winner, `None` means
    /// "needs a call to AWS"; for shadowed sources keys are never loaded.
    pub keys: Option<Keys>,
    /// What identifies it without being secret: the role ARN, the login session, the command.
    pub detail: Option<String>,
    /// The defining profile's `region` (a login session refreshes there without signInRegion).
    pub region: Option<String>,
    /// For assume-role: the source the role is assumed with, down to the root.
    pub via: Option<Box<Source>>,
}

impl Source {
    fn new(method: Method, profile: &str, at: Where) -> Source {
        Source {
            method,
            profile: profile.to_string(),
            at,
            keys: None,
            detail: None,
            region: None,
            via: None,
        }
    }

    /// The source at the root of an assume-role chain (itself for any other method).
    pub fn root(&self) -> &Source {
        let mut s = self;
        while let Some(v) = &s.via {
            s = v;
        }
        s
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run `credential_process` to get its keys, as `aws configure list` does.
    pub run_process: bool,
    /// `--region` on the command line.
    pub region_override: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Resolution {
    pub profile: Selected,
    /// The winning source; `Ok(None)` when nothing provides credentials.
    pub credentials: Result<Option<Source>>,
    /// Lower-ranked sources that are also configured, in chain order.
    pub shadowed: Vec<Source>,
    pub region: Result<Option<Region>>,
}

impl Resolution {
    /// The winner, falling back like the SDKs' last provider to instance metadata when nothing
    /// else is configured (unless `AWS_EC2_METADATA_DISABLED=true`). `list` never does this: it
    /// uses no network; fetching (exec, export) will ask instance metadata and say if it is absent.
    pub fn winner_or_instance_metadata(&self, env: &Env) -> Result<Source> {
        match &self.credentials {
            Ok(None) if !chain::imds_disabled(env) => {
                Ok(Source::new(Method::IamRole, "", Where::Imds))
            }
            _ => self.winner().cloned(),
        }
    }

    /// The winning source or the error that stops the chain.
    pub fn winner(&self) -> Result<&Source> {
        match &self.credentials {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(Error::new(
                crate::error::Kind::CredentialRetrieval,
                "Unable to locate credentials",
            )),
            Err(e) => Err(e.clone()),
        }
    }
}

/// Resolves `explicit` (or the environment's choice) against `files`. A named profile that
/// does not exist makes both credentials and region fail with the CLI's message.
pub fn resolve(
    env: &Env,
    files: &Files,
    explicit: Option<&str>,
    opts: &Options,
) -> Result<Resolution> {
    let profile = select(env, explicit);
    if profile.from != ProfileFrom::Default && !files.has_profile(&profile.name) {
        let err = Error::profile_not_found(&profile.name);
        return Ok(Resolution {
            profile,
            credentials: Err(err.clone()),
            shadowed: Vec::new(),
            region: Err(err),
        });
    }
    let ctx = chain::Ctx {
        env,
        files,
        opts,
        env_enabled: profile.from != ProfileFrom::Explicit,
    };
    let (credentials, shadowed) = chain::run(&ctx, &profile.name);
    let region = region::resolve(env, files, &profile.name, opts.region_override.as_deref());
    Ok(Resolution {
        profile,
        credentials,
        shadowed,
        region,
    })
}
