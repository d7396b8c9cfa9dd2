{#- One row per contact: how strong our tie with the person is, and how much
    they weigh in buying decisions. Strength blends recency, frequency and
    reciprocity of touches, meetings and roles on deals (weights in vars).
    contact_relationship publishes it; int_account_signals counts the people
    engaged per account from it. -#}
{%- set as_of = as_of_date() -%}
{%- set w = var('contact_strength_weights') -%}
{%- set w_total = w.values() | sum -%}
{%- set s = var('contact_scores') -%}

with people as (
    select * from {{ ref('int_contact_seniority') }}
),

touches as (
    select
        contact_id,
        count(*) as touches_last_365,
        count(case when is_meeting then 1 end) as meetings_last_365,
        count(case when direction in ('inbound', 'mutual') then 1 end) as inbound_or_mutual,
        count(case when direction = 'outbound' then 1 end) as outbound,
        max(occurred_at) as last_touch_at
    from {{ ref('int_touchpoints') }}
    where contact_id is not null
        and cast(occurred_at as date) <= {{ as_of }}
        and cast(occurred_at as date) > {{ dbt.dateadd('day', -365, as_of) }}
    group by contact_id
),

scored as (
    select
        people.*,
        coalesce(touches.touches_last_365, 0) as touches_last_365,
        coalesce(touches.meetings_last_365, 0) as meetings_last_365,
        touches.last_touch_at,
        case
            when touches.last_touch_at is null then 0
            else 100 * power(
                    0.5,
                    {{ dbt.datediff('touches.last_touch_at', as_of, 'day') }}
                    / {{ s.recency_half_life_days | float }}
                )
        end as recency,
        100 * least(
            1.0,
            ln(1 + coalesce(touches.touches_last_365, 0))
            / ln(1 + {{ s.frequency_saturation_touches }})
        ) as frequency,
        case when coalesce(touches.inbound_or_mutual, 0) + coalesce(touches.outbound, 0) = 0 then 0
            else 100.0 * least(1.0, 2.0 * touches.inbound_or_mutual / (touches.inbound_or_mutual + touches.outbound))
        end as reciprocity,
        100 * least(1.0, coalesce(touches.meetings_last_365, 0) / {{ s.meetings_saturation | float }}) as meetings,
        100 * least(1.0, people.deal_roles / {{ s.deal_roles_saturation | float }}) as deal_roles_score
    from people
    left join touches on people.contact_id = touches.contact_id
)

select
    cast(contact_id as {{ dbt.type_string() }}) as contact_id,
    cast(account_id as {{ dbt.type_string() }}) as account_id,
    cast(contact_name as {{ dbt.type_string() }}) as contact_name,
    cast(title as {{ dbt.type_string() }}) as title,
    cast(seniority as {{ dbt.type_string() }}) as seniority,
    cast(round(cast((
        {{ w.recency }} * recency + {{ w.frequency }} * frequency + {{ w.reciprocity }} * reciprocity
        + {{ w.meetings }} * meetings + {{ w.deal_roles }} * deal_roles_score
    ) / {{ w_total }} as {{ dbt.type_numeric() }}), 2) as {{ rapport_type('float') }}) as strength_score,
    cast(case
        when decision_roles > 0 or seniority = 'executive' then 'high'
        when influence_roles > 0 or seniority in ('senior', 'manager') then 'medium'
        else 'low'
    end as {{ dbt.type_string() }}) as buying_influence,
    cast(touches_last_365 as {{ dbt.type_bigint() }}) as touches_last_365,
    cast(meetings_last_365 as {{ dbt.type_bigint() }}) as meetings_last_365,
    cast(deal_roles as {{ dbt.type_bigint() }}) as deal_roles,
    cast(last_touch_at as {{ rapport_type('timestamp') }}) as last_touch_at,
    cast({{ as_of }} as date) as as_of_date
from scored
