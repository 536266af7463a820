//! Turns Nagle's algorithm off on the gRPC connections Terraform opens to this plugin.
//!
//! `tf-provider` binds its listener and prints the go-plugin handshake line (`1|6|tcp|ADDR|grpc|…`) on stdout
//! without setting `TCP_NODELAY`, so small gRPC replies wait for the peer's delayed ACK (~40 ms a call).
//! Terraform only connects after it has read that line, and on Linux an accepted socket inherits
//! `TCP_NODELAY` from its listener. So stdout goes through a pipe we read: on the handshake line we find the
//! listening socket by its port, set `TCP_NODELAY` on it, and only then pass the line on to Terraform.

#[cfg(target_os = "linux")]
mod imp {
    use std::fs::File;
    use std::io::{BufRead, BufReader, Write};
    use std::os::fd::{FromRawFd, RawFd};

    /// Redirects fd 1 into a relay thread. Returns false (and changes nothing) if that is not possible.
    pub fn install() -> bool {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: plain POSIX calls on fds we own; on any failure we leave stdout as it was.
        unsafe {
            if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
                return false;
            }
            let real_stdout = libc::fcntl(1, libc::F_DUPFD_CLOEXEC, 3);
            if real_stdout < 0 || libc::dup2(fds[1], 1) < 0 {
                libc::close(fds[0]);
                libc::close(fds[1]);
                return false;
            }
            libc::close(fds[1]);
            let reader = File::from_raw_fd(fds[0]);
            let writer = File::from_raw_fd(real_stdout);
            std::thread::spawn(move || relay(reader, writer));
        }
        true
    }

    fn relay(reader: File, mut writer: File) {
        let mut reader = BufReader::new(reader);
        let mut line = String::new();
        let mut first = true;
        while matches!(reader.read_line(&mut line), Ok(n) if n > 0) {
            if first {
                first = false;
                if let Some(port) = handshake_port(&line) {
                    set_nodelay_on_listener(port);
                }
            }
            let _ = writer.write_all(line.as_bytes());
            let _ = writer.flush();
            line.clear();
        }
    }

    /// The port of `1|6|tcp|127.0.0.1:PORT|grpc|…`.
    pub(super) fn handshake_port(line: &str) -> Option<u16> {
        let mut parts = line.split('|');
        let (_, _, network, addr) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if network != "tcp" {
            return None;
        }
        addr.parse::<std::net::SocketAddr>().ok().map(|a| a.port())
    }

    fn set_nodelay_on_listener(port: u16) {
        let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
            return;
        };
        for fd in entries
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<RawFd>().ok())
        {
            if is_listener_on(fd, port) {
                let one: libc::c_int = 1;
                // SAFETY: fd is an open TCP socket of this process; the option value outlives the call.
                let rc = unsafe {
                    libc::setsockopt(
                        fd,
                        libc::IPPROTO_TCP,
                        libc::TCP_NODELAY,
                        &one as *const _ as *const libc::c_void,
                        std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                    )
                };
                log::debug!("TCP_NODELAY on plugin listener fd {fd} (port {port}): rc={rc}");
            }
        }
    }

    fn is_listener_on(fd: RawFd, port: u16) -> bool {
        // SAFETY: getsockname/getsockopt only write into the buffers we pass, sized as declared.
        unsafe {
            let mut addr: libc::sockaddr_storage = std::mem::zeroed();
            let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            if libc::getsockname(fd, &mut addr as *mut _ as *mut libc::sockaddr, &mut len) != 0 {
                return false;
            }
            let bound_port = match addr.ss_family as libc::c_int {
                libc::AF_INET => {
                    u16::from_be((*(&addr as *const _ as *const libc::sockaddr_in)).sin_port)
                }
                libc::AF_INET6 => {
                    u16::from_be((*(&addr as *const _ as *const libc::sockaddr_in6)).sin6_port)
                }
                _ => return false,
            };
            let mut listening: libc::c_int = 0;
            let mut optlen = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
            let ok = libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_ACCEPTCONN,
                &mut listening as *mut _ as *mut libc::c_void,
                &mut optlen,
            ) == 0;
            ok && listening == 1 && bound_port == port
        }
    }
}

/// Installs the stdout relay that sets `TCP_NODELAY` on the plugin's listener. Set
/// `NAC_PLUGIN_NAGLE=1` to skip it (the benchmark uses that to measure the difference).
pub fn install() -> bool {
    if std::env::var_os("NAC_PLUGIN_NAGLE").is_some_and(|v| v == "1") {
        return false;
    }
    #[cfg(target_os = "linux")]
    {
        imp::install()
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::imp::handshake_port;

    #[test]
    fn parses_the_go_plugin_handshake() {
        assert_eq!(
            handshake_port("1|6|tcp|127.0.0.1:41873|grpc|\n"),
            Some(41873)
        );
        assert_eq!(handshake_port("1|6|unix|/tmp/x|grpc|\n"), None);
        assert_eq!(handshake_port("garbage"), None);
    }
}
