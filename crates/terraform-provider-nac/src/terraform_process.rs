//! The Terraform command this plugin serves, as files in the temp directory can name it: Terraform
//! starts a new plugin process for each walk (validate, plan, apply), and what one of them learns
//! (a stop request, the sessions resources hold) must reach the next ones of the same command.

use std::path::PathBuf;

/// `(path, identity)`: a file for `what` belonging to the parent Terraform process, and the text that
/// identifies that process (pid and start time, so that a reused pid is another process). `None`
/// where the parent cannot be told (not Unix, or a parent that is init).
pub fn file(what: &str) -> Option<(PathBuf, String)> {
    #[cfg(unix)]
    {
        // SAFETY: getppid has no preconditions and cannot fail.
        let ppid = unsafe { libc::getppid() };
        if ppid <= 1 {
            return None;
        }
        // Field 22 of /proc/<pid>/stat is the start time; elsewhere the pid alone (and the age of
        // the file, where the caller checks it) bounds the risk.
        let started = std::fs::read_to_string(format!("/proc/{ppid}/stat"))
            .ok()
            .and_then(|stat| {
                let after_name = stat.rsplit_once(')')?.1.to_string();
                after_name.split_whitespace().nth(19).map(str::to_string)
            })
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!("terraform-provider-nac-{what}-{ppid}"));
        Some((path, format!("{ppid} {started}")))
    }
    #[cfg(not(unix))]
    {
        let _ = what;
        None
    }
}
