{#- Records where a customer's expectation of us was broken, whatever the
    account's type: one row per record and expectation. Which expectations
    a type holds is in vars (type_expectations); fct_expectation_violations
    keeps the breaches of the account's own type. The breaches also feed the
    moments (an unanswered email, a stalled contract are misses) and the
    next step (through int_account_signals).

    priority_service  an urgent or escalated case open longer than
                      slow_case_days (already an enrage moment)
    be_heard          an inbound email with no reply from us (any outbound
                      or two-way touch) within unanswered_email_days
    contract_moves    a contract in draft or approval unchanged for
                      stalled_contract_days -#}
{%- set as_of = as_of_date() -%}
{%- set slow_days = var('slow_case_days') -%}
{%- set reply_days = var('unanswered_email_days') -%}
{%- set stalled_days = var('stalled_contract_days') -%}
{%- set lookback = dbt.dateadd('day', -var('expectation_lookback_days'), as_of) -%}

with cases as (
    select
        case_id,
        account_id,
        created_at,
        cast(created_at as date) as created_on,
        coalesce(closed_at, cast({{ as_of }} as {{ rapport_type('timestamp') }})) as aged_until
    from {{ ref('stg_salesforce__case') }}
    where is_escalated or priority in ({{ sql_values(var('urgent_case_priorities')) }})
),

slow_cases as (
    select
        account_id,
        'priority_service' as expectation,
        'case' as source_object,
        case_id as record_id,
        cast(
            {{ dbt.dateadd('day', slow_days, 'created_on') }}
            as date
        ) as violated_on
    from cases
    where
        {{ dbt.datediff('created_at', 'aged_until', 'day') }}
        > {{ slow_days }}
),

touches as (
    select * from {{ ref('int_touchpoints') }}
    where account_id is not null
),

inbound_emails as (
    select
        account_id,
        touchpoint_id,
        occurred_at
    from touches
    where source_object = 'email_message' and direction = 'inbound'
),

unanswered_emails as (
    select
        inbound_emails.account_id,
        'be_heard' as expectation,
        'email_message' as source_object,
        inbound_emails.touchpoint_id as record_id,
        cast(
            {{ dbt.dateadd('day', reply_days, 'cast(inbound_emails.occurred_at as date)') }} as date
        ) as violated_on
    from inbound_emails
    where {{ dbt.dateadd('day', reply_days, 'cast(inbound_emails.occurred_at as date)') }} < {{ as_of }}
        and not exists (
            select replies.touchpoint_id
            from touches as replies
            where replies.account_id = inbound_emails.account_id
                and replies.direction in ('outbound', 'mutual')
                and replies.occurred_at > inbound_emails.occurred_at
                and cast(replies.occurred_at as date)
                <= {{ dbt.dateadd('day', reply_days, 'cast(inbound_emails.occurred_at as date)') }}
        )
),

contracts as (
    select
        *,
        cast(coalesce(modified_at, created_at) as date) as last_moved_on
    from {{ ref('stg_salesforce__contract') }}
),

stalled_contracts as (
    select
        account_id,
        'contract_moves' as expectation,
        'contract' as source_object,
        contract_id as record_id,
        cast(
            {{ dbt.dateadd('day', stalled_days, 'last_moved_on') }}
            as date
        ) as violated_on
    from contracts
    where status in ({{ sql_values(var('contract_statuses').pending) }})
        and {{ dbt.datediff('last_moved_on', as_of, 'day') }}
        > {{ stalled_days }}
),

breaches as (
    select * from slow_cases
    union all
    select * from unanswered_emails
    union all
    select * from stalled_contracts
)

select
    cast(
        {{ dbt.hash(dbt.concat(["expectation", "'-'", "source_object", "'-'", "record_id"])) }}
        as {{ dbt.type_string() }}
    ) as breach_id,
    cast(account_id as {{ dbt.type_string() }}) as account_id,
    cast(expectation as {{ dbt.type_string() }}) as expectation,
    cast(source_object as {{ dbt.type_string() }}) as source_object,
    cast(record_id as {{ dbt.type_string() }}) as record_id,
    cast(violated_on as date) as violated_on
from breaches
where account_id is not null
    and violated_on <= {{ as_of }}
    and violated_on > {{ lookback }}
