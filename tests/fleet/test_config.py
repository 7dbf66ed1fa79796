"""The fleet file: models, merging, line-precise errors, no inline secrets, the published schema."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from mfaguard.config.yaml import load_yaml_text
from mfaguard.errors import ConfigError
from mfaguard.fleet.config import (
    Mode,
    fleet_config_from_document,
    fleet_json_schema,
    load_fleet_config,
)
from mfaguard.fleet.load import tenants_of
from mfaguard.fleet.passwords import hash_password, is_password_hash, verify_password
from mfaguard.graph.auth import CredentialKind
from mfaguard.graph.clouds import Cloud
from mfaguard.model.settings import NumberMatchingMode
from tests.passwords import hashed

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "docs" / "schema" / "mfaguard.schema.json"
EXAMPLE = ROOT / "deploy" / "mfaguard.example.yaml"

T1 = "00000000-0000-0000-0000-000000000001"
T2 = "00000000-0000-0000-0000-000000000002"
APP = "11111111-1111-1111-1111-111111111111"
BG = "22222222-2222-2222-2222-222222222222"
BG2 = "33333333-3333-3333-3333-333333333333"
PILOT = "44444444-4444-4444-4444-444444444444"
HASH = hashed("correct horse")

FULL = f"""\
store: sqlite:////var/lib/mfaguard/history.db
defaults:
  cloud: usgov
  baseline: recommended
  mode: report
  credential: {{type: client_secret, client_id: {APP}, secret_env: FLEET_SECRET}}
  break_glass_groups: [{BG}]
  controls:
    MFA-006: {{remediate: false}}
groups:
  gold:
    mode: remediate
    pilot_group: {PILOT}
    notifications:
      - {{type: slack, url_env: GOLD_SLACK}}
  eu:
    cloud: global
    exceptions:
      - {{control: MFA-006, reason: kiosks, owner: secops, expires: 2027-03-31}}
tenants:
  - name: contoso
    tenant_id: {T1}
    tags: [gold, eu]
    break_glass_groups: [{BG2}]
    number_matching: configurable
    controls:
      mfa-012: {{enabled: false}}
  - name: fabrikam
    tenant_id: {T2}
    graph_endpoint: http://127.0.0.1:8443
    credential: {{type: token, env: FABRIKAM_TOKEN}}
    mode: alert
notifications:
  - {{type: teams, name: soc, url_env: TEAMS_URL, min_severity: high}}
  - type: email
    host: smtp.contoso.com
    username: mfaguard@contoso.com
    password_env: SMTP_PASSWORD
    from: mfaguard@contoso.com
    to: [secops@contoso.com]
schedule: {{every: 12h}}
concurrency: 16
dashboard:
  public_url: https://mfaguard.contoso.com
  users:
    - {{name: alice, role: operator, password_hash: "{HASH}"}}
    - {{name: bob, password_hash: "{HASH}"}}
"""


def _load(text: str) -> Any:
    return fleet_config_from_document(load_yaml_text(text, path="mfaguard.yaml"))


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        _load(text)
    assert info.value.exit_code == 2
    return str(info.value)


def test_full_file_merges_defaults_groups_and_tenant() -> None:
    config = _load(FULL)
    contoso, fabrikam = tenants_of(config, ROOT)
    # Scalars: tenant > groups (tag order) > defaults.
    assert contoso.mode is Mode.REMEDIATE and contoso.pilot_group == PILOT
    assert contoso.connection.credential.cloud is Cloud.GLOBAL  # eu group beats defaults' usgov
    assert contoso.settings.number_matching is NumberMatchingMode.CONFIGURABLE
    assert fabrikam.mode is Mode.ALERT and fabrikam.pilot_group is None
    assert fabrikam.connection.credential.cloud is Cloud.USGOV
    assert fabrikam.connection.endpoint == "http://127.0.0.1:8443"
    # Lists combine; controls merge per control.
    assert contoso.settings.break_glass_groups == (BG, BG2) and fabrikam.settings.break_glass_groups == (BG,)
    assert [e.control_id for e in contoso.settings.exceptions] == [
        "MFA-006"
    ] and fabrikam.settings.exceptions == ()
    assert contoso.settings.exceptions[0].expires == date(2027, 3, 31)
    assert contoso.skip_controls == {"MFA-012"}
    fixable = contoso.remediate_controls
    assert fixable is not None and "MFA-001" in fixable and not {"MFA-006", "MFA-012"} & fixable
    assert [t.type for t in contoso.notifications] == ["teams", "email", "slack"]
    assert [t.type for t in fabrikam.notifications] == ["teams", "email"]
    assert contoso.tags == ("gold", "eu")
    # Credentials become the options the token provider is built from (names of secrets only).
    options = contoso.connection.credential
    assert options.kind is CredentialKind.CLIENT_SECRET and options.client_secret_env == "FLEET_SECRET"
    assert options.client_id == APP and options.tenant_id == T1 and options.cloud is Cloud.GLOBAL
    token = fabrikam.connection.credential
    assert token.kind is CredentialKind.TOKEN and token.token_env == "FABRIKAM_TOKEN"
    assert contoso.secret_envs == ("FLEET_SECRET", "TEAMS_URL", "SMTP_PASSWORD", "GOLD_SLACK")
    settings = contoso.settings
    assert settings.break_glass_groups == (BG, BG2) and settings.exceptions[0].owner == "secops"
    assert config.schedule is not None and config.schedule.interval == timedelta(hours=12)
    assert config.concurrency == 16
    assert config.dashboard is not None and [u.role for u in config.dashboard.users] == ["operator", "viewer"]
    assert config.store_url({}) == "sqlite:////var/lib/mfaguard/history.db"


def test_deploy_example_is_valid() -> None:
    config = load_fleet_config(EXAMPLE)
    assert [t.name for t in tenants_of(config, ROOT)] == config.tenant_names()


def _replace(old: str, new: str) -> str:
    assert old in FULL
    return FULL.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            _replace("concurrency: 16", "concurency: 16"),
            "mfaguard.yaml:42: concurency: unknown key (allowed: concurrency, dashboard,",
        ),
        (_replace("    mode: alert\n", "    mode: remidiate\n"), "mfaguard.yaml:32: tenants[1].mode:"),
        (_replace("    tags: [gold, eu]", "    tags: gold"), "mfaguard.yaml:23: tenants[0].tags:"),
        (
            _replace(
                "url_env: TEAMS_URL", "url: 'https://prod.westeurope.logic.azure.com/workflows/x?sig=abc'"
            ),
            "mfaguard.yaml:34: notifications[0].url: url is written inline; secrets never go in the fleet file",
        ),
        (
            _replace("secret_env: FLEET_SECRET", "secret: p4ss~word"),
            "mfaguard.yaml:6: defaults.credential.secret: secret is written inline",
        ),
        (
            _replace("password_env: SMTP_PASSWORD", "password: hunter2"),
            "mfaguard.yaml:38: notifications[1].password: password is written inline",
        ),
        (
            _replace("secret_env: FLEET_SECRET", "secret_env: Zq8~4c2a-actual-secret"),
            "defaults.credential.client_secret.secret_env: must be the NAME of an environment variable",
        ),
        (
            _replace(f"    tenant_id: {T2}", "    tenant_id: fabrikam.onmicrosoft.com"),
            "mfaguard.yaml:29: tenants[1].tenant_id: must be a GUID",
        ),
        (
            _replace("  - name: fabrikam", "  - name: contoso"),
            "mfaguard.yaml:28: tenants[1].name: duplicate tenant name 'contoso'",
        ),
        (
            _replace(f"    tenant_id: {T2}", f"    tenant_id: {T1}"),
            "mfaguard.yaml:29: tenants[1].tenant_id: tenant 00000000-0000-0000-0000-000000000001 is already listed as 'contoso'",
        ),
        (
            _replace("schedule: {every: 12h}", "schedule: {every: 12h, cron: '0 * * * *'}"),
            "mfaguard.yaml:41: schedule: give exactly one of every or cron",
        ),
        (
            _replace("schedule: {every: 12h}", "schedule: {every: 12 hours}"),
            "schedule.every: must be a number and a unit",
        ),
        (_replace("schedule: {every: 12h}", "schedule: {every: 10s}"), "schedule.every: must be at least 1m"),
        (
            _replace("schedule: {every: 12h}", "schedule: {cron: '61 * * * *'}"),
            "schedule.cron: not a valid five-field cron",
        ),
        (
            _replace("      mfa-012: {enabled: false}", "      MFA-999: {enabled: false}"),
            "tenants[0].controls: unknown control 'MFA-999'",
        ),
        (
            _replace("store: sqlite:////var/lib/mfaguard/history.db", "store: postgresql://mfa:pw@db/mfa"),
            "mfaguard.yaml:1: store: the store URL holds a password",
        ),
        (
            _replace("store: sqlite:////var/lib/mfaguard/history.db", "store: mysql://db/mfa"),
            "store: unsupported history store URL scheme 'mysql'",
        ),
        (
            _replace(
                f'password_hash: "{HASH}"}}\n    - {{name: bob', 'password_hash: "hunter2"}\n    - {name: bob'
            ),
            "dashboard.users[0].password_hash: is not an mfaguard scrypt hash",
        ),
        (
            _replace("    - {name: bob", "    - {name: alice"),
            "dashboard.users: duplicate user name(s): alice",
        ),
        (_replace("  eu:\n", "  eu-west:\n"), "groups.eu-west: group 'eu-west' applies to no tenant"),
        (
            _replace(
                "    graph_endpoint: http://127.0.0.1:8443", "    graph_endpoint: http://graph.example.com"
            ),
            "tenants[1].graph_endpoint:",
        ),
        (_replace("  - {type: teams, name: soc,", "  - {type: pager, name: soc,"), "notifications[0]:"),
    ],
)
def test_errors_name_file_line_and_key(text: str, expected: str) -> None:
    assert expected in _error(text)


def test_a_tenant_without_any_credential_is_refused() -> None:
    text = _replace(
        f"  credential: {{type: client_secret, client_id: {APP}, secret_env: FLEET_SECRET}}\n", ""
    )
    assert "mfaguard.yaml:20: tenants[0]: no credential" in _error(text)


def test_every_credential_type_maps_to_options() -> None:
    kinds = {
        "{type: certificate, client_id: "
        + APP
        + ", certificate_path: /etc/c.pem, password_env: CERT_PW}": CredentialKind.CERTIFICATE,
        "{type: managed_identity}": CredentialKind.MANAGED_IDENTITY,
        "{type: workload_identity, client_id: " + APP + "}": CredentialKind.WORKLOAD_IDENTITY,
        "{type: azure_cli}": CredentialKind.AZURE_CLI,
        "{type: default}": CredentialKind.DEFAULT,
    }
    for cred, kind in kinds.items():
        config = _load(f"tenants:\n  - {{name: t, tenant_id: {T1}, credential: {cred}}}\n")
        [tenant] = tenants_of(config, ROOT)
        options = tenant.connection.credential
        assert options.kind is kind
        if kind is CredentialKind.CERTIFICATE:
            assert options.certificate_path == "/etc/c.pem" and options.certificate_password_env == "CERT_PW"
            assert tenant.secret_envs == ("CERT_PW",)


def test_minimal_file_gets_safe_defaults(tmp_path: Path) -> None:
    path = tmp_path / "mfaguard.yaml"
    path.write_text(f"tenants:\n  - name: t\n    tenant_id: {T1}\n    credential: {{type: azure_cli}}\n")
    config = load_fleet_config(path)
    [tenant] = tenants_of(config, ROOT)
    assert (tenant.mode, tenant.baseline, tenant.connection.credential.cloud) == (
        Mode.REPORT,
        "recommended",
        Cloud.GLOBAL,
    )
    assert config.schedule is None and config.notifications == [] and config.store is None
    assert config.store_url({}) is None


def test_store_env_reads_the_url_from_the_environment() -> None:
    config = _load(
        f"store_env: FLEET_STORE_URL\ntenants:\n  - {{name: t, tenant_id: {T1}, credential: {{type: default}}}}\n"
    )
    assert config.store_url({"FLEET_STORE_URL": "postgresql://u:p@h/db"}) == "postgresql://u:p@h/db"
    with pytest.raises(ConfigError, match="FLEET_STORE_URL, which is not set"):
        config.store_url({})


def test_empty_and_missing_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_fleet_config(tmp_path / "nope.yaml")
    assert "tenants: required key is missing" in _error("store: sqlite:///x.db\n")
    assert "tenants: List should have at least 1 item" in _error("tenants: []\n")


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def test_published_schema_is_up_to_date_and_validates_files() -> None:
    published = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert published == fleet_json_schema(), (
        "docs/schema/mfaguard.schema.json is stale; regenerate it with "
        "`python -c 'import json; from mfaguard.fleet.config import fleet_json_schema as s; "
        "print(json.dumps(s(), indent=2))' > docs/schema/mfaguard.schema.json`"
    )
    jsonschema.Draft202012Validator.check_schema(published)
    jsonschema.validate(_jsonable(yaml.safe_load(FULL)), published)
    jsonschema.validate(_jsonable(yaml.safe_load(EXAMPLE.read_text())), published)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            _jsonable(yaml.safe_load(_replace("concurrency: 16", "concurency: 16"))), published
        )


def test_password_hashes() -> None:
    encoded = hashed("s3cret pass")
    assert is_password_hash(encoded) and encoded.startswith("scrypt$131072$8$1$")
    assert verify_password("s3cret pass", encoded)
    assert not verify_password("s3cret pasS", encoded)
    weaker = hash_password("s3cret pass", n=2**14)
    assert hash_password("s3cret pass", n=2**14) != weaker  # salted
    assert not is_password_hash(weaker) and not verify_password("s3cret pass", weaker)  # refused
    assert not verify_password("x", "scrypt$2$8$1$AAAA$AAAA")  # too weak: refused, not checked
    assert not verify_password("x", "plain-text")
    with pytest.raises(ValueError):
        hash_password("")


def _dump_database(store: Any) -> str:
    """Every value of every row of every table, as text."""
    from sqlalchemy import MetaData, select

    meta = MetaData()
    meta.reflect(store.engine)
    parts: list[str] = []
    with store.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def test_secrets_named_in_the_fleet_file_never_reach_the_store(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fleet registers each tenant's secrets with the store; whatever quotes them is masked."""
    client_secret = "Zq8~fleet-client-secret-value-42"
    token = "eyJ0eXAiOiJKV1QifQ.eyJ0aWQiOiIwMDAwIn0.c2lnbmF0dXJlLWJ5dGVz"
    teams_url = "https://prod-12.westeurope.logic.azure.com/workflows/abc/invoke?sig=TeamsSig123456"
    smtp_password = "smtp-pa55word-value"
    env = {
        "FLEET_SECRET": client_secret,
        "FABRIKAM_TOKEN": token,
        "TEAMS_URL": teams_url,
        "SMTP_PASSWORD": smtp_password,
        "GOLD_SLACK": "https://hooks.slack.com/services/T000/B000/SlackSecretPath",
    }
    config = _load(FULL)
    for tenant in tenants_of(config, ROOT):
        store.upsert_tenant(tenant.name, tenant_id=tenant.tenant_id, tags=tenant.tags)
        store.add_secrets(env[name] for name in tenant.secret_envs)
        run = store.record_run(tenant.name, "audit")
        # What a careless SDK error or a debug dump might carry:
        leaky = f"auth failed: secret={client_secret} token={token} posting to {teams_url} pw={smtp_password}"
        store.save_snapshot(run, {"raw": leaky, "options": repr(tenant.connection.credential)})
        store.finish_run(run, status="error", error=leaky, summary={"note": leaky})
        change = store.create_change(tenant.name, plan={"why": leaky})
        store.mark_change(change, "failed", error=leaky)
        store.claim_notification(f"run_error:{tenant.name}:{run}", "teams:TEAMS_URL")
        store.finish_notification(
            f"run_error:{tenant.name}:{run}", "teams:TEAMS_URL", sent=False, attempts=3, error=leaky
        )
    dump = _dump_database(store)
    assert "contoso" in dump and "FLEET_SECRET" in dump  # names of variables may be kept; values never
    for secret in env.values():
        assert secret not in dump
    assert "TeamsSig123456" not in dump and "SlackSecretPath" not in dump
