//! The plugin ends when Terraform goes away (a cancelled CI job, a SIGKILLed terraform): otherwise it
//! would be re-parented to init and keep serving with a configured client.
//!
//! A thread compares `getppid()` with the parent seen at start every 200 ms and exits the process when
//! it changed. Chosen over `prctl(PR_SET_PDEATHSIG)`: that signal fires when the parent *thread* that
//! forked us exits, and Terraform (Go) may start plugins from any of its threads; and over watching
//! stdin for EOF: go-plugin hands the plugin Terraform's own stdin, which does not close when it dies.

/// Starts the watch (Unix only; elsewhere nothing happens).
pub fn install() {
    #[cfg(unix)]
    {
        // SAFETY: getppid has no preconditions and cannot fail.
        // (A parent that is pid 1 may be Terraform itself, as in a container: nothing to tell then.)
        let parent = unsafe { libc::getppid() };
        let spawned = std::thread::Builder::new()
            .name("parent-watch".into())
            .spawn(move || loop {
                std::thread::sleep(std::time::Duration::from_millis(200));
                // SAFETY: as above.
                if unsafe { libc::getppid() } != parent {
                    log::warn!("Terraform (pid {parent}) is gone; the provider exits");
                    std::process::exit(1);
                }
            });
        if let Err(e) = spawned {
            log::warn!("cannot watch for Terraform's exit: {e}");
        }
    }
}
