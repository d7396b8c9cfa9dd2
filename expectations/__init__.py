"""Great Expectations quality gates between transform and write-back.

``suites.yml`` says what is checked and how severe a failure is; ``runner``
runs the raw and mart suites (``raw``, ``marts``) against the warehouse
(``rapport.warehouse``) through one GX context (``gx_session``), records every
result (``audit``) and summarises the run (``report``); ``payload`` checks what
write-back is about to send. ``gate.enforce`` turns error-severity failures
into ``GateFailed``.
"""
