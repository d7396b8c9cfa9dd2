#!/usr/bin/env bash
# Debian packages the test suite needs: a PostgreSQL server (dbt is built and
# tested against it too), Chromium with a font (the report's browser test), and
# node with npm (the Lightning web components' Jest tests, `make lwc-test`) and
# a Java 17 runtime (pyspark, for the Spark warehouse tests).
# Installs only what is missing; needs root (or passwordless sudo) and apt-get.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  sudo="none"
fi
if [ "$sudo" = "none" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]}; install them (apt-get install ${missing[*]})." >&2
  echo "Without them the PostgreSQL and browser tests are skipped (and make lwc-test fails)." >&2
  # CI must not pass by skipping.
  [ -z "${CI:-}" ] || exit 1
  exit 0
fi
echo "Installing ${missing[*]} from Debian packages..."
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
