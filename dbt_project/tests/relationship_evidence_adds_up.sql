{#- The strength contributions of an account add up to its strength_score
    (each part is rounded to 0.01, the score to 0.1), and every account has
    exactly one type_rule row naming its own type. Returns the relationships that
    break either. -#}
with parts as (
    select
        account_id,
        sum(case when evidence_kind = 'strength' then contribution else 0 end) as contributions,
        count(case when evidence_kind = 'type_rule' then 1 end) as rule_rows,
        max(case when evidence_kind = 'type_rule' then evidence_name end) as rule_type
    from {{ ref('relationship_evidence') }}
    group by account_id
)

select
    relationships.account_id,
    relationships.strength_score,
    parts.contributions,
    parts.rule_rows,
    parts.rule_type,
    relationships.relationship_type
from {{ ref('account_relationship') }} as relationships
left join parts on relationships.account_id = parts.account_id
where parts.account_id is null
    or parts.rule_rows <> 1
    or parts.rule_type <> relationships.relationship_type
    or abs(parts.contributions - relationships.strength_score) > 0.15
