"""Errors map to exit codes by type: every project error class, and the library errors users meet."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from rapport.errors import (
    CONFIG_ERROR,
    GATE_FAILED,
    RUN_LOCKED,
    SIGN_IN_FAILED,
    UNEXPECTED,
    ConfigurationError,
    GateFailure,
    RapportError,
    RunLockedError,
    SignInError,
    explain,
)

PACKAGES = ("rapport", "connectors", "expectations", "local_org", "flows")
CATEGORIES = {RapportError, ConfigurationError, GateFailure, SignInError, RunLockedError}

# Each project error and the exit code a scheduler should see for it. A new
# error class must be added here: the test below fails until it is.
INTENDED = {
    "rapport.warehouse.backends.MissingDriver": CONFIG_ERROR,
    "rapport.warehouse.remote.UnsupportedStage": CONFIG_ERROR,
    "connectors.salesforce.api.client.SalesforceConfigError": CONFIG_ERROR,
    "connectors.salesforce.api.client.SalesforceSignInError": SIGN_IN_FAILED,
    "connectors.salesforce.api.client.SalesforceApiError": UNEXPECTED,
    "connectors.salesforce.api.secrets.SecretBlockError": CONFIG_ERROR,
    "connectors.salesforce.api.ids.InvalidSalesforceId": UNEXPECTED,
    "connectors.salesforce.api.budget.ApiBudgetReached": UNEXPECTED,
    "connectors.salesforce.extract.fields.UnknownFieldError": CONFIG_ERROR,
    "connectors.salesforce.extract.source.ObjectDeferred": UNEXPECTED,
    "connectors.salesforce.extract.bulk.BulkJobFailed": UNEXPECTED,
    "connectors.salesforce.extract.bulk.BulkJobGone": UNEXPECTED,
    "connectors.salesforce.writeback.mapping.MappingError": CONFIG_ERROR,
    "connectors.salesforce.writeback.mapping.NotAllowedError": CONFIG_ERROR,
    "connectors.salesforce.writeback.values.InvalidValue": UNEXPECTED,
    "connectors.salesforce.writeback.install.FieldInstallError": UNEXPECTED,
    "connectors.salesforce.writeback.bulk_ingest.BulkJobError": UNEXPECTED,
    "connectors.salesforce.writeback.crm_bulk_read.BulkReadError": UNEXPECTED,
    "connectors.salesforce.writeback.send.WritebackAborted": UNEXPECTED,
    "expectations.suites.SuiteConfigError": CONFIG_ERROR,
    "expectations.gate.GateFailed": GATE_FAILED,
    "local_org.csv_checks.CsvSeedError": CONFIG_ERROR,
    "local_org.bulk_csv.CsvFormatError": UNEXPECTED,
    "local_org.soql.SoqlError": UNEXPECTED,
    "local_org.jwt_bearer.JwtRejected": UNEXPECTED,
    "local_org.values.RecordError": UNEXPECTED,
    "local_org.tooling.CustomFieldError": UNEXPECTED,
    "rapport.report_data.ReportError": CONFIG_ERROR,
    "rapport.backtest.run.BacktestInputError": CONFIG_ERROR,
    "rapport.backtest.replay.ReplayError": UNEXPECTED,
}


def _import_all() -> None:
    for name in PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            importlib.import_module(module.name)


def project_errors() -> dict[str, type[RapportError]]:
    """Every subclass of RapportError defined in the project, by qualified name."""
    _import_all()
    found: dict[str, type[RapportError]] = {}
    pending = [RapportError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls not in CATEGORIES and cls.__module__.split(".")[0] in PACKAGES:
            found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def bare(cls: type[BaseException], text: str = "it went wrong") -> BaseException:
    """An instance without running a constructor whose arguments differ per class."""
    error = cls.__new__(cls)
    error.args = (text,)
    return error


def test_every_project_error_has_an_intended_exit_code():
    assert set(project_errors()) == set(INTENDED)


@pytest.mark.parametrize("name", sorted(INTENDED))
def test_each_project_error_maps_to_its_exit_code_by_type(name):
    cls = project_errors()[name]
    problem = explain(bare(cls))
    assert problem.exit_code == INTENDED[name]
    assert "it went wrong" in problem.message
    assert cls.hint in problem.message


def test_a_renamed_subclass_keeps_its_exit_code():
    from expectations.suites import SuiteConfigError

    class SomethingElseEntirely(SuiteConfigError):
        pass

    problem = explain(SomethingElseEntirely("bad entry"))
    assert problem.exit_code == CONFIG_ERROR
    assert SuiteConfigError.hint in problem.message


def test_each_class_carries_its_own_hint():
    from connectors.salesforce.writeback.mapping import MappingError
    from local_org.csv_seed import CsvSeedError

    assert "writeback.mapping_file" in explain(MappingError("x")).message
    assert "export folder" in explain(CsvSeedError("x")).message


def test_library_errors_map_by_isinstance():
    from pydantic import BaseModel, ValidationError
    from simple_salesforce.exceptions import (
        SalesforceAuthenticationFailed,
        SalesforceExpiredSession,
    )

    class Strict(BaseModel):
        n: int

    with pytest.raises(ValidationError) as invalid:
        Strict(n="not a number")

    assert explain(invalid.value).exit_code == CONFIG_ERROR
    assert "rapport.yml" in explain(invalid.value).message
    refused = SalesforceAuthenticationFailed("INVALID_LOGIN", "bad password")
    assert explain(refused).exit_code == SIGN_IN_FAILED
    expired = SalesforceExpiredSession("https://x", 401, "Account", b"expired")
    assert explain(expired).exit_code == SIGN_IN_FAILED
    missing = explain(FileNotFoundError("no such file: w.duckdb"))
    assert missing.exit_code == CONFIG_ERROR and "w.duckdb" in missing.message


def test_anything_else_is_unexpected_and_points_at_debug():
    problem = explain(ValueError("boom"))
    assert problem.exit_code == UNEXPECTED
    assert problem.title == "Unexpected error (ValueError)"
    assert "--debug" in problem.message


def test_run_locked_has_its_own_exit_code():
    assert explain(RunLockedError("held")).exit_code == RUN_LOCKED
