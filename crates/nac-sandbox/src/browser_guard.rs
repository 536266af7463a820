//! What keeps a web page in the developer's own browser (or a sink of another sandbox) away from the
//! admin API, which without a token answers any loopback client:
//! - DNS rebinding: the `Host` must be an IP literal (a rebound name never is), `localhost` or a name
//!   given with `--allowed-host`; otherwise 421.
//! - Cross-site requests: a `Sec-Fetch-Site` other than `same-origin`/`none`, or an `Origin` other than
//!   the request's own host, is refused (403). A top-level navigation to the live page is the one
//!   exception: it only renders the page, and the page's own calls are then same-origin.
//! - Requests without a preflight: a state-changing call must say `Content-Type: application/json`,
//!   which a page can only send cross-origin after a preflight, and preflights (`OPTIONS`) are refused.
//! - The notifier's own requests carry [`NOTIFIER_MARKER`], refused here, so a session's sink cannot
//!   drive the admin API of another sandbox on the same machine.

use axum::extract::Request;
use axum::http::{header, HeaderMap, Method};

use super::errors::ApiError;

/// A header every notification carries.
pub(crate) const NOTIFIER_MARKER: &str = "x-nac-sandbox-notification";

/// The host part of a `Host` header value (`[::1]:8080` -> `::1`, `Example.org:80` -> `example.org`).
fn host_name(host: &str) -> String {
    let host = host.trim();
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn host_allowed(host: &str, allowed_hosts: &[String]) -> bool {
    let name = host_name(host);
    name.parse::<std::net::IpAddr>().is_ok()
        || name == "localhost"
        || name.ends_with(".localhost")
        || allowed_hosts.iter().any(|a| host_name(a) == name)
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A link followed to the live page from elsewhere: it renders the page and changes nothing.
fn is_navigation_to_the_page(request: &Request) -> bool {
    let headers = request.headers();
    request.method() == Method::GET
        && request.uri().path().ends_with("/ui")
        && header_str(headers, "sec-fetch-mode") == Some("navigate")
        && header_str(headers, "sec-fetch-dest") == Some("document")
}

fn is_json(headers: &HeaderMap) -> bool {
    header_str(headers, header::CONTENT_TYPE.as_str())
        .and_then(|c| c.split(';').next())
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/json"))
}

/// Refuses what a browser page or a sink could send (see the module comment); `Ok` otherwise.
pub(crate) fn check(request: &Request, allowed_hosts: &[String]) -> Result<(), ApiError> {
    let headers = request.headers();
    let Some(host) = header_str(headers, header::HOST.as_str()) else {
        return Err(ApiError::new(
            400,
            "INVALID_ARGUMENT",
            "The sandbox admin API needs a Host header.",
        ));
    };
    if !host_allowed(host, allowed_hosts) {
        return Err(ApiError::new(
            421,
            "MISDIRECTED_REQUEST",
            format!(
                "The sandbox admin API does not answer for host {:?} (DNS rebinding?): use an IP \
                 address or localhost, or start the sandbox with --allowed-host NAME.",
                host_name(host)
            ),
        ));
    }
    let cross_site = |why: String| {
        ApiError::new(
            403,
            "PERMISSION_DENIED",
            format!("The sandbox admin API refuses cross-site requests ({why})."),
        )
    };
    if headers.contains_key(NOTIFIER_MARKER) {
        return Err(cross_site("a notification of a sandbox".into()));
    }
    if request.method() == Method::OPTIONS {
        return Err(cross_site("a CORS preflight".into()));
    }
    if let Some(site) = header_str(headers, "sec-fetch-site") {
        if !matches!(site, "same-origin" | "none") && !is_navigation_to_the_page(request) {
            return Err(cross_site(format!("Sec-Fetch-Site: {site}")));
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        let own = ["http://", "https://"]
            .iter()
            .any(|scheme| origin.eq_ignore_ascii_case(&format!("{scheme}{}", host.trim())));
        if !own {
            return Err(cross_site(format!("Origin: {origin}")));
        }
    }
    Ok(())
}

/// A state-changing call must be JSON (even with an empty body): a page cannot send that cross-origin
/// without a preflight.
pub(crate) fn check_content_type(request: &Request) -> Result<(), ApiError> {
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD);
    if changes_state && !is_json(request.headers()) {
        return Err(ApiError::new(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "The sandbox admin API takes state-changing calls as Content-Type: application/json \
             only (even with an empty body).",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names() {
        assert_eq!(host_name("[::1]:8080"), "::1");
        assert_eq!(host_name("Example.ORG:80"), "example.org");
        assert_eq!(host_name("localhost."), "localhost");
        let allowed = vec!["sandbox.internal".to_owned()];
        for host in [
            "127.0.0.1:1",
            "[::1]:2",
            "10.1.2.3",
            "localhost:3",
            "app.localhost",
            "sandbox.internal:8080",
        ] {
            assert!(host_allowed(host, &allowed), "{host}");
        }
        for host in ["evil.example", "localhost.evil.example", "127.0.0.1.nip.io"] {
            assert!(!host_allowed(host, &allowed), "{host}");
        }
    }
}
