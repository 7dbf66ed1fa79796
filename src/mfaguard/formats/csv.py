"""The CSV writer every CSV document shares (audit, fleet, coverage, alerts): RFC 4180 quoting, and no
cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

__all__ = ["csv_text", "neutral_cell"]

# A cell starting with one of these is taken for a formula by Excel/LibreOffice ("CSV injection");
# text from the tenant (group, tenant, user or app names) could start with one, so such cells get a
# leading quote. Every CSV mfaguard writes (audit, coverage, detect) goes through :func:`csv_text`.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral_cell(value: object) -> object:
    """A cell spreadsheets show as text: ``None`` → ``""``, text that would start a formula gets a
    leading ``'``; numbers stay numbers (a negative count is not an injection)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], *, line_end: str = "\r\n") -> str:
    """The CSV document: header, then ``rows`` with every cell through :func:`neutral_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows([neutral_cell(v) for v in row] for row in rows)
    return buffer.getvalue()
