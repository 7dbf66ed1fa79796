"""A local stand-in for Microsoft Graph and the Entra ID token endpoint (DESIGN §8).

Used by ``mfaguard demo``, ``mfaguard emulator``, the tests and the benchmarks::

    emu = Emulator("weak")                       # in memory, one tenant from the weak scenario
    app = create_app(emu)                        # ASGI: httpx.ASGITransport(app=app)
    token = emu.issue_token(roles=[...])         # a bearer token the Graph side accepts

    with running_emulator(emu) as server:        # HTTPS on 127.0.0.1 with a generated CA
        server.graph_endpoint, server.ca_path, server.env()

Scenario files: :mod:`mfaguard.emulator.scenarios`; faults: :mod:`mfaguard.emulator.faults`;
policy rules: :mod:`mfaguard.emulator.graph_policy`.
"""

from __future__ import annotations

from mfaguard.emulator.app import ConnectionReset, create_app
from mfaguard.emulator.faults import FaultRule
from mfaguard.emulator.scenarios import BUILTIN as SCENARIOS
from mfaguard.emulator.scenarios import ScenarioError, load_scenario
from mfaguard.emulator.server import RunningEmulator, running_emulator
from mfaguard.emulator.state import (
    ALL_ROLES,
    DEFAULT_CLIENT_ID,
    READ_ONLY_ROLES,
    ROLE_AUDIT_LOG_READ,
    ROLE_CA_WRITE,
    ROLE_DIRECTORY_READ,
    ROLE_GROUP_MEMBER_READ,
    ROLE_POLICY_READ,
    ROLE_POLICY_READ_ALL,
    ROLE_POLICY_WRITE,
    ROLE_RISK_READ,
    ROLE_ROLES_READ,
    ROLE_USER_READ,
    App,
    Emulator,
    Knobs,
    Tenant,
)

__all__ = [
    "ALL_ROLES",
    "DEFAULT_CLIENT_ID",
    "READ_ONLY_ROLES",
    "ROLE_AUDIT_LOG_READ",
    "ROLE_CA_WRITE",
    "ROLE_DIRECTORY_READ",
    "ROLE_GROUP_MEMBER_READ",
    "ROLE_POLICY_READ",
    "ROLE_POLICY_READ_ALL",
    "ROLE_POLICY_WRITE",
    "ROLE_RISK_READ",
    "ROLE_ROLES_READ",
    "ROLE_USER_READ",
    "SCENARIOS",
    "App",
    "ConnectionReset",
    "Emulator",
    "FaultRule",
    "Knobs",
    "RunningEmulator",
    "ScenarioError",
    "Tenant",
    "create_app",
    "load_scenario",
    "running_emulator",
]
