//! What the integration tests share. Each `tests/*.rs` includes it with `mod support;` and
//! imports what it needs from here (`use support::{Emulator, Home};`); every item is re-exported
//! at this level. Each test crate uses only part of it, so unused items and re-exports are
//! allowed.
//!
//! - `aws_home`: a throwaway HOME with AWS files and login cache entries, where awsrun (or
//!   another program) runs with a clean environment; plain temporary directories.
//! - `emulator`: `awsrun-emulator` as a child process, and a login through it.
//! - `http`: a plain HTTP/1.1 client, so the tests do not share code with what they test.
//! - `process`: a running awsrun whose stderr can be read while it waits, output as text,
//!   running as `nobody`.
//! - `clients`: the other AWS clients: botocore in the venv, the AWS SDK for Rust programs.
//! - `shell`: real interactive shells driven through tmux.
#![allow(dead_code, unused_imports)]

mod aws_home;
mod clients;
mod emulator;
mod http;
mod process;
mod shell;

pub use aws_home::*;
pub use clients::*;
pub use emulator::*;
pub use http::*;
pub use process::*;
pub use shell::*;
