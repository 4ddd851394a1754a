"""Names that ransomware leaves behind: ransom notes and the extensions it appends to encrypted files.

A name alone is weak evidence (`readme.txt` is everywhere), so notes are split in two: names that only
ransomware writes (strong), and generic names that count only when the same new name appears in many folders
of one snapshot at once, as notes dropped into every folder do. Extensions are known families' own, plus the
shape every family shares: an original document extension followed by one more (`報告書.docx.lockbit`).
Sources: the notes and extensions named in CISA #StopRansomware advisories (LockBit 3.0 AA23-075A, BlackCat
AA23-353A, Akira AA24-109A, Black Basta AA24-131A, Rhysida AA23-319A, Medusa AA25-071A, Play AA23-352A,
Royal AA23-061A, Hive AA22-321A, Phobos AA24-060A) and the Japanese hospital cases (LockBit at 半田病院,
Phobos at 大阪急性期).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

__all__ = ["DOCUMENT_EXTENSIONS", "RANSOM_EXTENSIONS", "appended_extension", "is_generic_note", "is_strong_note"]

# Written only by ransomware (case-insensitive, whole file name).
_STRONG_NOTES = re.compile("^(?:" + "|".join((
    r"restore-my-files\.txt", r"[0-9a-z]{6,12}\.readme\.txt", r"how[_ -]?to[_ -]?(?:decrypt|restore|recover).*",
    r".*decrypt.*\.(?:txt|html?|hta|rtf|png|bmp)", r"recover-.*-files\.txt", r"ryukreadme\.(?:txt|html)",
    r"@please_read_me@\.txt", r"@wanadecryptor@\.exe", r"_readme\.txt", r"info\.hta", r"akira_readme\.txt",
    r"!+read_me.*!+\.txt", r"criticalbreachdetected\.pdf", r".*ransom.*\.(?:txt|html?|hta)",
    r"your_files_are_encrypted.*", r"read_me_to_restore.*",
)) + ")$", re.IGNORECASE)

# Common names that are notes only when they appear in many folders at once.
_GENERIC_NOTES = re.compile(r"^(?:readme|read_me|read-me|r3adm3|info|restore|recover|help)[^/]*\.(?:txt|html?|hta)$",
                            re.IGNORECASE)

RANSOM_EXTENSIONS = frozenset({
    "lockbit", "abcd", "locked", "encrypted", "enc", "crypt", "crypted", "crypto", "akira", "royal", "royal_w",
    "ryk", "conti", "hive", "basta", "phobos", "eking", "eight", "8base", "medusa", "rhysida", "play", "wncry",
    "wnry", "djvu", "ransom", "locky", "cerber", "sodinokibi", "revil", "avos", "avos2", "blackbyte",
    "clop", "cl0p", "babyk", "ragnar", "darkside", "maze", "egregor", "netwalker", "mallox", "faust", "devos",
    "elbie", "cuba", "lorenz", "quantum", "vice", "ransomhub", "qilin", "blacksuit", "hunters",
})

# What encrypted copies usually carry before the appended extension: the files hospitals keep.
DOCUMENT_EXTENSIONS = frozenset({
    "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "pdf", "txt", "csv", "rtf", "odt", "ods",
    "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "dcm", "dicom", "zip", "7z", "rar", "xml", "html", "json",
    "sql", "mdb", "accdb", "bak", "log", "hl7", "jtd", "msg", "eml", "pst", "vsdx", "dwg", "mp4", "wav",
})


# Appended on purpose by ordinary tools: compression, rotation, downloads, copies.
_BENIGN_APPENDED = frozenset({
    "gz", "bz2", "xz", "zst", "lz4", "old", "bak", "tmp", "temp", "orig", "part", "partial", "crdownload",
    "download", "lnk", "sig", "asc", "sha256", "sha1", "md5", "backup", "copy", "save", "prev", "new", "swp",
})


def is_strong_note(name: str) -> bool:
    """A file name only ransomware writes (the name only, not the path)."""
    return bool(_STRONG_NOTES.match(PurePosixPath(name).name))


def is_generic_note(name: str) -> bool:
    """A common name (readme.txt, info.hta …) that is a ransom note when it appears in many folders at once."""
    return bool(_GENERIC_NOTES.match(PurePosixPath(name).name))


def appended_extension(name: str) -> str | None:
    """The extension appended to a document's own (`a.docx.lockbit` → "lockbit"), or a known family's own
    extension (`a.akira` → "akira"); None for an ordinary name."""
    suffixes = PurePosixPath(name).suffixes
    if not suffixes:
        return None
    last = suffixes[-1][1:].lower()
    if last in DOCUMENT_EXTENSIONS:
        return None
    if last in RANSOM_EXTENSIONS:
        return last
    if last in _BENIGN_APPENDED or last.isdigit():
        return None
    if len(suffixes) >= 2 and suffixes[-2][1:].lower() in DOCUMENT_EXTENSIONS and 2 <= len(last) <= 12:
        return last
    return None
