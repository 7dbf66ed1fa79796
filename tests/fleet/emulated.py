"""A fleet file over the in-process emulator, audited and with one applied change: what the
rollback and "Run now" tests work on (no sockets for Graph; the dashboard's Graph clients use the
emulator's ASGI transport)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mfaguard.emulator import Emulator

ENDPOINT = "https://graph.emulator.test"


@dataclass
class EmulatedFleet:
    emulator: Emulator
    config: Path
    store_url: str
    env: dict[str, str]
    client_kwargs: dict[str, Any]
    change_id: int
    """The change ``fleet apply`` made to the weak tenant ``northwind``."""
    before_apply: dict[str, Any]
    """northwind's Authenticator configuration before that change."""

    def authenticator(self, tenant: str = "northwind") -> dict[str, Any]:
        tid = self.emulator.tenant_ids[0 if tenant == "northwind" else 1]
        return self.emulator.stored_configuration("MicrosoftAuthenticator", tid)

    def actions(self) -> Any:
        from mfaguard.web.actions import FleetActions

        return FleetActions(self.config, self.store_url, env=self.env, client_kwargs=self.client_kwargs)


def emulated_fleet(
    tmp_path: Path,
    passwords: dict[str, tuple[str, str]] | None = None,
    *,
    scenarios: Sequence[str | Path] = ("weak", "compliant"),
    break_glass_groups: Sequence[str] = (),
) -> EmulatedFleet:
    """``northwind`` (weak) and ``tailspin`` (compliant), audited twice, northwind's baseline applied.
    ``scenarios`` may replace the two scenarios (a weak-like one first); ``break_glass_groups`` are
    northwind's (the baseline keeps their exclusions, MFA-018 names them)."""
    from mfaguard.fleet.runner import Operation
    from mfaguard.fleet.session import FleetRequest, execute

    emu = Emulator(list(scenarios))
    ids = emu.tenant_ids
    env = {"TOKEN_NORTHWIND": emu.issue_token(ids[0]), "TOKEN_TAILSPIN": emu.issue_token(ids[1])}
    store_url = f"sqlite:///{tmp_path / 'history.db'}"
    lines = [
        f"store: {store_url}",
        "defaults:",
        f"  graph_endpoint: {ENDPOINT}",
        "tenants:",
        f"  - name: northwind\n    tenant_id: {ids[0]}\n    credential: {{type: token, env: TOKEN_NORTHWIND}}\n    tags: [gold]"
        + (f"\n    break_glass_groups: [{', '.join(break_glass_groups)}]" if break_glass_groups else ""),
        f"  - name: tailspin\n    tenant_id: {ids[1]}\n    credential: {{type: token, env: TOKEN_TAILSPIN}}\n    tags: [silver]",
    ]
    if passwords:
        lines.append("dashboard:\n  users:")
        lines += [
            f"    - {{name: {n}, role: {role}, password_hash: '{h}'}}" for n, (role, h) in passwords.items()
        ]
    config = tmp_path / "mfaguard.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kwargs: dict[str, Any] = {"transport": httpx.ASGITransport(app=emu.asgi_app)}
    before = emu.stored_configuration("MicrosoftAuthenticator", ids[0])
    audit = FleetRequest(config=config, trigger="schedule")
    execute(audit, env=env, client_kwargs=kwargs)
    # force: the weak tenant has phone-only users, so the lock-out guard would (rightly) refuse.
    applied = execute(
        FleetRequest(
            config=config,
            operation=Operation.APPLY,
            names=("northwind",),
            options={"yes": True, "pilot": False, "force": True},
        ),
        env=env,
        client_kwargs=kwargs,
    )
    change_id = applied.tenants[0].detail["apply"]["change_id"]
    assert change_id is not None, applied.tenants[0].to_json()
    execute(audit, env=env, client_kwargs=kwargs)
    return EmulatedFleet(emu, config, store_url, env, kwargs, int(change_id), before)
