from urllib.parse import unquote

import pytest

from jobshots.storage.disposition import content_disposition


def _params(header: str) -> tuple[str, str, str]:
    kind, fallback, extended = header.split("; ")
    assert fallback.startswith('filename="')
    assert fallback.endswith('"')
    assert extended.startswith("filename*=UTF-8''")
    return kind, fallback[len('filename="') : -1], extended[len("filename*=UTF-8''") :]


def test_plain_ascii_name_is_kept_in_both_forms() -> None:
    header = content_disposition("site photo 1.jpg")
    assert header == "inline; filename=\"site photo 1.jpg\"; filename*=UTF-8''site%20photo%201.jpg"


def test_attachment_when_not_inline() -> None:
    assert content_disposition("a.pdf", inline=False).startswith("attachment; ")


def test_quotes_and_backslashes_cannot_close_the_quoted_fallback() -> None:
    _, fallback, extended = _params(content_disposition('ev"il\\name".jpg'))
    assert fallback == "ev_il_name_.jpg"
    assert unquote(extended) == 'ev"il\\name".jpg'
    assert '"' not in extended
    assert "\\" not in extended


@pytest.mark.parametrize("name", ["a\r\nSet-Cookie: x=1.jpg", "a\nb.jpg", "a\x00b\x7f.jpg"])
def test_control_characters_never_reach_the_header(name: str) -> None:
    header = content_disposition(name)
    assert all(" " <= c <= "~" for c in header)
    _, fallback, extended = _params(header)
    assert len(fallback) == len(name)
    assert unquote(extended) == name


def test_unicode_name_has_ascii_fallback_and_utf8_extended_form() -> None:
    name = "Küche \u2013 Ölfleck 📷.jpg"
    header = content_disposition(name)
    assert header.isascii()
    _, fallback, extended = _params(header)
    assert fallback == "K_che _ _lfleck _.jpg"
    assert unquote(extended, encoding="utf-8") == name


def test_extended_form_uses_only_rfc5987_attr_chars() -> None:
    _, _, extended = _params(content_disposition("a;b,c=d'e (f) [g] {h} <i>/@?.jpg"))
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~%")
    assert set(extended) <= allowed


def test_lone_surrogate_does_not_raise() -> None:
    header = content_disposition("bad\udcffname.jpg")
    assert header.isascii()


def test_empty_name_gets_a_placeholder() -> None:
    _, fallback, extended = _params(content_disposition(""))
    assert fallback == "download"
    assert extended == "download"
