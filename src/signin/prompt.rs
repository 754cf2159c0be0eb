//! Questions on the terminal, asked only when stdin is one.

use std::io::{BufRead, IsTerminal, Write};

pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// Prints `question` on stderr and reads one line from stdin; `None` at end of input.
pub fn ask(question: &str) -> Option<String> {
    let mut err = std::io::stderr();
    let _ = err.write_all(question.as_bytes());
    let _ = err.flush();
    let mut line = String::new();
    let got = std::io::stdin().lock().read_line(&mut line);
    // A terminal echoed the user's newline; piped input did not, so end the prompt line here.
    if !stdin_is_terminal() {
        let _ = err.write_all(b"\n");
    }
    match got {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim().to_string()),
    }
}

/// A y/n question; anything but `y`/`yes` is no.
pub fn yes_no(question: &str) -> bool {
    matches!(
        ask(question).map(|a| a.to_ascii_lowercase()).as_deref(),
        Some("y") | Some("yes")
    )
}
