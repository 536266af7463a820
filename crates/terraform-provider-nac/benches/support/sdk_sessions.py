"""Creates, then deletes, N QoD sessions (one per device) with Nokia's Python SDK, the way a user
would script it, and prints the timings as one JSON line. Used by `cargo bench --bench terraform`.

    python sdk_sessions.py --base-url http://127.0.0.1:8080 --count 50 --threads 10
"""
import argparse
import json
import time

process_started = time.perf_counter()
import network_as_code as nac  # noqa: E402  (import time is part of what a script costs)
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

imported = time.perf_counter()


def run_all(function, items, threads):
    if threads <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(function, items))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True, help="API root of nac-sandbox")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--prefix", default="sdk")
    parser.add_argument("--token", default="bench-api-key")
    args = parser.parse_args()

    client = nac.NetworkAsCodeClient(
        token=args.token, qos_base_url=f"{args.base_url}/quality-on-demand/v1"
    )
    devices = [
        client.devices.get(network_access_identifier=f"{args.prefix}-{i}@bench.example")
        for i in range(args.count)
    ]

    def create(device):
        return device.create_qod_session(
            profile="DOWNLINK_L_UPLINK_L", duration=3600, service_ipv4="233.252.0.9"
        )

    def delete(session):
        session.delete()
        return session.id

    t0 = time.perf_counter()
    sessions = run_all(create, devices, args.threads)
    t1 = time.perf_counter()
    deleted = run_all(delete, sessions, args.threads)
    t2 = time.perf_counter()
    print(
        json.dumps(
            {
                "import_seconds": imported - process_started,
                "create_seconds": t1 - t0,
                "delete_seconds": t2 - t1,
                "created": len({s.id for s in sessions}),
                "deleted": len(deleted),
            }
        )
    )


if __name__ == "__main__":
    main()
