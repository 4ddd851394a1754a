"""The demo hospital's vulnerability feeds: small files in the real formats, so a new user sees real findings.

    paths = write_demo_feeds(Path("demo-feeds"))   # the same bytes on every call

Every record is written by Mamori from facts of the real cases (CVE ids, version ranges, KEV dates, SSVC
decisions, scores, CWEs; vulnerability-intel.md §2 and §4), with descriptions in Mamori's own words; no file of
a feed is copied. The files and the project reader each is meant for:

| file | reader |
| --- | --- |
| `nvdcve-2.0-demo.json.gz` | `engines.vulns.nvd.read_nvd_file` (NVD CVE API 2.0 year-file shape) |
| `known_exploited_vulnerabilities.json` | `engines.vulns.kev.read_kev_file` (CISA KEV catalogue) |
| `epss_scores-2026-11-16.csv.gz` | `engines.vulns.epss.read_epss_file` (FIRST EPSS, 2022+ header) |
| `cve5-cisa-adp-demo.json` | `engines.vulns.cve5.read_cve5_file` (CVE JSON 5 bundle, CISA-ADP SSVC) |
| `jvndb_demo.rdf` | `engines.vulns.jvn.read_jvn_file` (JVN iPedia RSS 1.0/RDF, mod_sec) |
| `icsma-*-demo.json`, `fg-ir-22-398-demo.json` | `engines.vulns.csaf.read_csaf_file` (CSAF 2.0) |

The JVN file holds JVNDB-2019-013490 (CVE-2019-19781) and one JVN-only entry that is fictional on purpose
(`JVNDB-2099-000001`, `CVE-2099-10001`, the demo EHR vendor's product `DEMO_EHR_CPE`), to show a finding
that only JVN knows of; no other JVNDB id of the demo CVEs is known for certain, so none is invented.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from mamori.demo.vuln_feed_csaf import CSAF_DOCUMENTS
from mamori.demo.vuln_feed_nvd import NVD_RECORDS
from mamori.demo.vuln_feed_signals import CVE5_RECORDS, EPSS_SCORES, KEV_ENTRIES

__all__ = ["DEMO_EHR_CPE", "EPSS_FILE", "FEED_DATE", "JVN_ONLY_CVE", "demo_feed_contents", "write_demo_feeds"]

FEED_DATE = "2026-11-16"  # the demo feeds' day: a few days before the demo hospital's "today"
EPSS_FILE = f"epss_scores-{FEED_DATE}.csv.gz"
DEMO_EHR_CPE = "cpe:2.3:a:mamori_medical_systems:ehr_system:*:*:*:*:*:*:*:*"
"""The (fictional) EHR product of the demo's EHR vendor that the JVN-only entry names."""
JVN_ONLY_CVE = "CVE-2099-10001"

_SEC = "http://jvn.jp/rss/mod_sec/"
_JVN_ROOT = ('<rdf:RDF xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
             'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
             f'xmlns:sec="{_SEC}" xsi:schemaLocation="http://purl.org/rss/1.0/ '
             'https://jvndb.jvn.jp/schema/jvnrss_2.0.xsd" xml:lang="ja">')
_JVN_ENTRIES: tuple[dict[str, Any], ...] = (
    {"id": "JVNDB-2019-013490", "year": "2019",
     "title": "Citrix Application Delivery Controller および Citrix Gateway にディレクトリトラバーサルの脆弱性",
     "description": "Citrix ADC（旧 NetScaler ADC）と Citrix Gateway（旧 NetScaler Gateway）には、細工した要求で"
                    "任意のファイルを扱えるディレクトリトラバーサルの脆弱性があります。認証されていない遠隔の"
                    "第三者に任意のコードを実行される可能性があります。",
     "references": (("JVN", "JVNVU#92281641", "https://jvn.jp/vu/JVNVU92281641/"),
                    ("CVE", "CVE-2019-19781", "https://www.cve.org/CVERecord?id=CVE-2019-19781"),
                    ("NVD", "CVE-2019-19781", "https://nvd.nist.gov/vuln/detail/CVE-2019-19781")),
     "cwe": ("CWE-22", "パス・トラバーサル(CWE-22)"),
     "cpes": (("シトリックス・システムズ", "Citrix Gateway ファームウェア", "cpe:/o:citrix:gateway_firmware"),
              ("シトリックス・システムズ", "NetScaler Application Delivery Controller ファームウェア",
               "cpe:/o:citrix:netscaler_application_delivery_controller_firmware"),
              ("シトリックス・システムズ", "NetScaler Gateway ファームウェア",
               "cpe:/o:citrix:netscaler_gateway_firmware")),
     "cvss": (("2.0", "7.5", "High", "AV:N/AC:L/Au:N/C:P/I:P/A:P"),
              ("3.0", "9.8", "Critical", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")),
     "issued": "2020-01-08T11:04+09:00", "modified": "2020-01-10T09:48+09:00"},
    {"id": "JVNDB-2099-000001", "year": "2099",
     "title": "まもり電子カルテにおける認証不備の脆弱性（Mamori デモ用の架空の項目）",
     "description": "【デモ用の架空の脆弱性情報です。実在の製品・脆弱性ではありません】株式会社まもりメディカル"
                    "システムズ製の電子カルテシステムの保守用 API には、認証を回避される脆弱性があります。"
                    "NVD には登録がなく、JVN iPedia だけが扱う国内製品の例として Mamori が作成しました。",
     "references": (("CVE", JVN_ONLY_CVE, f"https://www.cve.org/CVERecord?id={JVN_ONLY_CVE}"),),
     "cwe": ("CWE-287", "不適切な認証(CWE-287)"),
     "cpes": (("株式会社まもりメディカルシステムズ", "まもり電子カルテ", "cpe:/a:mamori_medical_systems:ehr_system"),),
     "cvss": (("3.0", "8.1", "High", "CVSS:3.0/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"),),
     "issued": "2026-11-10T10:00+09:00", "modified": "2026-11-12T15:30+09:00"},
)


def _json_bytes(document: object) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _nvd_feed() -> bytes:
    count = len(NVD_RECORDS)
    envelope = {"resultsPerPage": count, "startIndex": 0, "totalResults": count, "format": "NVD_CVE",
                "version": "2.0", "timestamp": f"{FEED_DATE}T03:00:01.537",
                "vulnerabilities": [{"cve": record} for record in NVD_RECORDS]}
    return gzip.compress(_json_bytes(envelope), mtime=0)


def _kev_catalogue() -> bytes:
    return _json_bytes({"title": "CISA Catalog of Known Exploited Vulnerabilities",
                        "catalogVersion": FEED_DATE.replace("-", "."), "dateReleased": f"{FEED_DATE}T17:02:11.0000Z",
                        "count": len(KEV_ENTRIES), "vulnerabilities": list(KEV_ENTRIES)})


def _epss_scores() -> bytes:
    lines = [f"#model_version:v2025.03.14,score_date:{FEED_DATE}T12:55:00Z", "cve,epss,percentile"]
    lines += [f"{cve},{epss:.5f},{percentile:.5f}" for cve, epss, percentile in EPSS_SCORES]
    return gzip.compress(("\n".join(lines) + "\n").encode("ascii"), mtime=0)


def _jvn_item(entry: dict[str, Any]) -> list[str]:
    url = f"https://jvndb.jvn.jp/ja/contents/{entry['year']}/{entry['id']}.html"
    lines = [f"  <item rdf:about={quoteattr(url)}>", f"    <title>{escape(entry['title'])}</title>",
             f"    <link>{escape(url)}</link>", f"    <description>{escape(entry['description'])}</description>",
             f"    <sec:identifier>{entry['id']}</sec:identifier>"]
    lines += [f"    <sec:references source={quoteattr(source)} id={quoteattr(ref_id)}>{escape(link)}</sec:references>"
              for source, ref_id, link in entry["references"]]
    cwe, cwe_title = entry["cwe"]
    lines.append(f"    <sec:references title={quoteattr(cwe_title)} id={quoteattr(cwe)}>"
                 f"https://jvndb.jvn.jp/ja/cwe/{cwe}.html</sec:references>")
    lines += [f"    <sec:cpe version=\"2.2\" vendor={quoteattr(vendor)} product={quoteattr(product)}>{escape(name)}"
              "</sec:cpe>" for vendor, product, name in entry["cpes"]]
    lines += [f"    <sec:cvss version={quoteattr(v)} score={quoteattr(s)} type=\"Base\" severity={quoteattr(sev)} "
              f"vector={quoteattr(vector)}/>" for v, s, sev, vector in entry["cvss"]]
    lines += [f"    <dc:date>{entry['modified']}</dc:date>", f"    <dcterms:issued>{entry['issued']}</dcterms:issued>",
              f"    <dcterms:modified>{entry['modified']}</dcterms:modified>", "  </item>"]
    return lines


def _jvn_feed() -> bytes:
    stamp = f"{FEED_DATE}T09:00:01+09:00"
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', _JVN_ROOT,
             '  <channel rdf:about="https://jvndb.jvn.jp/ja/rss/jvndb.rdf">',
             "    <title>JVNDB RSS Feed (Mamori demo)</title>", "    <link>https://jvndb.jvn.jp/</link>",
             "    <description>Mamori のデモ病院用に作成したフィード</description>",
             f"    <dc:date>{stamp}</dc:date>", f"    <dcterms:modified>{stamp}</dcterms:modified>",
             "    <items>", "      <rdf:Seq>"]
    lines += [f'        <rdf:li rdf:resource="https://jvndb.jvn.jp/ja/contents/{e["year"]}/{e["id"]}.html"/>'
              for e in _JVN_ENTRIES]
    lines += ["      </rdf:Seq>", "    </items>", "  </channel>"]
    for entry in _JVN_ENTRIES:
        lines += _jvn_item(entry)
    lines.append("</rdf:RDF>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def demo_feed_contents() -> tuple[tuple[str, bytes], ...]:
    """(file name, bytes) of every demo feed file, in a fixed order."""
    return (
        ("nvdcve-2.0-demo.json.gz", _nvd_feed()),
        ("known_exploited_vulnerabilities.json", _kev_catalogue()),
        (EPSS_FILE, _epss_scores()),
        ("cve5-cisa-adp-demo.json", _json_bytes(list(CVE5_RECORDS))),
        ("jvndb_demo.rdf", _jvn_feed()),
        *((name, _json_bytes(document)) for name, document in CSAF_DOCUMENTS),
    )


def write_demo_feeds(folder: Path) -> list[Path]:
    """Write the demo feed files into `folder` and return their paths (deterministic content)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in demo_feed_contents():
        path = folder / name
        partial = path.with_name(f".{name}.{os.getpid()}.partial")
        partial.write_bytes(content)
        os.replace(partial, path)  # whole or not at all: an importer never reads a half-written file
        paths.append(path)
    return paths
