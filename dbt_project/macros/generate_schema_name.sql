{#- Use the configured schema name as is (rapport, rapport_staging, ...), so BI
    tools find the marts in a schema with a stable name on every target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
