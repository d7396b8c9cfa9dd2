{#- Compile the ordered typology rules from vars into a CASE expression.
    The first rule whose condition holds wins, so order encodes precedence. -#}
{% macro relationship_type_case(attribute) -%}
    case
    {%- for rule in var('relationship_types') %}
        when {{ rule.condition }} then '{{ rule[attribute] | replace("'", "''") }}'
    {%- endfor %}
    end
{%- endmacro %}


{#- The type one level up the ladder (vars: next_level). -#}
{% macro next_level_case() -%}
    case relationship_type
    {%- for from_type, to_type in var('next_level').items() %}
        when '{{ from_type }}' then {{ "'" ~ to_type ~ "'" if to_type else 'null' }}
    {%- endfor %}
    end
{%- endmacro %}


{#- The one missing signal that most blocks the next level: the first
    blocker (vars: next_steps) that holds for the account's type. -#}
{% macro next_step_case() -%}
    case
    {%- for step in var('next_steps') %}
        when relationship_type = '{{ step.type }}' and ({{ step.when }}) then '{{ step.step | replace("'", "''") }}'
    {%- endfor %}
    end
{%- endmacro %}
