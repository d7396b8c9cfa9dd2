{#- Why each account has its type and strength, one row per account and
    fact (see int_relationship_evidence): the rule that typed it with its
    signals, each strength dimension's weight and contribution, and the
    records that weighed most, by Id. -#}
select
    evidence_id,
    account_id,
    evidence_kind,
    evidence_name,
    detail,
    signal_value,
    weight,
    score,
    contribution,
    record_id,
    record_date,
    evidence_rank
from {{ ref('int_relationship_evidence') }}
