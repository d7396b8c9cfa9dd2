"""The local org states its time on every answer, as Salesforce does (HTTP ``Date``).

Incremental extraction takes the org's time from that header to know how far
a complete read covered the org (connectors/salesforce/api/server_clock.py),
so the local org must send it on every kind of answer, errors included, and
by the same clock that stamps SystemModstamp.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from connectors.salesforce.api.server_clock import ServerClock, parse_http_date
from tests.factories import account_id
from tests.factories.local_org import raw

API = "/services/data/v62.0"
CALLS = [
    ("GET", f"{API}/query?q=SELECT+Id+FROM+Account+LIMIT+3", 200),
    ("GET", f"{API}/queryAll?q=SELECT+COUNT()+FROM+Account", 200),
    ("GET", f"{API}/sobjects/Account/describe", 200),
    ("GET", f"{API}/limits", 200),
    ("GET", f"{API}/query?q=SELECT+Nope+FROM+Account", 400),
    ("GET", f"{API}/sobjects/NoSuchObject__c/describe", 404),
    ("GET", f"{API}/jobs/query/750000000000000AAA", 404),
    ("GET", "/services/oauth2/userinfo", None),  # whatever the status: still dated
]


@pytest.mark.parametrize(("method", "path", "status"), CALLS)
def test_every_answer_states_the_org_time(read_org, method, path, status):
    before = datetime.now(UTC).replace(microsecond=0)
    response = raw(read_org, method, path)
    after = datetime.now(UTC)

    if status is not None:
        assert response.status_code == status, response.text
    stated = parse_http_date(response.headers.get("Date"))
    assert stated is not None, f"{path}: no Date header"
    # Truncated to the second and refreshed about once a second by the server.
    assert before - timedelta(seconds=2) <= stated <= after


def test_an_unauthenticated_answer_is_dated_too(read_org):
    response = raw(read_org, "GET", f"{API}/limits", token="not-a-session")
    assert response.status_code == 401
    assert parse_http_date(response.headers.get("Date")) is not None


def test_records_are_stamped_by_the_clock_the_answers_state(write_org):
    """A record changed after an answer was received carries a later SystemModstamp."""
    clock = ServerClock()
    clock.observe_response(raw(write_org, "GET", f"{API}/limits"))
    time.sleep(0.01)
    write_org.store.update("Account", account_id(1), {"Name": "Stamped now"})

    stamped = write_org.store.query(
        f"SELECT SystemModstamp FROM Account WHERE Id = '{account_id(1)}'"
    ).records()[0]["SystemModstamp"]

    assert clock.now() is not None
    assert clock.now() <= stamped < clock.now() + timedelta(seconds=5)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Mon, 30 Nov 2026 11:02:03 GMT", datetime(2026, 11, 30, 11, 2, 3, tzinfo=UTC)),
        ("Mon, 30 Nov 2026 12:02:03 +0100", datetime(2026, 11, 30, 11, 2, 3, tzinfo=UTC)),
        ("Mon, 30 Nov 2026 11:02:03 -0000", datetime(2026, 11, 30, 11, 2, 3, tzinfo=UTC)),
        ("", None),
        (None, None),
        ("yesterday, roughly", None),
    ],
)
def test_http_dates_are_read_in_utc_and_bad_ones_ignored(header, expected):
    assert parse_http_date(header) == expected


def test_the_clock_keeps_the_latest_time_stated():
    class Answer:
        def __init__(self, date: str | None) -> None:
            self.headers = {} if date is None else {"Date": date}

    clock = ServerClock()
    assert clock.now() is None
    clock.observe_response(Answer("Mon, 30 Nov 2026 11:02:05 GMT"))
    clock.observe_response(Answer("Mon, 30 Nov 2026 11:02:03 GMT"))  # a slower answer
    clock.observe_response(Answer(None))
    clock.observe_response(Answer("garbage"))
    assert clock.now() == datetime(2026, 11, 30, 11, 2, 5, tzinfo=UTC)
