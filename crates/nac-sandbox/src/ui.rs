//! The live page at `/_sandbox/ui`: server-rendered HTML (the sessions as they are now) and a little
//! plain JavaScript (`ui/page.js`, compiled into the binary) that polls the admin API every second,
//! counts down to each expiry, and runs the admin actions. Same protection as the admin API.

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::admin_auth::{login_token, COOKIE};
use super::state::Shared;

const SCRIPT: &str = include_str!("ui/page.js");

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Keys whose clocks were moved on their own, with how far ahead: `key-1a2b3c4d +3600 s`.
fn key_clocks(sandbox: &Shared) -> String {
    let keys: Vec<String> = sandbox
        .clock
        .key_offsets_ms()
        .into_iter()
        .map(|(owner, ms)| escape(&format!("{} +{} s", owner.label(), ms as f64 / 1000.0)))
        .collect();
    keys.join(", ")
}

fn rows(sandbox: &Shared) -> String {
    let now = sandbox.clock.now();
    let mut html = String::new();
    for (owner, s) in sandbox.store.all(None, now) {
        let device = s
            .device
            .as_ref()
            .and_then(|d| {
                d.phone_number
                    .clone()
                    .or(d.network_access_identifier.clone())
            })
            .unwrap_or_default();
        let local = now + sandbox.clock.key_offset(&owner);
        let left = s
            .expires_at
            .map(|e| (e - local).num_seconds().max(0))
            .unwrap_or_default();
        html.push_str(&format!(
            "<tr data-session-id=\"{id}\"><td class=\"id\">{id}</td><td class=\"owner\">{owner}</td>\
             <td class=\"status\">{status}</td><td class=\"device\">{device}</td>\
             <td class=\"profile\">{profile}</td><td class=\"countdown\">{left}s</td>\
             <td class=\"actions\"><button class=\"terminate\" data-id=\"{id}\">Terminate</button></td></tr>",
            id = escape(&s.session_id),
            owner = escape(&owner.label()),
            status = s.qos_status.as_str(),
            device = escape(&device),
            profile = escape(&s.qos_profile),
        ));
    }
    html
}

pub(crate) async fn page(State(sandbox): State<Shared>, RawQuery(query): RawQuery) -> Response {
    // A login link (already checked by the admin guard): keep the token in a cookie, not in the URL bar.
    if let (Some(token), Some(_)) = (login_token(query.as_deref()), &sandbox.config.admin_token) {
        let cookie = format!("{COOKIE}={token}; Path=/_sandbox; HttpOnly; SameSite=Strict");
        let mut response = StatusCode::SEE_OTHER.into_response();
        response
            .headers_mut()
            .insert(header::LOCATION, HeaderValue::from_static("/_sandbox/ui"));
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
        return response;
    }
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nac-sandbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 14px system-ui, sans-serif; margin: 1.5em; color: #1b1b1b; }}
h1 {{ font-size: 1.4em; margin: 0 0 .3em; }} .muted {{ color: #666; }}
fieldset {{ display: inline-block; border: 1px solid #ccc; border-radius: 6px; margin: .3em .5em .3em 0; }}
input {{ width: 6em; }} button {{ cursor: pointer; }}
table {{ border-collapse: collapse; width: 100%; margin-top: 1em; }}
th, td {{ text-align: left; padding: .35em .6em; border-bottom: 1px solid #e4e4e4; }}
th {{ background: #f3f5f8; }} td.id {{ font-family: monospace; font-size: .9em; }}
tr.available td.status {{ color: #087f23; font-weight: 600; }} tr.requested td.status {{ color: #b26a00; }}
tr.unavailable {{ color: #888; }} #message.error {{ color: #b00020; }}
</style></head>
<body>
<h1>nac-sandbox</h1>
<div class="muted">Network as Code Quality-on-Demand emulator · sandbox clock: <span id="clock">{now}</span> · <span id="count"></span></div>
<div class="muted">key clocks: <span id="key-clocks">{key_clocks}</span></div>
<div>
<fieldset><legend>Clock</legend><input id="advance-seconds" type="number" min="0" value="60"> s <button id="advance">Advance</button></fieldset>
<fieldset><legend>Faults</legend>error rate <input id="error-rate" type="number" min="0" max="1" step="0.05" value="0"> latency <input id="latency-ms" type="number" min="0" value="0"> ms <button id="set-faults">Set</button> <span id="faults-now" class="muted"></span></fieldset>
<fieldset><legend>Everything</legend><button id="reset">Reset</button></fieldset>
</div>
<div id="message"></div>
<table id="sessions"><thead><tr><th>Session</th><th>Key</th><th>Status</th><th>Device</th><th>Profile</th><th>Expires in</th><th></th></tr></thead>
<tbody>{rows}</tbody></table>
<script>{SCRIPT}</script>
</body></html>"#,
        now = nac_api::wire::format_timestamp(&sandbox.clock.now()),
        rows = rows(&sandbox),
        key_clocks = key_clocks(&sandbox),
    );
    let mut response = Html(html).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
