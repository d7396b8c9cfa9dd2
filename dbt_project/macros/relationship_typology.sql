{#- Compile the ordered typology rules from vars into a CASE expression.
    The first rule whose condition holds wins, so order encodes precedence. -#}
{% macro relationship_type_case(attribute) -%}
    case
    {%- for rule in var('relationship_types') %}
        when {{ rule_condition(rule) }} then '{{ rule[attribute] | replace("'", "''") }}'
    {%- endfor %}
    end
{%- endmacro %}


{#- A rule's conditions (vars: relationship_types), all of which must hold. -#}
{% macro rule_conditions(rule) -%}
    {{ return(rule.conditions if rule.conditions is defined else [rule.condition]) }}
{%- endmacro %}


{% macro rule_condition(rule) -%}
    {%- for condition in rule_conditions(rule) -%}
        {{ ' and ' if not loop.first }}({{ condition }})
    {%- endfor -%}
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


{#- How many small changes to the signals would change the account's type:
    for each signal in vars confidence_nudges, the typology is evaluated with
    the signal that much higher and that much lower; each evaluation that
    gives another type than relationship_type counts one. An account typed
    far from every rule boundary scores 0. -#}
{% macro boundary_flips() -%}
    (
    {%- for signal, delta in var('confidence_nudges').items() %}
    {%- set outer = loop %}
    {%- for sign in ['+', '-'] %}
        {{ '+ ' if not (outer.first and loop.first) }}case
            when relationship_type <> {{ nudged_type_case(signal, sign ~ ' ' ~ delta) }} then 1 else 0
        end
    {%- endfor %}
    {%- endfor %}
    )
{%- endmacro %}


{#- The typology CASE with one signal shifted by delta (e.g. "+ 1"). -#}
{% macro nudged_type_case(signal, delta) -%}
    {%- set pattern = '\\b' ~ signal ~ '\\b' -%}
    case
    {%- for rule in var('relationship_types') %}
        when {{ modules.re.sub(pattern, '(' ~ signal ~ ' ' ~ delta ~ ')', rule_condition(rule)) }}
            then '{{ rule.code }}'
    {%- endfor %}
    end
{%- endmacro %}


{#- A number as a rep reads it: whole numbers without decimals, others to
    two places. -#}
{% macro evidence_number(expression) -%}
    case
        when cast({{ expression }} as {{ dbt.type_numeric() }})
            = round(cast({{ expression }} as {{ dbt.type_numeric() }}), 0)
            then cast(cast({{ expression }} as {{ rapport_type('int') }}) as {{ dbt.type_string() }})
        else cast(round(cast({{ expression }} as {{ dbt.type_numeric() }}), 2) as {{ dbt.type_string() }})
    end
{%- endmacro %}
