"""Device-filter rules judged for the attacker's unregistered device (every property empty)."""

from __future__ import annotations

import pytest

from mfaguard.coverage.device_filter import DeviceFilterError, parse_rule, unregistered_device_matches


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ('device.trustType -eq "ServerAD"', False),
        ("device.extensionAttribute1 -in ['a', 'b']", False),
        ('device.model -startsWith "Surface"', False),
        ('device.model -endsWith "Pro"', False),
        ('device.displayName -contains "PAW"', False),
        ('device.trustType -ne "ServerAD"', True),
        ('device.extensionAttribute1 -notIn ["a", "b"]', True),
        ('device.model -notStartsWith "x"', True),
        ('device.model -notEndsWith "x"', True),
        ('device.model -notContains "x"', True),
        ("device.isCompliant -EQ True", False),
        ('device.isCompliant -eq True -or device.trustType -ne "AzureAD"', True),
        ('device.isCompliant -eq True -and device.trustType -ne "AzureAD"', False),
        ('(device.a -eq "1" -or device.b -ne "2") -and device.c -notIn ["x"]', True),
        ('device.a -ne "1" -and (device.b -eq "2" -or device.c -eq "3")', False),
        ('device.displayName -eq "it""s \\"quoted\\" (x)"', False),
    ],
)
def test_unregistered_device(rule: str, expected: bool) -> None:
    assert unregistered_device_matches(rule) is expected


def test_and_binds_tighter_than_or() -> None:
    # a -or (b -and c): true through a.
    assert unregistered_device_matches('device.a -ne "1" -or device.b -eq "2" -and device.c -eq "3"')


@pytest.mark.parametrize(
    "rule",
    [
        "",
        'device.model -match "x"',
        'model -eq "x"',
        "device.model -eq",
        '(device.model -eq "x"',
        'device.model -eq "x" device.b -eq "y"',
        'device.model -eq "unterminated',
        "device.model -in ['a'",
        '-not device.model -eq "x"',
    ],
)
def test_rules_mfaguard_cannot_parse_are_errors(rule: str) -> None:
    with pytest.raises(DeviceFilterError):
        parse_rule(rule)
