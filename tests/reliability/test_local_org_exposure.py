"""The local org listens on loopback only and serves no data without a valid token."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from tests.reliability.helpers import empty_store, running_org


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    with running_org(empty_store(), tmp_path_factory.mktemp("org")) as running:
        yield running


def other_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses (none on an isolated box)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
        except OSError:
            return []
    return [] if address.startswith("127.") else [address]


def test_it_binds_to_loopback_only(org):
    parts = urlsplit(org.info.instance_url)
    assert parts.hostname == "127.0.0.1"
    for address in other_addresses():
        with socket.socket() as client, pytest.raises(OSError):
            client.settimeout(2)
            client.connect((address, parts.port))


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic YWRtaW46YWRtaW4="}],
)
@pytest.mark.parametrize(
    "path", ["/services/data/v59.0/query?q=SELECT+Id+FROM+Account", "/services/data/v59.0/limits"]
)
def test_data_needs_a_valid_token(org, headers, path):
    answer = org.session().get(f"{org.info.instance_url}{path}", headers=headers, timeout=10)
    assert answer.status_code == 401
    assert answer.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_a_revoked_token_is_refused(org):
    headers = {"Authorization": f"Bearer {org.info.access_token}"}
    url = f"{org.info.instance_url}/services/data/v59.0/limits"
    assert org.session().get(url, headers=headers, timeout=10).status_code == 200
    org.expire_sessions()
    assert org.session().get(url, headers=headers, timeout=10).status_code == 401
