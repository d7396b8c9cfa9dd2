{#- Seniority parsed from free-text job titles, and roles played on deals.
    Titles are messy ("VP, Ops", "Chief Financial Officer", "Head of IT"), so
    the patterns (vars: seniority_title_patterns) look for the words that
    mark a level, most senior first. -#}

with contacts as (
    select * from {{ ref('stg_salesforce__contact') }}
),

roles as (
    select
        contact_roles.contact_id,
        count(*) as deal_roles,
        count(
            case when contact_roles.role in ({{ sql_values(var('decision_roles')) }}) then 1 end
        ) as decision_roles,
        count(
            case when contact_roles.role in ({{ sql_values(var('influence_roles')) }}) then 1 end
        ) as influence_roles
    {#- sqlfluff reads `roles` as a DuckDB keyword, so the alias spells it out. #}
    from {{ ref('stg_salesforce__opportunity_contact_role') }} as contact_roles
    group by contact_roles.contact_id
),

parsed as (
    select
        contacts.contact_id,
        contacts.account_id,
        contacts.contact_name,
        contacts.title,
        lower(coalesce(contacts.title, '')) as title_lower
    from contacts
)

select
    parsed.contact_id,
    parsed.account_id,
    parsed.contact_name,
    parsed.title,
    case
        {%- for level in var('seniority_title_patterns') %}
        when {% for pattern in level.patterns -%}
            {%- if not loop.first %}
            or {% endif -%}
            parsed.title_lower like {{ sql_string(pattern) }}
        {%- endfor %}
            then {{ sql_string(level.level) }}
        {%- endfor %}
        when parsed.title_lower = '' then 'unknown'
        else 'individual'
    end as seniority,
    coalesce(roles.deal_roles, 0) as deal_roles,
    coalesce(roles.decision_roles, 0) as decision_roles,
    coalesce(roles.influence_roles, 0) as influence_roles
from parsed
left join roles on parsed.contact_id = roles.contact_id
