#!/usr/bin/env bash
# Unit tests of the Lightning Web Components under salesforce/force-app, with
# sfdx-lwc-jest (Jest plus stubs of the lightning/* modules; no org needed).
# Installs exactly what package-lock.json pins (npm ci), quietly, then runs
# the tests from the repository root, where jest.config.js and the
# sfdx-project.json that sfdx-lwc-jest reads live. Extra arguments go to
# sfdx-lwc-jest (e.g. --coverage). Needs node >= 18 and npm.
set -euo pipefail

cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error
exec npx --no-install sfdx-lwc-jest -- "$@"
