{#- Expectations a customer's type holds that we broke: one row per
    violation, with the rule (vars type_expectations), the record Id and the
    date. "Each type of customer relationship is governed by its own rules":
    a married customer expects priority service, a steady one to be heard,
    an engaged one that the contract moves. -#}
with breaches as (
    select * from {{ ref('int_expectation_breaches') }}
),

scores as (
    select * from {{ ref('int_account_scores') }}
),

expectations as (
    {%- for row in var('type_expectations') %}
    {{ 'union all' if not loop.first }}
    select
        '{{ row.type }}' as relationship_type,
        '{{ row.expectation }}' as expectation,
        '{{ row.label | replace("'", "''") }}' as expectation_label
    {%- endfor %}
)

select
    cast(
        {{ dbt.hash(dbt.concat(["breaches.breach_id", "'-'", "scores.relationship_type"])) }}
        as {{ dbt.type_string() }}
    ) as violation_id,
    cast(breaches.account_id as {{ dbt.type_string() }}) as account_id,
    cast(scores.relationship_type as {{ dbt.type_string() }}) as relationship_type,
    cast(breaches.expectation as {{ dbt.type_string() }}) as expectation,
    cast(expectations.expectation_label as {{ dbt.type_string() }}) as expectation_label,
    cast(breaches.source_object as {{ dbt.type_string() }}) as source_object,
    cast(breaches.record_id as {{ dbt.type_string() }}) as record_id,
    cast(breaches.violated_on as date) as violated_on
from breaches
inner join scores on breaches.account_id = scores.account_id
inner join expectations
    on
        scores.relationship_type = expectations.relationship_type
        and breaches.expectation = expectations.expectation
