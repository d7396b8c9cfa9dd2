"""`rapport demo --org-data` on a bad folder: exit code 2 and a message naming what to fix.

Through the real console script, so the exit code and the words are what a
user sees; the folder is refused before the org starts, so nothing reaches
the warehouse or the CRM.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.corpus import CASES, make_case, write_clean_org

pytestmark = pytest.mark.slow

RAPPORT = Path(sys.executable).with_name("rapport")
END_TO_END = ("infinite_amount", "latin1_file")  # each costs a CLI start (~20-40 s)


@pytest.mark.parametrize("name", END_TO_END)
def test_a_bad_export_folder_exits_2_naming_file_line_and_field(tmp_path, name):
    case = next(c for c in CASES if c.name == name)
    folder = make_case(write_clean_org(tmp_path / "clean"), case, tmp_path / name)
    warehouse = tmp_path / "warehouse" / "rapport.duckdb"
    done = subprocess.run(
        [str(RAPPORT), "demo", "--org-data", str(folder), "--warehouse", str(warehouse),
         "--state-dir", str(tmp_path / "state")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "RAPPORT_CONFIG": str(tmp_path / "absent.yml"), "COLUMNS": "200"},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Configuration problem" in done.stderr
    for needle in case.needles:
        assert needle in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not warehouse.exists()
