//! Where notifications may go. A sink is a URL the client chose, so the sandbox must not become a way to
//! reach what the client cannot: its own API (the admin API above all), link-local addresses (cloud
//! metadata), unspecified or multicast addresses. Checked twice: at create for what the URL itself says
//! (an IP literal, `localhost`), and before every delivery for every address the host resolves to (the
//! connection then goes to exactly those addresses, so a DNS answer cannot change in between).
//! Private and other loopback addresses stay allowed: a team's receivers live there.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use reqwest::Url;

#[derive(Debug, Clone)]
pub(crate) struct SinkPolicy {
    /// The sandbox's own listening address (possibly a wildcard).
    own: SocketAddr,
}

impl SinkPolicy {
    pub fn new(own: SocketAddr) -> Self {
        Self { own }
    }

    /// Refuses a sink whose URL alone shows a forbidden target. The message names the reason.
    pub fn check_url(&self, sink: &str) -> Result<(), String> {
        let url = Url::parse(sink).map_err(|e| format!("not a URL: {e}"))?;
        let port = url.port_or_known_default().unwrap_or(0);
        match url.host() {
            Some(url::Host::Ipv4(ip)) => self.check_addr(SocketAddr::new(ip.into(), port)),
            Some(url::Host::Ipv6(ip)) => self.check_addr(SocketAddr::new(ip.into(), port)),
            Some(url::Host::Domain(name)) if is_localhost(name) => {
                self.check_addr(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port))?;
                self.check_addr(SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port))
            }
            Some(url::Host::Domain(_)) => Ok(()),
            None => Err("the URL has no host".into()),
        }
    }

    /// Refuses one resolved target address.
    pub fn check_addr(&self, target: SocketAddr) -> Result<(), String> {
        let ip = target.ip().to_canonical();
        if ip.is_unspecified() {
            return Err(format!("{ip} is the unspecified address"));
        }
        if ip.is_multicast() || ip == IpAddr::V4(Ipv4Addr::BROADCAST) {
            return Err(format!("{ip} is a multicast or broadcast address"));
        }
        if is_link_local(ip) {
            return Err(format!(
                "{ip} is link-local (169.254.0.0/16, fe80::/10: cloud metadata lives there)"
            ));
        }
        if self.is_own(SocketAddr::new(ip, target.port())) {
            return Err(format!("{target} is this sandbox's own address"));
        }
        Ok(())
    }

    fn is_own(&self, target: SocketAddr) -> bool {
        if target.port() != self.own.port() {
            return false;
        }
        let own_ip = self.own.ip().to_canonical();
        let ip = target.ip();
        if own_ip.is_unspecified() {
            // A wildcard listener answers on every address of the machine.
            ip.is_loopback() || is_local_address(ip)
        } else {
            ip == own_ip || (own_ip.is_loopback() && ip.is_loopback())
        }
    }
}

fn is_localhost(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// Whether `ip` is an address of this machine: only those can be bound.
fn is_local_address(ip: IpAddr) -> bool {
    UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok()
}

/// A sink URL fit for a log line: no userinfo, no query, no fragment (they may carry secrets).
pub(crate) fn redacted(sink: &str) -> String {
    match Url::parse(sink) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => "<a sink that is not a URL>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_link_local_multicast_and_unspecified_targets_are_refused() {
        let policy = SinkPolicy::new("127.0.0.1:8080".parse().unwrap());
        for refused in [
            "http://127.0.0.1:8080/_sandbox/reset",
            "http://127.0.0.5:8080/x",
            "http://localhost:8080/_sandbox/reset",
            "http://[::1]:8080/",
            "http://[::ffff:127.0.0.1]:8080/",
            "https://169.254.169.254/latest/meta-data",
            "https://[fe80::1]/",
            "https://0.0.0.0/",
            "https://[::]/",
            "https://224.0.0.1/",
            "https://255.255.255.255/",
        ] {
            assert!(policy.check_url(refused).is_err(), "{refused}");
        }
        for allowed in [
            "http://127.0.0.1:9000/notify",
            "https://10.0.0.7/notify",
            "https://example.com/notify",
            "http://localhost:9000/",
        ] {
            assert_eq!(policy.check_url(allowed), Ok(()), "{allowed}");
        }
        let wildcard = SinkPolicy::new("0.0.0.0:8080".parse().unwrap());
        assert!(wildcard.check_url("http://127.0.0.1:8080/").is_err());
        assert!(wildcard.check_url("http://127.0.0.1:8081/").is_ok());
    }

    #[test]
    fn logged_urls_lose_userinfo_and_query() {
        assert_eq!(
            redacted("https://user:pw@example.com:8443/n?token=abc#frag"),
            "https://example.com:8443/n"
        );
    }
}
