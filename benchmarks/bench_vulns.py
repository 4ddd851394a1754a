"""Benchmark: importing all of NVD (year files, API 2.0 shape) and matching a hospital inventory.

Generates NVD-2.0-shaped year files 1999–2026 with NVD's per-year CVE counts (359,177 CVEs at
--scale 1), real-sized records (descriptions in en/es, CVSS v2/v3.1/v4.0 from one or two sources,
CWEs, references, configurations with ranges, exact versions, "firmware on hardware" AND
configurations and a few giant ones) written gzip-compressed as NVD ships them; then, in a fresh
process so the figures are the importer's own:

- full import: decode year by year (msgspec) and index; total time and peak RSS;
- the real NVD 1.1 feed of 2018 from ../shared/data when present;
- a weekly delta (a `modified` file of changed and new records);
- matching a generated 10,000-asset hospital inventory (PCs, servers, VPN appliances, medical
  devices), once as a real fleet (many identical machines) and once with every asset different.

Targets (issue 4): import ≤ 120 s, peak ≤ 1.5 GB, matching 10,000 assets ≤ 10 s, delta ≤ 10 s (with the
re-match of the assets whose products the changed records name, as the application's weekly run does).
Run: .venv/bin/python benchmarks/bench_vulns.py [--scale 1.0] [--assets 10000] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from mamori.engines.vulns import Asset, IndexChange, MatchTier, VulnIndex, read_nvd_file
from mamori.engines.vulns.cpe import ANY
from mamori.engines.vulns.inventory import asset_cpes

# 2016–2026 as vulnerability-intel.md §2.1 lists them; 1999–2015 approximately as NVD has them, so that
# the total is the 359,177 CVEs of that table.
YEAR_COUNTS = {1999: 1_579, 2000: 1_243, 2001: 1_561, 2002: 2_391, 2003: 1_550, 2004: 2_710, 2005: 4_787,
               2006: 7_139, 2007: 6_581, 2008: 7_174, 2009: 5_003, 2010: 5_116, 2011: 4_820, 2012: 5_783,
               2013: 6_167, 2014: 8_874, 2015: 9_980,
               2016: 10_634, 2017: 17_071, 2018: 17_817, 2019: 17_601, 2020: 21_050, 2021: 23_428,
               2022: 27_516, 2023: 31_204, 2024: 39_148, 2025: 44_755, 2026: 26_495}
REAL_2018 = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "vulns" / "nvd" / "nvdcve-1.1-2018.json.gz"
FORMAT_VERSION = 5  # bump when the generator changes, so cached files are rebuilt

# (part, vendor, product, CVEs in all of NVD, roughly): what a hospital runs; the rest is a long tail.
HEAD = [
    ("o", "debian", "debian_linux", 8000), ("o", "linux", "linux_kernel", 7000),
    ("o", "google", "android", 6000), ("o", "canonical", "ubuntu_linux", 5000),
    ("o", "redhat", "enterprise_linux", 4000), ("o", "microsoft", "windows_10", 4000),
    ("o", "apple", "iphone_os", 4000), ("a", "google", "chrome", 3500),
    ("o", "microsoft", "windows_server_2019", 3000), ("o", "apple", "macos", 3000),
    ("a", "mozilla", "firefox", 2500), ("o", "microsoft", "windows_11", 2000),
    ("o", "microsoft", "windows_server_2022", 2000), ("a", "adobe", "acrobat_reader_dc", 2000),
    ("a", "microsoft", "edge_chromium", 1500), ("a", "oracle", "mysql", 1200),
    ("a", "microsoft", "office", 700), ("a", "oracle", "jdk", 700), ("a", "php", "php", 700),
    ("o", "cisco", "ios_xe", 600), ("o", "fortinet", "fortios", 300), ("a", "apache", "http_server", 250),
    ("a", "apache", "tomcat", 250), ("a", "openssl", "openssl", 250), ("a", "vmware", "esxi", 200),
    ("o", "paloaltonetworks", "pan-os", 150), ("a", "postgresql", "postgresql", 150),
    ("a", "fortinet", "fortiproxy", 100), ("a", "ivanti", "connect_secure", 100),
    ("o", "citrix", "application_delivery_controller_firmware", 60), ("a", "offis", "dcmtk", 30),
    ("a", "nextgen", "mirth_connect", 10),
]
HEAD_SHARE = sum(h[3] for h in HEAD) / 290_000  # of the CVEs that have configurations
HARDWARE = {"fortios": [f"fortigate-{m}" for m in ("60f", "100f", "200f", "600e", "1500d", "3000d", "6300f",
                                                       "6500f", "7060e", "7121f")],
            "application_delivery_controller_firmware": ["application_delivery_controller"],
            "ios_xe": [f"catalyst_{m}" for m in (9200, 9300, 9400, 9500, 9600)],
            "pan-os": [f"pa-{m}" for m in (220, 820, 850, 3220, 5220)]}
WORDS = ["remote", "attacker", "could", "exploit", "buffer", "overflow", "in", "the", "web", "interface", "allowing",
         "arbitrary", "code", "execution", "via", "crafted", "request", "authentication", "bypass", "improper",
         "input", "validation", "path", "traversal", "denial", "of", "service", "memory", "corruption", "heap",
         "use", "after", "free", "cross", "site", "scripting", "SQL", "injection", "privilege", "escalation"]
SOURCES = ("nvd@nist.gov", "psirt@fortinet.com", "secure@microsoft.com", "cve@mitre.org", "security@android.com",
           "productcert@siemens.com", "ics-cert@hq.dhs.gov", "134c704f-9b21-4f2e-91b3-4a467353bcc0")
TAGS = ("Vendor Advisory", "Third Party Advisory", "Patch", "Exploit", "VDB Entry", "Mailing List", "Release Notes")


def product_versions(vendor: str, product: str) -> list[str]:
    """The versions a product has (fixed per product, so ledger versions meet feed versions)."""
    rng = random.Random(f"{vendor}:{product}")
    style = rng.random()
    if style < 0.08:  # letter releases, as Baxter (20d29) or Philips (B.02)
        return sorted({f"{rng.randint(10, 30)}d{rng.randint(10, 60)}" for _ in range(12)})
    majors = rng.randint(2, 8)
    base = rng.randint(1, 14)
    return [f"{base + m}.{n}.{p}" for m in range(majors) for n in range(rng.randint(1, 4))
            for p in range(0, rng.randint(3, 25), rng.randint(1, 3))]


class Vocabulary:
    """Head products plus a long Zipf tail of (vendor, product) pairs."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.tail = [(rng.choice("aaaoh" if i % 7 else "o"), f"vendor{i % 9000:04d}", f"product_{i:05d}")
                     for i in range(30_000)]
        self.tail_weights = [1 / (rank + 10) for rank in range(len(self.tail))]
        self.head_weights = [n for *_, n in HEAD]

    def pick(self, rng: random.Random) -> tuple[bool, tuple[str, str, str]]:
        """(is a head product, the product)."""
        if rng.random() < HEAD_SHARE:
            part, vendor, product, _ = rng.choices(HEAD, self.head_weights)[0]
            return True, (part, vendor, product)
        return False, rng.choices(self.tail, self.tail_weights)[0]


def cpe(part: str, vendor: str, product: str, version: str = "*", update: str = "*") -> str:
    return f"cpe:2.3:{part}:{vendor}:{product}:{version}:{update}:*:*:*:*:*:*"


def match_id(entry: dict[str, Any]) -> str:
    """As NVD: the same criteria with the same bounds has the same matchCriteriaId in every record."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(entry, sort_keys=True))).upper()


def head_entries(rng: random.Random, part: str, vendor: str, product: str, when: float) -> list[dict[str, Any]]:
    """As NVD writes a much-patched product: `< fixed` (often from a branch start), fixed later as time goes on."""
    versions = product_versions(vendor, product)
    fix = min(len(versions) - 1, max(1, round(when * (len(versions) - 1)) + rng.randint(-3, 3)))
    entry: dict[str, Any] = {"vulnerable": True, "criteria": cpe(part, vendor, product),
                             "versionEndExcluding": versions[fix]}
    if rng.random() < 0.5:
        entry["versionStartIncluding"] = versions[max(0, fix - rng.randint(3, 30))]
    entries = [entry | {"matchCriteriaId": match_id(entry)}]
    for _ in range(rng.choice((0, 0, 0, 1, 2))):
        exact = {"vulnerable": True, "criteria": cpe(part, vendor, product, versions[max(0, fix - rng.randint(1, 10))])}
        entries.append(exact | {"matchCriteriaId": match_id(exact)})
    return entries


def tail_entries(rng: random.Random, part: str, vendor: str, product: str, count: int) -> list[dict[str, Any]]:
    versions = product_versions(vendor, product)
    entries = []
    for _ in range(count):
        entry: dict[str, Any] = {"vulnerable": True}
        if rng.random() < 0.55:
            low = rng.randrange(len(versions))
            high = min(len(versions) - 1, low + rng.randint(1, 12))
            entry["criteria"] = cpe(part, vendor, product)
            kind = rng.random()
            if kind < 0.6:
                entry |= {"versionStartIncluding": versions[low], "versionEndExcluding": versions[high]}
            elif kind < 0.8:
                entry["versionEndExcluding"] = versions[high]
            elif kind < 0.95:
                entry |= {"versionStartIncluding": versions[low], "versionEndIncluding": versions[high]}
            else:
                entry |= {"versionStartExcluding": versions[low], "versionEndIncluding": versions[high]}
        else:
            entry["criteria"] = cpe(part, vendor, product, rng.choice(versions))
        entry["matchCriteriaId"] = match_id(entry)
        entries.append(entry)
    return entries


def configurations(rng: random.Random, vocab: Vocabulary, when: float) -> list[dict[str, Any]]:
    found = []
    for _ in range(1 if rng.random() < 0.8 else rng.randint(2, 3)):
        head, (part, vendor, product) = vocab.pick(rng)
        if head:
            entries = head_entries(rng, part, vendor, product, when)
        else:
            count = rng.randint(100, 400) if rng.random() < 0.005 else rng.choice((1, 1, 1, 2, 2, 3, 4, 6, 8))
            entries = tail_entries(rng, part, vendor, product, count)
        nodes = [{"operator": "OR", "negate": False, "cpeMatch": entries}]
        hardware = HARDWARE.get(product) or ([f"{product}_hw{k}" for k in range(rng.randint(1, 15))]
                                             if part == "o" and not head and rng.random() < 0.3 else [])
        if hardware and (not head or rng.random() < 0.2):
            platform = [{"vulnerable": False, "criteria": cpe("h", vendor, model, "-")}
                        for model in rng.sample(hardware, rng.randint(1, len(hardware)))]
            nodes.append({"operator": "OR", "negate": False,
                          "cpeMatch": [p | {"matchCriteriaId": match_id(p)} for p in platform]})
            found.append({"operator": "AND", "nodes": nodes})
        else:
            found.append({"nodes": nodes})
    return found


def metric(rng: random.Random, version: str, source: str, primary: bool) -> dict[str, Any]:
    score = round(rng.uniform(2.0, 10.0), 1)
    severity = "CRITICAL" if score >= 9 else "HIGH" if score >= 7 else "MEDIUM" if score >= 4 else "LOW"
    data: dict[str, Any] = {"version": version, "vectorString": f"CVSS:{version}/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                            "baseScore": score}
    if version == "2.0":
        data["vectorString"] = "AV:N/AC:L/Au:N/C:P/I:P/A:P"
        data |= {"accessVector": "NETWORK", "accessComplexity": "LOW", "authentication": "NONE",
                 "confidentialityImpact": "PARTIAL", "integrityImpact": "PARTIAL", "availabilityImpact": "PARTIAL"}
        return {"source": source, "type": "Primary" if primary else "Secondary", "cvssData": data,
                "baseSeverity": severity, "exploitabilityScore": 10.0, "impactScore": 6.4, "acInsufInfo": False,
                "obtainAllPrivilege": False, "obtainUserPrivilege": False, "obtainOtherPrivilege": False,
                "userInteractionRequired": False}
    data |= {"baseSeverity": severity, "attackVector": "NETWORK", "attackComplexity": "LOW",
             "privilegesRequired": "NONE", "userInteraction": "NONE", "scope": "UNCHANGED",
             "confidentialityImpact": "HIGH", "integrityImpact": "HIGH", "availabilityImpact": "HIGH"}
    return {"source": source, "type": "Primary" if primary else "Secondary", "cvssData": data,
            "exploitabilityScore": 3.9, "impactScore": 5.9}


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(WORDS, k=words)).capitalize() + "."


def record(rng: random.Random, vocab: Vocabulary, year: int, number: int,
           modified: str | None = None) -> dict[str, Any]:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    published = (f"{year}-{month:02d}-{day:02d}T{rng.randint(0, 23):02d}:15:{rng.randint(0, 59):02d}"
                 f".{rng.randint(0, 999):03d}")
    analysed = year < 2024 or rng.random() < 0.55
    cna = rng.choice(SOURCES[1:])
    metrics: dict[str, Any] = {"cvssMetricV31": [metric(rng, "3.1", cna, False)]}
    if analysed:
        metrics["cvssMetricV31"].append(metric(rng, "3.1", "nvd@nist.gov", True))
    if year < 2023:
        metrics["cvssMetricV2"] = [metric(rng, "2.0", "nvd@nist.gov", True)]
    if year >= 2024 and rng.random() < 0.25:
        metrics["cvssMetricV40"] = [metric(rng, "4.0", cna, False)]
    cve: dict[str, Any] = {
        "id": f"CVE-{year}-{100_000 + number}", "sourceIdentifier": cna, "published": published,
        "lastModified": modified or published, "vulnStatus": ("Analyzed" if analysed else "Awaiting Analysis"),
        "cveTags": [], "descriptions": [{"lang": "en", "value": text(rng, rng.randint(25, 70))},
                                        {"lang": "es", "value": text(rng, rng.randint(30, 80))}],
        "metrics": metrics,
        "weaknesses": [{"source": s, "type": t, "description": [{"lang": "en", "value": f"CWE-{rng.randint(20, 900)}"}]}
                       for s, t in ((cna, "Secondary"), ("nvd@nist.gov", "Primary"))[: 2 if analysed else 1]],
        "references": [{"url": f"https://example.org/advisories/{year}/{number}/{k}", "source": cna,
                        "tags": rng.sample(TAGS, rng.randint(0, 3))} for k in range(rng.randint(2, 12))],
    }
    if analysed:
        cve["configurations"] = configurations(rng, vocab, (year - 2016 + month / 12) / 11)
    return {"cve": cve}


def write_feed(path: Path, items: list[dict[str, Any]], timestamp: str) -> None:
    envelope = {"resultsPerPage": len(items), "startIndex": 0, "totalResults": len(items), "format": "NVD_CVE",
                "version": "2.0", "timestamp": timestamp, "vulnerabilities": items}
    data = msgspec.json.format(msgspec.json.encode(envelope), indent=2)
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(data)


def generate(data_dir: Path, scale: float, seed: int) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    vocab = Vocabulary(seed)
    for year, count in YEAR_COUNTS.items():
        rng = random.Random(seed * 10_000 + year)
        items = [record(rng, vocab, year, n) for n in range(max(1, round(count * scale)))]
        write_feed(data_dir / f"nvdcve-2.0-{year}.json.gz", items, f"{year + 1}-01-01T00:00:00.000")
        print(f"  generated {year}: {len(items):,} CVEs", flush=True)
    rng = random.Random(seed)
    changed = []
    for n in range(max(1, round(5_000 * scale))):
        year = rng.choice(list(YEAR_COUNTS))
        number = rng.randrange(max(1, round(YEAR_COUNTS[year] * scale))) if n % 5 else 90_000 + n
        changed.append(record(random.Random(f"{seed}:{year}:{number}"), vocab, year, number,
                              modified="2026-12-01T00:00:00.000"))
    write_feed(data_dir / "nvdcve-2.0-modified.json.gz", changed, "2026-12-01T00:00:00.000")
    (data_dir / "manifest.json").write_text(json.dumps({"scale": scale, "seed": seed, "format": FORMAT_VERSION}))


def inventory(count: int, seed: int, vocab: Vocabulary, distinct: bool) -> list[Asset]:
    """A hospital: PCs, servers, network appliances, medical devices; fleets share versions unless `distinct`."""
    rng = random.Random(seed)

    def version(vendor: str, product: str) -> str:
        pool = product_versions(vendor, product)
        if rng.random() < 0.03:
            return "*"
        recent = pool[int(len(pool) * 0.85):] or pool[-1:]  # fleets run releases of the last year or two
        return rng.choice(pool if distinct else recent[:3])

    def sw(part: str, vendor: str, product: str) -> str:
        return cpe(part, vendor, product, version(vendor, product))

    assets = []
    for n in range(count):
        kind = rng.random()
        if kind < 0.6:
            cpes = [sw("o", "microsoft", rng.choice(("windows_10", "windows_11"))), sw("a", "microsoft", "office"),
                    sw("a", "google", "chrome"), sw("a", "adobe", "acrobat_reader_dc")]
            if rng.random() < 0.3:
                cpes.append(sw("a", "oracle", "jdk"))
        elif kind < 0.68:
            os_ = rng.choice((("o", "microsoft", "windows_server_2019"), ("o", "redhat", "enterprise_linux"),
                              ("o", "canonical", "ubuntu_linux")))
            cpes = [sw(*os_), sw("a", "apache", rng.choice(("http_server", "tomcat"))), sw("a", "openssl", "openssl"),
                    sw("a", rng.choice(("postgresql", "oracle")), rng.choice(("postgresql", "mysql")))]
        elif kind < 0.70:
            part, vendor, product = rng.choice([h[:3] for h in HEAD if h[2] in HARDWARE or h[1] == "ivanti"])
            cpes = [sw(part, vendor, product)]
            if product in HARDWARE and rng.random() < 0.7:
                cpes.append(cpe("h", vendor, rng.choice(HARDWARE[product]), "-"))
        else:
            part, vendor, product = rng.choices(vocab.tail[:3000], vocab.tail_weights[:3000])[0]
            cpes = [sw(part, vendor, product)]
            if part == "o" and rng.random() < 0.5:
                cpes.append(cpe("h", vendor, f"{product}_hw{rng.randint(0, 3)}", "-"))
            if rng.random() < 0.4:
                cpes.append(sw("o", "microsoft", "windows_10"))
        assets.append(Asset(f"asset-{n:05d}", tuple(cpes)))
    return assets


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def years(data_dir: Path) -> Iterator[Path]:
    yield from sorted(p for p in data_dir.glob("nvdcve-2.0-*.json.gz") if p.name[11:15].isdigit())


def timed_match(index: VulnIndex, assets: list[Asset], label: str) -> float:
    started = time.perf_counter()
    pairs = exact = 0
    # Identical assets get the same hits: count the exact ones once per distinct asset (keyed by what the asset
    # is, not by id(hits): a freed tuple's id is reused, which miscounted ledgers where no asset repeats).
    exact_in: dict[object, int] = {}
    for asset, hits in index.match_all(assets):
        pairs += len(hits)
        key = (asset.cpes, asset.software)
        known = exact_in.get(key)
        if known is None:
            known = exact_in[key] = sum(1 for h in hits if h.tier is MatchTier.EXACT)
        exact += known
    elapsed = time.perf_counter() - started
    distinct = len({cpe for a in assets for cpe in a.cpes})
    print(f"match {len(assets):,} assets ({label}; {distinct:,} distinct CPEs): {elapsed:.2f} s, "
          f"{pairs:,} (asset, CVE) hits ({exact:,} exact, {pairs - exact:,} possible)", flush=True)
    return elapsed


def run(args: argparse.Namespace) -> None:
    index = VulnIndex()
    started = time.perf_counter()
    total = 0
    for path in years(args.data_dir):
        t0 = time.perf_counter()
        feed = read_nvd_file(path)
        t1 = time.perf_counter()
        index.add_all(feed.records)
        total += len(feed.records)
        del feed
        print(f"  {path.name}: decode {t1 - t0:.2f} s, index {time.perf_counter() - t1:.2f} s, "
              f"peak RSS so far {rss_mb():,.0f} MB", flush=True)
    import_s = time.perf_counter() - started
    print(f"full import: {total:,} CVEs, {index.entry_count:,} cpeMatch entries in {import_s:.1f} s; "
          f"peak RSS {rss_mb():,.0f} MB")
    if REAL_2018.is_file() and not args.no_real:
        t0 = time.perf_counter()
        counts = index.add_all(read_nvd_file(REAL_2018).records)
        print(f"real NVD 1.1 feed 2018: {counts[IndexChange.NEW]:,} CVEs in {time.perf_counter() - t0:.2f} s; "
              f"peak RSS {rss_mb():,.0f} MB")
    vocab = Vocabulary(args.seed)
    fleet = inventory(args.assets, args.seed, vocab, distinct=False)
    match_s = timed_match(index, fleet, "hospital fleet")
    varied = inventory(args.assets, args.seed + 1, vocab, distinct=True)
    distinct_s = timed_match(index, varied, "every asset different")
    t0 = time.perf_counter()
    delta = read_nvd_file(args.data_dir / "nvdcve-2.0-modified.json.gz").records
    touched = {key for r in delta for key in index.keys_of(r.cve_id)}  # where the records were filed before
    counts = index.add_all(delta)
    touched.update(key for r in delta for key in index.keys_of(r.cve_id))
    delta_s = time.perf_counter() - t0
    print(f"weekly delta: {counts[IndexChange.CHANGED]:,} changed, {counts[IndexChange.NEW]:,} new in {delta_s:.2f} s")
    affected = [a for a in fleet if meets(a, touched)]
    rematch_s = timed_match(index, affected, "re-match of the assets whose products the delta names")
    full_rematch_s = timed_match(index, fleet, "re-match of the whole fleet after the delta")
    print(f"peak RSS {rss_mb():,.0f} MB")
    print(f"targets: import {import_s:.1f} s (≤ 120), peak {rss_mb():,.0f} MB (≤ 1,536), matching the hospital "
          f"fleet {match_s:.2f} s (≤ 10), delta {delta_s:.2f} s + re-match of the {len(affected):,} assets it "
          f"touches {rematch_s:.2f} s (≤ 10). Beyond the targets: every asset different {distinct_s:.2f} s, the "
          f"whole fleet re-matched after the delta {full_rematch_s:.2f} s")


def meets(asset: Asset, keys: set[tuple[str, str]]) -> bool:
    """Whether one of the asset's CPEs meets records filed under `keys` (its product, any vendor's or any)."""
    for cpe, _text in asset_cpes(asset):
        vendor, product = cpe.key
        if not keys.isdisjoint(((vendor, product), (ANY, product), (vendor, ANY), (ANY, ANY))):
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of NVD's CVE counts (1.0 = 359,177)")
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data-dir", type=Path, default=None, help="where the generated files are kept")
    parser.add_argument("--no-real", action="store_true", help="skip the real 2018 feed")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.data_dir = args.data_dir or Path(tempfile.gettempdir()) / f"mamori-bench-vulns-{args.scale:g}"
    if args.generate_only:
        generate(args.data_dir, args.scale, args.seed)
        return
    manifest = args.data_dir / "manifest.json"
    wanted = {"scale": args.scale, "seed": args.seed, "format": FORMAT_VERSION}
    if not manifest.is_file() or json.loads(manifest.read_text()) != wanted:
        print(f"generating NVD-2.0-shaped year files in {args.data_dir} (scale {args.scale:g}) …", flush=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--generate-only", "--scale", str(args.scale),
                        "--seed", str(args.seed), "--data-dir", str(args.data_dir)], check=True)
        size = sum(p.stat().st_size for p in args.data_dir.glob("*.gz"))
        print(f"generated in {time.perf_counter() - t0:.0f} s ({size / 1e6:,.0f} MB gzip)", flush=True)
    run(args)


if __name__ == "__main__":
    main()
