//! Crash consistency: awsrun is killed with SIGKILL at random instants (seeded; set
//! `STRESS_SEED` to replay) while it refreshes a session, while it logs in, and while login edits
//! a config file full of comments and CRLF line ends. After every kill the cache and the config
//! are byte for byte the complete old version or the complete new one, never a mix or a prefix.
//! Temporary files (`.NAME.PID.RAND.tmp`, fsutil's) may stay behind after a SIGKILL; they never
//! take the real file's place, and the next write removes those of dead writers once they are
//! old enough not to belong to a write under way elsewhere.

mod support;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use serde_json::Value;
use support::{assert_ok, login, Emulator, Home, Running, ALICE};

/// Kills required per scenario (two scenarios, so at least 200 in all).
const KILLS: usize = 100;

fn seed() -> u64 {
    let s = std::env::var("STRESS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_c0de);
    eprintln!("STRESS_SEED={s}");
    s
}

fn sigkill(pid: u32) {
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
}

fn read(p: &Path) -> Option<Vec<u8>> {
    std::fs::read(p).ok()
}

/// A complete cache document as awsrun writes it: JSON that re-encodes to the very same bytes,
/// with every field a reader needs.
fn assert_complete_cache(bytes: &[u8], issued: &BTreeSet<String>, when: &str) -> Value {
    let doc: Value = serde_json::from_slice(bytes).unwrap_or_else(|e| {
        panic!(
            "{when}: the cache is not JSON ({e}): {}",
            String::from_utf8_lossy(bytes)
        )
    });
    assert_eq!(
        serde_json::to_string(&doc).unwrap().as_bytes(),
        bytes,
        "{when}: the cache is not exactly one encoded document"
    );
    for f in ["refreshToken", "dpopKey", "clientId", "idToken"] {
        assert!(doc[f].is_string(), "{when}: the cache lacks {f}");
    }
    let akid = doc["accessToken"]["accessKeyId"].as_str().unwrap();
    assert!(
        issued.contains(akid),
        "{when}: {akid} was not issued by the emulator"
    );
    assert!(doc["dpopKey"]
        .as_str()
        .unwrap()
        .ends_with("-----END EC PRIVATE KEY-----\n"));
    doc
}

fn issued(emu: &Emulator) -> BTreeSet<String> {
    emu.stats()["issuedAccessKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Only the real files, the lock and fsutil's temporary files are in `dir`.
fn assert_no_stray_files(dir: &Path, real: &[&str]) -> usize {
    let mut temps = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if real.contains(&name.as_str()) || e.path().is_dir() {
            continue;
        }
        let temp = real.iter().any(|r| {
            name.strip_prefix(&format!(".{r}."))
                .and_then(|rest| rest.strip_suffix(".tmp"))
                .and_then(|rest| rest.split_once('.'))
                .is_some_and(|(pid, rand)| {
                    pid.bytes().all(|b| b.is_ascii_digit())
                        && rand.len() == 16
                        && rand.bytes().all(|b| b.is_ascii_hexdigit())
                })
        });
        assert!(temp, "unexpected file {} left in {}", name, dir.display());
        temps += 1;
    }
    temps
}

/// Makes the temporary files in `dir` look a minute old, as they will once time has passed.
fn age_temps(dir: &Path) {
    let long_ago = std::time::SystemTime::now() - Duration::from_secs(60);
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_name().to_string_lossy().ends_with(".tmp") {
            let f = std::fs::File::options()
                .append(true)
                .open(e.path())
                .unwrap();
            f.set_modified(long_ago).unwrap();
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
fn killing_a_refresh_leaves_the_old_or_the_new_cache() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed());
    let home = Home::new("crash-refresh");
    // Long grace: a kill after the service rotated the token but before the cache was written
    // leaves the previous token, which must still work for the next round.
    let emu = Emulator::start(&["--refresh-grace", "3600"]);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "dev", "--region", "us-east-1"],
        0,
    ));
    let cache = home.cache_path(ALICE);
    // Every export refreshes: the threshold is longer than the credentials' lifetime.
    let export = || {
        let mut c = home.awsrun(Some(&emu.base), &["export", "-p", "dev"]);
        c.env("AWSRUN_REFRESH_THRESHOLD", "100000")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c
    };
    let took: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let out = export().output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            t.elapsed()
        })
        .collect();
    let window = median(took).as_micros() as u64 * 6 / 5;

    let (mut kills, mut old_kept, mut new_written, mut rounds) = (0, 0, 0, 0);
    while kills < KILLS {
        rounds += 1;
        assert!(
            rounds < KILLS * 4,
            "too few kills landed: {kills} in {rounds}"
        );
        let before = read(&cache).unwrap();
        let old: Value = serde_json::from_slice(&before).unwrap();
        let mut child = export().spawn().unwrap();
        std::thread::sleep(Duration::from_micros(rng.gen_range(0..window)));
        let running = child.try_wait().unwrap().is_none();
        sigkill(child.id());
        let status = child.wait().unwrap();
        if running {
            kills += 1;
        } else {
            assert!(
                status.success(),
                "export failed before the kill: {status:?}"
            );
        }
        let after = read(&cache).expect("the cache file is never missing");
        if after == before {
            old_kept += 1;
            continue;
        }
        new_written += 1;
        let when = format!("round {rounds}");
        let new = assert_complete_cache(&after, &issued(&emu), &when);
        // A refresh rewrites the keys and the refresh token, nothing else.
        for (k, v) in old.as_object().unwrap() {
            if k != "accessToken" && k != "refreshToken" {
                assert_eq!(&new[k], v, "{when}: {k} changed");
            }
        }
        assert_eq!(
            new["accessToken"]["accountId"],
            old["accessToken"]["accountId"]
        );
        assert_ne!(new["refreshToken"], old["refreshToken"]);
    }
    eprintln!(
        "refresh: {kills} kills in {rounds} rounds (window {window} us): old kept {old_kept}, new written {new_written}"
    );
    let temps = assert_no_stray_files(
        cache.parent().unwrap(),
        &[
            cache.file_name().unwrap().to_str().unwrap(),
            &format!("{}.lock", cache.file_name().unwrap().to_str().unwrap()),
        ],
    );
    eprintln!("refresh: {temps} temporary files left by kills");
    // And the session goes on; its next write clears what the killed writers left.
    age_temps(cache.parent().unwrap());
    let out = export().output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cache_name = cache.file_name().unwrap().to_str().unwrap();
    assert_eq!(
        assert_no_stray_files(
            cache.parent().unwrap(),
            &[cache_name, &format!("{cache_name}.lock")]
        ),
        0
    );
}

/// GET without panicking when the other side dies mid-answer.
fn get_quietly(url: &str) {
    let rest = url.strip_prefix("http://").unwrap();
    let (hostport, path) = rest.split_at(rest.find('/').unwrap());
    if let Ok(mut s) = TcpStream::connect(hostport) {
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        let _ = write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\n\r\n"
        );
        let _ = s.read_to_end(&mut Vec::new());
    }
}

const CONFIG: &str = "# AWS config, hand-edited\r\n[default]\r\nregion = eu-west-1 ; keep this\r\n\r\n# profiles for the team\r\n[profile shared]\r\n# note: uses SSO elsewhere\r\noutput = json\r\n\r\n";

#[test]
fn killing_a_login_leaves_the_old_or_the_new_cache_and_config() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed() ^ 1);
    let home = Home::new("crash-login");
    let emu = Emulator::start(&[]);
    home.write(".aws/config", CONFIG);
    let config = home.path(".aws/config");
    let cache = home.cache_path(ALICE);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "first", "--region", "us-east-1"],
        0,
    ));

    // Each round signs in to a new profile, so each round's config edit adds its section.
    let mut round = 0;
    let start_login = |profile: &str| {
        let mut run = Running::spawn(home.awsrun(
            Some(&emu.base),
            &[
                "login",
                "--no-browser",
                "-p",
                profile,
                "--region",
                "us-east-1",
            ],
        ));
        let url = run.authorize_url(&emu.base);
        let callback = emu.approve(&url, Some(0));
        (run, callback)
    };
    let took: Vec<Duration> = (0..3)
        .map(|_| {
            round += 1;
            let (run, callback) = start_login(&format!("p{round}"));
            let t = Instant::now();
            get_quietly(&callback);
            let f = run.finish();
            assert_ok(&f);
            t.elapsed()
        })
        .collect();
    let window = median(took).as_micros() as u64 * 6 / 5;

    let (mut kills, mut rounds) = (0, 0);
    let (mut config_new, mut cache_new) = (0, 0);
    while kills < KILLS {
        rounds += 1;
        assert!(
            rounds < KILLS * 4,
            "too few kills landed: {kills} in {rounds}"
        );
        round += 1;
        let profile = format!("p{round}");
        let cache_before = read(&cache).unwrap();
        let config_before = String::from_utf8(read(&config).unwrap()).unwrap();
        let config_after = awsrun::awsfiles::ini::set_value(
            &config_before,
            &format!("profile {profile}"),
            "login_session",
            ALICE,
        )
        .unwrap();
        let (mut run, callback) = start_login(&profile);
        let pid = run.pid();
        let hit = std::thread::spawn(move || get_quietly(&callback));
        std::thread::sleep(Duration::from_micros(rng.gen_range(0..window)));
        let running = Path::new(&format!("/proc/{pid}")).exists()
            && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .unwrap_or_default()
                .contains(") Z ");
        sigkill(pid);
        run.kill();
        let f = run.finish();
        hit.join().unwrap();
        if running && !f.status.success() {
            kills += 1;
        } else {
            assert_ok(&f);
        }

        let when = format!("round {rounds} ({profile})");
        let cache_now = read(&cache).expect("the cache file is never missing");
        let config_now = read(&config).expect("the config file is never missing");
        let cache_changed = cache_now != cache_before;
        if cache_changed {
            cache_new += 1;
            assert_complete_cache(&cache_now, &issued(&emu), &when);
        }
        if config_now == config_before.as_bytes() {
            continue;
        }
        assert_eq!(
            String::from_utf8_lossy(&config_now),
            config_after,
            "{when}: the config is neither the old nor the new version"
        );
        config_new += 1;
        assert!(
            cache_changed,
            "{when}: the config names a session whose cache was not written first"
        );
    }
    eprintln!(
        "login: {kills} kills in {rounds} rounds (window {window} us): new cache {cache_new}, new config {config_new}"
    );
    // The hand-written lines and line ends are all still there.
    let text = String::from_utf8(read(&config).unwrap()).unwrap();
    assert!(
        text.starts_with(CONFIG.trim_end_matches("\r\n")),
        "{text:?}"
    );
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "only CRLF line ends: {text:?}"
    );
    let temps = assert_no_stray_files(&home.path(".aws"), &["config"])
        + assert_no_stray_files(
            cache.parent().unwrap(),
            &[
                cache.file_name().unwrap().to_str().unwrap(),
                &format!("{}.lock", cache.file_name().unwrap().to_str().unwrap()),
            ],
        );
    eprintln!("login: {temps} temporary files left by kills");

    // The next login clears what the killed writers left, in both directories.
    age_temps(&home.path(".aws"));
    age_temps(cache.parent().unwrap());
    let (run, callback) = start_login("after");
    get_quietly(&callback);
    assert_ok(&run.finish());
    let cache_name = cache.file_name().unwrap().to_str().unwrap();
    assert_eq!(
        assert_no_stray_files(&home.path(".aws"), &["config"])
            + assert_no_stray_files(
                cache.parent().unwrap(),
                &[cache_name, &format!("{cache_name}.lock")]
            ),
        0
    );
}
