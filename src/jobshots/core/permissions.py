"""Permission strings (as seed 004 names them) and what each role may do."""

from __future__ import annotations

PHOTOS_VIEW = "api.jobs.photos.view"
PHOTOS_MANAGE = "api.jobs.photos.manage"
JOBS_LIST = "api.jobs.manage.list"
JOBS_MANAGE = "api.jobs.manage.manage"
CASE_NOTES = "api.jobs.case_notes.manage"
DOCUMENTS = "api.jobs.documents.manage"
DOCUMENT_THUMBNAILS = "api.jobs.document_thumbnail.view"
ATTACHMENTS = "api.system.attachment.view"
RECALLS = "api.jobs.recall.manage"
RECALL_COMPLETE = "api.jobs.mark_recall_completed.manage"
AMENDMENTS = "api.jobs.amend_request.manage"
# Ours: the vendor's pages use one key to propose and to decide; deciding is kept apart.
AMENDMENT_APPROVAL = "api.jobs.amend_request.approve"
AMENDABLE_FIELDS = "api.jobs.amendable_fields.manage"
REMEDIALS = "api.jobs.remedials.manage"
PINS = "api.jobs.toggle_pin.manage"
# Ours: the vendor's lookups are read with the jobs; changing them is for managers only.
REFERENCE_MANAGE = "api.jobs.reference_data.manage"
# Ours: the vendor's pages give the approval gate only the jobs key; deciding at a gate and
# setting the company's gate rule are kept for managers.
APPROVAL_GATE = "api.jobs.approval_gate.manage"
APPROVAL_RULE = "api.jobs.approval_gate_rule.manage"
# Ours: adding people, changing their roles, deactivating them and their API keys; an owner
# manages everyone, a manager everyone but owners (core/users/people.py holds that rule).
PEOPLE_MANAGE = "company.people.manage"
# Ours: a legal hold stops every deletion of a job's evidence; only managers place or lift it.
JOBS_HOLD = "api.jobs.legal_hold.manage"
# Ours: how long deleted photos' files are kept, and the evidence thresholds, are managers'.
EVIDENCE_SETTINGS = "company.evidence.manage"
COMPANY_ADMIN = "company.admin"

ALL = frozenset(
    {
        PHOTOS_VIEW,
        PHOTOS_MANAGE,
        JOBS_LIST,
        JOBS_MANAGE,
        CASE_NOTES,
        DOCUMENTS,
        DOCUMENT_THUMBNAILS,
        ATTACHMENTS,
        RECALLS,
        RECALL_COMPLETE,
        AMENDMENTS,
        AMENDMENT_APPROVAL,
        AMENDABLE_FIELDS,
        REMEDIALS,
        PINS,
        REFERENCE_MANAGE,
        APPROVAL_GATE,
        APPROVAL_RULE,
        PEOPLE_MANAGE,
        JOBS_HOLD,
        EVIDENCE_SETTINGS,
        COMPANY_ADMIN,
    }
)
# The vendor's pages spell some keys two ways; both name the same permission.
SPELLINGS = {"api.jobs.case-notes.manage": CASE_NOTES}
# A key granted to manage something may also read it: the vendor's clients hold only the
# manage key of an endpoint and still list through it, and a manager's key narrowed to that
# one key still decides what it covers (amendments, the approval gate).
IMPLIED = {
    JOBS_MANAGE: frozenset({JOBS_LIST, APPROVAL_GATE}),
    AMENDMENTS: frozenset({AMENDMENT_APPROVAL}),
    PHOTOS_MANAGE: frozenset({PHOTOS_VIEW}),
    DOCUMENTS: frozenset({ATTACHMENTS, DOCUMENT_THUMBNAILS}),
}

# What owners and managers decide and set, and staff do not.
_MANAGERS_ONLY = frozenset(
    {
        AMENDMENT_APPROVAL,
        REFERENCE_MANAGE,
        APPROVAL_GATE,
        APPROVAL_RULE,
        PEOPLE_MANAGE,
        JOBS_HOLD,
        EVIDENCE_SETTINGS,
    }
)
_READ = frozenset({JOBS_LIST, PHOTOS_VIEW, DOCUMENT_THUMBNAILS, ATTACHMENTS})
# Contractors and agents work on their own jobs only (the jobs rule narrows what they see).
_FIELD_WORKER = _READ | {PHOTOS_MANAGE, DOCUMENTS, CASE_NOTES, AMENDMENTS, AMENDABLE_FIELDS, PINS}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "owner": ALL,
    "manager": ALL - {COMPANY_ADMIN},
    "staff": ALL - _MANAGERS_ONLY - {COMPANY_ADMIN},
    "contractor": _FIELD_WORKER,
    "agent": _FIELD_WORKER,
    "viewer": _READ,
}


def canonical(permission: str) -> str:
    """The one spelling of a permission string."""
    return SPELLINGS.get(permission, permission)


def effective(role: str, key_permissions: list[str] | None) -> frozenset[str]:
    """What a caller may do: the role's permissions, narrowed by the key's own list."""
    granted = ROLE_PERMISSIONS.get(role, frozenset())
    if key_permissions is None:
        return granted
    named = {canonical(p) for p in key_permissions}
    implied = {more for p in named for more in IMPLIED.get(p, ())}
    return granted & frozenset(named | implied)
