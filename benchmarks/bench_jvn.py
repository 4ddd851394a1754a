"""Benchmark: reading a JVN iPedia yearly RSS feed (35 MB, as jvndb_2022.rdf) and a detail feed (72 MB, as
jvndb_detail_2022.rdf).

Generates both files in JVN's formats (items shaped like the real ones: Japanese titles and descriptions,
CVE/NVD/JVN/関連文書/CWE references, one to three CPE 2.2 URIs, CVSS v2 and v3; detail entries with
VersionNumber texts, Related items and dates), then reads each in a fresh process so that the peak RSS
is the reader's own, and prints entries per second and peak RSS.

Run: .venv/bin/python benchmarks/bench_jvn.py [--rss-mb 35] [--detail-mb 72] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RSS_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" \
xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
xmlns:sec="http://jvn.jp/rss/mod_sec/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" xml:lang="ja">
  <channel rdf:about="https://jvndb.jvn.jp/ja/rss/years/jvndb_2022.rdf">
    <title>JVNDB RSS Feed - 2022 Years Entry</title>
    <link>https://jvndb.jvn.jp/</link>
    <description>JVN iPedia 2022年情報</description>
    <dc:date>2023-10-29T09:00:01+09:00</dc:date>
    <dcterms:modified>2023-10-29T09:00:01+09:00</dcterms:modified>
    <items><rdf:Seq>
{seq}    </rdf:Seq></items>
  </channel>
"""
RSS_ITEM = """  <item rdf:about="https://jvndb.jvn.jp/ja/contents/2022/{id}.html">
    <title>{product} における{kind}の脆弱性</title>
    <link>https://jvndb.jvn.jp/ja/contents/2022/{id}.html</link>
    <description>{vendor} が提供する {product} には、{kind}の脆弱性が存在します。&#13;
&#13;
{filler}</description>
    <sec:identifier>{id}</sec:identifier>
    <sec:references source="CVE" id="{cve}">https://www.cve.org/CVERecord?id={cve}</sec:references>
    <sec:references source="NVD" id="{cve}">https://nvd.nist.gov/vuln/detail/{cve}</sec:references>
    <sec:references source="JVN" id="JVNVU#{vu}">https://jvn.jp/vu/JVNVU{vu}/index.html</sec:references>
    <sec:references source="関連文書" id="{vendor} Security Advisory">https://{slug}.example.com/security/{n}</sec:references>
    <sec:references title="{kind}(CWE-{cwe})" id="CWE-{cwe}">https://cwe.mitre.org/data/definitions/{cwe}.html</sec:references>
{cpes}    <sec:cvss version="2.0" score="6.8" type="Base" severity="Medium" vector="AV:N/AC:M/Au:N/C:P/I:P/A:P"/>
    <sec:cvss version="3.0" score="9.8" type="Base" severity="Critical" \
vector="CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"/>
    <dc:date>2023-06-{day:02d}T16:22+09:00</dc:date>
    <dcterms:issued>2023-06-{day:02d}T11:12+09:00</dcterms:issued>
    <dcterms:modified>2023-06-{day:02d}T16:22+09:00</dcterms:modified>
  </item>
"""
CPE = '    <sec:cpe version="2.2" vendor="{vendor}" product="{product}">cpe:/a:{slug}:{pslug}</sec:cpe>\n'
DETAIL_HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<VULDEF-Document version="3.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://jvn.jp/vuldef/" \
xmlns:vuldef="http://jvn.jp/vuldef/" xmlns:status="http://jvndb.jvn.jp/myjvn/Status" \
xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/" xml:lang="ja">
"""
DETAIL_ITEM = """    <Vulinfo>
      <VulinfoID>{id}</VulinfoID>
      <VulinfoData>
        <Title>{product} における{kind}の脆弱性</Title>
        <VulinfoDescription>
          <Overview>{vendor} が提供する {product} には、{kind}の脆弱性が存在します。 {filler}</Overview>
        </VulinfoDescription>
        <Affected>
{affected}        </Affected>
        <Impact>
          <Cvss version="2.0"><Severity type="Base">Medium</Severity><Base>6.8</Base>\
<Vector>AV:N/AC:M/Au:N/C:P/I:P/A:P</Vector></Cvss>
          <Cvss version="3.0"><Severity type="Base">Critical</Severity><Base>9.8</Base>\
<Vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</Vector></Cvss>
          <ImpactItem><Description>遠隔の第三者によって、任意のコードを実行される可能性があります。{filler}</Description></ImpactItem>
        </Impact>
        <Solution><SolutionItem><Description>[アップデートする] \
開発者が提供する情報をもとに、最新版にアップデートしてください。</Description></SolutionItem></Solution>
        <Related>
          <RelatedItem type="vendor"><Name>{vendor}</Name><VulinfoID>{vendor} Security Advisory</VulinfoID>\
<URL>https://{slug}.example.com/security/{n}</URL></RelatedItem>
          <RelatedItem type="advisory"><Name>Common Vulnerabilities and Exposures (CVE)</Name>\
<VulinfoID>{cve}</VulinfoID><URL>https://www.cve.org/CVERecord?id={cve}</URL></RelatedItem>
          <RelatedItem type="advisory"><Name>JVN</Name><VulinfoID>JVNVU#{vu}</VulinfoID>\
<URL>https://jvn.jp/vu/JVNVU{vu}/</URL></RelatedItem>
          <RelatedItem type="cwe"><Name>JVNDB</Name><VulinfoID>CWE-{cwe}</VulinfoID><Title>{kind}</Title>\
<URL>https://jvndb.jvn.jp/ja/cwe/CWE-{cwe}.html</URL></RelatedItem>
        </Related>
        <History><HistoryItem><HistoryNo>1</HistoryNo><DateTime>2022-01-18T10:08:09+09:00</DateTime>\
<Description>[2022年01月19日]\\n  掲載</Description></HistoryItem></History>
        <DateFirstPublished>2022-01-{day:02d}T12:05:15+09:00</DateFirstPublished>
        <DateLastUpdated>2022-02-{day:02d}T12:05:15+09:00</DateLastUpdated>
        <DatePublic>2022-01-{day:02d}T00:00:00+09:00</DatePublic>
      </VulinfoData>
    </Vulinfo>
"""
AFFECTED = """          <AffectedItem><Name>{vendor}</Name><ProductName>{product}</ProductName>\
<Cpe version="2.2">cpe:/a:{slug}:{pslug}</Cpe><VersionNumber>{version}</VersionNumber></AffectedItem>
"""
DETAIL_TAIL = """    <status:Status version="3.3" method="getVulnDetailInfo" lang="ja" retCd="0" retMax="" \
errCd="" errMsg="" totalRes="{n}" totalResRet="{n}" firstRes="" feed="hnd" lt="1"/>
</VULDEF-Document>
"""
VENDORS = [("シトリックス・システムズ", "citrix"), ("フォーティネット", "fortinet"), ("Google", "google"),
           ("キヤノン", "canon"), ("トレンドマイクロ", "trendmicro"), ("Rocket Software", "rocketsoftware")]
KINDS = [("パストラバーサル", 22), ("クロスサイトスクリプティング", 79), ("SQL インジェクション", 89),
         ("境界外書き込み", 787)]
VERSIONS = ["7.3.7 より前のバージョン", "2.1 およびそれ以前", "3.0 以上 3.2 未満", "for Windows 5.8 (Build 1575) 未満"]
FILLER = "この脆弱性情報は、情報セキュリティ早期警戒パートナーシップに基づき IPA に報告されました。" * 3


def _fields(rng: random.Random, n: int) -> dict[str, object]:
    vendor, slug = rng.choice(VENDORS)
    kind, cwe = rng.choice(KINDS)
    product = f"Product {n % 4000} ファームウェア"
    return {"id": f"JVNDB-2022-{n:06d}", "vendor": vendor, "slug": slug, "product": product,
            "pslug": f"product_{n % 4000}_firmware", "kind": kind, "cwe": cwe, "cve": f"CVE-2022-{n + 10000}",
            "vu": 90000000 + n, "n": n, "day": 1 + n % 28, "filler": FILLER[: rng.randrange(40, len(FILLER))]}


def generate_rss(path: Path, megabytes: float) -> int:
    rng = random.Random(4)
    items: list[str] = []
    size, n = len(RSS_HEAD), 0
    while size < megabytes * 1e6:
        n += 1
        fields = _fields(rng, n)
        cpes = "".join(CPE.format(**{**fields, "pslug": f"{fields['pslug']}_{k}"}) for k in range(rng.randint(1, 3)))
        item = RSS_ITEM.format(cpes=cpes, **fields)
        items.append(item)
        size += len(item.encode()) + 90
    seq = "".join(f'      <rdf:li rdf:resource="https://jvndb.jvn.jp/ja/contents/2022/JVNDB-2022-{i:06d}.html"/>\n'
                  for i in range(1, n + 1))
    path.write_text(RSS_HEAD.format(seq=seq) + "".join(items) + "</rdf:RDF>\n", encoding="utf-8")
    return n


def generate_detail(path: Path, megabytes: float) -> int:
    rng = random.Random(5)
    items: list[str] = []
    size, n = len(DETAIL_HEAD), 0
    while size < megabytes * 1e6:
        n += 1
        fields = _fields(rng, n)
        affected = "".join(AFFECTED.format(version=rng.choice(VERSIONS),
                                           **{**fields, "pslug": f"{fields['pslug']}_{k}"})
                           for k in range(rng.randint(1, 3)))
        item = DETAIL_ITEM.format(affected=affected, **fields)
        items.append(item)
        size += len(item.encode())
    path.write_text(DETAIL_HEAD + "".join(items) + DETAIL_TAIL.format(n=n), encoding="utf-8")
    return n


def _peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent at fork and
    exec, so a child of the generating parent would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_one(path: str) -> None:
    """Child process: read one file and print the figures."""
    from mamori.engines.vulns.jvn import read_jvn_file

    started = time.perf_counter()
    feed = read_jvn_file(path)
    elapsed = time.perf_counter() - started
    peak_mb = _peak_rss_mb()
    size_mb = Path(path).stat().st_size / 1e6
    cpes = sum(len(e.cpes) for e in feed.entries)
    print(f"{Path(path).name}: {size_mb:.1f} MB, {len(feed.entries):,} entries ({cpes:,} CPEs) in {elapsed:.2f} s "
          f"= {len(feed.entries) / elapsed:,.0f} entries/s ({size_mb / elapsed:.1f} MB/s), peak RSS {peak_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rss-mb", type=float, default=35.0)
    parser.add_argument("--detail-mb", type=float, default=72.0)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--read", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read:
        read_one(args.read)
        return
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.data_dir or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        rss, detail = folder / "jvndb_2022.rdf", folder / "jvndb_detail_2022.rdf"
        started = time.perf_counter()
        counts = generate_rss(rss, args.rss_mb), generate_detail(detail, args.detail_mb)
        print(f"generated {counts[0]:,} RSS items and {counts[1]:,} detail entries in "
              f"{time.perf_counter() - started:.1f} s")
        for path in (rss, detail):
            subprocess.run([sys.executable, __file__, "--read", str(path)], check=True)


if __name__ == "__main__":
    main()
