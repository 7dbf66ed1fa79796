"""Dashboard hardening (issue 11): the signing key's length (6), login throttling behind proxies and
for bearer tokens (7), sessions that follow the fleet file, password changes and HTTPS (8), security
headers on 500s (9), and scrypt at OWASP's cost with a matching dummy hash (13). Through the app."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from mfaguard.errors import ConfigError
from tests.fleet.emulated import emulated_fleet
from tests.passwords import SECRET_KEY, hashed
from tests.web.conftest import PASSWORDS, TOKEN, login


def _app(seeded: Any, auth: Any, **kwargs: Any) -> Any:
    from mfaguard.web import create_app

    return create_app(seeded[0], auth=auth, secret_key=SECRET_KEY, **kwargs)


def _client(app: Any, *, peer: str = "testclient", https: bool = False) -> Any:
    from fastapi.testclient import TestClient

    return TestClient(app, base_url=f"{'https' if https else 'http'}://127.0.0.1", client=(peer, 40000))


def _form_csrf(client: Any) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert match is not None
    return match.group(1)


def _post_login(client: Any, name: str, password: str, **headers: str) -> Any:
    csrf = _form_csrf(client)
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": csrf},
        headers=headers,
        follow_redirects=False,
    )


class RecordingThrottle:
    """A LoginThrottle that remembers which address each attempt was counted under."""

    def __new__(cls, **limits: Any) -> Any:
        from mfaguard.web.auth import LoginThrottle

        class _Recording(LoginThrottle):
            def __init__(self) -> None:
                super().__init__(**limits)
                self.addresses: list[str] = []

            def begin(self, name: str | None, address: str) -> Any:
                self.addresses.append(address)
                return super().begin(name, address)

        return _Recording()


# ---- item 6: the session signing key -----------------------------------------------------------------


def test_a_short_signing_key_is_refused_naming_the_variable(seeded: Any, auth: Any) -> None:
    from mfaguard.web import create_app

    with pytest.raises(ConfigError, match="MFAGUARD_DASHBOARD_SECRET_KEY is shorter than 32"):
        create_app(seeded[0], auth=auth, env={"MFAGUARD_DASHBOARD_SECRET_KEY": "changeme"})
    with pytest.raises(ConfigError, match="shorter than 32"):
        create_app(seeded[0], auth=auth, secret_key="changeme")
    create_app(seeded[0], auth=auth, env={"MFAGUARD_DASHBOARD_SECRET_KEY": "x" * 32})


# ---- item 7: throttling -------------------------------------------------------------------------------


def test_a_correct_password_is_slowed_not_refused_behind_a_busy_proxy(seeded: Any, auth: Any) -> None:
    """All clients arrive from the proxy's 127.0.0.1 (no X-Forwarded-For): failures of other users
    push the address over its limit, yet vera still logs in — after waiting her turn."""
    throttle = RecordingThrottle(address_limit=3, slow_step=1.5)
    client = _client(_app(seeded, auth, throttle=throttle), peer="127.0.0.1")
    for name in ("mallory", "trudy", "eve"):
        assert _post_login(client, name, "guess").status_code == 401
    started = time.monotonic()
    response = _post_login(client, "vera", PASSWORDS["vera"])
    assert response.status_code == 303, response.text
    assert time.monotonic() - started >= 1.5  # slowed down
    assert set(throttle.addresses) == {"127.0.0.1"}


def test_forwarded_for_is_believed_from_trusted_proxies_only(seeded: Any, auth: Any) -> None:
    throttle = RecordingThrottle()
    app = _app(seeded, auth, throttle=throttle, trusted_proxies=["127.0.0.1", "::1", "10.0.0.0/8"])
    wrong = {"Authorization": "Bearer wrong-token-0123456789"}
    cases = [
        # (peer, X-Forwarded-For, the address the attempt is counted under)
        ("203.0.113.50", "198.51.100.1", "203.0.113.50"),  # not a proxy: the header is the client's
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),
        ("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.2.3", "198.51.100.7"),  # forged left entry ignored
        ("::1", "198.51.100.9", "198.51.100.9"),  # IPv6 loopback proxy
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
    ]
    for peer, forwarded, _expected in cases:
        response = _client(app, peer=peer).get("/api/fleet", headers={**wrong, "X-Forwarded-For": forwarded})
        assert response.status_code == 401
    assert throttle.addresses == [expected for _peer, _forwarded, expected in cases]


def test_forwarded_proto_makes_cookies_secure_only_from_a_trusted_proxy(seeded: Any, auth: Any) -> None:
    app = _app(seeded, auth)
    https = {"X-Forwarded-Proto": "https"}
    proxied = _client(app, peer="127.0.0.1").get("/login", headers=https)
    cookie = proxied.headers["set-cookie"]
    assert cookie.startswith("__Host-mfaguard_prelogin=") and "; secure" in cookie.lower()
    assert "max-age" in proxied.headers["strict-transport-security"]
    spoofed = _client(app, peer="203.0.113.50").get("/login", headers=https)
    assert spoofed.headers["set-cookie"].startswith("mfaguard_prelogin=")
    assert "strict-transport-security" not in spoofed.headers


def test_failed_bearer_tokens_are_throttled(seeded: Any, auth: Any) -> None:
    throttle = RecordingThrottle(address_limit=3, slow_step=1.0)
    client = _client(_app(seeded, auth, throttle=throttle), peer="198.51.100.20")
    for _ in range(3):
        assert (
            client.get("/api/fleet", headers={"Authorization": "Bearer wrong-0123456789abc"}).status_code
            == 401
        )
    started = time.monotonic()
    wrong = client.get("/api/fleet", headers={"Authorization": "Bearer wrong-0123456789abc"})
    assert wrong.status_code == 401 and time.monotonic() - started >= 1.0
    started = time.monotonic()
    right = client.get("/api/fleet", headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200 and time.monotonic() - started >= 1.0  # slowed, never refused
    # Another address is not affected.
    other = _client(client.app, peer="198.51.100.21")
    started = time.monotonic()
    assert other.get("/api/fleet", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert time.monotonic() - started < 1.0


def test_parallel_guesses_cannot_pass_the_check_before_failures_are_counted(seeded: Any, auth: Any) -> None:
    throttle = RecordingThrottle(user_limit=3)
    app = _app(seeded, auth, throttle=throttle)

    async def guess_in_parallel() -> list[int]:
        transport = httpx.ASGITransport(app=app, client=("198.51.100.30", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            page = await client.get("/login")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert csrf is not None
            form = {"username": "vera", "password": "guess", "csrf_token": csrf.group(1)}
            answers = await asyncio.gather(*(client.post("/login", data=form) for _ in range(10)))
            return sorted(a.status_code for a in answers)

    assert asyncio.run(guess_in_parallel()) == [401] * 3 + [429] * 7


def test_trusted_proxies_are_validated_and_published_in_the_fleet_file(tmp_path: Path) -> None:
    from mfaguard.fleet.config import fleet_json_schema
    from tests.conftest import run_cli

    dashboard = fleet_json_schema()["$defs"]["DashboardConfig"]["properties"]
    assert {"trusted_proxies", "secure_cookies"} <= set(dashboard)
    config = tmp_path / "fleet.yaml"
    config.write_text(
        "tenants:\n  - name: a\n    tenant_id: 00000000-0000-0000-0000-000000000001\n"
        "    credential: {type: token, env: TOK}\n"
        "dashboard:\n  trusted_proxies: [10.0.0.0/8, proxy.example]\n"
    )
    result = run_cli(["fleet", "audit", "--config", str(config)])
    assert result.returncode == 2 and f"{config}:6: dashboard.trusted_proxies" in result.stderr
    assert "proxy.example" in result.stderr and "not an IP address" in result.stderr


# ---- item 8: sessions ---------------------------------------------------------------------------------


def test_logins_follow_the_fleet_file_without_a_restart(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from mfaguard.web.serve import build_dashboard

    users = {"vera": ("operator", hashed(PASSWORDS["vera"])), "otto": ("operator", hashed(PASSWORDS["otto"]))}
    fleet = emulated_fleet(tmp_path, passwords=users)
    dashboard = build_dashboard(fleet.config, env={**fleet.env, "MFAGUARD_DASHBOARD_SECRET_KEY": SECRET_KEY})
    try:
        vera = login(TestClient(dashboard.app, base_url="http://127.0.0.1"), "vera")
        otto = login(TestClient(dashboard.app, base_url="http://127.0.0.1"), "otto")
        assert vera.get("/api/me").json()["role"] == "operator"
        text = fleet.config.read_text()

        # Demoted: the next request sees the viewer role.
        fleet.config.write_text(text.replace("{name: vera, role: operator", "{name: vera, role: viewer"))
        assert vera.get("/api/me").json()["role"] == "viewer"
        # Otto's password changed: his session ends; the new password logs in.
        new_otto = hashed("a-new-password-for-otto")
        demoted = fleet.config.read_text()
        fleet.config.write_text(demoted.replace(users["otto"][1], new_otto))
        assert otto.get("/api/me").status_code == 401
        assert vera.get("/api/me").status_code == 200  # only his
        again = TestClient(dashboard.app, base_url="http://127.0.0.1")
        csrf = _form_csrf(again)
        assert (
            again.post(
                "/login",
                data={"username": "otto", "password": "a-new-password-for-otto", "csrf_token": csrf},
                follow_redirects=False,
            ).status_code
            == 303
        )
        # Removed: no session, no login.
        lines = [line for line in fleet.config.read_text().splitlines() if "name: vera" not in line]
        fleet.config.write_text("\n".join(lines) + "\n")
        assert vera.get("/api/me").status_code == 401
        # A fleet file that no longer loads refuses everyone (fail closed), and recovers when fixed.
        fleet.config.write_text("tenants: [\n")
        assert again.get("/api/me").status_code == 503
        assert "nobody can log in" in again.get("/", follow_redirects=False).text
        fleet.config.write_text("\n".join(lines) + "\n")
        assert again.get("/api/me").json()["name"] == "otto"
    finally:
        dashboard.store.close()


def test_host_prefixed_secure_cookies_over_https(seeded: Any, auth: Any) -> None:
    app = _app(seeded, auth)
    client = _client(app, https=True)
    response = _post_login(client, "vera", PASSWORDS["vera"])
    assert response.status_code == 303
    session = response.headers["set-cookie"]
    assert session.startswith("__Host-mfaguard_session=") and "; secure" in session.lower()
    assert "path=/" in session.lower() and "domain" not in session.lower()
    assert client.get("/api/me").json()["name"] == "vera"
    # A cookie without the prefix (as a plain-HTTP page or a sibling host could plant) is no session.
    value = client.cookies.get("__Host-mfaguard_session")
    planted = _client(app, https=True)
    planted.cookies.set("mfaguard_session", value)
    assert planted.get("/api/me").status_code == 401


def test_secure_cookies_setting_forces_secure_and_hsts(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from mfaguard.web.serve import build_dashboard

    fleet = emulated_fleet(tmp_path, passwords={"vera": ("viewer", hashed(PASSWORDS["vera"]))})
    fleet.config.write_text(fleet.config.read_text() + "  secure_cookies: true\n")
    dashboard = build_dashboard(fleet.config, env=fleet.env)
    try:
        # The TLS proxy is on another host: the request reaches the dashboard over plain HTTP.
        client = TestClient(dashboard.app, base_url="http://127.0.0.1", client=("192.0.2.10", 5000))
        page = client.get("/login")
        assert page.headers["set-cookie"].startswith("__Host-mfaguard_prelogin=")
        assert "; secure" in page.headers["set-cookie"].lower()
        assert page.headers["strict-transport-security"] == "max-age=31536000"
    finally:
        dashboard.store.close()


# ---- item 9: security headers on a 500 --------------------------------------------------------------


def test_internal_errors_carry_the_security_headers(seeded: Any, auth: Any, monkeypatch: Any) -> None:
    from fastapi.testclient import TestClient

    store = seeded[0]

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(store, "list_tenants", broken)
    monkeypatch.setattr(store, "list_changes", broken)
    client = TestClient(_app(seeded, auth), base_url="http://127.0.0.1", raise_server_exceptions=False)
    login(client, "vera")
    for path in ("/api/tenants", "/changes"):
        response = client.get(path)
        assert response.status_code == 500, path
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert "database went away" not in response.text


# ---- item 13: password hashing ------------------------------------------------------------------------


def test_new_hashes_use_owasp_cost_and_weaker_ones_are_refused(tmp_path: Path) -> None:
    from mfaguard.fleet.passwords import hash_password, verify_password
    from tests.conftest import run_cli

    n, r, _p = (int(x) for x in hashed(PASSWORDS["vera"]).split("$")[1:4])
    assert n >= 2**17 and r >= 8
    weak = hash_password("old-password", n=2**15)
    assert not verify_password("old-password", weak)
    config = tmp_path / "fleet.yaml"
    config.write_text(
        "tenants:\n  - name: a\n    tenant_id: 00000000-0000-0000-0000-000000000001\n"
        f"    credential: {{type: token, env: TOK}}\ndashboard:\n  users:\n    - {{name: bob, password_hash: '{weak}'}}\n"
    )
    result = run_cli(
        ["serve", "--config", str(config), "--store", f"sqlite:///{tmp_path / 'h.db'}"], timeout=60
    )
    assert result.returncode == 2, result.stderr
    assert f"{config}:7: dashboard.users[0].password_hash:" in result.stderr
    assert "weaker" in result.stderr and "python -m mfaguard.fleet.passwords" in result.stderr
    assert weak.split("$")[-1] not in result.stderr


def test_unknown_users_cost_what_known_users_cost(seeded: Any, monkeypatch: Any) -> None:
    from mfaguard.fleet.passwords import hash_password
    from mfaguard.web import auth as web_auth
    from mfaguard.web.auth import AuthSettings, UserEntry

    # OWASP's cost, spelled out: the dummy checked for an unknown name must cost the same.
    strong = AuthSettings(users={"vera": UserEntry(hash_password(PASSWORDS["vera"], n=2**17), "viewer")})
    checked: list[str] = []
    real = web_auth.verify_password

    def spy(password: str, encoded: str) -> bool:
        checked.append(encoded)
        return real(password, encoded)

    monkeypatch.setattr(web_auth, "verify_password", spy)
    client = _client(_app(seeded, strong))
    assert _post_login(client, "nobody", "guess").status_code == 401
    assert _post_login(client, "vera", "guess").status_code == 401
    unknown, known = (encoded.split("$")[1:4] for encoded in checked)
    assert unknown == known  # same N, r, p: same time


def test_the_hash_command_makes_a_usable_hash() -> None:
    import os
    import subprocess
    import sys

    from mfaguard.fleet.passwords import verify_password
    from tests.conftest import SRC

    result = subprocess.run(
        [sys.executable, "-m", "mfaguard.fleet.passwords"],
        input="pass phrase 1\npass phrase 1\n",
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        start_new_session=True,  # no terminal: getpass reads standard input
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    encoded = result.stdout.strip().splitlines()[-1]
    assert verify_password("pass phrase 1", encoded) and "pass phrase 1" not in result.stdout
