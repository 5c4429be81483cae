"""The bench's companies, made through the core: reference data, people, an owner's API key."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from jobshots.core.companies import service as companies
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import service as users
from jobshots.db.models import (
    DocumentCategory,
    JobPriority,
    JobStatus,
    JobType,
    PaymentStatus,
    TimeRange,
)

# The first company holds the most of everything and the open jobs the SLA route measures.
FIRST_COMPANY = "Northgate Property Services"
_NAMES = ["Harbour", "Pennine", "Oakfield", "Riverside", "Castle", "Meadow", "Granite", "Beacon"]
_TRADES = ["Maintenance", "Facilities", "Lettings", "Repairs", "Homes", "Estates"]
PASSWORD = "bench password 1234"  # noqa: S105  (every owner's, printed with the keys)
# People per company beside the owner, by role.
STAFF = {"manager": 1, "staff": 2, "contractor": 4, "agent": 2}


@dataclass
class BenchCompany:
    """A company as the rows need it: its ids, its people's ids and its reference data."""

    rank: int
    id: int
    uuid: str
    name: str
    owner_id: int
    owner_email: str
    api_key: str
    people: dict[str, list[int]] = field(default_factory=dict)
    # Reference ids by kind, then by code or name.
    statuses: dict[str, tuple[int, str, bool]] = field(default_factory=dict)
    priorities: dict[str, int] = field(default_factory=dict)
    types: list[int] = field(default_factory=list)
    payments: list[int] = field(default_factory=list)
    time_ranges: list[int] = field(default_factory=list)
    document_categories: list[int] = field(default_factory=list)


def company_name(rank: int) -> str:
    """The rank's company name: the first is named, the rest made from two lists."""
    if rank == 1:
        return FIRST_COMPANY
    name = _NAMES[rank % len(_NAMES)]
    trade = _TRADES[(rank // len(_NAMES)) % len(_TRADES)]
    return f"{name} {trade} {rank:02d} Ltd"


def make_company(uow: UnitOfWork, rank: int) -> BenchCompany:
    """One company with its owner (password set, key issued) and its people."""
    made = companies.create(uow, company_name(rank), f"owner{rank}@bench.example.com", "Sam Owner")
    users.set_password(uow, made.owner, PASSWORD)
    company = BenchCompany(
        rank=rank,
        id=made.company.id,
        uuid=str(made.company.uuid),
        name=made.company.name,
        owner_id=made.owner.id,
        owner_email=made.owner.email,
        api_key=made.api_key,
    )
    for role, count in STAFF.items():
        company.people[role] = [
            users.create(
                uow,
                made.company,
                f"{role}{n}.c{rank}@bench.example.com",
                role=role,
                first_name=role.title(),
                last_name=f"{n} of {rank}",
            ).id
            for n in range(1, count + 1)
        ]
    _read_reference(uow, company)
    return company


def _read_reference(uow: UnitOfWork, company: BenchCompany) -> None:
    session, cid = uow.session, company.id
    company.statuses = {
        code: (id_, stage, pauses)
        for id_, code, stage, pauses in session.execute(
            select(JobStatus.id, JobStatus.code, JobStatus.stage, JobStatus.pauses_sla).where(
                JobStatus.company_id == cid
            )
        )
    }
    priorities = select(JobPriority.name, JobPriority.id).where(JobPriority.company_id == cid)
    company.priorities = dict(session.execute(priorities).all())
    for target, model in (
        ("types", JobType),
        ("payments", PaymentStatus),
        ("time_ranges", TimeRange),
        ("document_categories", DocumentCategory),
    ):
        ids = session.scalars(
            select(model.id).where(model.company_id == cid).order_by(model.sort_order)
        )
        setattr(company, target, list(ids))
