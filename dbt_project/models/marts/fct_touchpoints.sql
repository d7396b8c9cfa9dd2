{#- One row per interaction with an account, across all touchpoints.

    Incremental: only source rows modified since the last build are reread.
    A source record deleted in Salesforce disappears from staging, and the
    post-hook removes its touchpoint so deletes never survive as live rows. -#}
{{ config(
    materialized='incremental',
    unique_key='touchpoint_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    post_hook=[
        "delete from {{ this }} where touchpoint_id not in (select touchpoint_id from {{ ref('int_touchpoints_unioned') }})"
    ],
) }}

select
    cast(touchpoint_id as {{ dbt.type_string() }}) as touchpoint_id,
    cast(source_object as {{ dbt.type_string() }}) as source_object,
    cast(account_id as {{ dbt.type_string() }}) as account_id,
    cast(contact_id as {{ dbt.type_string() }}) as contact_id,
    cast(occurred_at as {{ rapport_type('timestamp') }}) as occurred_at,
    cast(area as {{ dbt.type_string() }}) as area,
    cast(direction as {{ dbt.type_string() }}) as direction,
    cast(sentiment as {{ dbt.type_string() }}) as sentiment,
    cast(is_meeting as {{ dbt.type_boolean() }}) as is_meeting,
    cast(source_modified_at as {{ rapport_type('timestamp') }}) as source_modified_at
from {{ ref('int_touchpoints_unioned') }}
{% if is_incremental() %}
where source_modified_at > (select coalesce(max(source_modified_at), cast('1900-01-01' as {{ rapport_type('timestamp') }})) from {{ this }})
{% endif %}
