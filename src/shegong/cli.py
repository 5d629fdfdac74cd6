"""The `shegong` command.

shegong run [--port 8000] [--no-demo]   migrate, load divisions and demo data, serve + worker
shegong demo [--reset]                  build the demo jurisdiction (Tianjin 北辰区 and 南开区)
shegong regions load [...]              load division codes (see --help)
shegong people import FILE --station CODE [--mapping NAME] [--commit] [--valid-only] [--user U]
                                        check (and import) a ledger of persons (see --help)
shegong people export --station CODE FILE.xlsx   export a station's persons
shegong manage <command> [...]          any Django management command
"""

from __future__ import annotations

import os
import sys


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.settings")
    import django

    django.setup()


def _manage(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shegong manage", *argv])


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return
    command, rest = args[0], args[1:]
    if command == "manage":
        _manage(rest)
    elif command == "run":
        # A local run speaks plain HTTP on 127.0.0.1; production sets these explicitly.
        os.environ.setdefault("SHEGONG_SSL_REDIRECT", "0")
        os.environ.setdefault("SHEGONG_SECURE_COOKIES", "0")
        os.environ.setdefault("SHEGONG_HSTS_SECONDS", "0")
        _manage(["serve", *rest])
    elif command == "demo":
        _manage(["demo", *rest])
    elif command == "regions" and rest[:1] == ["load"]:
        _manage(["load_regions", *rest[1:]])
    elif command == "people" and rest[:1] == ["import"]:
        _manage(["people_import", *rest[1:]])
    elif command == "people" and rest[:1] == ["export"]:
        _manage(["people_export", *rest[1:]])
    else:
        print(f"shegong: unknown command {' '.join(args)!r}\n{__doc__}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
