{#- A list of strings (from vars) as SQL string literals, comma-separated,
    for an IN list: ['Draft', "O'Brien"] -> 'Draft', 'O''Brien'. -#}
{% macro sql_values(values) -%}
    {%- if values is string -%}{%- set values = [values] -%}{%- endif -%}
    {%- for value in values -%}
        '{{ value | replace("'", "''") }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- One string (from vars) as a SQL string literal. -#}
{% macro sql_string(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}
