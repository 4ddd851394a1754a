"""Benchmark: reading CSAF advisories and matching a hospital ledger against them by vendor and product name.

- the 144 real CISA ICSMA advisories from ../shared/data when present (plain files, sha512 not present);
- ~2,400 generated advisories shaped like CISA's (as many as its OT feed holds): 300 vendors, 2–14 products
  each with the real version notations (`<= 7.2.8.810`, `vers:all/*`, `<=N`, `9.x model …`, exact lists,
  model ranges such as `MX400-MX850`), 1–6 vulnerabilities, encoded to JSON and parsed from bytes;
- a generated 10,000-device ledger, once as a real fleet (many identical devices) and once with every
  device different: a fifth of the devices are named like an advisory product, the rest are not.

Target (issue brief): 10,000 devices × 2,400 advisories well under 10 s.
Run: .venv/bin/python benchmarks/bench_csaf.py [--advisories 2400] [--devices 10000] [--seed 42]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from pathlib import Path
from typing import Any

from mamori.engines.vulns.csaf import CsafAdvisory, parse_csaf, read_csaf_file
from mamori.engines.vulns.csaf_match import CsafIndex, Device

ICSMA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "vulns" / "csaf-icsma"
REAL_VENDORS = ["Philips", "Becton, Dickinson and Company (BD)", "GE Healthcare", "Baxter", "Medtronic", "Siemens",
                "B. Braun Medical", "Softneta", "Contec Health", "Fortinet PSIRT", "Hillrom", "Dräger", "Fujifilm"]
WORDS = ["Intelli", "Vue", "Alaris", "Spectrum", "Pyxis", "Med", "Dream", "Logiq", "Vivid", "Care", "Link", "Space",
         "Station", "Nova", "Seq", "Brivo", "Optima", "Signa", "Centricity", "Xeleris", "Infinity", "Delta", "Kappa",
         "Welch", "Connex", "Pacs", "Guard", "Flex", "Prisma", "Sigma", "Omni", "Pod", "Neuro", "Works", "Cardio"]
KINDS = ["Patient Monitor", "Infusion Pump", "PACS", "Workstation", "Gateway", "Server", "Ventilator", "Analyzer"]
VERSIONS = ["<= {v}", "<{v}", "vers:all/*", "<=N", "{major}.x model 35700BAX{major}", "{v}", "{v} | {w}",
            ">= {w} | <= {v}", "vers:generic/>={w}|<{v}", "Rev B-M", "All versions"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _version(rng: random.Random) -> str:
    return ".".join(str(rng.randint(0, 12)) for _ in range(rng.choice((2, 3, 4))))


def _product_name(rng: random.Random) -> str:
    name = rng.choice(WORDS) + rng.choice(WORDS).lower()
    if rng.random() < 0.2:
        low = rng.randint(1, 40) * 10
        return f"{name} {rng.choice(KINDS)} MX{low}-MX{low + rng.randint(1, 40) * 10}"
    return f"{name} {rng.choice(KINDS)} {rng.choice(['', 'Pro', 'Plus', str(rng.randint(2, 900))])}".strip()


def _advisory(number: int, vendor: str, rng: random.Random) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    products, names = [], []
    pid = 0
    for _ in range(rng.randint(2, 14)):
        name = _product_name(rng)
        leaves = []
        for _ in range(rng.randint(1, 3)):
            pid += 1
            notation = rng.choice(VERSIONS).format(v=_version(rng), w=_version(rng), major=rng.randint(6, 9))
            category = "product_version" if rng.random() < 0.4 else "product_version_range"
            leaves.append({"category": category, "name": notation,
                           "product": {"name": f"{name}: {notation}", "product_id": f"CSAFPID-{pid:04d}"}})
        products.append({"category": "product_name", "name": name, "branches": leaves})
        names.append((vendor, name))
    ids = [f"CSAFPID-{i:04d}" for i in range(1, pid + 1)]
    cvss = {"version": "3.1", "baseScore": 7.5, "baseSeverity": "HIGH",
            "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}
    vulns = [{"cve": f"CVE-20{rng.randint(17, 25)}-{rng.randint(1000, 99999)}", "cwe": {"id": "CWE-79", "name": "XSS"},
              "product_status": {"known_affected": rng.sample(ids, rng.randint(1, len(ids)))},
              "scores": [{"products": ids[:1], "cvss_v3": cvss}],
              "remediations": [{"category": "mitigation", "details": "Segment the network.", "product_ids": ids}]}
             for _ in range(rng.randint(1, 6))]
    date = f"20{rng.randint(17, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T00:00:00Z"
    document = {"category": "csaf_security_advisory", "csaf_version": "2.0", "title": f"{vendor} advisory {number}",
                "publisher": {"category": "coordinator", "name": "CISA", "namespace": "https://www.cisa.gov/"},
                "tracking": {"id": f"ICSA-GEN-{number:05d}", "status": "final", "version": "1",
                             "initial_release_date": date, "current_release_date": date}}
    return {"document": document, "product_tree": {"branches": [{"category": "vendor", "name": vendor,
                                                                  "branches": products}]},
            "vulnerabilities": vulns}, names


def generate(count: int, rng: random.Random) -> tuple[list[bytes], list[tuple[str, str]]]:
    vendors = REAL_VENDORS + [f"{rng.choice(WORDS)}{rng.choice(WORDS).lower()} Medical {n} Co., Ltd."
                              for n in range(287)]
    files, names = [], []
    for number in range(count):
        document, products = _advisory(number, rng.choice(vendors), rng)
        files.append(json.dumps(document).encode())
        names.extend(products)
    return files, names


def ledger(count: int, names: list[tuple[str, str]], rng: random.Random, fleet: bool) -> list[Device]:
    models = [rng.choice(names) for _ in range(150 if fleet else count)]
    devices = []
    for number in range(count):
        vendor, product = models[number % len(models)] if fleet else rng.choice(names)
        if rng.random() < 0.8:  # not in any advisory: another name from the same or an unknown vendor
            product = f"{rng.choice(WORDS)}{rng.choice(WORDS).lower()} {rng.choice(KINDS)} {rng.randint(1, 99)}"
            vendor = vendor if rng.random() < 0.5 else f"Other Vendor {rng.randint(1, 500)}"
        version = "" if rng.random() < 0.2 else _version(rng)
        if fleet:
            version = ["", "7.2", "12.3"][number % 3]
        devices.append(Device(f"D{number:05d}", vendor.split(" (")[0], (product + " Premium", f"asset {number}"),
                              version, (("Microsoft", "Windows 10", "22H2"),)))
    return devices


def run(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    real: list[CsafAdvisory] = []
    if ICSMA.is_dir():
        paths = sorted(ICSMA.glob("*.json"))
        started = time.perf_counter()
        real = [read_csaf_file(p) for p in paths]
        elapsed = time.perf_counter() - started
        print(f"real ICSMA: {len(real)} advisories in {elapsed:.3f} s = {len(real) / elapsed:,.0f} advisories/s")
    else:
        print(f"real ICSMA advisories not present at {ICSMA}; skipped")
    files, names = generate(args.advisories, rng)
    megabytes = sum(len(f) for f in files) / 1e6
    started = time.perf_counter()
    generated = [parse_csaf(data, f"gen-{n}.json") for n, data in enumerate(files)]
    elapsed = time.perf_counter() - started
    print(f"generated: {len(generated):,} advisories ({megabytes:.1f} MB JSON, "
          f"{sum(len(a.products) for a in generated):,} products) parsed in {elapsed:.2f} s = "
          f"{len(generated) / elapsed:,.0f} advisories/s")
    del files
    started = time.perf_counter()
    index = build_index([*real, *generated])
    print(f"index: {len(index):,} advisories in {time.perf_counter() - started:.2f} s")
    for fleet in (True, False):
        devices = ledger(args.devices, names, rng, fleet)
        if not fleet:
            index = build_index([*real, *generated])  # fresh caches: the fleet run's do not help here
        started = time.perf_counter()
        matched = sum(len(found) for _, found in index.match_all(devices))
        elapsed = time.perf_counter() - started
        label = "fleet (150 models)" if fleet else "every device different"
        print(f"match {label}: {len(devices):,} devices in {elapsed:.2f} s = {len(devices) / elapsed:,.0f} devices/s, "
              f"{matched:,} matches")
    print(f"peak RSS {rss_mb():,.0f} MB")


def build_index(advisories: list[CsafAdvisory]) -> CsafIndex:
    """An index of the advisories with its token index built (the first match builds it)."""
    index = CsafIndex()
    index.add_all(advisories)
    index.match(Device("warm-up", "Nobody", ("nothing",)))
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--advisories", type=int, default=2_400)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
