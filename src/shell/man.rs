//! `awsrun man [--out DIR]`: roff pages from the same clap definition the parser uses. Without
//! `--out` it prints awsrun(1); with it, it writes awsrun.1 and awsrun-SUBCOMMAND.1 pages.

use std::path::Path;

use crate::error::{Error, Kind, Result};

/// Every page as (file name, roff), awsrun.1 first.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    let mut cmd = crate::cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = vec![page(&cmd)];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        out.push(page(sub));
    }
    out
}

fn page(cmd: &clap::Command) -> (String, Vec<u8>) {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut roff = Vec::new();
    // Rendering into memory cannot fail.
    let _ = man.render(&mut roff);
    (man.get_filename(), roff)
}

/// Writes every page into `dir` (created if missing), each atomically.
pub fn write_pages(dir: &Path) -> Result<Vec<String>> {
    let io = |what: &str, p: &Path, e: std::io::Error| {
        Error::new(Kind::Io, format!("Unable to {what} {}: {e}", p.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| io("create the directory", dir, e))?;
    let mut names = Vec::new();
    for (name, roff) in pages() {
        let path = dir.join(&name);
        crate::fsutil::write_atomic(&path, &roff, 0o644).map_err(|e| io("write", &path, e))?;
        names.push(name);
    }
    Ok(names)
}

pub fn run(args: &crate::cli::ManArgs) -> i32 {
    use std::io::Write;
    match &args.out {
        Some(dir) => match write_pages(dir) {
            Ok(names) => {
                for n in names {
                    println!("{}", dir.join(n).display());
                }
                0
            }
            Err(e) => crate::app::report(e, 1),
        },
        None => {
            let (_, roff) = pages().swap_remove(0);
            let _ = std::io::stdout().write_all(&roff);
            0
        }
    }
}
