"""Severity: the one reader of severities (options, files, stored rows) and their order."""

from __future__ import annotations

import pytest

from mfaguard.errors import UsageError
from mfaguard.model.report import Severity


@pytest.mark.parametrize(("text", "expected"), [("high", Severity.HIGH), (" Critical ", Severity.CRITICAL)])
def test_parse_reads_any_case(text: str, expected: Severity) -> None:
    assert Severity.parse(text) is expected
    assert Severity.parse(expected) is expected


def test_parse_names_the_option_and_the_choices() -> None:
    with pytest.raises(UsageError) as info:
        Severity.parse("urgent", option="--fail-on")
    assert info.value.message == "invalid value for --fail-on: 'urgent'"
    assert info.value.hint == "use one of: critical, high, medium, low, info"


def test_rank_of_orders_known_values_and_never_fails_on_stored_data() -> None:
    ranks = [Severity.rank_of(s) for s in ("info", "LOW", "medium", "high", "critical")]
    assert ranks == [0, 1, 2, 3, 4]
    assert Severity.rank_of("bogus") == -1 and Severity.rank_of(None, unknown=0) == 0
