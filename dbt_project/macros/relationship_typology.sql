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
    far from every rule boundary scores 0.

    An aggregate over the typed accounts cross-joined to confidence_nudges()
    (one row per change), grouped by account: the typology CASE is written
    once for all the changes, not once per change (28 copies made the
    compiled model ~80 KB, slow for DuckDB to plan and for dbt to parse in
    every unit test). -#}
{% macro boundary_flips() -%}
    cast(
        sum(case when relationship_type <> {{ nudged_type_case() }} then 1 else 0 end)
        as {{ dbt.type_int() }}
    )
{%- endmacro %}


{#- The small changes to the signals (vars confidence_nudges), each up and
    down: one row per change, the signal's name and the sign (+1 or -1).
    One-row selects joined by union all, which every warehouse reads. With
    no signals to nudge, one row that changes nothing, so every account is
    still typed and flips 0 times. -#}
{% macro confidence_nudges() -%}
    {%- for signal in var('confidence_nudges') %}
    {%- set outer = loop %}
    {%- for sign in [1, -1] %}
    {{ 'union all ' if not (outer.first and loop.first) }}select '{{ signal }}' as nudge_signal, {{ sign }} as nudge_sign
    {%- endfor %}
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as nudge_signal, 0 as nudge_sign
    {%- endfor %}
{%- endmacro %}


{#- The typology CASE on a row of confidence_nudges(): every signal of vars
    confidence_nudges reads shifted by its own delta when the row nudges it
    (nudge_sign x the delta as written in vars, so whole-number signals stay
    whole) and as it is otherwise. With no signals to nudge, the typology as
    it is. -#}
{% macro nudged_type_case() -%}
    {%- set nudges = var('confidence_nudges') -%}
    {#- One pass over each condition: a signal's replacement names the
        signal again, so signals are replaced where they stand, never in
        text already replaced. -#}
    {%- set pattern = '\\b(' ~ (nudges.keys() | join('|')) ~ ')\\b' -%}
    case
    {%- for rule in var('relationship_types') %}
        {%- set pieces = [] %}
        {%- set parts = modules.re.split(pattern, rule_condition(rule)) if nudges else [rule_condition(rule)] %}
        {%- for part in parts %}
            {%- if loop.index is even %}
                {%- do pieces.append(
                    "(" ~ part ~ " + case when nudge_signal = '" ~ part ~ "' then nudge_sign * "
                    ~ nudges[part] ~ " else 0 end)"
                ) %}
            {%- else %}
                {%- do pieces.append(part) %}
            {%- endif %}
        {%- endfor %}
        when {{ pieces | join('') }}
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
