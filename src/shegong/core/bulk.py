"""Fast inserts of many plain rows: PostgreSQL COPY, or executemany on SQLite.

For imports and generators only: no model instances, no signals, no per-row SQL. The caller
supplies database-ready values (codes as ints, dates as date objects, tokens as text).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    q = connection.ops.quote_name
    cols = ", ".join(q(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3
            with raw.copy(f"COPY {q(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            batch = list(rows)
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {q(table)} ({cols}) VALUES ({marks})",  # noqa: S608
                batch,
            )
            count = len(batch)
    return count


def allocate_ids(model: type[Model], n: int) -> list[int]:
    """Reserve `n` primary keys for rows written by `insert_rows` (inside a transaction)."""
    table = model._meta.db_table
    assert model._meta.pk is not None
    pk = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, n],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the IMMEDIATE transaction holds the write lock, so MAX is stable.
        cursor.execute(
            f"SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 0) "  # noqa: S608
            f"FROM {connection.ops.quote_name(table)}"
        )
        start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + n))


def insert_instances(objs: Sequence[Model]) -> int:
    """Insert unsaved model instances of one model without the ORM's per-row work: primary
    keys are reserved first and set on the instances; auto_now fields get the current time;
    values go through each field's own database preparation (encryption included)."""
    if not objs:
        return 0
    model = type(objs[0])
    ids = allocate_ids(model, len(objs))
    now = timezone.now()
    fields = model._meta.concrete_fields
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                setattr(obj, f.attname, now)
        obj._state.adding = False
    return insert_rows(
        model._meta.db_table,
        [str(f.column) for f in fields],
        ([f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] for obj in objs),
    )
