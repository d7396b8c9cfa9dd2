{#- The value is one of the type codes configured in vars('relationship_types'). -#}
{% test known_relationship_type(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} not in (
    {%- for rule in var('relationship_types') %}'{{ rule.code }}'{{ ', ' if not loop.last }}{% endfor -%}
)
{% endtest %}
