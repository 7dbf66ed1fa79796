"""The HTML report in headless Chromium: it opens offline and shows the summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from mfaguard.formats import RenderOptions
from mfaguard.formats.audit import AUDIT_FORMATS
from tests.browser import chromium
from tests.builders.reports import CONTROL_METADATA, every_status_report, showcase_report
from tests.formats.golden import UPDATE

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "report.png"


def test_report_opens_in_chromium_and_shows_summary(tmp_path: Path) -> None:
    page_file = tmp_path / "report.html"
    page_file.write_text(
        AUDIT_FORMATS.render("html", every_status_report(), options=RenderOptions(controls=CONTROL_METADATA))
    )
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1100, "height": 900}, offline=True)
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        console_errors: list[str] = []
        page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
        page.goto(page_file.as_uri())
        assert page.title() == "mfaguard audit: Contoso Ltd"
        verdict = page.locator("#verdict")
        assert verdict.is_visible()
        assert (
            verdict.inner_text()
            == "2 controls failed; 1 could not be evaluated; 1 needs a look; 1 is an accepted risk (of 7 controls)."
        )
        assert page.locator("section.summary svg").is_visible()
        # Remediation of a failing control is visible without clicking; passes are folded away.
        assert page.get_by_text("Remove the exclusion or add the group").is_visible()
        assert not page.locator("#MFA-001").is_visible()
        # The escaped <script> shows as text and never ran.
        assert page.get_by_text("<script>alert('x')</script>", exact=False).is_visible()
        assert requests == [page_file.as_uri()]  # self-contained: nothing else was fetched
        assert console_errors == []
        context.close()


def test_readme_screenshot(tmp_path: Path) -> None:
    """Renders a realistic report; with MFAGUARD_UPDATE_GOLDEN=1 it refreshes docs/img/report.png."""
    page_file = tmp_path / "showcase.html"
    page_file.write_text(AUDIT_FORMATS.render("html", showcase_report(), options=RenderOptions(controls=())))
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 820})
        page.goto(page_file.as_uri())
        assert page.locator("#verdict").inner_text().startswith("5 controls failed")
        if UPDATE:
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.is_file()
