#!/usr/bin/env bash
# README command 1: install Mamori and run it on its embedded default (SQLite + files) with the
# demo hospital loaded, at http://127.0.0.1:8000. Prints a one-time administrator password.
source "$(dirname "$0")/_venv.sh"
ensure_venv ""
export MAMORI_DATA_DIR="${MAMORI_DATA_DIR:-$PWD/.mamori-data}"
exec .venv/bin/mamori demo --host "${MAMORI_HOST:-127.0.0.1}" --port "${MAMORI_PORT:-8000}"
