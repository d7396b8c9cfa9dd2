{#- One row per account with every behavioural signal the typology, the
    scores and the next step are computed from. Each signal is a plain column
    so that typology rules in vars can name it. Signals from an object the org
    lacks are null (not zero): "no data" must not read as "no activity".

    A table rebuilt in full on every build, not per changed account: nearly
    every signal is counted back from the as-of date (a new day moves them
    all), the scores read ranks across accounts (value_score), and an hourly
    change reaches most accounts anyway (a 1% change in the benchmark's org
    touches most of them, and write-back's echo restamps every Account and
    Contact it writes). What follows the change is the touchpoints it reads
    (int_touchpoints, incremental); the purchase occasions are one fold per
    account (macro purchase_occasions). -#}
{%- set as_of = as_of_date() -%}
{%- set year_ago = dbt.dateadd('day', -365, as_of) -%}
{%- set two_years_ago = dbt.dateadd('day', -730, as_of) -%}
{%- set quarter_ago = dbt.dateadd('day', -90, as_of) -%}
{%- set half_year_ago = dbt.dateadd('day', -180, as_of) -%}
{%- set contract_status = var('contract_statuses') -%}
{%- set has = {
    'opportunity': source_available('opportunity'), 'task': source_available('task'), 'event': source_available('event'),
    'email_message': source_available('email_message'), 'case': source_available('case'),
    'contract': source_available('contract'), 'order': source_available('order'),
    'survey': source_available('survey_response_c'), 'contact': source_available('contact'),
    'competitor': source_available('opportunity_competitor'),
    'contact_role': source_available('opportunity_contact_role'),
} -%}


with accounts as (
    {#- An account created after the as-of date did not exist yet. -#}
    select * from {{ ref('stg_salesforce__account') }}
    where cast(created_at as date) <= {{ as_of }}
),

{# Deals as they stood on the as-of date: a deal created later did not
    exist, and one closed later was still open (its stage then is unknown). #}
opportunities_as_of as (
    select
        opportunity_id,
        account_id,
        opportunity_name,
        opportunity_type,
        case when is_closed and close_date > {{ as_of }} then null else stage_name end as stage_name,
        amount,
        close_date,
        is_closed and close_date <= {{ as_of }} as is_closed,
        is_won and close_date <= {{ as_of }} as is_won,
        loss_reason
    from {{ ref('stg_salesforce__opportunity') }}
    where cast(created_at as date) <= {{ as_of }}
),

opportunities as (
    select
        opportunities.*,
        case
            when exists (
                    select competitors.opportunity_id
                    from {{ ref('stg_salesforce__opportunity_competitor') }} as competitors
                    where competitors.opportunity_id = opportunities.opportunity_id
                ) then 1
            else 0
        end as has_competitor,
        {#- A won deal worth nothing (a free pilot) is not a purchase. -#}
        
        opportunities.is_won and coalesce(opportunities.amount, 1) > 0 as is_purchase,
        coalesce(opportunities.stage_name in ({{ sql_values(var('late_stage_names')) }}), false) as is_late_stage,
        coalesce(
            {%- for pattern in var('contract_deal_name_patterns') %}
            {{ 'or ' if not loop.first }}lower(opportunities.opportunity_name) like {{ sql_string(pattern) }}
            {%- endfor %},
            false
        ) as is_contract_deal,
        coalesce(
            {%- for pattern in var('promotion_deal_name_patterns') %}
            {{ 'or ' if not loop.first }}lower(opportunities.opportunity_name) like {{ sql_string(pattern) }}
            {%- endfor %},
            false
        ) as is_promotion_deal
    from opportunities_as_of as opportunities
),

purchases as (
    select
        account_id,
        opportunity_id,
        close_date
    from opportunities
    where is_purchase
),

occasions as (
    {#- A purchase within purchase_merge_days of its occasion's first
        purchase is the same occasion (an add-on is not a second date); a
        reorder weeks later is a second one (macro purchase_occasions). -#}
    {{ purchase_occasions('purchases') }}
),

deals as (
    select
        account_id,
        count(case when is_purchase then 1 end) as won_deals,
        count(case when is_purchase and close_date > {{ year_ago }} then 1 end) as won_deals_last_365,
        count(case when is_purchase and close_date > {{ two_years_ago }} then 1 end) as won_deals_last_730,
        count(
            case
                when is_won and close_date > {{ two_years_ago }}
                    and opportunity_type = {{ sql_string(var('renewal_opportunity_type')) }}
                    then 1
            end
        ) as won_renewals_last_730,
        count(
            case when is_purchase and close_date > {{ two_years_ago }} and is_promotion_deal then 1 end
        ) as promotion_purchases_last_730,
        count(case when is_closed and not is_won then 1 end) as lost_deals,
        count(
            case
                when is_closed and not is_won and close_date > {{ year_ago }}
                    and (
                        loss_reason = {{ sql_string(var('competitor_loss_reason')) }}
                        or has_competitor = 1
                    )
                    then 1
            end
        ) as lost_to_competitor_last_365,
        count(case when not is_closed then 1 end) as open_deals,
        count(
            case when not is_closed and stage_name in ({{ sql_values(var('late_stage_names')) }}) then 1 end
        ) as open_late_stage_deals,
        count(
            case
                when not is_closed
                    and opportunity_type = {{ sql_string(var('renewal_opportunity_type')) }}
                    then 1
            end
        ) as open_renewal_deals,
        {#- Late-stage deals whose name says a contract is what is being sold
            (vars: contract_deal_name_patterns), and those with a competitor. -#}
        
        count(
            case
                when not is_closed and is_late_stage and is_contract_deal then 1
            end
        ) as open_contract_deals,
        count(
            case
                when not is_closed and is_late_stage and is_contract_deal
                    and opportunity_type = {{ sql_string(var('renewal_opportunity_type')) }}
                    then 1
            end
        ) as open_contract_renewal_deals,
        count(
            case
                when not is_closed and is_late_stage and has_competitor = 1 then 1
            end
        ) as open_late_stage_competitor_deals,
        count(case when coalesce(close_date, {{ as_of }}) > {{ two_years_ago }} then 1 end) as deals_last_730,
        count(
            case
                when coalesce(close_date, {{ as_of }}) > {{ two_years_ago }} and has_competitor = 1
                    then 1
            end
        ) as competitor_deals_last_730,
        min(case when is_purchase then close_date end) as first_won_date,
        max(case when is_purchase then close_date end) as last_won_date,
        sum(
            case when is_won and close_date > {{ year_ago }} then coalesce(amount, 0) else 0 end
        ) as won_amount_last_365,
        sum(case when is_won then coalesce(amount, 0) else 0 end) as won_amount_total
    from opportunities
    group by account_id
),

{# Contracts as they stood on the as-of date: one created later did not
    exist; a signed contract whose record changed after the as-of date (it
    expired or was terminated since) takes its status from its dates. #}
contracts_as_of as (
    select
        account_id,
        start_date,
        end_date,
        case
            when cast(modified_at as date) <= {{ as_of }}
                or status not in ({{ sql_values(contract_status.active + contract_status.ended) }})
                then status
            when start_date > {{ as_of }} then {{ sql_string(contract_status.pending[0]) }}
            when end_date < {{ as_of }} then {{ sql_string(contract_status.ended[0]) }}
            else {{ sql_string(contract_status.active[0]) }}
        end as status
    from {{ ref('stg_salesforce__contract') }}
    where cast(created_at as date) <= {{ as_of }}
),

contracts as (
    select
        account_id,
        count(
            case
                when status in ({{ sql_values(contract_status.active) }})
                    and coalesce(start_date, {{ as_of }}) <= {{ as_of }}
                    and (end_date is null or end_date >= {{ as_of }})
                    then 1
            end
        ) as active_contracts,
        count(case when status in ({{ sql_values(contract_status.pending) }}) then 1 end) as pending_contracts,
        count(
            case
                when status in ({{ sql_values(contract_status.ended) }})
                    or (status in ({{ sql_values(contract_status.active) }}) and end_date < {{ as_of }})
                    then 1
            end
        ) as ended_contracts,
        max(
            case
                when status in ({{ sql_values(contract_status.active) }})
                    and (end_date is null or end_date >= {{ as_of }})
                    then end_date
            end
        ) as contract_end_date
    from contracts_as_of
    group by account_id
),

touches as (
    select
        account_id,
        count(case when cast(occurred_at as date) > {{ year_ago }} then 1 end) as touches_last_365,
        count(case when cast(occurred_at as date) > {{ quarter_ago }} then 1 end) as touches_last_90,
        count(
            case
                when cast(occurred_at as date) > {{ half_year_ago }}
                    and cast(occurred_at as date) <= {{ quarter_ago }}
                    then 1
            end
        ) as touches_prev_90,
        count(
            case when cast(occurred_at as date) > {{ year_ago }} and direction = 'inbound' then 1 end
        ) as inbound_last_365,
        count(
            case when cast(occurred_at as date) > {{ year_ago }} and direction = 'outbound' then 1 end
        ) as outbound_last_365,
        count(
            case when cast(occurred_at as date) > {{ year_ago }} and direction = 'mutual' then 1 end
        ) as mutual_last_365,
        count(case when cast(occurred_at as date) > {{ year_ago }} and is_meeting then 1 end) as meetings_last_365,
        count(distinct case when cast(occurred_at as date) > {{ year_ago }} then area end) as areas_touched_last_365,
        max(cast(occurred_at as date)) as last_touch_date,
        {#- The customer reaching out to us: a support case (help with what
            they bought) and a survey answer (we asked) are not. -#}
        max(
            case
                when direction in ('inbound', 'mutual') and source_object not in ('case', 'survey_response')
                    then cast(occurred_at as date)
            end
        ) as last_inbound_date
    from {{ ref('int_touchpoints') }}
    where cast(occurred_at as date) <= {{ as_of }}
        and source_object not in ('opportunity', 'order')
    group by account_id
),

experience_by_area as (
    select
        account_id,
        area,
        100.0 * count(case when sentiment = 'positive' then 1 end)
        / count(case when sentiment in ('positive', 'negative') then 1 end) as area_experience
    from {{ ref('int_touchpoints') }}
    where cast(occurred_at as date) <= {{ as_of }}
        and cast(occurred_at as date) > {{ two_years_ago }}
        and sentiment in ('positive', 'negative')
    group by account_id, area
),

experience as (
    select
        account_id,
        avg(area_experience) as experience_raw,
        count(*) as experience_areas
    from experience_by_area
    group by account_id
),

moments as (
    select
        account_id,
        sum(case when moment_type = 'delight' then decayed_weight else 0 end) as delight_weight,
        sum(case when moment_type = 'miss' then decayed_weight else 0 end) as miss_weight,
        sum(case when moment_type = 'enrage' then decayed_weight else 0 end) as enrage_weight,
        count(case when moment_type = 'enrage' and age_days <= 180 then 1 end) as enrage_last_180
    from {{ ref('int_relationship_moments') }}
    group by account_id
),

surveys as (
    select
        account_id,
        avg(score) as nps_avg_last_365,
        count(*) as surveys_last_365
    from {{ ref('stg_salesforce__survey_response') }}
    where cast(responded_at as date) > {{ year_ago }} and cast(responded_at as date) <= {{ as_of }}
        and {{ survey_score_on_scale('score') }}
    group by account_id
),

service as (
    select
        account_id,
        count(case when is_escalated and cast(created_at as date) > {{ year_ago }} then 1 end) as escalations_last_365,
        count(case when not is_closed or cast(closed_at as date) > {{ as_of }} then 1 end) as open_cases,
        {#- A problem left unsolved: a case still open stale_case_days after it came in. -#}
        count(
            case
                when (not is_closed or cast(closed_at as date) > {{ as_of }})
                    and cast(created_at as date) <= {{ dbt.dateadd('day', -var('stale_case_days'), as_of) }}
                    then 1
            end
        ) as stale_open_cases
    from {{ ref('stg_salesforce__case') }}
    where cast(created_at as date) <= {{ as_of }}
    group by account_id
),

deliveries as (
    select
        account_id,
        count(case when effective_date > {{ year_ago }} then 1 end) as orders_last_365,
        count(
            case
                when effective_date > {{ year_ago }}
                    and (
                        (delivered_date <= {{ as_of }} and delivered_date > promised_delivery_date)
                        or (
                            (delivered_date is null or delivered_date > {{ as_of }})
                            and promised_delivery_date < {{ as_of }}
                        )
                    )
                    then 1
            end
        ) as late_deliveries_last_365
    from {{ ref('stg_salesforce__order') }}
    where effective_date <= {{ as_of }}
    group by account_id
),

breaches as (
    {#- Expectations broken (int_expectation_breaches), for the next step. -#}
    select
        account_id,
        count(
            case when expectation = 'be_heard' and violated_on > {{ quarter_ago }} then 1 end
        ) as unanswered_emails_last_90,
        count(case when expectation = 'contract_moves' then 1 end) as stalled_contracts,
        count(
            case when expectation = 'priority_service' and violated_on > {{ half_year_ago }} then 1 end
        ) as slow_urgent_cases_last_180
    from {{ ref('int_expectation_breaches') }}
    group by account_id
),

people as (
    select
        account_id,
        count(*) as contacts_total,
        count(case when touches_last_365 > 0 then 1 end) as contacts_engaged,
        count(case when touches_last_365 > 0 and seniority = 'executive' then 1 end) as executives_engaged,
        count(case when buying_influence = 'high' then 1 end) as high_influence_contacts,
        count(case when deal_roles > 0 then 1 end) as contacts_on_deals
    from {{ ref('int_contact_relationship') }}
    group by account_id
)

select
    accounts.account_id,
    accounts.account_name,
    accounts.estimated_annual_wallet,
    coalesce(deals.won_deals, 0) as won_deals,
    coalesce(occasions.purchase_occasions, 0) as purchase_occasions,
    coalesce(deals.won_deals_last_365, 0) as won_deals_last_365,
    coalesce(deals.won_deals_last_730, 0) as won_deals_last_730,
    coalesce(deals.won_renewals_last_730, 0) as won_renewals_last_730,
    {#- Share of the purchases of the last two years made on a promotion
        (vars promotion_deal_name_patterns): a customer who needs deals to
        come back. Null without a purchase in two years. -#}
    case
        when deals.won_deals_last_730 > 0
            then 1.0 * deals.promotion_purchases_last_730 / deals.won_deals_last_730
    end as promotion_purchase_share,
    coalesce(deals.lost_deals, 0) as lost_deals,
    {{ when_available(has.competitor, 'coalesce(deals.lost_to_competitor_last_365, 0)') }}
        as lost_to_competitor_last_365,
    coalesce(deals.open_deals, 0) as open_deals,
    coalesce(deals.open_late_stage_deals, 0) as open_late_stage_deals,
    coalesce(deals.open_renewal_deals, 0) as open_renewal_deals,
    coalesce(deals.open_contract_deals, 0) as open_contract_deals,
    coalesce(deals.open_contract_renewal_deals, 0) as open_contract_renewal_deals,
    {{ when_available(has.competitor, 'coalesce(deals.open_late_stage_competitor_deals, 0)') }}
        as open_late_stage_competitor_deals,
    coalesce(deals.deals_last_730, 0) as deals_last_730,
    {{ when_available(has.competitor, 'coalesce(deals.competitor_deals_last_730, 0)') }} as competitor_deals_last_730,
    {{ when_available(
        has.competitor,
        'case when deals.deals_last_730 > 0'
        ~ ' then 1.0 * deals.competitor_deals_last_730 / deals.deals_last_730 end',
        'float',
    ) }} as competitor_deal_share,
    deals.first_won_date,
    deals.last_won_date,
    coalesce(deals.won_amount_last_365, 0) as won_amount_last_365,
    coalesce(deals.won_amount_total, 0) as won_amount_total,
    case
        {# A share, 0-1: refunds (negative amounts) can bring the won
            revenue below zero, which is no share of the wallet at all. #}
        when accounts.estimated_annual_wallet > 0
            then greatest(
                    0.0, least(1.0, coalesce(deals.won_amount_last_365, 0) / accounts.estimated_annual_wallet)
                )
    end as share_of_wallet,
    {{ when_available(has.contract, 'coalesce(contracts.active_contracts, 0)') }} as active_contracts,
    {{ when_available(has.contract, 'coalesce(contracts.pending_contracts, 0)') }} as pending_contracts,
    {{ when_available(has.contract, 'coalesce(contracts.ended_contracts, 0)') }} as ended_contracts,
    contracts.contract_end_date,
    {{ dbt.datediff(as_of, 'contracts.contract_end_date', 'day') }}
        as days_to_contract_end,
    coalesce(touches.touches_last_365, 0) as touches_last_365,
    coalesce(touches.touches_last_90, 0) as touches_last_90,
    coalesce(touches.touches_prev_90, 0) as touches_prev_90,
    coalesce(touches.inbound_last_365, 0) as inbound_last_365,
    coalesce(touches.outbound_last_365, 0) as outbound_last_365,
    coalesce(touches.mutual_last_365, 0) as mutual_last_365,
    coalesce(touches.meetings_last_365, 0) as meetings_last_365,
    coalesce(touches.areas_touched_last_365, 0) as areas_touched_last_365,
    touches.last_touch_date,
    experience.experience_raw,
    coalesce(moments.delight_weight, 0) as delight_weight,
    coalesce(moments.miss_weight, 0) as miss_weight,
    coalesce(moments.enrage_weight, 0) as enrage_weight,
    coalesce(moments.enrage_last_180, 0) as enrage_last_180,
    surveys.nps_avg_last_365,
    coalesce(surveys.surveys_last_365, 0) as surveys_last_365,
    {{ when_available(has.case, 'coalesce(service.escalations_last_365, 0)') }} as escalations_last_365,
    {{ when_available(has.case, 'coalesce(service.open_cases, 0)') }} as open_cases,
    {{ when_available(has.case, 'coalesce(service.stale_open_cases, 0)') }} as stale_open_cases,
    {{ when_available(has.order, 'coalesce(deliveries.orders_last_365, 0)') }} as orders_last_365,
    {{ when_available(has.order, 'coalesce(deliveries.late_deliveries_last_365, 0)') }} as late_deliveries_last_365,
    coalesce(people.contacts_total, 0) as contacts_total,
    coalesce(people.contacts_engaged, 0) as contacts_engaged,
    coalesce(people.executives_engaged, 0) as executives_engaged,
    coalesce(people.high_influence_contacts, 0) as high_influence_contacts,
    coalesce(people.contacts_on_deals, 0) as contacts_on_deals,
    coalesce(breaches.unanswered_emails_last_90, 0) as unanswered_emails_last_90,
    coalesce(breaches.stalled_contracts, 0) as stalled_contracts,
    coalesce(breaches.slow_urgent_cases_last_180, 0) as slow_urgent_cases_last_180,
    {{ dbt.datediff('touches.last_touch_date', as_of, 'day') }}
        as days_since_last_touch,
    {{ dbt.datediff('touches.last_inbound_date', as_of, 'day') }}
        as days_since_last_inbound,
    {{ dbt.datediff('deals.last_won_date', as_of, 'day') }}
        as days_since_last_won,
    {{ dbt.datediff('coalesce(deals.first_won_date, cast(accounts.created_at as date))', as_of, 'day') }}
        as tenure_days,
    {#- How much of the evidence the org could give: the share of optional
        objects present, by how much each informs the typology. -#}
    {%- set evidence = var('evidence_weights') %}
    cast(
        (
            {% for name, weight in evidence.items() -%}
            {%- if not loop.first %}
            + {% endif -%}
            {{ weight if has[name] else 0 }}
            {%- endfor %}
        ) / {{ (evidence.values() | sum) | float }} as {{ rapport_type('float') }}
    ) as evidence_completeness,
    {{ as_of }} as as_of_date
from accounts
left join deals on accounts.account_id = deals.account_id
left join occasions on accounts.account_id = occasions.account_id
left join contracts on accounts.account_id = contracts.account_id
left join touches on accounts.account_id = touches.account_id
left join experience on accounts.account_id = experience.account_id
left join moments on accounts.account_id = moments.account_id
left join surveys on accounts.account_id = surveys.account_id
-- service and deliveries are read only through when_available(), which
-- renders null when the org lacks cases or orders (as the empty lint
-- warehouse does), so ST11 cannot see the use.
left join service on accounts.account_id = service.account_id -- noqa: ST11
left join deliveries on accounts.account_id = deliveries.account_id -- noqa: ST11
left join breaches on accounts.account_id = breaches.account_id
left join people on accounts.account_id = people.account_id
