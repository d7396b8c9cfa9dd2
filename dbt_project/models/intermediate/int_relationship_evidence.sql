{#- Why each account has its type and strength: one row per account and fact.

    type_rule  the rule that typed the account, in words, with its signals
    signal     each signal the rule names (vars: relationship_types.signals)
    strength   each strength dimension with its weight, score and
               contribution, and the distress penalty; the contributions add
               up to strength_score (within rounding)
    record     the records that weighed most, by Id: contracts, deals with a
               competitor, the heaviest emotional moments

    relationship_evidence publishes it; account_relationship.type_reasons is
    the type_rule and record details joined. -#}
{%- set as_of = as_of_date() -%}
{%- set w = var('strength_weights') -%}
{%- set labels = var('signal_labels') -%}
{%- set dimensions = [
    'engagement', 'reciprocity', 'stakeholder_coverage', 'experience',
    'moments', 'commitment', 'competitive', 'value', 'recency',
] -%}
{%- set all_signals = [] %}
{%- for rule in var('relationship_types') %}
{%- for signal in rule.signals | default([]) %}
{%- if signal not in all_signals %}{%- do all_signals.append(signal) %}{%- endif %}
{%- endfor %}
{%- endfor %}

with scores as (
    select * from {{ ref('int_account_scores') }}
),

signals as (
    select * from {{ ref('int_account_signals') }}
),

typed as (
    select
        scores.account_id,
        scores.relationship_type,
        scores.relationship_type_label,
        {%- for signal in all_signals %}
        signals.{{ signal }},
        {%- endfor %}
        scores.type_rule_reason
    from scores
    inner join signals on scores.account_id = signals.account_id
),

rule_signals as (
    {%- for rule in var('relationship_types') %}
    {%- set rule_index = loop.index %}
    {%- for signal in rule.signals | default([]) %}
    {{ 'union all' if rule_index > 1 or not loop.first }}
    select
        account_id,
        '{{ signal }}' as evidence_name,
        {{ loop.index }} as signal_order,
        cast({{ signal }} as {{ rapport_type('float') }}) as signal_value
    from typed
    where relationship_type = '{{ rule.code }}'
    {%- endfor %}
    {%- endfor %}
),

signal_rows as (
    select
        account_id,
        'signal' as evidence_kind,
        evidence_name,
        case evidence_name
            {%- for signal in all_signals %}
            when '{{ signal }}' then '{{ labels[signal] | default(signal) | replace("'", "''") }}'
            {%- endfor %}
        end as signal_label,
        signal_value,
        signal_order
    from rule_signals
),

described as (
    {#- The signals of the account's rule, as "label value, ...". -#}
    select
        account_id,
        {{ dbt.listagg(
            dbt.concat([
                "signal_label", "' '",
                "coalesce(" ~ evidence_number('signal_value') ~ ", 'unknown')",
            ]),
            "', '",
            "order by signal_order",
        ) }} as signal_text
    from signal_rows
    group by account_id
),

rule_rows as (
    {#- The rule and its signals in one sentence: "Engaged: a first contract
        ... (contracts in draft or approval 1, ...)". -#}
    select
        typed.account_id,
        'type_rule' as evidence_kind,
        typed.relationship_type as evidence_name,
        {{ dbt.concat([
            "typed.relationship_type_label", "': '", "typed.type_rule_reason",
            "coalesce(' (' || described.signal_text || ')', '')",
        ]) }} as detail
    from typed
    left join described on typed.account_id = described.account_id
),

strength_rows as (
    {%- for d in dimensions %}
    {{ 'union all' if not loop.first }}
    select
        account_id,
        'strength' as evidence_kind,
        '{{ d }}' as evidence_name,
        {{ w[d] }} as weight,
        {{ d }}_score as score,
        {{ d }}_contribution as contribution,
        {{ loop.index }} as dimension_order
    from scores
    {%- endfor %}
    union all
    select
        account_id,
        'strength' as evidence_kind,
        'distress' as evidence_name,
        cast(null as {{ rapport_type('float') }}) as weight,
        distress_signals as score,
        distress_contribution as contribution,
        {{ dimensions | length + 1 }} as dimension_order
    from scores
),

contract_records as (
    select
        account_id,
        contract_id as record_id,
        {{ dbt.concat([
            "'Contract '", "coalesce(contract_number, contract_id)", "' ('", "status",
            "coalesce(', ends ' || cast(end_date as " ~ dbt.type_string() ~ "), '')", "')'",
        ]) }} as detail,
        coalesce(start_date, cast(created_at as date)) as record_date,
        1 as record_priority,
        cast(null as {{ rapport_type('float') }}) as record_weight
    from {{ ref('stg_salesforce__contract') }}
    {#- A contract created after the as-of date did not exist yet. #}
    where cast(created_at as date) <= {{ as_of }}
        and status not in ({{ sql_values(var('contract_statuses').ended) }})
        and coalesce(end_date, {{ as_of }}) >= {{ as_of }}
),

competitor_records as (
    select
        opportunities.account_id,
        opportunities.opportunity_id as record_id,
        {{ dbt.concat([
            "'Deal with a competitor: '", "coalesce(opportunities.opportunity_name, '')",
            "' ('", "case when opportunities.close_date > " ~ as_of ~ " then 'open' else opportunities.stage_name end", "')'",
        ]) }} as detail,
        coalesce(opportunities.close_date, cast(opportunities.created_at as date)) as record_date,
        2 as record_priority,
        cast(null as {{ rapport_type('float') }}) as record_weight
    from {{ ref('stg_salesforce__opportunity') }} as opportunities
    {#- As the deal stood on the as-of date: created by then; a later close is not known yet. #}
    where cast(opportunities.created_at as date) <= {{ as_of }}
        and coalesce(opportunities.close_date, {{ as_of }}) > {{ dbt.dateadd('day', -730, as_of) }}
        and exists (
            select competitors.opportunity_id
            from {{ ref('stg_salesforce__opportunity_competitor') }} as competitors
            where competitors.opportunity_id = opportunities.opportunity_id
        )
),

moment_records as (
    select
        account_id,
        source_id as record_id,
        {{ dbt.concat([
            "cause", "' ('", "moment_type", "', '",
            "cast(cast(occurred_at as date) as " ~ dbt.type_string() ~ ")", "')'",
        ]) }} as detail,
        cast(occurred_at as date) as record_date,
        3 as record_priority,
        decayed_weight as record_weight
    from {{ ref('int_relationship_moments') }}
),

ranked_records as (
    select
        records.*,
        row_number() over (
            partition by records.account_id
            order by
                records.record_priority asc,
                coalesce(records.record_weight, 0) desc,
                records.record_date desc,
                records.record_id asc
        ) as record_rank
    from (
        select * from contract_records
        union all
        select * from competitor_records
        union all
        select * from moment_records
    ) as records
    where records.account_id is not null
),

evidence as (
    select
        account_id,
        evidence_kind,
        evidence_name,
        detail,
        cast(null as {{ rapport_type('float') }}) as signal_value,
        cast(null as {{ rapport_type('float') }}) as weight,
        cast(null as {{ rapport_type('float') }}) as score,
        cast(null as {{ rapport_type('float') }}) as contribution,
        cast(null as {{ dbt.type_string() }}) as record_id,
        cast(null as date) as record_date,
        1 as evidence_rank
    from rule_rows

    union all

    select
        account_id,
        'record' as evidence_kind,
        case record_priority when 1 then 'contract' when 2 then 'competitor_deal' else 'moment' end
            as evidence_name,
        detail,
        cast(null as {{ rapport_type('float') }}) as signal_value,
        record_weight as weight,
        cast(null as {{ rapport_type('float') }}) as score,
        cast(null as {{ rapport_type('float') }}) as contribution,
        record_id,
        record_date,
        1 + record_rank as evidence_rank
    from ranked_records
    where record_rank <= {{ var('evidence_records_per_account') }}

    union all

    select
        account_id,
        evidence_kind,
        evidence_name,
        {{ dbt.concat([
            "signal_label", "': '",
            "coalesce(" ~ evidence_number('signal_value') ~ ", 'unknown')",
        ]) }} as detail,
        signal_value,
        cast(null as {{ rapport_type('float') }}) as weight,
        cast(null as {{ rapport_type('float') }}) as score,
        cast(null as {{ rapport_type('float') }}) as contribution,
        cast(null as {{ dbt.type_string() }}) as record_id,
        cast(null as date) as record_date,
        100 + signal_order as evidence_rank
    from signal_rows

    union all

    select
        account_id,
        evidence_kind,
        evidence_name,
        {{ dbt.concat([
            "'Strength, '", "replace(evidence_name, '_', ' ')", "': '",
            "cast(round(cast(contribution as " ~ dbt.type_numeric() ~ "), 1) as " ~ dbt.type_string() ~ ")",
            "' points'",
        ]) }} as detail,
        cast(null as {{ rapport_type('float') }}) as signal_value,
        weight,
        score,
        contribution,
        cast(null as {{ dbt.type_string() }}) as record_id,
        cast(null as date) as record_date,
        200 + dimension_order as evidence_rank
    from strength_rows
)

select
    cast(
        {{ dbt.hash(dbt.concat([
            "account_id", "'-'", "evidence_kind", "'-'", "evidence_name", "'-'", "coalesce(record_id, '')",
        ])) }} as {{ dbt.type_string() }}
    ) as evidence_id,
    cast(account_id as {{ dbt.type_string() }}) as account_id,
    cast(evidence_kind as {{ dbt.type_string() }}) as evidence_kind,
    cast(evidence_name as {{ dbt.type_string() }}) as evidence_name,
    cast(detail as {{ dbt.type_string() }}) as detail,
    cast(signal_value as {{ rapport_type('float') }}) as signal_value,
    cast(weight as {{ rapport_type('float') }}) as weight,
    cast(score as {{ rapport_type('float') }}) as score,
    cast(contribution as {{ rapport_type('float') }}) as contribution,
    cast(record_id as {{ dbt.type_string() }}) as record_id,
    cast(record_date as date) as record_date,
    cast(evidence_rank as {{ rapport_type('int') }}) as evidence_rank
from evidence
