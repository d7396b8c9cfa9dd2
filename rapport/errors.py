"""Turn an exception into the one paragraph a user needs, and an exit code.

Matching is by class name along the exception's ancestry so that the CLI does
not import Great Expectations or simple-salesforce just to print an error.
"""

from __future__ import annotations

from dataclasses import dataclass

CONFIG_ERROR = 2
GATE_FAILED = 3
SIGN_IN_FAILED = 4
UNEXPECTED = 1

_CONFIG_ERRORS = {
    "ValidationError": "Check rapport.yml and the RAPPORT_... environment variables.",
    "SalesforceConfigError": "Set the sign-in settings the chosen mode needs (see README, Configuration).",
    "MappingError": "Fix the write-back mapping (writeback.mapping_file).",
    "NotAllowedError": "Only fields in the write-back mapping may be written; add the field to writeback.extra_allowed_fields if intended.",
    "UnknownFieldError": "Remove the field from extract.objects, or check its API name with `rapport doctor`.",
    "SuiteConfigError": "Fix the gates section of rapport.yml.",
    "SecretBlockError": "Create the Prefect Secret block, or set the secret in the environment instead.",
    "CsvSeedError": "Fix the named file and line in the export folder.",
    "FileNotFoundError": "Check the path.",
    "ReportError": "The report reads the marts: build them first.",
    "MissingDriver": "Install the extra named above, or choose another warehouse.type.",
    "UnsupportedStage": "Choose a warehouse.type that runs every stage (`rapport doctor` lists them).",
}
_SIGN_IN_ERRORS = {
    "SalesforceSignInError",
    "SalesforceAuthenticationFailed",
    "SalesforceExpiredSession",
}


@dataclass(frozen=True)
class Problem:
    title: str
    message: str
    exit_code: int


def explain(error: BaseException) -> Problem:
    names = [cls.__name__ for cls in type(error).__mro__]
    text = str(error).strip() or type(error).__name__
    if "GateFailed" in names:
        return Problem(
            "A quality gate stopped the run; nothing was written to the CRM", text, GATE_FAILED
        )
    if _SIGN_IN_ERRORS.intersection(names):
        return Problem(
            "Salesforce sign-in failed",
            f"{text}\nCheck the credentials for the configured salesforce.auth mode; `rapport doctor` checks them.",
            SIGN_IN_FAILED,
        )
    for name in names:
        if name in _CONFIG_ERRORS:
            return Problem("Configuration problem", f"{text}\n{_CONFIG_ERRORS[name]}", CONFIG_ERROR)
    return Problem(
        f"Unexpected error ({type(error).__name__})",
        f"{text}\nRun again with --debug for the traceback.",
        UNEXPECTED,
    )
