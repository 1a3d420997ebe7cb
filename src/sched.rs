//! The server's threads and the CPU scheduler.
//!
//! On a machine the server shares with PostgreSQL (a compose file, the benchmark), every
//! request wakes several of the server's threads (an HTTP worker, a runtime worker for the
//! statement's I/O, the HTTP worker again for the answer). Under the default policy each
//! wake-up may preempt whatever runs on that CPU, often the very backend computing the answer
//! being waited for, which then waits on the run queue. Under `SCHED_BATCH` (Linux;
//! unprivileged, same priority) a waking thread waits for the running one's time slice
//! instead. Measured on the benchmark (2 cores shared by the server, PostgreSQL and wrk; c=8,
//! alternating runs): +5–12% requests/s on the executed reads, p99 −30% on the
//! statement-heavy ones, server CPU per request −7 to −25%.

/// Puts every thread of this process under `SCHED_BATCH`; threads started afterwards inherit
/// it from the thread that starts them. Returns how many threads were changed.
#[cfg(target_os = "linux")]
pub fn batch_all_threads() -> std::io::Result<usize> {
    let mut changed = 0;
    for entry in std::fs::read_dir("/proc/self/task")? {
        let Some(tid) = entry?
            .file_name()
            .to_str()
            .and_then(|t| t.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: a plain system call on a thread id of this process with a valid parameter.
        if unsafe { libc::sched_setscheduler(tid, libc::SCHED_BATCH, &param) } != 0 {
            let e = std::io::Error::last_os_error();
            // A thread that ended since the directory was read.
            if e.raw_os_error() != Some(libc::ESRCH) {
                return Err(e);
            }
            continue;
        }
        changed += 1;
    }
    Ok(changed)
}

/// Not Linux: the default policy stays.
#[cfg(not(target_os = "linux"))]
pub fn batch_all_threads() -> std::io::Result<usize> {
    Ok(0)
}
