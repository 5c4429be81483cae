"""Permission strings (as seed 004 names them) and what each role may do."""

from __future__ import annotations

PHOTOS_VIEW = "api.jobs.photos.view"
PHOTOS_MANAGE = "api.jobs.photos.manage"
JOBS_LIST = "api.jobs.manage.list"
JOBS_MANAGE = "api.jobs.manage.manage"
CASE_NOTES = "api.jobs.case_notes.manage"
DOCUMENTS = "api.jobs.documents.manage"
RECALLS = "api.jobs.recall.manage"
RECALL_COMPLETE = "api.jobs.mark_recall_completed.manage"
AMENDMENTS = "api.jobs.amend_request.manage"
AMENDABLE_FIELDS = "api.jobs.amendable_fields.manage"
REMEDIALS = "api.jobs.remedials.manage"
PINS = "api.jobs.toggle_pin.manage"
COMPANY_ADMIN = "company.admin"

ALL = frozenset(
    {
        PHOTOS_VIEW,
        PHOTOS_MANAGE,
        JOBS_LIST,
        JOBS_MANAGE,
        CASE_NOTES,
        DOCUMENTS,
        RECALLS,
        RECALL_COMPLETE,
        AMENDMENTS,
        AMENDABLE_FIELDS,
        REMEDIALS,
        PINS,
        COMPANY_ADMIN,
    }
)

_FIELD_WORKER = frozenset(
    {PHOTOS_VIEW, PHOTOS_MANAGE, JOBS_LIST, AMENDMENTS, AMENDABLE_FIELDS, PINS}
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "owner": ALL,
    "manager": ALL - {COMPANY_ADMIN},
    "staff": ALL - {COMPANY_ADMIN, RECALLS, RECALL_COMPLETE},
    "contractor": _FIELD_WORKER,
    "agent": _FIELD_WORKER | {CASE_NOTES, DOCUMENTS},
    "viewer": frozenset({PHOTOS_VIEW, JOBS_LIST}),
}


def effective(role: str, key_permissions: list[str] | None) -> frozenset[str]:
    """What a caller may do: the role's permissions, narrowed by the key's own list."""
    granted = ROLE_PERMISSIONS.get(role, frozenset())
    if key_permissions is None:
        return granted
    return granted & frozenset(key_permissions)
