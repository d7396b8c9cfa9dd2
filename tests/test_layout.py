"""The layout stays what the README's architecture section says it is.

The local org is a test and demo server: the pipeline (extract, transform,
validate, write-back) must run against a real org without it installed, so no
module on that path may import it. And no module outside the tests grows past
600 lines, the point at which one job has usually become two.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_PACKAGES = ("connectors", "flows", "expectations", "rapport")
# Modules allowed to reach the local org: the demo runs one (in a child process), and the CLI's
# `local-org` commands serve, generate and export one.
LOCAL_ORG_USERS = {Path("rapport/demo.py"), Path("rapport/demo_org.py"), Path("rapport/cli.py")}
MAX_LINES = 600


def _python_files(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_the_pipeline_never_imports_the_local_org():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            module for module in _imported_modules(path) if module.split(".")[0] == "local_org"
        )
        for path in _python_files(*RUNTIME_PACKAGES)
        if path.relative_to(ROOT) not in LOCAL_ORG_USERS
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_the_cli_reaches_the_local_org_only_inside_its_local_org_commands():
    """Imports at module level would make every command need the local org's extra."""
    tree = ast.parse((ROOT / "rapport/cli.py").read_text())
    top_level = [
        node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("local_org")
    ]
    assert top_level == []


def test_no_module_outside_the_tests_is_over_600_lines():
    packages = (*RUNTIME_PACKAGES, "local_org", "bench")
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in _python_files(*packages)
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert too_long == {}


def test_no_stage_of_the_product_is_left_unimplemented():
    """Issue 12 found write-back raising NotImplementedError on every warehouse but
    DuckDB, after the other stages had run: a supported path must be a real one."""
    packages = (*RUNTIME_PACKAGES, "local_org", "bench")
    unimplemented = [
        str(path.relative_to(ROOT))
        for path in _python_files(*packages)
        if "NotImplementedError" in path.read_text()
    ]
    assert unimplemented == []
