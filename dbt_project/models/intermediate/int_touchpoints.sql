{#- One row per interaction with an account, typed: the touchpoints every
    downstream model reads. Rebuilt in full on every run, so the signals never
    see a stale or partial increment; fct_touchpoints is its incremental copy
    for BI tools. -#}

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
