// nac-sandbox live page: polls the admin API, renders sessions with a countdown, runs admin actions.
"use strict";
let sessions = [];
let offsetMs = 0; // sandbox clock minus this browser's clock
let keyOffsetsMs = {}; // per key (owner label): its clock ahead of the sandbox clock

const $ = (sel) => document.querySelector(sel);

async function call(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  // State-changing admin calls must be JSON, even without a body (the sandbox refuses anything a page
  // of another site could send without a preflight).
  if (method !== "GET") opts.headers["Content-Type"] = "application/json";
  if (body !== undefined) opts.body = JSON.stringify(body);
  const r = await fetch("/_sandbox" + path, opts);
  const text = await r.text();
  const value = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error((value && value.message) || r.status);
  return value;
}

function say(message, isError) {
  const el = $("#message");
  el.textContent = message;
  el.className = isError ? "error" : "";
}

function device(d) {
  if (!d) return "";
  const v4 = d.ipv4Address;
  return [d.phoneNumber, d.networkAccessIdentifier, d.ipv6Address,
    v4 && [v4.publicAddress, v4.privateAddress, v4.publicPort].filter((x) => x !== undefined && x !== null).join(" ")]
    .filter(Boolean).join(" · ");
}

function countdown(s) {
  if (s.qosStatus === "UNAVAILABLE") return s.statusInfo || "ended";
  const left = Math.max(0, Date.parse(s.expiresAt) - (Date.now() + offsetMs + (keyOffsetsMs[s.owner] || 0)));
  const secs = Math.floor(left / 1000);
  const h = Math.floor(secs / 3600), m = Math.floor((secs % 3600) / 60), sec = secs % 60;
  return (h ? h + "h " : "") + (h || m ? m + "m " : "") + sec + "s";
}

const COLUMNS = ["id", "owner", "status", "device", "profile", "countdown", "actions"];

// Rows are kept and updated in place (never rebuilt), so a button stays the same element between
// renders and a click is never lost.
function row(s) {
  const body = $("#sessions tbody");
  let tr = body.querySelector('tr[data-session-id="' + CSS.escape(s.sessionId) + '"]');
  if (!tr) {
    tr = document.createElement("tr");
    tr.dataset.sessionId = s.sessionId;
    for (const name of COLUMNS) {
      const td = document.createElement("td");
      td.className = name;
      tr.appendChild(td);
    }
    const b = document.createElement("button");
    b.textContent = "Terminate";
    b.className = "terminate";
    b.dataset.id = s.sessionId;
    tr.querySelector("td.actions").appendChild(b);
  }
  return tr;
}

function set(tr, name, text) {
  const td = tr.querySelector("td." + name);
  if (td.textContent !== text) td.textContent = text;
}

function render() {
  const body = $("#sessions tbody");
  const wanted = new Set(sessions.map((s) => s.sessionId));
  for (const tr of [...body.children]) {
    if (!wanted.has(tr.dataset.sessionId)) tr.remove();
  }
  for (const s of sessions) {
    const tr = row(s);
    tr.className = s.qosStatus.toLowerCase();
    set(tr, "id", s.sessionId);
    set(tr, "owner", s.owner);
    set(tr, "status", s.qosStatus);
    set(tr, "device", device(s.device));
    set(tr, "profile", s.qosProfile);
    set(tr, "countdown", countdown(s));
    tr.querySelector("button.terminate").hidden = s.qosStatus === "UNAVAILABLE";
    body.appendChild(tr); // keeps the server's order
  }
  $("#count").textContent = sessions.length + (sessions.length === 1 ? " session" : " sessions");
}

async function refresh() {
  try {
    const [list, clock, faults] = await Promise.all([call("GET", "/sessions"), call("GET", "/clock"), call("GET", "/faults")]);
    sessions = list;
    offsetMs = Date.parse(clock.now) - Date.now();
    $("#clock").textContent = clock.now + " (offset " + clock.offset_seconds + " s)";
    // Keys whose clocks were moved on their own: their sessions' countdowns follow their clock.
    keyOffsetsMs = {};
    for (const k of clock.keys || []) keyOffsetsMs[k.owner] = k.offset_seconds * 1000;
    $("#key-clocks").textContent = (clock.keys || []).map((k) => k.owner + " +" + k.offset_seconds + " s").join(", ");
    $("#faults-now").textContent = "error rate " + faults.error_rate + ", latency " + faults.latency_ms + " ms";
    render();
  } catch (e) {
    say("refresh failed: " + e.message, true);
  }
}

async function act(action, done) {
  try {
    await action();
    say(done, false);
  } catch (e) {
    say(e.message, true);
  }
  await refresh();
}

// One listener for every Terminate button, the server-rendered ones included.
$("#sessions tbody").addEventListener("click", (ev) => {
  const b = ev.target.closest("button.terminate");
  if (b) act(() => call("POST", "/sessions/" + encodeURIComponent(b.dataset.id) + "/terminate"), "terminated " + b.dataset.id);
});
$("#advance").onclick = () => {
  const n = Number($("#advance-seconds").value);
  act(() => call("POST", "/clock", { advance_seconds: n }), "clock advanced " + n + " s");
};
$("#set-faults").onclick = () => {
  const faults = { error_rate: Number($("#error-rate").value), latency_ms: Number($("#latency-ms").value) };
  act(() => call("PUT", "/faults", faults), "faults set");
};
$("#reset").onclick = () => act(() => call("POST", "/reset"), "reset");

refresh();
setInterval(refresh, 1000);
setInterval(render, 250);
