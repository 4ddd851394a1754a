"""Reading an NVD file in a worker process: the records come back as msgpack, decoded typed by the caller.

A full NVD import is half decoding and half storing; on two cores the next year file is decoded in a worker
while the current one is stored. The worker is a plain `python -m mamori.engines.vulns.feedworker IN OUT`
(no multiprocessing: a spawned child would re-run the caller's main module); nothing here imports Django.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import msgspec

from mamori.engines.vulns.errors import FeedError
from mamori.engines.vulns.feeds import detect_feed, read_feed
from mamori.engines.vulns.nvd import NvdFeed

__all__ = ["NvdReader", "read_packed"]

_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(NvdFeed)
NOT_READ = 3  # the worker's exit status for "another kind, or not readable": the caller reads it itself


def read_packed(path: Path) -> bytes | None:
    """The NVD file at `path` read and packed; None when it is another kind or cannot be read (the caller reads
    it again itself, and so reports the problem with its place)."""
    try:
        if detect_feed(path) != "nvd":
            return None
        _kind, feed = read_feed(path, "nvd")
        return _ENCODER.encode(feed)
    except (FeedError, OSError):
        return None


class NvdReader:
    """One file being read by a worker process; `result()` waits for it."""

    def __init__(self, path: Path, scratch: Path) -> None:
        self.path = path
        self._out = scratch / f"{path.name}.msgpack"
        self._process = subprocess.Popen(  # noqa: S603 -- our own interpreter and module, paths as arguments
            [sys.executable, "-m", "mamori.engines.vulns.feedworker", str(path), str(self._out)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def result(self) -> NvdFeed | None:
        """The file's records, or None: read it in this process (another kind, a problem, a failed worker)."""
        if self._process.wait() != 0 or not self._out.is_file():
            return None
        try:
            return _DECODER.decode(self._out.read_bytes())
        finally:
            self._out.unlink(missing_ok=True)

    def cancel(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._out.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    packed = read_packed(Path(argv[0]))
    if packed is None:
        return NOT_READ
    Path(argv[1]).write_bytes(packed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
