{#- The scores and the type of every account, before they are published:
    the dimension scores, the strength and what each dimension contributed to
    it, the commitment state, the type and how near other types came.
    account_relationship publishes it; int_relationship_evidence explains it.

    Dimension scores are 0-100 and null when the org holds no evidence for
    them; strength is the weighted mean of the non-null dimensions (weights
    in vars) less a penalty per distress signal, so a missing object lowers
    confidence instead of the score, and a customer in distress is not
    strong whatever contract holds it. -#}
{%- set w = var('strength_weights') -%}
{%- set s = var('account_scores') -%}
{%- set commit = var('commitment_thresholds') -%}
{%- set trend = var('trend_thresholds') -%}
{%- set neutral = s.neutral_satisfaction -%}
{%- set confidence_floor = var('confidence_activity_floor') -%}
{%- set dimensions = [
    'engagement', 'reciprocity', 'stakeholder_coverage', 'experience',
    'moments', 'commitment', 'competitive', 'value', 'recency',
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
        end as value_score,
        {#- Recency as in a contact's tie strength (same half-life): an
            account never touched is as quiet as it gets. -#}
        case
            when days_since_last_touch is null then 0
            else 100 * power(
                    0.5, days_since_last_touch / {{ var('contact_scores').recency_half_life_days | float }}
                )
        end as recency_score
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
        {#- What the customer put into the relationship; the contract points
            (a contract binds, it does not bond) only in contract_bound_investment. -#}
        least(
            100.0,
            {{ s.investment_points_per_tenure_year | float }} * tenure_days / 365.0
            + {{ s.investment_points_per_contact }} * contacts_engaged
            + {{ s.investment_points_per_won_deal }} * won_deals
        ) as investment_score,
        least(
            100.0,
            {{ s.investment_points_per_tenure_year | float }} * tenure_days / 365.0
            + {{ s.investment_points_per_contact }} * contacts_engaged
            + {{ s.investment_points_per_active_contract }} * coalesce(active_contracts, 0)
            + {{ s.investment_points_per_won_deal }} * won_deals
        ) as contract_bound_investment,
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
        (
            coalesce(satisfaction_score, {{ neutral }}) + contract_bound_investment + (100 - alternatives_score)
        ) / 3.0 as bound_commitment_score,
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

nudges as (
    {#- One row per small change to one signal (vars confidence_nudges, each
        up and down). -#}
    {{ confidence_nudges() }}
),

flips as (
    {#- How many of those changes would type the account otherwise. -#}
    select
        typed.account_id,
        {{ boundary_flips() }} as boundary_flips
    from typed
    cross join nudges
    group by typed.account_id
),

typed_flips as (
    select
        typed.*,
        flips.boundary_flips
    from typed
    inner join flips
        on typed.account_id = flips.account_id
),

states as (
    select
        typed_flips.*,
        case
            when relationship_type = 'ex' then 'exit'
            when coalesce(active_contracts, 0) > 0
                and distress_signals >= {{ var('hostage_min_distress') }} then 'trapped'
            when coalesce(satisfaction_score, {{ neutral }}) >= {{ commit.committed_min_satisfaction }}
                and bound_commitment_score >= {{ commit.committed_min_commitment }}
                and alternatives_score < {{ commit.committed_max_alternatives }} then 'committed'
            when won_deals > 0 and coalesce(satisfaction_score, {{ neutral }}) < {{ commit.exit_max_satisfaction }}
                and alternatives_score >= {{ commit.exit_min_alternatives }} then 'exit'
            else 'switchable'
        end as commitment_state
    from typed_flips
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
        ) as strength_mean,
        (
            {% for d in dimensions -%}
            {%- if not loop.first %}
            + {% endif -%}
            case when {{ d }}_score is null then 0 else {{ w[d] }} end
            {%- endfor %}
        ) as weight_present,
        {{ next_level_case() }} as next_level_type,
        {{ next_step_case() }} as next_step
    from states
),

penalised as (
    select
        finished.*,
        -least(
            coalesce(strength_mean, 0), {{ var('strength_distress_penalty') }} * distress_signals
        ) as distress_contribution
    from finished
)

select
    account_id,
    account_name,
    relationship_type,
    relationship_type_label,
    type_rule_reason,
    boundary_flips,
    cast(
        round(
            cast(coalesce(strength_mean, 0) + distress_contribution as {{ dbt.type_numeric() }}), 1
        ) as {{ rapport_type('float') }}
    ) as strength_score,
    {%- for d in dimensions %}
    cast(round(cast({{ d }}_score as {{ dbt.type_numeric() }}), 1) as {{ rapport_type('float') }}) as {{ d }}_score,
    cast(
        round(
            cast(
                case
                    when weight_present > 0 then {{ w[d] }} * coalesce({{ d }}_score, 0) / weight_present else 0
                end as {{ dbt.type_numeric() }}
            ),
            2
        ) as {{ rapport_type('float') }}
    ) as {{ d }}_contribution,
    {%- endfor %}
    distress_signals,
    cast(round(cast(distress_contribution as {{ dbt.type_numeric() }}), 2) as {{ rapport_type('float') }})
        as distress_contribution,
    {#- Confidence: how much evidence the org holds, how active the account
        is, less a share for every small change to a signal that would type it otherwise. -#}
    cast(
        round(
            cast(
                evidence_completeness * (
                    {{ confidence_floor }} + {{ 1 - confidence_floor }} * least(
                        1.0,
                        (touches_last_365 + won_deals + contacts_engaged)
                        / {{ var('confidence_saturation_activity') | float }}
                    )
                ) * greatest(
                    {{ var('confidence_flip_floor') }},
                    1 - {{ var('confidence_penalty_per_flip') }} * boundary_flips
                ) as {{ dbt.type_numeric() }}
            ),
            2
        ) as {{ rapport_type('float') }}
    ) as confidence,
    trend,
    commitment_state,
    next_level_type,
    next_step,
    as_of_date
from penalised
