//! Dispatch from the parsed command line to the module that owns each command, and the one
//! place that turns errors into messages and exit codes.

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::env::Env;
use crate::error::{Error, Kind};

/// Runs awsrun with the process's arguments and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let env = Env::from_os();
    match cli.command {
        Some(cmd) => run_command(cmd, &cli.global, &env),
        None if !cli.run.is_empty() => crate::exec::run(&cli.global, &cli.exec, cli.run, &env),
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
        Command::Whoami(_) => report(Error::not_implemented("whoami", 4), 2),
        Command::Doctor(a) => crate::doctor::run(env, global.profile.as_deref(), &a),
        Command::Prompt(_) => report(Error::not_implemented("prompt", 5), 2),
        Command::Hook(_) => report(Error::not_implemented("hook", 5), 2),
        Command::Completions(_) => report(Error::not_implemented("completions", 5), 2),
        Command::Man(_) => report(Error::not_implemented("man", 5), 2),
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
