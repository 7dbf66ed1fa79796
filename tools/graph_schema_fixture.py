#!/usr/bin/env python3
"""Regenerate tests/fixtures/graph_schema.json: Microsoft Graph's published schema, reduced to what mfaguard
and its emulator touch.

Usage (from the repository root)::

    python tools/graph_schema_fixture.py --git-dir /path/to/msgraph-metadata/.git [--commit REV]
    python tools/graph_schema_fixture.py --checkout /path/to/msgraph-metadata

Inputs, all from microsoftgraph/msgraph-metadata at one commit:

- v1.0: ``schemas/v1.0-Prod.csdl`` (the full CSDL: types, nullability, enum members with values).
- beta: ``schemas/beta-Prod.csdl`` when the checkout has it. Otherwise (that file is over 8 MB and some
  mirrors leave it out) a composite: the sovereign-cloud beta CSDLs ``schemas/beta-USSec.csdl`` and
  ``schemas/beta-USNat.csdl`` give types and enum values, and ``schemas/type-mappings/beta-*-types.json``
  (generated from beta-Prod by Microsoft's pipeline) is the authority for which properties each type
  declares and which members each enum has. A property Prod has and the sovereign CSDLs lack takes its type
  from v1.0 when v1.0 has the same property, else it is recorded with type ``"?"`` (the walker then checks
  only its name). An enum member without a known value is placed after ``unknownFutureValue`` (Graph adds
  new members to evolvable enums there); such members are listed under ``"inferred"``.

Output (compact JSON): ``{"source": {...}, "v1.0": MODEL, "beta": MODEL}`` with
``MODEL = {"types": {name: {"kind", "base", "abstract", "open", "props": {name: [type, nullable]},
"navs": {name: type}}}, "enums": {name: {"flags", "members": {name: value}, "inferred"?}},
"paths": {template: type}}``. Names in the ``microsoft.graph`` namespace drop that prefix; collection
types are written ``Collection(x)``. Only the types reachable from the roots below are kept (structural
properties, the listed navigation properties, and derived types of kept types).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
NS = "microsoft.graph"

ROOTS = (
    "authenticationMethodsPolicy",
    "authenticationMethodConfiguration",
    "authenticationMethodTarget",
    "user",
    "group",
    "organization",
    "userRegistrationDetails",
    "signIn",
    "directoryAudit",
    "riskDetection",
    "conditionalAccessPolicy",
    "namedLocation",
    "authenticationStrengthPolicy",
    "identitySecurityDefaultsEnforcementPolicy",
    "unifiedRoleAssignment",
    "subscribedSku",
)
# Navigation properties whose targets responses carry inline (expanded by default or on $expand).
FOLLOW_NAVS = {
    ("authenticationMethodsPolicy", "authenticationMethodConfigurations"),
    ("conditionalAccessGrantControls", "authenticationStrength"),
    ("authenticationStrengthPolicy", "combinationConfigurations"),
    ("unifiedRoleAssignment", "principal"),
    ("unifiedRoleAssignment", "roleDefinition"),
    ("*", "includeTargets"),  # every method configuration's targets
}
# Bases whose derived types are not all pulled in (thousands of entities derive from these).
NO_DERIVED = {"entity", "directoryObject", "policyBase", "stsPolicy", "policyDeletableItem"}
PATHS = (
    "policies/authenticationMethodsPolicy",
    "policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
    "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}",
    "policies/authenticationStrengthPolicies",
    "policies/authenticationStrengthPolicies/{id}",
    "policies/identitySecurityDefaultsEnforcementPolicy",
    "identity/conditionalAccess/policies",
    "identity/conditionalAccess/policies/{id}",
    "identity/conditionalAccess/namedLocations",
    "identity/conditionalAccess/namedLocations/{id}",
    "roleManagement/directory/roleAssignments",
    "roleManagement/directory/roleAssignments/{id}",
    "subscribedSkus",
    "users",
    "users/{id}",
    "users/{id}/memberOf",
    "users/{id}/transitiveMemberOf",
    "groups",
    "groups/{id}",
    "groups/{id}/members",
    "groups/{id}/transitiveMembers",
    "directoryObjects",
    "organization",
    "reports/authenticationMethods/userRegistrationDetails",
    "reports/authenticationMethods/userRegistrationDetails/{id}",
    "auditLogs/signIns",
    "auditLogs/signIns/{id}",
    "auditLogs/directoryAudits",
    "auditLogs/directoryAudits/{id}",
    "identityProtection/riskDetections",
    "identityProtection/riskDetections/{id}",
)

Model = dict[str, Any]
Reader = Callable[[str], bytes | None]


# ------------------------------------------------------------------------------------------- reading


def git_reader(git_dir: Path, commit: str) -> Reader:
    def read(path: str) -> bytes | None:
        done = subprocess.run(
            ["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"], capture_output=True, check=False
        )
        return done.stdout if done.returncode == 0 and done.stdout else None

    return read


def checkout_reader(root: Path) -> Reader:
    def read(path: str) -> bytes | None:
        file = root / path
        return file.read_bytes() if file.is_file() and file.stat().st_size > 0 else None

    return read


def _name(qualified: str) -> str:
    """``microsoft.graph.x`` → ``x``; other namespaces stay qualified."""
    if qualified.startswith(NS + ".") and "." not in qualified[len(NS) + 1 :]:
        return qualified[len(NS) + 1 :]
    return qualified


def parse_csdl(data: bytes) -> Model:
    """Types, enums and the entity container of one CSDL document."""
    root = ET.fromstring(data)
    aliases: dict[str, str] = {}
    schemas = list(root.iter(f"{EDM}Schema"))
    for schema in schemas:
        if schema.get("Alias"):
            aliases[schema.get("Alias", "")] = schema.get("Namespace", "")

    def resolve(ref: str) -> str:
        if ref.startswith("Collection(") and ref.endswith(")"):
            return f"Collection({resolve(ref[11:-1])})"
        if ref.startswith("Edm."):
            return ref
        head, _, tail = ref.rpartition(".")
        return _name(f"{aliases.get(head, head)}.{tail}")

    types: dict[str, Any] = {}
    enums: dict[str, Any] = {}
    container: dict[str, str] = {}
    for schema in schemas:
        namespace = schema.get("Namespace", "")
        for node in schema:
            tag = node.tag.removeprefix(EDM)
            if tag in ("EntityType", "ComplexType"):
                name = _name(f"{namespace}.{node.get('Name')}")
                props: dict[str, list[Any]] = {}
                navs: dict[str, str] = {}
                for child in node:
                    ctag = child.tag.removeprefix(EDM)
                    if ctag == "Property":
                        props[child.get("Name", "")] = [
                            resolve(child.get("Type", "")),
                            child.get("Nullable", "true") != "false",
                        ]
                    elif ctag == "NavigationProperty":
                        navs[child.get("Name", "")] = resolve(child.get("Type", ""))
                types[name] = {
                    "kind": "entity" if tag == "EntityType" else "complex",
                    "base": resolve(node.get("BaseType")) if node.get("BaseType") else None,
                    "abstract": node.get("Abstract") == "true",
                    "open": node.get("OpenType") == "true",
                    "props": props,
                    "navs": navs,
                }
            elif tag == "EnumType":
                name = _name(f"{namespace}.{node.get('Name')}")
                members: dict[str, int] = {}
                for index, member in enumerate(node.iter(f"{EDM}Member")):
                    members[member.get("Name", "")] = int(member.get("Value", index))
                enums[name] = {"flags": node.get("IsFlags") == "true", "members": members}
            elif tag == "EntityContainer":
                for item in node:
                    itag = item.tag.removeprefix(EDM)
                    if itag == "EntitySet":
                        container[item.get("Name", "")] = f"Collection({resolve(item.get('EntityType', ''))})"
                    elif itag == "Singleton":
                        container[item.get("Name", "")] = resolve(item.get("Type", ""))
    return {"types": types, "enums": enums, "container": container}


# ------------------------------------------------------------------------------------- beta composite


def merge(primary: Model, secondary: Model) -> Model:
    """``primary`` plus what only ``secondary`` has (types, properties, enum members, container entries)."""
    out = json.loads(json.dumps(primary))
    for name, spec in secondary["types"].items():
        mine = out["types"].setdefault(name, json.loads(json.dumps(spec)))
        for key in ("props", "navs"):
            for prop, value in spec[key].items():
                mine[key].setdefault(prop, value)
    for name, spec in secondary["enums"].items():
        mine = out["enums"].setdefault(name, json.loads(json.dumps(spec)))
        for member, value in spec["members"].items():
            mine["members"].setdefault(member, value)
    for name, value in secondary["container"].items():
        out["container"].setdefault(name, value)
    return out


def overlay_mappings(model: Model, v1: Model, entity: Any, complex_: Any, enum: Any) -> Model:
    """Make ``model`` agree with Prod's type mappings (names authoritative; types from model or v1.0)."""
    out = json.loads(json.dumps(model))
    for mapping, kind in ((entity, "entity"), (complex_, "complex")):
        for namespace, types in mapping.items():
            for raw_name, declared in types.items():
                name = _name(f"{namespace}.{raw_name}")
                spec = out["types"].get(name) or json.loads(
                    json.dumps(
                        v1["types"].get(name)
                        or {
                            "kind": kind,
                            "base": None,
                            "abstract": False,
                            "open": False,
                            "props": {},
                            "navs": {},
                        }
                    )
                )
                known_v1 = v1["types"].get(name, {"props": {}, "navs": {}})
                props = {}
                for prop in declared["properties"]:
                    props[prop] = spec["props"].get(prop) or known_v1["props"].get(prop) or ["?", True]
                navs = {}
                for nav in declared["navigationProperties"]:
                    navs[nav] = spec["navs"].get(nav) or known_v1["navs"].get(nav) or "?"
                spec["props"], spec["navs"] = props, navs
                out["types"][name] = spec
    for namespace, enums in enum.items():
        for raw_name, members in enums.items():
            name = _name(f"{namespace}.{raw_name}")
            spec = out["enums"].get(name) or json.loads(
                json.dumps(v1["enums"].get(name) or {"flags": False, "members": {}})
            )
            known = dict(spec["members"])
            for member, value in v1["enums"].get(name, {"members": {}})["members"].items():
                known.setdefault(member, value)
            ordered: dict[str, int] = {}
            inferred: list[str] = []
            for member in members:
                if member in known:
                    ordered[member] = known[member]
            top = max(ordered.values(), default=-1)
            for member in members:
                if member not in ordered:
                    top = (top * 2 if top > 0 else 1) if spec["flags"] else top + 1
                    ordered[member] = top
                    inferred.append(member)
            spec["members"] = dict(sorted(ordered.items(), key=lambda kv: kv[1]))
            if inferred:
                spec["inferred"] = sorted(inferred)
            out["enums"][name] = spec
    return out


# ----------------------------------------------------------------------------------------- reduction


def _element(type_ref: str) -> str:
    return type_ref[11:-1] if type_ref.startswith("Collection(") else type_ref


def reduce_model(model: Model, paths: Iterable[str]) -> Model:
    types, enums = model["types"], model["enums"]
    derived: dict[str, list[str]] = {}
    for name, spec in types.items():
        if spec["base"]:
            derived.setdefault(spec["base"], []).append(name)
    keep: set[str] = set()
    keep_enums: set[str] = set()
    queue = [r for r in ROOTS if r in types]

    def want(ref: str) -> None:
        target = _element(ref)
        if target.startswith("Edm.") or target == "?":
            return
        if target in enums:
            keep_enums.add(target)
        elif target in types and target not in keep:
            queue.append(target)

    while queue:
        name = queue.pop()
        if name in keep or name not in types:
            continue
        keep.add(name)
        spec = types[name]
        if spec["base"]:
            want(spec["base"])
        for prop_type, _nullable in spec["props"].values():
            want(prop_type)
        for nav, nav_type in spec["navs"].items():
            if (name, nav) in FOLLOW_NAVS or ("*", nav) in FOLLOW_NAVS:
                want(nav_type)
        if name not in NO_DERIVED:
            for child in derived.get(name, ()):
                want(child)
    resolved = {}
    for path in paths:
        found = resolve_path(model, path)
        if found is not None:
            resolved[path] = found
            want(found)
    # types pulled in by paths (e.g. directoryObject collections) need their closure too
    while queue:
        name = queue.pop()
        if name in keep or name not in types:
            continue
        keep.add(name)
        spec = types[name]
        for prop_type, _nullable in spec["props"].values():
            want(prop_type)
        if spec["base"]:
            want(spec["base"])
    return {
        "types": {name: types[name] for name in sorted(keep)},
        "enums": {name: enums[name] for name in sorted(keep_enums)},
        "paths": resolved,
    }


def resolve_path(model: Model, path: str) -> str | None:
    """The type a Graph path returns (``Collection(x)`` for collections), or None if the schema lacks it."""
    segments = path.split("/")
    current = model["container"].get(segments[0])
    if current is None:
        return None
    for segment in segments[1:]:
        if segment == "{id}":
            if not current.startswith("Collection("):
                return None
            current = _element(current)
            continue
        if current.startswith("Collection("):
            return None
        found = _member(model, current, segment)
        if found is None:
            return None
        current = found
    return current


def _member(model: Model, type_name: str, member: str) -> str | None:
    seen = type_name
    while seen:
        spec = model["types"].get(seen)
        if spec is None:
            return None
        if member in spec["navs"]:
            return str(spec["navs"][member])
        if member in spec["props"]:
            return str(spec["props"][member][0])
        seen = spec["base"]
    return None


# ---------------------------------------------------------------------------------------------- main


def build(read: Reader, commit: str) -> dict[str, Any]:
    v1_raw = read("schemas/v1.0-Prod.csdl")
    if v1_raw is None:
        raise SystemExit("schemas/v1.0-Prod.csdl is missing from the msgraph-metadata checkout")
    v1 = parse_csdl(v1_raw)
    beta_raw = read("schemas/beta-Prod.csdl")
    if beta_raw is not None:
        beta = parse_csdl(beta_raw)
        beta_source = ["schemas/beta-Prod.csdl"]
    else:
        parts = [p for p in ("schemas/beta-USSec.csdl", "schemas/beta-USNat.csdl") if read(p) is not None]
        if not parts:
            raise SystemExit("neither beta-Prod.csdl nor the sovereign beta CSDLs are in the checkout")
        beta = parse_csdl(read(parts[0]) or b"")
        for extra in parts[1:]:
            beta = merge(beta, parse_csdl(read(extra) or b""))
        mappings = []
        for kind in ("entity", "complex", "enum"):
            raw = read(f"schemas/type-mappings/beta-{kind}-types.json")
            if raw is None:
                raise SystemExit(f"schemas/type-mappings/beta-{kind}-types.json is missing")
            mappings.append(json.loads(raw))
        beta = overlay_mappings(beta, v1, *mappings)
        beta_source = [
            *parts,
            "schemas/type-mappings/beta-{entity,complex,enum}-types.json (authoritative names)",
        ]
    return {
        "source": {
            "repository": "microsoftgraph/msgraph-metadata",
            "commit": commit,
            "v1.0": ["schemas/v1.0-Prod.csdl"],
            "beta": beta_source,
            "generator": "tools/graph_schema_fixture.py",
        },
        "v1.0": reduce_model(v1, PATHS),
        "beta": reduce_model(beta, PATHS),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--git-dir", type=Path, help="a (bare) git directory of msgraph-metadata")
    where.add_argument("--checkout", type=Path, help="a work tree of msgraph-metadata")
    parser.add_argument("--commit", default="HEAD", help="revision to read with --git-dir (default HEAD)")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "tests/fixtures/graph_schema.json",
    )
    args = parser.parse_args(argv)
    if args.git_dir:
        commit = subprocess.run(
            ["git", f"--git-dir={args.git_dir}", "rev-parse", args.commit],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        read = git_reader(args.git_dir, commit)
    else:
        done = subprocess.run(
            ["git", "-C", str(args.checkout), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
        commit = done.stdout.strip() if done.returncode == 0 else "unknown"
        read = checkout_reader(args.checkout)
    fixture = build(read, commit)
    args.output.write_text(
        json.dumps(fixture, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8"
    )
    counts = {v: (len(fixture[v]["types"]), len(fixture[v]["enums"])) for v in ("v1.0", "beta")}
    print(f"wrote {args.output} from {commit[:12]}: types/enums {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
