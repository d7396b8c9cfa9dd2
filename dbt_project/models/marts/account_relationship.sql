{#- The BI contract: one row per live account with its relationship type,
    strength, commitment and the next step toward the next level.

    Dimension scores are 0-100 and null when the org holds no evidence for
    them; strength is the weighted mean of the non-null dimensions (weights
    in vars), so a missing object lowers confidence instead of the score. -#}
{%- set w = var('strength_weights') -%}
{%- set s = var('account_scores') -%}
{%- set commit = var('commitment_thresholds') -%}
{%- set trend = var('trend_thresholds') -%}
{%- set neutral = s.neutral_satisfaction -%}
{%- set confidence_floor = var('confidence_activity_floor') -%}
{%- set dimensions = [
    'engagement', 'reciprocity', 'stakeholder_coverage', 'experience',
    'moments', 'commitment', 'competitive', 'value',
] -%}

with signals as (
    select * from {{ ref('int_account_signals') }}
),

dimensions as (
    select
        signals.*,
        100 * least(
            1.0,
            ln(1 + touches_last_365) / ln(1 + {{ s.engagement_saturation_touches }})
        ) as engagement_score,
        case
            when inbound_last_365 + outbound_last_365 + mutual_last_365 = 0 then 0
            else 100.0 * least(
                    1.0,
                    2.0 * (inbound_last_365 + mutual_last_365)
                    / (inbound_last_365 + outbound_last_365 + mutual_last_365)
                )
        end as reciprocity_score,
        {{ s.coverage_contacts_points }}
        * least(1.0, contacts_engaged / {{ s.coverage_saturation_contacts | float }})
        + {{ 100 - s.coverage_contacts_points }}
        * least(1.0, executives_engaged / {{ s.coverage_saturation_executives | float }})
            as stakeholder_coverage_score,
        experience_raw as experience_score,
        case
            when delight_weight + miss_weight + enrage_weight = 0 then null
            else 50 + 50 * (delight_weight - miss_weight - enrage_weight)
                / (delight_weight + miss_weight + enrage_weight)
        end as moments_score,
        case
            when competitor_deal_share is null and share_of_wallet is null then null
            when share_of_wallet is null then 100 * (1 - competitor_deal_share)
            when competitor_deal_share is null then 100 * share_of_wallet
            else {{ 100 - s.competitive_wallet_points }} * (1 - competitor_deal_share)
                + {{ s.competitive_wallet_points }} * share_of_wallet
        end as competitive_score,
        case
            when won_deals > 0
                then 100 * percent_rank() over (
                        partition by case when won_deals > 0 then 1 else 0 end
                        order by won_amount_last_365
                    )
            else 0
        end as value_score
    from signals
),

investment as (
    {#- Investment model: commitment = satisfaction + investment - alternatives. -#}
    select
        dimensions.*,
        {%- set satisfaction_parts = ['experience_score', 'moments_score', 'nps_avg_last_365 * 10'] %}
        (
            {% for p in satisfaction_parts -%}
            {%- if not loop.first %}
            + {% endif -%}
            coalesce({{ p }}, 0)
            {%- endfor %}
        ) / nullif(
            {% for p in satisfaction_parts -%}
            {%- if not loop.first %}
            + {% endif -%}
            case when {{ p }} is null then 0 else 1 end
            {%- endfor %},
            0
        ) as satisfaction_score,
        least(
            100.0,
            {{ s.investment_points_per_tenure_year | float }} * tenure_days / 365.0
            + {{ s.investment_points_per_contact }} * contacts_engaged
            + {{ s.investment_points_per_active_contract }} * coalesce(active_contracts, 0)
            + {{ s.investment_points_per_won_deal }} * won_deals
        ) as investment_score,
        least(
            100.0,
            100 * coalesce(competitor_deal_share, 0)
            + {{ s.alternatives_points_per_competitor_loss }} * coalesce(lost_to_competitor_last_365, 0)
        ) as alternatives_score
    from dimensions
),

committed as (
    select
        investment.*,
        (
            coalesce(satisfaction_score, {{ neutral }}) + investment_score + (100 - alternatives_score)
        ) / 3.0 as commitment_score,
        {% for signal in var('distress_signals') -%}
        {%- if not loop.first %}
        + {% endif -%}
        case when {{ signal }} then 1 else 0 end
        {%- endfor %} as distress_signals
    from investment
),

typed as (
    select
        committed.*,
        {{ relationship_type_case('code') }} as relationship_type,
        {{ relationship_type_case('label') }} as relationship_type_label,
        {{ relationship_type_case('reason') }} as type_rule_reason
    from committed
),

states as (
    select
        typed.*,
        case
            when relationship_type = 'ex' then 'exit'
            when coalesce(active_contracts, 0) > 0
                and distress_signals >= {{ var('hostage_min_distress') }} then 'trapped'
            when coalesce(satisfaction_score, {{ neutral }}) >= {{ commit.committed_min_satisfaction }}
                and commitment_score >= {{ commit.committed_min_commitment }}
                and alternatives_score < {{ commit.committed_max_alternatives }} then 'committed'
            when won_deals > 0 and coalesce(satisfaction_score, {{ neutral }}) < {{ commit.exit_max_satisfaction }}
                and alternatives_score >= {{ commit.exit_min_alternatives }} then 'exit'
            else 'switchable'
        end as commitment_state
    from typed
),

finished as (
    select
        states.*,
        case
            when touches_last_90 >= {{ trend.rising_ratio }} * touches_prev_90 + {{ trend.margin_touches }}
                then 'rising'
            when touches_last_90 <= {{ trend.falling_ratio }} * touches_prev_90 - {{ trend.margin_touches }}
                or enrage_last_180 > {{ trend.falling_enrage_moments }} then 'falling'
            else 'stable'
        end as trend,
        (
            {% for d in dimensions -%}
            {%- if not loop.first %}
            + {% endif -%}
            {{ w[d] }} * coalesce({{ d }}_score, 0)
            {%- endfor %}
        ) / nullif(
            {% for d in dimensions -%}
            {%- if not loop.first %}
            + {% endif -%}
            case when {{ d }}_score is null then 0 else {{ w[d] }} end
            {%- endfor %},
            0
        ) as strength_raw,
        {{ next_level_case() }} as next_level_type,
        {{ next_step_case() }} as next_step
    from states
)

select
    cast(account_id as {{ dbt.type_string() }}) as account_id,
    cast(account_name as {{ dbt.type_string() }}) as account_name,
    cast(relationship_type as {{ dbt.type_string() }}) as relationship_type,
    cast(relationship_type_label as {{ dbt.type_string() }}) as relationship_type_label,
    cast(
        round(cast(coalesce(strength_raw, 0) as {{ dbt.type_numeric() }}), 1) as {{ rapport_type('float') }}
    ) as strength_score,
    cast(
        round(
            cast(
                evidence_completeness * (
                    {{ confidence_floor }} + {{ 1 - confidence_floor }} * least(
                        1.0,
                        (touches_last_365 + won_deals + contacts_engaged)
                        / {{ var('confidence_saturation_activity') | float }}
                    )
                ) as {{ dbt.type_numeric() }}
            ),
            2
        ) as {{ rapport_type('float') }}
    ) as confidence,
    cast(trend as {{ dbt.type_string() }}) as trend,
    {%- for d in dimensions %}
    cast(round(cast({{ d }}_score as {{ dbt.type_numeric() }}), 1) as {{ rapport_type('float') }}) as {{ d }}_score,
    {%- endfor %}
    cast(commitment_state as {{ dbt.type_string() }}) as commitment_state,
    cast(commitment_state = 'trapped' as {{ dbt.type_boolean() }}) as is_hostage,
    cast(contacts_engaged <= 1 and relationship_type <> 'prospect' as {{ dbt.type_boolean() }}) as is_single_threaded,
    cast(coalesce(competitor_deals_last_730, 0) > 0 as {{ dbt.type_boolean() }}) as has_competitor_presence,
    cast(next_level_type as {{ dbt.type_string() }}) as next_level_type,
    cast(next_step as {{ dbt.type_string() }}) as next_step,
    cast({{ dbt.concat([
        "type_rule_reason", "': '",
        "cast(won_deals as " ~ dbt.type_string() ~ ")", "' won deals, '",
        "cast(contacts_engaged as " ~ dbt.type_string() ~ ")", "' people engaged, '",
        "cast(coalesce(active_contracts, 0) as " ~ dbt.type_string() ~ ")", "' active contracts, competitor on '",
        "cast(cast(round(cast(100 * coalesce(competitor_deal_share, 0) as " ~ dbt.type_numeric() ~ "), 0) as " ~ dbt.type_int() ~ ") as " ~ dbt.type_string() ~ ")",
        "'% of recent deals'",
    ]) }} as {{ dbt.type_string() }}) as type_reasons,
    cast(as_of_date as date) as as_of_date
from finished
