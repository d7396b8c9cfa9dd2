"""The build fingerprint on PostgreSQL: the same rows hash the same, a changed row does not.

The row hash is dialect SQL (md5 of the row's text there, DuckDB's hash() on
the default warehouse), so it is checked on the server too.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from rapport.build_fingerprint import fingerprint, record_build, unit_tests_due
from tests.expectations.test_gates_postgres import postgres_settings  # noqa: F401 - fixture

pytestmark = pytest.mark.postgres


def test_postgres_rows_are_fingerprinted_and_write_back_echo_left_out(postgres_settings):  # noqa: F811
    settings, engine, (raw, _) = postgres_settings
    first = fingerprint(settings)
    assert first.digest is not None
    assert first.parts["raw"]["account"][0] == 10
    assert fingerprint(settings).digest == first.digest, "the same rows, the same digest"

    with engine.begin() as pg:
        pg.execute(
            text(f'update "{raw}".account set system_modstamp = now(), last_modified_date = now()')
        )
    assert fingerprint(settings).digest == first.digest, "write-back's stamps are left out"

    with engine.begin() as pg:
        pg.execute(
            text(
                f'update "{raw}".account set industry = \'Shipbuilding\' where id = (select min(id) from "{raw}".account)'
            )
        )
    changed = fingerprint(settings)
    assert changed.digest != first.digest
    assert changed.parts["raw"]["account"][0] == 10

    assert unit_tests_due(settings, changed)
    record_build(settings, changed, "build-1")
    assert not unit_tests_due(settings, changed)
