//! Reading replies: error bodies of every shape the API and its gateway use, and success bodies that may be
//! malformed. Nothing here panics on any input, and every text it returns is short (excerpts are truncated).

use serde::de::DeserializeOwned;
use serde_json::Value;

/// Replies larger than this are not read: no session or list of sessions comes close, and a huge body
/// must not exhaust the provider's memory.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Longest excerpt of a body quoted in an error message.
pub const EXCERPT_CHARS: usize = 200;
/// Most FastAPI validation items listed in one message.
const MAX_DETAIL_ITEMS: usize = 5;

/// What an error reply says: the API's code (when it gives one) and a message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Problem {
    pub code: Option<String>,
    pub message: String,
}

/// Reads an error body: CAMARA `{status, code, message}`, NaC/FastAPI `{"detail": "…" | [{loc, msg}…]}`,
/// the gateway's `{"message": "…"}`, or anything else (HTML, text, other JSON) summarised.
pub fn describe_error_body(body: &[u8], content_type: Option<&str>) -> Problem {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Problem::default();
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => {
            let code = map
                .get("code")
                .and_then(scalar_text)
                .map(|c| excerpt(&c, 80));
            let message = map
                .get("message")
                .and_then(scalar_text)
                .or_else(|| map.get("detail").map(describe_detail))
                .or_else(|| map.get("error").map(describe_detail))
                .or_else(|| map.get("title").and_then(scalar_text))
                .unwrap_or_else(|| Value::Object(map.clone()).to_string());
            Problem {
                code,
                message: excerpt(&message, EXCERPT_CHARS),
            }
        }
        Ok(other) => Problem {
            code: None,
            message: excerpt(&other.to_string(), EXCERPT_CHARS),
        },
        Err(_) => Problem {
            code: None,
            message: describe_non_json(body, content_type),
        },
    }
}

/// NaC's `detail`: a string, or FastAPI's list of `{loc, msg, type, input}` (the `input` is left out on
/// purpose: it echoes what was sent).
fn describe_detail(detail: &Value) -> String {
    match detail {
        Value::Array(items) => {
            let mut parts: Vec<String> = items
                .iter()
                .take(MAX_DETAIL_ITEMS)
                .map(|item| {
                    let msg = item
                        .get("msg")
                        .and_then(scalar_text)
                        .unwrap_or_else(|| excerpt(&item.to_string(), 80));
                    match item.get("loc").and_then(Value::as_array) {
                        Some(loc) if !loc.is_empty() => {
                            let path: Vec<String> = loc.iter().filter_map(scalar_text).collect();
                            format!("{}: {msg}", path.join("."))
                        }
                        _ => msg,
                    }
                })
                .collect();
            if items.len() > MAX_DETAIL_ITEMS {
                parts.push(format!("and {} more", items.len() - MAX_DETAIL_ITEMS));
            }
            parts.join("; ")
        }
        other => scalar_text(other).unwrap_or_else(|| other.to_string()),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn is_html(body: &[u8], content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("html"))
        || String::from_utf8_lossy(&body[..body.len().min(64)])
            .trim_start()
            .starts_with('<')
}

/// An HTML page by its title (or text), anything else as a text excerpt.
fn describe_non_json(body: &[u8], content_type: Option<&str>) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    if is_html(body, content_type) {
        let lower = text.to_ascii_lowercase();
        let title = lower.find("<title").and_then(|start| {
            let open_end = start + lower[start..].find('>')? + 1;
            let close = open_end + lower[open_end..].find("</title")?;
            Some(text.get(open_end..close)?.to_owned())
        });
        let summary = match title {
            Some(title) if !title.trim().is_empty() => title,
            _ => strip_tags(&text),
        };
        format!("an HTML page: {}", excerpt(&summary, EXCERPT_CHARS))
    } else {
        excerpt(&text, EXCERPT_CHARS)
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len().min(4096));
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// One line of at most `max_chars` characters: control characters become spaces, runs of whitespace
/// collapse, and a cut is marked with `…`.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut last_space = true;
    for c in text.chars() {
        let c = if c.is_whitespace() || c.is_control() {
            ' '
        } else {
            c
        };
        if c == ' ' && last_space {
            continue;
        }
        if count == max_chars {
            out.push('…');
            return out;
        }
        last_space = c == ' ';
        out.push(c);
        count += 1;
    }
    out.trim_end().to_owned()
}

/// The JSON kind a reply must be (serde would read a struct from an array, with a baffling message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Object,
    Array,
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses a success body as `what` (e.g. "a session"), or says clearly why it cannot.
pub fn parse_json<T: DeserializeOwned>(
    body: &[u8],
    content_type: Option<&str>,
    what: &str,
    shape: Shape,
) -> Result<T, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(format!("the body is empty; expected {what}"));
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(_) if is_html(body, content_type) => {
            return Err(format!(
                "expected {what} as JSON, got {}",
                describe_non_json(body, content_type)
            ))
        }
        Err(e) if e.is_eof() => {
            return Err(format!(
                "the JSON body is truncated ({e}); expected {what}; it starts with: {}",
                excerpt(&String::from_utf8_lossy(body), EXCERPT_CHARS)
            ))
        }
        Err(e) => {
            return Err(format!(
                "the body is not valid JSON ({e}); expected {what}; it starts with: {}",
                excerpt(&String::from_utf8_lossy(body), EXCERPT_CHARS)
            ))
        }
    };
    let (wanted, shape_ok) = match shape {
        Shape::Object => ("an object", value.is_object()),
        Shape::Array => ("an array", value.is_array()),
    };
    if !shape_ok {
        return Err(format!(
            "the JSON is not {what}: expected {wanted}, got {}; body: {}",
            kind_of(&value),
            excerpt(&value.to_string(), EXCERPT_CHARS)
        ));
    }
    T::deserialize(&value).map_err(|e| {
        format!(
            "the JSON is not {what}: {}; body: {}",
            excerpt(&e.to_string(), EXCERPT_CHARS),
            excerpt(&value.to_string(), EXCERPT_CHARS)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nac_api::wire::SessionInfo;
    use proptest::prelude::*;

    #[test]
    fn error_bodies_of_every_shape() {
        type Case<'a> = (&'a [u8], Option<&'a str>, Option<&'a str>, &'a str);
        let cases: &[Case] = &[
            (
                br#"{"status":503,"code":"UNAVAILABLE","message":"Service unavailable"}"#,
                None,
                Some("UNAVAILABLE"),
                "Service unavailable",
            ),
            (
                br#"{"detail":"QoS subscription not found"}"#,
                None,
                None,
                "QoS subscription not found",
            ),
            (
                br#"{"detail":[{"loc":["body","device","phoneNumber"],"msg":"field required","type":"missing","input":"tok-secret"}]}"#,
                None,
                None,
                "body.device.phoneNumber: field required",
            ),
            (br#"{"message":"Invalid API key."}"#, None, None, "Invalid API key."),
            (
                b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
                Some("text/html"),
                None,
                "an HTML page: 502 Bad Gateway",
            ),
            (b"<h1>Oops</h1>\n<p>down</p>", None, None, "an HTML page: Oops down"),
            (b"upstream connect error", Some("text/plain"), None, "upstream connect error"),
            (b"", None, None, ""),
            (b"[1,2]", None, None, "[1,2]"),
        ];
        for (body, ct, code, message) in cases {
            let problem = describe_error_body(body, *ct);
            assert_eq!(problem.code.as_deref(), *code, "{body:?}");
            assert_eq!(problem.message, *message, "{body:?}");
        }
    }

    #[test]
    fn excerpts_are_short_single_lines() {
        assert_eq!(excerpt("a\n\n  b\tc", 10), "a b c");
        let long = "é".repeat(500);
        let cut = excerpt(&long, 10);
        assert_eq!(cut.chars().count(), 11);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn malformed_sessions_say_why() {
        let err =
            parse_json::<SessionInfo>(b"{\"sessionId\": \"x\"", None, "a session", Shape::Object)
                .unwrap_err();
        assert!(err.contains("truncated"), "{err}");
        let err =
            parse_json::<SessionInfo>(br#"{"sessionId": 5}"#, None, "a session", Shape::Object)
                .unwrap_err();
        assert!(
            err.contains("not a session") && err.contains("invalid type"),
            "{err}"
        );
        let err = parse_json::<SessionInfo>(b"<html>hi</html>", None, "a session", Shape::Object)
            .unwrap_err();
        assert!(err.contains("HTML"), "{err}");
        let err = parse_json::<SessionInfo>(b"  ", None, "a session", Shape::Object).unwrap_err();
        assert!(err.contains("empty"), "{err}");
    }

    fn arbitrary_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,20}".prop_map(Value::String),
            prop_oneof![
                Just("sessionId"),
                Just("qosProfile"),
                Just("AVAILABLE"),
                Just("2024-06-18T08:48:12Z"),
                Just("detail"),
                Just("code"),
                Just("message")
            ]
            .prop_map(|s| Value::String(s.into())),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            let key = prop_oneof![
                Just("sessionId".to_string()),
                Just("qosProfile".to_string()),
                Just("qosStatus".to_string()),
                Just("duration".to_string()),
                Just("applicationServer".to_string()),
                Just("startedAt".to_string()),
                Just("expiresAt".to_string()),
                Just("device".to_string()),
                Just("detail".to_string()),
                Just("message".to_string()),
                Just("code".to_string()),
                ".{0,8}",
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(key, inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..2048),
                                       html in any::<bool>()) {
            let ct = html.then_some("text/html");
            let problem = describe_error_body(&body, ct);
            prop_assert!(problem.message.chars().count() <= EXCERPT_CHARS + 40);
            if let Err(e) = parse_json::<SessionInfo>(&body, ct, "a session", Shape::Object) {
                prop_assert!(!e.is_empty());
                prop_assert!(e.chars().count() <= 3 * EXCERPT_CHARS + 200);
            }
            let _ = parse_json::<Vec<SessionInfo>>(&body, ct, "a list of sessions", Shape::Array);
        }

        #[test]
        fn arbitrary_json_never_panics(value in arbitrary_json()) {
            let body = value.to_string();
            let _ = describe_error_body(body.as_bytes(), None);
            match parse_json::<SessionInfo>(body.as_bytes(), None, "a session", Shape::Object) {
                Ok(session) => prop_assert_eq!(value["sessionId"].as_str(), Some(session.session_id.as_str())),
                Err(e) => prop_assert!(e.contains("a session"), "{}", e),
            }
            let _ = parse_json::<Vec<SessionInfo>>(body.as_bytes(), None, "a list of sessions", Shape::Array);
        }
    }
}
