"""deploy/ examples: they cannot run here (no container runtime, no CI), so they are linted."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
EXAMPLES = ("systemd", "container", "github-actions", "azure-devops", "azure-container-apps")


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_has_a_readme(name: str) -> None:
    readme = DEPLOY / name / "README.md"
    assert readme.is_file() and len(readme.read_text(encoding="utf-8")) > 200


@pytest.mark.parametrize("path", sorted(DEPLOY.rglob("*.y*ml")), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_yaml_parses(path: Path) -> None:
    assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict)


def test_pipelines_run_fleet_audit_and_upload_sarif() -> None:
    github = (DEPLOY / "github-actions" / "mfaguard-fleet.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(github)
    steps = workflow["jobs"]["audit"]["steps"]
    assert any(
        "mfaguard fleet audit" in str(s.get("run", "")) and "--format sarif" in s["run"] for s in steps
    )
    assert any(str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif") for s in steps)
    assert workflow["permissions"]["security-events"] == "write"
    azure = yaml.safe_load((DEPLOY / "azure-devops" / "azure-pipelines.yml").read_text(encoding="utf-8"))
    scripts = " ".join(str(s.get("script", "")) for s in azure["steps"])
    assert "mfaguard fleet audit" in scripts and "--format sarif" in scripts
    assert any(s.get("inputs", {}).get("ArtifactName") == "CodeAnalysisLogs" for s in azure["steps"])
    job = yaml.safe_load((DEPLOY / "azure-container-apps" / "job.yaml").read_text(encoding="utf-8"))
    assert job["properties"]["configuration"]["triggerType"] == "Schedule"
    assert "mfaguard fleet audit" in " ".join(job["properties"]["template"]["containers"][0]["args"])
    declared = {s["name"] for s in job["properties"]["configuration"]["secrets"]}
    container = job["properties"]["template"]["containers"][0]
    used = {e["secretRef"] for e in container["env"] if "secretRef" in e}
    used |= {s["secretRef"] for v in job["properties"]["template"]["volumes"] for s in v.get("secrets", [])}
    assert used <= declared


def test_no_secret_values_in_examples() -> None:
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not re.search(
                r"(?i)(client_secret|password|secret)\s*:\s*['\"]?[A-Za-z0-9~._-]{20,}", text
            ), path


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    unit = (DEPLOY / "systemd" / "mfaguard-watch.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/mfaguard/bin/mfaguard watch --config" in unit
    # The binary is not installed here: point ExecStart at an executable that exists.
    copy = tmp_path / "mfaguard-watch.service"
    copy.write_text(unit.replace("/opt/mfaguard/bin/mfaguard", sys.executable), encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "mfaguard-watch.service" not in result.stderr, result.stderr


def test_example_fleet_file_is_valid() -> None:
    from mfaguard.fleet.load import load_fleet

    fleet = load_fleet(DEPLOY / "mfaguard.example.yaml")
    assert [t.name for t in fleet.tenants] == ["contoso", "fabrikam"]
    assert fleet.schedule is not None and fleet.schedule.describe() == "every 12h"
    by_name = {t.name: t for t in fleet.tenants}
    assert by_name["contoso"].mode.value == "alert" and by_name["fabrikam"].mode.value == "remediate"
    assert len(by_name["contoso"].notifications) == 2
