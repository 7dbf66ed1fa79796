"""Contract: every registered notifier is configurable, documented and tested."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from mfaguard.notify import NOTIFIERS, NotificationTarget
from tests.notify.receivers import DELIVERY_SETUPS

ROOT = Path(__file__).resolve().parents[2]


def test_every_notifier_has_a_config_model_in_the_fleet_union() -> None:
    union = typing.get_args(typing.get_args(NotificationTarget)[0])
    assert {spec.config_model for spec in NOTIFIERS.values()} == set(union)
    for name, spec in NOTIFIERS.items():
        assert spec.type_name == name
        assert typing.get_args(spec.config_model.model_fields["type"].annotation) == (name,)


def test_every_notifier_is_documented() -> None:
    doc = (ROOT / "docs" / "notifications.md").read_text(encoding="utf-8")
    for name in NOTIFIERS:
        assert f"## `{name}`" in doc, f"docs/notifications.md has no section for {name}"


def test_every_notifier_has_a_delivery_test() -> None:
    assert set(DELIVERY_SETUPS) == set(NOTIFIERS)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (
            {"type": "teams", "url_env": "https://prod-00.westeurope.logic.azure.com/x"},
            "NAME of an environment variable",
        ),
        ({"type": "slack"}, "Field required"),
        ({"type": "pager", "url_env": "X"}, "does not match any of the expected tags"),
        (
            {
                "type": "email",
                "host": "smtp.contoso.com",
                "security": "none",
                "from": "a@b.c",
                "to": ["x@y.z"],
            },
            "loopback",
        ),
        ({"type": "email", "host": "h", "from": "a@b.c", "to": []}, "at least 1"),
        (
            {"type": "email", "host": "h", "from": "a@b.c", "to": ["x@y.z"], "password_env": "PW"},
            "needs username",
        ),
    ],
)
def test_bad_target_configs_are_rejected(raw: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        TypeAdapter(NotificationTarget).validate_python(raw)
