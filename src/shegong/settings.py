"""The one settings file. Every deployment knob is an environment variable prefixed SHEGONG_.

docs/operations.md lists them. Defaults give a working single-machine install on SQLite;
production sets SHEGONG_SECRET_KEY, SHEGONG_ALLOWED_HOSTS and a PostgreSQL SHEGONG_DATABASE_URL.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"SHEGONG_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = env(name)
    if not raw:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = env(name)
    return int(raw) if raw else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "var")))
DEBUG = env_bool("DEBUG")
TESTING = env_bool("TESTING") or "pytest" in sys.modules

# A fixed key is acceptable only for local development and tests; `check --deploy` rejects it.
_DEV_KEY = "django-insecure-shegong-development-only-key"
SECRET_KEY = env("SECRET_KEY") or _DEV_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_tasks_db",
    "shegong.core",
    "shegong.accounts",
    "shegong.regions",
    "shegong.people",
    "shegong.fieldwork",
    "shegong.community",
    "shegong.resources",
    "shegong.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "shegong.core.middleware.AuditContextMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "shegong.accounts.middleware.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "shegong.urls"
WSGI_APPLICATION = "shegong.wsgi.application"
ASGI_APPLICATION = "shegong.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shegong.core.context.shegong",
            ],
            "builtins": ["django.templatetags.i18n", "django.templatetags.static"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'shegong.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] not in ("", ":memory:"):
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["OPTIONS"] = {
        # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock at BEGIN
        # so two writers queue on busy_timeout instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
        ),
    }
    _db["CONN_MAX_AGE"] = 0
else:
    _db.setdefault("OPTIONS", {})
    if env_bool("DB_POOL"):
        # psycopg's pool replaces persistent connections; Django forbids combining them.
        _db["OPTIONS"]["pool"] = {"min_size": 2, "max_size": env_int("DB_POOL_MAX", 10)}
        _db["CONN_MAX_AGE"] = 0
    else:
        _db["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 600)
        _db["CONN_HEALTH_CHECKS"] = True
    _db["TEST"] = {"TEMPLATE": "template0", "CHARSET": "UTF8"}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background jobs (Django's tasks API, worker: `shegong manage db_worker`) ----------------
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if env_bool("TASKS_IMMEDIATE")
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# --- Ledger import (people.importer): size limit, and how many rows are checked in the request
# rather than by the worker. The progress of background jobs goes through a file-based cache,
# which the web processes read while the worker writes, even inside its open transaction.
SHEGONG_IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", 20)
SHEGONG_IMPORT_INLINE_ROWS = env_int("IMPORT_INLINE_ROWS", 2000)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "progress": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": DATA_DIR / "cache" / "progress",
        "OPTIONS": {"MAX_ENTRIES": 10_000},  # culling would drop a running job's progress
    },
}

# --- Accounts and login security -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["shegong.accounts.backends.LockoutModelBackend"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SHEGONG_LOCKOUT_ATTEMPTS = env_int("LOCKOUT_ATTEMPTS", 5)
SHEGONG_LOCKOUT_MINUTES = env_int("LOCKOUT_MINUTES", 30)
SHEGONG_SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SHEGONG_SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = SHEGONG_SESSION_IDLE_MINUTES * 60
# The idle deadline moves with `shegong_seen_at`, which SessionLimitsMiddleware refreshes at most
# once a minute (each refresh saves the session and so extends its expiry too).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

# --- Staffing rule (Tianjin's: 2 resident workers, 1 certified, the rest within 2 years) -----
SHEGONG_STAFFING_MIN_RESIDENT = env_int("STAFFING_MIN_RESIDENT", 2)
SHEGONG_STAFFING_MIN_CERTIFIED = env_int("STAFFING_MIN_CERTIFIED", 1)
SHEGONG_STAFFING_CERTIFY_WITHIN_DAYS = env_int("STAFFING_CERTIFY_WITHIN_DAYS", 730)

# --- Security headers ------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", not TESTING)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)

# --- Language, time, numbers -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- Residents' requests: days from receipt to the deadline by priority (1 = most pressing) and
# for an untriaged request ("triage"), as JSON, e.g. {"1": 1, "2": 3, "3": 7, "4": 14, "triage": 2}.
SHEGONG_REQUEST_DEADLINE_DAYS: dict[str, int] = json.loads(env("REQUEST_DEADLINE_DAYS", "{}"))

# --- Attachments (core.attachments): photos and documents on records. Private storage, never
# under MEDIA_URL: files go out only through permission-checked views. The backend can be an
# S3-compatible one (e.g. "storages.backends.s3.S3Storage", options as JSON); docs/operations.md.
SHEGONG_ATTACHMENT_MAX_MB = env_int("ATTACHMENT_MAX_MB", 20)
SHEGONG_ATTACHMENT_TYPES = env_list(
    "ATTACHMENT_TYPES", "image/jpeg,image/png,image/webp,application/pdf"
)
SHEGONG_ATTACHMENT_MAX_PIXELS = env_int("ATTACHMENT_MAX_PIXELS", 2560)
_attachment_storage: dict[str, Any] = (
    {
        "BACKEND": env("ATTACHMENT_STORAGE"),
        "OPTIONS": json.loads(env("ATTACHMENT_STORAGE_OPTIONS", "{}")),
    }
    if env("ATTACHMENT_STORAGE")
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "private" / "attachments")},
    }
)
STORAGES["attachments"] = _attachment_storage

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50
SHEGONG_TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR")

# --- Personal-data encryption (shegong.core.crypto; docs/operations.md, "Key rotation") -------
# "keyid:base64key,..." (32-byte keys): the first encrypts, all decrypt. Empty: derived from
# SECRET_KEY (development and tests only; `check --deploy` reports shegong.E001/E002).
SHEGONG_ENCRYPTION_KEYS = env("ENCRYPTION_KEYS")
SHEGONG_BLIND_INDEX_KEY = env("BLIND_INDEX_KEY")  # base64, 32 bytes
