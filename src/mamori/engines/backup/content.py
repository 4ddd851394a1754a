"""Per-file content validation of files restored from a backup: does the content still match its type?

Ransomware that reaches the backups encrypts files in place, wholly or in parts (LockBit and BlackCat
encrypt the first N bytes and/or every k-th block, or skip the header), usually keeping the name. Entropy
cannot tell ciphertext from the compressed data that JPEG, PNG, ZIP-based Office files and PDF streams are
made of (Pont et al. measured false-positive rates above 50%), so each file's *structure* is validated for
its type first -- signatures, trailers, directories, offsets, CRCs, marker and element walks -- and a
chi-square test is only a secondary signal (see `probe.RANDOM_CHI2_MAX` for the measurements).

A check reads the head, the tail and a few blocks spread through the file, never more than
`MAX_BYTES_READ` bytes however large the file. Bad content is the result, never an exception; only I/O
errors (`OSError`) propagate.

Verdicts: MISMATCH when the signature at the start, or the trailer without which the file cannot be opened
(ZIP end of central directory, PDF %%EOF, JPEG EOI, PNG IEND), is gone -- whole-file encryption,
truncation, or a header overwritten; PARTIAL when start and trailer are intact but a sampled region
inside is not: intermittent encryption.
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mamori.engines.backup.formats_dicom import check_dicom
from mamori.engines.backup.formats_image import check_jpeg, check_png
from mamori.engines.backup.formats_pdf import check_pdf
from mamori.engines.backup.formats_text import check_text
from mamori.engines.backup.formats_zip import check_zip
from mamori.engines.backup.probe import MAX_BYTES_READ, BudgetSpent, ContentVerdict, Finding, Source

__all__ = ["KINDS", "MAX_BYTES_READ", "ContentCheck", "ContentVerdict", "check_file", "check_path", "kind_of"]

_TEXT_EXTENSIONS = ("txt", "csv", "tsv", "log", "xml", "html", "htm", "json", "md", "ini", "cfg", "sql", "hl7")
_EXTENSIONS: dict[str, str] = {
    "docx": "docx", "docm": "docm", "xlsx": "xlsx", "xlsm": "xlsm", "pptx": "pptx", "zip": "zip",
    "pdf": "pdf", "jpg": "jpeg", "jpeg": "jpeg", "png": "png", "dcm": "dicom", "dicom": "dicom",
    **dict.fromkeys(_TEXT_EXTENSIONS, "text"),
}
KINDS = frozenset(_EXTENSIONS.values())
"""Every kind `kind_of` can return."""

_CHECKS: dict[str, Callable[[Source, str], Finding]] = {
    **dict.fromkeys(("docx", "docm", "xlsx", "xlsm", "pptx", "zip"), check_zip),
    "pdf": lambda src, _: check_pdf(src),
    "jpeg": lambda src, _: check_jpeg(src),
    "png": lambda src, _: check_png(src),
    "dicom": lambda src, _: check_dicom(src),
    "text": lambda src, _: check_text(src),
}


@dataclass(frozen=True, slots=True)
class ContentCheck:
    """The content verdict on one file: what it is named, what type that makes it, the verdict and why.

    `code` is a machine reason ("ok", "zip_signature_missing", "text_high_entropy_block", ...), `detail`
    an English sentence naming what was found and where, `offset` the byte offset it concerns, if any.
    """

    path: str
    kind: str
    verdict: ContentVerdict
    code: str
    detail: str
    offset: int | None


def kind_of(name: str) -> str | None:
    """The kind of file `name` is by its extension (case-insensitive), or None when it is not validated.

    Only the extension counts: a file without one (as DICOM files in study folders often are) is not guessed.
    """
    base = re.split(r"[\\/]", name)[-1]
    stem, dot, extension = base.rpartition(".")
    if not dot or not stem:
        return None
    return _EXTENSIONS.get(extension.lower())


def check_file(fileobj: BinaryIO, name: str, size: int) -> ContentCheck:
    """The content verdict on the open, seekable binary file `fileobj` of `size` bytes, named `name`.

    Reads at most `MAX_BYTES_READ` bytes with seek/read. Raises only what reading raises (`OSError`).
    """
    kind = kind_of(name)
    if size <= 0:
        return ContentCheck(name, kind or "unknown", ContentVerdict.UNCHECKED, "empty", "The file is empty.", None)
    if kind is None:
        return ContentCheck(name, "unknown", ContentVerdict.UNCHECKED, "unknown_type",
                            "The file's extension is not one whose content is validated.", None)
    src = Source(fileobj, size)
    try:
        finding = _CHECKS[kind](src, kind)
    except BudgetSpent:
        finding = Finding(ContentVerdict.UNCHECKED, "read_budget_spent",
                          f"The read budget of {MAX_BYTES_READ} bytes was spent before the structure was judged.")
    except (ValueError, IndexError, KeyError, struct.error, zlib.error, OverflowError) as exc:
        # A parser tripped over content no check foresaw: report it rather than fail the whole run.
        finding = Finding(ContentVerdict.UNCHECKED, "checker_error",
                          f"The {kind} check could not parse the content ({type(exc).__name__}: {exc}).")
    return ContentCheck(name, kind, finding.verdict, finding.code, finding.detail, finding.offset)


def check_path(path: Path, name: str | None = None) -> ContentCheck:
    """The content verdict on the file at `path`; `name` (default: the path) is reported and gives the kind."""
    with path.open("rb") as fileobj:
        return check_file(fileobj, name if name is not None else str(path), os.fstat(fileobj.fileno()).st_size)
