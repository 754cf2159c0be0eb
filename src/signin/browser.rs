//! Opening the sign-in page. `$BROWSER` first, read as Python's `webbrowser` (and so the AWS CLI)
//! reads it: a `:`-separated list of commands, `%s` replaced by the URL (else the URL appended);
//! then the desktop's opener.

use std::process::{Command, Stdio};

/// Starts a browser on `url`; false if nothing could be started. Never waits for the browser.
pub fn open(url: &str, browser_var: Option<&str>) -> bool {
    if let Some(list) = browser_var.filter(|v| !v.trim().is_empty()) {
        for entry in list.split(':').filter(|e| !e.trim().is_empty()) {
            if spawn(entry, url) {
                return true;
            }
        }
    }
    open::that_detached(url).is_ok()
}

fn spawn(entry: &str, url: &str) -> bool {
    let Some(mut words) = shell_words::split(entry).ok().filter(|w| !w.is_empty()) else {
        return false;
    };
    if entry.contains("%s") {
        for w in &mut words {
            *w = w.replace("%s", url);
        }
    } else {
        words.push(url.to_string());
    }
    let child = Command::new(&words[0])
        .args(&words[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn();
    match child {
        Ok(mut c) => {
            // Reap it whenever it ends, without blocking the login.
            std::thread::spawn(move || {
                let _ = c.wait();
            });
            true
        }
        Err(_) => false,
    }
}
