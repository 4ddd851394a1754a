"""Writing catalogue rows in bulk: what is held, and one upsert for new and changed rows alike."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar, cast

import msgspec
from django.db import connection, models

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)

CHUNK = 900  # below SQLite's default limit of variables per statement
_ENCODER = msgspec.msgpack.Encoder()
_JSON = msgspec.json.Encoder()


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


def _sqlite_datetime(value: Any) -> Any:
    """What Django's SQLite adapter makes of an aware datetime (UTC text without the offset; the connection's
    time zone is UTC), at a third of the cost: an import writes four per NVD record."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None and connection.timezone_name == "UTC":
        if value.utcoffset():
            value = value.astimezone(dt.UTC)
        return str(value.replace(tzinfo=None))
    return connection.ops.adapt_datetimefield_value(value)


def _adapter(field: models.Field[Any, Any]) -> Any:
    ops = connection.ops
    if isinstance(field, models.JSONField):
        return lambda v: _JSON.encode(v).decode()
    if isinstance(field, models.DateTimeField):
        return _sqlite_datetime if connection.vendor == "sqlite" else ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    return None


def _execute_batches(sql: str, adapters: Sequence[Any], rows: Iterable[Sequence[Any]]) -> int:
    """Run `sql` for every row (its values adapted), 2,000 rows per executemany; returns the count."""
    count = 0
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append([a(v) if a is not None and v is not None else v for a, v in zip(adapters, row, strict=True)])
            if len(batch) >= 2000:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def raw_upsert(model: type[models.Model], key: str, fields: Sequence[str], rows: Iterable[Sequence[Any]],
               update_fields: Sequence[str]) -> int:
    """INSERT … ON CONFLICT (key) DO UPDATE, with one executemany: the bulk path of the catalogue imports.

    `rows` hold plain Python values in the order of `fields` (JSON as lists/dicts, datetimes aware); Django's
    own bulk_create spends most of a full NVD import preparing values one by one.
    """
    return raw_insert(model, fields, rows, conflict=(key, update_fields))


def raw_insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]],
               conflict: tuple[str, Sequence[str]] | None = None) -> int:
    """INSERT rows of plain values with executemany (see raw_upsert); `conflict` = (key, fields to update)."""
    meta = model._meta

    def column(name: str) -> str:
        return connection.ops.quote_name(cast("models.Field[Any, Any]", meta.get_field(name)).column)

    columns = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in fields]
    # a foreign key is given by its id
    fields = [f.attname if isinstance(f, models.ForeignKey) else f.name for f in columns]
    adapters = [_adapter(f) for f in columns]
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    marks = ", ".join("%s" + (json_cast if isinstance(f, models.JSONField) else "") for f in columns)
    on_conflict = ""
    if conflict is not None:
        key, update_fields = conflict
        updates = ", ".join(f"{column(n)} = excluded.{column(n)}" for n in update_fields)
        on_conflict = f" ON CONFLICT ({column(key)}) DO UPDATE SET {updates}"
    # Table and column names come from the model's _meta, never from input; the values are parameters.
    sql = (f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({', '.join(column(n) for n in fields)}) "  # noqa: S608
           f"VALUES ({marks}){on_conflict}")
    return _execute_batches(sql, adapters, rows)


def raw_update(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """UPDATE the rows given as (values of `fields`…, pk) with one executemany (Django's bulk_update builds a
    CASE per field and row: a match run that re-prioritises a million findings cannot afford it)."""
    meta = model._meta
    columns = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in fields]
    adapters = [*(_adapter(f) for f in columns), None]
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in columns)
    # Table and column names come from the model's _meta, never from input; the values are parameters.
    sql = (f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {sets} "  # noqa: S608
           f"WHERE {connection.ops.quote_name(meta.pk.column)} = %s")
    return _execute_batches(sql, adapters, rows)
