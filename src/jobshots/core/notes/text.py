"""A note's text: plain text kept as sent, rich-text HTML cut down to a safe subset."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

from jobshots.core.errors import Invalid

FIELD = "note_text"
MAX_CHARACTERS = 20_000
# What rich-text editors produce for prose, lists, quotes and links; nothing that runs,
# styles the page or loads anything from elsewhere (no img, iframe, style, script, form).
TAGS = frozenset(
    {
        "a", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4",
        "hr", "i", "ins", "li", "ol", "p", "pre", "s", "span", "strike", "strong", "sub",
        "sup", "u", "ul",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Dropped with everything inside them, not just their tags.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template"})
_BLOCKS = frozenset(
    {"p", "div", "blockquote", "pre", "h1", "h2", "h3", "h4", "ul", "ol", "li", "hr"}
)
_BLANK_LINES = re.compile(r"\n{3,}")


def is_html(text: str) -> bool:
    """True when the text carries markup (tags or comments), as a rich-text editor sends it."""
    return nh3.is_html(text)


def cleaned(text: str | None) -> str:
    """The text to store: plain text exactly as sent, HTML sanitised; Invalid naming
    `note_text` when it is missing, blank, too long or has nothing left once cleaned."""
    if text is None or not text.strip():
        raise Invalid.field(FIELD, "is required")
    if len(text) > MAX_CHARACTERS:
        raise Invalid.field(FIELD, f"must be at most {MAX_CHARACTERS} characters")
    if not is_html(text):
        return text
    safe = sanitised(text)
    if not plain_text(safe).strip():
        raise Invalid.field(FIELD, "has no text left once unsafe HTML is removed")
    return safe


def sanitised(markup: str) -> str:
    """HTML reduced to the safe subset; links keep only http(s) and mailto addresses and
    open with rel="noopener noreferrer"."""
    return nh3.clean(
        markup,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        strip_comments=True,
    )


def as_html(text: str) -> str:
    """A stored note as HTML: sanitised HTML as it is, plain text escaped with its line breaks."""
    if is_html(text):
        return text
    return html.escape(text).replace("\n", "<br>\n")


def plain_text(text: str) -> str:
    """A stored note as plain text: HTML's tags dropped, its blocks and breaks as new lines,
    each link's address after its words."""
    if not is_html(text):
        return text
    reader = _Reader()
    reader.feed(text)
    reader.close()
    lines = [line.rstrip() for line in "".join(reader.out).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


class _Reader(HTMLParser):
    """Collects the text of sanitised HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in _BLOCKS:
            self.out.append("\n\n")
        if tag == "a":
            self._links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._links:
            href = self._links.pop()
            if href and not href.startswith("mailto:"):
                self.out.append(f" ({href})")
        elif tag in _BLOCKS and tag != "li":
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.out.append(data)
