"""Production settings. Everything that differs between installations comes from the environment.

- MAMORI_DATA_DIR: where the database and files live (default ~/.local/share/mamori)
- DATABASE_URL: PostgreSQL in production (default: SQLite in the data directory)
- MAMORI_SECRET_KEY: or the file `secret_key` in the data directory (`mamori migrate` creates it)
- MAMORI_ALLOWED_HOSTS: comma separated (default 127.0.0.1,localhost)
- MAMORI_INSECURE_HTTP=1: allow cookies over plain HTTP (set by `mamori serve` on a loopback address only)
- MAMORI_WEEKLY_RUN: when the weekly vulnerability run starts, in JST (default "mon 06:00")
- MAMORI_BACKUP_RUN: when the daily backup verification starts, in JST (default "05:00")
- MAMORI_LOG_STORE: where events are kept as Parquet (default <data dir>/events)
- MAMORI_SIGMA_RULES: extra Sigma rule folders or rule-pack zips, separated by ':' (the built-in rules always load)
- MAMORI_SIGMA_STATUSES: the rule statuses run, comma separated (default "stable,test"; add "experimental" for
  SigmaHQ's newest rules, at the price of more false positives; deprecated and unsupported never run)
- MAMORI_SCHEDULER=0: do not start the in-process scheduler (run `mamori vulns weekly` from cron instead)
- MAMORI_FEED_INBOX: folder whose feed files the weekly run imports (default <data dir>/feeds/inbox)
- MAMORI_IMPORT_WORKER: 0 to decode large multi-file NVD imports in the importing process only (default: one
  worker process decodes the next file while the current one is stored)
- MAMORI_BASE_URL: the address users open, for links in e-mails (default http://127.0.0.1:8000)
- MAMORI_SMTP_HOST / MAMORI_SMTP_PORT / MAMORI_SMTP_USER / MAMORI_SMTP_PASSWORD_FILE / MAMORI_SMTP_TLS:
  e-mail through that server; without a host, e-mails are written to <data dir>/outbox
- MAMORI_MAIL_FROM: the sender of Mamori's e-mails
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from mamori import config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = config.data_dir()

if os.environ.get("MAMORI_DEBUG", "").lower() in {"1", "true", "yes", "on"}:
    raise ImproperlyConfigured(
        "DEBUG must not be enabled in the production settings (unset MAMORI_DEBUG; "
        "use DJANGO_SETTINGS_MODULE=mamori.settings_dev for development)."
    )
DEBUG = False

_secret = config.read_secret_key()
if not _secret:
    raise ImproperlyConfigured(
        f"No secret key: set MAMORI_SECRET_KEY or run `mamori migrate` to create {config.secret_key_path()}."
    )
SECRET_KEY = _secret

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("MAMORI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "mamori.audit",
    "mamori.tenancy",
    "mamori.accounts",
    "mamori.ledger",
    "mamori.vulns",
    "mamori.backups",
    "mamori.checklist",
    "mamori.monitoring",
    "mamori.incidents",
    "mamori.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "mamori.accounts.middleware.MfaEnforcementMiddleware",
    "mamori.audit.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mamori.urls"
WSGI_APPLICATION = "mamori.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "mamori.web.context.navigation",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return dict(dj_database_url.parse(url, conn_max_age=60))
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "mamori.sqlite3"),
        "OPTIONS": {
            # IMMEDIATE: a write transaction takes the lock at BEGIN, so the audit chain's
            # read-head-then-append cannot interleave between two writers.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "mamori.accounts.passwords.GuidelineLengthValidator"},
    {"NAME": "mamori.accounts.passwords.LettersAndDigitsValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "mamori.accounts.passwords.GuessablePasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Account lockout (GL 7.0: アカウントロック): 5 failures lock the account for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token", "token"]
# Lock per account (GL 7.0 アカウントロック). Not per IP: several staff share one ward terminal, and a
# lock there would stop care; password spraying from one address is a detection rule instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

OTP_TOTP_ISSUER = "Mamori"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "files"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security headers and cookies. Cookies are Secure unless `mamori serve` runs on loopback HTTP.
_insecure_http = os.environ.get("MAMORI_INSECURE_HTTP") == "1"
SESSION_COOKIE_SECURE = not _insecure_http
CSRF_COOKIE_SECURE = not _insecure_http
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_HSTS_SECONDS = 0 if _insecure_http else 31536000
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if os.environ.get("MAMORI_BEHIND_PROXY") else None
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mamori.accounts.api_auth.HashedTokenAuthentication",
        "mamori.accounts.api_auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["mamori.accounts.api_permissions.PolicyPermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mamori API",
    "DESCRIPTION": "REST API of Mamori (まもり). Same permissions as the web UI.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # choice sets that share a field name or their values with another app's get their own names
    "ENUM_NAME_OVERRIDES": {
        "IncidentCategoryEnum": "mamori.incidents.choices.Category",
        "IncidentSeverityEnum": "mamori.incidents.models.Severity",
    },
}

# Logs never carry secrets or patient data: request bodies are not logged, and the audit
# trail redacts password/token/key fields (mamori.audit.recording.REDACTED_FIELDS).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "mamori.log_handlers.StderrHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"mamori": {"level": "INFO", "handlers": ["console"], "propagate": False}},
}

# Vulnerability intelligence: the weekly run and its e-mail.
MAMORI_WEEKLY_RUN = os.environ.get("MAMORI_WEEKLY_RUN", "mon 06:00")
MAMORI_BACKUP_RUN = os.environ.get("MAMORI_BACKUP_RUN", "05:00")  # daily backup verification, JST
# Backup checks: an offline / write-once copy verified within, an integrity check within, a restore drill within.
MAMORI_BACKUP_COPY_DAYS = int(os.environ.get("MAMORI_BACKUP_COPY_DAYS", "90"))
MAMORI_BACKUP_INTEGRITY_DAYS = int(os.environ.get("MAMORI_BACKUP_INTEGRITY_DAYS", "7"))
MAMORI_BACKUP_DRILL_DAYS = int(os.environ.get("MAMORI_BACKUP_DRILL_DAYS", "365"))
# Log monitoring: the event store (Parquet by source and day), the compiled-rule cache, extra Sigma rule folders.
MAMORI_LOG_STORE = os.environ.get("MAMORI_LOG_STORE", str(DATA_DIR / "events"))
MAMORI_RULE_CACHE = os.environ.get("MAMORI_RULE_CACHE", str(DATA_DIR / "cache" / "sigma-rules.pickle"))
MAMORI_SIGMA_RULES = [p for p in os.environ.get("MAMORI_SIGMA_RULES", "").split(os.pathsep) if p]
MAMORI_SIGMA_STATUSES = sorted({s.strip().lower() for s in os.environ.get("MAMORI_SIGMA_STATUSES", "stable,test")
                                .split(",") if s.strip()})
_UNKNOWN_STATUSES = set(MAMORI_SIGMA_STATUSES) - {"stable", "test", "experimental"}
if _UNKNOWN_STATUSES or not MAMORI_SIGMA_STATUSES:
    raise ImproperlyConfigured(f"MAMORI_SIGMA_STATUSES: use stable, test and/or experimental, not "
                               f"{', '.join(sorted(_UNKNOWN_STATUSES)) or 'nothing'}")
MAMORI_LOG_UPLOAD_MAX_MB = int(os.environ.get("MAMORI_LOG_UPLOAD_MAX_MB", "1024"))
MAMORI_SCHEDULER = os.environ.get("MAMORI_SCHEDULER", "1") != "0"
MAMORI_FEED_INBOX = os.environ.get("MAMORI_FEED_INBOX", str(DATA_DIR / "feeds" / "inbox"))
MAMORI_IMPORT_WORKER = os.environ.get("MAMORI_IMPORT_WORKER", "1") != "0"
MAMORI_BASE_URL = os.environ.get("MAMORI_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("MAMORI_MAIL_FROM", "mamori@localhost")
if os.environ.get("MAMORI_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["MAMORI_SMTP_HOST"]
    EMAIL_PORT = int(os.environ.get("MAMORI_SMTP_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("MAMORI_SMTP_USER", "")
    _smtp_password_file = os.environ.get("MAMORI_SMTP_PASSWORD_FILE")
    EMAIL_HOST_PASSWORD = Path(_smtp_password_file).read_text().strip() if _smtp_password_file else ""
    EMAIL_USE_TLS = os.environ.get("MAMORI_SMTP_TLS", "1") != "0"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "outbox")
