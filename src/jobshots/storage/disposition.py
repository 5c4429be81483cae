"""Content-Disposition header values that survive any file name."""

from __future__ import annotations

from urllib.parse import quote


def content_disposition(filename: str, *, inline: bool = True) -> str:
    """A header value with an ASCII `filename` fallback and an RFC 5987 `filename*`."""
    name = filename or "download"
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in name)
    # Lone surrogates (from badly decoded names) cannot be UTF-8 encoded; replace them.
    encoded = quote(name.encode("utf-8", "replace"), safe="")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
