#!/usr/bin/env bash
# Debian packages the test suite needs: a PostgreSQL server (dbt is built and
# tested against it too) and Chromium (the report's screenshot test).
# Installs only what is missing; needs root and apt-get to install.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]}. Install them (e.g. sudo apt-get install ${missing[*]})," >&2
  echo "or the tests that need them are skipped." >&2
  exit 0
fi
echo "Installing ${missing[*]} from Debian packages..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
