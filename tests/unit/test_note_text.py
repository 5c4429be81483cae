"""A note's text: plain text kept exactly, rich-text HTML cut down to a safe subset."""

from __future__ import annotations

import pytest

from jobshots.core.errors import Invalid
from jobshots.core.notes import text


def test_plain_text_is_kept_exactly_as_sent_not_escaped() -> None:
    sent = 'Pressure < 1 bar & falling;\n  tenant says "it\'s loud" > usual  \n'
    assert text.cleaned(sent) == sent


def test_html_keeps_prose_lists_and_links_and_drops_whatever_runs_or_loads() -> None:
    sent = (
        '<p style="color:red" onclick="steal()">Boiler <b>fixed</b></p>'
        "<script>alert(1)</script><style>p{display:none}</style>"
        '<img src="https://tracker.example/pixel.gif" onerror="alert(2)">'
        '<iframe src="https://evil.example">framed</iframe>'
        '<ul><li>valve</li><li>pump</li></ul><a href="https://example.com/report">report</a>'
    )
    kept = text.cleaned(sent)
    assert kept == (
        "<p>Boiler <b>fixed</b></p><ul><li>valve</li><li>pump</li></ul>"
        '<a href="https://example.com/report" rel="noopener noreferrer">report</a>'
    )


@pytest.mark.parametrize(
    "href", ["javascript:alert(1)", "data:text/html,<b>x</b>", "vbscript:msgbox"]
)
def test_links_keep_only_web_and_mail_addresses(href: str) -> None:
    kept = text.cleaned(f'<a href="{href}" target="_blank">call</a> me')
    assert kept == '<a rel="noopener noreferrer">call</a> me'


def test_a_mailto_link_is_kept() -> None:
    kept = text.cleaned('<a href="mailto:office@example.com">e-mail us</a>')
    assert kept == '<a href="mailto:office@example.com" rel="noopener noreferrer">e-mail us</a>'


@pytest.mark.parametrize("sent", [None, "", "   \n\t"])
def test_a_missing_or_blank_note_is_refused_naming_the_field(sent: str | None) -> None:
    with pytest.raises(Invalid) as refused:
        text.cleaned(sent)
    assert refused.value.fields == {"note_text": ["is required"]}


def test_html_with_nothing_safe_left_is_refused() -> None:
    with pytest.raises(Invalid) as refused:
        text.cleaned("<script>alert(1)</script><img src=x onerror=alert(1)>")
    assert "note_text" in refused.value.fields


def test_the_length_limit_is_a_clear_error() -> None:
    assert text.cleaned("x" * text.MAX_CHARACTERS) == "x" * text.MAX_CHARACTERS
    with pytest.raises(Invalid) as refused:
        text.cleaned("x" * (text.MAX_CHARACTERS + 1))
    assert refused.value.fields == {
        "note_text": [f"must be at most {text.MAX_CHARACTERS} characters"]
    }


def test_plain_text_of_html_puts_blocks_on_lines_and_links_after_their_words() -> None:
    html = (
        "<p>Dear all,</p><p>Parts <b>ordered</b>:<br>two valves</p>"
        '<ul><li>one</li><li>two</li></ul><p>See <a href="https://example.com/x">the quote</a>'
        " &amp; call.</p>"
    )
    assert text.plain_text(html) == (
        "Dear all,\n\nParts ordered:\ntwo valves\n\n- one\n- two\n\n"
        "See the quote (https://example.com/x) & call."
    )


def test_plain_text_as_html_is_escaped_with_its_line_breaks() -> None:
    assert text.as_html("a < b\nc & d") == "a &lt; b<br>\nc &amp; d"
    assert text.plain_text("a < b\nc") == "a < b\nc"
