//! Crash-safe file writes. Every file awsrun writes (the login cache, `~/.aws/config`) goes
//! through here, so a kill at any instant leaves the complete old or the complete new file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Creates `dir` and its missing parents with mode 0700.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// A temporary file younger than this may belong to a write still under way in another PID
/// namespace (a container sharing the home directory), where its PID means nothing here.
const STALE_TEMP: Duration = Duration::from_secs(10);

/// Writes `data` to `path` through a temporary file in the same directory, fsync, rename, then
/// fsync of the directory. An existing file keeps its permission bits; a new one gets `mode`.
/// Temporary files that killed writers left beside `path` are removed afterwards: they hold
/// copies of secrets.
pub fn write_atomic(path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mode = match fs::metadata(path) {
        Ok(m) => m.permissions().mode() & 0o7777,
        Err(_) => mode,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.{}.{:016x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        // The umask may have narrowed the mode; set it exactly.
        f.set_permissions(fs::Permissions::from_mode(mode))?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    match result {
        Ok(()) => sweep_stale_temps(dir, &name),
        Err(_) => {
            let _ = fs::remove_file(&tmp);
        }
    }
    result
}

/// The PID in a temporary file name of ours for `name`: `.{name}.{pid}.{16 hex digits}.tmp`.
fn temp_owner(file: &str, name: &str) -> Option<i32> {
    let rest = file
        .strip_prefix('.')?
        .strip_prefix(name)?
        .strip_prefix('.')?
        .strip_suffix(".tmp")?;
    let (pid, rand) = rest.split_once('.')?;
    let hex = rand.len() == 16 && rand.bytes().all(|b| b.is_ascii_hexdigit());
    let digits = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    (hex && digits).then(|| pid.parse().ok()).flatten()
}

/// Removes temporary files for `name` in `dir` whose writer is gone. Best effort: a sweep that
/// fails costs nothing but disk.
fn sweep_stale_temps(dir: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file.to_str().and_then(|f| temp_owner(f, name)) else {
            continue;
        };
        let gone = pid > 0
            && matches!(
                nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
                Err(nix::errno::Errno::ESRCH)
            );
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > STALE_TEMP);
        if gone && old {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_mode_of_existing_file() {
        let dir = std::env::temp_dir().join(format!("awsrun-fsutil-{}", std::process::id()));
        ensure_private_dir(&dir).unwrap();
        let p = dir.join("f");
        write_atomic(&p, b"one", 0o600).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"two", 0o600).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temp file left behind"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sweeps_only_old_temp_files_of_dead_writers() {
        let dir = std::env::temp_dir().join(format!("awsrun-sweep-{}", std::process::id()));
        ensure_private_dir(&dir).unwrap();
        // A PID above the kernel's maximum (4194304) is never alive.
        let dead = 4_194_305 + rand::random::<u16>() as u32;
        let files = [
            (format!(".f.{dead}.0123456789abcdef.tmp"), true, false),
            (format!(".f.{dead}.fedcba9876543210.tmp"), false, true),
            (
                format!(".f.{}.0123456789abcdef.tmp", std::process::id()),
                true,
                true,
            ),
            (format!(".g.{dead}.0123456789abcdef.tmp"), true, true),
            (format!(".f.{dead}.0123.tmp"), true, true),
            ("notes.tmp".to_string(), true, true),
        ];
        let long_ago = SystemTime::now() - Duration::from_secs(60);
        for (file, old, _) in &files {
            let f = File::create(dir.join(file)).unwrap();
            if *old {
                f.set_modified(long_ago).unwrap();
            }
        }
        write_atomic(&dir.join("f"), b"x", 0o600).unwrap();
        for (file, _, kept) in &files {
            assert_eq!(dir.join(file).exists(), *kept, "{file}");
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
