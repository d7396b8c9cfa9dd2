{#- One row per account per snapshot date: every run's type and scores, kept.
    Rebuilding on the same date replaces that date's snapshot. A dbt
    --full-refresh leaves it alone: history cannot be rebuilt from the CRM.

    On Spark (Parquet tables, no row-level delete) the table is partitioned
    by as_of_date and each run overwrites its own date's partition only
    (insert_overwrite, dynamic partitions): the same replace-that-date. Spark
    keeps partition columns last, so there as_of_date is the last column. -#}
{%- set by_partition = parquet_tables() -%}
{{ config(
    materialized='incremental',
    unique_key=['account_id', 'as_of_date'],
    incremental_strategy='insert_overwrite' if by_partition else 'delete+insert',
    partition_by=['as_of_date'] if by_partition else none,
    on_schema_change='append_new_columns',
    full_refresh=false,
) }}

select
    account_id,
    as_of_date,
    relationship_type,
    strength_score,
    confidence,
    commitment_state,
    is_hostage,
    engagement_score,
    reciprocity_score,
    stakeholder_coverage_score,
    experience_score,
    moments_score,
    commitment_score,
    competitive_score,
    value_score
from {{ ref('account_relationship') }}
