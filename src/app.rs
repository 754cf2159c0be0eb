//! Dispatch from the parsed command line to the module that owns each command, and the one
//! place that turns errors into messages and exit codes.

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::env::Env;
use crate::error::{Error, Kind};

/// Runs awsrun with the process's arguments and returns the exit code.
pub fn main() -> i32 {
    // `awsrun prompt` runs before every shell prompt: skip building the whole clap command.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(req) = crate::shell::prompt::fast_args(&args) {
        return crate::shell::prompt::run(&req, &Env::from_os());
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    if cli.global.debug {
        crate::debug::enable();
    }
    let env = Env::from_os();
    match cli.command {
        Some(cmd) => run_command(cmd, &cli.global, &env),
        // `awsrun -p dev -- cmd`, and `awsrun -p dev` alone for a subshell.
        None if !cli.run.is_empty() || cli.global.profile.is_some() => {
            crate::exec::run(&cli.global, &cli.exec, cli.run, &env)
        }
        None => {
            let _ = crate::cli::command().print_help();
            2
        }
    }
}

fn run_command(cmd: Command, global: &crate::cli::Global, env: &Env) -> i32 {
    match cmd {
        Command::Login(a) => crate::signin::login::run(&a, global, env),
        Command::Logout(a) => crate::signin::logout::run(&a, global, env),
        Command::Exec(a) => crate::exec::run(global, &a.opts, a.command, env),
        Command::List(a) => crate::list::run(
            env,
            global.profile.as_deref(),
            global.region.as_deref(),
            a.json,
        ),
        Command::Profiles => match crate::list::profiles(env) {
            Ok(text) => {
                print!("{text}");
                0
            }
            Err(e) => report(e, crate::list::EXIT_ERROR),
        },
        Command::Export(a) => crate::export::run(global, a.format, env),
        Command::Whoami(a) => crate::whoami::run(global, a.json, env),
        Command::Doctor(a) => crate::doctor::run(env, global.profile.as_deref(), &a),
        Command::Prompt(a) => {
            let req = crate::shell::prompt::Request {
                profile: global.profile.clone(),
                format: a.format,
                json: a.json,
            };
            crate::shell::prompt::run(&req, env)
        }
        Command::Hook(a) => crate::shell::hook::run(&a),
        Command::Completions(a) => {
            print!("{}", crate::shell::completions::generate(a.shell));
            0
        }
        Command::Man(a) => crate::shell::man::run(&a),
    }
}

/// Prints `awsrun: error: MESSAGE` and returns `code`. Usage errors always exit 2.
pub fn report(err: Error, code: i32) -> i32 {
    eprintln!("awsrun: error: {err}");
    if err.kind == Kind::Usage || err.kind == Kind::NotImplemented {
        2
    } else {
        code
    }
}
