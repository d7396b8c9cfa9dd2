{#- Staging select over a raw Salesforce table that may be incomplete.

    Orgs differ: an export may lack an object (no Task.csv) or a field (no
    CallType). Rather than fail the build, a missing table gives an empty,
    correctly typed relation and a missing column gives typed nulls, so every
    downstream signal that depends on it becomes null and confidence drops.

    columns: a list of [source_column, alias, type], type one of
    string, int, float, boolean, date, timestamp; source_column is dlt's
    name (snake_case of the API name).

    The raw table may have been landed by Rapport (dlt), Fivetran or Airbyte
    (env RAPPORT_SOURCE_LOADER), and each names the same field differently:
    AccountId is account_id (dlt, Fivetran) or AccountId (Airbyte),
    Pricebook2Id is pricebook2_id (dlt) or pricebook_2_id (Fivetran), Score__c
    is score_c or score__c (dlt, by path), score_c (Fivetran) or Score__c
    (Airbyte). Lower-cased with every underscore dropped they are one key
    (salesforce_key), so columns and tables are matched by that key.

    Deleted rows are left out: is_deleted (IsDeleted, present when deletes
    are read through queryAll) and Fivetran's own _fivetran_deleted. -#}
{% macro salesforce_staging(table_name, columns) -%}
    {#- Referenced for lineage and freshness; the rows come from the table found. -#}
    {%- set source_relation = source('salesforce', table_name) -%}
    {%- set relation = raw_relation(table_name) -%}
    {%- set available = {} -%}
    {%- if relation is not none -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- set key = salesforce_key(column.name) -%}
            {%- if key not in available -%}
                {%- do available.update({key: column.name}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif %}
select
    {%- for source_column, alias, type in columns %}
    {% set key = salesforce_key(source_column) -%}
    {% if key in available -%}
        cast({{ adapter.quote(available[key]) }} as {{ rapport_type(type) }})
    {%- else -%}
        cast(null as {{ rapport_type(type) }})
    {%- endif %} as {{ alias }}{{ "," if not loop.last }}
    {%- endfor %}
{%- if relation is not none %}
from {{ relation }}
    {%- set deleted = [] -%}
    {%- for flag in ['is_deleted', '_fivetran_deleted'] -%}
        {%- if salesforce_key(flag) in available -%}
            {%- do deleted.append('not coalesce(' ~ adapter.quote(available[salesforce_key(flag)]) ~ ', false)') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if deleted %}
where {{ deleted | join(' and ') }}
    {%- endif %}
{%- else %}
where 1 = 0
{%- endif %}
{%- endmacro %}


{#- The name every loader's spelling of a field or object reduces to:
    lower case, no underscores (AccountId, account_id → accountid;
    Survey_Response__c, survey_response_c → surveyresponsec). -#}
{% macro salesforce_key(name) -%}
    {{ return(name | lower | replace('_', '')) }}
{%- endmacro %}


{#- Who landed the raw tables: rapport (dlt), fivetran or airbyte. -#}
{% macro source_loader() -%}
    {%- set loader = env_var('RAPPORT_SOURCE_LOADER', 'rapport') -%}
    {%- if loader not in ['rapport', 'fivetran', 'airbyte'] -%}
        {{ exceptions.raise_compiler_error(
            "RAPPORT_SOURCE_LOADER is '" ~ loader ~ "': expected rapport, fivetran or airbyte") }}
    {%- endif -%}
    {{ return(loader) }}
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
    a disabled object is treated exactly like one the org does not have.

    Found by salesforce_key among the tables of the source schema, since
    loaders name tables differently (dlt and Fivetran opportunity_contact_role,
    Airbyte OpportunityContactRole, or opportunitycontactrole where the
    warehouse folds case) and a quoted identifier must match exactly on
    PostgreSQL. (adapter.get_relation would refuse the case-only match.) -#}
{% macro raw_relation(table_name) -%}
    {%- if not execute or table_name in var('disabled_objects', []) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set source_relation = source('salesforce', table_name) -%}
    {%- if source_loader() == 'rapport' -%}
        {#- dlt's names are the source's identifiers: no listing needed. -#}
        {{ return(adapter.get_relation(
                database=source_relation.database,
                schema=source_relation.schema,
                identifier=source_relation.identifier)) }}
    {%- endif -%}
    {%- set wanted = salesforce_key(table_name) -%}
    {%- set schema_relation = api.Relation.create(
            database=source_relation.database, schema=source_relation.schema) -%}
    {%- set listed = list_relations_without_caching(schema_relation) -%}
    {#- The table name is column "name" on most adapters, "tableName" on Spark. -#}
    {%- set name_column = 'name' if 'name' in listed.column_names else 'tableName' -%}
    {%- for row in listed.rows -%}
        {%- if salesforce_key(row[name_column]) == wanted -%}
            {{ return(api.Relation.create(
                    database=source_relation.database,
                    schema=source_relation.schema,
                    identifier=row[name_column])) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
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


{#- A signal computed from an optional object: null when the org lacks it.
    The null is typed (rapport_type: a count by default) so the column keeps
    its type whichever objects the org has: an untyped null became INTEGER,
    and a share such as competitor_deal_share then read 0.3 as 0 (a unit
    test's fixture is cast to the column's type in the warehouse at hand). -#}
{% macro when_available(is_available, expression, type='int') -%}
    {%- if is_available -%} {{ expression }} {%- else -%} cast(null as {{ rapport_type(type) }}) {%- endif -%}
{%- endmacro %}
