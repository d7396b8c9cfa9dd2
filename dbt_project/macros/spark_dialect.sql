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


{#- dbt's datediff counts the datepart boundaries crossed (DuckDB,
    PostgreSQL, Snowflake): 10:59 to 11:01 is one hour. dbt-spark's rounds
    the elapsed seconds up instead (two minutes: one hour; 24h30m: 25), so
    a case "solved within 24 hours" differed between warehouses. Hours,
    minutes and seconds count boundaries here too; the other dateparts are
    dbt-spark's, which already count boundaries. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set seconds = {'hour': 3600, 'minute': 60, 'second': 1} -%}
    {%- if datepart in seconds -%}
        ((unix_seconds(date_trunc('{{ datepart }}', {{ second_date }}))
            - unix_seconds(date_trunc('{{ datepart }}', {{ first_date }}))) div {{ seconds[datepart] }})
    {%- else -%}
        {#- dbt.: the internal (dbt-spark) macro, not this one. -#}
        {{ return(dbt.spark__datediff(first_date, second_date, datepart)) }}
    {%- endif -%}
{%- endmacro %}


{#- dbt-spark's listagg ignores order_by_clause (it warns and concatenates
    in whatever order Spark collected the rows), so the type reasons read
    in another order than on DuckDB. Here the rows are sorted first:
    collect (sort key, item) pairs, sort them, join the items.
    order_by_clause: "order by <expression> [asc|desc]". -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if order_by_clause -%}
        {%- set key = modules.re.sub('(?i)^\\s*order\\s+by\\s+', '', order_by_clause) -%}
        {%- set descending = modules.re.search('(?i)\\s+desc\\s*$', key) is not none -%}
        {%- set key = modules.re.sub('(?i)\\s+(asc|desc)\\s*$', '', key) -%}
        {%- set items -%}
            {{ 'reverse(' if descending }}transform(
                array_sort(collect_list(struct({{ key }} as sort_key, {{ measure }} as item))),
                entry -> entry.item
            ){{ ')' if descending }}
        {%- endset -%}
    {%- else -%}
        {%- set items = 'collect_list(' ~ measure ~ ')' -%}
    {%- endif -%}
    {%- if limit_num -%}
        {%- set items = 'slice(' ~ items ~ ', 1, ' ~ limit_num ~ ')' -%}
    {%- endif -%}
    array_join({{ items }}, {{ delimiter_text }})
{%- endmacro %}
