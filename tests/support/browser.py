"""Headless Chromium for the web app's browser tests: launching it, screenshots, axe-core."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
AXE = Path(__file__).resolve().parents[2] / "src/jobshots/web/static/vendor/axe-core/axe.min.js"


@contextmanager
def chromium() -> Iterator[Browser]:
    """The system's own Chromium (never `playwright install`)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def shoot(page: Page, name: str, fallback: Path) -> Path:
    """A full-page screenshot kept as a test artifact (never committed), named by width."""
    folder = Path(os.environ.get("JOBSHOTS_TEST_ARTIFACTS", fallback))
    folder.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = folder / f"{name}-{width}.png"
    page.screenshot(path=path, full_page=True)
    return path


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it stands.

    The vendored axe is evaluated through the DevTools protocol, which the page's policy does
    not govern; the page itself is tested under its real policy.
    """
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
              .filter(v => v.impact === "serious" || v.impact === "critical")
              .map(v => ({id: v.id, impact: v.impact, help: v.help,
                          nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))"""
    )
    return found
