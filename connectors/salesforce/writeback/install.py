"""Create Rapport's CRM fields that the org lacks, through the Tooling API.

The SFDX files under ``salesforce/`` are the way for an admin who deploys
with the Salesforce CLI; this is the one-command way (``rapport
install-fields``). Describe first, so fields that exist are reported and left
alone: running it twice creates nothing the second time.

A new field has no field-level security, so the installer then creates
Rapport's permission sets, grants them every field and assigns the
integration set to the user it runs as (``install_access``); write-back's
mapping check still says so if a field stays read-only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError

from connectors.salesforce.api.retry import error_details
from connectors.salesforce.writeback.crm_schema import ObjectFields, describe_object_fields
from connectors.salesforce.writeback.install_access import AccessReport, install_access
from connectors.salesforce.writeback.install_list_views import install_list_views
from connectors.salesforce.writeback.rapport_fields import FieldDefinition, rapport_fields
from rapport.config import Settings
from rapport.errors import RapportError


class FieldInstallError(RapportError, RuntimeError):
    """The org refused to create a field; the message names it."""


@dataclass
class InstallReport:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    access: AccessReport | None = None
    list_views: list[str] | None = None

    def __str__(self) -> str:
        created = ", ".join(self.created) or "none"
        lines = [f"created: {created}; already there: {len(self.existing)}"]
        if self.access is not None:
            lines.append(str(self.access))
        if self.list_views is not None:
            lines.append(f"list views created: {', '.join(self.list_views) or 'none'}")
        return "\n".join(lines)


def split_missing(
    sf: Salesforce,
    definitions: Iterable[FieldDefinition],
    described: Mapping[str, ObjectFields] | None = None,
) -> tuple[list[FieldDefinition], list[FieldDefinition]]:
    """(missing, existing) definitions, with one describe call per object not in ``described``."""
    missing: list[FieldDefinition] = []
    existing: list[FieldDefinition] = []
    described = dict(described or {})
    for definition in definitions:
        if definition.object_name not in described:
            described[definition.object_name] = describe_object_fields(sf, definition.object_name)
        target = existing if definition.name in described[definition.object_name] else missing
        target.append(definition)
    return missing, existing


def create_field(sf: Salesforce, definition: FieldDefinition) -> str | None:
    """POST one CustomField; returns its Id, or None when the field already exists.

    An earlier attempt whose answer was lost (a read timeout, retried) or an
    install running alongside may have created it since the describe: the org
    then answers DUPLICATE_DEVELOPER_NAME, which means the work is done.
    """
    try:
        result = sf.toolingexecute(
            "sobjects/CustomField", method="POST", data=definition.tooling_body()
        )
    except SalesforceError as error:
        if error_details(error)[0] == "DUPLICATE_DEVELOPER_NAME":
            return None
        raise FieldInstallError(f"Creating {definition.full_name} failed: {error}") from error
    if not isinstance(result, dict) or not result.get("success", False):
        raise FieldInstallError(f"Creating {definition.full_name} failed: {result}")
    return str(result.get("id"))


def install_fields(
    sf: Salesforce,
    definitions: Iterable[FieldDefinition] | None = None,
    *,
    grant_access: bool = True,
    list_views: bool = True,
    described: Mapping[str, ObjectFields] | None = None,
) -> InstallReport:
    """Create every missing Rapport field (or just ``definitions``); report the rest.

    With ``grant_access`` the permission sets then grant exactly these fields,
    the ones now known to exist. With ``list_views`` (and all the fields, since
    the views filter on them) Rapport's Account list views are created too.
    ``described`` holds objects the caller has just described (write-back
    has), so they are not described again.
    """
    every_field = definitions is None
    definitions = tuple(definitions or rapport_fields())
    missing, existing = split_missing(sf, definitions, described)
    report = InstallReport(existing=[d.full_name for d in existing])
    for definition in missing:
        created = create_field(sf, definition) is not None
        (report.created if created else report.existing).append(definition.full_name)
    if grant_access:
        report.access = install_access(sf, definitions)
    if list_views and every_field:
        report.list_views = install_list_views(sf)
    return report


def run_install_fields(settings: Settings | None = None) -> InstallReport:
    """``rapport install-fields``: sign in with the settings and install what is missing."""
    from connectors.salesforce.api.client import connect
    from rapport.config import load_settings

    settings = settings or load_settings()
    return install_fields(connect(settings.salesforce))
