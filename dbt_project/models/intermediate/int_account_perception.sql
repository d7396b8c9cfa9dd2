{#- What people believe the relationship is, beside what Rapport computes.

    Two views: the account team's (Relationship_Perceived_Type__c, set by
    hand on the Account) and the customer's (the stated relationship of a
    survey response, mapped to a type by the stated_relationships seed; a
    survey score is never read as a type). The rep's view wins over the
    survey's: the rep owns the account and chose to say so; among surveys the
    newest answer on or before as_of_date wins, and answers older than
    perception_survey_max_age_days no longer count.

    The gap compares ladder ranks (the relationship_ladder seed): perceived
    above computed is overestimated, below is underestimated, the same rung
    is none. Without a perceived type the gap is null, not none: nobody said
    anything, so nothing agrees or disagrees (an agreement rate over
    perception_gap = 'none' then counts only accounts someone judged). -#}
{%- set as_of = as_of_date() -%}
{%- set oldest_survey = dbt.dateadd('day', -var('perception_survey_max_age_days'), as_of) -%}

with computed as (
    select
        account_id,
        relationship_type
    from {{ ref('int_account_scores') }}
),

rep_views as (
    select
        account_id,
        {{ relationship_type_code('perceived_type_value') }} as perceived_type
    from {{ ref('stg_salesforce__account') }}
),

survey_answers as (
    select
        responses.account_id,
        answers.relationship_type as perceived_type,
        row_number() over (
            partition by responses.account_id
            order by coalesce(responses.responded_at, responses.created_at) desc, responses.survey_response_id desc
        ) as newest_first
    from {{ ref('stg_salesforce__survey_response') }} as responses
    inner join {{ ref('stated_relationships') }} as answers
        on lower(trim(responses.stated_relationship)) = lower(trim(answers.stated_relationship))
    where
        cast(coalesce(responses.responded_at, responses.created_at) as date) <= {{ as_of }}
        and cast(coalesce(responses.responded_at, responses.created_at) as date) > {{ oldest_survey }}
),

views as (
    select
        computed.account_id,
        computed.relationship_type,
        coalesce(rep_views.perceived_type, survey_answers.perceived_type) as perceived_type,
        case
            when rep_views.perceived_type is not null then 'rep'
            when survey_answers.perceived_type is not null then 'survey'
            else 'none'
        end as perception_source
    from computed
    left join rep_views on computed.account_id = rep_views.account_id
    left join survey_answers
        on computed.account_id = survey_answers.account_id and survey_answers.newest_first = 1
)

select
    views.account_id,
    views.relationship_type,
    views.perceived_type,
    views.perception_source,
    perceived_rung.ladder_rank as perceived_rank,
    computed_rung.ladder_rank as computed_rank,
    case
        when perceived_rung.ladder_rank is null or computed_rung.ladder_rank is null then null
        when perceived_rung.ladder_rank > computed_rung.ladder_rank then 'overestimated'
        when perceived_rung.ladder_rank < computed_rung.ladder_rank then 'underestimated'
        else 'none'
    end as perception_gap
from views
left join {{ ref('relationship_ladder') }} as perceived_rung on views.perceived_type = perceived_rung.relationship_type
left join {{ ref('relationship_ladder') }} as computed_rung on views.relationship_type = computed_rung.relationship_type
