"""Nokia's SDK network_as_code 10.0.0 (the generated client), unchanged, against the sandbox's NaC rules.

Usage: sdk10_rules.py API_ROOT API_KEY. Exits non-zero on the first failed check.
"""

import sys
import time

from network_as_code import NetworkAsCodeApi
from network_as_code.errors import ConflictError, NotFoundError


def check(ok, what):
    if not ok:
        print(f"FAILED: {what}")
        sys.exit(1)
    print(f"ok: {what}")


def main(root, key):
    client = NetworkAsCodeApi(base_url=root, api_key=key)
    device = {"phone_number": "+36721601234567"}
    server = {"ipv4address": "233.252.0.9"}
    session = client.qod.create_session_v1(application_server=server, qos_profile="QOS_L", device=device, duration=600)
    check(session.qos_status in ("REQUESTED", "AVAILABLE"), f"created {session.session_id}")

    try:
        client.qod.create_session_v1(application_server=server, qos_profile="QOS_L", device=device, duration=600)
        check(False, "a second live session for the device must be refused")
    except ConflictError as e:
        check(e.status_code == 409 and e.body["code"] == "CONFLICT", f"second session: ConflictError {e.body}")

    listed = client.qod.retrieve_sessions_v1(device=device)
    check([s.session_id for s in listed] == [session.session_id], "retrieve-sessions lists the one session")
    deadline = time.time() + 5
    while client.qod.get_session_v1(session.session_id).qos_status != "AVAILABLE":
        check(time.time() < deadline, "becomes AVAILABLE")
        time.sleep(0.05)
    extended = client.qod.extend_session_v1(session.session_id, requested_additional_duration=60)
    check(extended.duration == 660, f"extended to {extended.duration}")

    other = NetworkAsCodeApi(base_url=root, api_key=key + "-other-team")
    try:
        other.qod.get_session_v1(session.session_id)
        check(False, "another key must not see the session")
    except NotFoundError:
        check(True, "another key: NotFoundError")

    client.qod.delete_session_v1(session.session_id)
    try:
        client.qod.get_session_v1(session.session_id)
        check(False, "a deleted session is gone")
    except NotFoundError as e:
        check(e.body["code"] == "NOT_FOUND", "deleted: NotFoundError")
    # The device is free again.
    again = client.qod.create_session_v1(application_server=server, qos_profile="QOS_L", device=device, duration=60)
    client.qod.delete_session_v1(again.session_id)
    print("SDK10 RULES OK")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
