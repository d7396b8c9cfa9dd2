{#- Every interaction with an account, from every object that records one, in
    one shape. Area lookup keys are carried along so that the editable
    touchpoint_areas seed decides the area; a case is looked up by reason first
    (Late Delivery is a delivery matter whatever its type), then by type.

    Each branch names every column, and the branches are unioned by name (the
    column list below), so reordering a branch cannot shift values.

    Ephemeral: int_touchpoints, its only reader, selects from it the rows
    whose inputs changed (incremental) and is the one table; a table here was
    a second full copy of every touchpoint, rewritten and tested on every run.
    Rows without an account are kept here (int_touchpoints drops them), so an
    incremental run also sees a record that lost its account. An email takes
    its account from its case or deal: case_modified_at and
    opportunity_modified_at are their stamps, so a case or deal that moved
    marks its emails as changed. -#}
{{ config(materialized='ephemeral') }}
{%- set bands = var('survey_score_bands') -%}
{%- set branch_columns = [
    'touchpoint_id', 'source_object', 'account_id', 'contact_id', 'occurred_at',
    'direction', 'sentiment', 'is_meeting',
    'area_field_1', 'area_value_1', 'area_field_2', 'area_value_2', 'modified_at',
    'case_modified_at', 'opportunity_modified_at',
] -%}

with tasks as (
    select
        task_id as touchpoint_id,
        'task' as source_object,
        account_id,
        contact_id,
        cast(
            coalesce(cast(activity_date as {{ rapport_type('timestamp') }}), created_at)
            as {{ rapport_type('timestamp') }}
        ) as occurred_at,
        case
            when call_type = {{ sql_string(var('inbound_call_type')) }} then 'inbound'
            else 'outbound'
        end as direction,
        cast(null as {{ dbt.type_string() }}) as sentiment,
        false as is_meeting,
        'task_subtype' as area_field_1,
        task_subtype as area_value_1,
        cast(null as {{ dbt.type_string() }}) as area_field_2,
        cast(null as {{ dbt.type_string() }}) as area_value_2,
        modified_at,
        cast(null as {{ rapport_type('timestamp') }}) as case_modified_at,
        cast(null as {{ rapport_type('timestamp') }}) as opportunity_modified_at
    from {{ ref('stg_salesforce__task') }}
),

events as (
    select
        event_id as touchpoint_id,
        'event' as source_object,
        account_id,
        contact_id,
        coalesce(started_at, created_at) as occurred_at,
        'mutual' as direction,
        cast(null as {{ dbt.type_string() }}) as sentiment,
        true as is_meeting,
        'event_type' as area_field_1,
        event_type as area_value_1,
        null as area_field_2,
        null as area_value_2,
        modified_at,
        cast(null as {{ rapport_type('timestamp') }}) as case_modified_at,
        cast(null as {{ rapport_type('timestamp') }}) as opportunity_modified_at
    from {{ ref('stg_salesforce__event') }}
),

opportunities as (
    select
        opportunity_id,
        account_id,
        modified_at
    from {{ ref('stg_salesforce__opportunity') }}
),

cases as (
    select * from {{ ref('stg_salesforce__case') }}
),

emails as (
    select
        emails.email_message_id as touchpoint_id,
        'email_message' as source_object,
        coalesce(
            cases.account_id, opportunities.account_id, {#- 001 is Salesforce's fixed key prefix of Account Ids. #}
            case when emails.related_to_id like '001%' then emails.related_to_id end
        ) as account_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        coalesce(emails.sent_at, emails.created_at) as occurred_at,
        case when emails.is_incoming then 'inbound' else 'outbound' end as direction,
        cast(null as {{ dbt.type_string() }}) as sentiment,
        false as is_meeting,
        'related_to' as area_field_1,
        case when emails.case_id is not null then 'case' end as area_value_1,
        null as area_field_2,
        null as area_value_2,
        emails.modified_at,
        cases.modified_at as case_modified_at,
        opportunities.modified_at as opportunity_modified_at
    from {{ ref('stg_salesforce__email_message') }} as emails
    left join cases on cases.case_id = coalesce(emails.case_id, emails.related_to_id)
    left join opportunities on emails.related_to_id = opportunities.opportunity_id
),

service_cases as (
    select
        case_id as touchpoint_id,
        'case' as source_object,
        account_id,
        contact_id,
        created_at as occurred_at,
        'inbound' as direction,
        case
            when is_escalated or priority in ({{ sql_values(var('urgent_case_priorities')) }})
                then 'negative'
        end as sentiment,
        false as is_meeting,
        'case_reason' as area_field_1,
        case_reason as area_value_1,
        'case_type' as area_field_2,
        case_type as area_value_2,
        modified_at,
        cast(null as {{ rapport_type('timestamp') }}) as case_modified_at,
        cast(null as {{ rapport_type('timestamp') }}) as opportunity_modified_at
    from cases
),

deals as (
    select
        opportunity_id as touchpoint_id,
        'opportunity' as source_object,
        account_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        case when is_closed then cast(close_date as {{ rapport_type('timestamp') }}) else created_at end as occurred_at,
        case when is_won then 'mutual' else 'outbound' end as direction,
        case when is_won then 'positive' when is_closed then 'negative' end as sentiment,
        false as is_meeting,
        null as area_field_1,
        null as area_value_1,
        null as area_field_2,
        null as area_value_2,
        modified_at,
        cast(null as {{ rapport_type('timestamp') }}) as case_modified_at,
        cast(null as {{ rapport_type('timestamp') }}) as opportunity_modified_at
    from {{ ref('stg_salesforce__opportunity') }}
),

orders as (
    select
        order_id as touchpoint_id,
        'order' as source_object,
        account_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        cast(effective_date as {{ rapport_type('timestamp') }}) as occurred_at,
        'inbound' as direction,
        case
            when delivered_date > promised_delivery_date then 'negative'
            when delivered_date <= promised_delivery_date then 'positive'
        end as sentiment,
        false as is_meeting,
        null as area_field_1,
        null as area_value_1,
        null as area_field_2,
        null as area_value_2,
        modified_at,
        cast(null as {{ rapport_type('timestamp') }}) as case_modified_at,
        cast(null as {{ rapport_type('timestamp') }}) as opportunity_modified_at
    from {{ ref('stg_salesforce__order') }}
),

surveys as (
    select
        survey_response_id as touchpoint_id,
        'survey_response' as source_object,
        account_id,
        contact_id,
        coalesce(responded_at, created_at) as occurred_at,
        'inbound' as direction,
        case
            when score is null or not {{ survey_score_on_scale('score') }} then null
            when score >= {{ bands.promoter_min }} then 'positive'
            when score >= {{ bands.passive_min }} then 'neutral'
            else 'negative'
        end as sentiment,
        false as is_meeting,
        'touchpoint' as area_field_1,
        touchpoint as area_value_1,
        null as area_field_2,
        null as area_value_2,
        modified_at,
        cast(null as {{ rapport_type('timestamp') }}) as case_modified_at,
        cast(null as {{ rapport_type('timestamp') }}) as opportunity_modified_at
    from {{ ref('stg_salesforce__survey_response') }}
),

unioned as (
    {%- for branch in ['tasks', 'events', 'emails', 'service_cases', 'deals', 'orders', 'surveys'] %}
    {{ 'union all' if not loop.first }}
    select {{ branch_columns | join(', ') }} from {{ branch }}
    {%- endfor %}
),

areas as (
    select * from {{ ref('touchpoint_areas') }}
)

select
    unioned.touchpoint_id,
    unioned.source_object,
    unioned.account_id,
    unioned.contact_id,
    unioned.occurred_at,
    coalesce(first_key.area, second_key.area, fallback.area, {{ sql_string(var('default_touchpoint_area')) }}) as area,
    unioned.direction,
    unioned.sentiment,
    unioned.is_meeting,
    unioned.modified_at as source_modified_at,
    unioned.case_modified_at,
    unioned.opportunity_modified_at
from unioned
left join areas as first_key
    on unioned.source_object = first_key.source_object
        and unioned.area_field_1 = first_key.source_field
        and unioned.area_value_1 = first_key.source_value
left join areas as second_key
    on unioned.source_object = second_key.source_object
        and unioned.area_field_2 = second_key.source_field
        and unioned.area_value_2 = second_key.source_value
left join areas as fallback
    on unioned.source_object = fallback.source_object
        and fallback.source_field = '*'
