"""Charts rendered on the server as SVG (no JavaScript, no CDN: they work offline and print).

Every function takes plain data and returns SVG markup; the colours are the dashboard's status and
protection-level palettes, also used by the CSS (``static/dashboard.css``) so grid and charts agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from markupsafe import Markup, escape

from mfaguard.web.queries import STATUS_ORDER, TrendPoint

STATUS_COLOURS: dict[str, str] = {
    "FAIL": "#d1242f",
    "WARN": "#d4a72c",
    "ERROR": "#8250df",
    "PASS": "#1a7f37",
    "NOT_APPLICABLE": "#8c959f",
    "NONE": "#eaeef2",
}
LEVEL_COLOURS: dict[str, str] = {
    "phishing_resistant": "#1a7f37",
    "push_with_context": "#4ac26b",
    "push": "#d4a72c",
    "otp": "#e16f24",
    "phone_only": "#d1242f",
    "none": "#82071e",
}
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _svg(width: int, height: int, title: str, body: list[str], css_class: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def trend_chart(points: Sequence[TrendPoint], *, width: int = 720, height: int = 200) -> Markup:
    """Stacked bars: per audit run, how many controls were FAIL / WARN / ERROR / PASS / N/A."""
    title = "Status trend over runs"
    left, right, top, bottom = 34, 8, 10, 24
    body: list[str] = []
    if not points:
        body.append(
            f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" {_FONT}>no audits yet</text>'
        )
        return _svg(width, height, title, body, "trend-chart")
    peak = max(sum(p.counts.values()) for p in points) or 1
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / len(points)
    bar = max(1.0, step * 0.8)
    for tick in (0, peak // 2, peak):
        y = top + plot_h - plot_h * tick / peak
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de"/>')
        body.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>{tick}</text>')
    for i, p in enumerate(points):
        x = left + i * step + (step - bar) / 2
        y = float(top + plot_h)
        for status in STATUS_ORDER:
            n = p.counts.get(status, 0)
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            body.append(
                f'<rect class="bar s-{status}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{STATUS_COLOURS[status]}"><title>run {p.run_id} {_day(p.at)}: {n} {status}</title></rect>'
            )
    for i in sorted({0, len(points) - 1}):
        x = left + i * step + step / 2
        anchor = "start" if i == 0 else "end"
        body.append(
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="{anchor}" {_FONT}>{_day(points[i].at)}</text>'
        )
    return _svg(width, height, title, body, "trend-chart")


def coverage_chart(levels: Sequence[tuple[str, int, int]], *, width: int = 520) -> Markup:
    """Horizontal bars: users (and admins) per protection level, strongest first."""
    title = "Coverage by protection level"
    row, label_w, top = 26, 140, 6
    height = top + row * len(levels) + 8
    peak = max((users for _, users, _ in levels), default=0) or 1
    plot_w = width - label_w - 90
    body: list[str] = []
    for i, (level, users, admins) in enumerate(levels):
        y = top + i * row
        w = plot_w * users / peak
        body.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" {_FONT}>{escape(level)}</text>')
        body.append(
            f'<rect class="bar level-{escape(level)}" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" '
            f'fill="{LEVEL_COLOURS.get(level, "#8c959f")}"><title>{escape(level)}: {users} users, '
            f"{admins} admins</title></rect>"
        )
        body.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" {_FONT}>{users}'
            + (f" ({admins} admin)" if admins else "")
            + "</text>"
        )
    return _svg(width, height, title, body, "coverage-chart")


def status_bar(counts: dict[str, int] | object, *, width: int = 240, height: int = 14) -> Markup:
    """One stacked bar of status counts (fleet totals, a run's findings)."""
    values = dict(counts) if isinstance(counts, dict) else {}
    total = sum(values.values()) or 1
    x = 0.0
    body: list[str] = []
    for status in (*STATUS_ORDER, "NONE"):
        n = values.get(status, 0)
        if not n:
            continue
        w = width * n / total
        body.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{STATUS_COLOURS[status]}">'
            f"<title>{n} {status}</title></rect>"
        )
        x += w
    return _svg(width, height, "Status counts", body, "status-bar")


def grid_cells(cells: Sequence[str], control_ids: Sequence[str]) -> Markup:
    """The coloured cells of one fleet-grid row (``<td>`` per control). A fleet has few distinct
    (control, status) pairs, so each cell's markup is built once and reused: 500 tenants × 18
    controls render in a few milliseconds instead of through 9,000 template iterations."""
    return Markup("".join(_cell(c, s) for c, s in zip(control_ids, cells, strict=True)))


@lru_cache(maxsize=4096)
def _cell(control_id: str, status: str) -> str:
    c, s = escape(control_id), escape(status)
    return f'<td class="cell s-{s}" data-control="{c}" data-status="{s}" title="{c}: {s}"></td>'


def _day(at: datetime) -> str:
    return at.strftime("%Y-%m-%d")
