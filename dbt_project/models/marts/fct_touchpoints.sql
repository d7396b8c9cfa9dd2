{#- One row per interaction with an account, across all touchpoints.

    Incremental, as int_touchpoints (its source) is, and by the same rule
    (macro touchpoints_changed): it copies the touchpoints whose record (for
    an email, also its case or deal) is stamped after the newest stamp it
    holds for that object, less var('late_arriving_seconds'). A touchpoint
    gone from int_touchpoints (its record deleted in Salesforce, or without
    an account now) is removed by the post-hook, so deletes never survive as
    live rows.

    The enforced contract pins every column's type, so schema changes only
    append: with 'fail', PostgreSQL read its text columns as changed on every
    incremental run (text against character varying) and stopped the build.

    On Spark the tables are Parquet, which has no row-level delete or merge
    (those need Delta or Iceberg): there each run overwrites the table with
    every current touchpoint (insert_overwrite, no partitions), which is what
    delete+insert plus the post-hook leave behind elsewhere. -#}
{%- set rewrites_in_full = parquet_tables() -%}
{{ touchpoints_incremental_config(
    "delete from {{ this }} where touchpoint_id not in (select touchpoint_id from {{ ref('int_touchpoints') }})"
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
where {{ touchpoints_changed(touchpoint_high_water_marks()) }}
{% endif %}
