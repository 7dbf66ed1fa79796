"""Accepted risks are their own group and count in every format, status unchanged (issue 12, item 8).

The real CLI audits the emulator's ``weak`` tenant with an exception for MFA-007 (SMS is on): the
finding stays FAIL (and outside the exit code), and every format shows it apart.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from mfaguard.emulator import RunningEmulator
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e

CONFIG = """\
exceptions:
  - control: MFA-007
    reason: SMS for the warehouse until the new phones arrive
    owner: secops@contoso.com
    expires: 2099-12-31
"""


@pytest.fixture
def audit(emulator_server: RunningEmulator, tmp_path: Path) -> Any:
    config = tmp_path / "audit.yaml"
    config.write_text(CONFIG, encoding="utf-8")

    def run(output_format: str) -> str:
        result = run_cli(
            ["audit", "--config", str(config), "--format", output_format], env=emulator_server.env()
        )
        assert result.returncode == 1, result.stderr  # other FAILs remain
        return result.stdout

    return run


def test_json_adds_an_accepted_count_and_keeps_the_status(audit: Any) -> None:
    document = json.loads(audit("json"))
    sms = next(f for f in document["findings"] if f["control_id"] == "MFA-007")
    assert sms["status"] == "FAIL" and sms["exception"]["owner"] == "secops@contoso.com"
    summary = document["summary"]
    assert summary["accepted"] == 1
    assert summary["FAIL"] == sum(1 for f in document["findings"] if f["status"] == "FAIL")  # unchanged key


def test_table_csv_sarif_junit_markdown_html_show_the_accepted_group(audit: Any) -> None:
    fails = json.loads(audit("json"))["summary"]["FAIL"]

    table = audit("table")
    assert f"FAIL {fails - 1} · accepted 1" in table
    assert f"FAIL ({fails - 1})" in table and "ACCEPTED (1)" in table
    accepted_block = table.split("ACCEPTED (1)", 1)[1]
    assert re.search(r"MFA-007 +FAIL +high", accepted_block)
    assert "MFA-007" not in table.split("ACCEPTED (1)", 1)[0].split(f"FAIL ({fails - 1})", 1)[1]

    rows = list(csv.DictReader(io.StringIO(audit("csv"))))
    sms = next(r for r in rows if r["control_id"] == "MFA-007")
    assert (sms["status"], sms["accepted"]) == ("FAIL", "yes")
    assert {r["accepted"] for r in rows if r["control_id"] != "MFA-007"} == {""}

    sarif = json.loads(audit("sarif"))
    run = sarif["runs"][0]
    assert run["properties"]["summary"]["accepted"] == 1
    sms_result = next(r for r in run["results"] if r["ruleId"] == "MFA-007")
    assert sms_result["suppressions"][0]["status"] == "accepted"

    suite = ET.fromstring(audit("junit")).find("testsuite")
    assert suite is not None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["accepted"] == "1"
    case = next(c for c in suite.iter("testcase") if (c.get("name") or "").startswith("MFA-007"))
    assert case.find("skipped") is not None and case.find("failure") is None

    markdown = audit("markdown")
    assert f"{fails - 1} FAIL · 1 accepted" in markdown
    assert "Accepted risks (1)" in markdown
    attention = markdown.split("### Needs attention", 1)[1].split("Accepted risks (1)", 1)[0]
    assert "MFA-007" not in attention

    page = audit("html")
    assert '<li><b class="c-accepted">1</b>accepted</li>' in page
    assert f'<li><b class="c-FAIL">{fails - 1}</b>FAIL</li>' in page
    assert page.index("<h2>Accepted risks</h2>") < page.index('id="MFA-007"')
