#!/usr/bin/env bash
# Prove the dbt project's SQL on warehouses CI cannot reach: for each adapter,
# a venv of its own (dbt-databricks and dbt-postgres 1.11 cannot share one),
# then `dbt parse` and `dbt compile` against a dummy profile. Compiling needs
# no connection for models that do not introspect the warehouse at compile
# time; a model that does is reported, not hidden.
#
# Not in CI: each venv downloads ~100-200 MB and the run takes minutes.
# Usage: scripts/compile-adapters.sh [snowflake bigquery databricks spark duckdb postgres]
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
adapters=("$@")
[ ${#adapters[@]} -eq 0 ] && adapters=(snowflake bigquery databricks)
venvs=${RAPPORT_ADAPTER_VENVS:-$root/.venv-adapters}
mkdir -p "$venvs"
status=0

package() {
  case "$1" in
    snowflake) echo "dbt-snowflake~=1.11.0" ;;
    bigquery) echo "dbt-bigquery~=1.11.0" ;;
    databricks) echo "dbt-databricks~=1.11.0" ;;
    spark) echo "dbt-spark~=1.11.0" ;;
    duckdb) echo "dbt-duckdb~=1.11.0" ;;
    postgres) echo "dbt-postgres~=1.11.0" ;;
    *) echo "unknown adapter $1" >&2; return 1 ;;
  esac
}

for adapter in "${adapters[@]}"; do
  spec=$(package "$adapter") || { status=1; continue; }
  venv="$venvs/$adapter"
  if [ ! -x "$venv/bin/dbt" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      "dbt-core~=1.11.0" "$spec" >"$venvs/$adapter.install.log" 2>&1 || {
      echo "$adapter: install failed (see $venvs/$adapter.install.log)"; status=1; continue; }
  fi
  target=$(mktemp -d)
  export RAPPORT_TARGET=$adapter
  # Placeholder connection settings: compile does not connect for these adapters.
  export RAPPORT_SNOWFLAKE_ACCOUNT=compile-only RAPPORT_SNOWFLAKE_USER=compile
  export RAPPORT_BIGQUERY_PROJECT=compile-only RAPPORT_BIGQUERY_KEYFILE=/dev/null
  export RAPPORT_DATABRICKS_HOST=compile-only.cloud.databricks.com
  export RAPPORT_DATABRICKS_HTTP_PATH=/sql/1.0/warehouses/compile RAPPORT_DATABRICKS_TOKEN=compile
  export RAPPORT_SPARK_METHOD=thrift
  versions=$("$venv/bin/dbt" --version 2>/dev/null | grep -E "core|$adapter" | tr -s ' ' | tr '\n' ' ')
  for command in parse compile; do
    log="$venvs/$adapter.$command.log"
    if "$venv/bin/dbt" $command --project-dir dbt_project --profiles-dir dbt_project \
      --target-path "$target" --no-partial-parse --vars '{"as_of_date": "2026-01-01"}' >"$log" 2>&1; then
      echo "$adapter: dbt $command ok ($versions)"
    else
      echo "$adapter: dbt $command FAILED ($versions); see $log"
      grep -E "Error|error" "$log" | head -5
      status=1
    fi
  done
  rm -rf "$target"
done
exit $status
