"""Re-encrypt ID numbers and phones with the current key (the first of
SHEGONG_ENCRYPTION_KEYS). Run after putting a new key first; then the old key can be removed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from shegong.core import audit
from shegong.core.actors import SystemActor
from shegong.core.crypto import decrypt, encrypt, needs_rotation

# (table, encrypted columns) of every model with an EncryptedTextField.
ENCRYPTED = [("people_person", ("id_number", "phone"))]


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for table, columns in ENCRYPTED:
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
