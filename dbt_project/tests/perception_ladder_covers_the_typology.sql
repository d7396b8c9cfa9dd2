{#- The relationship_ladder seed places every type of vars
    relationship_types, and every next level (vars next_level) sits on a
    higher rung than the type it leads from. Returns the types that break
    either. -#}
{%- set steps = [] -%}
{%- for from_type, to_type in var('next_level').items() if to_type -%}
{%- do steps.append((from_type, to_type)) -%}
{%- endfor %}

with typology as (
    {%- for rule in var('relationship_types') %}
    select {{ sql_string(rule.code) }} as relationship_type
    {{- ' union all' if not loop.last }}
    {%- endfor %}
),

next_levels as (
    {%- for from_type, to_type in steps %}
    select {{ sql_string(from_type) }} as from_type, {{ sql_string(to_type) }} as to_type
    {{- ' union all' if not loop.last }}
    {%- endfor %}
)

select
    typology.relationship_type,
    'no rung on the ladder' as problem
from typology
left join {{ ref('relationship_ladder') }} as ladder on typology.relationship_type = ladder.relationship_type
where ladder.relationship_type is null

union all

select
    next_levels.from_type as relationship_type,
    'its next level is not higher' as problem
from next_levels
left join {{ ref('relationship_ladder') }} as from_rung on next_levels.from_type = from_rung.relationship_type
left join {{ ref('relationship_ladder') }} as to_rung on next_levels.to_type = to_rung.relationship_type
where coalesce(to_rung.ladder_rank, -1) <= coalesce(from_rung.ladder_rank, -1)
