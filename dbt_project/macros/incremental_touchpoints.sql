{#- The config of an incremental touchpoints model (int_touchpoints,
    fct_touchpoints): delete+insert on touchpoint_id, then `prune` (a
    statement, rendered when the hook runs) removes the rows whose
    touchpoint is gone. On Parquet tables (Spark), with no row-level delete or
    merge, each run overwrites the table in full instead, which is what
    delete+insert plus the prune leave behind elsewhere. -#}
{% macro touchpoints_incremental_config(prune) -%}
    {%- set rewrites_in_full = parquet_tables() -%}
    {{ config(
        materialized='incremental',
        unique_key='touchpoint_id',
        incremental_strategy='insert_overwrite' if rewrites_in_full else 'delete+insert',
        on_schema_change='append_new_columns',
        post_hook=[] if rewrites_in_full else [prune],
    ) }}
{%- endmacro %}


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
