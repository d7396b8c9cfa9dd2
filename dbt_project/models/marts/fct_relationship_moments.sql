{#- Emotional moments (delight, miss, enrage) with their cause and a weight
    that decays with a half-life; computed in int_relationship_moments. -#}

select
    moment_id,
    account_id,
    contact_id,
    occurred_at,
    moment_type,
    cause,
    source_object,
    source_id,
    base_weight,
    age_days,
    decayed_weight
from {{ ref('int_relationship_moments') }}
