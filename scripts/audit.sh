#!/usr/bin/env bash
# Audit requirements.lock for known vulnerabilities with pip-audit.
#
# pip-audit counts a package it could not look up as "skipped" and still
# exits 0, so an audit that never reached PyPI's or OSV's API would pass
# silently. --strict turns a skip into a failure; this script tells that
# failure ("nothing was checked") apart from "vulnerabilities found".
# Exit codes: 0 clean, 1 vulnerabilities found, 2 the service cannot be reached.
set -uo pipefail

BIN=${BIN:-.venv/bin}
LOCK=${LOCK:-requirements.lock}
if [ -x "$BIN/pip-audit" ]; then
    audit=("$BIN/pip-audit")
else
    audit=("$BIN/uv" tool run "pip-audit>=2.10")
fi

output=$("${audit[@]}" -r "$LOCK" --disable-pip --strict --progress-spinner off "$@" 2>&1)
status=$?
printf '%s\n' "$output"
if [ "$status" -eq 0 ]; then
    echo "make audit: no known vulnerabilities in $LOCK."
    exit 0
fi
if grep -qiE "could not be audited|ConnectionError|NameResolution|Max retries exceeded|Failed to resolve|timed out" <<<"$output"; then
    echo >&2
    echo "make audit: the vulnerability service (PyPI's or OSV's API) cannot be reached;" >&2
    echo "nothing was audited. Run it where the service is reachable (e.g. CI)." >&2
    exit 2
fi
echo "make audit: pip-audit reports known vulnerabilities (above)." >&2
exit 1
