"""Great Expectations quality gates between transform and write-back.

One home for each check. dbt tests own the invariants of the models (keys,
accepted values, ranges, contracts): they stop ``dbt build`` before the gate
runs, so a GX copy of them could never fail first. GX owns what dbt cannot
see: the raw tables as they land, comparisons across tables (a mart against
the raw rows) and across runs (row-count drops, type-distribution shift), and
the write-back payload against the org's describe.

``suites.yml`` says what is checked and how severe a failure is; ``runner``
runs the raw and mart suites (``raw``, ``marts``) against the warehouse
(``rapport.warehouse``) through one GX context (``gx_session``), records every
result (``audit``) and summarises the run (``report``); ``payload`` checks what
write-back is about to send. ``gate.enforce`` turns error-severity failures
into ``GateFailed``.
"""
