//! Replays every kept fuzz corpus file (fuzz/corpus/TARGET/*) through the same checks the
//! libFuzzer targets run (fuzz/checks.rs), on stable, in `cargo test`: what the fuzzers once
//! found interesting stays covered.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            // A fuzzer running on the corpus replaces files as it reduces them.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        let name = path.display().to_string();
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            panic!("{target}: {name} fails its check");
        }
        n += 1;
    }
    assert!(n > 0, "no corpus for {target}");
}

#[test]
fn ini_parser_and_editor() {
    replay("ini", checks::ini);
}

#[test]
fn cache_reader() {
    replay("cache", checks::cache);
}

#[test]
fn pasted_remote_code() {
    replay("remote_code", checks::remote_code);
}

#[test]
fn id_token_decoder() {
    replay("id_token", checks::id_token);
}

#[test]
fn callback_request_handling() {
    replay("callback", checks::callback);
}

#[test]
fn credential_endpoint_admission() {
    replay("endpoint", checks::endpoint);
}
