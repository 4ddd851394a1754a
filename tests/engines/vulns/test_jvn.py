"""JVN iPedia: RSS (mod_sec 2.0 and 3.0), VULDEF detail feeds, MyJVN answers, checksum.txt; all or nothing."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mamori.engines.vulns import FeedError
from mamori.engines.vulns.cpe import Cpe
from mamori.engines.vulns.jvn import (
    JvnCpe,
    JvnEntry,
    JvnFeed,
    looks_like_jvn,
    parse_jvn_checksums,
    parse_jvn_version_text,
    parse_jvn_xml,
    read_jvn_file,
    verify_jvn_checksum,
)
from mamori.engines.vulns.records import CvssScore
from mamori.engines.vulns.versions import VersionRange
from tests.engines.vulns.conftest import DATA

JVN = DATA / "jvn"
CITRIX = JVN / "jvndb_2019_citrix_and_markers.rdf"
DETAIL = JVN / "jvndb_detail_version_texts.rdf"
SHIFT_JIS = JVN / "jvndb_detail_shift_jis_declared.rdf"
OWN_CHECKSUMS = JVN / "checksum_for_these_fixtures.txt"
JST = timezone(timedelta(hours=9))
RDF_OPEN = (b'<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns="http://purl.org/rss/1.0/" '
            b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:sec="http://jvn.jp/rss/mod_sec/">\n')


def _by_id(feed: JvnFeed) -> dict[str, JvnEntry]:
    return {e.jvndb_id: e for e in feed.entries}


# --- real files (../shared/data/vulns/samples) -------------------------------------------------------------


def test_the_real_2022_yearly_feed_gives_ids_cve_links_cpes_and_scores(vuln_samples: Path) -> None:
    feed = read_jvn_file(vuln_samples / "jvn_rss_jvndb_2022_fixture.rdf")
    assert (feed.kind, feed.timestamp, feed.dropped) == ("rss", datetime(2023, 10, 29, 9, 0, 1, tzinfo=JST), ())
    assert [e.jvndb_id for e in feed.entries] == ["JVNDB-2021-018345", "JVNDB-2022-000001", "JVNDB-2023-002068"]
    android, canon, rocket = feed.entries
    # The JVNDB year follows the CVE year, not the date published (vulnerability-intel.md §2.5).
    assert android.cve_ids == ("CVE-2022-22292",) and android.published == datetime(2023, 6, 1, 11, 12, tzinfo=JST)
    assert android.cpes == (JvnCpe(Cpe("o", "google", "android"), "Google", "Android"),)
    assert android.cwes == ("CWE-noinfo",)
    assert android.advisories == (("関連文書", "SMR-FEB-2022",
                                   "https://security.samsungmobile.com/securityUpdate.smsb?year=2022&month=2"),)
    assert android.cvss == (CvssScore("2.0", "JVN", "Primary", "AV:L/AC:L/Au:N/C:P/I:P/A:P", 4.6, "Medium"),
                            CvssScore("3.0", "JVN", "Primary", "CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8,
                                      "High"))
    assert android.description == "Android には、不特定の脆弱性が存在します。"  # the &#13; line ends are gone
    assert canon.cpes == () and canon.jvnvu_ids == ("JVN#64806328",) and canon.cve_ids == ("CVE-2021-20877",)
    assert rocket.cve_ids == ("CVE-2022-25027",)  # CVE and NVD references of one CVE, kept once
    assert rocket.cpes[0].cpe.to_fs() == "cpe:2.3:a:rocketsoftware:trufusion_enterprise:*:*:*:*:*:*:*:*"
    assert rocket.cpes[0].vendor_name == "Rocket Software" and rocket.cpes[0].versions == ()
    assert rocket.last_modified == datetime(2023, 6, 8, 16, 22, tzinfo=JST)  # no seconds in JVN's dates
    assert rocket.url == "https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-002068.html"


def test_the_handwritten_citrix_item_has_the_facts_of_the_real_jvndb_2019_013490(vuln_samples: Path) -> None:
    real = json.loads((vuln_samples / "jvn_rss_JVNDB-2019-013490_CVE-2019-19781.json").read_text(encoding="utf-8"))
    entry = _by_id(read_jvn_file(CITRIX))["JVNDB-2019-013490"]
    assert entry.cve_ids == ("CVE-2019-19781",) and entry.jvnvu_ids == ("JVNVU#92281641",)
    assert {c.cpe.to_fs().split(":")[4] for c in entry.cpes} == {c["text"].split(":")[3] for c in real["cpe"]}
    # JVN's name, not NVD's `application_delivery_controller_firmware`: JVN and NVD join by CVE id (§4.3).
    assert Cpe("o", "citrix", "netscaler_application_delivery_controller_firmware") in {c.cpe for c in entry.cpes}
    assert {(c.vendor_name, c.product_name) for c in entry.cpes} == {(c["vendor"], c["product"]) for c in real["cpe"]}
    assert [(s.version, s.base_score, s.severity, s.vector) for s in entry.cvss] == [
        (c["version"], float(c["score"]), c["severity"], c["vector"]) for c in real["cvss"]]
    assert entry.published == datetime.fromisoformat(real["issued"])
    assert entry.last_modified == datetime.fromisoformat(real["modified"])
    assert entry.cwes == ("CWE-22",)


def test_the_real_detail_feed_reads_version_texts_related_items_and_the_status(vuln_samples: Path) -> None:
    feed = read_jvn_file(vuln_samples / "jvn_detail_jvndb_detail_2022_fixture.rdf")
    assert (feed.kind, feed.total_results, feed.timestamp) == ("detail", 1406, None)
    canon, quiz = feed.entries
    assert canon.cpes == ()  # "(複数の製品)" has no CPE name
    assert canon.jvnvu_ids == ("JVN#64806328",) and canon.cve_ids == ("CVE-2021-20877",)
    assert canon.advisories[0][0] == "Canon" and canon.advisories[0][1].startswith("レーザープリンター及び")
    assert canon.advisories[0][2] == "https://cweb.canon.jp/e-support/info/211221xss.html"
    assert canon.published == datetime(2022, 1, 19, 12, 5, 15, tzinfo=JST)
    assert canon.date_public == datetime(2022, 1, 19, tzinfo=JST)
    assert canon.solution.startswith("[アップデートする]")
    (cpe,) = quiz.cpes
    assert (cpe.cpe, cpe.vendor_name, cpe.product_name) == (
        Cpe("a", "expresstech", "quiz_and_survey_master"), "ExpressTech", "Quiz And Survey Master")
    assert cpe.version_text == "7.3.7 より前のバージョン"
    assert cpe.versions == (VersionRange(end_excluding="7.3.7"),)
    assert quiz.cve_ids == ("CVE-2022-0180", "CVE-2022-0181", "CVE-2022-0182")
    assert quiz.cwes == ("CWE-79", "CWE-352")
    assert [(s.version, s.base_score) for s in quiz.cvss] == [("2.0", 4.0), ("3.0", 5.4)]
    assert quiz.url == "https://jvndb.jvn.jp/ja/contents/2022/JVNDB-2022-000002.html"


def test_the_real_myjvn_overview_list_in_the_30_namespace_is_read(vuln_samples: Path) -> None:
    feed = read_jvn_file(vuln_samples / "myjvn_getVulnOverviewList_hnd.xml")
    assert (feed.kind, feed.total_results) == ("rss", 6)  # totalRes: 6 in all, 2 on this page
    sunshine, rockwell = feed.entries
    assert sunshine.cpes[0].cpe == Cpe("a", "sunshinephotocart", "sunshine_photo_cart")  # text had line breaks
    assert sunshine.cvss[0].version == "3.0" and sunshine.cvss[0].base_score == 9.8
    assert sunshine.published == datetime(2025, 4, 4, 14, 45, 58, tzinfo=JST)
    assert rockwell.jvnvu_ids == ("JVNVU#99709964",)
    assert ("ICS-CERT ADVISORY", "ICSA-25-091-01",
            "https://www.cisa.gov/news-events/ics-advisories/icsa-25-091-01") in rockwell.advisories
    assert [c.cpe.product for c in rockwell.cpes] == ["industrial_data_center_(idc)_with_veeam",
                                                      "versavirtual_appliance_(vva)_with_veeam"]  # %28 %29 decoded


def test_the_real_myjvn_detail_answer_keeps_one_cpe_per_version_text(vuln_samples: Path) -> None:
    feed = read_jvn_file(vuln_samples / "myjvn_getVulnDetailInfo_hnd_JVNDB-2021-002774.xml")
    (entry,) = feed.entries
    assert entry.jvndb_id == "JVNDB-2021-002774" and feed.total_results == 1
    assert entry.cve_ids == ("CVE-2021-36745",)  # from the CVE and the NVD item
    assert entry.jvnvu_ids == ("JVNVU#99520559",) and entry.cvss == ()
    assert [c.version_text for c in entry.cpes] == [
        "for EMC Celerra 5.8 (Build 1577) 未満", "for NetApp 5.8 (Build 1299) 未満",
        "for Storage 6.0 (Build 1284) 未満", "for Windows 5.8 (Build 1575) 未満"]
    # An edition and a build: not a plain version, so the range is unknown (要確認), never guessed.
    assert all(c.versions == () and c.cpe == Cpe("a", "trendmicro", "serverprotect") for c in entry.cpes)
    assert ("トレンドマイクロ ダウンロード", "ServerProtect for Storage 6.0") in {a[:2] for a in entry.advisories}


def test_the_real_checksum_list_is_keyed_by_file_name(vuln_samples: Path) -> None:
    checksums = parse_jvn_checksums((vuln_samples / "jvn_feed_checksum_fixture.txt").read_bytes(), "checksum.txt")
    assert len(checksums) == 13
    year = checksums["jvndb_2022.rdf"]
    assert (year.size, year.url) == (35_116_529, "https://jvndb.jvn.jp/ja/rss/years/jvndb_2022.rdf")
    assert year.sha256 == "298bde6e49a70f68b0ce060c4a7da11902ca1e88c4a5d8c4e79efdb417965caa"
    assert year.last_modified == datetime(2023, 10, 29, 9, 1, 6, tzinfo=JST)
    assert checksums["jvndb_detail_2022.rdf"].size == 72_364_726


def test_a_file_that_differs_from_the_real_checksum_list_is_refused(vuln_samples: Path, tmp_path: Path) -> None:
    checksums = parse_jvn_checksums((vuln_samples / "jvn_feed_checksum_fixture.txt").read_bytes(), "checksum.txt")
    damaged = tmp_path / "jvndb_2023.rdf"
    damaged.write_bytes(CITRIX.read_bytes())
    with pytest.raises(FeedError, match=r"^jvndb_2023\.rdf: the SHA-256 of the file is [0-9a-f]{64}, but "
                                        r"checksum\.txt gives c1c9ddd2e2e1") as caught:
        verify_jvn_checksum(damaged, checksums)
    assert caught.value.code == "feed_checksum"
    assert caught.value.params["expected"] == "c1c9ddd2e2e1504408ad84c4550db450b2a1e464545bc15272c4bf28d957321d"


def test_the_myjvn_product_list_is_not_a_vulnerability_feed(vuln_samples: Path) -> None:
    path = vuln_samples / "jvn_myjvn_product_202311_fixture.rdf"
    assert not looks_like_jvn(path.read_bytes()[:4096])
    with pytest.raises(FeedError, match=r"line 2: not a JVN iPedia feed: the root element is "
                                        r"'\{http://jvndb.jvn.jp/myjvn/Results\}Result'") as caught:
        read_jvn_file(path)
    assert caught.value.code == "feed_not_jvn"


def test_looks_like_jvn_tells_jvn_xml_from_other_feeds(vuln_samples: Path) -> None:
    verdicts = {p.name: looks_like_jvn(p.read_bytes()[:4096]) for p in sorted(vuln_samples.iterdir())
                if p.suffix in (".rdf", ".xml", ".json")}
    assert {name for name, yes in verdicts.items() if yes} == {
        "jvn_rss_jvndb_2022_fixture.rdf", "jvn_detail_jvndb_detail_2022_fixture.rdf",
        "myjvn_getVulnOverviewList_hnd.xml", "myjvn_getVulnDetailInfo_hnd_JVNDB-2021-002774.xml"}
    assert looks_like_jvn(SHIFT_JIS.read_bytes()[:4096])
    assert looks_like_jvn(CITRIX.read_text(encoding="utf-8").encode("utf-16"))
    assert not looks_like_jvn(b'{"note": "http://jvn.jp/rss/mod_sec/"}')


# --- hand-written files (data/jvn) --------------------------------------------------------------------------


def test_withdrawn_unconfirmed_and_unsupported_entries_are_dropped_and_listed() -> None:
    feed = read_jvn_file(CITRIX)
    assert feed.dropped == (("JVNDB-2019-999901", "削除"), ("JVNDB-2019-999902", "未確定"),
                            ("JVNDB-2019-999903", "サポート外"))  # title, description, full-width marker
    assert [e.jvndb_id for e in feed.entries] == ["JVNDB-2019-013490", "JVNDB-2019-999904"]


def test_an_item_with_only_dc_date_uses_it_as_last_modified() -> None:
    entry = read_jvn_file(CITRIX).entries[1]
    assert entry.published is None and entry.last_modified == datetime(2020, 9, 15, 18, 30, tzinfo=JST)
    assert entry.cpes == () and entry.advisories == (
        ("ICS-CERT ADVISORY", "ICSMA-20-254-01", "https://www.cisa.gov/news-events/ics-medical-advisories/icsma-20-254-01"),)


def test_the_detail_feed_reads_each_version_text_and_all_related_kinds() -> None:
    feed = read_jvn_file(DETAIL)
    assert feed.dropped == (("JVNDB-2099-000002", "サポート外"),) and feed.total_results == 2
    (entry,) = feed.entries
    assert [(c.cpe.product, c.version_text, c.versions) for c in entry.cpes] == [
        ("example_pacs", "7.3.7 より前のバージョン", (VersionRange(end_excluding="7.3.7"),)),
        ("example_pacs", "8.0 以上 8.2 未満", (VersionRange(start_including="8.0", end_excluding="8.2"),)),
        ("example_pacs", "全てのバージョン (Windows 版)", ()),
        ("example_viewer", "Ver.２．１ およびそれ以前", (VersionRange(end_including="2.1"),)),
    ]
    assert entry.cve_ids == ("CVE-2099-0001",) and entry.jvnvu_ids == ("JVNVU#99999901",)
    assert entry.cwes == ("CWE-22",)
    assert [a[0] for a in entry.advisories] == ["Example Medical", "ICS-CERT ADVISORY"]
    assert [(s.version, s.base_score, s.severity) for s in entry.cvss] == [("3.0", 9.8, "Critical"),
                                                                           ("2.0", 7.5, "High")]
    assert entry.solution.count("\n") == 1 and "院内ネットワーク" in entry.solution
    assert (entry.published, entry.last_modified, entry.date_public) == (
        datetime(2099, 1, 10, 10, 0, tzinfo=JST), datetime(2099, 2, 1, 15, 30, 45, tzinfo=JST),
        datetime(2099, 1, 9, tzinfo=JST))


def test_xml_declared_shift_jis_is_read_as_cp932() -> None:
    assert SHIFT_JIS.read_bytes().startswith(b'<?xml version="1.0" encoding="Shift_JIS"?>')
    (entry,) = read_jvn_file(SHIFT_JIS).entries
    assert entry.title.startswith("髙橋メディカル製 ① 電子カルテ")  # 髙 and ① exist only in CP932
    assert entry.description.startswith("㈱髙橋メディカル") and "～" in entry.description
    (cpe,) = entry.cpes
    assert (cpe.vendor_name, cpe.product_name) == ("髙橋メディカル", "① 電子カルテ")
    assert cpe.versions == (VersionRange(start_including="3.0", end_excluding="3.2"),)


def test_bytes_that_are_not_the_declared_encoding_are_refused_with_the_line() -> None:
    data = (b'<?xml version="1.0" encoding="Shift_JIS"?>\n<rdf:RDF>\n<title>\x82\xa0</title>\n'
            b'<title>\x82</title></rdf:RDF>')
    with pytest.raises(FeedError, match=r"^bad\.rdf, line 4: byte 78 is not valid Shift_JIS") as caught:
        parse_jvn_xml(data, "bad.rdf")
    assert caught.value.code == "feed_encoding_invalid"
    with pytest.raises(FeedError, match=r"line 1: the XML declares an unknown encoding 'x-mamori'"):
        parse_jvn_xml(b'<?xml version="1.0" encoding="x-mamori"?><a/>', "bad.rdf")


def test_a_myjvn_error_answer_is_refused_with_its_code_and_message() -> None:
    path = JVN / "myjvn_overview_error_retcd_refused.xml"
    with pytest.raises(FeedError, match=r"line 10, status:Status@retCd: the MyJVN API answered with an error "
                                        r"\(retCd 1, errCd 1000001\): maxCountItem の値が不正です") as caught:
        read_jvn_file(path)
    assert caught.value.code == "feed_myjvn_error" and caught.value.params["errCd"] == "1000001"


@pytest.mark.parametrize("name", ["refused_doctype.rdf", "refused_billion_laughs.rdf", "refused_external_entity.rdf"])
def test_hostile_xml_is_refused_before_anything_is_expanded(name: str) -> None:
    with pytest.raises(FeedError, match=rf"^{name}, line 2: refused: the XML contains a document type declaration "
                                        r"\(DTD\) <!DOCTYPE rdf:RDF>") as caught:
        read_jvn_file(JVN / name)
    assert caught.value.code == "feed_xml_forbidden"
    assert "lol" not in str(caught.value) and "root:" not in str(caught.value)


def test_a_truncated_file_is_refused_with_the_line_where_it_ends(tmp_path: Path) -> None:
    path = JVN / "refused_truncated_in_item.rdf"
    with pytest.raises(FeedError, match=r"^refused_truncated_in_item\.rdf, line 36: truncated XML: the data ends "
                                        r"at line 36, column 5") as caught:
        read_jvn_file(path)
    assert caught.value.code == "feed_truncated"
    packed = tmp_path / "jvndb_2019.rdf.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    with pytest.raises(FeedError, match=r"^jvndb_2019\.rdf\.gz, line 36: truncated XML"):
        read_jvn_file(packed)
    with pytest.raises(FeedError, match=r"^empty\.rdf: the file is empty"):
        parse_jvn_xml(b"  \n", "empty.rdf")


def test_malformed_xml_is_refused_with_line_and_column() -> None:
    data = RDF_OPEN + b"<item>\n<title>x</titel>\n</item></rdf:RDF>"
    with pytest.raises(FeedError, match=r"^m\.rdf, line 4: malformed XML at column 11: mismatched tag$") as caught:
        parse_jvn_xml(data, "m.rdf")
    assert caught.value.code == "feed_xml_invalid"
    with pytest.raises(FeedError, match=r"line 3: malformed XML at column 7: undefined entity"):
        parse_jvn_xml(RDF_OPEN + b"<item>&xxe;</item></rdf:RDF>", "m.rdf")


def test_an_item_without_identifier_refuses_the_whole_file() -> None:
    with pytest.raises(FeedError, match=r"^refused_missing_identifier\.rdf, line 8, item\[2\]: the entry has no "
                                        r"identifier \(JVNDB-YYYY-NNNNNN\)$") as caught:
        read_jvn_file(JVN / "refused_missing_identifier.rdf")
    assert caught.value.code == "feed_field_missing"


def test_an_item_without_title_is_refused() -> None:
    data = RDF_OPEN + (b"<item>\n<title> </title>\n<sec:identifier>JVNDB-2099-000001</sec:identifier>\n"
                       b"</item></rdf:RDF>")
    with pytest.raises(FeedError, match=r"line 4, JVNDB-2099-000001/title: the entry has no title"):
        parse_jvn_xml(data, "t.rdf")


def test_every_bad_field_is_collected_with_its_line_and_element() -> None:
    with pytest.raises(FeedError, match=r"line 6, JVNDB-2099-000001/dcterms:issued: not a date and time: "
                                        r"'2099/01/01 10:00' \(and 4 more problems\)$") as caught:
        read_jvn_file(JVN / "refused_bad_date_cpe_cve_score.rdf")
    error = caught.value
    assert error.code == "feed_date_invalid" and error.params["more"] == 4
    assert [(p.location.line, p.location.field, p.code) for p in error.problems] == [
        (6, "JVNDB-2099-000001/dcterms:issued", "feed_date_invalid"),
        (12, "JVNDB-2099-000002/sec:references[1]@id", "feed_bad_cve_id"),
        (13, "JVNDB-2099-000002/sec:cpe[1]", "cpe_invalid"),
        (14, "JVNDB-2099-000002/sec:cvss[1]", "feed_field_invalid"),
        (17, "JVNDB-2099-000003/dcterms:modified", "feed_field_missing"),
    ]


def test_no_more_than_twenty_problems_are_kept_but_all_are_counted() -> None:
    items = b"".join(b"<item><title>t</title><sec:identifier>JVNDB-2099-%06d</sec:identifier>"
                     b"<dcterms:modified xmlns:dcterms='http://purl.org/dc/terms/'>bad</dcterms:modified></item>\n" % n
                     for n in range(25))
    with pytest.raises(FeedError, match=r"\(and 24 more problems\)$") as caught:
        parse_jvn_xml(RDF_OPEN + items + b"</rdf:RDF>", "many.rdf")
    assert len(caught.value.problems) == 20 and caught.value.problems[-1].location.line == 22


def test_a_compressed_feed_reads_like_the_plain_one(tmp_path: Path) -> None:
    packed = tmp_path / "jvndb_2019.rdf.gz"
    packed.write_bytes(gzip.compress(CITRIX.read_bytes()))
    feed = read_jvn_file(packed)
    assert feed.filename == "jvndb_2019.rdf.gz" and feed.entries == read_jvn_file(CITRIX).entries


def test_checksums_verify_plain_and_compressed_files_and_ignore_unlisted_ones(tmp_path: Path) -> None:
    checksums = parse_jvn_checksums(OWN_CHECKSUMS.read_bytes(), OWN_CHECKSUMS.name)
    assert checksums["jvndb_new.rdf"].filename == "jvndb_new.rdf"  # no "filename": taken from the url
    assert checksums["jvndb_new.rdf"].last_modified is None
    assert verify_jvn_checksum(CITRIX, checksums) is True
    packed = tmp_path / "jvndb_2019_citrix_and_markers.rdf.gz"
    packed.write_bytes(gzip.compress(CITRIX.read_bytes()))
    assert verify_jvn_checksum(packed, checksums) is True  # checked by the decompressed content
    assert verify_jvn_checksum(SHIFT_JIS, checksums) is False
    with pytest.raises(FeedError, match=r"^jvndb_detail_version_texts\.rdf: the SHA-256 of the file is [0-9a-f]{64}, "
                                        r"but checksum\.txt gives 1{64} for jvndb_detail_version_texts\.rdf"):
        verify_jvn_checksum(DETAIL, checksums)


def test_a_bad_checksum_list_is_refused_with_the_json_path() -> None:
    listed = [{"url": "https://jvndb.jvn.jp/ja/rss/jvndb.rdf", "sha256": "abc", "size": 1,
               "lastModified": "2023-11-02 12:00"}]
    with pytest.raises(FeedError, match=r"checksum\.txt, \$\[0\]\.sha256: not a SHA-256 in hex: 'abc' "
                                        r"\(and 1 more problem\)") as caught:
        parse_jvn_checksums(json.dumps(listed).encode(), "checksum.txt")
    assert [p.code for p in caught.value.problems] == ["feed_field_invalid", "feed_date_invalid"]
    with pytest.raises(FeedError, match=r"checksum\.txt, \$\[0\]\.size: Expected `int`, got `str`"):
        parse_jvn_checksums(b'[{"url": "u", "sha256": "' + b"0" * 64 + b'", "size": "1"}]', "checksum.txt")
    with pytest.raises(FeedError, match=r"checksum\.txt, line 2: not a JSON checksum list"):
        parse_jvn_checksums(b'[\n{"url": ', "checksum.txt")


# --- version free text --------------------------------------------------------------------------------------

VERSION_TEXTS = [
    ("7.3.7 より前のバージョン", (VersionRange(end_excluding="7.3.7"),)),
    ("7.3.7より前", (VersionRange(end_excluding="7.3.7"),)),
    ("1.2 未満", (VersionRange(end_excluding="1.2"),)),
    ("2.1 以前", (VersionRange(end_including="2.1"),)),
    ("2.1 およびそれ以前", (VersionRange(end_including="2.1"),)),
    ("2.1 及びそれ以前のバージョン", (VersionRange(end_including="2.1"),)),
    ("4.0 以降", (VersionRange(start_including="4.0"),)),
    ("1.0 から 1.4", (VersionRange(start_including="1.0", end_including="1.4"),)),
    ("1.0 から 1.4 まで", (VersionRange(start_including="1.0", end_including="1.4"),)),
    ("3.0 以上 3.2 未満", (VersionRange(start_including="3.0", end_excluding="3.2"),)),
    ("3.0 以降 3.2 より前のバージョン", (VersionRange(start_including="3.0", end_excluding="3.2"),)),
    ("1.0 ～ 2.0", (VersionRange(start_including="1.0", end_including="2.0"),)),
    ("2.0 より後", (VersionRange(start_excluding="2.0"),)),
    ("1.2.3", (VersionRange(start_including="1.2.3", end_including="1.2.3"),)),
    ("バージョン 1.2", (VersionRange(start_including="1.2", end_including="1.2"),)),
    ("Ver.2.0", (VersionRange(start_including="2.0", end_including="2.0"),)),
    ("v2.1.0 より前", (VersionRange(end_excluding="2.1.0"),)),
    ("７．３．７　より前のバージョン", (VersionRange(end_excluding="7.3.7"),)),  # full-width digits and space
    ("Ｖｅｒ．１０．２ 以前", (VersionRange(end_including="10.2"),)),
    ("13.0-47.24 より前", (VersionRange(end_excluding="13.0-47.24"),)),
    ("8.2R12.1 未満", (VersionRange(end_excluding="8.2r12.1"),)),
    ("1.0、1.1 および 1.2", (VersionRange(start_including="1.0", end_including="1.0"),
                           VersionRange(start_including="1.1", end_including="1.1"),
                           VersionRange(start_including="1.2", end_including="1.2"))),
    ("2.0 以前、3.0 以上 3.1 未満", (VersionRange(end_including="2.0"),
                               VersionRange(start_including="3.0", end_excluding="3.1"))),
    # Unknown: the caller marks the hit 要確認 rather than guessing.
    ("", ()),
    ("全てのバージョン", ()),
    ("for EMC Celerra 5.8 (Build 1577) 未満", ()),
    ("7.x", ()),
    ("3.0 以上 3.2", ()),
    ("1.0、すべて", ()),
    ("V1.0 以前の全てのバージョン", ()),
    ("1.0 - 2.0", ()),
]


@pytest.mark.parametrize(("text", "expected"), VERSION_TEXTS, ids=[t or "empty" for t, _ in VERSION_TEXTS])
def test_version_text(text: str, expected: tuple[VersionRange, ...]) -> None:
    assert parse_jvn_version_text(text) == expected
