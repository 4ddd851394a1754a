"""Writing catalogue rows in bulk: what is held, and one upsert for new and changed rows alike."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

import msgspec
from django.db import models

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)

CHUNK = 900  # below SQLite's default limit of variables per statement
_ENCODER = msgspec.msgpack.Encoder()


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def held(model: type[models.Model], key: str, keys: Sequence[str], *fields: str) -> dict[str, Any]:
    """For the rows of `model` whose `key` is in `keys`: key → the value of `fields` (one) or a tuple of them."""
    found: dict[str, Any] = {}
    for part in chunks(keys):
        for row in model._default_manager.filter(**{f"{key}__in": part}).values_list(key, *fields):
            found[row[0]] = row[1] if len(fields) == 1 else row[1:]
    return found


def upsert(model: type[M], rows: Iterable[M], key: str, update_fields: Sequence[str], batch_size: int = 500) -> int:
    """Insert the rows, replacing `update_fields` of the rows whose `key` exists already; returns the count."""
    objects = list(rows)
    if objects:
        model._default_manager.bulk_create(objects, batch_size=batch_size, update_conflicts=True,
                                           unique_fields=[key], update_fields=list(update_fields))
    return len(objects)


def pack(value: Any) -> bytes:
    """msgspec structs as compressed msgpack (the stored configurations and advisories)."""
    return zlib.compress(_ENCODER.encode(value), 6)


def unpack(data: bytes | memoryview, decoder: msgspec.msgpack.Decoder[T]) -> T:
    return decoder.decode(zlib.decompress(bytes(data)))
