#!/usr/bin/env python
"""Django's manage.py, for habit; `shegong manage` is the same thing."""

import sys

from shegong.cli import _manage

if __name__ == "__main__":
    _manage(sys.argv[1:])
