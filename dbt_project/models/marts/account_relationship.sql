{#- The BI contract: one row per live account with its relationship type,
    strength, commitment and the next step toward the next level.

    The scores are computed in int_account_scores (dimension scores 0-100,
    null without evidence; strength their weighted mean less the distress
    penalty); type_reasons joins the evidence that decided the type
    (int_relationship_evidence); the perceived type and its gap come from
    int_account_perception. -#}
{%- set dimensions = [
    'engagement', 'reciprocity', 'stakeholder_coverage', 'experience',
    'moments', 'commitment', 'competitive', 'value',
] -%}

with finished as (
    select
        scores.*,
        signals.contacts_engaged,
        signals.competitor_deals_last_730
    from {{ ref('int_account_scores') }} as scores
    inner join {{ ref('int_account_signals') }} as signals on scores.account_id = signals.account_id
),

reasons as (
    {#- The rule in words, then the records that weighed most. -#}
    select
        account_id,
        {{ dbt.listagg('detail', "'; '", 'order by evidence_rank') }} as type_reasons
    from {{ ref('int_relationship_evidence') }}
    where evidence_kind in ('type_rule', 'record')
    group by account_id
)

select
    cast(finished.account_id as {{ dbt.type_string() }}) as account_id,
    cast(finished.account_name as {{ dbt.type_string() }}) as account_name,
    cast(finished.relationship_type as {{ dbt.type_string() }}) as relationship_type,
    cast(finished.relationship_type_label as {{ dbt.type_string() }}) as relationship_type_label,
    cast(finished.strength_score as {{ rapport_type('float') }}) as strength_score,
    cast(finished.confidence as {{ rapport_type('float') }}) as confidence,
    cast(finished.trend as {{ dbt.type_string() }}) as trend,
    {%- for d in dimensions %}
    cast(finished.{{ d }}_score as {{ rapport_type('float') }}) as {{ d }}_score,
    {%- endfor %}
    cast(finished.commitment_state as {{ dbt.type_string() }}) as commitment_state,
    cast(finished.commitment_state = 'trapped' as {{ dbt.type_boolean() }}) as is_hostage,
    cast(
        finished.contacts_engaged <= 1 and finished.relationship_type <> 'prospect' as {{ dbt.type_boolean() }}
    ) as is_single_threaded,
    cast(coalesce(finished.competitor_deals_last_730, 0) > 0 as {{ dbt.type_boolean() }}) as has_competitor_presence,
    cast(finished.next_level_type as {{ dbt.type_string() }}) as next_level_type,
    cast(finished.next_step as {{ dbt.type_string() }}) as next_step,
    cast(coalesce(reasons.type_reasons, finished.type_rule_reason) as {{ dbt.type_string() }}) as type_reasons,
    cast(finished.as_of_date as date) as as_of_date,
    cast(perception.perceived_type as {{ dbt.type_string() }}) as perceived_type,
    cast(perception.perception_source as {{ dbt.type_string() }}) as perception_source,
    cast(perception.perception_gap as {{ dbt.type_string() }}) as perception_gap,
    {#- Added after the BI contract's first columns: new columns go last. #}
    cast(finished.recency_score as {{ rapport_type('float') }}) as recency_score
from finished
left join reasons on finished.account_id = reasons.account_id
left join {{ ref('int_account_perception') }} as perception on finished.account_id = perception.account_id
