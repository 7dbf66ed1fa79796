"""One audit run, offline or live: settings resolution, run_audit, run_live_audit and the one exit-code
rule — the library, without the CLI (the emulator in-process, opened the one way in)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from mfaguard.audit.run import AuditOutcome, resolve_settings, run_audit, run_live_audit
from mfaguard.emulator import Emulator
from mfaguard.errors import EXIT_FINDINGS, EXIT_UNFINISHED, ConfigError
from mfaguard.graph.auth import CredentialKind, CredentialOptions
from mfaguard.graph.connect import GraphConnection, open_tenant
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings, NumberMatchingMode
from mfaguard.read.snapshot_file import load_snapshot, save_snapshot

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ENDPOINT = "https://graph.emulator.test"
COVERAGE = {"MFA-016", "MFA-017", "MFA-018"}


def live(emu: Emulator, roles: Iterable[str] | None = None, **kwargs: Any) -> AuditOutcome:
    """``run_live_audit`` on the emulator's tenant, with a token carrying ``roles``."""
    token = emu.issue_token(None, roles)
    connection = GraphConnection.create(CredentialOptions(kind=CredentialKind.TOKEN), graph_endpoint=ENDPOINT)

    async def go() -> AuditOutcome:
        opened = open_tenant(
            connection,
            emu.default_tenant.id,
            env={"MFAGUARD_ACCESS_TOKEN": token},
            transport=httpx.ASGITransport(app=emu.asgi_app),
            report_pacing=False,
        )
        async with opened as (client, tenant):
            return await run_live_audit(client, tenant, settings=AuditSettings(), now=NOW, **kwargs)

    return asyncio.run(go())


def statuses(outcome: AuditOutcome) -> dict[str, Status]:
    return {f.control_id: f.status for f in outcome.report.findings}


def test_a_live_audit_reads_judges_and_exits_on_the_fails(emulator: Emulator) -> None:
    outcome = live(emulator)
    assert outcome.snapshot is not None and outcome.problems == () and not outcome.unfinished
    assert outcome.report.tenant_id == emulator.default_tenant.id
    assert statuses(outcome)["MFA-007"] is Status.FAIL  # the weak tenant has SMS on
    assert outcome.exit_code == EXIT_FINDINGS
    # Without the directory the coverage controls cannot judge: N/A, never a verdict.
    assert {statuses(outcome)[c] for c in COVERAGE} == {Status.NOT_APPLICABLE}


def test_the_same_snapshot_offline_gives_the_same_report(emulator: Emulator, tmp_path: Path) -> None:
    outcome = live(emulator)
    assert outcome.snapshot is not None
    save_snapshot(outcome.snapshot, tmp_path / "snap.json")
    offline = run_audit(load_snapshot(tmp_path / "snap.json"), settings=AuditSettings(), now=NOW)
    assert [f.to_json() for f in offline.report.findings] == [f.to_json() for f in outcome.report.findings]
    assert offline.exit_code == outcome.exit_code and offline.problems == ()


def test_an_unreadable_policy_is_every_control_error_and_unfinished(emulator: Emulator) -> None:
    outcome = live(emulator, roles=["User.Read.All"])  # no policy permission
    assert outcome.snapshot is None and outcome.unfinished
    assert set(statuses(outcome).values()) == {Status.ERROR}
    assert outcome.problems[0].startswith("the policy could not be read")
    assert outcome.exit_code == EXIT_UNFINISHED


def test_groups_that_cannot_be_read_leave_the_run_unfinished(emulator: Emulator) -> None:
    outcome = live(emulator, roles=["Policy.Read.All"])  # the policy, not its groups
    assert outcome.snapshot is not None
    assert statuses(outcome)["MFA-015"] is Status.ERROR
    assert outcome.problems and outcome.problems[0].startswith("could not read groups:")
    assert outcome.exit_code == EXIT_UNFINISHED


def test_a_directory_the_token_may_not_read_is_judged_not_unfinished(emulator: Emulator) -> None:
    roles = ["Policy.Read.All", "GroupMember.Read.All"]  # no User.Read.All, no AuditLog.Read.All
    outcome = live(emulator, roles=roles, directory=True)
    assert statuses(outcome)["MFA-016"] is statuses(outcome)["MFA-017"] is Status.ERROR
    assert not outcome.unfinished  # a permission the tenant lacks is judged, not a failed read
    assert outcome.exit_code == EXIT_FINDINGS
    assert outcome.snapshot is not None and outcome.snapshot.problems  # but it is recorded


def test_the_directory_is_read_when_permitted(emulator: Emulator) -> None:
    outcome = live(emulator, directory=True)
    assert outcome.snapshot is not None and outcome.snapshot.directory is not None
    assert statuses(outcome)["MFA-016"] in (Status.PASS, Status.FAIL)


def test_the_exit_code_follows_fail_on_and_strict(emulator: Emulator) -> None:
    assert live(emulator, fail_on=Severity.CRITICAL).exit_code == 0  # the weak tenant has no critical FAIL
    strict = live(emulator, roles=["Policy.Read.All"], strict=True)
    assert strict.exit_code == EXIT_UNFINISHED


def test_settings_come_from_defaults_then_the_file_then_the_flags(tmp_path: Path) -> None:
    assert resolve_settings() == AuditSettings()
    path = tmp_path / "audit.yaml"
    path.write_text("break_glass_groups: [g1]\nnumber_matching: configurable\n")
    settings = resolve_settings(
        config=path, break_glass_groups=["g2", "g1"], number_matching=NumberMatchingMode.SERVICE_ENFORCED
    )
    assert settings.break_glass_groups == ("g1", "g2")  # flags add to the file's groups
    assert settings.number_matching is NumberMatchingMode.SERVICE_ENFORCED  # a flag replaces the mode
    assert resolve_settings(config=path).number_matching is NumberMatchingMode.CONFIGURABLE


def test_settings_check_control_ids_against_the_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "audit.yaml"
    path.write_text("exceptions:\n  - control: MFA-999\n    reason: r\n    owner: o\n")
    with pytest.raises(ConfigError, match="unknown control MFA-999"):
        resolve_settings(config=path)
