{#- Emotional moments: the interactions a customer remembers. One row per
    moment; fct_relationship_moments publishes it and int_account_signals
    sums it per account.

    delight: a promoter score, an urgent case solved quickly.
    miss:    a lukewarm detractor score, a late delivery, a deal lost to a
             competitor, a broken expectation (vars breach_moments).
    enrage:  a strong detractor score, an escalated or urgent case left open too long.
    (Score bands, priorities and durations: vars survey_score_bands,
    urgent_case_priorities, quick_case_resolution_hours, slow_case_days.)

    Each moment weighs base_weight (vars: moment_weights) and fades with a
    half-life (vars: moment_half_life_days): old anger matters less than new. -#}
{%- set as_of = as_of_date() -%}
{%- set weights = var('moment_weights') -%}
{%- set slow_days = var('slow_case_days') -%}
{%- set bands = var('survey_score_bands') -%}
{%- set urgent = sql_values(var('urgent_case_priorities')) -%}
{#- Every branch names these columns and is unioned by name, so reordering a
    branch cannot shift values. -#}
{%- set moment_columns = [
    'source_id', 'source_object', 'account_id', 'contact_id', 'occurred_at',
    'moment_type', 'cause',
] -%}

with cases as (
    select
        *,
        {#- Open cases (and those closed after it) age until the as-of date. #}
        case
            when closed_at is null or cast(closed_at as date) > {{ as_of }}
                then cast({{ as_of }} as {{ rapport_type('timestamp') }})
            else closed_at
        end as aged_until
    from {{ ref('stg_salesforce__case') }}
),

case_moments as (
    select
        case_id as source_id,
        'case' as source_object,
        account_id,
        contact_id,
        created_at as occurred_at,
        'enrage' as moment_type,
        case
            when is_escalated then 'Escalated case open more than {{ slow_days }} days'
            else 'Urgent case open more than {{ slow_days }} days'
        end as cause
    from cases
    where (is_escalated or priority in ({{ urgent }}))
        and {{ dbt.datediff('created_at', 'aged_until', 'day') }}
        > {{ slow_days }}

    union all

    select
        case_id as source_id,
        'case' as source_object,
        account_id,
        contact_id,
        closed_at as occurred_at,
        'delight' as moment_type,
        'Urgent case solved within a day' as cause
    from cases
    where priority in ({{ urgent }})
        and closed_at is not null
        and {{ dbt.datediff('created_at', 'closed_at', 'hour') }}
        <= {{ var('quick_case_resolution_hours') }}
),

survey_moments as (
    select
        survey_response_id as source_id,
        'survey_response' as source_object,
        account_id,
        contact_id,
        responded_at as occurred_at,
        case
            when score >= {{ bands.promoter_min }} then 'delight'
            when score >= {{ bands.lukewarm_min }} then 'miss'
            else 'enrage'
        end as moment_type,
        case
            when score >= {{ bands.promoter_min }} then 'Promoter survey score'
            when score >= {{ bands.lukewarm_min }} then 'Lukewarm survey score'
            else 'Detractor survey score'
        end as cause
    from {{ ref('stg_salesforce__survey_response') }}
    where {{ survey_score_on_scale('score') }}
        and (score >= {{ bands.promoter_min }} or score <= {{ bands.detractor_max }})
),

delivery_moments as (
    select
        order_id as source_id,
        'order' as source_object,
        account_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        {#- A delivery made after the as-of date was still missing then. #}
        cast(
            case when delivered_date <= {{ as_of }} then delivered_date else promised_delivery_date end
            as {{ rapport_type('timestamp') }}
        ) as occurred_at,
        'miss' as moment_type,
        'Late delivery' as cause
    from {{ ref('stg_salesforce__order') }}
    where promised_delivery_date is not null
        and (
            (delivered_date <= {{ as_of }} and delivered_date > promised_delivery_date)
            or (
                (delivered_date is null or delivered_date > {{ as_of }})
                and promised_delivery_date < {{ as_of }}
            )
        )
),

competitor_losses as (
    select
        opportunities.opportunity_id as source_id,
        'opportunity' as source_object,
        opportunities.account_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        cast(opportunities.close_date as {{ rapport_type('timestamp') }}) as occurred_at,
        'miss' as moment_type,
        case
            when opportunities.opportunity_type = {{ sql_string(var('renewal_opportunity_type')) }}
                then 'Renewal lost to a competitor'
            else 'Deal lost to a competitor'
        end as cause
    from {{ ref('stg_salesforce__opportunity') }} as opportunities
    where opportunities.is_closed and not opportunities.is_won
        and (
            opportunities.loss_reason = {{ sql_string(var('competitor_loss_reason')) }}
            or exists (
                select competitors.opportunity_id
                from {{ ref('stg_salesforce__opportunity_competitor') }} as competitors
                where competitors.opportunity_id = opportunities.opportunity_id
            )
        )
),

broken_expectations as (
    {#- Broken expectations that are moments (vars breach_moments): a
        contract left to stall is a miss. A slow urgent case already is an
        enrage moment above; an email without a logged reply is not one by
        default, as replies often go by phone or outside the CRM. -#}
    select
        record_id as source_id,
        source_object,
        account_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        cast(violated_on as {{ rapport_type('timestamp') }}) as occurred_at,
        'miss' as moment_type,
        case expectation
            when 'be_heard' then 'Email from the customer left unanswered'
            when 'contract_moves' then 'Contract draft or approval stalled'
            else 'Urgent case left open'
        end as cause
    from {{ ref('int_expectation_breaches') }}
    where expectation in ({{ sql_values(var('breach_moments')) }})
),

moments as (
    {%- set branches = [
        'case_moments', 'survey_moments', 'delivery_moments', 'competitor_losses', 'broken_expectations',
    ] %}
    {%- for branch in branches %}
    {{ 'union all' if not loop.first }}
    select {{ moment_columns | join(', ') }} from {{ branch }}
    {%- endfor %}
),

aged as (
    select
        moments.*,
        greatest(0, {{ dbt.datediff('moments.occurred_at', as_of, 'day') }}) as age_days,
        case moment_type
            when 'delight' then {{ weights.delight }}
            when 'miss' then {{ weights.miss }}
            else {{ weights.enrage }}
        end as base_weight
    from moments
    where occurred_at is not null
        and account_id is not null
        and cast(occurred_at as date) <= {{ as_of }}
)

select
    cast(
        {{ dbt.hash(dbt.concat(["source_object", "'-'", "source_id", "'-'", "moment_type"])) }}
        as {{ dbt.type_string() }}
    ) as moment_id,
    cast(account_id as {{ dbt.type_string() }}) as account_id,
    cast(contact_id as {{ dbt.type_string() }}) as contact_id,
    cast(occurred_at as {{ rapport_type('timestamp') }}) as occurred_at,
    cast(moment_type as {{ dbt.type_string() }}) as moment_type,
    cast(cause as {{ dbt.type_string() }}) as cause,
    cast(source_object as {{ dbt.type_string() }}) as source_object,
    cast(source_id as {{ dbt.type_string() }}) as source_id,
    cast(base_weight as {{ rapport_type('float') }}) as base_weight,
    cast(age_days as {{ dbt.type_int() }}) as age_days,
    cast(
        round(
            cast(
                base_weight * power(0.5, age_days / {{ var('moment_half_life_days') | float }})
                as {{ dbt.type_numeric() }}
            ),
            4
        ) as {{ rapport_type('float') }}
    ) as decayed_weight
from aged
