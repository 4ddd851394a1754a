"""Benchmark: the ledger list page with a 10,000-asset demo hospital.

Loads the generated hospital into a fresh SQLite database (or DATABASE_URL), then requests the
list page with common filters through Django's test client (server time only, no network) and
prints p50/p95 per filter plus SQL queries per request. Target (issue #3): p95 <= 200 ms.

Run: .venv/bin/python benchmarks/bench_ledger_list.py [--assets 10000] [--repeat 40]
"""

from __future__ import annotations

import argparse
import statistics
import time

from django_setup import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from mamori.accounts.models import User
    from mamori.demo.loader import load_demo
    from mamori.tenancy.models import Facility

    started = time.perf_counter()
    load_demo(assets_target=args.assets)
    print(f"loaded {args.assets:,} assets in {time.perf_counter() - started:.1f} s")
    user = User.objects.create_user("bench", role="it_staff", facility=Facility.objects.get())
    client = Client()
    client.force_login(user)
    for query in ("", "?category=terminal", "?q=電子カルテ", "?segment=EHR&in_use=true&mfa=no", "?page=last",
                  "?incomplete=true", "?vendor=V-EHR&support_ended=true"):
        url = "/ledger/assets/" + query
        client.get(url)  # warm
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        median = statistics.median(times)
        print(f"{url:45s} p50 {median:6.1f} ms  p95 {p95:6.1f} ms  queries {len(ctx.captured_queries)}")


if __name__ == "__main__":
    main()
