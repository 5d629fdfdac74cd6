"""Settings for the benchmarks: the production settings (debug off), static files unhashed.

Static file URLs come from StaticFilesStorage instead of the compressed manifest, so the
benchmarks need no collectstatic; a page's cost differs by one dictionary lookup per URL.
"""

from shegong.settings import *  # noqa: F403
from shegong.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
