"""The web app's sharing: the job's public report link, and e-mailing chosen photos to the
customer through a real SMTP server, on a real server over HTTP."""

from __future__ import annotations

import io
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape

import httpx
import pytest
from PIL import Image
from sqlalchemy import select, update

from jobshots.db.models import AuditEvent, Company, Job, Photo
from tests.support.media import camera_jpeg
from tests.support.smtp import SmtpServer, smtp_server
from tests.support.stack import Stack, Tenant, running_stack
from tests.support.web import csrf_token, signed_in

MISSING = "00000000-0000-0000-0000-000000000000"
HTMX = {"HX-Request": "true", "HX-Target": "share-panel"}
CUSTOMER = "pat.customer@home.example"
GPS_IFD = 0x8825


@dataclass
class MailStack:
    """A server that sends its e-mail to a real SMTP server the test reads."""

    stack: Stack
    smtp: SmtpServer


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def mail_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MailStack]:
    """One server (and SMTP server) per database, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp(f"web-sharing-{request.param}")
    with smtp_server() as smtp:
        env = {"JOBSHOTS_SMTP_URL": smtp.url, "JOBSHOTS_MAIL_FROM": "Jobs <jobs@share.example>"}
        with running_stack(request.param, "local", tmp, None, env) as running:
            yield MailStack(running, smtp)


@pytest.fixture(scope="module")
def stack(mail_stack: MailStack) -> Stack:
    """The server."""
    return mail_stack.stack


@pytest.fixture(scope="module")
def owner(stack: Stack) -> Tenant:
    """A company whose people sign in to the web app."""
    return stack.new_tenant("Share Roofing")


def shown_link(panel: httpx.Response) -> str | None:
    """The report link the panel shows in its labelled text box, if any."""
    assert '<section class="share-panel" id="share-panel"' in panel.text, panel.text
    found = re.search(r'<input id="share-link"[^>]* value="([^"]+)"', panel.text)
    if found is None:
        assert "No link." in panel.text
        return None
    assert '<label for="share-link">Public report link</label>' in panel.text
    return unescape(found.group(1))


def buttons(panel: httpx.Response) -> list[str]:
    return re.findall(r"<button[^>]*>([^<]+)</button>", panel.text)


def opened_signed_out(stack: Stack, link: str) -> httpx.Response:
    assert link.startswith(stack.url + "/r/"), link
    return httpx.get(link, timeout=30)


def actions(stack: Stack, job: str) -> list[str]:
    query = (
        select(AuditEvent.action)
        .where(AuditEvent.entity_uuid == job, AuditEvent.action.like("report.%"))
        .order_by(AuditEvent.id)
    )
    return [str(action) for action in stack.scalars(query)]


def test_a_link_is_created_opens_signed_out_is_reissued_and_revoked(
    stack: Stack, owner: Tenant
) -> None:
    job = stack.new_job(owner, "Chimney repointing")
    with signed_in(stack, owner.owner_email) as browser:
        panel = browser.get(f"/app/jobs/{job}/share")
        assert panel.status_code == 200, panel.text
        assert shown_link(panel) is None
        assert buttons(panel) == ["Create link"]
        token = csrf_token(panel.text)
        base = f"/app/jobs/{job}/share"
        created = browser.post(f"{base}/create", data={"csrf_token": token}, headers=HTMX)
        first = shown_link(created)
        assert first is not None
        assert buttons(created) == ["Re-issue link", "Revoke link"]
        # A second press keeps the link already given out.
        again = browser.post(f"{base}/create", data={"csrf_token": token}, headers=HTMX)
        assert shown_link(again) == first
        report = opened_signed_out(stack, first)
        assert report.status_code == 200
        assert "Chimney repointing" in report.text
        reissued = browser.post(f"{base}/reissue", data={"csrf_token": token}, headers=HTMX)
        second = shown_link(reissued)
        assert second is not None
        assert second != first
        assert opened_signed_out(stack, first).status_code == 404
        assert opened_signed_out(stack, second).status_code == 200
        revoked = browser.post(f"{base}/revoke", data={"csrf_token": token}, headers=HTMX)
        assert shown_link(revoked) is None
        assert buttons(revoked) == ["Create link"]
        assert shown_link(browser.get(base)) is None
    assert opened_signed_out(stack, second).status_code == 404
    assert actions(stack, job) == [
        "report.created", "report.viewed", "report.reissued", "report.viewed", "report.revoked"
    ]  # fmt: skip


def test_each_button_is_a_form_that_works_without_script(stack: Stack, owner: Tenant) -> None:
    job = stack.new_job(owner, "Porch roof")
    with signed_in(stack, owner.owner_email) as browser:
        panel = browser.get(f"/app/jobs/{job}/share")
        form = re.search(r'<form method="post" action="([^"]+)" hx-post="([^"]+)"', panel.text)
        assert form, panel.text
        assert form.group(1) == form.group(2) == f"/app/jobs/{job}/share/create"
        assert 'hx-target="#share-panel" hx-swap="outerHTML"' in panel.text
        made = browser.post(form.group(1), data={"csrf_token": csrf_token(panel.text)})
        assert made.status_code == 303
        assert made.headers["location"].endswith(f"/app/{owner.company_uuid}/jobs/{job}")
        assert shown_link(browser.get(f"/app/jobs/{job}/share")) is not None


def test_a_viewer_sees_the_link_but_no_buttons_and_is_refused(stack: Stack, owner: Tenant) -> None:
    job = stack.new_job(owner, "Skylight")
    viewer = stack.new_colleague(owner, "viewer")
    with signed_in(stack, viewer.owner_email) as browser:
        panel = browser.get(f"/app/jobs/{job}/share")
        assert shown_link(panel) is None
        assert buttons(panel) == []
        token = csrf_token(browser.get("/app/jobs").text)
        for action in ("create", "reissue", "revoke"):
            refused = browser.post(
                f"/app/jobs/{job}/share/{action}", data={"csrf_token": token}, headers=HTMX
            )
            assert refused.status_code == 403, (action, refused.text)
    assert stack.scalars(select(Job.report_token).where(Job.uuid == uuid.UUID(job))) == [None]
    assert actions(stack, job) == []


def test_without_the_sessions_token_nothing_changes(stack: Stack, owner: Tenant) -> None:
    job = stack.new_job(owner, "Flashing")
    with signed_in(stack, owner.owner_email) as browser:
        tokenless = browser.post(f"/app/jobs/{job}/share/create", headers=HTMX)
        forged = browser.post(
            f"/app/jobs/{job}/share/create", data={"csrf_token": "1.forged"}, headers=HTMX
        )
    assert (tokenless.status_code, forged.status_code) == (403, 403)
    assert stack.scalars(select(Job.report_token).where(Job.uuid == uuid.UUID(job))) == [None]


def test_the_panel_says_when_the_reports_add_on_is_off(stack: Stack) -> None:
    owner = stack.new_tenant("No Reports Roofing")
    stack.execute(update(Company).where(Company.id == owner.company_id).values(addons=["photos"]))
    job = stack.new_job(owner, "Ridge tiles")
    with signed_in(stack, owner.owner_email) as browser:
        panel = browser.get(f"/app/jobs/{job}/share")
        assert "reports add-on is off" in unescape(panel.text)
        made = browser.post(
            f"/app/jobs/{job}/share/create",
            data={"csrf_token": csrf_token(panel.text)},
            headers=HTMX,
        )
    link = shown_link(made)
    assert link is not None
    assert "reports add-on is off" in unescape(made.text)
    assert opened_signed_out(stack, link).status_code == 404


def test_another_companys_job_answers_exactly_like_a_missing_one(
    stack: Stack, owner: Tenant
) -> None:
    job = stack.new_job(owner, "Private roof")
    rival = stack.new_tenant("Rival Roofing")
    with signed_in(stack, rival.owner_email) as browser:
        token = csrf_token(browser.get("/app/jobs").text)
        foreign = browser.get(f"/app/jobs/{job}/share")
        missing = browser.get(f"/app/jobs/{MISSING}/share")
        foreign_post = browser.post(f"/app/jobs/{job}/share/create", data={"csrf_token": token})
        missing_post = browser.post(f"/app/jobs/{MISSING}/share/create", data={"csrf_token": token})
    assert (foreign.status_code, missing.status_code) == (404, 404)
    assert foreign.text == missing.text
    assert (foreign_post.status_code, foreign_post.text) == (404, missing_post.text)
    assert stack.scalars(select(Job.report_token).where(Job.uuid == uuid.UUID(job))) == [None]


def job_with_photos(
    stack: Stack, owner: Tenant, title: str, count: int = 3
) -> tuple[str, list[str]]:
    """A job with `count` processed phone photos carrying GPS; their UUIDs."""
    job = stack.new_job(owner, title)
    made = [stack.upload(owner, job, f"site-{n}.jpg", camera_jpeg()) for n in range(count)]
    stack.settle()
    return job, made


def sent_flags(stack: Stack, photo_uuids: list[str]) -> list[bool]:
    query = select(Photo.uuid, Photo.customer_email_sent).where(
        Photo.uuid.in_([uuid.UUID(p) for p in photo_uuids])
    )
    flags = {str(found): bool(flag) for found, flag in stack.rows(query)}
    return [flags[p] for p in photo_uuids]


def flagged_eventually(stack: Stack, photo_uuids: list[str], seconds: float = 30) -> None:
    """Wait for the task that sent the e-mail to mark the photos (it runs after sending)."""
    deadline = time.monotonic() + seconds
    while not all(sent_flags(stack, photo_uuids)):
        assert time.monotonic() < deadline, "the sent photos were never marked"
        time.sleep(0.1)


def test_chosen_photos_are_emailed_as_renditions_without_gps(mail_stack: MailStack) -> None:
    stack, smtp = mail_stack.stack, mail_stack.smtp
    smtp.clear()
    owner = stack.new_tenant("Mail Roofing")
    job, photos = job_with_photos(stack, owner, "Garage roof")
    original = Image.open(io.BytesIO(camera_jpeg()))
    assert original.getexif().get_ifd(GPS_IFD), "the uploads do carry GPS"
    with signed_in(stack, owner.owner_email) as browser:
        panel = browser.get(f"/app/jobs/{job}/share")
        assert f'href="/app/jobs/{job}/email"' in panel.text
        form = browser.get(f"/app/jobs/{job}/email")
        assert form.status_code == 200, form.text
        for photo in photos:
            box = re.search(
                rf'<input type="checkbox" id="photo-{photo}" name="photos"[^>]*>', form.text
            )
            assert box, form.text
            img = re.search(
                rf'<label for="photo-{photo}">\s*<img src="([^"]+)" alt="([^"]+)"', form.text
            )
            assert img, form.text
            assert img.group(2).strip()
            assert browser.get(unescape(img.group(1))).status_code == 200
        posted = browser.post(
            f"/app/jobs/{job}/email",
            data={
                "csrf_token": csrf_token(form.text),
                "photos": [photos[0], photos[2]],
                "to": CUSTOMER,
                "message": "Here is the finished roof.",
            },
        )
        assert posted.status_code == 303, posted.text
        assert posted.headers["location"] == f"/app/jobs/{job}/email?sent=2"
        done = browser.get(posted.headers["location"])
        assert "2 photos on the way to the customer" in done.text
    [received] = smtp.wait_for(1)
    assert received.recipients == (CUSTOMER,)
    assert "Garage roof" in str(received.message["Subject"])
    assert "Here is the finished roof." in received.text()
    attached = list(received.message.iter_attachments())
    assert len(attached) == 2
    for part in attached:
        assert part.get_content_type() == "image/jpeg"
        picture = Image.open(io.BytesIO(part.get_content()))  # type: ignore[attr-defined]
        assert picture.format == "JPEG"
        assert "exif" not in picture.info
        assert not picture.getexif()
        assert not picture.getexif().get_ifd(GPS_IFD)
    flagged_eventually(stack, [photos[0], photos[2]])
    assert sent_flags(stack, photos) == [True, False, True]
    [data] = stack.scalars(
        select(AuditEvent.data).where(
            AuditEvent.entity_uuid == job, AuditEvent.action == "photos.emailed"
        )
    )
    assert data["count"] == 2
    assert sorted(data["photos"]) == sorted([photos[0], photos[2]])
    assert CUSTOMER not in str(data)


def test_a_bad_email_keeps_what_was_chosen_and_sends_nothing(mail_stack: MailStack) -> None:
    stack, smtp = mail_stack.stack, mail_stack.smtp
    owner = stack.new_tenant("Careful Roofing")
    job, photos = job_with_photos(stack, owner, "Dormer", count=2)
    _, others = job_with_photos(stack, owner, "Another job", count=1)
    smtp.clear()
    with signed_in(stack, owner.owner_email) as browser:
        form = browser.get(f"/app/jobs/{job}/email")
        token = csrf_token(form.text)
        refused = browser.post(
            f"/app/jobs/{job}/email",
            data={"csrf_token": token, "photos": [photos[1]], "to": "not an address",
                  "message": "Kept message"},
        )  # fmt: skip
        nothing = browser.post(f"/app/jobs/{job}/email", data={"csrf_token": token, "to": CUSTOMER})
        foreign = browser.post(
            f"/app/jobs/{job}/email",
            data={"csrf_token": token, "to": CUSTOMER, "photos": [photos[0], others[0]]},
        )
        good = browser.post(
            f"/app/jobs/{job}/email",
            data={"csrf_token": token, "to": "right@home.example", "photos": [photos[0]]},
        )
    assert refused.status_code == 422, refused.text
    page = unescape(refused.text)
    assert "Customer's email must be an e-mail address." in page
    assert re.search(r'<input id="to"[^>]*aria-invalid="true" aria-describedby="to-error"', page)
    assert "Kept message</textarea>" in page
    assert re.search(rf'id="photo-{photos[1]}"[^>]*checked', refused.text)
    assert not re.search(rf'id="photo-{photos[0]}"[^>]*checked', refused.text)
    assert nothing.status_code == 422
    assert "Photos must name at least one photo." in unescape(nothing.text)
    assert foreign.status_code == 422
    assert "must be photos of this job that are ready to send" in unescape(foreign.text)
    assert good.status_code == 303, good.text
    flagged_eventually(stack, [photos[0]])
    assert [m.recipients for m in smtp.messages] == [("right@home.example",)]
    assert sent_flags(stack, [photos[1], others[0]]) == [False, False]


def test_a_viewer_may_not_email_photos(stack: Stack, owner: Tenant) -> None:
    job = stack.new_job(owner, "Viewer's roof")
    viewer = stack.new_colleague(owner, "viewer")
    with signed_in(stack, viewer.owner_email) as browser:
        token = csrf_token(browser.get("/app/jobs").text)
        shown = browser.get(f"/app/jobs/{job}/email")
        sent = browser.post(
            f"/app/jobs/{job}/email", data={"csrf_token": token, "to": CUSTOMER, "photos": ["x"]}
        )
        panel = browser.get(f"/app/jobs/{job}/share")
    assert (shown.status_code, sent.status_code) == (403, 403)
    assert "/email" not in panel.text


def test_emailing_another_companys_job_answers_like_a_missing_one(
    stack: Stack, owner: Tenant
) -> None:
    job = stack.new_job(owner, "Someone else's roof")
    rival = stack.new_tenant("Rival Mailers")
    with signed_in(stack, rival.owner_email) as browser:
        token = csrf_token(browser.get("/app/jobs").text)
        foreign = browser.get(f"/app/jobs/{job}/email")
        missing = browser.get(f"/app/jobs/{MISSING}/email")
        data = {"csrf_token": token, "to": CUSTOMER, "photos": ["x"]}
        foreign_post = browser.post(f"/app/jobs/{job}/email", data=data)
        missing_post = browser.post(f"/app/jobs/{MISSING}/email", data=data)
    assert (foreign.status_code, foreign.text) == (404, missing.text)
    assert (foreign_post.status_code, foreign_post.text) == (404, missing_post.text)
