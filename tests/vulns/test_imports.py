"""Feed imports into the catalogue: new / changed / unchanged / stale, all or nothing per file, audited."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

import pytest

from mamori.audit.models import AuditEntry
from mamori.vulns.imports import MAX_UPLOAD_BYTES, FeedImportError, import_paths, import_upload
from mamori.vulns.models import (
    CsafAdvisory,
    CsafCve,
    CveEnrichment,
    EpssScore,
    FeedImport,
    JvnCve,
    JvnEntry,
    KevEntry,
    Vulnerability,
)
from tests.vulns.conftest import copy_to, feed, imported, nvd_record_file

pytestmark = pytest.mark.django_db

FORTIOS = feed("api20_fortios_cve-2022-42475.json")


def _record() -> dict[str, object]:
    return json.loads(FORTIOS.read_text(encoding="utf-8"))["vulnerabilities"][0]["cve"]


def test_nvd_file_creates_the_catalogue_rows_with_configurations_and_scores() -> None:
    entry = imported(FORTIOS).imports[0]
    assert (entry.kind, entry.records, entry.new, entry.changed) == ("nvd", 1, 1, 0)
    v = Vulnerability.objects.get(cve_id="CVE-2022-42475")
    assert v.in_nvd and v.configurations is not None
    assert v.cvss_max == 9.8 and {s["source"] for s in v.cvss} >= {"nvd@nist.gov"}
    assert entry.details["new_ids"] == ["CVE-2022-42475"]
    audit = AuditEntry.objects.get(action="feed_import")
    assert audit.changes["sha256"] == entry.sha256 and audit.changes["new"] == 1


def test_reimport_is_idempotent() -> None:
    imported(FORTIOS)
    again = imported(FORTIOS).imports[0]
    assert (again.new, again.changed, again.unchanged) == (0, 0, 1)
    assert Vulnerability.objects.count() == 1


def test_a_newer_last_modified_is_a_change_and_an_older_one_is_ignored(tmp_path: Path) -> None:
    imported(FORTIOS)
    newer = _record() | {"lastModified": "2099-01-01T00:00:00.000", "descriptions": [
        {"lang": "en", "value": "Changed description."}]}
    older = _record() | {"lastModified": "2001-01-01T00:00:00.000", "descriptions": [
        {"lang": "en", "value": "Old description."}]}
    changed = imported(nvd_record_file(tmp_path, newer, "new.json")).imports[0]
    assert (changed.changed, changed.details["changed_ids"]) == (1, ["CVE-2022-42475"])
    stale = imported(nvd_record_file(tmp_path, older, "old.json")).imports[0]
    assert (stale.stale, stale.changed) == (1, 0)
    assert Vulnerability.objects.get().description == "Changed description."


@pytest.mark.parametrize(("name", "content", "message"), [
    ("broken.json", b'{"format": "NVD_CVE", "vulnerabilities": [{"cve": {"id": "CVE-2024-0001",,}}]}', "line 1"),
    ("cut.json.gz", gzip.compress(FORTIOS.read_bytes())[:200], "truncated"),
    ("notes.txt", "ただのメモ".encode(), "not a feed Mamori can import"),
])
def test_a_bad_file_is_refused_whole_with_its_place_and_nothing_is_stored(tmp_path: Path, name: str,
                                                                          content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    outcome = import_paths([path, FORTIOS], match=False)
    assert [Path(p).name for p, _ in outcome.rejected] == [name]
    assert message in str(outcome.rejected[0][1]) and name in str(outcome.rejected[0][1])
    assert FeedImport.objects.count() == 1  # the good file beside it was imported
    assert list(Vulnerability.objects.values_list("cve_id", flat=True)) == ["CVE-2022-42475"]


def test_a_bad_record_in_the_middle_refuses_the_whole_file(tmp_path: Path) -> None:
    document = json.loads(feed("api20_medical_devices.json").read_text(encoding="utf-8"))
    document["vulnerabilities"][2]["cve"]["published"] = "yesterday"
    path = tmp_path / "medical.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    outcome = import_paths([path], match=False)
    assert "vulnerabilities[2]" in str(outcome.rejected[0][1])
    assert Vulnerability.objects.count() == 0 and FeedImport.objects.count() == 0


@pytest.mark.parametrize("name", ["refused_doctype.rdf", "refused_billion_laughs.rdf", "refused_external_entity.rdf"])
def test_hostile_xml_is_refused(name: str) -> None:
    outcome = import_paths([feed(f"jvn/{name}")], match=False)
    assert len(outcome.rejected) == 1 and JvnEntry.objects.count() == 0


def test_kev_csv_from_excel_in_cp932_is_refused_with_the_byte_offset() -> None:
    outcome = import_paths([feed("kev_epss_cve5/kev_cp932_saved_by_excel.csv")], match=False)
    assert "not UTF-8" in str(outcome.rejected[0][1]) and "offset" in str(outcome.rejected[0][1])
    assert KevEntry.objects.count() == 0


def test_kev_import_counts_additions_and_keeps_first_seen(tmp_path: Path) -> None:
    first = imported(feed("kev_epss_cve5/kev_three_entries.json")).imports[0]
    assert (first.kind, first.new) == ("kev", 3)
    seen = dict(KevEntry.objects.values_list("cve_id", "first_seen"))
    document = json.loads(feed("kev_epss_cve5/kev_three_entries.json").read_text(encoding="utf-8"))
    document["vulnerabilities"][0]["requiredAction"] = "Apply the vendor's update and rotate credentials."
    changed_path = tmp_path / "kev.json"
    changed_path.write_text(json.dumps(document), encoding="utf-8")
    second = imported(changed_path).imports[0]
    assert (second.new, second.changed, second.unchanged) == (0, 1, 2)
    assert dict(KevEntry.objects.values_list("cve_id", "first_seen")) == seen
    # KEV names CVEs the catalogue must know, even before their NVD record is imported
    assert Vulnerability.objects.filter(cve_id__in=seen, in_nvd=False).count() == 3


def test_epss_from_an_older_day_does_not_replace_newer_scores(tmp_path: Path) -> None:
    imported(feed("kev_epss_cve5/epss_scores-2024-06-01.csv.gz"))
    held = dict(EpssScore.objects.values_list("cve_id", "epss"))
    older = copy_to(tmp_path, feed("kev_epss_cve5/epss_scores-2024-06-01.csv.gz"), "x.csv.gz")
    text = gzip.decompress(older.read_bytes()).decode().replace("score_date:2024-06-01", "score_date:2023-01-01")
    older.write_bytes(gzip.compress(text.encode()))
    entry = imported(older).imports[0]
    assert entry.stale == entry.records and dict(EpssScore.objects.values_list("cve_id", "epss")) == held


def test_cve5_bundle_stores_ssvc_and_drops_rejected_records() -> None:
    entry = imported(feed("kev_epss_cve5/cve5_bundle_three_records.json")).imports[0]
    assert entry.kind == "cve5" and entry.dropped >= 1
    assert CveEnrichment.objects.exclude(ssvc_exploitation="").exists()
    assert not CveEnrichment.objects.filter(state__iexact="rejected").exists()


def test_jvn_entries_are_linked_to_their_cves_and_markers_dropped() -> None:
    entry = imported(feed("jvn/jvndb_2019_citrix_and_markers.rdf")).imports[0]
    assert entry.kind == "jvn" and entry.dropped >= 1
    link = JvnCve.objects.select_related("entry").get(cve_id="CVE-2019-19781")
    assert link.entry.jvndb_id == "JVNDB-2019-013490" and "JVNVU#92281641" in link.entry.jvnvu_ids
    assert Vulnerability.objects.filter(cve_id="CVE-2019-19781").exists()


def test_a_folder_of_csaf_advisories_is_one_import(tmp_path: Path) -> None:
    folder = tmp_path / "csaf"
    folder.mkdir()
    copy_to(folder, feed("csaf/icsma-25-030-01_contec_cms8000_all_versions.json"))
    copy_to(folder, feed("csaf/fortinet_fg-ir-22-398_relationships_groups.json"))
    entry = imported(folder).imports[0]
    assert (entry.kind, entry.records, entry.new) == ("csaf", 2, 2)
    assert entry.filename == "csaf/ (2 files)"
    assert CsafAdvisory.objects.count() == 2
    assert CsafCve.objects.filter(cve_id="CVE-2025-0626").exists()


def test_a_newer_csaf_release_replaces_the_advisory(tmp_path: Path) -> None:
    source = feed("csaf/icsma-25-030-01_contec_cms8000_all_versions.json")
    imported(source)
    document = json.loads(source.read_text(encoding="utf-8"))
    revised = copy.deepcopy(document)
    revised["document"]["tracking"]["current_release_date"] = "2099-01-01T00:00:00Z"
    revised["document"]["tracking"]["version"] = "2"
    revised["document"]["tracking"]["revision_history"].append(
        {"date": "2099-01-01T00:00:00Z", "number": "2", "summary": "revised"})
    path = tmp_path / "revised.json"
    path.write_text(json.dumps(revised), encoding="utf-8")
    entry = imported(path).imports[0]
    assert entry.changed == 1 and CsafAdvisory.objects.get().version == "2"


def test_upload_over_the_limit_is_refused_before_reading() -> None:
    with pytest.raises(FeedImportError, match="larger than"):
        import_upload(b"x" * (MAX_UPLOAD_BYTES + 1), "huge.json")
    assert FeedImport.objects.count() == 0


def test_upload_is_detected_from_content_not_name() -> None:
    outcome = import_upload(FORTIOS.read_bytes(), "download(3).bin", match=False)
    assert outcome.imports[0].kind == "nvd"


def _catalogue() -> list[tuple[object, ...]]:
    return list(Vulnerability.objects.order_by("cve_id").values_list(
        "cve_id", "last_modified", "cvss", "references", "configurations", "products"))


def test_large_imports_decoded_by_a_worker_store_what_the_importer_alone_stores(
        tmp_path: Path, settings: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Several large NVD files are decoded one ahead in a worker process; a bad file among them is still refused
    with its place, and another kind beside them is read as usual."""
    import mamori.vulns.imports as imports

    broken = tmp_path / "nvdcve-2.0-2024.json"
    broken.write_text('{"format": "NVD_CVE", "vulnerabilities": [{"cve": {"id": ', encoding="utf-8")
    files = [FORTIOS, broken, feed("api20_medical_devices.json"), feed("kev_epss_cve5/kev_three_entries.json")]
    settings.MAMORI_IMPORT_WORKER = False  # type: ignore[attr-defined]
    alone = import_paths(files, match=False)
    expected = _catalogue()
    Vulnerability.objects.all().delete()
    FeedImport.objects.all().delete()
    KevEntry.objects.all().delete()
    settings.MAMORI_IMPORT_WORKER = True  # type: ignore[attr-defined]
    monkeypatch.setattr(imports, "PREFETCH_BYTES", 0)
    started: list[Path] = []
    original = imports.NvdReader.__init__

    def spy(self: object, path: Path, scratch: Path) -> None:
        started.append(path)
        original(self, path, scratch)  # type: ignore[arg-type]

    monkeypatch.setattr(imports.NvdReader, "__init__", spy)
    worked = import_paths(files, match=False)
    assert started == files  # every file went to the worker
    assert _catalogue() == expected and len(expected) == 8  # 6 NVD records and 2 CVEs only KEV names
    assert [str(e) for _p, e in worked.rejected] == [str(e) for _p, e in alone.rejected]
    assert "truncated" in str(worked.rejected[0][1]) and "nvdcve-2.0-2024.json" in str(worked.rejected[0][1])
    assert [(i.kind, i.records) for i in worked.imports] == [(i.kind, i.records) for i in alone.imports]
