{#- One row per interaction with an account, across all touchpoints.

    Incremental: only source rows modified since the last build are reread.
    A source record deleted in Salesforce disappears from staging, and the
    post-hook removes its touchpoint so deletes never survive as live rows.

    The enforced contract pins every column's type, so schema changes only
    append: with 'fail', PostgreSQL read its text columns as changed on every
    incremental run (text against character varying) and stopped the build.

    On Spark the tables are Parquet, which has no row-level delete or merge
    (those need Delta or Iceberg): there each run overwrites the table with
    every current touchpoint (insert_overwrite, no partitions), which is what
    delete+insert plus the post-hook leave behind elsewhere. -#}
{%- set rewrites_in_full = parquet_tables() -%}
{{ config(
    materialized='incremental',
    unique_key='touchpoint_id',
    incremental_strategy='insert_overwrite' if rewrites_in_full else 'delete+insert',
    on_schema_change='append_new_columns',
    post_hook=[] if rewrites_in_full else [
        "delete from {{ this }} where touchpoint_id not in (select touchpoint_id from {{ ref('int_touchpoints') }})"
    ],
) }}

select
    touchpoint_id,
    source_object,
    account_id,
    contact_id,
    occurred_at,
    area,
    direction,
    sentiment,
    is_meeting,
    source_modified_at
from {{ ref('int_touchpoints') }}
{% if is_incremental() and not rewrites_in_full %}
where source_modified_at > (select coalesce(max(source_modified_at), cast('1900-01-01' as {{ rapport_type('timestamp') }})) from {{ this }})
{% endif %}
