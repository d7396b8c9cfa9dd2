{#- The date relationships are measured at: var('as_of_date') or today.
    Pinning it makes runs reproducible (tests, backfills). -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', none) -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}
