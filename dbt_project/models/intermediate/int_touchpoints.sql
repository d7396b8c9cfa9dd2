{#- One row per interaction with an account, typed: the touchpoints every
    downstream model reads (fct_touchpoints is its copy for BI tools).

    Incremental, so an hourly run's cost follows the change, not the org: a
    run re-derives only the touchpoints whose source record changed since the
    last build, i.e. whose stamp (for an email, its own, its case's or its
    deal's: the account comes from them, hence case_modified_at and
    opportunity_modified_at) is newer than the newest stamp this table holds
    for that object, less var('late_arriving_seconds'): a record
    committed late with a slightly older stamp, which extraction's overlap
    window (extract.overlap_seconds) still brings in. A record without a stamp
    is re-derived on every run. Touchpoints do not depend on the as-of date,
    so a new day changes nothing here.

    Deleted records disappear: the post-hook removes the touchpoints whose
    source record is no longer live in staging (deleted in Salesforce, or
    gone from the raw table) and those whose record lost its account.

    What the stamps cannot see is a change of logic: the touchpoint_areas
    seed or the vars read here (inbound_call_type, urgent_case_priorities,
    survey_score_bands, default_touchpoint_area). After one, rebuild with
    --full-refresh (the nightly full-refresh run does).

    On Spark the tables are Parquet, without row-level delete or merge: there
    each run rewrites the table in full (insert_overwrite, no partitions), as
    fct_touchpoints does. -#}
{%- set rewrites_in_full = parquet_tables() -%}
{%- set sources = [
    ('stg_salesforce__task', 'task_id'),
    ('stg_salesforce__event', 'event_id'),
    ('stg_salesforce__email_message', 'email_message_id'),
    ('stg_salesforce__case', 'case_id'),
    ('stg_salesforce__opportunity', 'opportunity_id'),
    ('stg_salesforce__order', 'order_id'),
    ('stg_salesforce__survey_response', 'survey_response_id'),
] -%}
{#- The Ids of every live source record, for the post-hook; refs written out
    for the hook to render when it runs. -#}
{%- set live_ids = [] -%}
{%- for model, id_column in sources -%}
{%- do live_ids.append("select " ~ id_column ~ " as touchpoint_id from {{ ref('" ~ model ~ "') }}") -%}
{%- endfor -%}
{{ touchpoints_incremental_config(
    "delete from {{ this }} where touchpoint_id in (select kept.touchpoint_id from {{ this }} as kept
    where kept.account_id is null or not exists (select 1 from (" ~ live_ids | join(' union all ') ~ ") as live
    where live.touchpoint_id = kept.touchpoint_id))"
) }}

select
    cast(touchpoint_id as {{ dbt.type_string() }}) as touchpoint_id,
    cast(source_object as {{ dbt.type_string() }}) as source_object,
    cast(account_id as {{ dbt.type_string() }}) as account_id,
    cast(contact_id as {{ dbt.type_string() }}) as contact_id,
    cast(occurred_at as {{ rapport_type('timestamp') }}) as occurred_at,
    cast(area as {{ dbt.type_string() }}) as area,
    cast(direction as {{ dbt.type_string() }}) as direction,
    cast(sentiment as {{ dbt.type_string() }}) as sentiment,
    cast(is_meeting as {{ dbt.type_boolean() }}) as is_meeting,
    cast(source_modified_at as {{ rapport_type('timestamp') }}) as source_modified_at,
    cast(case_modified_at as {{ rapport_type('timestamp') }}) as case_modified_at,
    cast(opportunity_modified_at as {{ rapport_type('timestamp') }}) as opportunity_modified_at
from {{ ref('int_touchpoints_unioned') }}
{% if is_incremental() and not rewrites_in_full %}
{#- Rows of a changed record, account or not: a record that lost its
    account replaces its old row here and the post-hook drops it. #}
where {{ touchpoints_changed(touchpoint_high_water_marks()) }}
{% else %}
where account_id is not null
{%- endif %}
