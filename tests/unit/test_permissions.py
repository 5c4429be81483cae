"""What each role may do, and a key narrowed to a subset in either of the vendor's spellings."""

from __future__ import annotations

from jobshots.core import permissions as p


def test_owners_and_managers_may_do_everything_staff_all_but_manager_decisions() -> None:
    assert p.ROLE_PERMISSIONS["owner"] == p.ALL
    assert p.ROLE_PERMISSIONS["manager"] == p.ALL - {p.COMPANY_ADMIN}
    assert p.ROLE_PERMISSIONS["staff"] == p.ALL - {
        p.COMPANY_ADMIN, p.AMENDMENT_APPROVAL, p.REFERENCE_MANAGE, p.APPROVAL_GATE,
        p.APPROVAL_RULE, p.PEOPLE_MANAGE, p.JOBS_HOLD, p.EVIDENCE_SETTINGS,
    }  # fmt: skip


def test_contractors_and_agents_work_on_jobs_but_never_decide_or_delete() -> None:
    for role in ("contractor", "agent"):
        granted = p.ROLE_PERMISSIONS[role]
        assert {p.JOBS_LIST, p.PHOTOS_VIEW, p.PHOTOS_MANAGE, p.DOCUMENTS, p.CASE_NOTES} <= granted
        assert p.AMENDMENTS in granted
        assert not granted & {p.JOBS_MANAGE, p.AMENDMENT_APPROVAL, p.RECALLS, p.COMPANY_ADMIN}


def test_viewers_only_read() -> None:
    assert p.ROLE_PERMISSIONS["viewer"] == {
        p.JOBS_LIST, p.PHOTOS_VIEW, p.DOCUMENT_THUMBNAILS, p.ATTACHMENTS
    }  # fmt: skip


def test_a_key_narrows_its_role_and_either_spelling_names_the_same_permission() -> None:
    narrowed = p.effective("staff", ["api.jobs.case-notes.manage", p.PHOTOS_VIEW])
    assert narrowed == {p.CASE_NOTES, p.PHOTOS_VIEW}
    # A key cannot grant what the role does not have.
    assert p.effective("viewer", [p.CASE_NOTES]) == frozenset()
    assert p.effective("viewer", None) == p.ROLE_PERMISSIONS["viewer"]


def test_a_key_that_may_manage_something_may_also_read_it() -> None:
    assert p.effective("staff", [p.PHOTOS_MANAGE]) == {p.PHOTOS_MANAGE, p.PHOTOS_VIEW}
    assert p.effective("staff", [p.JOBS_MANAGE]) == {p.JOBS_MANAGE, p.JOBS_LIST}
    assert p.effective("staff", [p.DOCUMENTS]) >= {p.DOCUMENTS, p.ATTACHMENTS}
    # Reading through a manage key never grants what the role lacks.
    assert p.effective("viewer", [p.PHOTOS_MANAGE]) == {p.PHOTOS_VIEW}
