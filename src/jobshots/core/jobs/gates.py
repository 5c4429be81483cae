"""The approval gate: which of a company's jobs its rule holds, at which status, and whether a
held job may go there yet.

A job is held when it matches every condition the company's rule sets: one of its job types,
and a client budget above its threshold; a rule that sets neither holds every job. A held job
may not enter the gate's status, or any status at or beyond it (by stage, then by the status's
place in the company's list), until the latest decision at its gate is an approval.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobshots.core.errors import Conflict
from jobshots.core.jobs.views import GateView, Named
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import STAGES, ApprovalDecision, ApprovalRule, Job, JobStatus, User

APPROVE, REJECT = "approve", "reject"
DECISIONS = (APPROVE, REJECT)
# A gate's state by its latest decision; none yet is pending.
STATES = {None: "pending", APPROVE: "approved", REJECT: "rejected"}


class GateClosed(Conflict):
    """A held job sent to its gate's status, or past it, before a manager approved it."""

    code = "approval_gate_closed"


def rule_of(session: Session, company_id: int) -> ApprovalRule | None:
    """The company's approval rule, if it has one."""
    return session.scalars(
        select(ApprovalRule).where(ApprovalRule.company_id == company_id)
    ).one_or_none()


def holds(rule: ApprovalRule, type_id: int | None, budget: Decimal | None) -> bool:
    """True when the rule holds a job of this type and client budget."""
    if rule.type_ids and type_id not in rule.type_ids:
        return False
    return rule.budget_over is None or (budget is not None and budget > rule.budget_over)


def reaches(status: JobStatus, gate: JobStatus) -> bool:
    """True when `status` is the gate's status or lies beyond it."""
    return _place(status) >= _place(gate)


def check(uow: UnitOfWork, job: Job, status: JobStatus) -> None:
    """Refuse `job` entering `status` (GateClosed) while its company's gate holds it there."""
    session = uow.session
    rule = rule_of(session, job.company_id)
    if rule is None or not holds(rule, job.type_id, job.budget):
        return
    gate = session.get_one(JobStatus, rule.status_id)
    if not reaches(status, gate):
        return
    decision = latest(session, [job.id]).get(job.id)
    if decision is not None and decision.decision == APPROVE:
        return
    state = STATES[decision.decision if decision else None]
    raise GateClosed(
        f"job {job.reference} cannot move to '{status.name}': the approval gate at "
        f"'{gate.name}' holds it until a manager approves it (the gate is {state})"
    )


def latest(session: Session, job_ids: Collection[int]) -> dict[int, ApprovalDecision]:
    """Each job's latest decision at its gate, for the jobs that have one."""
    if not job_ids:
        return {}
    found: dict[int, ApprovalDecision] = {}
    query = (
        select(ApprovalDecision)
        .where(ApprovalDecision.job_id.in_(job_ids))
        .order_by(ApprovalDecision.decided_at, ApprovalDecision.id)
    )
    for decision in session.scalars(query):
        found[decision.job_id] = decision
    return found


def of_jobs(session: Session, job_ids: Collection[int]) -> dict[int, GateView]:
    """The gate of each of these jobs that its company's rule holds; the others are absent."""
    if not job_ids:
        return {}
    rows = session.execute(
        select(Job.id, Job.type_id, Job.budget, ApprovalRule)
        .join(ApprovalRule, ApprovalRule.company_id == Job.company_id)
        .where(Job.id.in_(job_ids))
    ).all()
    held = {row[0]: row[3] for row in rows if holds(row[3], row[1], row[2])}
    if not held:
        return {}
    statuses = _statuses(session, {rule.status_id for rule in held.values()})
    decisions = latest(session, held.keys())
    people = _people(session, {d.decided_by_id for d in decisions.values() if d.decided_by_id})
    return {
        job_id: _view(statuses[rule.status_id], decisions.get(job_id), people)
        for job_id, rule in held.items()
    }


def of_job(session: Session, job: Job) -> GateView | None:
    """The job's gate, or None when its company's rule does not hold it."""
    session.flush()
    return of_jobs(session, [job.id]).get(job.id)


def _view(gate: JobStatus, decision: ApprovalDecision | None, people: dict[int, User]) -> GateView:
    if decision is None:
        return GateView(STATES[None], Named(gate.id, gate.name), None, None, "")
    person = people.get(decision.decided_by_id) if decision.decided_by_id else None
    return GateView(
        state=STATES[decision.decision],
        status=Named(gate.id, gate.name),
        decided_by=Named(person.id, person.display_name) if person else None,
        decided_at=decision.decided_at,
        notes=decision.notes,
    )


def _statuses(session: Session, ids: set[int]) -> dict[int, JobStatus]:
    query = select(JobStatus).where(JobStatus.id.in_(ids))
    return {status.id: status for status in session.scalars(query)}


def _people(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(ids)))}


def _place(status: JobStatus) -> tuple[int, int]:
    return STAGES.index(status.stage), status.sort_order
