"""schemathesis against the OpenAPI schema of /api/ (in-process ASGI, authenticated): no server errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import TOKEN

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = 25
"""Per operation: ~12 operations × 25 cases stays well under 30 s."""


def test_the_schema_needs_a_login(app: Any, client_for: Any) -> None:
    assert client_for(None).get("/api/openapi.json").status_code == 401
    schema = client_for(None).get("/api/openapi.json", headers=AUTH).json()
    assert "/api/fleet" in schema["paths"] and "/api/changes/{change_id}/rollback" in schema["paths"]
    assert not any(path.startswith("/tenants") or path == "/" for path in schema["paths"])


def _fuzz(operation: Any, failures: list[str], calls: list[int]) -> None:
    from hypothesis import HealthCheck, given, settings

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        response = case.call(headers=AUTH)
        calls.append(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{operation.method.upper()} {case.formatted_path}: {response.status_code}")
        assert response.status_code < 500, response.text

    check()


def test_api_has_no_server_errors(app: Any) -> None:
    import schemathesis

    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, headers=AUTH)
    failures: list[str] = []
    calls: list[int] = []
    operations = 0
    for result in schema.get_all_operations():
        operations += 1
        _fuzz(result.ok(), failures, calls)
    assert operations >= 10
    assert len(calls) >= operations * 5  # really fuzzed, not skipped
    assert 200 in calls  # and some requests got through to the data
    assert failures == []
