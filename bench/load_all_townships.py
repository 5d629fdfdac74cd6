"""Time loading every shipped province … township into the current database.

`run()` needs Django set up (settings and database ready, tables migrated); this module itself
can be imported before that. It loads with `load_shipped(villages=False)` and returns the number
of townships now present and the seconds the load took. On an empty database that measures a
first install; run again, it measures the idempotent re-load (everything unchanged).

Standalone: DJANGO_SETTINGS_MODULE=shegong.settings python bench/load_all_townships.py
"""

from __future__ import annotations

import time


def run() -> dict[str, float | int]:
    from shegong.regions.loader import load_shipped
    from shegong.regions.models import Level, Region

    start = time.perf_counter()
    load_shipped(villages=False)
    seconds = time.perf_counter() - start
    townships = Region.objects.filter(level=Level.TOWNSHIP).count()
    return {"townships": townships, "seconds": round(seconds, 3)}


if __name__ == "__main__":
    import django

    django.setup()
    print(run())
