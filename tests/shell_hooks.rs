//! The prompt segment in real interactive bash, zsh and fish, each run under tmux with the hook
//! loaded from its rc file the way the README says.

mod support;

use support::{now, shell_path, strip_ansi, Home, TempDir, Tmux, AWSRUN};

#[derive(Clone, Copy, PartialEq)]
enum Sh {
    Bash,
    Zsh,
    Fish,
}

/// A started shell, with the files that configure it.
struct Session {
    tmux: Tmux,
    _conf: TempDir,
}

/// How the user loads the hook: the rc lines from the hook's own comments, or `--prompt`.
fn rc(sh: Sh, with_prompt_flag: bool, times: usize) -> String {
    let flag = if with_prompt_flag { " --prompt" } else { "" };
    let mut text = match sh {
        Sh::Bash => "PS1='$ '\n".to_string(),
        Sh::Zsh => "PROMPT='$ '\n".to_string(),
        Sh::Fish => "set -g fish_greeting\nfunction fish_prompt; printf '$ '; end\n".to_string(),
    };
    for _ in 0..times {
        text += &match sh {
            Sh::Bash => format!("eval \"$('{AWSRUN}' hook bash{flag})\"\n"),
            Sh::Zsh => format!("eval \"$('{AWSRUN}' hook zsh{flag})\"\n"),
            Sh::Fish => format!("'{AWSRUN}' hook fish{flag} | source\n"),
        };
    }
    if !with_prompt_flag {
        text += match sh {
            Sh::Bash => "PS1='${AWSRUN_SEGMENT}'$PS1\n",
            Sh::Zsh => "setopt prompt_subst; PROMPT='${AWSRUN_SEGMENT}'$PROMPT\n",
            Sh::Fish => "function fish_right_prompt; awsrun_segment; end\n",
        };
    }
    text
}

fn start_with(sh: Sh, home: &Home, env: &[(&str, String)], rc_text: &str, width: u16) -> Session {
    start_wrapped(sh, home, env, rc_text, width, &[])
}

/// Like start_with, with the shell run by `wrapper` (such as `awsrun -p dev --`).
fn start_wrapped(
    sh: Sh,
    home: &Home,
    env: &[(&str, String)],
    rc_text: &str,
    width: u16,
    wrapper: &[&str],
) -> Session {
    let conf = TempDir::new("rc");
    let mut vars: Vec<(String, String)> = vec![
        ("HOME".into(), home.dir.display().to_string()),
        ("PATH".into(), "/usr/bin:/bin".into()),
    ];
    vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let argv: Vec<String> = match sh {
        Sh::Bash => {
            let rc = conf.path().join("bashrc");
            std::fs::write(&rc, rc_text).unwrap();
            let bash = shell_path("bash");
            vec![
                bash,
                "--noprofile".into(),
                "--rcfile".into(),
                rc.display().to_string(),
                "-i".into(),
            ]
        }
        Sh::Zsh => {
            std::fs::write(conf.path().join(".zshrc"), rc_text).unwrap();
            vars.push(("ZDOTDIR".into(), conf.path().display().to_string()));
            vec![shell_path("zsh"), "-i".into()]
        }
        Sh::Fish => {
            std::fs::create_dir_all(conf.path().join("fish")).unwrap();
            std::fs::write(conf.path().join("fish/config.fish"), rc_text).unwrap();
            vars.push(("XDG_CONFIG_HOME".into(), conf.path().display().to_string()));
            vec![shell_path("fish"), "-i".into()]
        }
    };
    let vars_ref: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let argv_ref: Vec<&str> = wrapper
        .iter()
        .copied()
        .chain(argv.iter().map(String::as_str))
        .collect();
    Session {
        tmux: Tmux::start(&argv_ref, &vars_ref, width),
        _conf: conf,
    }
}

/// Whether a prompt (ending in `$ `; tmux drops trailing blanks) is on the screen.
fn has_prompt(screen: &str) -> bool {
    strip_ansi(screen)
        .lines()
        .any(|l| l.contains("$ ") || l.trim_end().ends_with('$'))
}

/// The first prompt line, once the shell has drawn it and run a command after it (so the
/// prompt is complete, right side included).
fn first_prompt(s: &Session) -> String {
    s.tmux.wait_for("the first prompt", has_prompt);
    s.tmux.type_text("echo rea\"\"dy");
    s.tmux.press("Enter");
    let screen = s.tmux.wait_for("the command's output", |scr| {
        strip_ansi(scr).lines().any(|l| l.trim_end() == "ready")
    });
    screen.lines().next().unwrap().to_string()
}

type Env = Vec<(&'static str, String)>;

/// What the segment should read, and its colour as an SGR number (None: NO_COLOR).
struct Want {
    text: &'static str,
    sgr: Option<u8>,
}

fn check(sh: Sh, case: &str, line: &str, want: Option<&Want>) {
    let plain = strip_ansi(line);
    let plain = plain.trim_end();
    let typed = "$ echo rea\"\"dy";
    match (sh, want) {
        (Sh::Bash | Sh::Zsh, Some(w)) => {
            assert_eq!(plain, format!("{} {typed}", w.text), "{case}: {line:?}")
        }
        (Sh::Bash | Sh::Zsh, None) => assert_eq!(plain, typed, "{case}: {line:?}"),
        (Sh::Fish, Some(w)) => {
            assert!(plain.starts_with(typed), "{case}: {line:?}");
            assert!(plain.ends_with(&format!(" {}", w.text)), "{case}: {line:?}");
        }
        (Sh::Fish, None) => assert_eq!(plain, typed, "{case}: {line:?}"),
    }
    if let Some(w) = want {
        match w.sgr {
            Some(n) => assert!(
                line.contains(&format!("\x1b[{n}m{}", w.text)),
                "{case}: want colour {n} on {:?} in {line:?}",
                w.text
            ),
            None => {
                let at = line.find(w.text).unwrap();
                assert!(
                    !line[..at].ends_with('m'),
                    "{case}: want no colour on {:?} in {line:?}",
                    w.text
                );
                if sh != Sh::Fish {
                    assert!(!line.contains('\x1b'), "{case}: {line:?}");
                }
            }
        }
    }
}

/// The cases, with session ends relative to `t`.
fn cases(t: i64) -> Vec<(&'static str, Env, Option<Want>)> {
    let child = |left: i64| {
        vec![
            ("AWSRUN_PROFILE", "dev".to_string()),
            ("AWSRUN_SESSION_EXPIRES_EPOCH", (t + left).to_string()),
            // The child's own profile wins over whatever the parent shell had.
            ("AWS_PROFILE", "keys".to_string()),
        ]
    };
    let profile = |p: &str| vec![("AWS_PROFILE", p.to_string())];
    let w = |text, sgr| Some(Want { text, sgr });
    vec![
        (
            "awsrun subshell",
            child(42 * 60 + 45),
            w("dev 42m", Some(32)),
        ),
        (
            "awsrun subshell, under 30m",
            child(20 * 60 + 45),
            w("dev 20m", Some(33)),
        ),
        (
            "awsrun subshell, under 10m",
            child(5 * 60 + 45),
            w("dev 5m", Some(31)),
        ),
        (
            "awsrun subshell, expired",
            child(-60),
            w("dev expired", Some(31)),
        ),
        (
            "awsrun subshell, no login session",
            vec![
                ("AWSRUN_PROFILE", "keys".to_string()),
                ("AWS_PROFILE", "dev".to_string()),
            ],
            None,
        ),
        (
            "AWS_PROFILE login profile",
            profile("dev"),
            w("dev 3h12m", Some(32)),
        ),
        (
            "AWS_PROFILE under 30m",
            profile("short"),
            w("short 20m", Some(33)),
        ),
        (
            "expired session",
            profile("old"),
            w("old expired", Some(31)),
        ),
        ("non-login profile", profile("keys"), None),
        ("login profile, signed out", profile("gone"), None),
        ("no profile and no default session", vec![], None),
        (
            "AWS_DEFAULT_PROFILE",
            vec![("AWS_DEFAULT_PROFILE", "dev".to_string())],
            w("dev 3h12m", Some(32)),
        ),
        (
            "NO_COLOR",
            vec![
                ("AWS_PROFILE", "dev".to_string()),
                ("NO_COLOR", "1".to_string()),
            ],
            w("dev 3h12m", None),
        ),
    ]
}

fn renders_every_case(sh: Sh) {
    for i in 0..cases(0).len() {
        // Fresh files and times for each shell, so a slow machine cannot cross a minute.
        let home = Home::standard();
        let (case, env, want) = cases(now()).swap_remove(i);
        let s = start_with(sh, &home, &env, &rc(sh, false, 1), 100);
        check(sh, case, &first_prompt(&s), want.as_ref());
    }
}

#[test]
fn bash_renders_the_segment() {
    renders_every_case(Sh::Bash);
}

#[test]
fn zsh_renders_the_segment() {
    renders_every_case(Sh::Zsh);
}

#[test]
fn fish_renders_the_segment() {
    renders_every_case(Sh::Fish);
}

#[test]
fn prompt_flag_inserts_the_segment_once_even_when_loaded_twice() {
    let home = Home::standard();
    for sh in [Sh::Bash, Sh::Zsh, Sh::Fish] {
        let env = [("AWS_PROFILE", "dev".to_string())];
        let s = start_with(sh, &home, &env, &rc(sh, true, 2), 100);
        let line = first_prompt(&s);
        check(
            sh,
            "--prompt",
            &line,
            Some(&Want {
                text: "dev 3h12m",
                sgr: Some(32),
            }),
        );
        assert_eq!(
            strip_ansi(&line).matches("dev 3h12m").count(),
            1,
            "{line:?}"
        );
    }
}

/// The colour codes are marked invisible (\001 \002 for readline, %{ %} for zle): otherwise a
/// command line that wraps puts the cursor in the wrong column when it moves back to the start.
#[test]
fn line_editing_counts_the_visible_width() {
    let home = Home::standard();
    for sh in [Sh::Bash, Sh::Zsh] {
        let env = [("AWS_PROFILE", "dev".to_string())];
        let s = start_with(sh, &home, &env, &rc(sh, false, 1), 40);
        s.tmux.wait_for("the prompt", has_prompt);
        s.tmux.type_text(&format!("echo {}", "a".repeat(40)));
        s.tmux.wait_for("the wrapped line", |scr| {
            strip_ansi(scr).contains(&"a".repeat(12))
        });
        s.tmux.press("C-a");
        let want = "dev 3h12m $ ".len();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while s.tmux.cursor() != (want, 0) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(s.tmux.cursor(), (want, 0), "screen:\n{}", s.tmux.screen());
        let first = strip_ansi(&s.tmux.screen());
        assert!(first.starts_with("dev 3h12m $ echo aaaa"), "{first}");
    }
}

/// The hook runs before the user's prompt code and must hand it the last command's status.
#[test]
fn exit_status_survives_the_hook() {
    let home = Home::standard();
    for sh in [Sh::Bash, Sh::Zsh] {
        let env = [("AWS_PROFILE", "dev".to_string())];
        let mut text = rc(sh, false, 1);
        text += match sh {
            Sh::Bash => "PROMPT_COMMAND=\"$PROMPT_COMMAND;\"'last=$?'\nPS1='[$last]'$PS1\n",
            _ => "PROMPT='[%?]'$PROMPT\n",
        };
        let s = start_with(sh, &home, &env, &text, 100);
        s.tmux.wait_for("the prompt", has_prompt);
        s.tmux.type_text("(exit 7)");
        s.tmux.press("Enter");
        let screen = s.tmux.wait_for("the next prompt", |scr| {
            strip_ansi(scr)
                .lines()
                .nth(1)
                .is_some_and(|l| l.trim_end().ends_with('$'))
        });
        let second = strip_ansi(screen.lines().nth(1).unwrap());
        assert_eq!(second.trim_end(), "[7]dev 3h12m $");
    }
}

/// The real thing: the shell started by `awsrun exec` for a login profile.
#[test]
fn inside_a_real_awsrun_exec_subshell() {
    let home = Home::standard();
    for sh in [Sh::Bash, Sh::Zsh, Sh::Fish] {
        // The parent shell had another profile; the child shows the one awsrun serves.
        let env = [("AWS_PROFILE", "keys".to_string())];
        let wrapper = [AWSRUN, "-p", "dev", "--"];
        let s = start_wrapped(sh, &home, &env, &rc(sh, false, 1), 100, &wrapper);
        check(
            sh,
            "awsrun exec",
            &first_prompt(&s),
            Some(&Want {
                text: "dev 3h12m",
                sgr: Some(32),
            }),
        );
    }
}

/// A profile name with a space, a `%` (zsh prompt escape), a `$` and a backslash is shown as
/// written, not expanded.
#[test]
fn odd_profile_names_render_verbatim() {
    let name = r"my 100%$HOME\n";
    for sh in [Sh::Bash, Sh::Zsh, Sh::Fish] {
        let home = Home::for_shell();
        home.config("[profile \"my 100%$HOME\\\\n\"]\nlogin_session = arn:aws:iam::1:user/odd\n");
        home.login_cache_at("arn:aws:iam::1:user/odd", now() - 12 * 3600 + 2 * 3600 + 45);
        let out = home.run_with(&["profiles"], &[]);
        assert_eq!(support::stdout(&out).trim_end(), name, "fixture");
        let env = [("AWS_PROFILE", name.to_string())];
        let s = start_with(sh, &home, &env, &rc(sh, false, 1), 100);
        let want = Want {
            text: "my 100%$HOME\\n 2h0m",
            sgr: Some(32),
        };
        check(sh, name, &first_prompt(&s), Some(&want));
    }
}
