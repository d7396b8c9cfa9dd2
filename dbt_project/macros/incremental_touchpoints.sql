{#- High-water marks of an incremental touchpoints model (int_touchpoints,
    fct_touchpoints), from its own rows: per source_object, the newest source_modified_at the
    table holds, less var('late_arriving_seconds'), as text for a literal.
    Per object, not one for the whole table: extraction keeps a watermark
    per object, so an object extracted less recently may bring rows older
    than another object's newest stamp. An object without rows has no mark:
    every row of it is read. -#}
{% macro touchpoint_high_water_marks() -%}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set late = var('late_arriving_seconds') | int -%}
    {%- set query -%}
        select
            source_object,
            cast({{ dbt.dateadd('second', -late, 'max(source_modified_at)') }} as {{ dbt.type_string() }}) as mark
        from {{ this }}
        group by source_object
    {%- endset -%}
    {%- set marks = {} -%}
    {%- for row in run_query(query).rows -%}
        {%- if row[1] is not none -%}
            {%- do marks.update({row[0]: row[1]}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(marks) }}
{%- endmacro %}


{#- The rows of `object` (in column `object_column`) whose `stamp` is after
    its mark, or that have no stamp (nothing then says they did not change). -#}
{% macro changed_since(object_column, object, stamp, marks) -%}
    {{ object_column }} = {{ sql_string(object) }}
    {%- if object in marks %}
    and ({{ stamp_after(stamp, marks[object]) }} or {{ stamp }} is null)
    {%- endif %}
{%- endmacro %}


{#- `stamp` is after `mark` (text from touchpoint_high_water_marks); without
    a mark any stamp counts as new. -#}
{% macro stamp_after(stamp, mark) -%}
    {%- if mark is none -%}
        {{ stamp }} is not null
    {%- else -%}
        {{ stamp }} > cast({{ sql_string(mark) }} as {{ rapport_type('timestamp') }})
    {%- endif -%}
{%- endmacro %}


{#- The touchpoints (rows of int_touchpoints or its ephemeral source) whose
    record changed after `marks`: their own stamp, or for an email the stamp
    of its case or deal, which give it its account. -#}
{% macro touchpoints_changed(marks) -%}
    {%- for object in ['task', 'event', 'email_message', 'case', 'opportunity', 'order', 'survey_response'] %}
    {{ 'or ' if not loop.first }}({{ changed_since('source_object', object, 'source_modified_at', marks) }})
    {%- endfor %}
    or {{ stamp_after('case_modified_at', marks.get('case')) }}
    or {{ stamp_after('opportunity_modified_at', marks.get('opportunity')) }}
{%- endmacro %}
