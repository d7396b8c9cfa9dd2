{#- Every change of relationship type between two consecutive snapshots. -#}
with ordered as (
    select
        account_id,
        as_of_date,
        relationship_type,
        strength_score,
        lag(relationship_type) over (partition by account_id order by as_of_date) as previous_type,
        lag(as_of_date) over (partition by account_id order by as_of_date) as previous_date,
        lag(strength_score) over (partition by account_id order by as_of_date) as previous_strength
    from {{ ref('relationship_history') }}
)

select
    cast(
        {{ dbt.hash(dbt.concat(["account_id", "'-'", "cast(as_of_date as " ~ dbt.type_string() ~ ")"])) }}
        as {{ dbt.type_string() }}
    ) as transition_id,
    cast(account_id as {{ dbt.type_string() }}) as account_id,
    cast(previous_type as {{ dbt.type_string() }}) as from_type,
    cast(relationship_type as {{ dbt.type_string() }}) as to_type,
    cast(previous_date as date) as from_date,
    cast(as_of_date as date) as transition_date,
    cast(strength_score - previous_strength as {{ rapport_type('float') }}) as strength_change
from ordered
where previous_type is not null and previous_type <> relationship_type
