"""Point simple-salesforce at the local org without changing its sign-in code.

simple-salesforce hard-codes ``https://{domain}.salesforce.com`` for sign-in.
Rather than a test-only code path, a ``requests`` transport adapter rewrites
requests for ``*.salesforce.com`` to the local org, so the real sign-in code
(SOAP login, OAuth token requests) is what runs. After sign-in the org
answers with its own ``https://127.0.0.1:PORT`` URLs, which go there directly.

The adapter also pins certificate verification and bypasses proxies for the
local org itself: ``requests`` lets REQUESTS_CA_BUNDLE override a session's
``verify`` and proxy variables apply to 127.0.0.1, and either would break the
connection on machines that set them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

SALESFORCE_DOMAIN = "salesforce.com"


def is_salesforce_host(host: str | None) -> bool:
    host = (host or "").lower().rstrip(".")
    return host == SALESFORCE_DOMAIN or host.endswith("." + SALESFORCE_DOMAIN)


class LocalOrgAdapter(HTTPAdapter):
    """Sends Salesforce-bound requests to the local org at ``instance_url``."""

    def __init__(self, instance_url: str, ca_cert: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        target = urlsplit(instance_url)
        if not target.scheme or not target.netloc:
            raise ValueError(
                f"instance_url must be like https://127.0.0.1:8443, got {instance_url!r}"
            )
        self._scheme = target.scheme
        self._netloc = target.netloc
        self._ca_cert = ca_cert

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        url = urlsplit(request.url or "")
        if is_salesforce_host(url.hostname):
            request.url = urlunsplit(
                (self._scheme, self._netloc, url.path, url.query, url.fragment)
            )
            url = urlsplit(request.url)
        if url.netloc == self._netloc:
            verify = self._ca_cert
            proxies = {}
        return super().send(
            request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
        )


def local_org_session(
    instance_url: str, ca_cert: str, session: requests.Session | None = None
) -> requests.Session:
    """A session for ``Salesforce(..., session=...)`` that reaches the local org."""
    session = session or requests.Session()
    adapter = LocalOrgAdapter(instance_url, ca_cert)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.verify = ca_cert
    return session
