"""A 100,000-function profile's HTML report: small, and Chromium draws it."""

from __future__ import annotations

from typing import Any

import pytest

import workbench
from tests import workloads
from workbench.render.html import render_page

pytestmark = pytest.mark.browser


def test_a_huge_report_renders_in_chromium(browser: Any) -> None:
    run = workloads.many_functions(100_000)

    # No sampler (no line detail, no hints' evidence): the icicle is cProfile's 100,000
    # call edges, not a few dozen sampled stacks.
    with workbench.profiling(lines=None, memory="off", hints=False) as session:
        run()
    page_html = render_page(session.report, session.report.display)
    assert len(page_html.encode()) < 2 * 2**20
    page = browser.new_page()
    try:
        page.set_content(page_html, timeout=30_000)
        # each of the 100,000 calls is far narrower than a pixel: pruned, and said so
        drawn = page.locator("svg.awb-icicle g.awb-box")
        assert 1 <= drawn.count() <= 1500
        assert "run" in drawn.first.text_content()
        assert page.locator("svg.awb-icicle").bounding_box()["width"] > 100
        caption = page.locator("h4", has_text="Call tree (icicle)").inner_text()
        assert "in calls too small or too deep to draw" in caption
        rows = page.locator(".awb-report table").first.locator("tbody tr")
        assert rows.count() == session.report.top
    finally:
        page.close()
