{#- Purchase occasions per account, from a relation of purchases
    (account_id, opportunity_id, close_date).

    An occasion is a purchase and its add-ons: the purchases closed within
    purchase_merge_days of the occasion's first purchase. A purchase later
    than that opens the next occasion. The window is anchored at the
    occasion's first purchase, not chained from purchase to purchase: chained,
    a third order closed between two orders 15 days apart would merge them
    into one occasion, and one more purchase would make an account look as if
    it had bought less often (a steady customer typed a one-night stand).
    Anchored, adding a purchase never lowers the count.

    Greedy over the purchases in date order, so a recursive CTE; Spark (no
    recursive CTEs before 4.1) folds the sorted dates with aggregate(), and
    DuckDB with list_reduce(): its recursive CTE joins every step's purchases
    with all of them again, as many steps as an account has purchases (at
    3,000 accounts it was half of int_account_signals' time, EXPLAIN ANALYZE),
    where the fold reads each purchase once. -#}
{% macro purchase_occasions(purchases) -%}
    {{ return(adapter.dispatch('purchase_occasions', 'rapport')(purchases)) }}
{%- endmacro %}

{% macro default__purchase_occasions(purchases) -%}
    with recursive ordered as (
        select
            account_id,
            close_date,
            row_number() over (
                partition by account_id order by close_date, opportunity_id
            ) as purchase_number
        from {{ purchases }}
    ),

    walk (account_id, purchase_number, occasion_start, occasion_number) as (
        select
            account_id,
            purchase_number,
            close_date,
            1
        from ordered
        where purchase_number = 1
        union all
        select
            walk.account_id,
            ordered.purchase_number,
            case
                when {{ dbt.datediff('walk.occasion_start', 'ordered.close_date', 'day') }}
                    > {{ var('purchase_merge_days') }}
                    then ordered.close_date
                else walk.occasion_start
            end,
            walk.occasion_number + case
                when {{ dbt.datediff('walk.occasion_start', 'ordered.close_date', 'day') }}
                    > {{ var('purchase_merge_days') }}
                    then 1
                else 0
            end
        from walk
        inner join ordered
            on walk.account_id = ordered.account_id
                and ordered.purchase_number = walk.purchase_number + 1
    )

    select
        account_id,
        max(occasion_number) as purchase_occasions
    from walk
    group by account_id
{%- endmacro %}

{% macro spark__purchase_occasions(purchases) -%}
    select
        account_id,
        aggregate(
            array_sort(collect_list(close_date)),
            named_struct('occasion_start', cast(null as date), 'occasions', 0),
            (walk, close_date) -> case
                when walk.occasion_start is null
                    or datediff(close_date, walk.occasion_start) > {{ var('purchase_merge_days') }}
                    then named_struct('occasion_start', close_date, 'occasions', walk.occasions + 1)
                else walk
            end
        ).occasions as purchase_occasions
    from {{ purchases }}
    group by account_id
{%- endmacro %}

{#- list_reduce wants the accumulator of the elements' type: each purchase is
    a (occasion_start, occasions) pair, the fold carries the same pair. -#}
{% macro duckdb__purchase_occasions(purchases) -%}
    select
        account_id,
        list_reduce(
            list({'occasion_start': close_date, 'occasions': 0} order by close_date),
            (walk, purchase) -> case
                when walk.occasion_start is null
                    or date_diff('day', walk.occasion_start, purchase.occasion_start)
                    > {{ var('purchase_merge_days') }}
                    then {'occasion_start': purchase.occasion_start, 'occasions': walk.occasions + 1}
                else walk
            end,
            {'occasion_start': cast(null as date), 'occasions': 0}
        ).occasions as purchase_occasions
    from {{ purchases }}
    group by account_id
{%- endmacro %}
