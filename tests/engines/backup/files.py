"""Real-format sample files for backup tests, written on the fly, and simulated ransomware transforms.

Nothing binary is committed: every writer builds a genuine file of its type (a docx from its OOXML parts,
an xlsx with openpyxl, a PDF 1.4 by hand with an xref table and deflated streams, JPEG and PNG with
Pillow from a noisy photo-like image, a CT-like DICOM file with pydicom, a CP932 CSV, a UTF-8 log).
The data is fictional. Writers are deterministic for a given seed except where the library stamps the
time (openpyxl's document properties). Each writer returns the path it wrote.

The transforms change a file in place as ransomware does, name unchanged: `encrypt_whole`,
`encrypt_head` (the first N bytes), `encrypt_intermittent` (every k-th block, optionally after an intact
header); `truncate` cuts the file; `ordinary_edit` makes a legitimate change that must not be flagged.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
import zlib
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import openpyxl
from PIL import Image, ImageDraw, ImageFilter
from pydicom import dcmread, dcmwrite
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from mamori.engines.backup.content import kind_of

__all__ = [
    "KIB",
    "MIB",
    "SUFFIXES",
    "WRITERS",
    "CountingReader",
    "encrypt_head",
    "encrypt_intermittent",
    "encrypt_whole",
    "noisy_image",
    "ordinary_edit",
    "random_bytes",
    "truncate",
    "write_csv_cp932",
    "write_dicom",
    "write_docx",
    "write_jpeg",
    "write_large",
    "write_pdf",
    "write_png",
    "write_text",
    "write_xlsx",
    "write_zip",
]

KIB = 1024
MIB = 1024 * 1024
_ZIP_TIME = (2025, 4, 1, 9, 30, 0)

SURNAMES = (("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("髙橋", "タカハシ"), ("山﨑", "ヤマサキ"),
            ("渡辺", "ワタナベ"), ("伊藤", "イトウ"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("吉田", "ヨシダ"))
GIVEN = (("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("美咲", "ミサキ"), ("健", "ケン"),
         ("さくら", "サクラ"), ("翔太", "ショウタ"), ("陽菜", "ヒナ"))
DEPARTMENTS = ("内科", "外科", "整形外科", "小児科", "眼科", "皮膚科", "放射線科", "循環器内科", "脳神経外科")
NOTES = ("定期受診", "検査結果説明", "紹介状あり①", "―", "～経過観察", "CT撮影予定", "再診（予約）", "")
CSV_HEADER = "患者ID,氏名,フリガナ,生年月日,性別,診療科,受診日,主治医,備考"


def random_bytes(length: int, seed: int = 0) -> bytes:
    """`length` bytes indistinguishable from ciphertext (a seeded generator, so tests are reproducible)."""
    return random.Random(seed).randbytes(length)


def noisy_image(width: int, height: int, seed: int = 0) -> Image.Image:
    """A photo-like RGB image: three gradients mixed with smoothed noise, and a few shapes."""
    rng = random.Random(seed)
    gradient = Image.linear_gradient("L").resize((width, height))
    channels = []
    for angle in (0, 90, 200):
        noise = Image.frombytes("L", (width, height), rng.randbytes(width * height))
        noise = noise.filter(ImageFilter.GaussianBlur(0.8))
        channels.append(Image.blend(gradient.rotate(angle, expand=False), noise, 0.45))
    image = Image.merge("RGB", channels)
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.ellipse((x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)), outline=(250, 240, 230), width=3)
    return image


def _jpeg_bytes(width: int, height: int, quality: int, seed: int) -> bytes:
    buffer = io.BytesIO()
    noisy_image(width, height, seed).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def write_jpeg(path: Path, *, width: int = 1280, height: int = 960, quality: int = 90, seed: int = 0) -> Path:
    """A photo-like JPEG (about 600 KiB at the default size)."""
    path.write_bytes(_jpeg_bytes(width, height, quality, seed))
    return path


def write_png(path: Path, *, width: int = 640, height: int = 480, seed: int = 1) -> Path:
    """A photo-like PNG (Pillow writes 64 KiB IDAT chunks)."""
    noisy_image(width, height, seed).save(path, "PNG")
    return path


def _zip_write(archive: zipfile.ZipFile, name: str, data: bytes, stored: bool = False) -> None:
    info = zipfile.ZipInfo(name, _ZIP_TIME)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _docx_body(paragraphs: int, seed: int) -> str:
    rng = random.Random(seed)
    subjects = ("情報システム", "バックアップ", "端末", "電子カルテ")
    lines = [f"第{i + 1}条 {rng.choice(DEPARTMENTS)}の{rng.choice(subjects)}運用について、"
             f"{rng.choice(('毎日', '毎週', '毎月'))}点検を行う。" for i in range(paragraphs)]
    return "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in lines)


_DOCX_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')


def _docx_parts(body: str, image: bytes | None, attachment: bytes | None) -> list[tuple[str, bytes, bool]]:
    """(name, data, stored) of the parts of a Word document, in Word's order."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="jpeg" ContentType="image/jpeg"/>'
        '<Default Extension="bin" ContentType="application/vnd.openxmlformats-officedocument.oleObject"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/word/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>')
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'extended-properties" Target="docProps/app.xml"/></Relationships>')
    document_rels = [
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/>']
    if image is not None:
        document_rels.append('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             'relationships/image" Target="media/image1.jpeg"/>')
    if attachment is not None:
        document_rels.append('<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             'relationships/oleObject" Target="embeddings/oleObject1.bin"/>')
    parts = [
        ("[Content_Types].xml", content_types.encode(), False),
        ("_rels/.rels", rels.encode(), False),
        ("word/document.xml", (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {_DOCX_NS}>'
                               f"<w:body>{body}<w:sectPr/></w:body></w:document>").encode(), False),
        ("word/_rels/document.xml.rels", ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                                          'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                          f'{"".join(document_rels)}</Relationships>').encode(), False),
        ("word/styles.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<w:styles {_DOCX_NS}/>'.encode(), False),
        ("docProps/core.xml", ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
                               'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                               'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>情報セキュリティ運用規程</dc:title>'
                               '<dc:creator>情報システム課</dc:creator></cp:coreProperties>').encode(), False),
        ("docProps/app.xml", (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://'
                              b'schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>'
                              b'Microsoft Office Word</Application></Properties>'), False),
    ]
    if image is not None:
        parts.append(("word/media/image1.jpeg", image, True))
    if attachment is not None:
        parts.append(("word/embeddings/oleObject1.bin", attachment, True))
    return parts


def write_docx(path: Path, *, paragraphs: int = 80, image: bool = True, attachment: bool = True, seed: int = 2) -> Path:
    """A Word document with Japanese text; with `image` a stored JPEG part, with `attachment` a stored part of
    256 KiB of random bytes (an embedded encrypted file): high-entropy parts of a valid package."""
    jpeg = _jpeg_bytes(800, 600, 88, seed) if image else None
    blob = random_bytes(256 * KIB, seed) if attachment else None
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, stored in _docx_parts(_docx_body(paragraphs, seed), jpeg, blob):
            _zip_write(archive, name, data, stored)
    return path


def write_zip(path: Path, *, seed: int = 7) -> Path:
    """A plain ZIP archive: deflated CSV and text, a stored JPEG and a stored random blob."""
    csv_path = write_csv_cp932(path.with_name(path.name + ".csv"), rows=500, seed=seed)
    with zipfile.ZipFile(path, "w") as archive:
        _zip_write(archive, "外来/患者一覧.csv", csv_path.read_bytes())
        _zip_write(archive, "readme.txt", "バックアップ対象一覧\r\n".encode() * 200)
        _zip_write(archive, "images/scan.jpg", _jpeg_bytes(640, 480, 85, seed), stored=True)
        _zip_write(archive, "keys/vault.bin", random_bytes(128 * KIB, seed), stored=True)
    csv_path.unlink()
    return path


def write_xlsx(path: Path, *, rows: int = 1500, seed: int = 3) -> Path:
    """An Excel workbook (openpyxl) with a Japanese patient-like list (fictional)."""
    rng = random.Random(seed)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "外来患者一覧"
    sheet.append(CSV_HEADER.split(","))
    for row in _patient_rows(rows, rng):
        sheet.append(row)
    workbook.save(path)
    return path


def _patient_rows(count: int, rng: random.Random) -> list[list[str]]:
    rows = []
    for i in range(count):
        (surname, surname_kana), (given, given_kana) = rng.choice(SURNAMES), rng.choice(GIVEN)
        born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(90 * 365))
        visit = dt.date(2025, 1, 6) + dt.timedelta(days=rng.randrange(300))
        rows.append([f"P{100000 + i:07d}", f"{surname} {given}", f"{surname_kana} {given_kana}", born.isoformat(),
                     rng.choice(("男", "女")), rng.choice(DEPARTMENTS), visit.strftime("%Y/%m/%d"),
                     f"{rng.choice(SURNAMES)[0]}医師", rng.choice(NOTES)])
    return rows


def write_csv_cp932(path: Path, *, rows: int = 3000, seed: int = 5) -> Path:
    """A CSV as Excel on Japanese Windows writes it: CP932 (with NEC/IBM extensions such as 髙, 﨑, ①), CRLF."""
    lines = [CSV_HEADER, *(",".join(row) for row in _patient_rows(rows, random.Random(seed)))]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
    return path


def _log_lines(count: int, rng: random.Random, start: int = 0) -> str:
    events = ("ログイン成功", "ログアウト", "カルテ参照", "処方オーダ登録", "検査結果参照", "パスワード変更",
              "印刷", "バックアップ開始", "バックアップ完了")
    base = dt.datetime(2025, 4, 1, 8, 0, 0)
    return "".join(f"{(base + dt.timedelta(seconds=7 * (start + i))).isoformat()}+09:00 INFO [電子カルテ] "
                   f"端末 PC-{rng.randrange(1000):04d} 利用者 u{rng.randrange(5000):04d} {rng.choice(events)} "
                   f"session={rng.getrandbits(64):016x}\n" for i in range(count))


def write_text(path: Path, *, lines: int = 6000, seed: int = 6) -> Path:
    """A UTF-8 application log with Japanese messages (about 700 KiB at the default size)."""
    path.write_text(_log_lines(lines, random.Random(seed)), encoding="utf-8", newline="\n")
    return path


def _pdf_object(number: int, body: bytes) -> bytes:
    return b"%d 0 obj\n%s\nendobj\n" % (number, body)


def _pdf_stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def write_pdf(path: Path, *, pages: int = 24, image: bool = True, attachment: bool = True,
              attachment_size: int = 320 * KIB, xref_stream: bool = False, seed: int = 4) -> Path:
    """A PDF 1.4 written by hand: deflated page contents (every other one with an indirect /Length), a DCT
    image, an attached file of random bytes (a high-entropy stream), an xref table and a trailer. With
    `xref_stream`, a PDF 1.5 whose cross-reference section is a deflated stream with the PNG Up predictor,
    as Acrobat and qpdf write it."""
    rng = random.Random(seed)
    words = ("patient", "backup", "restore", "audit", "terminal", "network", "policy", "record", "ward", "device",
             "incident", "review", "access", "system", "vendor", "update", "check", "daily", "weekly", "log")
    bodies: dict[int, bytes] = {3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    number = 4
    image_number = 0
    if image:
        jpeg = _jpeg_bytes(640, 480, 85, seed)
        bodies[number] = _pdf_stream(b"/Type /XObject /Subtype /Image /Width 640 /Height 480 /ColorSpace /DeviceRGB "
                                     b"/BitsPerComponent 8 /Filter /DCTDecode", jpeg)
        image_number, number = number, number + 1
    names = b""
    if attachment:
        packed = zlib.compress(random_bytes(attachment_size, seed), 1)  # random data deflates to stored blocks
        bodies[number] = _pdf_stream(b"/Type /EmbeddedFile /Filter /FlateDecode", packed)
        bodies[number + 1] = b"<< /Type /Filespec /F (scan.bin) /EF << /F %d 0 R >> >>" % number
        names = b" /Names << /EmbeddedFiles << /Names [(scan.bin) %d 0 R] >> >>" % (number + 1)
        number += 2
    kids = []
    for page in range(pages):
        text = "".join(f"BT /F1 9 Tf 40 {800 - 12 * line} Td ({' '.join(rng.choices(words, k=9))} {rng.random():.6f})"
                       f" Tj ET\n" for line in range(64))
        if image and page == 0:
            text += f"q 320 0 0 240 100 100 cm /Im{image_number} Do Q\n"
        content = zlib.compress(text.encode("ascii"), 9)
        if page % 2:
            bodies[number] = b"<< /Filter /FlateDecode /Length %d 0 R >>\nstream\n%s\nendstream" % (number + 1, content)
            bodies[number + 1] = b"%d" % len(content)
        else:
            bodies[number] = _pdf_stream(b"/Filter /FlateDecode", content)
            bodies[number + 1] = b"null"
        resources = b"/Font << /F1 3 0 R >>" + (b" /XObject << /Im%d %d 0 R >>" % (image_number, image_number)
                                                if image and page == 0 else b"")
        bodies[number + 2] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << %s >> "
                              b"/Contents %d 0 R >>" % (resources, number))
        kids.append(number + 2)
        number += 3
    bodies[1] = b"<< /Type /Catalog /Pages 2 0 R%s >>" % names
    bodies[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % kid for kid in kids), len(kids))
    bodies[number] = b"<< /Title (Backup audit report) /Producer (mamori tests) >>"
    out = bytearray(b"%%PDF-1.%d\n%%\xe2\xe3\xcf\xd3\n" % (5 if xref_stream else 4))
    offsets = {}
    for n in sorted(bodies):
        offsets[n] = len(out)
        out += _pdf_object(n, bodies[n])
    xref = len(out)
    if xref_stream:
        offsets[number + 1] = xref  # the cross-reference stream lists itself
        out += _pdf_object(number + 1, _xref_stream(offsets, number + 2, number))
    else:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (number + 1)
        out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, number + 1))
        out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (number + 1, number)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


def _xref_stream(offsets: dict[int, int], size: int, info: int) -> bytes:
    """A cross-reference stream body: /W [1 4 1] rows, PNG Up predictor (each row minus the one above)."""
    previous = bytes(6)
    encoded = bytearray()
    for n in range(size):
        row = bytes([1]) + offsets[n].to_bytes(4, "big") + bytes([0]) if n in offsets else bytes([0, 0, 0, 0, 0, 255])
        encoded += bytes([2]) + bytes((a - b) & 0xFF for a, b in zip(row, previous, strict=True))
        previous = row
    data = zlib.compress(bytes(encoded))
    return _pdf_stream(b"/Type /XRef /Size %d /W [1 4 1] /Root 1 0 R /Info %d 0 R /Filter /FlateDecode "
                       b"/DecodeParms << /Columns 6 /Predictor 12 >>" % (size, info), data)


def _ct_frame(size: int, rng: random.Random) -> array[int]:
    """A CT-like slice: air around a body ellipse of soft tissue with noise, a bright spine (12-bit values)."""
    pixels = array("H")
    centre = size / 2
    for y in range(size):
        dy = (y - centre) / (size * 0.42)
        for x in range(size):
            dx = (x - centre) / (size * 0.36)
            inside = dx * dx + dy * dy <= 1.0
            spine = (x - centre) ** 2 + (y - size * 0.72) ** 2 < (size * 0.05) ** 2
            base = 2200 if spine else (1040 if inside else 24)
            pixels.append(base + rng.getrandbits(5))
    return pixels


def write_dicom(path: Path, *, size: int = 512, frames: int = 1, seed: int = 8) -> Path:
    """A CT image as a DICOM Part 10 file (explicit VR little endian, 16-bit native pixel data, an
    undefined-length sequence), written with pydicom's `dcmwrite(..., enforce_file_format=True)`."""
    rng = random.Random(seed)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[f"mamori-test-{seed}"])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
    ds.PatientName, ds.PatientID, ds.PatientSex = "Yamada^Taro=山田^太郎", "P0100042", "M"
    ds.StudyDate, ds.Modality, ds.StudyDescription = "20250401", "CT", "CT 胸部 単純"
    ds.StudyInstanceUID = generate_uid(entropy_srcs=[f"study-{seed}"])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=[f"series-{seed}"])
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "CTCHEST", "L", "CT chest"
    ds.ProcedureCodeSequence = Sequence([code])
    ds["ProcedureCodeSequence"].is_undefined_length = True
    code.is_undefined_length_sequence_item = True
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
    if frames > 1:
        ds.NumberOfFrames = frames
    frame = _ct_frame(size, rng).tobytes()
    ds.PixelData = frame * frames
    dcmwrite(path, ds, enforce_file_format=True)
    return path


WRITERS: dict[str, Callable[[Path], Path]] = {
    "docx": write_docx, "xlsx": write_xlsx, "zip": write_zip, "pdf": write_pdf, "jpeg": write_jpeg,
    "png": write_png, "dicom": write_dicom, "csv_cp932": write_csv_cp932, "text": write_text,
}
"""A writer per sample kind; the file name each writer expects ends with `SUFFIXES[kind]`."""

SUFFIXES = {"docx": ".docx", "xlsx": ".xlsx", "zip": ".zip", "pdf": ".pdf", "jpeg": ".jpg", "png": ".png",
            "dicom": ".dcm", "csv_cp932": ".csv", "text": ".log"}


def _overwrite(path: Path, ranges: list[tuple[int, int]], seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    with path.open("r+b") as handle:
        for start, end in ranges:
            handle.seek(start)
            handle.write(rng.randbytes(end - start))
    return ranges


def encrypt_whole(path: Path, seed: int = 0) -> None:
    """Overwrite the whole file with ciphertext-like random bytes of the same size, name unchanged."""
    _overwrite(path, [(0, path.stat().st_size)], seed)


def encrypt_head(path: Path, length: int = MIB, seed: int = 0) -> list[tuple[int, int]]:
    """Encrypt the first `length` bytes in place (LockBit's and BlackCat's "fast" mode); the ranges written."""
    return _overwrite(path, [(0, min(length, path.stat().st_size))], seed)


def encrypt_intermittent(path: Path, *, block: int | None = None, every: int = 2, skip_header: int = 0,
                         skip_footer: int = 0, seed: int = 0) -> list[tuple[int, int]]:
    """Encrypt one block in every `every` in place, starting at `skip_header` (leaving a header intact, as
    strains that skip it do) and stopping `skip_footer` bytes before the end; returns the ranges written.

    `block` defaults to 1 MiB for files of 16 MiB or more, else a sixteenth of the file in 4 KiB steps.
    """
    size = path.stat().st_size
    if block is None:
        block = MIB if size >= 16 * MIB else max(4 * KIB, size // 16 // (4 * KIB) * (4 * KIB))
    end = size - skip_footer
    ranges = [(start, min(start + block, end)) for start in range(skip_header, end, block * every)]
    return _overwrite(path, ranges, seed)


def truncate(path: Path, keep: float = 0.5) -> int:
    """Cut the file to `keep` of its size (an interrupted copy or restore); the new size."""
    size = int(path.stat().st_size * keep)
    with path.open("r+b") as handle:
        handle.truncate(size)
    return size


def _edit_pdf(path: Path) -> None:
    """An incremental update, as a PDF editor saves: a new Info object, an xref section with /Prev, a trailer."""
    data = path.read_bytes()
    previous = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    size = int(re.findall(rb"/Size (\d+)", data)[-1])
    root = re.findall(rb"/Root (\d+ \d+ R)", data)[-1]
    update = bytearray(b"\n")
    offset = len(data) + len(update)
    update += _pdf_object(size, b"<< /Title (Backup audit report, revised) /ModDate (D:20250402090000+09'00') >>")
    xref = len(data) + len(update)
    update += b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (size, offset)
    update += b"trailer\n<< /Size %d /Root %s /Info %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size + 1, root, size, previous, xref)
    path.write_bytes(data + bytes(update))


def _edit_docx(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in parts:
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:sectPr/>", "<w:p><w:r><w:t>改訂: 第2版</w:t></w:r></w:p><w:sectPr/>".encode())
            archive.writestr(info, data)


def _append_text(path: Path) -> None:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "cp932"
    rng = random.Random(99)
    if path.suffix.lower() == ".csv":
        extra = "".join(",".join(row) + "\r\n" for row in _patient_rows(50, rng))
    else:
        extra = _log_lines(200, rng, start=100_000)
    path.write_bytes(data + extra.encode(encoding))


def ordinary_edit(path: Path) -> None:
    """A legitimate change to the file, by its type: a row added (xlsx, csv), lines appended (text), a
    paragraph added (docx), an entry added (zip), an incremental update (pdf), re-encoded at another quality
    (jpeg), a rectangle drawn (png), a tag changed (dicom)."""
    kind = kind_of(path.name)
    if kind == "xlsx":
        workbook = openpyxl.load_workbook(path)
        sheet = workbook.active
        assert sheet is not None
        sheet.append(["P0199999", "吉田 陽菜", "ヨシダ ヒナ", "1990-05-05", "女", "眼科", "2025/11/01", "", "追加"])
        workbook.save(path)
    elif kind == "docx":
        _edit_docx(path)
    elif kind == "zip":
        with zipfile.ZipFile(path, "a") as archive:
            _zip_write(archive, "追加/メモ.txt", "追記しました。\r\n".encode() * 50)
    elif kind == "pdf":
        _edit_pdf(path)
    elif kind == "jpeg":
        with Image.open(path) as image:
            image.load()
            image.save(path, "JPEG", quality=70)
    elif kind == "png":
        with Image.open(path) as image:
            image.load()
            edited = image.copy()
        ImageDraw.Draw(edited).rectangle((10, 10, 200, 120), fill=(255, 255, 255))
        edited.save(path, "PNG")
    elif kind == "dicom":
        ds = dcmread(path)
        ds.StudyDescription = "CT 胸部 単純 (再構成)"
        ds.save_as(path, enforce_file_format=True)
    elif kind == "text":
        _append_text(path)
    else:
        raise ValueError(f"no ordinary edit for {path.name}")


class CountingReader(io.RawIOBase):
    """A read-only, seekable wrapper of a binary file that counts the bytes read through it."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self.bytes_read = 0
        self.reads = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def read(self, size: int | None = -1) -> bytes:
        data = self._raw.read(-1 if size is None else size)
        self.bytes_read += len(data)
        self.reads += 1
        return data


def _jpeg_scan(data: bytes) -> int:
    """The offset where the scan data after the first SOS segment begins."""
    pos = 2
    while data[pos + 1] != 0xDA:
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")


def write_large(path: Path, kind: str, size: int = 50 * MIB) -> Path:
    """A structurally valid file of `kind` (a `WRITERS` key) of about `size` bytes, built fast: a log of
    repeated lines, a docx with a large stored random part, a PDF with a large attachment, a multi-frame
    CT, a JPEG whose scan data is repeated, a PNG whose IDAT chunks are repeated."""
    if kind in ("text", "csv_cp932"):
        chunk = (_log_lines(8000, random.Random(1)).encode("utf-8") if kind == "text"
                 else write_csv_cp932(path, rows=8000).read_bytes())
        path.write_bytes(chunk * max(1, size // len(chunk)))
    elif kind in ("docx", "zip"):
        with zipfile.ZipFile(path, "w") as archive:
            for name, data, stored in _docx_parts(_docx_body(200, 1), _jpeg_bytes(800, 600, 88, 1), random_bytes(size)):
                _zip_write(archive, name, data, stored)
    elif kind == "pdf":
        write_pdf(path, attachment_size=size)
    elif kind == "dicom":
        write_dicom(path, frames=max(1, size // (512 * 512 * 2)))
    elif kind == "jpeg":
        data = _jpeg_bytes(1280, 960, 90, 0)
        scan = _jpeg_scan(data)
        path.write_bytes(data[:scan] + data[scan:-2] * max(1, size // len(data)) + b"\xff\xd9")
    elif kind == "png":
        buffer = io.BytesIO()
        noisy_image(640, 480, 1).save(buffer, "PNG")
        data = buffer.getvalue()
        idat_start = data.index(b"IDAT") - 4
        idat_end = data.index(b"IEND") - 4
        chunks = data[idat_start:idat_end]
        path.write_bytes(data[:idat_start] + chunks * max(1, size // len(chunks)) + data[idat_end:])
    else:
        raise ValueError(f"no large {kind} writer")
    return path
