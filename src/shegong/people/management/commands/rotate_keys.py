"""Re-encrypt every encrypted column (ID numbers, phones of persons, volunteers, donors and
residents' requests …) with the current key (the first of SHEGONG_ENCRYPTION_KEYS). Run after
putting a new key first; then the old key can be removed."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from shegong.core import audit
from shegong.core.actors import SystemActor
from shegong.core.crypto import decrypt, encrypt, needs_rotation
from shegong.core.fields import EncryptedTextField


def encrypted_columns() -> list[tuple[str, tuple[str, ...]]]:
    """(table, encrypted columns) of every installed model with an EncryptedTextField, found
    from the model registry, so a new app's encrypted field is never forgotten."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for model in apps.get_models():
        columns = tuple(
            f.column
            for f in model._meta.concrete_fields
            if isinstance(f, EncryptedTextField) and f.column
        )
        if columns and not model._meta.proxy:
            out.append((model._meta.db_table, columns))
    return sorted(out)


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for table, columns in encrypted_columns():
            rotated = self._rotate(table, columns, options["batch"])
            self.stdout.write(f"{table}: re-encrypted {rotated} values")
            total += rotated
        audit.record(
            actor=SystemActor("rotate_keys"),
            action="keys.rotate",
            object_type="crypto",
            details={"values": total},
        )

    def _rotate(self, table: str, columns: tuple[str, ...], batch: int) -> int:
        q = connection.ops.quote_name
        cols = ", ".join(q(c) for c in columns)
        rotated = 0
        last_id = 0
        while True:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    f"SELECT id, {cols} FROM {q(table)} WHERE id > %s "  # noqa: S608
                    f"ORDER BY id LIMIT %s",
                    [last_id, batch],
                )
                rows = cur.fetchall()
                if not rows:
                    return rotated
                for row_id, *tokens in rows:
                    fresh = [encrypt(decrypt(t)) if t and needs_rotation(t) else t for t in tokens]
                    if fresh != tokens:
                        sets = ", ".join(f"{q(c)} = %s" for c in columns)
                        cur.execute(
                            f"UPDATE {q(table)} SET {sets} WHERE id = %s",  # noqa: S608
                            [*fresh, row_id],
                        )
                        rotated += sum(1 for a, b in zip(fresh, tokens, strict=True) if a != b)
                last_id = rows[-1][0]
