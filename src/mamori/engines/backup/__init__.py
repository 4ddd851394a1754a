"""Backup assurance: whether the files in a backup snapshot can still be trusted, with no Django.

A sample of files restored from a snapshot (`sampling`: how many, which) is validated by content
(`content`): each file's structure is checked for its type, so ransomware that encrypted files wholly or
in parts is found file by file, with the reason and the byte offset, without calling every compressed or
high-entropy file encrypted.
"""

from mamori.engines.backup.content import (
    KINDS,
    MAX_BYTES_READ,
    ContentCheck,
    ContentVerdict,
    check_file,
    check_path,
    kind_of,
)
from mamori.engines.backup.sampling import choose_sample, detection_probability, sample_size_for

__all__ = [
    "KINDS",
    "MAX_BYTES_READ",
    "ContentCheck",
    "ContentVerdict",
    "check_file",
    "check_path",
    "choose_sample",
    "detection_probability",
    "kind_of",
    "sample_size_for",
]
