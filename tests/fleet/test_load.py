"""The fleet file as the runner sees it (merged defaults, paths relative to the file, overrides)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mfaguard.errors import ConfigError
from mfaguard.fleet.load import load_fleet
from mfaguard.fleet.model import Mode
from mfaguard.graph.auth import CredentialKind

FILE = """
store: sqlite:///{store}
concurrency: 7
defaults:
  graph_endpoint: http://127.0.0.1:9
  authority_host: https://127.0.0.1:9
  ca_bundle: certs/ca.pem
  mode: alert
  credential: {{type: client_secret, client_id: 11111111-1111-1111-1111-111111111111, secret_env: FLEET_SECRET}}
groups:
  gold:
    mode: remediate
    pilot_group: 22222222-2222-2222-2222-222222222222
tenants:
  - name: contoso
    tenant_id: 00000000-0000-0000-0000-000000000001
    tags: [gold]
    controls:
      MFA-006: {{enabled: false}}
      MFA-007: {{remediate: false}}
  - name: fabrikam
    tenant_id: 00000000-0000-0000-0000-000000000002
    credential: {{type: token, env: FABRIKAM_TOKEN}}
    number_matching: configurable
schedule: {{cron: "0 */6 * * *"}}
"""


def test_tenants_are_merged_and_mapped(tmp_path: Path) -> None:
    path = tmp_path / "mfaguard.yaml"
    path.write_text(FILE.format(store=tmp_path / "h.db"), encoding="utf-8")
    fleet = load_fleet(path)
    assert fleet.concurrency == 7 and fleet.store_url == f"sqlite:///{tmp_path / 'h.db'}"
    assert fleet.schedule is not None and fleet.schedule.cron == "0 */6 * * *"
    contoso, fabrikam = fleet.tenants
    assert contoso.mode is Mode.REMEDIATE and contoso.pilot_group == "22222222-2222-2222-2222-222222222222"
    assert contoso.connection.endpoint == "http://127.0.0.1:9"
    assert contoso.connection.credential.kind is CredentialKind.CLIENT_SECRET
    assert contoso.connection.credential.ca_bundle == str(tmp_path / "certs" / "ca.pem")
    assert contoso.skip_controls == {"MFA-006"}
    assert contoso.remediate_controls is not None
    assert "MFA-007" not in contoso.remediate_controls and "MFA-006" not in contoso.remediate_controls
    assert "MFA-004" in contoso.remediate_controls
    assert contoso.secret_envs == ("FLEET_SECRET",)
    assert fabrikam.mode is Mode.ALERT and fabrikam.remediate_controls is None
    assert fabrikam.connection.credential.kind is CredentialKind.TOKEN
    assert fabrikam.connection.credential.token_env == "FABRIKAM_TOKEN"
    assert fabrikam.settings.number_matching.value == "configurable"


def test_a_bad_file_names_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "mfaguard.yaml"
    path.write_text(
        FILE.format(store=tmp_path / "h.db").replace("mode: alert", "mode: fix-it"), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        load_fleet(path)
    assert "mfaguard.yaml:" in str(info.value) and "mode" in str(info.value)
