//! `--debug`: what awsrun decides and does, on stderr. Only names, paths, methods and access key
//! ids go here; secrets, tokens and codes never do.

use std::sync::atomic::{AtomicBool, Ordering};

static ON: AtomicBool = AtomicBool::new(false);

pub fn enable() {
    ON.store(true, Ordering::Relaxed);
}

pub fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// `debug!("format", args)`: one line prefixed `awsrun[debug]:` when `--debug` is on.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => {
        if $crate::debug::on() {
            eprintln!("awsrun[debug]: {}", format_args!($($arg)*));
        }
    };
}
