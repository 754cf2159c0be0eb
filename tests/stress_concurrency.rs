//! Many processes, one login session. The emulator issues 6-second credentials and rejects a
//! rotated-out refresh token at once (`--refresh-grace 0`), so a refresh made with a stale token
//! fails and a session can be lost by two refreshes racing. 32 awsrun processes share the
//! session: 12 `awsrun -p dev -- <loop fetching the container endpoint>`, 12 loops of
//! `awsrun export -p dev` and 8 loops of `awsrun -p dev prompt`, with the refresh threshold made
//! short (`AWSRUN_REFRESH_THRESHOLD=2`).
//!
//! Phase one is awsrun alone. Every refresh call the emulator sees must come from a token whose
//! credentials had reached the threshold: a refresh token is at least `LIFETIME - THRESHOLD - 1`
//! seconds old when presented (the second is the rounding of `expiresAt`), so no refresh is made
//! for credentials another process has just renewed, and no token is presented twice. Together
//! the 32 processes thus make at most one refresh call per set of credentials issued: the lock
//! and the re-read under it do their work rather than merely avoid errors.
//!
//! Phase two adds 4 botocore processes refreshing the same session through botocore's own login
//! provider, which takes no lock and refreshes on every call (6-second keys are always inside
//! its 10-minute mandatory window). awsrun must keep working while the token rotates behind its
//! back. botocore's processes race each other (they share no lock); their calls are counted and
//! each failure must be the service refusing a token another botocore process had rotated out,
//! never an unreadable cache.
//!
//! Throughout, a sampler thread reads the cache file in a loop: it must parse as the complete
//! JSON document every time.

mod login_support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use login_support::{assert_ok, login, venv_python, Emulator, Home, ALICE};
use serde_json::Value;

const LIFETIME: u64 = 6;
const THRESHOLD: u64 = 2;
const PHASE: Duration = Duration::from_secs(25);

/// The child under `awsrun exec`: fetches the container endpoint every 100 ms until `$1` seconds
/// have passed; prints `OK <unix time> <Expiration>` per fetch, `FAIL ...` and exits 1 on error.
const FETCH_LOOP: &str = r#"
end=$(( $(date +%s) + $1 ))
while [ "$(date +%s)" -lt "$end" ]; do
  body=$(curl -sS --max-time 20 -w '\n%{http_code}' -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONTAINER_CREDENTIALS_FULL_URI") || { echo "FAIL curl"; exit 1; }
  code=$(printf '%s\n' "$body" | tail -n 1)
  [ "$code" = 200 ] || { echo "FAIL HTTP $code: $body"; exit 1; }
  exp=$(printf '%s\n' "$body" | sed -n 's/.*"Expiration":"\([^"]*\)".*/\1/p')
  echo "OK $(date +%s) $exp"
  sleep 0.1
done
"#;

/// botocore's login provider for profile dev, called in a loop until `argv[1]` seconds pass.
/// Prints one JSON line per call: ok, or the exception's type and message.
const BOTOCORE_LOOP: &str = r#"
import json, sys, time, botocore.session
end = time.time() + float(sys.argv[1])
s = botocore.session.Session(profile="dev")
while time.time() < end:
    try:
        f = s.get_credentials().get_frozen_credentials()
        print(json.dumps({"ok": True, "key": f.access_key}), flush=True)
    except Exception as e:
        print(json.dumps({"ok": False, "type": type(e).__name__, "error": str(e)}), flush=True)
        s = botocore.session.Session(profile="dev")
    time.sleep(0.3)
"#;

#[derive(Default)]
struct Tally {
    ok: u64,
    failures: Vec<String>,
}

type Tallies = Arc<Mutex<BTreeMap<String, Tally>>>;

fn record(t: &Tallies, who: &str, result: Result<(), String>) {
    let mut m = t.lock().unwrap();
    let e = m.entry(who.to_string()).or_default();
    match result {
        Ok(()) => e.ok += 1,
        Err(why) => e.failures.push(why),
    }
}

fn awsrun(home: &Home, emu: &Emulator, args: &[&str]) -> Command {
    let mut c = home.awsrun(Some(&emu.base), args);
    c.env("AWSRUN_REFRESH_THRESHOLD", THRESHOLD.to_string());
    c
}

/// Unexpired at `now`: an ISO 8601 time later than `now`.
fn unexpired(expiration: &str, now: i64) -> Result<(), String> {
    match awsrun::time::parse_iso8601(expiration) {
        Some(e) if e > now => Ok(()),
        Some(_) => Err(format!(
            "expired credentials handed out: {expiration} at {now}"
        )),
        None => Err(format!("unreadable Expiration {expiration:?}")),
    }
}

fn exec_worker(
    home: &Home,
    emu: &Emulator,
    seconds: u64,
    tallies: Tallies,
) -> thread::JoinHandle<()> {
    let script = home.path("fetch.sh");
    let mut cmd = awsrun(home, emu, &["-p", "dev", "--", "/bin/sh"]);
    cmd.arg(script).arg(seconds.to_string());
    thread::spawn(move || {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        for line in out.lines() {
            let line = line.unwrap();
            let r = match line.strip_prefix("OK ").and_then(|l| l.split_once(' ')) {
                Some((now, exp)) => unexpired(exp, now.parse().unwrap_or(i64::MAX)),
                None => Err(line.clone()),
            };
            record(&tallies, "exec fetch", r);
        }
        let out = child.wait_with_output().unwrap();
        let r = if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "awsrun exec ended {:?}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ))
        };
        record(&tallies, "exec process", r);
    })
}

fn loop_worker(
    home: &Home,
    emu: &Emulator,
    args: &'static [&'static str],
    until: Instant,
    tallies: Tallies,
) -> thread::JoinHandle<()> {
    let make = {
        let dir = home.dir.clone();
        let base = emu.base.clone();
        move || {
            let mut c = Command::new(env!("CARGO_BIN_EXE_awsrun"));
            c.args(args)
                .env_clear()
                .env("HOME", &dir)
                .env("PATH", "/usr/bin:/bin")
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .env("AWS_ENDPOINT_URL_SIGNIN", &base)
                .env("AWSRUN_REFRESH_THRESHOLD", THRESHOLD.to_string());
            c
        }
    };
    thread::spawn(move || {
        let who = format!("awsrun {}", args.join(" "));
        while Instant::now() < until {
            let out = make().output().unwrap();
            let now = awsrun::time::now();
            let r = if !out.status.success() {
                Err(format!(
                    "exit {:?}: {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                ))
            } else if args.contains(&"export") {
                let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
                match doc["Expiration"].as_str() {
                    Some(e) => unexpired(e, now),
                    None => Err(format!("no Expiration in {doc}")),
                }
            } else if out.stdout.is_empty() {
                Err("the prompt printed nothing".into())
            } else {
                Ok(())
            };
            record(&tallies, &who, r);
        }
    })
}

fn botocore_worker(
    home: &Home,
    emu: &Emulator,
    seconds: u64,
    tallies: Tallies,
) -> thread::JoinHandle<()> {
    let script = home.path("botocore_loop.py");
    let mut cmd = Command::new(venv_python());
    cmd.arg(script)
        .arg(seconds.to_string())
        .env_clear()
        .env("HOME", &home.dir)
        .env("PATH", "/usr/bin:/bin")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_SIGNIN", &emu.base);
    thread::spawn(move || {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "the botocore loop crashed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let doc: Value = serde_json::from_str(line).unwrap();
            let r = if doc["ok"] == true {
                Ok(())
            } else {
                Err(format!("{}: {}", doc["type"], doc["error"]))
            };
            record(&tallies, "botocore", r);
        }
    })
}

/// Reads the cache in a loop until stopped; returns (reads, problems).
fn sampler(
    path: std::path::PathBuf,
    stop: Arc<AtomicBool>,
) -> thread::JoinHandle<(u64, Vec<String>)> {
    thread::spawn(move || {
        let (mut reads, mut bad) = (0u64, Vec::new());
        while !stop.load(Ordering::Relaxed) {
            match std::fs::read(&path) {
                Ok(bytes) => {
                    reads += 1;
                    match serde_json::from_slice::<Value>(&bytes) {
                        Ok(doc)
                            if doc["accessToken"]["secretAccessKey"].is_string()
                                && doc["refreshToken"].is_string()
                                && doc["dpopKey"].is_string() => {}
                        Ok(_) => bad.push("a cache without its required fields".into()),
                        Err(e) => bad.push(format!("not JSON ({e}), {} bytes", bytes.len())),
                    }
                }
                Err(e) => bad.push(format!("unreadable: {e}")),
            }
            thread::sleep(Duration::from_millis(2));
        }
        (reads, bad)
    })
}

fn stats_log(emu: &Emulator) -> Vec<Value> {
    emu.stats()["refreshLog"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn failures(t: &Tallies) -> Vec<String> {
    t.lock()
        .unwrap()
        .iter()
        .flat_map(|(who, t)| t.failures.iter().map(move |f| format!("{who}: {f}")))
        .collect()
}

fn summary(t: &Tallies) -> String {
    t.lock()
        .unwrap()
        .iter()
        .map(|(who, t)| format!("{who}: {} ok, {} failed", t.ok, t.failures.len()))
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn thirty_two_awsrun_processes_and_four_botocore_processes_share_a_rotating_session() {
    let home = Home::new("stress-concurrency");
    let emu = Emulator::start(&[
        "--credential-lifetime",
        &LIFETIME.to_string(),
        "--refresh-grace",
        "0",
    ]);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "dev", "--region", "us-east-1"],
        0,
    ));
    std::fs::write(home.path("fetch.sh"), FETCH_LOOP).unwrap();
    std::fs::write(home.path("botocore_loop.py"), BOTOCORE_LOOP).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let sampling = sampler(home.cache_path(ALICE), stop.clone());
    let awsrun_tally: Tallies = Arc::default();
    let botocore_tally: Tallies = Arc::default();

    let start = Instant::now();
    let total = PHASE * 2;
    let until = start + total;
    let mut workers = Vec::new();
    for _ in 0..12 {
        workers.push(exec_worker(
            &home,
            &emu,
            total.as_secs(),
            awsrun_tally.clone(),
        ));
    }
    for _ in 0..12 {
        workers.push(loop_worker(
            &home,
            &emu,
            &["export", "-p", "dev"],
            until,
            awsrun_tally.clone(),
        ));
    }
    for _ in 0..8 {
        workers.push(loop_worker(
            &home,
            &emu,
            &["-p", "dev", "prompt"],
            until,
            awsrun_tally.clone(),
        ));
    }

    // Phase one: awsrun alone.
    thread::sleep(PHASE);
    let phase_one = stats_log(&emu);
    let phase_one_secs = start.elapsed().as_secs();
    assert_eq!(failures(&awsrun_tally), Vec::<String>::new(), "phase one");

    // Phase two: botocore joins.
    let left = until
        .saturating_duration_since(Instant::now())
        .as_secs()
        .max(5);
    let botocore: Vec<_> = (0..4)
        .map(|_| botocore_worker(&home, &emu, left, botocore_tally.clone()))
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    for w in botocore {
        w.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let (reads, bad) = sampling.join().unwrap();
    let all = stats_log(&emu);
    let phase_two = &all[phase_one.len()..];

    eprintln!("awsrun: {}", summary(&awsrun_tally));
    eprintln!("botocore: {}", summary(&botocore_tally));
    eprintln!("cache reads: {reads}");
    let by_client = |log: &[Value], kind: &str, ok: bool| {
        log.iter()
            .filter(|e| e["client"] == kind && e["ok"] == ok)
            .count()
    };
    eprintln!(
        "phase one ({phase_one_secs} s): {} awsrun refreshes; phase two: awsrun {} ok / {} refused, botocore {} ok / {} refused",
        phase_one.len(),
        by_client(phase_two, "awsrun", true),
        by_client(phase_two, "awsrun", false),
        by_client(phase_two, "botocore", true),
        by_client(phase_two, "botocore", false),
    );

    // No awsrun process failed a credential fetch, in either phase.
    assert_eq!(failures(&awsrun_tally), Vec::<String>::new());
    let t = awsrun_tally.lock().unwrap();
    assert!(t.values().all(|t| t.ok > 0), "every kind of process ran");
    drop(t);

    // The cache was the complete document at every read.
    assert!(reads > 1000, "the sampler read the cache {reads} times");
    assert_eq!(bad, Vec::<String>::new());

    // Phase one: only awsrun refreshed, never with a token refused, and only credentials that
    // had reached the threshold.
    assert!(
        !phase_one.is_empty(),
        "6-second keys over 25 s were refreshed"
    );
    let min_age = (LIFETIME - THRESHOLD - 1) * 1000;
    for e in &phase_one {
        assert_eq!(e["client"], "awsrun", "{e}");
        assert_eq!(e["ok"], true, "a refresh token was presented twice: {e}");
        assert!(
            e["tokenAgeMs"].as_u64().unwrap() >= min_age,
            "an awsrun process refreshed credentials another had just renewed: {e}\n{phase_one:#?}"
        );
    }
    // Hence at most one refresh per credentials issued.
    assert!(
        phase_one.len() as u64 <= phase_one_secs / (LIFETIME - THRESHOLD - 1) + 1,
        "{} refreshes in {phase_one_secs} s",
        phase_one.len()
    );

    // Phase two: botocore did refresh (it was really there), and whatever it refused was a
    // rotated-out token, never a cache it could not read.
    assert!(by_client(phase_two, "botocore", true) > 0, "{phase_two:#?}");
    for f in failures(&botocore_tally) {
        assert!(
            f.contains("LoginRefreshRequired") || f.contains("TOKEN_EXPIRED"),
            "botocore failed otherwise than by losing a refresh race: {f}"
        );
    }
    let refused_after = |kind: &str| {
        phase_two
            .iter()
            .filter(|e| {
                e["client"] == "botocore" && e["ok"] == false && e["redeemedBefore"] == kind
            })
            .count()
    };
    eprintln!(
        "botocore refusals: token already redeemed by botocore {}, by awsrun {}",
        refused_after("botocore"),
        refused_after("awsrun")
    );
    for e in phase_two.iter().filter(|e| e["ok"] == false) {
        assert!(
            e["error"].as_str().unwrap_or("").contains("rotated out"),
            "{e}"
        );
    }

    // The session survived: awsrun still gets keys from it.
    let out = awsrun(&home, &emu, &["export", "-p", "dev"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// botocore's login refresh, with its cache write held back `argv[1]` seconds after the service
/// answered: the window in which a tool that takes no lock has rotated the token but not yet
/// saved the new one. Prints `rotated` when the service has answered.
const BOTOCORE_SLOW_SAVE: &str = r#"
import json, sys, time, botocore.session, botocore.utils
save = botocore.utils.LoginTokenLoader.save_token
def slow_save(self, name, token):
    print("rotated", flush=True)
    time.sleep(float(sys.argv[1]))
    save(self, name, token)
botocore.utils.LoginTokenLoader.save_token = slow_save
f = botocore.session.Session(profile="dev").get_credentials().get_frozen_credentials()
print(json.dumps({"key": f.access_key}), flush=True)
"#;

#[test]
fn a_refresh_refused_because_botocore_just_rotated_the_token_waits_for_its_write() {
    let home = Home::new("stress-slow-save");
    let emu = Emulator::start(&["--credential-lifetime", "120", "--refresh-grace", "0"]);
    assert_ok(&login(
        &home,
        &emu,
        &["-p", "dev", "--region", "us-east-1"],
        0,
    ));
    let mut py = Command::new(venv_python())
        .args(["-c", BOTOCORE_SLOW_SAVE, "1"])
        .env_clear()
        .env("HOME", &home.dir)
        .env("PATH", "/usr/bin:/bin")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_SIGNIN", &emu.base)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(py.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "rotated");

    // The cache still holds the token botocore just used up; awsrun's refresh with it is
    // refused, and awsrun carries on from botocore's token once it lands.
    let out = home
        .awsrun(Some(&emu.base), &["export", "-p", "dev"])
        .env("AWSRUN_REFRESH_THRESHOLD", "100000")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let botocore: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert!(py.wait().unwrap().success());
    let exported: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(exported["AccessKeyId"], botocore["key"]);

    let log = stats_log(&emu);
    let outcomes: Vec<(&str, bool)> = log
        .iter()
        .map(|e| (e["client"].as_str().unwrap(), e["ok"] == true))
        .collect();
    assert_eq!(
        outcomes,
        [("botocore", true), ("awsrun", false), ("awsrun", true)],
        "{log:#?}"
    );
    // The newest token is in the cache: the session goes on.
    let again = home
        .awsrun(Some(&emu.base), &["export", "-p", "dev"])
        .env("AWSRUN_REFRESH_THRESHOLD", "100000")
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
