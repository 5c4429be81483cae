"""Each vendored library works in a real browser under the web app's own Content-Security-Policy.

The page and its script are handed to the browser as if from the server, with the app's exact
headers; the libraries themselves come from the real server's /static route.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect, sync_playwright

from jobshots.web.rendering import APP_HEADERS
from tests.support.stack import Stack

pytestmark = pytest.mark.acceptance

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
VENDOR = "/static/vendor"
PICTURE = f"{VENDOR}/leaflet/images/layers-2x.png"

PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Vendored libraries</title>
<link rel="stylesheet" href="{VENDOR}/photoswipe/photoswipe.css">
<link rel="stylesheet" href="{VENDOR}/img-comparison-slider/styles.css">
<link rel="stylesheet" href="{VENDOR}/leaflet/leaflet.css">
<link rel="stylesheet" href="/csp-check.css">
<script src="/csp-check-violations.js"></script>
<script src="{VENDOR}/img-comparison-slider/index.js" defer></script>
<script src="{VENDOR}/leaflet/leaflet.js" defer></script>
<script type="module" src="/csp-check.js"></script>
</head>
<body>
<main>
<h1>Vendored libraries</h1>
<div id="gallery">
  <a href="{PICTURE}" data-pswp-width="52" data-pswp-height="52">
    <img src="{PICTURE}" alt="Layers icon">
  </a>
</div>
<img-comparison-slider id="slider">
  <img slot="first" src="{PICTURE}" alt="Before">
  <img slot="second" src="{VENDOR}/leaflet/images/marker-icon-2x.png" alt="After">
</img-comparison-slider>
<div id="map"></div>
<div id="axe-probe"><input type="text"></div>
</main>
</body>
</html>
"""

# Recorded before anything else loads, so no refusal goes unseen.
VIOLATIONS_JS = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
"""

PAGE_JS = f"""
import PhotoSwipeLightbox from "{VENDOR}/photoswipe/photoswipe-lightbox.esm.min.js";

const lightbox = new PhotoSwipeLightbox({{
  gallery: "#gallery",
  children: "a",
  pswpModule: () => import("{VENDOR}/photoswipe/photoswipe.esm.min.js"),
}});
lightbox.init();

const map = L.map("map").setView([53.7997, -1.5492], 17);
L.marker([53.7997, -1.5492], {{ alt: "Job site" }}).addTo(map);
document.body.dataset.ready = "yes";
"""

PAGE_CSS = "#map { width: 300px; height: 200px; }"

FILES = {
    "/csp-check": ("text/html; charset=utf-8", PAGE),
    "/csp-check-violations.js": ("text/javascript", VIOLATIONS_JS),
    "/csp-check.js": ("text/javascript", PAGE_JS),
    "/csp-check.css": ("text/css", PAGE_CSS),
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, the system's own."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(single_stack: Stack, browser: Browser) -> Iterator[Page]:
    """The test page loaded under the app's headers, all its problems noted on `page.problems`."""
    context = browser.new_context(viewport={"width": 390, "height": 900})
    tab = context.new_page()
    problems: list[str] = []

    def noted(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"{message.text} at {message.location.get('url')}")

    def served(route: Route) -> None:
        path = "/" + route.request.url.removeprefix(single_stack.url).lstrip("/")
        content_type, body = FILES[path]
        route.fulfill(body=body, headers={**APP_HEADERS, "Content-Type": content_type})

    tab.on("console", noted)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    for path in FILES:
        tab.route(f"{single_stack.url}{path}", served)
    tab.goto(f"{single_stack.url}/csp-check")
    expect(tab.locator("body")).to_have_attribute("data-ready", "yes")
    tab.problems = problems  # type: ignore[attr-defined]
    yield tab
    context.close()


def no_refusals(page: Page) -> None:
    """Nothing on the page broke the policy or threw."""
    assert page.evaluate("window.violations") == []
    assert page.problems == []  # type: ignore[attr-defined]


def test_the_page_really_is_under_the_apps_policy(page: Page) -> None:
    # An inline style is refused here, so the libraries' passing below means something.
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<style>#map {color: red}</style>')"
    )
    page.wait_for_function("() => window.violations.length > 0")
    assert "style-src" in page.evaluate("window.violations[0]")


def test_photoswipe_opens_the_picture_full_screen(page: Page) -> None:
    page.get_by_role("link", name="Layers icon").click()
    opened = page.locator(".pswp")
    expect(opened).to_be_visible()
    shown = opened.get_by_role("img", name="Layers icon")
    expect(shown).to_have_attribute("src", re.compile(f"{PICTURE}$"))
    shown.evaluate("img => img.decode()")
    # photoswipe.css applied: the viewer is fixed over the page.
    assert opened.evaluate("el => getComputedStyle(el).position") == "fixed"
    page.keyboard.press("Escape")
    expect(opened).to_have_count(0)
    no_refusals(page)


def test_the_comparison_slider_renders_with_its_own_shadow_styles(page: Page) -> None:
    slider = page.locator("#slider")
    expect(slider).to_have_class("rendered")
    # Its styles arrive as a constructed stylesheet, which the policy does not govern.
    assert slider.evaluate("el => el.shadowRoot.adoptedStyleSheets.length") == 1
    assert slider.evaluate("el => getComputedStyle(el).display") == "inline-block"
    expect(slider.get_by_role("img", name="After")).to_be_visible()
    slider.focus()
    # Holding the arrow key slides the divider until it is let go.
    page.keyboard.down("ArrowLeft")
    page.wait_for_function("() => document.querySelector('#slider').value < 50")
    page.keyboard.up("ArrowLeft")
    no_refusals(page)


def test_leaflet_draws_its_map_and_the_marker_icon_from_this_server(
    single_stack: Stack, page: Page
) -> None:
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    marker = page.get_by_role("button", name="Job site")
    expect(marker).to_have_attribute(
        "src", re.compile(rf"{VENDOR}/leaflet/images/marker-icon\.png$")
    )
    marker.evaluate("img => img.decode()")
    icon = page.request.get(f"{single_stack.url}{VENDOR}/leaflet/images/marker-icon.png")
    assert icon.headers["content-type"] == "image/png"
    no_refusals(page)


def test_axe_runs_when_injected_from_this_server(page: Page) -> None:
    page.add_script_tag(url=f"{VENDOR}/axe-core/axe.min.js")
    found = page.evaluate("axe.run('#axe-probe').then(r => r.violations.map(v => v.id))")
    assert "label" in found
    no_refusals(page)
