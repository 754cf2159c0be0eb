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
//! Phase two adds 4 botocore processes that use the session the two ways awsrun offers other
//! tools: 2 run under `awsrun -p dev --` (botocore's container provider) and 2 use a profile whose
//! `credential_process` is `awsrun export -p dev`. 36 processes, not one failed credential fetch,
//! and the phase-one rules on refresh calls still hold.
//!
//! Phase three swaps those for 4 botocore processes reading the session straight from the cache
//! through botocore's own login provider, which takes no lock and refreshes over the network on
//! every call (6-second keys are always inside its 5-minute window). awsrun must keep working
//! while the token rotates behind its back. botocore's processes race each other and awsrun and
//! can lose: with no grace period, a lockless refresh that read the token a moment before another
//! process rotated it is refused. Those refusals are botocore's own; they are counted and
//! reported, and each must be the service refusing a rotated-out token, never an unreadable cache.
//!
//! Throughout, a sampler thread reads the cache file in a loop: it must parse as the complete
//! JSON document every time.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{assert_ok, login, venv_python, Emulator, Home, ALICE};

const LIFETIME: u64 = 6;
const THRESHOLD: u64 = 2;
const PHASE: Duration = Duration::from_secs(20);

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

/// botocore's default chain, for profile `argv[2]` if given, asked for credentials in a loop
/// until `argv[1]` seconds pass. Prints one JSON line per call: ok with the provider that
/// answered, or the exception's type and message.
const BOTOCORE_LOOP: &str = r#"
import json, sys, time, botocore.session
end = time.time() + float(sys.argv[1])
profile = sys.argv[2] if len(sys.argv) > 2 else None
s = botocore.session.Session(profile=profile)
while time.time() < end:
    try:
        c = s.get_credentials()
        f = c.get_frozen_credentials()
        print(json.dumps({"ok": True, "key": f.access_key, "method": c.method}), flush=True)
    except Exception as e:
        print(json.dumps({"ok": False, "type": type(e).__name__, "error": str(e)}), flush=True)
        s = botocore.session.Session(profile=profile)
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

/// How a botocore process gets at the session.
#[derive(Clone, Copy)]
enum Botocore {
    /// Under `awsrun -p dev --`: botocore's container provider asks awsrun's endpoint.
    UnderExec,
    /// Profile `shared`, whose `credential_process` is `awsrun export -p dev`.
    CredentialProcess,
    /// Profile `dev` itself: botocore's login provider reads and refreshes the cache, lockless.
    Direct,
}

impl Botocore {
    fn name(self) -> &'static str {
        match self {
            Botocore::UnderExec => "botocore under awsrun exec",
            Botocore::CredentialProcess => "botocore with credential_process = awsrun export",
            Botocore::Direct => "botocore reading the cache itself",
        }
    }

    /// botocore's name for the provider that must answer.
    fn method(self) -> &'static str {
        match self {
            Botocore::UnderExec => "container-role",
            Botocore::CredentialProcess => "custom-process",
            Botocore::Direct => "login",
        }
    }
}

fn botocore_worker(
    home: &Home,
    emu: &Emulator,
    how: Botocore,
    seconds: u64,
    tallies: Tallies,
) -> thread::JoinHandle<()> {
    let mut cmd = match how {
        Botocore::UnderExec => {
            let mut c = awsrun(home, emu, &["-p", "dev", "--"]);
            c.arg(venv_python());
            c
        }
        // The environment awsrun's own processes get, so `credential_process` runs awsrun with
        // the same endpoint and threshold.
        Botocore::CredentialProcess | Botocore::Direct => {
            let mut c = home.program(venv_python(), Some(&emu.base));
            c.env("AWSRUN_REFRESH_THRESHOLD", THRESHOLD.to_string());
            c
        }
    };
    cmd.arg(home.path("botocore_loop.py"))
        .arg(seconds.to_string());
    match how {
        Botocore::UnderExec => {}
        Botocore::CredentialProcess => {
            cmd.arg("shared");
        }
        Botocore::Direct => {
            cmd.arg("dev");
        }
    }
    thread::spawn(move || {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "the loop of {} crashed: {}",
            how.name(),
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let doc: Value = serde_json::from_str(line).unwrap();
            let r = if doc["ok"] != true {
                Err(format!("{}: {}", doc["type"], doc["error"]))
            } else if doc["method"] != how.method() {
                Err(format!(
                    "answered by {} instead of {}",
                    doc["method"],
                    how.method()
                ))
            } else {
                Ok(())
            };
            record(&tallies, how.name(), r);
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

/// The refresh calls of a stretch in which only awsrun refreshed: never a token presented twice,
/// and only for credentials that had reached the threshold, hence at most one call per set of
/// credentials issued.
fn assert_one_refresh_per_lifetime(log: &[Value], secs: u64, stretch: &str) {
    assert!(
        !log.is_empty(),
        "{stretch}: 6-second keys over {secs} s were refreshed"
    );
    let min_age = (LIFETIME - THRESHOLD - 1) * 1000;
    for e in log {
        assert_eq!(e["client"], "awsrun", "{stretch}: {e}");
        assert_eq!(
            e["ok"], true,
            "{stretch}: a refresh token was presented twice: {e}"
        );
        assert!(
            e["tokenAgeMs"].as_u64().unwrap() >= min_age,
            "{stretch}: an awsrun process refreshed credentials another had just renewed: {e}\n{log:#?}"
        );
    }
    assert!(
        log.len() as u64 <= secs / (LIFETIME - THRESHOLD - 1) + 1,
        "{stretch}: {} refreshes in {secs} s",
        log.len()
    );
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
    let config = home.read_config();
    home.write(
        ".aws/config",
        &format!(
            "{config}\n[profile shared]\ncredential_process = {} export -p dev\n",
            env!("CARGO_BIN_EXE_awsrun")
        ),
    );
    std::fs::write(home.path("fetch.sh"), FETCH_LOOP).unwrap();
    std::fs::write(home.path("botocore_loop.py"), BOTOCORE_LOOP).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let sampling = sampler(home.cache_path(ALICE), stop.clone());
    let awsrun_tally: Tallies = Arc::default();
    let mediated_tally: Tallies = Arc::default();
    let direct_tally: Tallies = Arc::default();

    let start = Instant::now();
    let total = PHASE * 3;
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

    // Phase two: botocore joins through awsrun.
    let two = Instant::now();
    let mediated: Vec<_> = [
        Botocore::UnderExec,
        Botocore::UnderExec,
        Botocore::CredentialProcess,
        Botocore::CredentialProcess,
    ]
    .into_iter()
    .map(|how| botocore_worker(&home, &emu, how, PHASE.as_secs(), mediated_tally.clone()))
    .collect();
    for w in mediated {
        w.join().unwrap();
    }
    let phase_two_secs = two.elapsed().as_secs() + 1;
    let after_two = stats_log(&emu);
    let phase_two = &after_two[phase_one.len()..];
    assert_eq!(failures(&awsrun_tally), Vec::<String>::new(), "phase two");

    // Phase three: botocore on its own, lockless.
    let left = until
        .saturating_duration_since(Instant::now())
        .as_secs()
        .max(5);
    let direct: Vec<_> = (0..4)
        .map(|_| botocore_worker(&home, &emu, Botocore::Direct, left, direct_tally.clone()))
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    for w in direct {
        w.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let (reads, bad) = sampling.join().unwrap();
    let all = stats_log(&emu);
    let phase_three = &all[after_two.len()..];

    eprintln!("awsrun: {}", summary(&awsrun_tally));
    eprintln!("phase two: {}", summary(&mediated_tally));
    eprintln!("phase three: {}", summary(&direct_tally));
    eprintln!("cache reads: {reads}");
    let by_client = |log: &[Value], kind: &str, ok: bool| {
        log.iter()
            .filter(|e| e["client"] == kind && e["ok"] == ok)
            .count()
    };
    eprintln!(
        "refresh calls: phase one ({phase_one_secs} s) {}, phase two ({phase_two_secs} s) {}; phase three: awsrun {} ok / {} refused, botocore {} ok / {} refused",
        phase_one.len(),
        phase_two.len(),
        by_client(phase_three, "awsrun", true),
        by_client(phase_three, "awsrun", false),
        by_client(phase_three, "botocore", true),
        by_client(phase_three, "botocore", false),
    );

    // No awsrun process failed a credential fetch, in any phase, and neither did botocore
    // while it went through awsrun.
    assert_eq!(failures(&awsrun_tally), Vec::<String>::new());
    assert_eq!(failures(&mediated_tally), Vec::<String>::new());
    for tally in [&awsrun_tally, &mediated_tally] {
        let t = tally.lock().unwrap();
        assert!(t.values().all(|t| t.ok > 0), "every kind of process ran");
    }
    assert_eq!(mediated_tally.lock().unwrap().len(), 2, "both ways ran");

    // The cache was the complete document at every read.
    assert!(reads > 1000, "the sampler read the cache {reads} times");
    assert_eq!(bad, Vec::<String>::new());

    // Phases one and two: the lock and the re-read under it held the refresh calls of 32, then
    // 36, processes to one per set of credentials.
    assert_one_refresh_per_lifetime(&phase_one, phase_one_secs, "phase one");
    assert_one_refresh_per_lifetime(phase_two, phase_two_secs, "phase two");

    // Phase three: botocore did refresh (it was really there), and whatever it refused was a
    // rotated-out token, never a cache it could not read.
    assert!(
        by_client(phase_three, "botocore", true) > 0,
        "{phase_three:#?}"
    );
    for f in failures(&direct_tally) {
        assert!(
            f.contains("LoginRefreshRequired") || f.contains("TOKEN_EXPIRED"),
            "botocore failed otherwise than by losing a refresh race: {f}"
        );
    }
    let refused_after = |kind: &str| {
        phase_three
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
    for e in phase_three.iter().filter(|e| e["ok"] == false) {
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
    let mut py = home
        .program(venv_python(), Some(&emu.base))
        .args(["-c", BOTOCORE_SLOW_SAVE, "1"])
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
