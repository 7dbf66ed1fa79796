"""Scenario files: what a tenant looks like when the emulator starts.

Built-in scenarios live next to this module (``scenarios/<name>.json``): ``compliant``,
``fresh-tenant``, ``weak``, ``legacy-2022``, ``big`` and ``no-premium``. Any JSON file with the same schema
works.

Schema (all keys optional except ``tenant`` and ``policy``)::

    {
      "name": "weak",                      # scenario name (defaults to the file stem)
      "description": "...",
      "era": "current" | "legacy-2022",    # legacy-2022: numberMatchingRequiredState is writable
      "tenant": {"id": GUID, "displayName": str, "domain": "contoso.onmicrosoft.com", "premium": true,
                 "p2": false},             # premium = Entra ID P1; p2 = risk-based Conditional Access
      "timeAnchor": "2026-01-15T12:00:00Z",# every *DateTime in signIns, directoryAudits, riskDetections and
                                           # registrationDetails (and conditionalAccess) is shifted so this instant becomes "now"
      "apps": [{"clientId": GUID, "displayName": str, "secret": str, "certificatePem": PEM,
                "roles": ["Policy.Read.AuthenticationMethod", ...]}],
      "policy": { beta GET body of /policies/authenticationMethodsPolicy, configurations inline },
      "users": [ Graph user objects (id, displayName, userPrincipalName, accountEnabled, userType, ...) ],
      "groups": [ Graph group objects plus "members": [object ids of users and groups] ],
      "registrationDetails": [ {"id": user id, "methodsRegistered": [...], "isAdmin": bool, ...} ]
                             # other userRegistrationDetails fields are derived when left out
      "signIns": [ beta signIn objects ], "directoryAudits": [...], "riskDetections": [...],
      "conditionalAccess": {               # what Conditional Access reads (all keys optional)
        "securityDefaults": false,
        "policies": [ conditionalAccessPolicy objects (GET shape; a strength as {"id": ...}) ],
                                           # checked like a write: a policy Graph would refuse is an error
        "namedLocations": [ ipNamedLocation / countryNamedLocation objects with @odata.type ],
        "authenticationStrengths": [ custom strengths: {"id", "displayName", "allowedCombinations", ...} ],
        "roleAssignments": [ {"principalId": user or role-assignable group id, "roleDefinitionId": template id} ]
      },
      "traffic": true | {"excludeUsers": [UPNs]},
                                           # one batch of sign-ins "now" at load (traffic.py)
      "generator": {"kind": "big", "users": 100000, "groups": 2000, "seed": 7, "conditionalAccessPolicies": 40}
                             # replaces users/groups/registrationDetails by a generated directory;
                             # "$group:N" strings anywhere in "policy" become generated group N's id;
                             # conditionalAccessPolicies: that many generated policies (ca_big.py)
    }

Every tenant also gets the emulator's default app (client id ``DEFAULT_CLIENT_ID``, every role).
With several tenants per scenario, tenant ``i > 0`` gets a derived id, name and domain.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mfaguard.emulator.ca_big import ROLE_GROUP, big_conditional_access
from mfaguard.emulator.ca_eval import Evaluator, annotate
from mfaguard.emulator.conditional_access import CaStore, ConditionalAccess, from_scenario
from mfaguard.emulator.directory import GeneratedDirectory, ListDirectory, stable_uuid
from mfaguard.emulator.errors import GraphFailure
from mfaguard.emulator.graph_policy import ERAS, PolicyStore, state_from_body
from mfaguard.emulator.traffic import generate, merge_newest_first

if TYPE_CHECKING:
    from mfaguard.emulator.state import Tenant

BUILTIN = ("compliant", "fresh-tenant", "weak", "legacy-2022", "big", "no-premium")


class ScenarioError(ValueError):
    """A scenario name or file is unusable (the message says which and why)."""


def load_scenario(name_or_path: str | Path) -> dict[str, Any]:
    """Parse a built-in scenario by name, or a scenario JSON file by path."""
    text: str
    source: str
    if isinstance(name_or_path, str) and name_or_path in BUILTIN:
        text = (
            resources.files("mfaguard.emulator")
            .joinpath("scenarios", f"{name_or_path}.json")
            .read_text("utf-8")
        )
        source = name_or_path
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise ScenarioError(
                f"unknown scenario {str(name_or_path)!r}: not a built-in ({', '.join(BUILTIN)}) and no such file"
            )
        text = path.read_text("utf-8")
        source = str(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{source}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario is a JSON object")
    data.setdefault("name", Path(source).stem if source not in BUILTIN else source)
    for key in ("tenant", "policy"):
        if not isinstance(data.get(key), dict):
            raise ScenarioError(f"{source}: key {key!r} is required and must be an object")
    if "id" not in data["tenant"]:
        raise ScenarioError(f"{source}: tenant.id is required")
    era = data.get("era", "current")
    if era not in ERAS:
        raise ScenarioError(f"{source}: era must be one of {', '.join(ERAS)}, not {era!r}")
    return data


def _shift(value: Any, delta: dt.timedelta) -> Any:
    if isinstance(value, dict):
        return {
            k: (_shift_time(v, delta) if k.endswith("DateTime") and isinstance(v, str) else _shift(v, delta))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_shift(v, delta) for v in value]
    return value


def _shift_time(text: str, delta: dt.timedelta) -> str:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return (moment + delta).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _replace_group_refs(value: Any, directory: GeneratedDirectory) -> Any:
    if isinstance(value, dict):
        return {k: _replace_group_refs(v, directory) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_group_refs(v, directory) for v in value]
    if isinstance(value, str) and value.startswith("$group:"):
        return directory.group_id(int(value.split(":", 1)[1]))
    return value


def _newest_first(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: str(r.get(key, "")), reverse=True)


def _ca(data: Mapping[str, Any], ca_data: Any) -> ConditionalAccess:
    try:
        return from_scenario(ca_data, default_security_defaults=False)
    except GraphFailure as exc:
        raise ScenarioError(
            f"scenario {data['name']}: a conditional access policy Graph would refuse: {exc.message}"
        ) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(f"scenario {data['name']}: bad conditionalAccess data: {exc}") from None


def build_tenant(
    data: Mapping[str, Any],
    *,
    index: int,
    now: float,
    seed: int,
    cache: dict[tuple[Any, ...], Any] | None = None,
) -> Tenant:
    """A :class:`~mfaguard.emulator.state.Tenant` from a parsed scenario (``index`` > 0 derives ids)."""
    from mfaguard.emulator.state import App, Tenant
    from mfaguard.emulator.tokens import load_certificate

    info = data["tenant"]
    base_id = str(info["id"])
    tenant_id = base_id if index == 0 else stable_uuid("tenant", base_id, str(index))
    domain = str(info.get("domain", "contoso.onmicrosoft.com"))
    display = str(info.get("displayName", data["name"]))
    if index > 0:
        domain = f"t{index + 1}-{domain}"
        display = f"{display} {index + 1}"
    delta = dt.timedelta(0)
    if data.get("timeAnchor"):
        anchor = dt.datetime.fromisoformat(str(data["timeAnchor"]).replace("Z", "+00:00"))
        delta = dt.datetime.fromtimestamp(now, dt.UTC) - anchor
    report_time = (dt.datetime.fromtimestamp(now, dt.UTC) - dt.timedelta(hours=2)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    policy_body = copy.deepcopy(data["policy"])
    generator = data.get("generator")
    directory: Any
    ca_data = _shift(data.get("conditionalAccess"), delta)
    if generator:
        if generator.get("kind") != "big":
            raise ScenarioError(f"scenario {data['name']}: unknown generator kind {generator.get('kind')!r}")
        directory = GeneratedDirectory(
            users=int(generator.get("users", 100_000)),
            groups=int(generator.get("groups", 2_000)),
            domain=domain,
            seed=int(generator.get("seed", 0)) + seed,
            report_time=report_time,
            role_assignable=frozenset({ROLE_GROUP})
            if generator.get("conditionalAccessPolicies")
            else frozenset(),
        )
        policy_body = _replace_group_refs(policy_body, directory)
        if generator.get("conditionalAccessPolicies"):
            ca_data = big_conditional_access(
                directory,
                int(generator["conditionalAccessPolicies"]),
                seed=int(generator.get("seed", 0)) + seed,
            )
        ca_proto = _ca(data, ca_data)
        shared: tuple[Any, ...] = ([], [], [])
    else:
        # Tenants derived from one scenario share its (read-only) directory and logs: a 200-tenant
        # fleet loads in milliseconds per tenant. ``cache`` lives for one Emulator load.
        key = (id(data), int(delta.total_seconds()))
        cached = cache.get(key) if cache is not None else None
        if cached is None:
            try:
                listed = ListDirectory(
                    data.get("users", []),
                    data.get("groups", []),
                    _shift(data.get("registrationDetails", []), delta),
                    report_time=report_time,
                )
            except (KeyError, ValueError) as exc:
                raise ScenarioError(f"scenario {data['name']}: bad directory data: {exc}") from None
            proto = _ca(data, ca_data)
            # Sign-ins carry the policies that existed when they happened (ca_eval).
            sign_ins = annotate(
                _newest_first(_shift(data.get("signIns", []), delta), "createdDateTime"),
                Evaluator(listed, proto),
                proto.store.truth.policies,
            )
            cached = (
                listed,
                sign_ins,
                _newest_first(_shift(data.get("directoryAudits", []), delta), "activityDateTime"),
                _newest_first(_shift(data.get("riskDetections", []), delta), "detectedDateTime"),
                proto,
            )
            if cache is not None:
                cache[key] = cached
        directory = cached[0]
        shared = cached[1:4]
        ca_proto = cached[4]

    tenant = Tenant(
        id=tenant_id,
        display_name=display,
        domain=domain,
        scenario=str(data["name"]),
        era=str(data.get("era", "current")),
        premium=bool(info.get("premium", True)),
        policy=PolicyStore(state_from_body(policy_body)),
        directory=directory,
        sign_ins=shared[0],
        directory_audits=shared[1],
        risk_detections=shared[2],
        p2=bool(info.get("p2", False)),
        ca=replace(ca_proto, store=CaStore(ca_proto.store.truth)),
    )
    if data.get("traffic") and not generator:
        # One batch of sign-ins "now" (traffic.py), shared by the tenants derived from this scenario.
        options = data["traffic"] if isinstance(data["traffic"], dict) else {}
        tenant.traffic_exclude = tuple(str(u) for u in options.get("excludeUsers", ()))
        traffic_key = (id(data), int(delta.total_seconds()), "traffic")
        merged = cache.get(traffic_key) if cache is not None else None
        if merged is None:
            batch = generate(tenant, now=now, batch=0, seed=seed, exclude=tenant.traffic_exclude)
            merged = merge_newest_first(tenant.sign_ins, batch)
            if cache is not None:
                cache[traffic_key] = merged
        tenant.sign_ins = merged
    for raw in data.get("apps", []):
        pem = raw.get("certificatePem")
        app = App(
            str(raw["clientId"]),
            str(raw.get("displayName", "scenario app")),
            frozenset(raw.get("roles", [])),
            secret=raw.get("secret"),
            certificates=[load_certificate(pem)] if pem else [],
        )
        tenant.apps[app.client_id] = app
    return tenant
