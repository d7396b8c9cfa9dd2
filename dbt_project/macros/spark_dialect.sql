{#- Spark SQL (dbt-spark; dbt-databricks dispatches here too) where our
    macros or models use what Spark lacks or spells differently. -#}

{#- True when the models are Parquet tables (dbt-spark): no row-level delete
    or merge, so incremental models overwrite (a partition or the table). -#}
{% macro parquet_tables() -%}
    {{ return(target.type == 'spark') }}
{%- endmacro %}


{#- Spark has no "double precision" and one timestamp type (session time
    zone UTC, see rapport/warehouse/spark_session.py). -#}
{% macro spark__rapport_type(type) -%}
    {%- set types = {
        'string': dbt.type_string(),
        'int': dbt.type_bigint(),
        'float': 'double',
        'boolean': dbt.type_boolean(),
        'date': 'date',
        'timestamp': 'timestamp',
    } -%}
    {{ return(types[type]) }}
{%- endmacro %}


{#- Spark's name for a type the yml files spell the portable way (contract
    data_type, seed column_types): Spark rejects varchar without a length,
    "double precision" and "timestamp with time zone". -#}
{% macro spark_type_name(data_type) -%}
    {%- set names = {
        'varchar': 'string',
        'text': 'string',
        'double precision': 'double',
        'timestamp with time zone': 'timestamp',
        'timestamptz': 'timestamp',
        'integer': 'int',
    } -%}
    {{ return(names.get(data_type | trim | lower, data_type)) }}
{%- endmacro %}


{#- The enforced contracts' check builds an empty select casting null to
    each declared data_type; on Spark the declared names are translated
    first, and the check then compares Spark's types on both sides. -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set translated = {} -%}
    {%- for name in columns -%}
        {%- set column = {} -%}
        {%- do column.update(columns[name]) -%}
        {%- if column.get('data_type') is not none -%}
            {%- do column.update({'data_type': spark_type_name(column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: column}) -%}
    {%- endfor -%}
    {{ return(default__get_empty_schema_sql(translated)) }}
{%- endmacro %}
