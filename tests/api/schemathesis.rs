//! schemathesis (PyPI) against `/graphql`: it generates operations from the served schema,
//! mutations included (with a key), for a bounded number of examples per operation, and
//! `tests/schemathesis/hooks.py` fails any answer that is not designed (a 5xx other than
//! 503/504, an error without a documented code, INTERNAL). Installs the pinned version into
//! a virtualenv under the target directory on first run. Opt out with
//! `NEWSGRAPH_TEST_SKIP_SCHEMATHESIS=1`.
//!
//! Like the fuzz suite, the run is fixed: one seed and no example database carried between
//! runs, so the same commit generates the same operations. `NEWSGRAPH_FUZZ_SEED` (a number or
//! `random`) and `NEWSGRAPH_FUZZ_CASES` (examples per operation) make the longer randomized run.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::api_test;
use crate::helpers::TEST_API_KEY;

const VERSION: &str = "4.32.5";
const EXAMPLES: &str = "25";
const SEED: &str = "7";

/// `--seed` (none for a random run) and `--max-examples` of this run.
fn run_config() -> (Option<String>, String) {
    let seed = match std::env::var("NEWSGRAPH_FUZZ_SEED") {
        Ok(v) if v == "random" => None,
        Ok(v) => Some(v),
        Err(_) => Some(SEED.to_string()),
    };
    let examples = std::env::var("NEWSGRAPH_FUZZ_CASES").unwrap_or_else(|_| EXAMPLES.into());
    (seed, examples)
}

fn skipped() -> bool {
    std::env::var("NEWSGRAPH_TEST_SKIP_SCHEMATHESIS")
        .is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The schemathesis executable, installing it once (tests racing for it wait for the first).
fn schemathesis() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("schemathesis-{VERSION}"));
    let exe = venv.join("bin/schemathesis");
    let ready = venv.join(".ready");
    let lock = venv.with_extension("lock");
    let start = Instant::now();
    loop {
        if ready.exists() {
            return Ok(exe);
        }
        if std::fs::create_dir(&lock).is_ok() {
            let run = |cmd: &mut Command| -> Result<(), String> {
                let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
                if out.status.success() {
                    Ok(())
                } else {
                    Err(format!(
                        "{cmd:?} failed:\n{}{}",
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    ))
                }
            };
            let installed = run(Command::new("python3").arg("-m").arg("venv").arg(&venv))
                .and_then(|_| {
                    run(Command::new(venv.join("bin/pip")).args([
                        "install",
                        "-q",
                        "--disable-pip-version-check",
                        &format!("schemathesis=={VERSION}"),
                    ]))
                })
                .and_then(|_| std::fs::write(&ready, b"").map_err(|e| e.to_string()));
            let _ = std::fs::remove_dir(&lock);
            installed?;
            return Ok(exe);
        }
        if start.elapsed() > Duration::from_secs(600) {
            return Err("timed out waiting for another test to install schemathesis".into());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

api_test!(schemathesis_finds_no_undesigned_answer, |app| {
    if skipped() {
        eprintln!("skipped: NEWSGRAPH_TEST_SKIP_SCHEMATHESIS is set");
        return;
    }
    let url = format!("{}/graphql", app.address);
    let (ok, output) = tokio::task::spawn_blocking(move || {
        let exe = match schemathesis() {
            Ok(e) => e,
            Err(e) => {
                return (
                    false,
                    format!(
                        "cannot install schemathesis (python3 with venv and PyPI are needed; \
                         NEWSGRAPH_TEST_SKIP_SCHEMATHESIS=1 skips this test): {e}"
                    ),
                );
            }
        };
        let hooks = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis");
        let (seed, examples) = run_config();
        let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "schemathesis-run-{}",
            uuid::Uuid::new_v4().simple()
        ));
        if let Err(e) = std::fs::create_dir_all(&work) {
            return (false, format!("cannot create {}: {e}", work.display()));
        }
        let mut cmd = Command::new(exe);
        cmd.args(["run", &url, "--max-examples", &examples])
            .args(["--generation-database", "none"]);
        if let Some(seed) = &seed {
            cmd.args(["--seed", seed]);
        }
        let out = cmd
            .args(["--checks"])
            .arg("newsgraph_designed_errors")
            .args(["-H", &format!("Authorization: Bearer {TEST_API_KEY}")])
            .args(["--no-color"])
            .env("SCHEMATHESIS_HOOKS", "hooks")
            .env("PYTHONPATH", &hooks)
            // A fresh working folder: schemathesis keeps a cache of past crashes in it and
            // replays them, which would make one run depend on the ones before.
            .current_dir(&work)
            .output();
        let _ = std::fs::remove_dir_all(&work);
        match out {
            Ok(o) => (
                o.status.success(),
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                ),
            ),
            Err(e) => (false, format!("cannot run schemathesis: {e}")),
        }
    })
    .await
    .unwrap();
    println!("{output}");
    assert!(
        ok,
        "schemathesis found answers that are not designed:\n{output}"
    );
    // Still serving.
    assert_eq!(app.status("/health").await, 200);
});
