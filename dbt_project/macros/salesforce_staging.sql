{#- Staging select over a raw Salesforce table that may be incomplete.

    Orgs differ: an export may lack an object (no Task.csv) or a field (no
    CallType). Rather than fail the build, a missing table gives an empty,
    correctly typed relation and a missing column gives typed nulls, so every
    downstream signal that depends on it becomes null and confidence drops.

    columns: a list of [source_column, alias, type], type one of
    string, int, float, boolean, date, timestamp.

    dlt names a custom field's column score_c or score__c depending on the
    path the rows took (JSON or Arrow), so names are matched with runs of
    underscores collapsed. -#}
{% macro salesforce_staging(table_name, columns) -%}
    {%- set source_relation = source('salesforce', table_name) -%}
    {%- set relation = raw_relation(table_name) -%}
    {%- set available = {} -%}
    {%- if relation is not none -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do available.update({salesforce_column_key(column.name): column.name}) -%}
        {%- endfor -%}
    {%- endif %}
select
    {%- for source_column, alias, type in columns %}
    {% set key = salesforce_column_key(source_column) -%}
    {% if key in available -%}
        cast({{ adapter.quote(available[key]) }} as {{ rapport_type(type) }})
    {%- else -%}
        cast(null as {{ rapport_type(type) }})
    {%- endif %} as {{ alias }}{{ "," if not loop.last }}
    {%- endfor %}
{%- if relation is not none %}
from {{ source_relation }}
    {%- if 'is_deleted' in available %}
where not coalesce(is_deleted, false)
    {%- endif %}
{%- else %}
where 1 = 0
{%- endif %}
{%- endmacro %}


{% macro salesforce_column_key(name) -%}
    {{ return(modules.re.sub('_+', '_', name | lower)) }}
{%- endmacro %}


{#- True when the raw table exists; lets a model report an absent object as
    missing data (lower confidence) instead of as zero activity. -#}
{% macro source_available(table_name) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(raw_relation(table_name) is not none) }}
{%- endmacro %}


{#- The raw table, or none when it is absent or disabled through
    var('disabled_objects') (raw table names, e.g. ['contract', 'case']):
    a disabled object is treated exactly like one the org does not have. -#}
{% macro raw_relation(table_name) -%}
    {%- if not execute or table_name in var('disabled_objects', []) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set source_relation = source('salesforce', table_name) -%}
    {{ return(adapter.get_relation(
            database=source_relation.database,
            schema=source_relation.schema,
            identifier=source_relation.identifier)) }}
{%- endmacro %}


{% macro rapport_type(type) -%}
    {{ return(adapter.dispatch('rapport_type', 'rapport')(type)) }}
{%- endmacro %}

{% macro default__rapport_type(type) -%}
    {%- set types = {
        'string': dbt.type_string(),
        'int': dbt.type_bigint(),
        'float': 'double precision',
        'boolean': dbt.type_boolean(),
        'date': 'date',
        'timestamp': 'timestamp with time zone',
    } -%}
    {{ return(types[type]) }}
{%- endmacro %}


{#- A signal computed from an optional object: null when the org lacks it. -#}
{% macro when_available(is_available, expression) -%}
    {%- if is_available -%} {{ expression }} {%- else -%} null {%- endif -%}
{%- endmacro %}
