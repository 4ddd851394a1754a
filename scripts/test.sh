#!/usr/bin/env bash
# README command 2: install what the tests need and run the whole suite: lint, types, migrations,
# tests on SQLite, then the database tests again on PostgreSQL when one is reachable.
source "$(dirname "$0")/_venv.sh"
ensure_venv "[test]"

# System packages for the browser test (Debian chromium + a Japanese font), real nmap/restic/borg, and poppler
# (pdftoppm/pdftotext/pdffonts) to render and read the exported checklist PDFs.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qiE 'ipa|noto sans cjk' || missing+=(fonts-ipafont-gothic)
command -v nmap >/dev/null 2>&1 || missing+=(nmap)
command -v restic >/dev/null 2>&1 || missing+=(restic)
command -v borg >/dev/null 2>&1 || missing+=(borgbackup)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "NOTE: cannot install ${missing[*]} (not root): the tests needing them will skip with a reason." >&2
  fi
fi

export DJANGO_SETTINGS_MODULE=mamori.settings_test
mkdir -p test-output
echo "== ruff";  .venv/bin/ruff check .
echo "== mypy";  .venv/bin/mypy
echo "== migrations are up to date"
.venv/bin/python -m django makemigrations --check --dry-run
echo "== tests (SQLite)"
.venv/bin/pytest -n 2 -p no:cacheprovider "$@"

PG_URL="${MAMORI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
if .venv/bin/python - "$PG_URL" <<'PY' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://"), connect_timeout=3).close()
PY
then
  echo "== tests (PostgreSQL at ${PG_URL})"
  DATABASE_URL="$PG_URL" .venv/bin/pytest -n 2 -p no:cacheprovider -m "not browser" --ignore=tests/engines "$@"
else
  echo "SKIPPED: PostgreSQL run — no server reachable at ${PG_URL} (set MAMORI_TEST_POSTGRES_URL)."
fi
