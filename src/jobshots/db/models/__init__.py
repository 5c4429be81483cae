"""Every model, imported so the metadata is complete."""

from jobshots.db.models.companies import ADDONS, ROLES, ApiKey, Company, LoginToken, User
from jobshots.db.models.jobs import (
    LINE_ITEM_KINDS,
    CaseNote,
    Document,
    Job,
    JobMessage,
    LineItem,
    job_tenants,
)
from jobshots.db.models.photos import (
    PHOTO_TYPES,
    STORED_STATES,
    Photo,
    Rendition,
)
from jobshots.db.models.reference import (
    STAGES,
    DocumentCategory,
    JobPriority,
    JobStatus,
    JobType,
    PaymentStatus,
    PropertyAddress,
    Tenant,
    TimeRange,
)
from jobshots.db.models.workflow import (
    AmendmentRequest,
    ApprovalDecision,
    AuditEvent,
    JobPin,
    Recall,
    RemedialLink,
)

__all__ = [
    "ADDONS",
    "LINE_ITEM_KINDS",
    "PHOTO_TYPES",
    "ROLES",
    "STAGES",
    "STORED_STATES",
    "AmendmentRequest",
    "ApiKey",
    "ApprovalDecision",
    "AuditEvent",
    "CaseNote",
    "Company",
    "Document",
    "DocumentCategory",
    "Job",
    "JobMessage",
    "JobPin",
    "JobPriority",
    "JobStatus",
    "JobType",
    "LineItem",
    "LoginToken",
    "PaymentStatus",
    "Photo",
    "PropertyAddress",
    "Recall",
    "RemedialLink",
    "Rendition",
    "Tenant",
    "TimeRange",
    "User",
    "job_tenants",
]
