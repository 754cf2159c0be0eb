//! The command-line surface. Kept in one place so `awsrun completions` and `awsrun man` can
//! generate from the same definition the parser uses.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "awsrun",
    version,
    about = "Short-lived AWS credentials from the console sign-in (aws login) for your shell and the programs it starts",
    long_about = "awsrun signs in through the AWS console (the flow behind `aws login`), keeps the \
session fresh, and runs commands with short-lived credentials: never long-lived access keys.\n\n\
Run a command:   awsrun -p dev -- terraform plan\n\
Sign in:         awsrun login -p dev\n\
See what wins:   awsrun list -p dev    |   awsrun doctor",
    after_long_help = MODES_HELP,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Command to run with the profile's credentials (same as `awsrun exec`).
    #[arg(last = true, value_name = "COMMAND")]
    pub run: Vec<String>,

    #[command(flatten)]
    pub exec: ExecOpts,
}

#[derive(Debug, Args, Clone, Default)]
pub struct Global {
    /// Profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then `default`).
    #[arg(short = 'p', long, global = true, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// Region to use, overriding the environment and the profile.
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    /// Explain what awsrun does on stderr (secrets are never printed).
    #[arg(long, global = true)]
    pub debug: bool,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ExecOpts {
    /// Put the keys in the child's environment and replace awsrun with the command (default
    /// for static keys). Credentials then do not refresh while the command runs.
    #[arg(long, conflicts_with = "server")]
    pub env: bool,

    /// Serve refreshed credentials to the child from a loopback endpoint and stay as its parent
    /// (default for login, assume-role, SSO and expiring process credentials).
    #[arg(long)]
    pub server: bool,

    /// Allow running inside another awsrun child (AWSRUN_PROFILE is set).
    #[arg(long)]
    pub nested: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in through the AWS console and store a session for the profile.
    Login(LoginArgs),
    /// Delete the profile's cached login session.
    Logout(LogoutArgs),
    /// Run a command with the profile's credentials, kept fresh for the whole session.
    Exec(ExecArgs),
    /// Show where each value comes from, like `aws configure list`, plus what is shadowed.
    List(ListArgs),
    /// List profile names, like `aws configure list-profiles`.
    Profiles,
    /// Print the profile's credentials, like `aws configure export-credentials`.
    Export(ExportArgs),
    /// Show the identity the profile's credentials belong to (STS GetCallerIdentity).
    Whoami(WhoamiArgs),
    /// Find precedence conflicts and broken sessions, and say how to fix each.
    Doctor(DoctorArgs),
    /// Print the prompt segment (profile and time left) for the active profile.
    Prompt(PromptArgs),
    /// Print the shell hook to eval from your rc file.
    Hook(HookArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Print the man page (or write all man pages to a directory).
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Sign in on another device: print a URL and paste the code the browser shows.
    #[arg(long)]
    pub remote: bool,
    /// Print the URL but do not open a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// Overwrite a different existing login_session without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Give up waiting for the browser after this many seconds.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    pub timeout: u64,
    /// Sign-in endpoint (default: AWS_ENDPOINT_URL_SIGNIN, AWS_ENDPOINT_URL, then AWS).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Delete every cached login session.
    #[arg(long)]
    pub all: bool,
}

/// Which delivery to choose; shown by `awsrun exec --help` and `awsrun --help`.
pub const MODES_HELP: &str = "\
Delivery modes:
  server (default for login, assume-role, web identity, SSO and expiring process credentials):
    awsrun stays as the parent and serves fresh keys to the command from a loopback endpoint
    (AWS_CONTAINER_CREDENTIALS_FULL_URI + a 256-bit AWS_CONTAINER_AUTHORIZATION_TOKEN). Long runs
    such as `terraform apply` never see expired keys, and no key is in the environment. Every AWS
    SDK and the AWS CLI read this endpoint.
  env (--env; default for static keys): the keys are exported (with AWS_CREDENTIAL_EXPIRATION)
    and awsrun becomes the command. Choose it for tools that only read AWS_ACCESS_KEY_ID; the keys
    are not renewed while the command runs.

The child never sees AWS_PROFILE, other keys or AWS_CONTAINER_* from your shell; it gets
AWS_REGION, AWSRUN_PROFILE and the login session's end as AWSRUN_SESSION_EXPIRES_EPOCH.
awsrun exits with the command's status (128+N when a signal ended it, 127 when the command is
not found, 126 when it is not executable, 255 when awsrun itself failed).";

#[derive(Debug, Args)]
#[command(after_long_help = MODES_HELP)]
pub struct ExecArgs {
    #[command(flatten)]
    pub opts: ExecOpts,
    /// The command and its arguments (default: $SHELL).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print everything as one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ExportFormat {
    #[default]
    Process,
    Env,
    EnvNoExport,
    Fish,
    Powershell,
    WindowsCmd,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value_t = ExportFormat::Process)]
    pub format: ExportFormat,
}

#[derive(Debug, Args)]
pub struct WhoamiArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Check every profile.
    #[arg(long)]
    pub all: bool,
    #[arg(long)]
    pub json: bool,
    /// Also call STS GetCallerIdentity and report identity and clock skew.
    #[arg(long)]
    pub online: bool,
}

#[derive(Debug, Args)]
pub struct PromptArgs {
    /// Template (default "{profile} {left}"): {profile}, {left} (42m, 3h12m, expired),
    /// {minutes}, {seconds}, {expires} (Unix time), {expires_at} (ISO 8601), {state} (ok, warn,
    /// critical, expired), {color_name}, {color}, {reset}; {{ and }} are literal braces.
    #[arg(long, value_name = "TEMPLATE")]
    pub format: Option<String>,
    /// Print the segment's facts as one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct HookArgs {
    pub shell: Shell,
    /// Also put the segment into the prompt.
    #[arg(long)]
    pub prompt: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write awsrun.1 and one page per subcommand into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
}

pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
