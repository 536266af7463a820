// nac-sandbox live page: polls the admin API, renders sessions with a countdown, runs admin actions.
"use strict";
let sessions = [];
let offsetMs = 0; // sandbox clock minus this browser's clock

const $ = (sel) => document.querySelector(sel);

async function call(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
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
  const left = Math.max(0, Date.parse(s.expiresAt) - (Date.now() + offsetMs));
  const secs = Math.floor(left / 1000);
  const h = Math.floor(secs / 3600), m = Math.floor((secs % 3600) / 60), sec = secs % 60;
  return (h ? h + "h " : "") + (h || m ? m + "m " : "") + sec + "s";
}

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function render() {
  const body = $("#sessions tbody");
  body.replaceChildren();
  for (const s of sessions) {
    const tr = document.createElement("tr");
    tr.dataset.sessionId = s.sessionId;
    tr.className = s.qosStatus.toLowerCase();
    cell(tr, s.sessionId, "id");
    cell(tr, s.owner, "owner");
    cell(tr, s.qosStatus, "status");
    cell(tr, device(s.device), "device");
    cell(tr, s.qosProfile, "profile");
    cell(tr, countdown(s), "countdown");
    const td = cell(tr, "", "actions");
    if (s.qosStatus !== "UNAVAILABLE") {
      const b = document.createElement("button");
      b.textContent = "Terminate";
      b.className = "terminate";
      b.dataset.id = s.sessionId;
      b.onclick = () => act(() => call("POST", "/sessions/" + s.sessionId + "/terminate"), "terminated " + s.sessionId);
      td.appendChild(b);
    }
    body.appendChild(tr);
  }
  $("#count").textContent = sessions.length + (sessions.length === 1 ? " session" : " sessions");
}

async function refresh() {
  try {
    const [list, clock, faults] = await Promise.all([call("GET", "/sessions"), call("GET", "/clock"), call("GET", "/faults")]);
    sessions = list;
    offsetMs = Date.parse(clock.now) - Date.now();
    $("#clock").textContent = clock.now + " (offset " + clock.offset_seconds + " s)";
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
