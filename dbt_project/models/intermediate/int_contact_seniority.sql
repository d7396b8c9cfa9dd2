{#- Seniority parsed from free-text job titles, and roles played on deals.
    Titles are messy ("VP, Ops", "Chief Financial Officer", "Head of IT"), so
    the patterns look for the words that mark a level, most senior first. -#}

with contacts as (
    select * from {{ ref('stg_salesforce__contact') }}
),

roles as (
    select
        roles.contact_id,
        count(*) as deal_roles,
        count(case when roles.role in ('Decision Maker', 'Economic Buyer', 'Economic Decision Maker', 'Executive Sponsor') then 1 end) as decision_roles,
        count(case when roles.role in ('Influencer', 'Technical Buyer', 'Evaluator') then 1 end) as influence_roles
    from {{ ref('stg_salesforce__opportunity_contact_role') }} as roles
    group by roles.contact_id
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
        when parsed.title_lower like '%chief%' or parsed.title_lower like '%president%'
            or parsed.title_lower like '%owner%' or parsed.title_lower like '%founder%'
            or parsed.title_lower in ('ceo', 'cfo', 'cto', 'coo', 'cio', 'cmo', 'cro')
            or parsed.title_lower like 'vp%' or parsed.title_lower like '% vp%'
            then 'executive'
        when parsed.title_lower like '%director%' or parsed.title_lower like '%head of%' then 'senior'
        when parsed.title_lower like '%manager%' or parsed.title_lower like '%lead%' then 'manager'
        when parsed.title_lower = '' then 'unknown'
        else 'individual'
    end as seniority,
    coalesce(roles.deal_roles, 0) as deal_roles,
    coalesce(roles.decision_roles, 0) as decision_roles,
    coalesce(roles.influence_roles, 0) as influence_roles
from parsed
left join roles on roles.contact_id = parsed.contact_id
