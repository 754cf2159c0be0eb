//! Starting the user's command and standing in for it: signals in, exit status out.
//!
//! The child stays in awsrun's process group so it keeps the terminal and job control works.
//! A signal the terminal sends (Ctrl-C, hang-up) already reaches the whole group, so awsrun
//! forwards only signals sent to it by another process (`kill`): forwarding both would hand
//! the child a second SIGINT, which makes programs such as terraform abort without cleanup.

use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};

use nix::errno::Errno;
use nix::libc;
use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::unistd::execvpe;

use crate::error::{Error, Kind, Result};

/// Exit codes a shell uses.
pub const NOT_FOUND: i32 = 127;
pub const NOT_EXECUTABLE: i32 = 126;

static CHILD: AtomicI32 = AtomicI32::new(0);

const FORWARDED: [Signal; 6] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
];

/// Signals sent (by a process) before the child's pid was known: forwarded right after.
static PENDING: AtomicU64 = AtomicU64::new(0);

extern "C" fn forward(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel hands a valid siginfo_t to an SA_SIGINFO handler.
    let code = unsafe { (*info).si_code };
    // SI_USER / SI_QUEUE / SI_TKILL: sent by a process. Kernel-sent (tty) signals are not.
    if code != libc::SI_USER && code != libc::SI_QUEUE && code != libc::SI_TKILL {
        return;
    }
    let mut pid = CHILD.load(Ordering::SeqCst);
    if pid <= 0 {
        let bit = 1u64 << sig;
        PENDING.fetch_or(bit, Ordering::SeqCst);
        // The child may have been adopted meanwhile; whoever clears the bit forwards it.
        pid = CHILD.load(Ordering::SeqCst);
        if pid <= 0 || PENDING.fetch_and(!bit, Ordering::SeqCst) & bit == 0 {
            return;
        }
    }
    // SAFETY: kill is async-signal-safe.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// Records the child and hands it whatever arrived while it was starting.
fn adopt(pid: i32) {
    CHILD.store(pid, Ordering::SeqCst);
    let pending = PENDING.swap(0, Ordering::SeqCst);
    for sig in FORWARDED {
        if pending & (1 << sig as i32) != 0 {
            let _ = signal::kill(nix::unistd::Pid::from_raw(pid), sig);
        }
    }
}

fn cstrings(items: impl IntoIterator<Item = OsString>) -> Result<Vec<CString>> {
    items
        .into_iter()
        .map(|s| {
            CString::new(s.as_bytes()).map_err(|_| {
                Error::new(
                    Kind::Usage,
                    format!("{:?} contains a NUL byte", s.to_string_lossy()),
                )
            })
        })
        .collect()
}

/// Where to look for the program, as execvp would: `$PATH` of the child's environment.
fn resolve_program(program: &str, env: &[(OsString, OsString)]) -> std::result::Result<(), i32> {
    if program.contains('/') {
        let p = std::path::Path::new(program);
        return match std::fs::metadata(p) {
            Err(_) => Err(NOT_FOUND),
            Ok(m) if m.is_dir() => Err(NOT_EXECUTABLE),
            Ok(_) => {
                if nix::unistd::access(p, nix::unistd::AccessFlags::X_OK).is_ok() {
                    Ok(())
                } else {
                    Err(NOT_EXECUTABLE)
                }
            }
        };
    }
    let path = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "/usr/bin:/bin".into());
    let mut found_not_exec = false;
    for dir in std::env::split_paths(&path) {
        let cand = dir.join(program);
        if let Ok(m) = std::fs::metadata(&cand) {
            if m.is_file() {
                if nix::unistd::access(&cand, nix::unistd::AccessFlags::X_OK).is_ok() {
                    return Ok(());
                }
                found_not_exec = true;
            }
        }
    }
    Err(if found_not_exec {
        NOT_EXECUTABLE
    } else {
        NOT_FOUND
    })
}

fn exec_error(program: &str, code: i32) -> (Error, i32) {
    let msg = if code == NOT_FOUND {
        format!("command not found: {program}")
    } else {
        format!("permission denied: {program} is not executable")
    };
    (Error::new(Kind::Usage, msg), code)
}

/// Replaces awsrun with the command (env mode). Returns only on failure.
pub fn exec_replace(argv: &[String], env: &[(OsString, OsString)]) -> (Error, i32) {
    if let Err(code) = resolve_program(&argv[0], env) {
        return exec_error(&argv[0], code);
    }
    let (args, envp) = match (
        cstrings(argv.iter().map(OsString::from)),
        cstrings(env.iter().map(join_kv)),
    ) {
        (Ok(a), Ok(e)) => (a, e),
        (Err(e), _) | (_, Err(e)) => return (e, 2),
    };
    let err = execvpe(&args[0], &args, &envp).unwrap_err();
    let code = if err == Errno::ENOENT {
        NOT_FOUND
    } else {
        NOT_EXECUTABLE
    };
    (
        Error::new(Kind::Io, format!("cannot run {}: {err}", argv[0])),
        code,
    )
}

fn join_kv((k, v): &(OsString, OsString)) -> OsString {
    let mut s = k.clone();
    s.push("=");
    s.push(v);
    s
}

/// Starts the command as a child (server mode) with signal forwarding installed.
pub fn spawn(
    argv: &[String],
    env: &[(OsString, OsString)],
) -> std::result::Result<std::process::Child, (Error, i32)> {
    if let Err(code) = resolve_program(&argv[0], env) {
        return Err(exec_error(&argv[0], code));
    }
    let action = SigAction::new(
        SigHandler::SigAction(forward),
        SaFlags::SA_RESTART | SaFlags::SA_SIGINFO,
        SigSet::empty(),
    );
    for sig in FORWARDED {
        // SAFETY: the handler only reads an atomic and calls kill.
        let _ = unsafe { signal::sigaction(sig, &action) };
    }
    let child = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => exec_error(&argv[0], NOT_FOUND),
            std::io::ErrorKind::PermissionDenied => exec_error(&argv[0], NOT_EXECUTABLE),
            _ => (
                Error::new(Kind::Io, format!("cannot start {}: {e}", argv[0])),
                NOT_EXECUTABLE,
            ),
        })?;
    adopt(child.id() as i32);
    Ok(child)
}

/// Waits for the child and turns its end into awsrun's exit code (128+N for a signal).
pub fn wait(mut child: std::process::Child) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    loop {
        match child.wait() {
            Ok(status) => {
                CHILD.store(0, Ordering::SeqCst);
                return status
                    .code()
                    .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return 1,
        }
    }
}
