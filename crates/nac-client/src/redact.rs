//! Keeps secrets out of text: anything taken from a response or a lower layer's error goes through here
//! before it reaches a log line or an error message (a server may echo what it was sent).

use nac_api::wire::CreateSession;

pub const REDACTED: &str = "<redacted>";

/// Secrets shorter than this are not scrubbed: replacing every "ab" in a message would garble it and
/// such a value is not a credential anyone should use.
const MIN_SECRET_LEN: usize = 4;

#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = impl AsRef<str>>) -> Self {
        let mut redactor = Self::default();
        for secret in secrets {
            redactor.add(secret.as_ref());
        }
        redactor
    }

    pub fn add(&mut self, secret: &str) {
        // A JSON body may carry the secret escaped (`\/`, `\u…`): that spelling is scrubbed too.
        let escaped = serde_json::to_string(secret)
            .ok()
            .map(|quoted| quoted.trim_matches('"').to_owned());
        for spelling in std::iter::once(secret.to_owned()).chain(escaped) {
            if spelling.len() >= MIN_SECRET_LEN && !self.secrets.contains(&spelling) {
                self.secrets.push(spelling);
            }
        }
        // Longest first, so a secret containing another is replaced whole.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// A copy that also scrubs the secrets a create request carries (the sink access token).
    pub fn with_request(&self, req: &CreateSession) -> Self {
        let mut redactor = self.clone();
        if let Some(token) = req
            .sink_credential
            .as_ref()
            .and_then(|c| c.access_token.as_ref())
        {
            redactor.add(token.expose());
        }
        redactor
    }

    /// A reply body with every secret replaced, done on the whole body before anything quotes a part
    /// of it. Bytes that are not UTF-8 are scrubbed where they are (a secret is always valid UTF-8).
    pub fn scrub_bytes(&self, body: Vec<u8>) -> Vec<u8> {
        if self.secrets.is_empty() {
            return body;
        }
        match String::from_utf8(body) {
            Ok(text) => self.scrub(&text).into_bytes(),
            Err(e) => {
                let mut body = e.into_bytes();
                for secret in &self.secrets {
                    body = replace_bytes(&body, secret.as_bytes(), REDACTED.as_bytes());
                }
                body
            }
        }
    }

    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// The create request as JSON for a trace log: the sink access token replaced.
pub fn loggable_request(req: &CreateSession) -> String {
    let mut value = match serde_json::to_value(req) {
        Ok(value) => value,
        Err(_) => return "<unserializable request>".into(),
    };
    if let Some(token) = value.pointer_mut("/sinkCredential/accessToken") {
        *token = serde_json::Value::String(REDACTED.into());
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nac_api::wire::SinkCredential;

    #[test]
    fn scrubs_every_secret_longest_first() {
        let redactor = Redactor::new(["token-1234", "token-1234-long", "ab"]);
        assert_eq!(
            redactor.scrub("a token-1234-long and token-1234 and ab"),
            "a <redacted> and <redacted> and ab"
        );
    }

    #[test]
    fn a_secret_straddling_the_excerpt_cut_is_scrubbed_whole() {
        use crate::response::{describe_error_body, EXCERPT_CHARS};
        let token = "tok-0123456789abcdefghijklmnopqrstu";
        let redactor = Redactor::new([token]);
        // The token starts 10 characters before the cut: scrubbing after the cut would leak them.
        let filler = "x".repeat(EXCERPT_CHARS - 10);
        let body = format!(r#"{{"status":500,"code":"INTERNAL","message":"{filler}{token} end"}}"#);
        let scrubbed = redactor.scrub_bytes(body.into_bytes());
        let problem = describe_error_body(&scrubbed, None);
        assert!(!problem.message.contains("tok-0123"), "{}", problem.message);
        assert!(!problem.message.contains(&token[..6]));
        // Not UTF-8 around it, escaped in JSON: still scrubbed.
        let mut raw = vec![0xff, 0xfe];
        raw.extend_from_slice(token.as_bytes());
        assert!(!String::from_utf8_lossy(&redactor.scrub_bytes(raw)).contains(token));
        let quoted = Redactor::new([r#"tok"with"quotes"#]);
        assert_eq!(
            quoted.scrub(r#"{"m":"tok\"with\"quotes"}"#),
            r#"{"m":"<redacted>"}"#
        );
    }

    #[test]
    fn request_log_hides_the_sink_token() {
        let req = CreateSession {
            sink: Some("https://example.com/n".into()),
            sink_credential: Some(SinkCredential::bearer(
                "sink-s3cr3t".into(),
                "2030-01-01T00:00:00Z".into(),
            )),
            ..Default::default()
        };
        let line = loggable_request(&req);
        assert!(!line.contains("sink-s3cr3t"), "{line}");
        assert!(line.contains(REDACTED));
        let redactor = Redactor::default().with_request(&req);
        assert_eq!(redactor.scrub("echo sink-s3cr3t"), "echo <redacted>");
    }
}
