//! awsrun: short-lived AWS credentials from the console sign-in for a shell and its programs.
//!
//! The binary is a thin shell over this library so that integration tests and benchmarks can
//! drive the same code.

pub mod app;
pub mod awsfiles;
pub mod cache;
pub mod cli;
pub mod credentials;
pub mod debug;
pub mod doctor;
pub mod emulator;
pub mod env;
pub mod error;
pub mod exec;
pub mod export;
pub mod fsutil;
pub mod http;
pub mod jose;
pub mod list;
pub mod profile;
pub mod server;
pub mod session;
pub mod shell;
pub mod signin;
pub mod sts;
pub mod time;
pub mod whoami;
