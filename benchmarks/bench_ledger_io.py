"""Benchmark: ledger import and export of 10,000 assets (xlsx and CSV in CP932).

Generates the demo hospital's 10,000 assets, exports them from one database, imports them into a
fresh facility (creates), re-imports the same file (all unchanged), and prints seconds and peak RSS.
Target (issue #3): import of 10,000 assets <= 10 s on the 2-core machine.

Run: .venv/bin/python benchmarks/bench_ledger_io.py [--assets 10000]
"""

from __future__ import annotations

import argparse
import resource
import time

from django_setup import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=10_000)
    args = parser.parse_args()
    setup_django()

    from mamori.demo.loader import load_demo
    from mamori.ledger.imports import apply_import, export_assets, plan_import
    from mamori.ledger.models import Asset, NetworkSegment, Vendor
    from mamori.tenancy.models import Department, Facility

    load_demo(assets_target=args.assets)
    source = Facility.objects.get()
    files = {}
    for label, fmt, encoding in (("xlsx", "xlsx", "utf-8-sig"), ("csv-cp932", "csv", "cp932")):
        started = time.perf_counter()
        files[label] = export_assets(Asset.objects.filter(facility=source), fmt, encoding)
        print(f"export {args.assets:,} assets as {label:9s}: {time.perf_counter() - started:5.2f} s "
              f"({len(files[label]) / 1e6:.1f} MB)")
    for label, data in files.items():
        target = Facility.objects.create(code=f"copy-{label}", name=f"複製 {label}")
        for model in (NetworkSegment, Department, Vendor):
            for obj in model.objects.filter(facility=source):
                obj.pk, obj.facility = None, target
                obj.save()
        name = "ledger.xlsx" if label == "xlsx" else "ledger.csv"
        started = time.perf_counter()
        plan = plan_import(data, name, target)
        planned = time.perf_counter() - started
        assert plan.ok, plan.errors[:5]
        summary = apply_import(plan)
        total = time.perf_counter() - started
        print(f"import {summary['created']:,} new assets from {label:9s}: {total:5.2f} s "
              f"(read+check {planned:.2f} s, write {total - planned:.2f} s)")
        started = time.perf_counter()
        again = plan_import(data, name, target)
        assert again.ok and again.unchanged == args.assets
        print(f"re-import (all unchanged) from {label:9s}: {time.perf_counter() - started:5.2f} s")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
