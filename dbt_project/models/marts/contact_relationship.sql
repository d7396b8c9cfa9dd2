{#- One row per contact: tie strength and buying influence; computed in
    int_contact_relationship. -#}

select
    contact_id,
    account_id,
    contact_name,
    title,
    seniority,
    strength_score,
    buying_influence,
    touches_last_365,
    meetings_last_365,
    deal_roles,
    last_touch_at,
    as_of_date
from {{ ref('int_contact_relationship') }}
