{#- A relationship type written by hand (a picklist label such as
    'One-Night Stand', or a type code) as its type code; null when it names
    no type of vars('relationship_types'). Matched case- and space-
    insensitively: exports and hand edits differ in both. -#}
{% macro relationship_type_code(expression) -%}
    case lower(trim({{ expression }}))
    {%- for rule in var('relationship_types') %}
        {%- set names = [rule.code | lower] + ([rule.label | lower] if (rule.label | lower) != (rule.code | lower) else []) %}
        {%- for name in names %}
        when {{ sql_string(name) }} then {{ sql_string(rule.code) }}
        {%- endfor %}
    {%- endfor %}
    end
{%- endmacro %}
