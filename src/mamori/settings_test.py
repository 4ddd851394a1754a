"""Settings for the test suite: production settings with a throwaway key and data directory."""

import os
import tempfile

os.environ.setdefault("MAMORI_SECRET_KEY", "test-only-secret-key-not-for-production-" + "x" * 20)
# One data directory per pytest-xdist worker: the workers inherit the controller's environment, and
# two workers writing the same demo files at once read each other's half-written files.
if "MAMORI_TEST_DATA_ROOT" in os.environ or "MAMORI_DATA_DIR" not in os.environ:
    _root = os.environ.setdefault("MAMORI_TEST_DATA_ROOT", tempfile.mkdtemp(prefix="mamori-test-"))
    os.environ["MAMORI_DATA_DIR"] = os.path.join(_root, os.environ.get("PYTEST_XDIST_WORKER", "main"))
os.environ.setdefault("MAMORI_INSECURE_HTTP", "1")

from mamori.settings import *  # noqa: F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Argon2 is slow by design; tests that need it run the real command (tests/audit/test_cli_verify.py)
# and tests/test_settings.py pins that production hashes with Argon2 first.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A file, not SQLite's shared-cache memory database: that one has table locks that ignore the busy
# timeout, so it would not behave like the production file database under concurrent writers.
if str(DATABASES["default"]["ENGINE"]).endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-mamori.sqlite3")}  # noqa: F405

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MAMORI_SCHEDULER = False
