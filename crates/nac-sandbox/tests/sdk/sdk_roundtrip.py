"""Nokia's Python SDK (network_as_code 8.0.0, unchanged) against nac-sandbox.

Usage: python sdk_roundtrip.py <api-root> <api-key>
Creates sessions (with ports, IPv6, a sink), gets them, lists a device's sessions, extends and deletes
them, and expects NotFound for an unknown id. Prints "SDK ROUNDTRIP OK <n> checks" on success; any failed
check raises (non-zero exit).
"""

import json
import sys
import threading
import time
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import network_as_code as nac
from network_as_code.errors import APIError, AuthenticationException, NotFound
from network_as_code.models.device import AccessTokenCredential, DeviceIpv4Addr
from network_as_code.models.session import PortRange, PortsSpec

CHECKS = 0


def check(condition, what):
    global CHECKS
    CHECKS += 1
    if not condition:
        raise AssertionError(what)


class Receiver(BaseHTTPRequestHandler):
    """A local sink for the session's notifications."""

    events = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Receiver.events.append((self.headers.get("Authorization"), self.headers.get("Content-Type"), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def wait_for(predicate, what, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def main(api_root, api_key):
    receiver = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    sink = f"http://127.0.0.1:{receiver.server_address[1]}/notify"

    client = nac.NetworkAsCodeClient(token=api_key, qos_base_url=f"{api_root}/quality-on-demand/v1")

    device = client.devices.get(
        network_access_identifier="sdk-device@testcsp.net",
        phone_number="+36721601234567",
        ipv4_address=DeviceIpv4Addr(public_address="233.252.0.2", private_address="192.0.2.25", public_port=80),
        ipv6_address="2001:db8::2",
    )
    check(device.sessions() == [], "a device without sessions lists none (NaC's 404 read as empty)")

    # With ports, IPv6 and a sink.
    full = device.create_qod_session(
        profile="DOWNLINK_L_UPLINK_L",
        duration=3600,
        service_ipv4="233.252.0.9",
        service_ipv6="2001:db8:1234:5678:9abc:def0:fedc:ba98",
        device_ports=PortsSpec(ports=[20000]),
        service_ports=PortsSpec(ranges=[PortRange(start=80, end=443)], ports=[8080]),
        sink=sink,
        sink_credential=AccessTokenCredential(
            access_token="sdk-sink-token",
            access_token_expires_utc="2030-01-01T00:00:00Z",
            access_token_type="bearer",
        ),
    )
    check(uuid.UUID(full.id), "a session id")
    check(full.profile == "DOWNLINK_L_UPLINK_L", "profile echoed")
    check(full.status in ("REQUESTED", "AVAILABLE"), f"new session status {full.status}")
    check(full.duration == 3600, "duration echoed")
    check(isinstance(full.started_at, datetime) and full.started_at.tzinfo is not None, "startedAt is a UTC timestamp")
    check(full.expires_at is not None and (full.expires_at - full.started_at).total_seconds() == 3600, "expiresAt")
    check(full.service_ipv4 == "233.252.0.9", "service IPv4")
    check(full.service_ipv6 == "2001:db8:1234:5678:9abc:def0:fedc:ba98", "service IPv6")
    check(full.device_ports.ports == [20000], "device ports")
    check(full.service_ports.ports == [8080], "service ports")
    check(full.service_ports.ranges[0].start == 80 and full.service_ports.ranges[0].end == 443, "service port range")

    # Minimal: IPv4 service only, default fields left to the API.
    minimal = device.create_qod_session(profile="QOS_E", duration=600, service_ipv4="233.252.0.9")
    check(minimal.duration == 600 and minimal.device_ports is None, "minimal session")

    # An IPv6-only device and service (the SDK sends "ipv4Address": null for the server).
    device6 = client.devices.get(ipv6_address="2001:db8:85a3:8d3:1319:8a2e:370:7344")
    v6 = device6.create_qod_session(profile="QOS_S", duration=60, service_ipv6="2001:db8::1")
    check(v6.service_ipv4 is None and v6.service_ipv6 == "2001:db8::1", "IPv6-only session")

    # Get.
    got = client.sessions.get(full.id)
    check(got.id == full.id and got.profile == full.profile, "get by id")
    check(got.device.phone_number == "+36721601234567", "device phone echoed")
    check(got.device.network_access_identifier == "sdk-device@testcsp.net", "device NAI echoed")
    check(got.device.ipv4_address.public_port == 80, "device IPv4 echoed")
    check(got.device.ipv6_address == "2001:db8::2", "device IPv6 echoed")
    got = wait_for(lambda: (lambda s: s if s.status == "AVAILABLE" else None)(client.sessions.get(full.id)), "AVAILABLE")
    check(got.status == "AVAILABLE", "becomes AVAILABLE")

    # The sink heard of it, with the Bearer token.
    auth, content_type, event = wait_for(lambda: next((e for e in Receiver.events if e[2]["data"]["sessionId"] == full.id), None), "a notification")
    check(auth == "Bearer sdk-sink-token", f"notification Authorization {auth}")
    check(content_type == "application/cloudevents+json", f"notification Content-Type {content_type}")
    check(event["data"]["qosStatus"] == "AVAILABLE", "AVAILABLE notified")

    # List a device's sessions.
    listed = device.sessions()
    check(sorted(s.id for s in listed) == sorted([full.id, minimal.id]), f"device sessions {[s.id for s in listed]}")
    check([s.id for s in device6.sessions()] == [v6.id], "the IPv6 device's sessions")

    # Extend.
    wait_for(lambda: client.sessions.get(minimal.id).status == "AVAILABLE", "minimal AVAILABLE")
    full.extend(120)
    check(full.duration == 3720, f"extended duration {full.duration}")
    check(client.sessions.get(full.id).duration == 3720, "extension visible on get")

    # Delete.
    minimal.delete()
    try:
        client.sessions.get(minimal.id)
        check(False, "a deleted session is gone")
    except NotFound:
        check(True, "deleted session: NotFound")
    check([s.id for s in device.sessions()] == [full.id], "one session left")

    # NotFound for an unknown id.
    try:
        client.sessions.get(str(uuid.uuid4()))
        check(False, "unknown id must raise")
    except NotFound:
        check(True, "unknown id: NotFound")

    # Invalid input is an API error, a wrong key an authentication error.
    try:
        device.create_qod_session(profile="DOWNLINK_XL_UPLINK_L", duration=60, service_ipv4="233.252.0.9")
        check(False, "unknown profile must raise")
    except APIError as e:
        check("qosProfile" in str(e), f"error names the field: {e}")
    wrong = nac.NetworkAsCodeClient(token="wrong-key", qos_base_url=f"{api_root}/quality-on-demand/v1")
    try:
        wrong.sessions.get(full.id)
        check(False, "a wrong key must raise")
    except AuthenticationException:
        check(True, "wrong key: AuthenticationException")

    # Clean up through the SDK.
    device.clear_sessions()
    device6.clear_sessions()
    check(device.sessions() == [] and device6.sessions() == [], "all sessions deleted")
    receiver.shutdown()
    print(f"SDK ROUNDTRIP OK {CHECKS} checks")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
