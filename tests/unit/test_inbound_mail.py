"""Reading replies to case notes: what a person wrote, and what no person wrote."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from jobshots.core.errors import TooLarge
from jobshots.core.mail import reading, trimming
from jobshots.core.mail.refusals import AutomaticMessage, UnreadableMessage

NOTE_ID = "<note.0123456789abcdef0123456789abcdef@replies.example.com>"
REPLY_TO = "notes+abcdefgh@replies.example.com"


def _message(headers: str, body: str) -> bytes:
    return (headers.strip("\n") + "\n\n" + body).replace("\n", "\r\n").encode()


GMAIL = _message(
    f"""
Return-Path: <dave@plumbing.example>
Delivered-To: {REPLY_TO}
From: Dave Plumber <Dave@Plumbing.example>
To: Jobshots <{REPLY_TO}>
Subject: Re: Boiler service at 1 Quay St
In-Reply-To: {NOTE_ID}
References: <older@elsewhere.example> {NOTE_ID}
Message-ID: <CAF=abc123@mail.gmail.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="000000000000b1"
""",
    """--000000000000b1
Content-Type: text/plain; charset="UTF-8"

Parts arrived, I'll be on site Thursday at 9.

Dave

On Tue, 3 Dec 2024 at 09:12, Jobshots <notes+abcdefgh@replies.example.com>
wrote:

> Please confirm when the parts arrive.
>
> Olive

--000000000000b1
Content-Type: text/html; charset="UTF-8"

<div dir="ltr">Parts arrived, I&#39;ll be on site Thursday at 9.<div><br></div><div>Dave</div>
</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Tue, 3 Dec 2024 at
09:12, Jobshots &lt;notes+abcdefgh@replies.example.com&gt; wrote:<br></div><blockquote
class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Please confirm when the parts
arrive.<br><br>Olive</blockquote></div>

--000000000000b1--
""",
)

OUTLOOK_PLAIN = _message(
    f"""
From: "Smith, Agnes" <agnes.smith@lettings.example>
To: "notes" <{REPLY_TO}>
Subject: RE: Boiler service at 1 Quay St
Thread-Topic: Boiler service at 1 Quay St
In-Reply-To: {NOTE_ID}
Message-ID: <DB9PR01MB1234@DB9PR01MB1234.eurprd01.prod.outlook.com>
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0
""",
    """Thanks, the tenant will be in all day.

Kind regards
Agnes

________________________________
From: Jobshots <notes+abcdefgh@replies.example.com>
Sent: 03 December 2024 09:12
To: Agnes Smith <agnes.smith@lettings.example>
Subject: Boiler service at 1 Quay St

Please confirm when the parts arrive.
""",
)

OUTLOOK_HTML = _message(
    f"""
From: Agnes Smith <agnes.smith@lettings.example>
To: {REPLY_TO}
Subject: RE: Boiler service
Message-ID: <AM0PR01@outlook.com>
Content-Type: text/html; charset="utf-8"
MIME-Version: 1.0
""",
    """<html><head><style>p {margin:0}</style></head><body>
<div>Access is through the side gate &amp; the key is with number 3.</div>
<div id="appendonsend"></div>
<hr style="display:inline-block;width:98%">
<div id="divRplyFwdMsg"><b>From:</b> Jobshots<br><b>Sent:</b> 03 December 2024</div>
<div>Please confirm when the parts arrive.</div>
</body></html>
""",
)

APPLE_MAIL = _message(
    f"""
From: Paul Contact <paul@home.example>
To: {REPLY_TO}
Subject: Re: Boiler service
Message-Id: <5F2E1C4A-1111-2222-3333-444455556666@home.example>
In-Reply-To: {NOTE_ID}
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit
Mime-Version: 1.0 (1.0)
""",
    """Yes, Thursday morning suits — I'm in from 8.

Sent from my iPhone

> On 3 Dec 2024, at 09:12, Jobshots <notes+abcdefgh@replies.example.com> wrote:
>
> Please confirm a time for the visit.
""",
)

SIGNED = _message(
    """
From: dave@plumbing.example
To: notes+abcdefgh@replies.example.com
Subject: Re: Boiler service
Message-ID: <sig@plumbing.example>
Content-Type: text/plain; charset=utf-8
""",
    "Done. Pressure is back at 1.5 bar.\n\n-- \nDave Bloggs\nBloggs Plumbing Ltd | 01234 567890\n",
)


def test_a_gmail_reply_is_its_own_words_and_names_the_note_it_answers() -> None:
    mail = reading.read(GMAIL)
    assert mail.text == "Parts arrived, I'll be on site Thursday at 9.\n\nDave"
    assert (mail.sender_name, mail.sender_address) == ("Dave Plumber", "dave@plumbing.example")
    assert mail.message_id == "<CAF=abc123@mail.gmail.com>"
    assert mail.in_reply_to == (NOTE_ID,)
    assert mail.references == ("<older@elsewhere.example>", NOTE_ID)
    # Delivered-To repeats the To address: both are looked at, in header order.
    assert mail.recipients == (REPLY_TO, REPLY_TO)


def test_the_html_part_of_gmail_trims_to_the_same_words() -> None:
    message = BytesParser(policy=policy.default).parsebytes(GMAIL)
    html_part = message.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)
    html = html_part.get_content()
    assert "gmail_quote" in html
    assert trimming.trimmed(trimming.text_of_html(html)) == (
        "Parts arrived, I'll be on site Thursday at 9.\n\nDave"
    )


def test_an_outlook_reply_loses_the_original_below_its_rule_and_header_block() -> None:
    mail = reading.read(OUTLOOK_PLAIN)
    assert mail.text == "Thanks, the tenant will be in all day.\n\nKind regards\nAgnes"
    assert mail.sender_name == "Smith, Agnes"


def test_an_outlook_html_only_reply_is_read_as_text_up_to_its_history_marker() -> None:
    mail = reading.read(OUTLOOK_HTML)
    assert mail.text == "Access is through the side gate & the key is with number 3."


def test_an_apple_mail_reply_drops_sent_from_my_iphone_and_the_quote() -> None:
    mail = reading.read(APPLE_MAIL)
    assert mail.text == "Yes, Thursday morning suits — I'm in from 8."
    assert mail.message_id == "<5F2E1C4A-1111-2222-3333-444455556666@home.example>"


def test_a_signature_below_the_delimiter_is_trimmed() -> None:
    assert reading.read(SIGNED).text == "Done. Pressure is back at 1.5 bar."


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Fine by me.\n\n-----Original Message-----\nFrom: x\nPlease reply", "Fine by me."),
        ("Fine.\n-------- Original message --------\nFrom: x", "Fine."),
        ("Fine.\nOn Tue, 3 Dec 2024 at 09:12, Olive <o@x.example> wrote:\n> hi", "Fine."),
        ("Fine.\nLe mar. 3 déc. 2024 à 09:12, Olive <o@x.example> a écrit :\n> hi", "Fine."),
        ("Fine.\nAm 03.12.2024 um 09:12 schrieb Olive <o@x.example>:\n> hi", "Fine."),
        ("Fine.\n\nFrom: Olive\nDate: 3 December 2024\nTo: Dave\nSubject: hi", "Fine."),
        ("Yes\n> question one\nAnswer two\n> question two", "Yes\nAnswer two"),
        ("All sorted.\n\nGet Outlook for Android", "All sorted."),
        ("All sorted.\n--\nDave", "All sorted."),
        # A line that only mentions "From:" and "wrote" in passing is the reply's own.
        ("From: the loft, the pipe runs left.\nDave wrote the quote.", None),
    ],
)
def test_quoted_history_and_signatures_are_trimmed(text: str, kept: str | None) -> None:
    assert trimming.trimmed(text) == (text if kept is None else kept)


def test_html_keeps_paragraphs_and_drops_scripts_styles_and_quotes() -> None:
    html = (
        "<p>First line</p><p>Second<br>line</p><script>alert(1)</script>"
        '<blockquote type="cite">quoted</blockquote><div class="gmail_signature">Dave</div>'
    )
    assert trimming.text_of_html(html) == "First line\n\nSecond\nline"


def _automatic(headers: str, body: str = "I am away until Monday.\n") -> str:
    with pytest.raises(AutomaticMessage) as refused:
        reading.read(_message(headers, body))
    return refused.value.message


BASE = f"From: dave@plumbing.example\nTo: {REPLY_TO}\nIn-Reply-To: {NOTE_ID}\n"


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("Auto-Submitted: auto-replied\n", "Auto-Submitted: auto-replied"),
        ("Auto-Submitted: auto-generated; owner-email=x@y\n", "Auto-Submitted: auto-generated"),
        ("Precedence: bulk\n", "Precedence: bulk"),
        ("Precedence: junk\n", "Precedence: junk"),
        ("Precedence: list\n", "Precedence: list"),
        ("X-Autoreply: yes\n", "X-Autoreply"),
        ("X-Autorespond: Out of office\n", "X-Autorespond"),
        ("Return-Path: <>\n", "empty Return-Path"),
    ],
)
def test_auto_replies_and_bulk_mail_are_refused_naming_the_sign(extra: str, reason: str) -> None:
    assert reason in _automatic(BASE + extra)


def test_an_outlook_out_of_office_is_refused() -> None:
    headers = (
        "From: Agnes Smith <agnes.smith@lettings.example>\n"
        f"To: {REPLY_TO}\nSubject: Automatic reply: Boiler service\n"
        "Auto-Submitted: auto-generated\nX-Auto-Response-Suppress: All\n"
        "Content-Type: text/plain\n"
    )
    assert "Auto-Submitted" in _automatic(headers)


def test_auto_submitted_no_is_a_person_writing() -> None:
    mail = reading.read(_message(BASE + "Auto-Submitted: no\n", "On my way.\n"))
    assert mail.text == "On my way."


def test_a_bounce_is_refused() -> None:
    headers = (
        "Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example>\n"
        f"To: {REPLY_TO}\nSubject: Undelivered Mail Returned to Sender\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n'
    )
    body = (
        "--B\nContent-Type: text/plain\n\nThe mail system could not deliver your message.\n\n"
        "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
        "Final-Recipient: rfc822; gone@example.com\nAction: failed\nStatus: 5.1.1\n\n--B--\n"
    )
    assert "multipart/report; delivery-status" in _automatic(headers, body)


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example", "postmaster@mx.example"])
def test_mail_from_a_mail_server_is_a_bounce(sender: str) -> None:
    assert "mail server" in _automatic(f"From: {sender}\nTo: {REPLY_TO}\n")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b"\r\n\r\njust a body", "no headers"),
        (_message(f"To: {REPLY_TO}", "hello"), "no From"),
        (_message(f"From: a@x.example, b@x.example\nTo: {REPLY_TO}", "hi"), "more than one"),
    ],
)
def test_an_unreadable_message_is_refused_saying_why(raw: bytes, reason: str) -> None:
    with pytest.raises(UnreadableMessage) as refused:
        reading.read(raw)
    assert reason in refused.value.message


def test_a_message_over_the_size_limit_is_refused() -> None:
    with pytest.raises(TooLarge):
        reading.read(b"x" * (reading.MAX_MESSAGE_BYTES + 1))


def test_a_message_without_message_id_is_named_by_its_bytes() -> None:
    raw = _message(BASE, "On my way.\n")
    first, again = reading.read(raw), reading.read(raw)
    other = reading.read(_message(BASE, "Running late.\n"))
    assert first.message_id == again.message_id != other.message_id
    assert first.message_id.endswith("@inbound.jobshots.invalid>")


def test_an_unknown_charset_still_reads() -> None:
    raw = _message(BASE + "Content-Type: text/plain; charset=x-made-up\n", "Caf\u00e9 closed.\n")
    assert reading.read(raw).text == "Café closed."
