//! The Terraform command this plugin serves, as files in the temp directory can name it: Terraform
//! starts a new plugin process for each walk (validate, plan, apply), and what one of them learns
//! (a stop request, the sessions resources hold) must reach the next ones of the same command.
//!
//! The files live in a directory of the user's own (mode 0700, checked: not a symlink, not another
//! user's), never loose in a shared /tmp where another user could plant a symlink or a file; files
//! of commands a day old are swept away once per process.

use std::path::PathBuf;

/// Files of Terraform commands older than this are removed.
#[cfg(unix)]
const KEEP: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// This user's directory for the files (created if needed), or `None` when it cannot be trusted.
#[cfg(unix)]
fn private_dir() -> Option<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let dir = match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(runtime) => PathBuf::from(runtime).join("terraform-provider-nac"),
        None => std::env::temp_dir().join(format!("terraform-provider-nac-{uid}")),
    };
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            log::debug!("cannot create {}: {e}", dir.display());
            return None;
        }
    }
    if !is_private(&dir, uid) {
        log::warn!(
            "{} is not a private directory of this user: the provider keeps nothing there",
            dir.display()
        );
        return None;
    }
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(|| sweep(&dir));
    Some(dir)
}

/// A directory (not a symlink to one) of `uid` that no one else may read or write.
#[cfg(unix)]
fn is_private(dir: &std::path::Path, uid: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(dir)
        .is_ok_and(|meta| meta.is_dir() && meta.uid() == uid && meta.mode() & 0o077 == 0)
}

/// Removes the files of Terraform commands that ended long ago.
#[cfg(unix)]
fn sweep(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| std::time::SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > KEEP);
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

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
        let path = private_dir()?.join(format!("{what}-{ppid}"));
        Some((path, format!("{ppid} {started}")))
    }
    #[cfg(not(unix))]
    {
        let _ = what;
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn only_a_private_directory_of_this_user_is_trusted() {
        // SAFETY: getuid has no preconditions and cannot fail.
        let uid = unsafe { libc::getuid() };
        let root = tempfile::tempdir().unwrap();
        let private = root.path().join("private");
        std::fs::create_dir(&private).unwrap();
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(is_private(&private, uid));
        assert!(!is_private(&private, uid + 1), "another user's");
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&private, &link).unwrap();
        assert!(!is_private(&link, uid), "a symlink");
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(!is_private(&private, uid), "readable by others");
    }
}
