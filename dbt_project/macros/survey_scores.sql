{#- True when a survey score lies on the survey's scale (vars
    survey_score_bands.scale_min/scale_max, 0-10 as in NPS). A score off the
    scale (a 42, a -5: a typo, or another survey's scale) cannot be read as
    a promoter or a detractor, so it is no evidence: it makes no moment, no
    sentiment and no part of the survey average. Without this a 99 weighed
    like ten promoters and drove satisfaction above 100. -#}
{% macro survey_score_on_scale(column) -%}
    {%- set bands = var('survey_score_bands') -%}
    {{ column }} between {{ bands.get('scale_min', 0) }} and {{ bands.get('scale_max', 10) }}
{%- endmacro %}
