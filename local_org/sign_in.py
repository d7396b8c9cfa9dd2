"""Sign-in: the OAuth token endpoint (password, client credentials, JWT bearer) and SOAP login.

Both hand out a session id from the org's ``SessionRegistry``; every other
API call must carry one (``middleware.py`` checks it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from connectors.salesforce.api.ids import make_id
from local_org.jwt_bearer import JWT_BEARER_GRANT, JwtRejected
from local_org.responses import instance_url, oauth_error, soap_fault
from local_org.state import SESSION_SECONDS_VALID, OrgState, org_state

_INVALID_LOGIN = "Invalid username, password, security token; or user locked out."


def _token_response(request: Request, org: OrgState, consumer_secret: str) -> JSONResponse:
    creds = org.credentials
    identity = f"{instance_url(request)}/id/{creds.org_id}/{creds.user_id}"
    issued_at = str(int(time.time() * 1000))
    signature = hmac.new(
        consumer_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
    ).digest()
    return JSONResponse(
        {
            "access_token": org.sessions.issue(),
            "instance_url": instance_url(request),
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(signature).decode(),
        }
    )


def _oauth_error(error: str, description: str) -> JSONResponse:
    return oauth_error(error, description)


def _basic_auth(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        key, _, secret = base64.b64decode(encoded).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return key, secret


async def oauth_token(request: Request) -> Response:
    org = org_state(request)
    creds = org.credentials
    # Parsed by hand: Starlette's form parser needs python-multipart, and the
    # token endpoint only ever receives urlencoded bodies.
    raw_form = parse_qs((await request.body()).decode("utf-8", "replace"))
    form = {name: values[-1] for name, values in raw_form.items()}
    grant_type = form.get("grant_type")
    if grant_type == "password":
        if form.get("client_id") != creds.consumer_key:
            return _oauth_error("invalid_client_id", "client identifier invalid")
        if form.get("client_secret") != creds.consumer_secret:
            return _oauth_error("invalid_client", "invalid client credentials")
        password = form.get("password")
        if form.get("username") != creds.username or password not in (
            creds.password,
            creds.password + creds.security_token,
        ):
            return _oauth_error("invalid_grant", "authentication failure")
        return _token_response(request, org, creds.consumer_secret)
    if grant_type == "client_credentials":
        client = _basic_auth(request) or (form.get("client_id"), form.get("client_secret"))
        if client != (creds.consumer_key, creds.consumer_secret):
            return _oauth_error("invalid_client", "invalid client credentials")
        return _token_response(request, org, creds.consumer_secret)
    if grant_type == JWT_BEARER_GRANT:
        try:
            org.jwt_keys.verify(
                form.get("assertion", ""),
                username=creds.username,
                instance_url=instance_url(request),
            )
        except JwtRejected as rejected:
            return _oauth_error(rejected.error, rejected.description)
        return _token_response(request, org, creds.consumer_secret)
    return _oauth_error("unsupported_grant_type", "grant type not supported")


def _soap_fault(code: str, message: str) -> Response:
    return soap_fault(code, message)


def _soap_login_arguments(body: bytes) -> tuple[str, str] | None:
    """(username, password) of a partner ``login`` call, whatever the prefixes."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "login":
            values = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in element}
            if "username" in values and "password" in values:
                return values["username"], values["password"]
    return None


async def soap_login(request: Request) -> Response:
    org = org_state(request)
    creds = org.credentials
    version = request.path_params["version"]
    arguments = _soap_login_arguments(await request.body())
    if arguments is None:
        return _soap_fault("INVALID_LOGIN", _INVALID_LOGIN)
    username, password = arguments
    if username != creds.username or password not in (
        creds.password + creds.security_token,
        creds.password,
    ):
        return _soap_fault("INVALID_LOGIN", _INVALID_LOGIN)
    base = instance_url(request)
    user_info = {
        "accessibilityMode": "false",
        "currencySymbol": "$",
        "orgAttachmentFileSizeLimit": "5242880",
        "orgDefaultCurrencyIsoCode": "USD",
        "orgDisallowHtmlAttachments": "false",
        "orgHasPersonAccounts": "false",
        "organizationId": creds.org_id,
        "organizationMultiCurrency": "false",
        "organizationName": "Rapport Local Org",
        "profileId": make_id("00e", 1),
        "sessionSecondsValid": str(SESSION_SECONDS_VALID),
        "userEmail": creds.username,
        "userFullName": "Local Admin",
        "userId": creds.user_id,
        "userLanguage": "en_US",
        "userLocale": "en_US",
        "userName": creds.username,
        "userTimeZone": "Etc/UTC",
        "userType": "Standard",
        "userUiSkin": "Theme3",
    }
    result = {
        "metadataServerUrl": f"{base}/services/Soap/m/{version}/{creds.org_id}",
        "passwordExpired": "false",
        "sandbox": "false",
        "serverUrl": f"{base}/services/Soap/u/{version}/{creds.org_id}",
        "sessionId": org.sessions.issue(),
        "userId": creds.user_id,
    }
    xml_result = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in result.items())
    xml_info = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in user_info.items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body><loginResponse><result>{xml_result}"
        f"<userInfo>{xml_info}</userInfo></result></loginResponse></soapenv:Body>"
        "</soapenv:Envelope>"
    )
    return Response(body, media_type="text/xml; charset=utf-8")


def sign_in_routes() -> list[BaseRoute]:
    return [
        Route("/services/oauth2/token", oauth_token, methods=["POST"]),
        Route("/services/Soap/u/{version}", soap_login, methods=["POST"]),
    ]
