"""Content validation of restored files: real formats stay OK, encrypted ones are found, and a check reads little."""

from __future__ import annotations

import io
import random
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, cast

import pydicom
import pytest
from PIL import Image

from mamori.engines.backup import ContentVerdict, check_file, check_path, kind_of
from mamori.engines.backup.probe import RANDOM_CHI2_MAX, chi_square
from tests.engines.backup import files as F

KINDS = sorted(F.WRITERS)
NOT_TEXT = [kind for kind in KINDS if kind not in ("text", "csv_cp932")]
OK, MISMATCH, PARTIAL, UNCHECKED = (ContentVerdict.OK, ContentVerdict.MISMATCH, ContentVerdict.PARTIAL,
                                    ContentVerdict.UNCHECKED)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One clean file of every kind, written once; tests work on copies."""
    folder = tmp_path_factory.mktemp("samples")
    return {kind: writer(folder / f"sample{F.SUFFIXES[kind]}") for kind, writer in F.WRITERS.items()}


CopyOf = Callable[[str], Path]


@pytest.fixture
def copy_of(samples: dict[str, Path], tmp_path: Path) -> CopyOf:
    """A fresh copy of the clean sample of a kind, to transform."""
    def copy(kind: str) -> Path:
        target = tmp_path / f"copy{F.SUFFIXES[kind]}"
        shutil.copyfile(samples[kind], target)
        return target
    return copy


def _random_blocks(path: Path) -> int:
    data = path.read_bytes()
    return sum(chi_square(data[i : i + 65536]) < RANDOM_CHI2_MAX for i in range(0, len(data) - 65535, 65536))


@pytest.mark.parametrize("kind", KINDS)
def test_every_clean_file_of_every_kind_is_ok(samples: dict[str, Path], kind: str) -> None:
    result = check_path(samples[kind])
    assert (result.verdict, result.code, result.offset) == (OK, "ok", None), result.detail
    assert result.kind == kind_of(samples[kind].name)
    assert result.path == str(samples[kind])


def test_the_jpeg_sample_is_photo_like_and_large(samples: dict[str, Path]) -> None:
    assert samples["jpeg"].stat().st_size >= 300 * 1024
    with Image.open(samples["jpeg"]) as image:
        assert image.size == (1280, 960)


@pytest.mark.parametrize("kind", ["docx", "pdf", "zip"])
def test_a_valid_file_with_random_looking_parts_is_ok_although_entropy_alone_would_flag_it(
        samples: dict[str, Path], kind: str) -> None:
    # The docx and zip hold a stored part of random bytes, the PDF an attached random file (stored deflate).
    assert _random_blocks(samples[kind]) >= 1
    assert check_path(samples[kind]).verdict == OK


def test_deflated_pdf_streams_read_as_valid_structure(tmp_path: Path) -> None:
    path = F.write_pdf(tmp_path / "report.pdf", pages=60, attachment=False)
    result = check_path(path)
    assert result.verdict == OK and "objects listed" in result.detail


def test_a_pdf_with_a_cross_reference_stream_is_ok_and_its_objects_are_listed(tmp_path: Path) -> None:
    path = F.write_pdf(tmp_path / "report.pdf", xref_stream=True)
    result = check_path(path)
    assert result.verdict == OK
    assert " 0 objects listed" not in result.detail and "objects listed" in result.detail


EXPECTED_WHOLE = {"docx": ("zip_signature_missing", 0), "xlsx": ("zip_signature_missing", 0),
                  "zip": ("zip_signature_missing", 0), "pdf": ("pdf_header_missing", 0),
                  "jpeg": ("jpeg_soi_missing", 0), "png": ("png_signature_missing", 0),
                  "dicom": ("dicom_magic_missing", 128), "csv_cp932": ("text_high_entropy_block", 0),
                  "text": ("text_high_entropy_block", 0)}


@pytest.mark.parametrize("kind", KINDS)
def test_whole_file_encryption_is_a_mismatch_at_the_start(copy_of: CopyOf, kind: str) -> None:
    path = copy_of(kind)
    F.encrypt_whole(path)
    result = check_path(path)
    assert result.verdict == MISMATCH
    assert (result.code, result.offset) == EXPECTED_WHOLE[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_encrypting_the_first_64_kib_is_a_mismatch(copy_of: CopyOf, kind: str) -> None:
    path = copy_of(kind)
    F.encrypt_head(path, 64 * 1024)
    assert check_path(path).verdict == MISMATCH


@pytest.mark.parametrize("kind", KINDS)
def test_intermittent_encryption_with_header_and_trailer_intact_is_partial(copy_of: CopyOf, kind: str) -> None:
    path = copy_of(kind)
    ranges = F.encrypt_intermittent(path, skip_header=4096, skip_footer=64 * 1024)
    result = check_path(path)
    assert result.verdict == PARTIAL, result.detail
    # The offset is where the structure broke: a stripe, or the start of an entry whose CRC fails.
    assert result.offset is not None and 0 < result.offset < ranges[-1][1]


@pytest.mark.parametrize("kind", KINDS)
def test_intermittent_encryption_after_an_intact_4_kib_header_is_never_ok(copy_of: CopyOf, kind: str) -> None:
    path = copy_of(kind)
    F.encrypt_intermittent(path, skip_header=4096)
    result = check_path(path)
    assert result.verdict in (PARTIAL, MISMATCH), result.detail
    assert result.offset is not None


@pytest.mark.parametrize("kind", KINDS)
def test_one_16_kib_stripe_in_the_middle_is_partial(copy_of: CopyOf, kind: str) -> None:
    path = copy_of(kind)
    size = path.stat().st_size
    F.encrypt_intermittent(path, block=16 * 1024, every=1_000_000, skip_header=size // 2)
    result = check_path(path)
    assert result.verdict == PARTIAL, result.detail
    assert result.offset is not None


@pytest.mark.parametrize("kind", KINDS)
def test_ordinary_edits_stay_ok(copy_of: CopyOf, kind: str) -> None:
    path = copy_of(kind)
    before = path.read_bytes()
    F.ordinary_edit(path)
    assert path.read_bytes() != before
    result = check_path(path)
    assert result.verdict == OK, result.detail


@pytest.mark.parametrize("kind", NOT_TEXT)
def test_a_file_cut_in_half_is_not_ok_and_says_where(copy_of: CopyOf, kind: str) -> None:
    path = copy_of(kind)
    size = F.truncate(path, 0.5)
    result = check_path(path)
    assert result.verdict in (MISMATCH, PARTIAL), result.detail
    assert result.offset is not None and 0 <= result.offset <= size


@pytest.mark.parametrize("kind", ["text", "csv_cp932"])
def test_text_cut_short_is_still_text_because_text_has_no_trailer(copy_of: CopyOf, kind: str) -> None:
    path = copy_of(kind)
    F.truncate(path, 0.5)  # may cut a multibyte character at the end, as a backup of a log being written does
    assert check_path(path).verdict == OK


def test_a_cp932_csv_is_text_though_it_is_not_utf8(samples: dict[str, Path]) -> None:
    data = samples["csv_cp932"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "髙橋".encode("cp932") in data or "山﨑".encode("cp932") in data  # CP932-only characters
    result = check_path(samples["csv_cp932"])
    assert (result.verdict, result.code) == (OK, "ok")
    assert "cp932" in result.detail


def test_a_cp932_csv_whose_first_64_kib_are_ascii_is_ok(tmp_path: Path) -> None:
    lines = ["id,code,value"] + [f"{i},A{i:05d},{i * 7 % 1000}" for i in range(6000)]
    lines += [f"{i},患者{i},髙橋 花子（外来）①" for i in range(6000, 9000)]
    path = tmp_path / "mixed.csv"
    path.write_bytes("\r\n".join(lines).encode("cp932"))
    assert check_path(path).verdict == OK


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "euc_jp", "latin-1"])
def test_text_in_other_encodings_is_ok(tmp_path: Path, encoding: str) -> None:
    text = "".join(f"{i:05d}\tRésumé café\tline\r\n" if encoding == "latin-1" else f"{i:05d}\t検査結果\t正常範囲\r\n"
                   for i in range(20000))
    path = tmp_path / "notes.txt"
    path.write_bytes(text.encode(encoding))
    assert check_path(path).verdict == OK


def test_a_log_with_a_zero_filled_region_and_a_cut_last_character_is_ok(tmp_path: Path) -> None:
    # After a crash a log may hold zeros where the system preallocated; a live log may end mid-character.
    data = ("2025-04-01 ログイン成功 利用者 u0001\n" * 5000).encode() + bytes(70_000) + "患者".encode()[:-1]
    path = tmp_path / "app.log"
    path.write_bytes(data)
    assert check_path(path).verdict == OK


def test_binary_bytes_named_txt_are_a_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(bytes(range(32)) * 500)
    result = check_path(path)
    assert (result.verdict, result.code, result.offset) == (MISMATCH, "text_control_characters", 0)


def test_empty_file_and_unknown_extension_are_unchecked(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    other = tmp_path / "data.bin"
    other.write_bytes(b"\x00" * 100)
    assert (check_path(empty).verdict, check_path(empty).code, check_path(empty).kind) == (UNCHECKED, "empty", "pdf")
    assert (check_path(other).verdict, check_path(other).code, check_path(other).kind) == (
        UNCHECKED, "unknown_type", "unknown")


@pytest.mark.parametrize(("name", "kind"), [
    ("報告書.DOCX", "docx"), ("macro.docm", "docm"), ("台帳.xlsx", "xlsx"), ("calc.XLSM", "xlsm"),
    ("slides.pptx", "pptx"), ("archive.zip", "zip"), ("scan.PDF", "pdf"), ("photo.jpg", "jpeg"),
    ("photo.JPEG", "jpeg"), ("shot.png", "png"), ("CT0001.dcm", "dicom"), ("x.dicom", "dicom"),
    (r"C:\共有\外来\患者一覧.CSV", "text"), ("/srv/share/app.log", "text"), ("a.hl7", "text"), ("b.tsv", "text"),
    ("c.sql", "text"), ("d.htm", "text"), ("e.json", "text"), ("f.ini", "text"), ("g.cfg", "text"), ("h.md", "text"),
    ("i.xml", "text"), ("j.txt", "text"), ("k.html", "text"),
    ("IM000001", None), ("DICOM/PA000001/ST000001/IM000001", None), (".bashrc", None), ("backup.tar.gz", None),
    ("report.pdf.lockbit", None), ("noext.", None),
])
def test_kind_of_goes_by_extension_only(name: str, kind: str | None) -> None:
    assert kind_of(name) == kind


@pytest.mark.parametrize("kind", ["text", "docx", "pdf", "dicom", "jpeg", "png"])
def test_a_50_mib_file_is_judged_from_at_most_2_mib(tmp_path: Path, kind: str) -> None:
    path = F.write_large(tmp_path / f"large{F.SUFFIXES[kind]}", kind, 50 * F.MIB)
    assert path.stat().st_size >= 45 * F.MIB
    try:
        with path.open("rb") as raw:
            counter = F.CountingReader(cast(BinaryIO, raw))
            result = check_file(cast(BinaryIO, counter), path.name, path.stat().st_size)
        assert result.verdict == OK, result.detail
        assert counter.bytes_read <= 2 * F.MIB
        # LockBit-style: 1 MiB encrypted in every 4 MiB, header and trailer spared.
        F.encrypt_intermittent(path, block=F.MIB, every=4, skip_header=4096, skip_footer=2 * F.MIB)
        with path.open("rb") as raw:
            counter = F.CountingReader(cast(BinaryIO, raw))
            result = check_file(cast(BinaryIO, counter), path.name, path.stat().st_size)
        assert result.verdict == PARTIAL, result.detail
        assert counter.bytes_read <= 2 * F.MIB
    finally:
        path.unlink()


class _FailingFile(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise OSError("I/O error reading the restored file")


def test_io_errors_propagate(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="I/O error"):
        check_file(_FailingFile(b"%PDF-1.4"), "a.pdf", 100)


@pytest.mark.parametrize("kind", KINDS)
def test_damaged_files_give_a_verdict_and_never_an_exception(samples: dict[str, Path], kind: str) -> None:
    data = samples[kind].read_bytes()
    rng = random.Random(kind)
    for _ in range(12):
        damaged = bytearray(data)
        for _ in range(rng.randrange(1, 6)):
            at = rng.randrange(len(damaged))
            damaged[at : at + rng.randrange(1, 64)] = rng.randbytes(rng.randrange(0, 64))
        if rng.random() < 0.3:
            del damaged[rng.randrange(len(damaged)) :]
        result = check_file(io.BytesIO(bytes(damaged)), samples[kind].name, len(damaged))
        assert result.code not in ("checker_error", "read_budget_spent"), result.detail


def _zip_bytes(*, comment: bytes = b"", streamed: bool = False) -> bytes:
    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.buffer = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, data: object) -> int:
            chunk = bytes(cast(bytes, data))
            self.buffer += chunk
            return len(chunk)

    target: io.RawIOBase = Unseekable() if streamed else io.BytesIO()
    with zipfile.ZipFile(cast(BinaryIO, target), "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for i in range(40):
            archive.writestr(f"records/{i:03d}.csv", f"{i},診療録,{i * 3}\r\n".encode() * 300)
        archive.comment = comment
    return bytes(target.buffer) if isinstance(target, Unseekable) else cast(io.BytesIO, target).getvalue()


def test_zip_with_a_comment_and_streamed_entries_with_data_descriptors_is_ok() -> None:
    data = _zip_bytes(comment="バックアップ 2025-04-01".encode(), streamed=True)
    assert check_file(io.BytesIO(data), "a.zip", len(data)).verdict == OK


def test_zip64_archive_is_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1 << 10)  # forces the ZIP64 end records a >4 GiB archive has
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 5)
    data = _zip_bytes()
    assert b"PK\x06\x06" in data[-200:]
    assert check_file(io.BytesIO(data), "a.zip", len(data)).verdict == OK


def test_a_destroyed_central_directory_is_partial() -> None:
    data = bytearray(_zip_bytes())
    start = data.rindex(b"PK\x01\x02") - 500
    data[start : start + 400] = random.Random(1).randbytes(400)
    result = check_file(io.BytesIO(bytes(data)), "a.zip", len(data))
    assert (result.verdict, result.code) == (PARTIAL, "zip_central_directory_broken")


def test_a_docx_without_content_types_is_not_a_docx(tmp_path: Path) -> None:
    path = tmp_path / "a.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    result = check_path(path)
    assert (result.verdict, result.code) == (MISMATCH, "ooxml_content_types_missing")


def test_a_corrupted_deflate_entry_fails_its_crc(tmp_path: Path) -> None:
    data = bytearray(_zip_bytes())
    at = data.index(b"records/010.csv") + 40
    data[at : at + 8] = bytes(8)
    result = check_file(io.BytesIO(bytes(data)), "a.zip", len(data))
    assert result.verdict == PARTIAL and result.code in ("zip_entry_crc", "zip_entry_corrupt")


@pytest.mark.parametrize("kind", ["jpeg", "png"])
def test_images_with_zero_padding_after_the_end_marker_are_ok(samples: dict[str, Path], kind: str) -> None:
    data = samples[kind].read_bytes() + bytes(512)
    assert check_file(io.BytesIO(data), samples[kind].name, len(data)).verdict == OK


def test_a_progressive_jpeg_and_a_jpeg_with_exif_are_ok(tmp_path: Path) -> None:
    image = F.noisy_image(900, 700, 9)
    exif = Image.Exif()
    exif[0x010F] = "Mamori Camera"
    image.save(tmp_path / "p.jpg", "JPEG", quality=85, progressive=True)
    image.save(tmp_path / "e.jpg", "JPEG", quality=85, exif=exif.tobytes())
    assert check_path(tmp_path / "p.jpg").verdict == OK
    assert check_path(tmp_path / "e.jpg").verdict == OK


def test_an_implicit_vr_dicom_file_is_ok_and_its_encrypted_pixels_are_partial(tmp_path: Path) -> None:
    path = F.write_dicom(tmp_path / "ct.dcm")
    dataset = pydicom.dcmread(path)
    dataset.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    implicit = tmp_path / "ct_implicit.dcm"
    dataset.save_as(implicit, implicit_vr=True, little_endian=True, enforce_file_format=True)
    assert check_path(implicit).verdict == OK
    F.encrypt_intermittent(implicit, block=8192, every=16, skip_header=64 * 1024, skip_footer=4096)
    result = check_path(implicit)
    assert (result.verdict, result.code) == (PARTIAL, "dicom_pixel_data_random")


PYDICOM_FILES = Path(pydicom.__file__).parent / "data" / "test_files"
NO_PART10_HEADER = {"rtstruct.dcm", "ExplVR_BigEndNoMeta.dcm", "ExplVR_LitEndNoMeta.dcm", "no_meta.dcm"}
TRUNCATED = {"MR_truncated.dcm", "rtplan_truncated.dcm"}


@pytest.mark.skipif(not PYDICOM_FILES.is_dir(), reason="pydicom's sample files are not installed")
def test_pydicom_sample_files_real_writers_made_are_judged_right() -> None:
    # GDCM, DCMTK and scanner files: JPEG, JPEG 2000, RLE, big endian, UN sequences, implicit VR data sets in
    # explicit transfer syntaxes. Intact Part 10 files must be OK; truncated ones are not; headerless ones
    # are not Part 10 files.
    results = {path.name: check_path(path) for path in sorted(PYDICOM_FILES.glob("*.dcm"))}
    assert len(results) > 50
    wrong = {name: (result.verdict, result.detail) for name, result in results.items()
             if result.verdict != (MISMATCH if name in NO_PART10_HEADER else PARTIAL if name in TRUNCATED else OK)}
    assert wrong == {}
