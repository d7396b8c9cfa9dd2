{#- One row per interaction with an account, across all touchpoints.

    Incremental: only source rows modified since the last build are reread.
    A source record deleted in Salesforce disappears from staging, and the
    post-hook removes its touchpoint so deletes never survive as live rows.

    The enforced contract pins every column's type, so schema changes only
    append: with 'fail', PostgreSQL read its text columns as changed on every
    incremental run (text against character varying) and stopped the build. -#}
{{ config(
    materialized='incremental',
    unique_key='touchpoint_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    post_hook=[
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
{% if is_incremental() %}
where source_modified_at > (select coalesce(max(source_modified_at), cast('1900-01-01' as {{ rapport_type('timestamp') }})) from {{ this }})
{% endif %}
