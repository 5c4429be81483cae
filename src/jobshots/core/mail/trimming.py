"""What a person wrote in a reply: their words, without the quoted history and signature."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Attribution lines that open the quoted original, as mail clients write them (some wrap
# them over two lines, so each is matched against a line joined with the next).
_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"On\s.+wrote:"  # Gmail, Apple Mail, Thunderbird
    r"|Le\s.+a\s+écrit\s*:"
    r"|Am\s.+schrieb\s.+:"
    r"|El\s.+escribió:"
    r"|Op\s.+schreef\s.+:"
    r")\s*$",
    re.IGNORECASE,
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:Original\s+Message|Forwarded\s+message|Original\s+message)\s*-{2,}\s*$",
    re.IGNORECASE,
)
# Outlook's header block of the message answered: "From:" then "Sent:" or "Date:" close by.
_HEADER_FROM = re.compile(r"^\s*\*?From:\*?\s", re.IGNORECASE)
_HEADER_SENT = re.compile(r"^\s*\*?(?:Sent|Date):\*?\s", re.IGNORECASE)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_QUOTED = re.compile(r"^\s*>")
_SIGNATURE = re.compile(r"^--\s?$")
_SENT_FROM = re.compile(
    r"^\s*(?:"
    r"Sent from my\s.+"
    r"|Sent from (?:Mail|Outlook|Yahoo Mail|Gmail|Samsung|ProtonMail)\b.*"
    r"|Sent (?:from|via) (?:the )?\w+ (?:app|mobile)\b.*"
    r"|Get Outlook for (?:iOS|Android)\b.*"
    r")\s*$",
    re.IGNORECASE,
)
_HEADER_BLOCK_LINES = 5


def trimmed(text: str) -> str:
    """The reply's own words: quoted history, `>` lines and signature removed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = lines[: _history_starts(lines)]
    lines = [line for line in lines if not _QUOTED.match(line)]
    lines = lines[: _signature_starts(lines)]
    kept = "\n".join(line.rstrip() for line in lines).strip("\n")
    # Blank runs left where quoted lines were taken out become one blank line.
    return re.sub(r"\n{3,}", "\n\n", kept).strip()


def _history_starts(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _ATTRIBUTION.match(line) or _ORIGINAL_MESSAGE.match(line):
            return index
        if line.strip() and _ATTRIBUTION.match(f"{line.rstrip()} {following.strip()}"):
            return index
        if _RULE.match(line) and _HEADER_FROM.match(following):
            return index
        if _HEADER_FROM.match(line) and any(
            _HEADER_SENT.match(later) for later in lines[index + 1 : index + _HEADER_BLOCK_LINES]
        ):
            return index
    return len(lines)


def _signature_starts(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        if _SIGNATURE.match(line) or _SENT_FROM.match(line):
            return index
    return len(lines)


def text_of_html(html: str) -> str:
    """An HTML reply as plain text, without the parts mail clients mark as quoted or signature."""
    reader = _HtmlReader()
    reader.feed(html)
    reader.close()
    return reader.text()


# Elements whose text is never the reply: code, styling, and what clients mark as quoted.
_SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "blockquote", "template"})
_SKIPPED_CLASSES = frozenset(
    {"gmail_quote", "gmail_signature", "moz-signature", "yahoo_quoted", "protonmail_quote"}
)
# Outlook puts everything after one of these markers into the quoted original.
_HISTORY_IDS = frozenset(
    {"divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container"}
)
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "table", "ul"}
)
_VOID_TAGS = frozenset(
    {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"}
)


class _HtmlReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._open: list[tuple[str, bool]] = []
        self._history = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if (named.get("id") or "").lower() in _HISTORY_IDS:
            self._history = True
        if tag in _BLOCK_TAGS:
            self._parts.append("\n")
        if tag in _VOID_TAGS:
            return
        classes = set((named.get("class") or "").split())
        self._open.append((tag, tag in _SKIPPED_TAGS or bool(classes & _SKIPPED_CLASSES)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self._parts.append("\n")
        for depth in range(len(self._open) - 1, -1, -1):
            if self._open[depth][0] == tag:
                del self._open[depth:]
                return

    def handle_data(self, data: str) -> None:
        if self._history or any(skipped for _, skipped in self._open):
            return
        self._parts.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        lines = "".join(self._parts).replace("\xa0", " ").split("\n")
        return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in lines)).strip()
